"""The interview page's live saves (ui/autosave.apply_queue) after the guide was replaced under an open page.

The team replaces the user guide with an allowed new version — tilbudstype's question text changed, a new choice
added, an unused one removed — while a page drawn with the old guide is open. A change from that page carries the
old guide's page digest (``gd``, ui/static/queue.js): nothing is stored, the change is not acknowledged (the page
keeps it), and instead of the fields the page says in Danish that the guide changed and what to press. After
«Genindlæs siden» the fields are the new guide's, the component accepts the old digest (the page sends its held
changes again as this guide's), and such a change is checked by the new guide like any: stored if it fits, else
refused at the field — without the answer in the message. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from survey import guide_fit
from survey import interview as svc
from survey.db import get_engine
from survey.guide import load_guide, page_digest
from tests.app.autosave_driver import data
from tests.app.test_interview_app import open_interview, run_ok, texts
from tests.custom_guides import add_choice, delete_row, edited_guide, set_cell
from ui.common import DONE, wkey

NEW_TEXT = "Hvilken slags aktivitet har du fået tilbudt?"


@pytest.fixture
def db(db_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    return get_engine(db_url)  # the engine the app's cache_resource hands out for this URL


@pytest.fixture
def changed(db, guide, tmp_path, monkeypatch):
    guide_fit.forget()
    guide_fit.require_fit(db, guide)
    iv = svc.start_interview(db, guide, site_name="Basen", site_type="boform", interviewer="KL",
                             interview_date=dt.date(2026, 11, 3))
    at = open_interview(iv.id, "aktivering")
    key = wkey(iv.id, "tilbudstype")
    old = data(at, key)["guide"]["gd"]
    assert old == page_digest(guide)
    path = edited_guide(tmp_path / "ny.xlsx", set_cell("survey", {"name": "tilbudstype"}, "label", NEW_TEXT),
                        add_choice("tilbudstype", "frivilligt", "Frivilligt arbejde"),
                        delete_row("choices", {"list_name": "tilbudstype", "name": "intet_tilbud"}), version="2026.3")
    monkeypatch.setenv("BRUGERBLIK_GUIDE", str(path))   # the server's guide is replaced; the page is still open
    guide_fit.forget()
    yield at, iv.id, key, old, page_digest(load_guide(path))
    guide_fit.forget()


def send(at, key, items):
    at.session_state[key] = {"queue": {"cid": "tab", "items": items}}
    return run_ok(at)


@pytest.mark.parametrize("value, stored", [("udenfor", True), ("intet_tilbud", False)])
def test_a_change_from_a_page_drawn_with_the_old_guide_waits_for_a_reload(db, changed, value, stored):
    at, iid, key, old, new = changed
    item = {"seq": 1, "code": "tilbudstype", "value": value, "base": [0, None], "gd": old}
    send(at, key, [item])
    assert svc.load_state(db, iid).answers == {}
    assert [t for t in svc.audit_trail(db, iid) if t.code == "tilbudstype"] == []
    assert (at.session_state[DONE] or {}).get((key, "tab"), 0) == 0   # not acknowledged: the page keeps it
    shown = texts(at)
    assert "Spørgeguiden er ændret, siden siden blev vist" in shown and "Genindlæs siden" in shown
    assert value not in shown
    with pytest.raises(KeyError):   # no field of the new guide drawn under the interviewer's hands
        data(at, key)
    assert NEW_TEXT not in shown
    send(at, key, [item])   # sent again (the page's resend): still nothing
    assert svc.load_state(db, iid).answers == {}
    at.button(key="bb_guide_reload").click()
    run_ok(at)
    d = data(at, key)
    assert d["label"] == NEW_TEXT and d["guide"] == {"gd": new, "accept": [old]}
    assert "Spørgeguiden er ændret, siden siden blev vist" not in texts(at)
    send(at, key, [dict(item, gd=new)])   # the page's held change, now this page's (ui/static/queue.js)
    answers = svc.load_state(db, iid).answers
    if stored:
        assert answers == {"tilbudstype": value}
    else:   # a choice the new guide does not have: refused at the field, nothing stored, the page goes on
        assert answers == {}
        status = " ".join(m.value for m in at.main.markdown if "bb-mainstatus" in m.value)
        assert "Ikke gemt" in status and "tilladt: boform_vaerested" in status and "frivilligt" in status
        assert value not in status
        assert data(at, key)["acked"]["tab"] == 1
