"""Proof that no data is lost (issue 6): concurrent writers, a killed process, backups while writing.

Runs on SQLite and — with BRUGERBLIK_TEST_DB — on PostgreSQL. The full 8 × 1,000 run is
bench/bench_concurrency.py; the tests use 8 × 150, which already makes every writer wait for
the others many times over.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from brugerblik.cli import main
from survey import db
from survey import interview as svc
from survey import sync
from survey.db import make_engine, session_scope
from survey.models import Answer, Interview

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 8
PER_WRITER = 150


def text_codes(guide) -> list[str]:
    return [c for c, it in guide.items.items() if svc.quotable(guide, c)]


def writer(engine, guide, w: int, n: int, acked: list, errors: list, barrier: threading.Barrier | None = None,
           site: str = "Fællesstedet") -> None:
    """Interviewer `w`: starts interviews at the shared site and saves `n` answers, one at a time."""
    codes = text_codes(guide)
    try:
        if barrier is not None:
            barrier.wait()
        iv = None
        for i in range(n):
            if i % len(codes) == 0:
                iv = svc.start_interview(engine, guide, site_name=site, site_type="vaerested", interviewer=f"W{w}")
            code, value = codes[i % len(codes)], f"skribent {w} svar {i}"
            res = svc.save_answer(engine, guide, iv.id, code, value)
            if not res.ok:
                errors.append(res.message)
            else:
                acked.append((iv.id, code, value))
    except Exception as e:  # noqa: BLE001 — any exception reaching the caller is a failure
        errors.append(f"{type(e).__name__}: {e}")


def stored(engine) -> set[tuple[str, str, str]]:
    with session_scope(engine) as s:
        return set(s.execute(select(Answer.interview_id, Answer.code, Answer.value)).all())


def test_eight_writers_at_once_every_answer_is_stored_and_no_error_reaches_them(engine, guide):
    acked, errors = [], []
    barrier = threading.Barrier(WRITERS)
    threads = [threading.Thread(target=writer, args=(engine, guide, w, PER_WRITER, acked, errors, barrier))
               for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert errors == []
    assert len(acked) == WRITERS * PER_WRITER
    assert stored(engine) == set(acked)  # every acknowledged answer, nothing else
    with session_scope(engine) as s:
        rids = list(s.execute(select(Interview.respondent_id)).scalars())
    per = -(-PER_WRITER // len(text_codes(guide)))
    assert len(rids) == len(set(rids)) == WRITERS * per  # the running numbers did not collide
    ok, detail = db.integrity_ok(engine)
    assert ok, detail


def test_two_tabs_saving_the_same_item_at_once_both_succeed(engine, guide):
    """Both find the answer missing and insert it: the unique constraint catches the second, the
    service runs it again as an update, and neither tab sees an error."""
    info = svc.start_interview(engine, guide, site_name="Basen", site_type="boform")
    errors = []
    barrier = threading.Barrier(4)

    def tab(k):
        barrier.wait()
        for i in range(30):
            r = svc.save_answer(engine, guide, info.id, "hverdag", f"fane {k} udgave {i}")
            if not r.ok:
                errors.append(r.message)

    threads = [threading.Thread(target=tab, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with session_scope(engine) as s:
        rows = s.execute(select(Answer.value).where(Answer.interview_id == info.id, Answer.code == "hverdag")).all()
    assert len(rows) == 1 and rows[0][0].endswith("udgave 29")


def test_busy_sqlite_is_retried_not_reported(engine, guide, monkeypatch):
    """A 'database is locked' (or PostgreSQL serialization failure) is run again inside the store layer."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    info = svc.start_interview(engine, guide, site_name="Basen", site_type="boform")
    calls = {"n": 0}
    real = svc.store.set_answer

    def flaky(*a, **kw):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))
        return real(*a, **kw)

    monkeypatch.setattr(svc.store, "set_answer", flaky)
    res = svc.save_answer(engine, guide, info.id, "hverdag", "Rolig")
    assert res.ok and calls["n"] == 3
    assert svc.load_state(engine, info.id).answers == {"hverdag": "Rolig"}


CRASH_SCRIPT = textwrap.dedent("""
    import sys
    from survey.db import make_engine
    from survey import interview as svc
    from survey.guide import load_guide

    engine, guide = make_engine(sys.argv[1]), load_guide()
    codes = [c for c, it in guide.items.items() if svc.quotable(guide, c)]
    i, iv = 0, None
    while True:
        if i % len(codes) == 0:
            iv = svc.start_interview(engine, guide, site_name="Basen", site_type="boform")
        code, value = codes[i % len(codes)], f"svar {i}"
        if svc.save_answer(engine, guide, iv.id, code, value).ok:
            print("ACK", iv.id, code, value, flush=True)
        i += 1
""")


