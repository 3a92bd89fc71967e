"""Alembic migrations (issue 6): the schema comes from survey/migrations on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import tomllib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from brugerblik.cli import main
from survey import db
from survey.db import SchemaError, make_engine, session_scope

ROOT = Path(__file__).resolve().parents[2]


def _diffs(engine):
    with engine.connect() as c:
        return compare_metadata(MigrationContext.configure(c), db.model_metadata())


def _columns(engine) -> dict[str, set[str]]:
    insp = inspect(engine)
    return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names() if t != "alembic_version"}


def test_upgrade_head_on_an_empty_store_gives_exactly_the_models(new_db_url):
    engine = make_engine(new_db_url(empty=True), migrate=False)
    try:
        assert inspect(engine).get_table_names() == []
        before, after = db.upgrade(engine)
        assert (before, after) == (None, db.head_revision())
        assert _diffs(engine) == []
        assert _columns(engine) == {t.name: {c.name for c in t.columns} for t in db.model_tables()}
    finally:
        engine.dispose()


def test_every_model_module_is_registered_and_covered_by_a_revision():
    names = {t.name for t in db.model_tables()}
    assert {"interview", "answer", "quote", "audit_entry", "consent_record", "merge_conflict", "site",
            "codebook_code", "transcript", "coder_value", "mask_term", "coding_decision", "app_user"} <= names
    # every table class of every model module is in the store's schema
    db.register_models()
    for m in SQLModel._sa_registry.mappers:
        if m.class_.__module__.split(".")[0] in ("survey", "coding", "archetypes", "exports"):
            assert m.class_.__module__ in db.MODEL_MODULES, f"{m.class_.__module__} mangler i MODEL_MODULES"
    revisions = list((db.MIGRATIONS_DIR / "versions").glob("*.py"))
    assert len(revisions) == len(db.known_revisions()) >= 2


def test_a_store_made_by_create_all_before_alembic_is_stamped_and_upgraded(new_db_url):
    """The policy: tables but no alembic_version -> stamped at the initial revision, then upgraded.

    Its rows stay, including coding that refers to its quotes (the quote table is rebuilt on
    SQLite: foreign keys must not cascade), and a table it lacked is created."""
    url = new_db_url(empty=True)
    e = make_engine(url, migrate=False)
    db.upgrade(e, db.INITIAL_REVISION)  # exactly the pre-Alembic schema (create_all at that time)
    with e.begin() as c:
        c.execute(text("DROP TABLE alembic_version"))
        c.execute(text("DROP TABLE mask_term"))  # a module that did not exist when the store was made
        c.execute(text("INSERT INTO site (name, site_type, prefix) VALUES ('Basen', 'boform', 'BAS')"))
        c.execute(text("INSERT INTO interview (id, respondent_id, site_id, status, guide_form_id, guide_version, "
                       "created_at, updated_at, source) VALUES ('00000000-0000-4000-8000-000000000001', 'BAS-01', "
                       "(SELECT id FROM site), 'complete', 'f', '1', :t, :t, 'interview')"),
                  {"t": "2026-01-02 03:04:05"})
        for code, v in (("age", "41"), ("rytme", "ja")):
            c.execute(text("INSERT INTO answer (interview_id, code, value, updated_at, source) VALUES "
                           "('00000000-0000-4000-8000-000000000001', :c, :v, :t, 'interview')"),
                      {"c": code, "v": v, "t": "2026-01-02 03:04:05"})
        c.execute(text("INSERT INTO quote (interview_id, item_code, text, for_report, created_at, updated_at) "
                       "VALUES ('00000000-0000-4000-8000-000000000001', 'hvorfor_her', 'Her er der ro', :f, :t, :t)"),
                  {"f": False, "t": "2026-01-02 03:04:05"})
        c.execute(text("INSERT INTO codebook_code (key, name, description, cues, sort_order, created_at, updated_at) "
                       "VALUES ('ro', 'Ro', '', '', 0, :t, :t)"), {"t": "2026-01-02 03:04:05"})
        c.execute(text("INSERT INTO quote_code (quote_id, code_id, at) VALUES ((SELECT id FROM quote), "
                       "(SELECT id FROM codebook_code), :t)"), {"t": "2026-01-02 03:04:05"})
        c.execute(text("INSERT INTO audit_entry (interview_id, entity, code, at) VALUES "
                       "('00000000-0000-4000-8000-000000000001', 'answer', 'age', :t)"), {"t": "2026-01-02 03:04:05"})
    e.dispose()
    assert db.current_revision(make_engine(url, migrate=False)) is None

    e = make_engine(url)  # what the app, the CLI and the tests do
    try:
        assert db.current_revision(e) == db.head_revision()
        assert _diffs(e) == []
        with e.connect() as c:
            assert c.execute(text("SELECT count(*) FROM answer")).scalar() == 2
            assert c.execute(text("SELECT count(*) FROM quote_code")).scalar() == 1  # nothing cascaded away
            uids = [r[0] for r in c.execute(text("SELECT uid FROM quote UNION ALL SELECT uid FROM audit_entry"))]
            assert len(uids) == 2 and all(u and len(u) == 36 for u in uids)
            assert "mask_term" in inspect(c).get_table_names()
        ok, detail = db.integrity_ok(e)
        assert ok, detail
        from survey import interview as svc
        assert svc.get_info(e, "00000000-0000-4000-8000-000000000001").respondent_id == "BAS-01"
    finally:
        e.dispose()


def test_a_store_from_a_newer_brugerblik_is_refused_in_danish(db_url, capsys):
    e = make_engine(db_url)
    with e.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999_fremtid'"))
    e.dispose()
    db.dispose_url(db_url)
    with pytest.raises(SchemaError, match="skemaversion 9999_fremtid.*Opdatér Brugerblik"):
        make_engine(db_url)
    assert main(["--db", db_url, "table", "3.1"]) == 1
    assert "Opdatér Brugerblik" in capsys.readouterr().err


def test_several_processes_opening_a_new_store_at_once_migrate_it_once(new_db_url):
    url = new_db_url(empty=True)
    errors, engines = [], []

    def open_it():
        try:
            engines.append(make_engine(url))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert db.current_revision(engines[0]) == db.head_revision()
        with engines[0].connect() as c:
            assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        assert _diffs(engines[0]) == []
    finally:
        for e in engines:
            e.dispose()


def test_cli_db_current_and_upgrade(new_db_url, capsys):
    url = new_db_url(empty=True)
    assert main(["--db", url, "db", "current"]) == 0
    assert "Skemaversion: ingen" in capsys.readouterr().out
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert f"skemaversion {db.head_revision()} (var uden version)" in capsys.readouterr().out
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert "(uændret)" in capsys.readouterr().out
    assert main(["--db", url, "db", "current"]) == 0
    assert f"Skemaversion: {db.head_revision()} (nyeste)" in capsys.readouterr().out


def test_the_migrations_are_package_data():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    tool = conf["tool"]["setuptools"]
    # what a wheel holds: every listed package's modules and each package's data patterns
    shipped = {f for name in tool["packages"] for f in (ROOT / name.replace(".", "/")).glob("*.py")}
    shipped |= {f for name, pats in tool["package-data"].items() for pat in pats
                for f in (ROOT / name.replace(".", "/")).glob(pat)}
    pkg = ROOT / "survey"
    needed = {pkg / "migrations" / "env.py", pkg / "migrations" / "script.py.mako",
              *(pkg / "migrations" / "versions").glob("*.py")}
    assert needed <= shipped
    deps = " ".join(conf["project"]["dependencies"])
    assert "alembic" in deps and "psycopg[binary]" in deps


def test_nothing_database_specific_outside_survey_db():
    """SQLite pragmas, sqlite3, PostgreSQL-only SQL and driver calls live in survey/db.py only — and
    in survey/plainread.py, the named exception: the report commands' read of a local SQLite store
    without SQLAlchemy (issue 13; docs/architecture.md, "A second read, on purpose")."""
    bad = []
    allowed = {ROOT / "survey" / "db.py", ROOT / "survey" / "plainread.py"}
    for pkg in ("survey", "archetypes", "coding", "exports", "brugerblik", "ui"):
        for f in (ROOT / pkg).rglob("*.py"):
            if f in allowed or "migrations" in f.parts:
                continue
            src = f.read_text(encoding="utf-8")
            for needle in ("PRAGMA", "import sqlite3", "exec_driver_sql", "pg_advisory", "sqlite:///"):
                if needle in src:
                    bad.append(f"{f.relative_to(ROOT)}: {needle}")
    assert bad == []


@pytest.mark.uses_sqlite  # PostgreSQL always enforces foreign keys: an orphan row cannot be there
def test_an_old_store_with_an_orphan_row_is_still_upgraded_and_nothing_else_is_broken(tmp_path, caplog):
    """Found by a hostile tester: one row whose parent was gone before the upgrade (a store edited by
    hand, a copy of a damaged one) made every upgrade refuse — «Opgraderingen ville efterlade 1 brudte
    fremmednøgler» — so the app and every command were locked out of the store for good, though the
    upgrade broke nothing. Only a foreign key the upgrade itself breaks refuses it."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'gammel.db'}"
    e = make_engine(url, migrate=False)
    db.upgrade(e, "0003_app_user")  # 0004 rebuilds interview; 0005 alters answer
    e.dispose()
    con = sqlite3.connect(tmp_path / "gammel.db")
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("INSERT INTO site (name, site_type, prefix) VALUES ('Basen', 'boform', 'BAS')")
    con.execute("INSERT INTO interview (id, respondent_id, site_id, status, guide_form_id, guide_version, created_at, "
                "updated_at, source) VALUES ('iv-1', 'BAS-01', 1, 'complete', 'f', '1', '2026-01-02', '2026-01-02', "
                "'interview')")
    con.execute("INSERT INTO answer (interview_id, code, value, updated_at, source) VALUES "
                "('iv-1', 'age', '41', '2026-01-02', 'interview'), ('forsvundet', 'age', '52', '2026-01-02', 'interview')")
    con.commit()
    con.close()
    e = make_engine(url)
    try:
        assert db.current_revision(e) == db.head_revision()
        with e.connect() as c:
            assert c.execute(text("SELECT count(*) FROM answer")).scalar() == 2  # the orphan too: nothing removed
            assert len(c.exec_driver_sql("PRAGMA foreign_key_check").fetchall()) == 1  # the one it had
    finally:
        e.dispose()
    assert "fremmednøgle" in caplog.text  # said in the log

    # a foreign key the upgrade itself breaks still refuses it, and nothing is changed
    url2 = f"sqlite:///{tmp_path / 'brudt.db'}"
    e = make_engine(url2, migrate=False)
    db.upgrade(e, "0003_app_user")
    with e.begin() as c:
        c.execute(text("INSERT INTO site (name, site_type, prefix) VALUES ('Basen', 'boform', 'BAS')"))
        c.execute(text("INSERT INTO interview (id, respondent_id, site_id, status, guide_form_id, guide_version, "
                       "created_at, updated_at, source) VALUES ('iv-1', 'BAS-01', 1, 'complete', 'f', '1', "
                       "'2026-01-02', '2026-01-02', 'interview')"))
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def loses_the_rows(conn, cursor, statement, params, context, executemany):  # a faulty rebuild
        if statement.startswith("INSERT INTO _alembic_tmp_interview"):
            statement += " WHERE 0"  # interview rebuilt without its rows: the answers' parent is gone
        return statement, params

    with e.begin() as c:
        c.execute(text("INSERT INTO answer (interview_id, code, value, updated_at, source) VALUES "
                       "('iv-1', 'age', '41', '2026-01-02', 'interview')"))
    e.dispose()
    event.listen(Engine, "before_cursor_execute", loses_the_rows, retval=True)
    try:
        with pytest.raises(SchemaError, match="brudte fremmednøgler"):
            make_engine(url2)
    finally:
        event.remove(Engine, "before_cursor_execute", loses_the_rows)
    e = make_engine(url2, migrate=False)
    try:
        assert db.current_revision(e) == "0003_app_user"
        with e.connect() as c:
            assert c.execute(text("SELECT count(*) FROM interview")).scalar() == 1
            assert c.execute(text("SELECT count(*) FROM answer")).scalar() == 1
    finally:
        e.dispose()
