"""The guide edited in the middle of a study, in a real browser (Debian's Chromium; fixtures in conftest.py).

A draft holds «Andet (fx uddannelse)» for «Hvilken type aktivitet er der blevet tilbudt?»; the team then
removes that choice from the guide (and raises the version). Before, the resumed draft showed the
question with no option chosen — the stored answer looked unanswered, and the interviewer's pick
overwrote it. Now every page says the guide does not fit the stored interviews and names the sheet,
row, code and choice; no question is drawn, and the store is unchanged (read afterwards).
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey import guide_fit
from survey import interview as svc
from survey.db import make_engine, session_scope
from survey.guide import load_guide
from survey.models import Answer, AuditEntry
from tests.browser.conftest import Server, _free_port, _require_browser, item, shot
from tests.custom_guides import delete_row, edited_guide

SIZES = [(1280, 720), (1024, 768)]


@pytest.fixture
def changed(tmp_path, db_url, monkeypatch):
    """A draft answered with the bundled guide, then the app started with the choice removed."""
    _require_browser()
    e = make_engine(db_url)
    g = load_guide()
    guide_fit.forget()
    guide_fit.require_fit(e, g)  # the app recorded the guide the draft is taken with
    iv = svc.start_interview(e, g, site_name="Basen", site_type="boform", interviewer="KL")
    assert svc.save_answer(e, g, iv.id, "tilbudstype", "andet").ok
    path = edited_guide(tmp_path / "ny_guide.xlsx", delete_row("choices", {"list_name": "tilbudstype", "name": "andet"}),
                        version="2026.3")
    monkeypatch.setenv("BRUGERBLIK_GUIDE", str(path))
    srv = Server(_free_port(), db_url, tmp_path / "streamlit.log")
    srv.start()
    yield dict(engine=e, iid=iv.id, port=srv.port, row=g.item("tilbudstype").row)
    srv.kill()
    e.dispose()
    guide_fit.forget()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_resumed_draft_is_not_shown_under_a_guide_without_its_choice(changed, browser, size):
    from playwright.sync_api import expect

    expect.set_options(timeout=30000)  # the first page checks the store's answers against the guide (a loaded CI)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    iid, base = changed["iid"], f"http://127.0.0.1:{changed['port']}"
    main = page.locator('[data-testid="stMain"]')
    for url in (f"{base}/interview?iv={iid}&afsnit=aktivering", f"{base}/"):  # the draft's link, and the start page
        page.goto(url)
        expect(main.get_by_text("passer ikke til de interview, der er gemt")).to_be_visible()
        expect(main.get_by_text(f"ark 'survey', række {changed['row']}, koden 'tilbudstype'")).to_be_visible()
        expect(main.get_by_text("valget 'andet' har 1 gemte svar")).to_be_visible()
        expect(main.get_by_text("ny_guide.xlsx")).to_be_visible()  # the guide it names
        shot(page, f"guide_change_{size[0]}")
    # no question drawn: nothing the interviewer could pick to overwrite the stored answer
    expect(item(page, iid, "tilbudstype")).to_have_count(0)
    expect(page.get_by_role("radio", name="Tilbud på boformen/værestedet")).to_have_count(0)
    page.keyboard.press("Tab")  # by keyboard: nothing to answer either
    page.keyboard.press("Space")
    page.close()
    with session_scope(changed["engine"]) as s:
        assert s.execute(select(Answer.value).where(Answer.interview_id == iid, Answer.code == "tilbudstype")
                         ).scalar_one() == "andet"
        assert len(s.execute(select(AuditEntry).where(AuditEntry.interview_id == iid, AuditEntry.code == "tilbudstype")
                             ).all()) == 1  # the one save of the draft, nothing since