@pytest.mark.parametrize("after", [40, 150])
def test_a_killed_app_loses_no_acknowledged_answer(db_url, after, tmp_path):
    """SIGKILL the process while it saves answers; the store opens and holds every acknowledged one."""
    script = tmp_path / "writer.py"
    script.write_text(CRASH_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), db_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, start_new_session=True)
    acked = []
    try:
        deadline = time.monotonic() + 120
        while len(acked) < after and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("ACK "):
                _, iid, code, value = line.rstrip("\n").split(" ", 3)
                acked.append((iid, code, value))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # mid-save: no shutdown handler, no flush
        proc.wait(10)
    assert len(acked) >= after, proc.stderr.read()[-2000:]
    # whatever the killed process printed before dying was acknowledged too
    for line in proc.stdout.read().splitlines():
        if line.startswith("ACK "):
            _, iid, code, value = line.split(" ", 3)
            acked.append((iid, code, value))
    db.dispose_url(db_url)
    e = make_engine(db_url)  # "restart": the store opens
    try:
        ok, detail = db.integrity_ok(e)
        assert ok, detail
        have = stored(e)
        assert set(acked) <= have
        assert len(have) - len(acked) <= 1  # at most the save that was cut off before it was acknowledged
    finally:
        e.dispose()


# ---------------------------------------------------------------- backups

def _restore(backup: Path, engine, target_url: str):
    """Open a backup as a store: SQLite — the file itself; PostgreSQL — pg_restore into a new database."""
    if engine.dialect.name == "sqlite":
        return make_engine(f"sqlite:///{backup}")
    env, args = db.pg_env_args(target_url)
    from sqlalchemy.engine import make_url

    res = subprocess.run([db.pg_program("pg_restore"), "--no-owner", "--exit-on-error", *args,
                          "--dbname", make_url(target_url).database, str(backup)], env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return make_engine(target_url)


def test_backup_while_the_app_writes_is_consistent_and_restorable(engine, guide, tmp_path, new_db_url):
    acked, errors = [], []
    stop = threading.Event()
    codes = text_codes(guide)

    def keep_writing():
        i, iv = 0, None
        try:
            while not stop.is_set():
                if i % len(codes) == 0:
                    iv = svc.start_interview(engine, guide, site_name="Basen", site_type="boform")
                code, value = codes[i % len(codes)], f"svar {i}"
                r = svc.save_answer(engine, guide, iv.id, code, value)
                if r.ok:
                    acked.append((iv.id, code, value))
                else:
                    errors.append(r.message)
                i += 1
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    t = threading.Thread(target=keep_writing)
    t.start()
    try:
        while len(acked) < 30 and not errors:
            time.sleep(0.01)
        before = len(acked)
        path = db.backup(engine, tmp_path / "kopi.bak")
        during = len(acked)
        while len(acked) < during + 10 and not errors:  # the writer goes on after the backup
            time.sleep(0.01)
    finally:
        stop.set()
        t.join(60)
    assert errors == [] and len(acked) > during >= before
    restored = _restore(path, engine, new_db_url(empty=True))
    try:
        ok, detail = db.integrity_ok(restored)
        assert ok, detail
        assert db.current_revision(restored) == db.head_revision()
        got = stored(restored)
        k = len(got)
        # one consistent moment: exactly the first k acknowledged saves, k taken while the backup ran
        assert before <= k <= during + 1
        assert got == set(acked[:k])
    finally:
        restored.dispose()


def test_backup_of_a_quiet_store_has_exactly_its_rows(engine, guide, tmp_path, new_db_url, capsys):
    from tests.survey.test_sync import field_work

    field_work(engine, guide, n=3)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "backup", str(tmp_path / "stille.bak")]) == 0
    assert "Sikkerhedskopi skrevet" in capsys.readouterr().out
    restored = _restore(tmp_path / "stille.bak", engine, new_db_url(empty=True))
    try:
        assert sync.count_rows(restored) == sync.count_rows(engine)
        with session_scope(restored) as s, session_scope(engine) as s2:
            assert sync.load_versions(s, None) == sync.load_versions(s2, None)
    finally:
        restored.dispose()
    assert main(["--db", url, "backup", str(tmp_path / "findes-ikke" / "x.bak")]) == 1
    assert "findes ikke" in capsys.readouterr().err
