"""Benchmark: 8 interviewers saving 1,000 answers each at the same time (issue 6), SQLite and PostgreSQL.

    .venv/bin/python bench/bench_concurrency.py [--writers 8] [--answers 1000] [--db sqlite|postgresql|both]

Each writer is a thread of one app process sharing the process's engine (as the Streamlit app
does): it starts interviews at a site shared by all writers (so the running respondent numbers
race) and saves its answers one at a time through `survey.interview.save_answer` — validation,
upsert, audit rules, commit — each acknowledged only once committed. All writers are released
at the same moment. Afterwards every acknowledged answer is checked to be in the store.

Reported per database: total answers/s (all writers together, wall clock), and the latency of
one save (p50/p95/max) as a writer sees it, waits for the others included.

* SQLite: a fresh file, WAL, synchronous=FULL (each commit is fsynced).
* PostgreSQL: a throwaway server started by tools/pg-test.sh with fsync on
  (PGTEST_DURABLE=1), on the same machine; or BRUGERBLIK_TEST_DB if it is set already.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from survey import db  # noqa: E402
from survey import interview as svc  # noqa: E402
from survey.db import make_engine, session_scope  # noqa: E402
from survey.guide import load_guide  # noqa: E402
from survey.models import Answer  # noqa: E402


def run(url: str, writers: int, answers: int) -> dict:
    guide = load_guide()
    engine = make_engine(url)
    codes = [c for c, it in guide.items.items() if svc.quotable(guide, c)]
    lat: list[float] = []
    acked: list[tuple] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(writers + 1)

    def writer(w: int) -> None:
        my_lat, my_acked = [], []
        try:
            barrier.wait()
            iv = None
            for i in range(answers):
                if i % len(codes) == 0:
                    iv = svc.start_interview(engine, guide, site_name="Fællesstedet", site_type="vaerested",
                                             interviewer=f"W{w}")
                code, value = codes[i % len(codes)], f"skribent {w} svar {i}"
                t0 = time.perf_counter()
                r = svc.save_answer(engine, guide, iv.id, code, value)
                my_lat.append(time.perf_counter() - t0)
                if r.ok:
                    my_acked.append((iv.id, code, value))
                else:
                    errors.append(r.message)
        except Exception as e:  # noqa: BLE001
            errors.append(f"{type(e).__name__}: {e}")
        with lock:
            lat.extend(my_lat)
            acked.extend(my_acked)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    with session_scope(engine) as s:
        have = set(s.execute(select(Answer.interview_id, Answer.code, Answer.value)).all())
    ok, detail = db.integrity_ok(engine)
    engine.dispose()
    lat.sort()
    return {"answers": len(acked), "expected": writers * answers, "errors": len(errors),
            "first_error": errors[0] if errors else "", "all_stored": set(acked) <= have and len(have) == len(acked),
            "integrity": detail, "wall_s": wall, "per_s": len(acked) / wall,
            "p50_ms": statistics.median(lat) * 1000, "p95_ms": lat[math.ceil(0.95 * len(lat)) - 1] * 1000,
            "max_ms": lat[-1] * 1000}


def report(name: str, r: dict) -> None:
    print(f"{name}: {r['answers']}/{r['expected']} answers stored, all present: {r['all_stored']}, "
          f"errors: {r['errors']} {r['first_error']}, integrity: {r['integrity']}")
    print(f"  {r['per_s']:.0f} answers/s ({r['wall_s']:.1f} s wall); save latency p50 {r['p50_ms']:.1f} ms, "
          f"p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.0f} ms")


def pg_database(base: str) -> str:
    admin = create_engine(make_url(base).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT",
                          poolclass=NullPool)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--answers", type=int, default=1000)
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    a = ap.parse_args()
    if a.db in ("postgresql", "both") and not os.environ.get("BRUGERBLIK_TEST_DB"):
        # start a throwaway durable server and run this script again inside it
        args = [sys.executable, __file__, "--writers", str(a.writers), "--answers", str(a.answers)]
        if a.db == "both":
            rc = subprocess.call(args + ["--db", "sqlite"])
            if rc:
                return rc
        env = {**os.environ, "PGTEST_DURABLE": "1"}
        return subprocess.call(["bash", str(ROOT / "tools" / "pg-test.sh"), *args, "--db", "postgresql"], env=env)
    print(f"{a.writers} writers x {a.answers} answers, {platform.python_version()}, {os.cpu_count()} cores, "
          f"{platform.machine()}")
    failed = False
    if a.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as d:
            r = run(f"sqlite:///{d}/bench.db", a.writers, a.answers)
            report("SQLite (WAL, synchronous=FULL)", r)
            failed |= not r["all_stored"] or r["errors"] > 0
    if a.db in ("postgresql", "both"):
        url = pg_database(os.environ["BRUGERBLIK_TEST_DB"])
        with make_engine(url).connect() as c:
            version = c.execute(text("SHOW server_version")).scalar()
            fsync = c.execute(text("SHOW fsync")).scalar()
            sc = c.execute(text("SHOW synchronous_commit")).scalar()
        r = run(url, a.writers, a.answers)
        report(f"PostgreSQL {version} (loopback, fsync={fsync}, synchronous_commit={sc})", r)
        failed |= not r["all_stored"] or r["errors"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
