import pandas as pd
import pytest
from sqlalchemy import delete, select, text

from survey import store
from survey.db import session_scope
from survey.models import Answer, AuditEntry, Interview


def test_the_connection_is_set_up_for_the_database(engine):
    """SQLite: WAL, foreign keys, busy timeout, full fsync. PostgreSQL: sessions in UTC."""
    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert c.execute(text("PRAGMA busy_timeout")).scalar() == 30000
            assert c.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        else:
            assert engine.dialect.name == "postgresql"
            assert c.execute(text("SHOW timezone")).scalar() == "UTC"


def test_db_url_from_environment(tmp_path, monkeypatch):
    from survey.db import database_url
    monkeypatch.setenv("BRUGERBLIK_DB", f"sqlite:///{tmp_path}/env.db")
    assert database_url() == f"sqlite:///{tmp_path}/env.db"
    assert database_url("postgresql://x/y") == "postgresql://x/y"


def test_interviews_get_pseudonymous_running_ids_and_the_guide_version(engine, guide):
    with session_scope(engine) as s:
        site = store.ensure_site(s, "Amadeus", "vaerested")
        a = store.create_interview(s, guide, site)
        b = store.create_interview(s, guide, site)
        tre = store.ensure_site(s, "Tre Ege", "boform")
        c = store.create_interview(s, guide, tre)
        assert (a.respondent_id, b.respondent_id, c.respondent_id) == ("AMA-01", "AMA-02", "TRE-01")
        assert a.guide_version == guide.version and a.guide_form_id == guide.form_id
        assert a.status == "draft" and len(a.id) == 36
        with pytest.raises(store.StoreError, match="findes allerede"):
            store.create_interview(s, guide, site, respondent_id="AMA-01")
        with pytest.raises(store.StoreError, match="CPR"):
            store.create_interview(s, guide, site, respondent_id="1201851234")


def test_site_type_conflicts_are_refused(engine):
    with session_scope(engine) as s:
        store.ensure_site(s, "Basen", "boform")
        with pytest.raises(store.StoreError, match="registreret som boform"):
            store.ensure_site(s, "Basen", "vaerested")
        with pytest.raises(store.StoreError, match="angiv type"):
            store.ensure_site(s, "Nyt sted")
        assert store.ensure_site(s, "Basen").site_type == "boform"


def test_set_answer_validates_upserts_deletes_and_audits_after_completion(engine, guide):
    with session_scope(engine) as s:
        iv = store.create_interview(s, guide, store.ensure_site(s, "Amadeus", "vaerested"))
        iid = iv.id
        assert store.set_answer(s, guide, iid, "age", "41") == ("41", None)
        value, problem = store.set_answer(s, guide, iid, "age", "fyrre")
        assert value is None and "heltal 16–110" in problem.text()
        assert store.get_answers(s, iid) == {"age": "41"}          # the bad value changed nothing
        store.set_answer(s, guide, iid, "age", "42")
        store.set_answer(s, guide, iid, "hvorfor_her", "Jeg bor her")
        store.set_answer(s, guide, iid, "hvorfor_her", "")
        assert store.get_answers(s, iid) == {"age": "42"}
        drafts = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert [(e.code, e.old_value, e.new_value, e.note) for e in drafts] == [
            ("age", None, "41", "kladde"), ("age", "41", "42", "kladde"), ("hvorfor_her", None, "Jeg bor her", "kladde"),
            ("hvorfor_her", "Jeg bor her", None, "kladde")]   # every change, in a draft too; a refused value none
        s.execute(delete(AuditEntry))
        iv.status = "complete"
        store.set_answer(s, guide, iid, "age", "43", who="forsker1")
        store.set_answer(s, guide, iid, "age", "43", who="forsker1")  # no change, no entry
    with session_scope(engine) as s:
        entries = s.execute(select(AuditEntry)).scalars().all()
        assert [(e.code, e.old_value, e.new_value, e.who) for e in entries] == [("age", "42", "43", "forsker1")]
        with pytest.raises(store.StoreError):
            store.set_answer(s, guide, iid, "respondent_id", "X-1")


def test_one_row_per_interview_and_code(engine, guide):
    with session_scope(engine) as s:
        iv = store.create_interview(s, guide, store.ensure_site(s, "Amadeus", "vaerested"))
        for v in ("ja", "nej", "ja"):
            store.set_answer(s, guide, iv.id, "rytme", v)
        n = s.execute(select(Answer).where(Answer.interview_id == iv.id)).scalars().all()
        assert [(a.code, a.value) for a in n] == [("rytme", "ja")]


def test_load_wide_contract(engine, guide):
    df = pd.DataFrame([
        {"respondent_id": "B-02", "site": "Basen", "site_type": "boform", "age": "44", "problemer": "gaeld"},
        {"respondent_id": "A-01", "site": "Amadeus", "site_type": "vaerested", "interview_date": "2006-04-02"},
    ], dtype=object)
    with session_scope(engine) as s:
        assert store.insert_wide(s, guide, df) == 2
    wide = store.load_wide(engine, guide)
    assert list(wide.columns) == guide.codes
    assert list(wide["respondent_id"]) == ["A-01", "B-02"]
    assert wide.loc[0, "interview_date"] == "2006-04-02" and wide.loc[0, "age"] is None
    assert wide.loc[1, "age"] == "44" and wide.loc[1, "site_type"] == "boform"
    assert all(v is None or isinstance(v, str) for v in wide.to_numpy().ravel())
    assert list(store.load_wide(engine, guide, respondent_ids=["B-02"])["respondent_id"]) == ["B-02"]


def test_insert_wide_refuses_existing_ids_unless_replace(engine, guide):
    row = {"respondent_id": "A-01", "site": "Amadeus", "site_type": "vaerested", "age": "30"}
    with session_scope(engine) as s:
        store.insert_wide(s, guide, pd.DataFrame([row], dtype=object))
    with pytest.raises(store.StoreError, match="A-01"):
        with session_scope(engine) as s:
            store.insert_wide(s, guide, pd.DataFrame([{**row, "age": "31"}], dtype=object))
    assert store.load_wide(engine, guide).loc[0, "age"] == "30"
    with session_scope(engine) as s:
        store.insert_wide(s, guide, pd.DataFrame([{**row, "age": "31"}], dtype=object), replace=True, who="x")
    assert store.load_wide(engine, guide).loc[0, "age"] == "31"
    with session_scope(engine) as s:
        assert s.execute(select(Interview)).scalars().one().respondent_id == "A-01"
        assert s.execute(select(AuditEntry.note)).scalars().one() == "A-01 erstattet ved import"
