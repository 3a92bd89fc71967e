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


# ---------------------------------------------------------------- the guide replaced under an open page

NEW_TEXT = "Hvilken slags aktivitet har du fået tilbudt?"


@pytest.fixture
def replaced(tmp_path, db_url, monkeypatch):
    """The app started with a copy of the bundled guide; a draft; and an allowed new version of the guide (the
    question text of tilbudstype changed, a new choice), to be put in the copy's place while a page is open."""
    import shutil

    from survey.guide import DEFAULT_GUIDE
    from tests.custom_guides import add_choice, set_cell

    _require_browser()
    path = tmp_path / "guide.xlsx"
    shutil.copy(DEFAULT_GUIDE, path)
    new = edited_guide(tmp_path / "ny_version.xlsx", set_cell("survey", {"name": "tilbudstype"}, "label", NEW_TEXT),
                       add_choice("tilbudstype", "frivilligt", "Frivilligt arbejde"), version="2026.3")
    e = make_engine(db_url)
    g = load_guide(path)
    guide_fit.forget()
    guide_fit.require_fit(e, g)
    iv = svc.start_interview(e, g, site_name="Basen", site_type="boform", interviewer="KL")
    monkeypatch.setenv("BRUGERBLIK_GUIDE", str(path))
    srv = Server(_free_port(), db_url, tmp_path / "streamlit.log")
    srv.start()
    yield dict(engine=e, iid=iv.id, port=srv.port, path=path, new=new)
    srv.kill()
    e.dispose()
    guide_fit.forget()


def _answer_trail(engine, iid, code):
    with session_scope(engine) as s:
        return s.execute(select(AuditEntry.new_value).where(AuditEntry.interview_id == iid, AuditEntry.code == code)
                         ).scalars().all()


@pytest.mark.parametrize("size, by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_an_answer_given_on_a_page_drawn_with_the_old_guide_waits_for_a_reload(replaced, browser, size, by):
    """docs/guide.md «Når guiden ændres»: the guide file is replaced by an allowed new version while the page,
    drawn with the old one, is open. The answer given there is not stored under the new guide: the page says
    in Danish that the guide changed and what to press, keeps the change (the pill says it waits; closing would
    ask), and after «Genindlæs siden» shows the new guide's question with the held answer, which is then stored
    — checked by the new guide — once."""
    import os
    import time

    from playwright.sync_api import expect

    from tests.browser.conftest import press_until

    expect.set_options(timeout=30000)
    e, iid = replaced["engine"], replaced["iid"]
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{replaced['port']}/interview?iv={iid}&afsnit=aktivering")
    field = item(page, iid, "tilbudstype")
    option = field.get_by_role("radio", name="Tilbud uden for boform/værested")
    option.wait_for()
    page.wait_for_function("document.querySelector('.bb-mainstatus')?.innerText.includes('Alt er gemt')")
    os.replace(replaced["new"], replaced["path"])   # the team puts the new version in place; the page is open
    if by == "mouse":
        option.click()
    else:
        field.locator(".bb-copt").first.focus()
        page.keyboard.press("ArrowRight")   # to «Tilbud uden for boform/værested»: moves only
        page.keyboard.press("Space")
    main = page.locator('[data-testid="stMain"]')
    alert = main.locator(".st-key-bb_guide_changed [data-testid='stAlertContentError']")
    expect(alert).to_contain_text("Spørgeguiden er ændret, siden siden blev vist.")
    expect(alert).to_contain_text("Tryk «Genindlæs siden»")
    expect(page.locator(".bb-mainstatus")).to_contain_text("Ikke gemt")
    reload = main.get_by_role("button", name="Genindlæs siden")
    expect(reload).to_be_visible()
    expect(page.locator("#bb-pending")).to_have_attribute("data-state", "guide")
    expect(page.locator("#bb-pending")).to_contain_text("Tryk «Genindlæs siden»")
    expect(main.get_by_text(NEW_TEXT)).to_have_count(0)   # no field drawn with the new guide under the hands
    bb = reload.bounding_box()
    assert bb and 0 <= bb["y"] and bb["y"] + bb["height"] <= size[1], bb   # on screen at this size
    shot(page, f"guide_replaced_{size[0]}")
    time.sleep(1.5)   # the page's queue has had time to send it again (every second's check): still not stored
    assert "tilbudstype" not in svc.load_state(e, iid).answers and _answer_trail(e, iid, "tilbudstype") == []
    # closing or reloading the tab now asks first: the change lives only in this page
    asked = page.evaluate("""() => { const ev = new Event('beforeunload', {cancelable: true});
                                     window.dispatchEvent(ev); return ev.defaultPrevented; }""")
    assert asked
    press_until(page, reload, by, "Enter",
                lambda **kw: expect(page.locator(".st-key-q_tilbudstype").get_by_text(NEW_TEXT)).to_be_visible(**kw))
    # the new guide's question, with the held answer chosen, and the change sent again: stored once, under it
    expect(item(page, iid, "tilbudstype").get_by_role("radio", name="Frivilligt arbejde")).to_be_visible()
    deadline = time.monotonic() + 20
    while svc.load_state(e, iid).answers.get("tilbudstype") != "udenfor":
        assert time.monotonic() < deadline, svc.load_state(e, iid).answers
        time.sleep(0.1)
    expect(item(page, iid, "tilbudstype").get_by_role("radio", name="Tilbud uden for boform/værested")
           ).to_have_attribute("aria-checked", "true")
    expect(page.locator(".bb-mainstatus")).to_contain_text("✔ Gemt")
    expect(page.locator("#bb-pending")).to_be_hidden()
    assert _answer_trail(e, iid, "tilbudstype") == ["udenfor"]   # stored once
    assert svc.load_state(e, iid).versions["tilbudstype"] == 1
    shot(page, f"guide_reloaded_{size[0]}")
    page.close()
