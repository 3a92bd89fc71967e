"""Every store an earlier Brugerblik made is upgraded without losing or changing a value.

For every Alembic revision R in history: a store is built at R (``survey.db.upgrade(engine, R)``),
every table that exists at R gets rows written with plain SQL — Danish text, a long text, NULLs,
time stamps with microseconds, booleans, dates, foreign keys between the rows — and the store is
then opened the way the app opens it (`make_engine`: upgraded to head). Every row of every table
that existed at R must read back value for value (through the schema of R), the columns added later
must have their documented values, the schema must equal the models, the foreign keys must hold,
and the app's services must read the store and write to it.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (Boolean, Date, DateTime, Float, Integer, MetaData, String, Text, inspect, select,
                        text)

from survey import db
from survey.db import make_engine

UTC = dt.timezone.utc
ROWS = (1, 2, 3)  # 1: every column filled; 2: every nullable column NULL; 3: filled, refers to row 1


def _history() -> list[str]:
    return [r.revision for r in reversed(list(db._script().walk_revisions()))]


DANISH = "Ærø og Åbenrå — «citat» ’æøå ÆØÅ’ \"x\" é ü ß 🙂\r\nNæste linje\t"
LONG = ("Hun fortalte om hverdagen på værestedet, om kaffen og om de andre brugere. " * 1500)  # ~110 kB


def _user_interview(rev_tables: dict, n: int) -> dict:
    """The interview rows the services read: 1 a completed user interview, 2 a draft, 3 a
    caseworker's interview about the user of row 1 (from the revision that has sources)."""
    from survey.guide import load_guide

    g = load_guide()
    cols = rev_tables["interview"]
    sources = "informant" in cols
    row = {"respondent_id": {1: "BAS-01", 2: "BAS-02", 3: "SB-BAS-01" if sources else "BAS-03"}[n],
           "status": {1: "complete", 2: "draft", 3: "complete"}[n],
           "guide_form_id": g.form_id, "guide_version": g.version, "source": "interview"}
    if "informant" in cols:
        row["informant"] = "sagsbehandler" if n == 3 else "bruger"
        if n == 3:
            from survey.sources import guide_for  # noqa: PLC0415 — only here
            sg = guide_for("sagsbehandler")
            row["guide_form_id"], row["guide_version"] = sg.form_id, sg.version
    return row


SEMANTIC = {
    # values the services interpret; everything else is generic
    ("site", "site_type"): lambda n: "boform",
    ("site", "prefix"): lambda n: "BAS",
    ("answer", "code"): lambda n: {1: "hvorfor_her", 2: "age", 3: "selvplacering"}[n],
    ("answer", "value"): lambda n: {1: DANISH + LONG, 2: "41", 3: "den_aeldre"}[n],
    ("answer", "source"): lambda n: "interview",
    ("quote", "item_code"): lambda n: "hvorfor_her",
    ("consent_record", "item_code"): lambda n: "consent_journal",
    ("consent_record", "value"): lambda n: "ja",
    ("audit_entry", "entity"): lambda n: "answer",
    ("consent_withdrawal", "purpose"): lambda n: {1: "journal", 2: "interview", 3: "journal"}[n],
    ("consent_withdrawal", "reason"): lambda n: "Ønsker ikke at være med længere; ringede til Åse",
    ("app_user", "role"): lambda n: "admin",
    ("app_user", "active"): lambda n: True,
    ("transcript_segment", "speaker"): lambda n: "B",
    ("transcript", "fmt"): lambda n: "txt",
    ("saved_analysis", "kind"): lambda n: "krydstabel",
    ("saved_analysis", "spec"): lambda n: '{"rows": "gender", "cols": "site_type"}',
    ("codebook_code", "colour"): lambda n: "#A1B2C3",
}
# withdrawals are about interview 3 (both purposes) and the journal of 2: interview 1 stays in the
# wide frame, and 2 can still be answered
FK_ROW = {("consent_withdrawal", "interview_id"): {1: 3, 2: 3, 3: 2}}


