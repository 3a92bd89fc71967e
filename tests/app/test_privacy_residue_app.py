"""The app's caches after `brugerblik respondent slet-raadata` (issue 12, hostile privacy audit): the
Rapport, Matrix and Analyser pages share one cached wide frame (`ui.report_cache`), and the Rapport
page builds the workbook's Data sheet from it. Deleting the raw data — from the command line while
the app server runs — must make the next page read the store again, not serve the free text that
was deleted."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from coding.anonymise import export_masker
from survey import demo, privacy, store
from survey.db import get_engine
from survey.models import Interview


def _iid(engine, rid: str) -> str:
    with Session(engine) as s:
        return s.execute(select(Interview.id).where(Interview.respondent_id == rid)).scalar_one()


def test_the_cached_wide_frame_has_no_free_text_once_the_raw_data_is_deleted(db_url, guide, monkeypatch):
    from ui import rapport_sources as RS
    from ui import report_cache as RC

    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    engine = get_engine(db_url)  # the engine the app's cache_resource hands out for this URL
    demo.load_demo(engine, guide)
    with Session(engine) as s:  # the newest answer row is a closed one, as in any real study
        assert store.set_answer(s, guide, _iid(engine, "AMA-02"), "age", "44", who="fie", source="researcher")[1] is None
        s.commit()
    RC.wide_frame.clear()
    RS.clear()
    before = RC.current_wide()
    assert before["hverdag"].notna().any()  # the page holds free text
    privacy.delete_raw_data(engine, guide, confirm=True, masker=export_masker(engine))  # the CLI, meanwhile
    after = RC.current_wide()
    assert after["hverdag"].isna().all(), "the page still shows the free text deleted with the raw data"
    assert len(after) == len(before)


def test_kodning_and_transskriptioner_show_nothing_of_a_respondent_who_withdrew(db_url, guide, monkeypatch):
    """As the Kilder page does: after «tilbagetraek --samtykke interview» the workbench pages show a notice,
    never the respondent's answers, quotes or transcripts (they used to show them all, without a word)."""
    from coding import transcripts as tr
    from survey import interview as svc
    from survey.db import session_scope
    from tests.app.pages import open_page, texts

    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    engine = get_engine(db_url)
    demo.load_demo(engine, guide)
    iid = _iid(engine, "BAS-02")
    svc.reopen(engine, iid, who="fie", reason="citater")
    assert svc.add_quote(engine, guide, iid, "hverdag", "Citatet Zanzibarhemmelig om min gæld", who="fie")[0]
    with session_scope(engine) as s:
        tr.import_transcript(s, "BAS-02", "I: Hvordan går det?\nB: Skidt, Zanzibarhemmelig.\n".encode(), "b.txt",
                             who="fie")
    shown = open_page("kodning", r="BAS-02")
    assert "Zanzibarhemmelig" in texts(shown)  # before: the page shows them
    privacy.withdraw(engine, "BAS-02", "interview", reason="Ringede og trak samtykket tilbage")
    for page in ("kodning", "transskriptioner"):
        at = open_page(page, r="BAS-02")
        assert "Zanzibarhemmelig" not in texts(at), page
        assert not [m for m in at.markdown if "Zanzibarhemmelig" in m.value], page
        assert any("har trukket samtykket til interviewet tilbage" in i.value for i in at.info), page
    other = open_page("kodning", r="AMA-02")  # another respondent: the page as before
    assert not any("trukket samtykket" in i.value for i in other.info)
