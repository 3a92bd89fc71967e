"""Triangulation in the app (issue 7): other informants on the start page, their guides on the interview
page (autosave, resume), consent gating of case files, and the Kilder page."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from survey import interview as svc
from survey import source_store
from survey.db import get_engine, session_scope
from survey.models import Interview
from tests.app.autosave_driver import choose, shown_choice, shown_text, type_text
from ui.common import wkey
from tests.app.pages import switch

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 30


@pytest.fixture
def db(db_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    return get_engine(db_url)


def _user(db, guide, consent: str | None, site="Amadeus", site_type="vaerested"):
    info = svc.start_interview(db, guide, site_name=site, site_type=site_type, interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))
    if consent is not None:
        assert svc.save_answer(db, guide, info.id, "consent_journal", consent).ok
    return info


@pytest.fixture
def users(db, guide):
    return _user(db, guide, "ja"), _user(db, guide, "nej")


def run_ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
                     + [w.value for w in at.warning] + [s.value for s in at.success] + [i.value for i in at.info]
                     + [h.value for h in at.subheader]  # the interview's section headings are subheaders
                     ).replace("\\", "")  # markdown escapes (ui.common.md) left out


def open_page(script: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run_ok(at)
    for k, v in params.items():
        at.query_params[k] = v
    switch(at, script)
    return run_ok(at)


def start(at: AppTest, informant: str) -> AppTest:
    at.radio(key="start_informant").set_value(informant)
    return run_ok(at)


# ---------------------------------------------------------------- start and interview

def test_a_case_worker_interview_about_a_respondent_autosaves_and_resumes(db, guide, users):
    ok_user, _ = users
    at = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert at.radio(key="start_informant").options == ["Bruger", "Sagsbehandler", "Kontaktperson", "Leder",
                                                       "Journaludtræk"]
    start(at, "sagsbehandler")
    assert at.selectbox(key="start_src_user").options[0].startswith("AMA-01")
    at.selectbox(key="start_src_user").select(ok_user.id)
    at.text_input(key="start_src_interviewer").input("KL")
    run_ok(at)
    at.button(key="start_src_btn").click()
    run_ok(at)
    iid = at.query_params["iv"]
    info = svc.get_info(db, iid)
    assert (info.informant, info.respondent_id, info.subject_respondent_id, info.site_name, info.status) == \
        ("sagsbehandler", "SB-AMA-01", "AMA-01", "Amadeus", "draft")
    assert at.query_params["afsnit"] == "_om"  # a source opens on «Om interviewet»: who, and the focus
    assert "Sagsbehandlerinterview om AMA-01" in texts(at)
    type_text(at, db, iid, "informant_id", "SAGSB-01")
    choose(at, db, iid, "fokus", "konkret")
    # the case-worker guide's sections, answered there: saved at once, against that guide
    at = open_page("interview", iv=iid, afsnit="brugeren")
    choose(at, db, iid, "kendskab", "godt")
    type_text(at, db, iid, "forloeb", "Kom fra herberg; har været i tilbuddet et år.")
    a = svc.load_state(db, iid).answers
    assert (a["informant_id"], a["fokus"], a["kendskab"], a["forloeb"]) == \
        ("SAGSB-01", "konkret", "godt", "Kom fra herberg; har været i tilbuddet et år.")
    assert any("✔ Gemt" in m.value and "bb-mainstatus" in m.value for m in at.main.markdown)
    # reload: every value is back, in the same guide
    at3 = open_page("interview", iv=iid, afsnit="brugeren")
    assert shown_choice(at3, iid, "kendskab") == "godt"
    assert shown_text(at3, iid, "forloeb").startswith("Kom fra herberg")
    at3 = open_page("interview", iv=iid, afsnit="_om")
    assert shown_text(at3, iid, "informant_id") == "SAGSB-01"
    # the start page lists the draft as a case-worker interview about AMA-01
    at4 = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert "Sagsbehandlerinterview om AMA-01" in texts(at4)
    # complete: the case-worker guide's required items are there, so no reason is needed
    res = svc.complete(db, source_store.informant_guide("sagsbehandler"), iid)
    assert res.ok and not res.missing and svc.get_info(db, iid).status == "complete"
    # the user guide cannot be used to save into it (a wrong guide is refused, nothing stored)
    assert not svc.complete(db, guide, iid).ok or svc.get_info(db, iid).status == "complete"
    # the users' wide frame does not see it
    from survey.store import load_wide

    assert list(load_wide(db, guide, drafts=True)["respondent_id"]) == ["AMA-01", "AMA-02"]  # users' drafts


@pytest.mark.parametrize("informant, first", [("kontaktperson", "brugeren"), ("leder", "tilbud"),
                                              ("journal", "forloeb_grp")])
def test_each_new_guide_renders_in_the_interview_app(db, guide, users, informant, first):
    ok_user, _ = users
    at = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    start(at, informant)
    if informant == "leder":
        assert at.selectbox(key="start_src_site").value == "Amadeus"
    else:
        at.selectbox(key="start_src_user").select(ok_user.id)
        run_ok(at)
    at.button(key="start_src_btn").click()
    run_ok(at)
    iid = at.query_params["iv"]
    info = svc.get_info(db, iid)
    assert info.informant == informant and at.query_params["afsnit"] == "_om"
    g = source_store.informant_guide(informant)
    secs = svc.sections(g)
    assert at.sidebar.radio(key=f"nav_{iid}").options[1:1 + len(secs)] != []
    for sec in secs:  # every section of the guide renders without an error
        at2 = open_page("interview", iv=iid, afsnit=sec.name)
        assert sec.label in texts(at2)
    if informant == "journal":
        assert svc.load_state(db, iid).answers["kilde"] == "kommune"
        at3 = open_page("interview", iv=iid, afsnit="planer")
        choose(at3, db, iid, "handleplan", "ja")
        assert svc.load_state(db, iid).answers["handleplan"] == "ja"
        at4 = open_page("interview", iv=iid, afsnit="planer")
        assert shown_choice(at4, iid, "handleplan") == "ja"


def test_a_case_files_dates_are_typed_and_a_day_that_does_not_exist_is_refused(db, guide, users):
    """A journal's dates are typed («05.11.2026», a plan's date may lie ahead): stored as ISO and shown as
    typed; «31.04.2026» is refused in Danish (a date picker made it 30.04 and stored it) and stays to be
    corrected; a date more than five years ahead is refused too."""
    from tests.app.autosave_driver import data, field_error

    ok_user, _ = users
    info = source_store.start_source_interview(db, "journal", subject_interview_id=ok_user.id, kilde="kommune",
                                               interviewer="KL")
    g = source_store.informant_guide("journal")
    at = open_page("interview", iv=info.id, afsnit="planer")
    choose(at, db, info.id, "handleplan", "ja")
    type_text(at, db, info.id, "handleplan_dato", "1/2/2027")
    assert svc.load_state(db, info.id).answers["handleplan_dato"] == "2027-02-01"
    assert shown_text(at, info.id, "handleplan_dato") == "01.02.2027"
    for typed, says in [("31.04.2026", "april 2026 har 30 dage"), ("01.01.2040", "uden for det tilladte")]:
        type_text(at, db, info.id, "handleplan_dato", typed)
        assert svc.load_state(db, info.id).answers["handleplan_dato"] == "2027-02-01"
        d = data(at, wkey(info.id, "handleplan_dato"))
        assert says in d["error"] and d["rejected"] == typed
    # an edit of the stored date from the field as it shows it («01.02.2027»): not a change «in another tab»
    base = svc.load_state(db, info.id).base("handleplan_dato")
    assert svc.save_answer(db, g, info.id, "handleplan_dato", "02.02.2027", base=(base[0], "01.02.2027")).ok
    assert svc.load_state(db, info.id).answers["handleplan_dato"] == "2027-02-02"
    type_text(at, db, info.id, "handleplan_dato", "03.02.2027")
    assert field_error(at, info.id, "handleplan_dato") is None


def test_a_case_file_is_refused_in_the_app_without_consent(db, guide, users):
    _, refused = users
    at = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    start(at, "journal")
    at.selectbox(key="start_src_user").select(refused.id)
    run_ok(at)
    assert "har ikke givet tilladelse til journalindsigt" in texts(at)
    at.button(key="start_src_btn").click()
    run_ok(at)
    # Danish words only: the question and the answer's label, never the item's code (a tester saw both)
    assert "må ikke åbnes" in texts(at) and "journalindsigt i brugerens interview er «Nej»" in texts(at)
    assert "consent_journal" not in texts(at) and "'nej'" not in texts(at)
    assert "iv" not in at.query_params
    with session_scope(db) as s:
        assert s.execute(select(Interview.id).where(Interview.informant == "journal")).first() is None


def test_a_case_file_started_by_mistake_is_deleted_from_its_page(db, guide, users):
    """«Startet ved en fejl?» is offered on a case file's empty draft too (its start wrote only whose file it
    is) and deletes it; it was missing, so a file started about the wrong user could not be undone."""
    ok_user, _ = users
    info = source_store.start_source_interview(db, "journal", subject_interview_id=ok_user.id, kilde="boform",
                                               interviewer="KL")
    at = open_page("interview", iv=info.id, afsnit="_om")
    assert [e.label for e in at.expander] == ["Startet ved en fejl?"]
    at.button(key="del_draft").click()
    run_ok(at)
    with session_scope(db) as s:
        assert s.execute(select(Interview.id).where(Interview.informant == "journal")).first() is None


def test_consent_withdrawn_after_the_file_was_opened_refuses_saving(db, guide, users):
    ok_user, _ = users
    info = source_store.start_source_interview(db, "journal", subject_interview_id=ok_user.id, kilde="kommune",
                                               interviewer="KL")
    assert svc.save_answer(db, guide, ok_user.id, "consent_journal", "nej").ok  # withdrawn
    at = open_page("interview", iv=info.id, afsnit="planer")
    assert "Intet kan gemmes i dette journaludtræk" in texts(at)
    choose(at, db, info.id, "handleplan", "ja")
    assert "handleplan" not in svc.load_state(db, info.id).answers
    assert "må ikke åbnes" in texts(at)


# ---------------------------------------------------------------- the Kilder page

@pytest.fixture
def demo_db(db, guide):
    from survey.demo import load_demo

    load_demo(db, guide)
    return db


def test_the_kilder_page_shows_every_source_side_by_side(demo_db):
    at = open_page("kilder", r="KFU-01")
    assert not at.error
    df = at.table[0].value
    assert list(df.columns) == ["Emne", "Brugeren selv", "Sagsbehandleren", "Kontaktpersonen", "Kommunens journal",
                                "Boformens journal"]
    offer = df[df["Emne"] == "Tilbuddet"].iloc[0]
    assert "✘ uenig" in offer["Sagsbehandleren"]  # the demo's KFU-01: the case worker names another offer
    assert "Kilder om brugeren: JB-KFU-01" in texts(at) and "SB-KFU-01" in texts(at)
    assert "Tilbuddet**: brugeren er" in texts(at) and "forskellig fra sagsbehandleren" in texts(at)
    # Bilag C's status of each source, the leader's included
    for kilde in ("journal_kommune", "journal_boform", "sagsbehandler", "kontaktperson", "leder"):
        assert at.container(key=f"kilde_{kilde}") is not None


def test_a_reason_changed_elsewhere_is_shown_and_not_overwritten_by_a_stale_page(demo_db):
    """A reason recorded in another tab (or by an import) while the Kilder page was open: the page showed
    the reason it had read first, and «Gem årsag» with only a note typed wrote that stale reason back over
    the new one (a tester)."""
    at = open_page("kilder", r="AMA-04")
    assert at.selectbox(key="kst_kontaktperson_AMA-04").value == "ikke_oplyst"
    source_store.set_source_status(demo_db, "kontaktperson", "ikke_tid", respondent_id="AMA-04",
                                   note="ferie", who="en anden")
    run_ok(at)  # the page's next run (any click on it)
    assert at.selectbox(key="kst_kontaktperson_AMA-04").value == "ikke_tid"
    assert at.text_input(key="knote_kontaktperson_AMA-04").value == "ferie"
    at.text_input(key="knote_kontaktperson_AMA-04").input("ferie i hele perioden")
    at.button(key="ksave_kontaktperson_AMA-04").click()
    run_ok(at)
    r = source_store.load_reasons(demo_db)
    row = r[(r["respondent_id"] == "AMA-04") & (r["kilde"] == "kontaktperson")].iloc[0]
    assert (row["status"], row["note"]) == ("ikke_tid", "ferie i hele perioden")
    # a note typed and not yet saved stays through the page's other runs
    at.text_input(key="knote_kontaktperson_AMA-04").input("under skrivning")
    run_ok(at)
    assert at.text_input(key="knote_kontaktperson_AMA-04").value == "under skrivning"


def test_a_reason_for_a_missing_source_is_recorded_and_audited(demo_db):
    from survey.models import AuditEntry

    at = open_page("kilder", r="AMA-04")  # the demo: no contact-person interview, «-» (ikke oplyst)
    assert at.selectbox(key="kst_kontaktperson_AMA-04").value == "ikke_oplyst"
    at.selectbox(key="kst_kontaktperson_AMA-04").select("ikke_tid")
    at.text_input(key="knote_kontaktperson_AMA-04").input("ferie i hele perioden")
    at.button(key="ksave_kontaktperson_AMA-04").click()
    run_ok(at)
    assert "årsagen «Ikke tid» er gemt" in texts(at)
    r = source_store.load_reasons(demo_db)
    row = r[(r["respondent_id"] == "AMA-04") & (r["kilde"] == "kontaktperson")].iloc[0]
    assert (row["status"], row["note"]) == ("ikke_tid", "ferie i hele perioden")
    with session_scope(demo_db) as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.entity == "kilde")).scalars().all()
        assert [(a.code, a.old_value, a.new_value) for a in audit] == [("kontaktperson", "ikke_oplyst", "ikke_tid")]
    # a reason that does not fit the source is refused by the domain, nothing stored
    with pytest.raises(Exception, match="passer ikke"):
        source_store.set_source_status(demo_db, "kontaktperson", "ordinaer_pensionist", respondent_id="AMA-04")
    # the table reads it
    from report import triangulation as TR

    f = source_store.load_all(demo_db)
    from survey.sources import source_status

    bilag = TR.bilag_c(source_status(f["brugere"], f, f["aarsager"]))
    assert bilag.set_index("respondent_id").loc["AMA-04", "kontaktperson"] == "ikke_tid"


def test_a_source_interview_page_stops_when_its_guide_no_longer_fits_the_stored_answers(db, guide, users, tmp_path,
                                                                                        monkeypatch):
    """docs/guide.md «Når guiden ændres»: a release that swaps two labels of the case worker's guide would show
    every stored answer with the other meaning (and the page's autosave would store with it). Before, the page
    loaded it without a word; now it stops with the refusal, naming the guide, and shows no question."""
    from survey import guide_fit, sources
    from tests.custom_guides import edited_guide, source_guide_dir, swap_labels

    ok_user, _ = users
    guide_fit.forget()
    info = source_store.start_source_interview(db, "sagsbehandler", subject_interview_id=ok_user.id, interviewer="KL")
    g = source_store.informant_guide("sagsbehandler")
    assert svc.save_answer(db, g, info.id, "fokus", "konkret").ok
    assert svc.save_answer(db, g, info.id, "kendskab", "godt").ok
    assert shown_choice(open_page("interview", iv=info.id, afsnit="brugeren"), info.id, "kendskab") == "godt"
    folder = source_guide_dir(tmp_path / "guider")
    edited_guide(folder / "sagsbehandler.xlsx", swap_labels("kendskab", "godt", "noget"), version="2026.2",
                 src=sources.GUIDE_DIR / "sagsbehandler.xlsx")
    monkeypatch.setattr(sources, "GUIDE_DIR", folder)
    guide_fit.forget()
    try:
        at = open_page("interview", iv=info.id, afsnit="brugeren")
        shown = texts(at) + "\n".join(c.value for c in at.code)
        assert "Spørgeguiden til sagsbehandleren (sagsbehandler.xlsx) passer ikke" in shown, shown
        assert "valget 'godt'" in shown
        with pytest.raises(KeyError):  # the question is not shown
            shown_choice(at, info.id, "kendskab")
        assert svc.load_state(db, info.id).answers["kendskab"] == "godt"
    finally:
        guide_fit.forget()