def _value(table, col, n: int, ids: dict):
    """The value of column `col` of row `n` of `table` (None: leave it to the database)."""
    t = table.name
    if col.primary_key and isinstance(col.type, Integer) and len(table.primary_key.columns) == 1:
        return None  # the database numbers it (PostgreSQL's sequence must stay right)
    for fk in col.foreign_keys:
        ref = fk.column.table.name
        if ref == t:  # a reference to a row of the same table: row 3 refers to row 1
            return ids[t][1] if n == 3 else None
        target = FK_ROW.get((t, col.name), {}).get(n, n)
        return ids[ref][target]
    if n == 2 and col.nullable:
        return None
    if (t, col.name) in SEMANTIC:
        return SEMANTIC[(t, col.name)](n)
    if col.name == "uid":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{t}/{n}"))
    ty = col.type
    if isinstance(ty, Boolean):
        return n != 2
    if isinstance(ty, Integer):
        return 1000 + n
    if isinstance(ty, Float):
        return 12.25 + n
    if isinstance(ty, DateTime):
        return dt.datetime(2025, 3, 29, 23, 59, 58, 123456 + n, tzinfo=UTC) + dt.timedelta(days=n)
    if isinstance(ty, Date):
        return dt.date(2024, 2, 27) + dt.timedelta(days=n)  # 28.02, 29.02 (leap day), 01.03
    if isinstance(ty, String) and not isinstance(ty, Text) and ty.length:
        return (f"{n}{t[:3]}·" + DANISH)[:ty.length]
    return f"{n} {t}.{col.name}: " + DANISH + (LONG if n == 1 else "")


def _fill(engine) -> dict[str, dict[int, object]]:
    """Three rows in every table of the store as it is; returns {table: {row: primary key}}."""
    md = MetaData()
    md.reflect(bind=engine)
    cols = {t.name: {c.name for c in t.columns} for t in md.tables.values()}
    ids: dict[str, dict[int, object]] = {}
    with engine.begin() as c:
        for table in md.sorted_tables:
            if table.name == "alembic_version":
                continue
            ids[table.name] = {}
            for n in ROWS:
                row = {col.name: _value(table, col, n, ids) for col in table.columns}
                if table.name == "interview":
                    row.update(id=str(uuid.UUID(int=n, version=4)), **_user_interview(cols, n))
                row = {k: v for k, v in row.items() if v is not None or not table.c[k].primary_key}
                res = c.execute(table.insert().values(**row))
                pk = res.inserted_primary_key
                ids[table.name][n] = pk[0] if len(pk) == 1 else tuple(pk)
    return ids


def _snapshot(engine, md: MetaData) -> dict[str, list[tuple]]:
    """Every row of every table in `md` (a schema of the past), read through that schema's types and
    as the driver gives it (the text SQLite holds: a time stamp rewritten in another form differs)."""
    out = {}
    with engine.connect() as c:
        for table in md.sorted_tables:
            if table.name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            typed = [tuple(r) for r in c.execute(select(*table.columns).order_by(*order))]
            cols = ", ".join(f'"{col.name}"' for col in table.columns)
            keys = ", ".join(f'"{col.name}"' for col in order)
            raw = [tuple(r) for r in c.execute(text(f'SELECT {cols} FROM "{table.name}" ORDER BY {keys}'))]
            out[table.name] = list(zip(typed, raw))
    return out


@pytest.mark.parametrize("rev", _history())
def test_a_store_made_at_every_revision_keeps_every_value_when_upgraded(rev, new_db_url, guide, tmp_path):
    url = new_db_url(empty=True)
    e = make_engine(url, migrate=False)
    try:
        db.upgrade(e, rev)
        assert db.current_revision(e) == rev
        ids = _fill(e)
        past = MetaData()
        past.reflect(bind=e)
        before = _snapshot(e, past)
    finally:
        e.dispose()
    assert all(len(rows) == 3 for rows in before.values())

    e = make_engine(url)  # what the app and every command do
    try:
        assert db.current_revision(e) == db.head_revision()
        after = _snapshot(e, past)
        for name in before:
            assert after[name] == before[name], f"{name}: rækkerne er ændret af opgraderingen fra {rev}"
        with e.connect() as c:
            assert compare_metadata(MigrationContext.configure(c), db.model_metadata()) == []
            for name in set(inspect(c).get_table_names()) - set(before) - {"alembic_version"}:
                assert c.execute(text(f"SELECT count(*) FROM {name}")).scalar() == 0
            # the columns added since R have their documented values
            had = {t.name: set(t.columns.keys()) for t in past.tables.values()}
            if "version" not in had["answer"]:
                assert c.execute(text("SELECT DISTINCT version FROM answer")).scalars().all() == [1]
            if "informant" not in had["interview"]:
                informants = c.execute(text("SELECT DISTINCT informant FROM interview")).scalars().all()
                assert informants == ["bruger"]
            if "uid" not in had["quote"]:
                for t in ("quote", "audit_entry", "consent_record"):
                    uids = c.execute(text(f"SELECT uid FROM {t}")).scalars().all()
                    assert len(uids) == 3 == len(set(uids)) and all(len(u) == 36 for u in uids)
        ok, detail = db.integrity_ok(e)
        assert ok, detail
        if db.is_sqlite(e):
            with e.connect() as c:
                assert c.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        _the_services_read_and_write(e, guide, ids, tmp_path)
    finally:
        e.dispose()


