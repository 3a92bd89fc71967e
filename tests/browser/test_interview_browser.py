"""Real browser: fill part of an interview, kill the server, start it again, reopen the URL: all there.

Runs `streamlit run serve.py` on a free loopback port and drives Debian's Chromium with
Playwright (fixtures in conftest.py). Runs in the PostgreSQL run too (browser_on_pg): an interview's answers
through a killed server and a reload, read back from the store, on both stores.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import item, saves, shot, wait_saved

pytestmark = pytest.mark.browser_on_pg


def test_values_survive_a_killed_server_and_a_reload(server, browser, tmp_path):
    from playwright.sync_api import expect

    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(20000)

    # start: a new site, its type, the interviewer; no name field for the respondent anywhere
    page.goto(base + "/")
    page.get_by_role("button", name="Start interview").wait_for()
    assert page.get_by_label(re.compile(r"^(Navn|Name)", re.I)).count() == 0
    page.get_by_label("Stedets navn").fill("Basen")
    page.get_by_label("Stedets navn").press("Tab")
    page.get_by_text("Boform", exact=True).click()
    page.get_by_label("Interviewer (initialer)").fill("KL")
    page.get_by_label("Interviewer (initialer)").press("Tab")
    page.get_by_text("BAS-01").wait_for()
    shot(page, "01_start")
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_url(re.compile(r"/interview\?.*iv="))
    iid = re.search(r"iv=([0-9a-f-]{36})", page.url).group(1)

    def act(what: str, *steps) -> None:
        n0 = saves(page)
        for step in steps:
            step()
        wait_saved(page, n0, what)

    # Om dig: free text, multiple choice, single choice, a number, a quote
    hvorfor = item(page, iid, "hvorfor_her").locator("textarea")
    act("Hvorfor er du her", lambda: hvorfor.fill("Jeg mistede min lejlighed. Her får jeg mad 🙂"),
        lambda: hvorfor.press("Tab"))
    act("Problemer, brugeren nævner",
        lambda: item(page, iid, "problemer").get_by_role("checkbox", name="Tidligere gæld").click())
    act("Køn", lambda: item(page, iid, "gender").get_by_text("Kvinde", exact=True).click())
    age = item(page, iid, "age").locator("input")
    age.fill("fyrre")
    age.press("Tab")
    item(page, iid, "age").locator("xpath=..").get_by_text("Ikke gemt").wait_for()
    page.locator(".bb-unsaved").wait_for()
    age.fill("4e1")  # Python reads 40: refused, and the field keeps what was typed (it showed «40» before)
    age.press("Tab")
    item(page, iid, "age").locator("xpath=..").get_by_text(re.compile("skriv kun cifrene 0-9")).wait_for()
    expect(age).to_have_value("4e1")
    act("Hvor gammel er du?", lambda: age.fill("44"), lambda: age.press("Tab"))
    page.locator(".st-key-q_hvorfor_her").get_by_role("button", name=re.compile("Citat")).click()
    quote = page.locator(f".st-key-qn_{iid}_hvorfor_her textarea")
    act("Citat", lambda: quote.fill("Her er der nogen, der kender mig."), lambda: quote.press("Tab"))
    page.keyboard.press("Escape")
    shot(page, "02_om_dig")

    # Udbytte: the probe grid, partly with the keyboard alone
    page.locator('[data-testid="stSidebar"]').get_by_text("3. Udbytte").click()
    page.wait_for_url(re.compile(r"afsnit=udbytte"))
    def cell(row: str, kind: str):
        return page.locator(f'.bbg-row[data-row="{row}"] .bbg-{kind}')

    act("rytme i hverdagen", lambda: cell("rytme", "answer").get_by_text("Ja", exact=True).click())
    act("Er det vigtigt for dig?", lambda: cell("rytme", "imp").get_by_text("Ja", exact=True).click())
    note = cell("rytme", "n").locator("input")
    act("Note", lambda: note.fill("Står op kl. 7 for at nå morgenmaden"), lambda: note.press("Enter"))
    # keyboard only: into the "kontakt" answers; j = Ja, then n = Nej (the same row, the answer changed),
    # then j for «vigtigt»; the focus moves on by itself; Tab back to the note and type
    cell("kontakt", "answer").locator(".bbg-opt").first.focus()
    act("tættere kontakter", lambda: page.keyboard.press("j"))
    cell("kontakt", "answer").locator(".bbg-opt").first.focus()
    act("tættere kontakter", lambda: page.keyboard.press("n"))
    act("Er det vigtigt for dig?", lambda: page.keyboard.press("j"))
    act("Note", lambda: cell("kontakt", "n").locator("input").focus(), lambda: page.keyboard.type("Har fået en ven"),
        lambda: page.keyboard.press("Enter"))
    shot(page, "03_udbytte")
    url_udbytte = page.url

    # the crash: kill the server without warning, start it again, open the same URL in a new browser tab
    server.kill()
    page.locator("#bb-offline").wait_for(timeout=15000)  # the open page says plainly that it is offline
    banner, status = page.locator("#bb-offline").bounding_box(), page.locator(".bb-mainstatus").bounding_box()
    assert status["y"] >= banner["y"] + banner["height"], (banner, status)  # «Gemt» is not covered by it
    shot(page, "03b_offline")
    page.close()
    server.start()
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(20000)
    page.goto(url_udbytte)
    page.locator(".bb-status").wait_for()  # the page has run

    # the store holds every acknowledged value (checked first: a lost answer is the failure that matters;
    # what the page shows is checked after it, with waiting reads)
    from survey.db import make_engine
    from survey import interview as svc

    e = make_engine(server.db_url)
    a = svc.load_state(e, iid).answers
    trail = [(t.code, t.old_value, t.new_value) for t in svc.audit_trail(e, iid)]  # every change, for the message
    e.dispose()
    assert a == {"hvorfor_her": "Jeg mistede min lejlighed. Her får jeg mad 🙂", "problemer": "gaeld",
                 "gender": "kvinde", "age": "44", "rytme": "ja", "rytme_vigtigt": "ja",
                 "rytme_note": "Står op kl. 7 for at nå morgenmaden", "kontakt": "nej", "kontakt_vigtigt": "ja",
                 "kontakt_note": "Har fået en ven"}, trail

    def checked(row: str, kind: str) -> list[bool]:
        opts = page.locator(f'.bbg-row[data-row="{row}"] .bbg-{kind} .bbg-opt')
        opts.first.wait_for(state="attached")
        return [o.get_attribute("aria-checked") == "true" for o in opts.all()]

    assert checked("rytme", "answer") == [True, False, False, False]
    assert checked("rytme", "imp") == [True, False, False]
    assert checked("kontakt", "answer") == [False, True, False, False]
    assert checked("kontakt", "imp") == [True, False, False]
    expect(page.locator('.bbg-row[data-row="rytme"] .bbg-n input')).to_have_value("Står op kl. 7 for at nå morgenmaden")
    expect(page.locator('.bbg-row[data-row="kontakt"] .bbg-n input')).to_have_value("Har fået en ven")
    page.goto(f"http://127.0.0.1:{server.port}/interview?iv={iid}&afsnit=om_dig")
    page.locator(".bb-status").wait_for()
    item(page, iid, "hvorfor_her").locator("textarea").wait_for()
    expect(item(page, iid, "hvorfor_her").locator("textarea")).to_have_value(
        "Jeg mistede min lejlighed. Her får jeg mad 🙂")
    expect(item(page, iid, "age").locator("input")).to_have_value("44")
    gender = item(page, iid, "gender").get_by_role("radio")
    gender.first.wait_for()
    assert [r.get_attribute("aria-checked") for r in gender.all()] == ["true", "false"]
    pill = item(page, iid, "problemer").get_by_role("checkbox", name="Tidligere gæld")
    assert pill.get_attribute("aria-checked") == "true"
    page.locator(".st-key-q_hvorfor_her").get_by_role("button", name=re.compile(r"Citat \(1\)")).click()
    expect(page.locator(f"[class*='st-key-qt_{iid}_'] textarea").first).to_have_value(
        "Her er der nogen, der kender mig.")
    shot(page, "04_after_restart")

    log = (tmp_path / "streamlit.log").read_text()
    assert "lejlighed" not in log and "morgenmaden" not in log  # no answers in the server log
