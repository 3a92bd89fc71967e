"""Issue 10, points 9 and 10, through streamlit.testing (AppTest) on the demo study: a researcher's
first use of the workbench, and uploads refused in Danish.

* the seed codebook is there the first time Kodebog (or any page reading the codebook) opens —
  loaded once per store, recorded in the audit trail, not again after a researcher empties it;
* transcript code suggestions go to the respondent's own turns by default, not the interviewer's;
* Enighed and Historik open on the respondent selected on Kodning (and the other way round);
* a wrong file type, a file larger than allowed or with the wrong content is refused at once with
  a Danish message naming what is allowed — and nothing is stored.

Every flow checks the store through the domain API afterwards, not only what is shown.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from archetypes import coding
from coding import codebook as cb
from coding import transcripts as tr
from survey.db import get_engine, session_scope
from survey.demo import load_demo
from survey.models import AuditEntry
from tests.app.pages import APP, TIMEOUT, run_ok, switch, texts
from ui.workbench import CODER

TRANSCRIPT = (Path(__file__).resolve().parents[1] / "coding" / "data" / "interview_dansk.txt").read_bytes()


@pytest.fixture
def db(db_url, monkeypatch, guide):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)  # a new store (SQLite, or PostgreSQL in that run)
    e = get_engine(db_url)
    assert load_demo(e, guide) == 61
    return e




def new_app(coder: str | None = "Forsker A") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if coder:
        at.session_state[CODER] = coder
    return run_ok(at)


def go(at: AppTest, page: str, *, keep_url: bool = False, **params) -> AppTest:
    """To another page as the menu does: the browser drops the query parameters on a page change
    (unless `keep_url`, i.e. a link that carries them)."""
    if not keep_url:
        for k in list(at.query_params):
            del at.query_params[k]
    for k, v in params.items():
        at.query_params[k] = v
    switch(at, page)
    return run_ok(at)




def errors(at: AppTest) -> str:
    """The error messages as the user reads them (markdown escapes removed)."""
    return "\n".join(e.value for e in at.error).replace("\\", "")


def seed_marks(db) -> int:
    with session_scope(db) as s:
        return s.execute(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.entity == cb.SEED_ENTITY, AuditEntry.code == cb.SEED_CODE)).scalar_one()


def iid_of(db, rid: str) -> str:
    with session_scope(db) as s:
        return next(r.interview_id for r in coding.respondents(s) if r.respondent_id == rid)


# ---------------------------------------------------------------- 10: the seed codebook on first use

def test_the_seed_codebook_is_there_the_first_time_kodebog_opens_and_only_once(db):
    seed = [e.key for e in cb.load_seed()]
    with session_scope(db) as s:
        assert cb.is_empty(s) and not cb.seeded_before(s)                     # the demo study has no codebook
    at = go(new_app(), "kodebog")
    shown = texts(at)
    assert "Kodebogen er tom" not in shown and not any(b.key == "kb_seed" for b in at.button)
    assert f"Koder ({len(seed)})" in shown and "Rytme i hverdagen" in shown   # the tree, at once
    with session_scope(db) as s:
        assert [e.key for e in cb.entries(s)] == seed
    assert seed_marks(db) == 1                                                # recorded in the audit trail
    # other pages and a second visit read it; nothing is loaded twice
    go(at, "transskriptioner")
    go(at, "enighed")
    go(at, "kodebog")
    assert seed_marks(db) == 1
    with session_scope(db) as s:
        assert [e.key for e in cb.entries(s)] == seed
    # a researcher who empties the codebook keeps it empty; the button loads the themes on purpose
    with session_scope(db) as s:
        for c in reversed(cb.all_codes(s)):
            cb.delete_code(s, c)
    at = go(new_app(), "kodebog")
    assert "Kodebogen er tom" in texts(at)
    with session_scope(db) as s:
        assert cb.is_empty(s)
    at.button(key="kb_seed").click()
    run_ok(at)
    with session_scope(db) as s:
        assert [e.key for e in cb.entries(s)] == seed
    assert seed_marks(db) == 2 and "rapportens temaer" in texts(at)


@pytest.mark.parametrize("page", ["enighed", "citatbank"])
def test_another_workbench_page_as_the_first_gets_the_seed_codebook_too(db, page):
    at = go(new_app(), page)
    assert not at.exception
    with session_scope(db) as s:
        assert len(cb.entries(s)) == len(cb.load_seed())
    assert seed_marks(db) == 1


# ---------------------------------------------------------------- 10: suggestions on the respondent's turns

def test_suggestions_default_to_the_respondents_own_turns(db):
    iid = iid_of(db, "AMA-01")
    with session_scope(db) as s:
        tr.import_transcript(s, iid, TRANSCRIPT, "interview.txt", "Forsker A")
    at = go(new_app(), "transskriptioner", r="AMA-01")
    with session_scope(db) as s:
        segs = tr.segments_for(s, respondent=iid)
    question = next(g for g in segs if "sagsbehandleren" in g.text.lower())   # «Int : Og sagsbehandleren?»
    answer = next(g for g in segs if "rytme i hverdagen" in g.text)           # «B: … en rytme i hverdagen.»
    assert (question.speaker, answer.speaker) == ("I", "B")

    def suggested(seg) -> set[str]:
        return {b.key for b in at.button if (b.key or "").startswith(f"tr_s_{seg.id}_")}

    assert at.radio(key="tr_scope").value == "bruger"
    assert suggested(answer) and not suggested(question)
    for g in segs:                                           # no interviewer turn has a suggestion by default
        if g.speaker == "I":
            assert not suggested(g), g.idx
    marks = "\n".join(m.value for m in at.markdown)
    assert '<mark class="bb-regel" title="Sagsbehandler (regel)">' not in marks  # nothing highlighted there either
    at.radio(key="tr_scope").set_value("alle")
    run_ok(at)
    assert f"tr_s_{question.id}_acc_sagsbehandler" in suggested(question)
    # the choice is kept while the researcher works
    go(at, "kodning")
    at = go(at, "transskriptioner")
    assert at.radio(key="tr_scope").value == "alle"


def test_suggestion_targets_without_known_speakers_are_every_segment(db):
    iid = iid_of(db, "AMA-02")
    with session_scope(db) as s:
        tr.import_transcript(s, iid, "Første afsnit om rytme.\n\nAndet afsnit om gæld.".encode(), "noter.txt", "F")
        segs = tr.segments_for(s, respondent=iid)
    assert {g.speaker for g in segs} == {""}
    assert tr.suggestion_targets(segs) == segs                    # nobody can tell whose words they are
    with pytest.raises(tr.TranscriptError):
        tr.suggestion_targets(segs, "interviewer")


# ---------------------------------------------------------------- 10: one respondent selection for all pages

def test_enighed_and_historik_follow_the_respondent_selected_on_kodning(db):
    at = go(new_app(), "kodning")
    at.selectbox(key="kod_r").set_value("BAS-02")
    run_ok(at)
    at = go(at, "enighed")
    assert at.selectbox(key="en_r").value == "BAS-02" and at.query_params["r"] == "BAS-02"
    at = go(at, "historik")
    assert at.selectbox(key="hist_r").value == "BAS-02" and at.query_params["r"] == "BAS-02"
    # chosen on Historik: Kodning and Enighed follow
    at.selectbox(key="hist_r").set_value("AMA-03")
    run_ok(at)
    at = go(at, "kodning")
    assert at.selectbox(key="kod_r").value == "AMA-03"
    # «Næste» on Kodning moves the shared selection too
    at.button(key="kod_next").click()
    run_ok(at)
    assert at.selectbox(key="kod_r").value == "AMA-04"
    at = go(at, "enighed")
    assert at.selectbox(key="en_r").value == "AMA-04"
    # Enighed was opened before on another respondent: it still follows
    at = go(at, "kodning")
    at.selectbox(key="kod_r").set_value("BAS-01")
    run_ok(at)
    for page, key in (("enighed", "en_r"), ("historik", "hist_r"), ("transskriptioner", "tr_r"), ("kilder", "kilder_r")):
        at = go(at, page)
        assert at.selectbox(key=key).value == "BAS-01", page
    # a link (or a reload) with ?r= opens that respondent, and it becomes the selection
    at = go(at, "historik", r="AMA-02")
    assert at.selectbox(key="hist_r").value == "AMA-02"
    at = go(at, "enighed")
    assert at.selectbox(key="en_r").value == "AMA-02"


def test_a_new_session_opens_historik_on_the_url_respondent(db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run_ok(at)
    at = go(at, "historik", r="BAS-03")
    assert at.selectbox(key="hist_r").value == "BAS-03"


# ---------------------------------------------------------------- 9: uploads checked in Danish

def transcript_rows(db, iid: str) -> tuple[int, int]:
    with session_scope(db) as s:
        n_t = len(tr.list_transcripts(s, iid))
        n_a = s.execute(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.interview_id == iid, AuditEntry.entity == "transcript")).scalar_one()
    return n_t, n_a


@pytest.mark.parametrize("name, data, mime, want", [
    ("rapport.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "application/pdf",
     "kun .txt, .md, .docx, .vtt eller .srt er tilladt (filen er .pdf)"),
    ("stor.txt", b"B: rytme\n" * (6 * 1024 * 1024 // 9 + 1), "text/plain",
     "er for stor (6,0 MB); højst 5 MB er tilladt"),
    ("omdøbt.txt", b"%PDF-1.7\n" + b"x" * 200, "text/plain", "hedder .txt, men er en PDF-fil, ikke tekst"),
    ("falsk.docx", b"Dette er ikke et Word-dokument", "application/octet-stream",
     "er ikke et rigtigt .docx-dokument"),
])
def test_transcript_upload_is_refused_in_danish_and_nothing_is_stored(db, name, data, mime, want):
    iid = iid_of(db, "AMA-01")
    before = transcript_rows(db, iid)
    at = go(new_app(), "transskriptioner", r="AMA-01")
    assert "Tilladt: .txt, .md, .docx, .vtt eller .srt · højst 5 MB." in texts(at)          # says what it takes, in Danish
    at.file_uploader(key="tr_file").set_value((name, data, mime))
    run_ok(at)
    assert want in errors(at)                                                  # at once, before «Importér»
    at.button(key="tr_import").click()
    run_ok(at)
    assert want in errors(at)
    assert "not allowed" not in texts(at) and "per file" not in texts(at)
    assert transcript_rows(db, iid) == before == (0, 0)
    with pytest.raises(tr.TranscriptError):  # and the domain refuses it too, should a page not check
        tr.read_transcript(data, name)


def test_a_good_transcript_after_a_refused_one_is_imported(db):
    iid = iid_of(db, "AMA-01")
    at = go(new_app(), "transskriptioner", r="AMA-01")
    at.file_uploader(key="tr_file").set_value(("rapport.pdf", b"%PDF-1.4\n", "application/pdf"))
    run_ok(at)
    at.file_uploader(key="tr_file").set_value(("interview.txt", TRANSCRIPT, "text/plain"))
    run_ok(at)
    assert not errors(at)
    at.button(key="tr_import").click()
    run_ok(at)
    assert transcript_rows(db, iid)[0] == 1


def test_codebook_import_refuses_a_wrong_file_in_danish_and_keeps_the_codebook(db):
    at = go(new_app(), "kodebog")
    with session_scope(db) as s:
        before = cb.entries(s)
    assert "Tilladt: .json eller .csv · højst 2 MB." in texts(at)
    for name, data, want in (("kodebog.pdf", b"%PDF-1.4\n", "kun .json eller .csv er tilladt (filen er .pdf)"),
                             ("kodebog.json", b"%PDF-1.4\n" + b"x" * 50, "hedder .json, men er en PDF-fil"),
                             ("kodebog.csv", b"x" * (2 * 1024 * 1024 + 1), "er for stor")):
        at.file_uploader(key="kb_import_file").set_value((name, data, "application/octet-stream"))
        run_ok(at)
        assert want in errors(at), name
        at.button(key="kb_import").click()
        run_ok(at)
        assert want in errors(at), name
        with session_scope(db) as s:
            assert cb.entries(s) == before
    # broken JSON: the parser's English is not shown, only where it stopped
    at.file_uploader(key="kb_import_file").set_value(("kodebog.json", b'{"koder": [', "application/json"))
    run_ok(at)
    at.button(key="kb_import").click()
    run_ok(at)
    assert "Filen er ikke gyldig JSON (fejl i linje 1" in errors(at) and "Expecting" not in errors(at)
    with session_scope(db) as s:
        assert cb.entries(s) == before


def test_the_start_pages_date_is_typed_and_an_impossible_day_starts_nothing(db):
    """Streamlit's picker made «31.04.2025» the 30th; the start page's date is typed and read by the
    guide: a day that does not exist, one before 2000 or in the future starts no interview."""
    import datetime as dt

    from survey import interview as svc
    from survey.models import Interview
    from ui.common import today

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run_ok(at)
    d = at.text_input(key="start_date")
    assert d.value == today().strftime("%d.%m.%Y") and "Tidligst 01.01.2000 og senest i dag" in (d.help or "")
    at.selectbox(key="start_site").set_value("Amadeus")
    at.text_input(key="start_interviewer").input("KL")
    with session_scope(db) as s:
        before = s.execute(select(func.count()).select_from(Interview)).scalar()
    tomorrow = today() + dt.timedelta(days=1)
    for typed, why in (("31.04.2025", "datoen findes ikke — april 2025 har 30 dage"),
                       ("31.12.1999", "tilladt: 01.01.2000 til"), (f"{tomorrow:%d.%m.%Y}", "tilladt: 01.01.2000 til"),
                       ("31/4", "skriv datoen som dd.mm.åååå")):
        at.text_input(key="start_date").input(typed)
        run_ok(at)
        assert any(why in e.value for e in at.error), (typed, [e.value for e in at.error])
        at.button(key="start_btn").click()
        run_ok(at)
        assert any("Interviewet er ikke startet" in e.value for e in at.error), typed
        assert "iv" not in at.query_params
        with session_scope(db) as s:
            assert s.execute(select(func.count()).select_from(Interview)).scalar() == before
    at.text_input(key="start_date").input("5.11.2025")
    run_ok(at)
    assert not at.error
    at.button(key="start_btn").click()
    run_ok(at)
    assert svc.get_info(db, at.query_params["iv"]).interview_date == dt.date(2025, 11, 5)
