"""The other sources' guides edited in the middle of a study (`survey.guide_fit`; docs/guide.md «Når guiden
ændres»): a case worker's, contact person's, leader's or case file's guide is checked against the stored
interviews of its own informant type, wherever it is loaded for use with the store.

Before, a Brugerblik upgrade that swapped two choice labels in a bundled source guide (or removed a choice,
or turned a text question into a choice list) loaded without a word: the pages, the closing route and the
exports read the stored answers with the other meaning. Here the bundled guides are copied to a folder
(`survey.sources.GUIDE_DIR`, as tests/exports/test_identifiers.py does) and the copy edited.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import event, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from brugerblik.cli import main
from exports import raw
from survey import guide_fit, source_store, sources
from survey import interview as svc
from survey.db import get_engine, session_scope
from survey.guide import guide_fingerprint, load_guide
from survey.models import StudySetting
from tests.custom_guides import add_choice, edited_guide, set_cell, swap_labels

SECRET = "Talte med Jens Hansen, tlf 22 33 44 55"
SB = "sagsbehandler"


@pytest.fixture
def study(db_url, tmp_path, monkeypatch):
    """A user's interview and a case worker's about it (both with answers), taken with a copy of the bundled
    guides (`GUIDE_DIR` pointed at it)."""
    folder, bundled = tmp_path / "guider", sources.GUIDE_DIR
    folder.mkdir()
    for p in bundled.glob("*.xlsx"):
        shutil.copy(p, folder / p.name)
    monkeypatch.setattr(sources, "GUIDE_DIR", folder)
    guide_fit.forget()
    engine = get_engine(db_url)
    g = load_guide()
    guide_fit.require_fit(engine, g)
    user = svc.start_interview(engine, g, site_name="Basen", site_type="boform", interviewer="Fie",
                               interview_date=dt.date(2026, 11, 3))
    for code, value in {"gender": "kvinde", "tilbudstype": "andet"}.items():
        assert svc.save_answer(engine, g, user.id, code, value).ok
    info = source_store.start_source_interview(engine, SB, subject_interview_id=user.id, interviewer="Fie")
    gs = source_store.informant_guide(SB)
    for code, value in {"fokus": "konkret", "kendskab": "godt", "tilbudstype": "andet", "forloeb": SECRET}.items():
        assert svc.save_answer(engine, gs, info.id, code, value).ok
    yield dict(engine=engine, db_url=db_url, folder=folder, bundled=bundled, user=user, source=info, guide=g)
    guide_fit.forget()


def bundle(study, *edits, version: str | None = None):
    """The case worker's bundled guide, edited, in the study's folder (as a release of Brugerblik would ship it)."""
    name = sources.GUIDE_FILES[SB]
    edited_guide(study["folder"] / name, *edits, version=version, src=study["bundled"] / name)
    guide_fit.forget()


def refused(study) -> str:
    with pytest.raises(guide_fit.GuideFitError) as e:
        source_store.informant_guide(SB, study["engine"])
    text = str(e.value)
    assert "Jens" not in text and "22 33" not in text  # never an answer's text
    return text


def test_two_labels_swapped_in_a_source_guide_are_refused_naming_its_type(study, tmp_path, capsys):
    e = study["engine"]
    bundle(study, swap_labels("kendskab", "godt", "noget"), version="2026.2")
    text = refused(study)
    assert "Sagsbehandlerens spørgeguide" in text and "informanttypen 'sagsbehandler'" in text
    assert ("ark 'choices', listen 'kendskab', valget 'godt': etiketten 'Noget' er den, valget 'noget' havde i "
            "version 2026.1, og 1 gemte svar har valget 'godt'") in text, text
    # every way the store is read with that guide refuses it: starting another, exporting, the closing route
    with pytest.raises(guide_fit.GuideFitError):
        source_store.start_source_interview(e, SB, subject_interview_id=study["user"].id, interviewer="Fie")
    out = tmp_path / "sb.csv"
    with pytest.raises(guide_fit.GuideFitError):
        raw.export_sources(e, SB, out, drafts=True)
    assert not out.exists()
    with pytest.raises(guide_fit.GuideFitError):
        source_store.load_sources(e, [SB], drafts=True)
    with pytest.raises(guide_fit.GuideFitError):
        svc.guide_of(svc.get_info(e, study["source"].id), study["guide"], e)
    # the CLI's guide check names it too
    guide_fit.forget()
    assert main(["--db", study["db_url"], "guide", "check"]) == 1
    err = capsys.readouterr().err
    assert "Sagsbehandlerens spørgeguide" in err and "valget 'godt'" in err and "Jens" not in err
    # the users' own guide is not concerned: it still fits (its snapshots are not the case worker's)
    guide_fit.forget()
    guide_fit.require_fit(e, load_guide())


def test_a_text_question_turned_into_a_choice_list_is_refused(study):
    bundle(study, set_cell("survey", {"name": "forloeb"}, "type", "select_one ja_nej"),
           set_cell("survey", {"name": "forloeb"}, "brugerblik_identifikator", None), version="2026.2")
    text = refused(study)
    assert "koden 'forloeb': 1 gemte svar er ikke valg i listen 'ja_nej'" in text


def test_a_new_choice_with_a_new_version_is_accepted_and_recorded_under_the_type(study):
    e = study["engine"]
    bundle(study, add_choice("kendskab", "lidt", "Lidt"))
    assert "hæv versionen" in refused(study)  # changed choices, same version: refused
    bundle(study, add_choice("kendskab", "lidt", "Lidt"), version="2026.2")
    g = source_store.informant_guide(SB, e)
    assert [c.value for c in g.choices["kendskab"]][-1] == "lidt"
    with session_scope(e) as s:
        assert s.get(StudySetting, guide_fit.fit_key(SB)).value == guide_fingerprint(g)
        assert s.get(StudySetting, guide_fit.snapshot_key(g.form_id, "2026.2", SB)) is not None
        assert s.get(StudySetting, guide_fit.snapshot_key(g.form_id, "2026.1", SB)) is not None
        assert s.get(StudySetting, "guide_tjekket:sagsbehandler").value == guide_fingerprint(g)
        assert len({guide_fit.snapshot_key(g.form_id, "2026.2", inf) for inf in sources.INFORMANTS}) == 5
        assert all(len(guide_fit.snapshot_key(g.form_id, "2026.2", inf)) <= StudySetting.__table__.c.key.type.length
                   for inf in sources.INFORMANTS)
        # the user guide's rows keep their keys (stores from before stay valid)
        assert s.get(StudySetting, guide_fit.FIT_KEY).value == guide_fingerprint(study["guide"])


def test_a_fitted_source_guide_costs_one_row_read_at_the_next_start(study):
    e = study["engine"]
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(e, "before_cursor_execute", note)
    try:
        guide_fit.forget()  # a new process
        source_store.informant_guide(SB, e)
        reads = [st for st in statements if st.lstrip().upper().startswith("SELECT")]
        assert len(reads) == 1 and "study_setting" in reads[0], statements
        statements.clear()
        source_store.informant_guide(SB, e)  # the same process: nothing read
        assert not statements
    finally:
        event.remove(e, "before_cursor_execute", note)


def test_the_closing_route_stores_nothing_with_a_source_guide_that_does_not_fit(study, monkeypatch):
    from ui import autosave_http

    monkeypatch.setenv("BRUGERBLIK_DB", study["db_url"])
    client = TestClient(Starlette(routes=autosave_http.ROUTES), base_url="http://testserver")
    iid = study["source"].id
    items = [{"code": "kendskab", "value": "noget", "base": [1, "godt"]}]

    def post():
        return client.post(autosave_http.AUTOSAVE_PATH, content=json.dumps({"iid": iid, "items": items}).encode(),
                           headers={"content-type": "text/plain", "sec-fetch-site": "same-origin",
                                    "origin": "http://testserver"})

    bundle(study, swap_labels("kendskab", "godt", "noget"), version="2026.2")
    r = post()
    assert r.status_code == 409 and "Jens" not in r.text
    assert svc.load_state(study["engine"], iid).answers["kendskab"] == "godt"


def test_every_path_reading_stored_source_answers_with_a_guide_refuses_one_that_does_not_fit(study):
    """The interview list's progress (`list_interviews`), the raw-data deletion's free-text codes
    (`survey.privacy.free_text_codes`) and the anonymiser's names (`coding.deidentify.stored_identifier_names`)
    read the case worker's stored answers with its guide. They loaded it unchecked (`guide_for`): a text question
    turned into a choice list would count the case worker's draft in the wrong sections, leave its stored free text
    after «slet rådata», and leave a name stored in a ``ja`` field unmasked. Each now refuses it and changes nothing."""
    from coding.deidentify import study_anonymiser
    from survey import privacy
    from survey.models import Answer

    e = study["engine"]
    # before the edit every path reads the store (the progress of both drafts is listed)
    assert {r.informant for r in svc.list_interviews(e, study["guide"])} == {"bruger", SB}
    assert "forloeb" in privacy.free_text_codes(study["guide"], e)[SB]
    bundle(study, set_cell("survey", {"name": "forloeb"}, "type", "select_one ja_nej"),
           set_cell("survey", {"name": "forloeb"}, "brugerblik_identifikator", None), version="2026.2")
    assert "forloeb" not in sources.guide_for(SB).free_text_codes()  # what the unchecked load would have read
    with pytest.raises(guide_fit.GuideFitError) as err:
        svc.list_interviews(e, study["guide"])
    assert "koden 'forloeb'" in str(err.value) and "Jens" not in str(err.value)
    with pytest.raises(guide_fit.GuideFitError):
        privacy.free_text_codes(study["guide"], e)
    with pytest.raises(guide_fit.GuideFitError):
        privacy.delete_raw_data(e, study["guide"], confirm=True, masker=str, who="adam")
    with pytest.raises(guide_fit.GuideFitError):
        study_anonymiser(e, study["guide"])
    with session_scope(e) as s:  # nothing deleted or masked: the free text is still there
        assert s.execute(select(Answer.value).where(Answer.interview_id == study["source"].id,
                                                 Answer.code == "forloeb")).scalar_one() == SECRET


def test_the_start_pages_list_of_drafts_shows_the_refusal_not_an_unexpected_error(study, monkeypatch):
    """The list of drafts on the start page reads the case worker's draft with its guide (its progress): a guide
    that no longer fits stops the page with the refusal — the guide, the code, what is allowed — never
    «uventet fejl» and never the draft's sections read with the other meaning."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BRUGERBLIK_DB", study["db_url"])
    app = str(Path(__file__).resolve().parents[2] / "app.py")
    at = AppTest.from_file(app, default_timeout=60)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("af" in m.value and "færdige" in m.value for m in at.markdown)  # the drafts' progress is listed
    bundle(study, set_cell("survey", {"name": "forloeb"}, "type", "select_one ja_nej"),
           set_cell("survey", {"name": "forloeb"}, "brugerblik_identifikator", None), version="2026.2")
    at = AppTest.from_file(app, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(e.value for e in at.error) + "\n".join(c.value for c in at.code)
    assert "Spørgeguiden til sagsbehandler" in shown and "koden 'forloeb'" in shown, shown
    assert "uventet" not in shown and "Jens" not in shown
