"""What survives a deletion (issue 12, hostile privacy audit): a deleted respondent's text must not
be readable in the store's files afterwards — not in the database file's free space, and not in
SQLite's write-ahead log (``-wal``), which keeps every changed page's earlier image for as long as
another process (the app server) has the store open."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select
from sqlmodel import Session

from coding.anonymise import export_masker
from survey import demo, privacy, store
from survey.db import make_engine
from survey.models import Interview

SECRET = "Kaninhemmelighed Quistgaard-Ørum"  # only the test's answer holds it


def _iid(engine, rid: str) -> str:
    with Session(engine) as s:
        return s.execute(select(Interview.id).where(Interview.respondent_id == rid)).scalar_one()


def _files(path) -> dict[str, bytes]:
    """The store's files as bytes (the database and, while open, its -wal)."""
    out = {}
    for suffix in ("", "-wal"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            out[p.name] = p.read_bytes()
    return out


def _holds(blobs: dict[str, bytes], text: str) -> list[str]:
    needle = text.split()[1].encode("utf-8")  # «Quistgaard-Ørum»: the UTF-8 bytes, as `strings` would find them
    return [name for name, data in blobs.items() if needle in data]


@pytest.fixture
def sqlite_store(tmp_path, guide):
    path = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    demo.load_demo(engine, guide)
    yield path, engine
    engine.dispose()


def _write_secret(engine, guide, rid: str, code: str = "hverdag") -> None:
    with Session(engine) as s:
        value, problem = store.set_answer(s, guide, _iid(engine, rid), code, f"Min hverdag med {SECRET} og gæld",
                                          who="fie", source="researcher")
        assert problem is None and value
        s.commit()


@pytest.mark.uses_sqlite
def test_every_connection_overwrites_deleted_rows_whatever_sqlites_build_says(sqlite_store):
    """`PRAGMA secure_delete` is off in SQLite's own default (only some builds turn it on)."""
    _path, engine = sqlite_store
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


@pytest.mark.uses_sqlite
def test_a_deleted_respondents_text_is_not_left_in_the_write_ahead_log(sqlite_store, guide):
    path, engine = sqlite_store
    server = sqlite3.connect(path)  # the app server: it keeps the store (and so its -wal) open
    try:
        server.execute("SELECT count(*) FROM interview").fetchall()
        _write_secret(engine, guide, "AMA-02")
        assert _holds(_files(path), SECRET)  # the test means something: the text is in the files now
        privacy.delete_respondent(engine, "AMA-02", reason="Borgeren bad om det")
        assert _holds(_files(path), SECRET) == []
        assert server.execute("SELECT count(*) FROM interview WHERE respondent_id = 'AMA-02'").fetchone() == (0,)
    finally:
        server.close()


@pytest.mark.uses_sqlite
def test_raw_data_deleted_after_the_end_date_is_not_left_in_the_write_ahead_log(sqlite_store, guide):
    path, engine = sqlite_store
    server = sqlite3.connect(path)
    try:
        server.execute("SELECT count(*) FROM interview").fetchall()
        _write_secret(engine, guide, "AMA-01")
        assert _holds(_files(path), SECRET)
        privacy.delete_raw_data(engine, guide, confirm=True, masker=export_masker(engine))
        assert _holds(_files(path), SECRET) == []
    finally:
        server.close()


def test_the_store_revision_changes_when_the_raw_data_is_deleted(engine, guide):
    """The pages' caches (the Rapport, Matrix and Analyser pages' wide frame, the Rapport page's
    sources) are keyed by `report.data.store_revision`: deleting the free text must change it, or
    the app goes on showing — and putting into the workbook — the text that was deleted."""
    from report import data as report_data

    demo.load_demo(engine, guide)
    with Session(engine) as s:  # the newest answer row is a closed one, as in any real study
        _value, problem = store.set_answer(s, guide, _iid(engine, "AMA-02"), "age", "44", who="fie",
                                           source="researcher")
        assert problem is None
        s.commit()
    before = report_data.store_revision(engine)
    privacy.delete_raw_data(engine, guide, confirm=True, masker=export_masker(engine))
    assert report_data.store_revision(engine) != before
