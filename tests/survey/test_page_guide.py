"""A page drawn with one guide never has its answers stored under another (docs/guide.md «Når guiden ændres»).

The team replaces the guide with an allowed new version (a changed question text, a new choice) while an
interviewer's page, drawn with the old one, is open. Every change from that page names the guide it was drawn
with (`survey.guide.page_digest`); `survey.interview.drawn_with` is the one rule, and `save_answer` and
`save_closing_changes` (the closing route) store nothing from a page drawn with another guide. Runs on SQLite
and PostgreSQL (the `engine` fixture)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey import guide_fit
from survey import interview as svc
from survey.db import session_scope
from survey.guide import load_guide, page_digest
from survey.models import AuditEntry
from tests.custom_guides import add_choice, delete_row, edited_guide, set_cell

NEW_TEXT = "Hvilken slags aktivitet har du fået tilbudt?"


def new_guide(path, *edits):
    """The bundled guide with tilbudstype's question text changed and a new choice (an allowed change)."""
    return load_guide(edited_guide(path, set_cell("survey", {"name": "tilbudstype"}, "label", NEW_TEXT),
                                   add_choice("tilbudstype", "frivilligt", "Frivilligt arbejde"), *edits,
                                   version="2026.3"))


@pytest.fixture
def setup(engine, guide, tmp_path):
    guide_fit.forget()
    guide_fit.require_fit(engine, guide)
    iv = svc.start_interview(engine, guide, site_name="Basen", site_type="boform", interviewer="KL",
                             interview_date=dt.date(2026, 11, 3))
    new = new_guide(tmp_path / "ny.xlsx", delete_row("choices", {"list_name": "tilbudstype", "name": "intet_tilbud"}))
    guide_fit.forget()
    guide_fit.require_fit(engine, new)  # allowed: the server now uses it
    yield iv, new
    guide_fit.forget()


def trail(engine, iid):
    with session_scope(engine) as s:
        return s.execute(select(AuditEntry.code).where(AuditEntry.interview_id == iid,
                                                       AuditEntry.entity == "answer")).scalars().all()


def test_the_page_digest_follows_every_text_the_page_shows(guide, tmp_path):
    new = new_guide(tmp_path / "ny.xlsx")
    assert page_digest(guide) != page_digest(new)
    # a question text alone, without a new version (allowed), is another page too
    text_only = load_guide(edited_guide(tmp_path / "t.xlsx", set_cell("survey", {"name": "tilbudstype"}, "label",
                                                                      NEW_TEXT)))
    assert page_digest(text_only) not in (page_digest(guide), page_digest(new))
    assert page_digest(load_guide()) == page_digest(guide)  # the same guide: the same page
    assert svc.drawn_with(guide, page_digest(guide)) and not svc.drawn_with(new, page_digest(guide))


def test_an_answer_from_a_page_drawn_with_the_old_guide_is_not_stored(engine, guide, setup):
    iv, new = setup
    old = page_digest(guide)
    for code, value in [("tilbudstype", "udenfor"), ("tilbudstype", "intet_tilbud"), ("hvorfor_her", "Tekst")]:
        res = svc.save_answer(engine, new, iv.id, code, value, base=(0, None), drawn=old)
        assert not res.ok and res.guide_changed and res.conflict is None
        assert "spørgeguiden er ændret" in res.message and value not in res.message
    assert svc.load_state(engine, iv.id).answers == {} and trail(engine, iv.id) == []
    # drawn with the guide in use: checked by it as always — its new choice is stored, the removed one refused
    assert svc.save_answer(engine, new, iv.id, "tilbudstype", "frivilligt", base=(0, None), drawn=page_digest(new)).ok
    res = svc.save_answer(engine, new, iv.id, "tilbudstype", "intet_tilbud", base=(1, "frivilligt"),
                          drawn=page_digest(new))
    assert not res.ok and not res.guide_changed
    assert svc.load_state(engine, iv.id).answers == {"tilbudstype": "frivilligt"}


def test_a_closing_page_drawn_with_the_old_guide_stores_nothing(engine, guide, setup):
    iv, new = setup
    old, now = page_digest(guide), page_digest(new)
    items = [{"code": "hvorfor_her", "value": "Skrevet på den gamle side", "base": [0, None], "gd": now},
             {"code": "tilbudstype", "value": "udenfor", "base": [0, None], "gd": old},
             {"code": "newquote:hvorfor_her", "value": "Et citat", "draft": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
              "gd": old}]
    res = svc.save_closing_changes(engine, new, iv.id, items)
    assert res.guide_changed and res.stored == 0
    assert svc.load_state(engine, iv.id).answers == {} and svc.list_quotes(engine, iv.id) == []
    assert trail(engine, iv.id) == []
    # the page reloaded with the new guide: the same changes, now its own, are stored
    res = svc.save_closing_changes(engine, new, iv.id, [dict(it, gd=now) for it in items])
    assert not res.guide_changed and res.complete
    assert svc.load_state(engine, iv.id).answers == {"hvorfor_her": "Skrevet på den gamle side",
                                                     "tilbudstype": "udenfor"}
