"""Real browser: a double click on «Til citatbanken» makes one quote, not two (found by a usability tester).

On Transskriptioner each segment has the button «Til citatbanken». A double click (or a second click
while the page is slow) ran the callback twice and stored two identical quotes of the segment; both
went into the quote bank, its exports and the report's «Citater» sheet. Now the second click finds the
quote made by the first and says so. The store is read afterwards.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from survey.db import session_scope
from tests.browser.test_danish_browser import settled


def test_double_click_on_til_citatbanken_stores_one_quote(demo_store, server, browser):
    from archetypes import coding
    from coding import transcripts as tr
    from survey.models import Quote

    engine = demo_store
    data = (Path(__file__).resolve().parents[1] / "coding" / "data" / "interview_dansk.txt").read_bytes()
    with session_scope(engine) as s:
        iid = {r.respondent_id: r.interview_id for r in coding.respondents(s)}["AMA-01"]
        info = tr.import_transcript(s, iid, data, "interview.txt", "Forsker A")
        seg_id = tr.segments_for(s, info.id)[1].id

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/transskriptioner?r=AMA-01")
    settled(page)
    name = page.locator('[data-testid="stSidebar"] input[aria-label="Kodet af"]')
    name.fill("Forsker B")
    name.press("Enter")
    settled(page)
    button = page.locator(f".st-key-tr_q_{seg_id} button")
    button.scroll_into_view_if_needed()
    button.dblclick()
    page.get_by_text("i citatbanken som citat").first.wait_for()
    settled(page, title=False)
    page.wait_for_timeout(1500)  # the second click's run, if any
    settled(page, title=False)
    with session_scope(engine) as s:
        n = s.execute(select(func.count()).select_from(Quote).where(Quote.interview_id == iid)).scalar_one()
    assert n == 1
    # a later click on the same segment again: still one quote
    button.click()
    settled(page, title=False)
    with session_scope(engine) as s:
        n = s.execute(select(func.count()).select_from(Quote).where(Quote.interview_id == iid)).scalar_one()
    assert n == 1
