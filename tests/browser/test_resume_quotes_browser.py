"""Issue 10.5 and 10.6 in a real browser (Debian's Chromium via Playwright, 1280×720; fixtures in conftest.py).

Answer «Om dig» and a probe in «3. Udbytte», go to the start page: the list marks which sections are done
and in progress; its link resumes in «Udbytte», and a reload stays there. A quote added from the probe
row (the grid's ❝) is shown under the probe's question in its dialog and in the Citater section. The
store is read afterwards: it is the promise, the page only shows it.
"""
from __future__ import annotations

import re
import time

from survey import interview as svc
from survey.db import make_engine
from survey.guide import load_guide
from tests.browser.conftest import item, saves, shot, wait_saved

QUESTION = "Har tilbuddet givet dig en rytme i hverdagen? (note)"
QUOTE = "Nu står jeg op hver morgen og når morgenmaden."


def test_resume_in_the_last_section_and_a_probe_quote_carries_its_question(server, browser, tmp_path):
    from playwright.sync_api import expect

    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(20000)

    def act(what: str, *steps) -> None:
        n0 = saves(page)
        for step in steps:
            step()
        wait_saved(page, n0, what)

    def sidebar():
        return page.locator('[data-testid="stSidebar"]')

    def marked(label: str, mark: str) -> None:
        """Wait until the sidebar marks a section («færdig», «i gang») and the app
        has finished the rerun that draws it (a click during that rerun could be lost)."""
        # the mark is the option's caption, its accessible description («ikon færdig»)
        expect(sidebar().get_by_role("radio", name=label)).to_have_accessible_description(re.compile(mark))
        page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                               "?.dataset.testScriptState === 'notRunning'")

    # start an interview from the start page
    page.goto(base + "/")
    page.get_by_role("button", name="Start interview").wait_for()
    page.get_by_label("Stedets navn").fill("Basen")
    page.get_by_label("Stedets navn").press("Tab")
    page.get_by_text("Boform", exact=True).click()
    page.get_by_label("Interviewer (initialer)").fill("KL")
    page.get_by_label("Interviewer (initialer)").press("Tab")
    page.get_by_text("BAS-01").wait_for()
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_url(re.compile(r"/interview\?.*iv="))
    iid = re.search(r"iv=([0-9a-f-]{36})", page.url).group(1)
    page.wait_for_url(re.compile(r"afsnit=om_dig"))  # nothing answered: the first section, as before

    # 1. Om dig: its required questions (the section is done)
    hvorfor = item(page, iid, "hvorfor_her").locator("textarea")
    act("Hvorfor er du her", lambda: hvorfor.fill("Bor her"), lambda: hvorfor.press("Tab"))
    act("Køn", lambda: item(page, iid, "gender").get_by_text("Mand", exact=True).click())
    age = item(page, iid, "age").locator("input")
    act("Hvor gammel er du?", lambda: age.fill("44"), lambda: age.press("Tab"))
    act("lønnet arbejde", lambda: item(page, iid, "loennet_arbejde").get_by_text("Nej", exact=True).click())
    marked("1. Om dig", "færdig")

    # 3. Udbytte: one probe (the section is in progress), the last answer saved
    sidebar().get_by_text("3. Udbytte").click()
    page.wait_for_url(re.compile(r"afsnit=udbytte"))
    act("rytme i hverdagen",
        lambda: page.locator('.bbg-row[data-row="rytme"] .bbg-answer').get_by_text("Ja", exact=True).click())
    marked("3. Udbytte", "i gang")

    # the start page: which sections are done, which in progress
    sidebar().get_by_role("link", name=re.compile("Alle interviews")).click()
    page.wait_for_url(lambda url: "/interview" not in url)
    row = page.locator(f'.bb-secline[data-iv="{iid}"]')
    row.wait_for()
    shot(page, "resume_01_list")
    states = {c.get_attribute("data-section"): (c.get_attribute("data-state"), c.inner_text())
              for c in row.locator(".bb-sec").all()}
    assert states == {"om_dig": ("done", "1✓"), "aktivering": ("todo", "2"), "udbytte": ("started", "3◐"),
                      "anderledes_grp": ("todo", "4"), "samarbejde_grp": ("todo", "5"),
                      "godt_tilbud_grp": ("todo", "6"), "fremtid_grp": ("todo", "7"), "samtykke": ("todo", "8")}
    assert "1 af 8 færdige" in row.inner_text()
    assert row.locator('.bb-sec[data-section="udbytte"]').get_attribute("title") == "3. Udbytte: i gang"

    # the resume link (it carries only iv=) opens «Udbytte» and puts it in the URL
    link = page.locator(f'[data-testid="stMain"] a[href*="iv={iid}"]:visible')  # (Streamlit draws a hidden twin)
    assert "afsnit" not in (link.get_attribute("href") or "")
    link.click()
    page.wait_for_url(re.compile(r"afsnit=udbytte"))
    expect(page.get_by_role("heading", name="3. Udbytte")).to_be_visible()
    expect(sidebar().get_by_role("radio", name=re.compile(r"3\. Udbytte"))).to_be_checked()
    page.reload()                                                  # a reload stays in the same place
    page.locator(".bbg").wait_for()
    assert "afsnit=udbytte" in page.url
    expect(page.get_by_role("heading", name="3. Udbytte")).to_be_visible()
    shot(page, "resume_02_udbytte")

    # a quote from the probe row: the ❝ in the grid's last column opens the row's quotes
    page.locator('.bbg-row[data-row="rytme"] .bbg-quote').click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    expect(dialog).to_contain_text(f"Citater · {QUESTION}")
    box = page.locator(f".st-key-qn_{iid}_rytme_note textarea")
    box.fill(QUOTE)
    box.press("Tab")
    # the dialog reruns on its own (a fragment): the store says when the quote is saved
    e = make_engine(server.db_url)
    try:
        deadline = time.monotonic() + 15
        while not svc.list_quotes(e, iid) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        e.dispose()
    expect(box).to_have_value("")                                  # the field is emptied for the next one
    expect(dialog.get_by_role("textbox", name="Citat 1", exact=True)).to_have_value(QUOTE)  # listed at once
    shot(page, "resume_03_quote_dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # the Citater section: the quote's link is the probe's question, not «Note»
    sidebar().get_by_text("Citater", exact=True).click()  # its count (a caption) follows on the next draw
    page.wait_for_url(re.compile(r"afsnit=_citater"))
    expect(sidebar().get_by_text("1 citat", exact=True)).to_be_visible()
    quote_link = page.locator('[data-testid="stMain"] a[href*="q=rytme_note"]')
    expect(quote_link).to_contain_text(QUESTION)
    assert page.locator('[data-testid="stMain"] a', has_text=re.compile(r"^\W*Note\W*$")).count() == 0
    expect(page.locator('[data-testid="stMain"] textarea').first).to_have_value(QUOTE)
    shot(page, "resume_04_citater")

    # the store
    g = load_guide()
    e = make_engine(server.db_url)
    try:
        state = svc.load_state(e, iid)
        quotes = [(q.item_code, q.text) for q in state.quotes]
        resume = svc.resume_section(e, iid, g)
        row = next(r for r in svc.list_interviews(e, g) if r.id == iid)
    finally:
        e.dispose()
    assert state.answers == {"hvorfor_her": "Bor her", "gender": "mand", "age": "44", "loennet_arbejde": "nej",
                             "rytme": "ja"}
    assert quotes == [("rytme_note", QUOTE)] and svc.quote_question(g, "rytme_note") == QUESTION
    assert resume == "udbytte" and row.last_section == "udbytte" and row.sections_done == 1

    log = (tmp_path / "streamlit.log").read_text()
    assert "morgenmaden" not in log and "Bor her" not in log  # no answers or quotes in the server log