def _the_services_read_and_write(e, guide, ids, tmp_path) -> None:
    from survey import interview as svc, store, sync

    iid = ids["interview"][1]
    st = svc.load_state(e, iid)
    assert st.info.respondent_id == "BAS-01"
    assert st.answers["hvorfor_her"] == DANISH + LONG
    assert [q.text[:60] for q in st.quotes][:1] == [(f"1 quote.text: " + DANISH)[:60]]
    assert st.consent is not None and st.consent.value == "ja"
    assert st.consent.recorded_at == dt.datetime(2025, 3, 30, 23, 59, 58, 123457, tzinfo=UTC)
    wide = store.load_wide(e, guide)
    assert list(wide["respondent_id"]) in (["BAS-01"], ["BAS-01", "BAS-03"])
    assert wide.iloc[0]["hvorfor_her"] == DANISH + LONG and str(wide.iloc[0]["age"]) in ("nan", "<NA>", "None")
    res = sync.export_package(e, tmp_path / "felt.zip", passphrase="en lang pakkekode til testen")
    pkg = sync.read_package(tmp_path / "felt.zip", passphrase="en lang pakkekode til testen")
    assert res is not None and {v["respondent_id"] for v in pkg.interviews} >= {"BAS-01", "BAS-02"}
    # new rows after the upgrade: the database numbers them past the old ones
    st2 = svc.load_state(e, ids["interview"][2])
    r = svc.save_answer(e, guide, ids["interview"][2], "age", "52", base=st2.base("age"))
    assert r.ok, r
    assert svc.load_state(e, ids["interview"][2]).answers["age"] == "52"
    with e.begin() as c:
        c.execute(text("INSERT INTO quote (uid, interview_id, item_code, text, for_report, created_at, updated_at) "
                       "VALUES (:u, :i, 'hvorfor_her', 'Ny', :f, :t, :t)"),
                  {"u": str(uuid.uuid4()), "i": ids["interview"][2], "f": False, "t": dt.datetime.now(UTC)})


KILLED_MIDWAY = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from survey.db import make_engine

def die(conn, cursor, statement, params, context, executemany):  # in 0004, after 0002 and 0003 ran
    if statement.startswith(("INSERT INTO _alembic_tmp_interview", "ALTER TABLE interview ADD COLUMN informant")):
        os.kill(os.getpid(), signal.SIGKILL)  # SQLite rebuilds the table; PostgreSQL alters it

event.listen(Engine, "before_cursor_execute", die)
make_engine(sys.argv[1])
"""

OPEN_IT = """
import sys
from survey.db import make_engine
from survey import db
sys.stdin.readline()
print(db.current_revision(make_engine(sys.argv[1])))
"""


def _child(code: str, url: str, **kw):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen([sys.executable, "-c", code, url], cwd=root, text=True,
                            env={**os.environ, "PYTHONPATH": str(root)}, **kw)


def _old_store(new_db_url):
    """A new store at the first revision with rows in every table: its URL, its schema and its rows."""
    url = new_db_url(empty=True)
    e = make_engine(url, migrate=False)
    db.upgrade(e, "0001_initial")
    _fill(e)
    past = MetaData()
    past.reflect(bind=e)
    before = _snapshot(e, past)
    e.dispose()
    return url, past, before


def test_an_upgrade_killed_halfway_leaves_the_old_store_and_the_next_one_finishes(new_db_url):
    url, past, before = _old_store(new_db_url)
    p = _child(KILLED_MIDWAY, url)
    assert p.wait(120) == -9  # killed inside the migration's transaction (in 0004, after 0002 and 0003)
    e = make_engine(url, migrate=False)
    try:
        assert db.current_revision(e) == "0001_initial"
        assert _snapshot(e, past) == before
        assert not [t for t in inspect(e).get_table_names() if t.startswith("_alembic") or t == "merge_conflict"]
    finally:
        e.dispose()
    e = make_engine(url)
    try:
        assert db.current_revision(e) == db.head_revision()
        assert _snapshot(e, past) == before
        assert db.integrity_ok(e) == (True, "ok")
    finally:
        e.dispose()


def test_two_processes_opening_an_old_store_at_once_both_get_it_upgraded_once(new_db_url):
    import subprocess

    url, past, before = _old_store(new_db_url)
    ps = [_child(OPEN_IT, url, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
          for _ in range(2)]
    for p in ps:  # both have imported everything; now they open the store in the same instant
        p.stdin.write("\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=120) for p in ps]
    assert [p.returncode for p in ps] == [0, 0], outs
    assert [o.strip() for o, _err in outs] == [db.head_revision()] * 2
    e = make_engine(url)
    try:
        assert _snapshot(e, past) == before
        with e.connect() as c:
            assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        e.dispose()
