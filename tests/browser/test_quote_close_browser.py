"""A new quote while the tab is closed or reloaded, in a real browser (Debian's Chromium via Playwright,
1280×720 and 1024×768; fixtures in conftest.py). A tester found, in «Nyt citat (ordret)»:

- an earlier quote of the same question overwritten when the new one began with its text and the tab
  was closed (or reloaded) at once: «Nej» became «Nej, jeg har aldrig …», and the new quote was there
  twice;
- a new quote stored two to four times when the tab was closed while it was being saved.

Each new quote now carries its own id from the page (`survey.interview.save_new_quote`). The store is
read afterwards: exactly the quotes typed, each once.
"""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from survey import interview as svc
from survey.db import make_engine
from survey.guide import load_guide

ITEM = "hvorfor_her"
FIRST = "Nej"
SECOND = "Nej, jeg har aldrig gået på en uddannelse"


def _quotes(db_url: str, iid: str, want: int, wait_s: float = 8.0) -> list[str]:
    """The quotes of `iid` once there are `want` of them (the beacon arrives after the page is gone),
    then a little longer, so a late duplicate would be seen too."""
    e = make_engine(db_url)
    try:
        deadline = time.monotonic() + wait_s
        texts = []
        while time.monotonic() < deadline:
            texts = [q.text for q in svc.list_quotes(e, iid)]
            if len(texts) >= want:
                break
            time.sleep(0.1)
        time.sleep(1.5)
        return [q.text for q in svc.list_quotes(e, iid)]
    finally:
        e.dispose()


def _new_interview(db_url: str):
    e = make_engine(db_url)
    try:
        return svc.start_interview(e, load_guide(), site_name="Basen", site_type="boform", interviewer="KL",
                                   interview_date=dt.date(2026, 11, 3))
    finally:
        e.dispose()


@pytest.mark.parametrize("size, how", [((1280, 720), "close"), ((1024, 768), "reload")])
def test_a_new_quote_typed_as_the_tab_closes_is_stored_once_and_the_earlier_one_stays(server, browser, size, how):
    from playwright.sync_api import expect

    iv = _new_interview(server.db_url)
    base = f"http://127.0.0.1:{server.port}"
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{base}/interview?iv={iv.id}&afsnit=om_dig")

    def new_quote_box():
        page.locator(f".st-key-q_{ITEM}").get_by_role("button", name=re.compile("Citat")).click()
        box = page.get_by_role("textbox", name="Nyt citat (ordret)").last
        box.wait_for()
        return box

    # the first quote, typed and left (Escape): stored
    box = new_quote_box()
    box.click()
    page.keyboard.type(FIRST, delay=20)
    page.keyboard.press("Escape")
    assert _quotes(server.db_url, iv.id, 1) == [FIRST]
    page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                           "?.dataset.testScriptState === 'notRunning'")

    # a second one that begins with the first's text; the tab is closed (or reloaded) at once
    box = new_quote_box()
    expect(box).to_have_value("")
    box.click()
    page.keyboard.type(SECOND, delay=0)
    if how == "close":
        page.close(run_before_unload=True)
    else:
        page.reload()
    assert _quotes(server.db_url, iv.id, 2) == [FIRST, SECOND]
    context.close()


def test_a_new_quote_after_the_field_was_emptied_is_another_quote(server, browser):
    """A reviewer found the first quote replaced: typed (and saved), the field emptied and left, then a
    second quote typed in the «Nyt citat» field wrote over the first (it kept the first one's id)."""
    iv = _new_interview(server.db_url)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(20000)
    page.goto(f"http://127.0.0.1:{server.port}/interview?iv={iv.id}&afsnit=om_dig")
    opener = page.locator(f".st-key-q_{ITEM}").get_by_role("button", name=re.compile("Citat"))
    opener.click()
    box = page.get_by_role("textbox", name="Nyt citat (ordret)").last
    box.click()
    page.keyboard.type("Første citat om skolen", delay=10)
    assert _quotes(server.db_url, iv.id, 1) == ["Første citat om skolen"]  # saved while typed (focus kept)
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    page.mouse.click(5, 300)  # leave the field, emptied: the quote stays («Slet citat» deletes)
    page.wait_for_timeout(1500)
    if not page.get_by_role("textbox", name="Nyt citat (ordret)").count():
        opener.click()
    box = page.get_by_role("textbox", name="Nyt citat (ordret)").last
    box.click()
    page.keyboard.type("Et helt andet citat om familien", delay=10)
    page.mouse.click(5, 300)
    assert _quotes(server.db_url, iv.id, 2) == ["Første citat om skolen", "Et helt andet citat om familien"]
