"""Issue 14: «Fakta om undersøgelsen» (Bilag B's introduction, from the guide) on the start page, opened
by mouse at 1280×720 and by keyboard at 1024×768 before an interview begins."""
from __future__ import annotations

import re

import pytest

from survey.guide import load_guide
from tests.browser.conftest import shot
from ui.clickguard import QUIET_MS


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_the_interviewer_reads_the_facts_before_the_interview(db_url, server, browser, size, by):
    from playwright.sync_api import expect

    fakta = load_guide().fakta
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/")  # the start page
    main = page.locator('[data-testid="stMain"]')
    summary = main.get_by_text("Fakta om undersøgelsen", exact=False).first
    summary.wait_for()
    box = summary.bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= size[1], box  # above the fold
    expect(main.get_by_text(fakta[0][:40], exact=False)).not_to_be_visible()
    if by == "mouse":
        summary.click()
    else:
        page.locator('[data-testid="stExpander"] summary').first.focus()
        page.keyboard.press("Enter")
    for line in (fakta[0], fakta[-1]):
        expect(main.get_by_text(line[:40], exact=False)).to_be_visible()
    page.wait_for_timeout(1500)  # and it stays open (no rerun closes it)
    expect(main.get_by_text(fakta[0][:40], exact=False)).to_be_visible()
    shot(page, f"start_fakta_{size[0]}")
    page.close()


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_the_start_pages_date_is_typed_and_an_impossible_day_starts_nothing(db_url, demo_store, server, browser,
                                                                          size, by):
    """Streamlit's picker made «31.04.2025» the 30th: the date is typed, a day that does not exist is
    named under the field, «Start interview» then starts nothing; a real day starts the interview
    with that date (read back from the store)."""
    import datetime as dt

    from playwright.sync_api import expect
    from sqlalchemy import func, select
    from sqlmodel import Session

    from survey.models import Interview
    from tests.browser.conftest import idle

    def count() -> int:
        with Session(demo_store) as s:
            return s.execute(select(func.count()).select_from(Interview)).scalar()

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/")
    main = page.locator('[data-testid="stMain"]')
    field = main.locator(".st-key-start_date").get_by_role("textbox")
    field.wait_for()
    idle(page)
    who = main.locator(".st-key-start_interviewer").get_by_role("textbox")
    who.fill("KL")
    who.press("Tab")
    idle(page)
    before = count()
    start = main.locator(".st-key-start_btn").get_by_role("button")

    def type_date(text: str) -> None:
        if by == "mouse":
            field.click()
        else:
            field.focus()
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(text)
        page.keyboard.press("Tab")  # leaves the field: Streamlit sends the value
        idle(page)

    def press_start() -> None:
        if by == "mouse":
            start.click()
        else:
            start.focus()
            page.keyboard.press("Enter")
        idle(page)

    type_date("31.04.2025")
    expect(main.get_by_text("datoen findes ikke — april 2025 har 30 dage")).to_be_visible()
    press_start()
    expect(main.get_by_text("Interviewet er ikke startet")).to_be_visible()
    shot(page, f"start_date_refused_{size[0]}")
    page.wait_for_timeout(500)
    assert "iv=" not in page.url and count() == before
    type_date("30.04.2025")
    expect(main.get_by_text("datoen findes ikke")).to_have_count(0)  # the rerun with the new date is drawn
    idle(page)
    # ui.clickguard swallows a second press on «Start interview»'s spot for QUIET_MS after the first
    # one's page is drawn (a double click is not an answer); a person fixing the date takes longer
    page.wait_for_timeout(QUIET_MS + 300)
    press_start()
    page.wait_for_url(re.compile(r"/interview\?.*iv="))
    iid = re.search(r"iv=([0-9a-f-]{36})", page.url).group(1)
    with Session(demo_store) as s:
        assert s.get(Interview, iid).interview_date == dt.date(2025, 4, 30)
    assert count() == before + 1
    page.close()
