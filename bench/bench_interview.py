"""Benchmark of the interview app (issue 3), with 1,000 interviews in the store.

    .venv/bin/python bench/bench_interview.py [--interviews 1000] [--saves 400] [--reruns 30]

1. Storing one answer: `survey.interview.save_answer` end to end (validation, upsert, commit
   with SQLite WAL + synchronous=FULL, i.e. on disk when it returns) — p50/p95/max over
   --saves changes of a draft interview (text, numbers, choices, probes). Target: p95 < 20 ms.
2. Server time of one rerun of the interview page (AppTest: the whole script — load the
   interview, relevance, progress, every widget of the section), p50/p95 over --reruns reruns
   for the "Om dig" section and for the probe grid ("Udbytte"), and for the start page with its
   lists. AppTest also builds and parses the page's messages, so this is an upper bound on what
   the server spends. Target: < 150 ms.

The store is a fresh SQLite file in a temporary directory; the 1,000 completed interviews
have random valid answers to every interview item (about 85 % filled).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey import interview as svc  # noqa: E402
from survey import store  # noqa: E402
from survey.db import get_engine, session_scope  # noqa: E402
from survey.guide import load_guide  # noqa: E402

SITES = [("Amadeus", "vaerested"), ("Basen", "boform"), ("Tre Ege", "boform"), ("Regnbuen", "vaerested"),
         ("Solvang", "boform"), ("Linie 14", "vaerested")]
WORDS = ("rytme hverdag værested mentor arbejde gæld kontakt venner boform sagsbehandler aktivering "
         "køkken værksted have misbrug behandling bolig familie job praktik").split()


def value_for(it, rnd: random.Random) -> str | None:
    if it.type == "select_one":
        return rnd.choice(it.choice_values())
    if it.type == "select_multiple":
        return ";".join(sorted(rnd.sample(it.choice_values(), rnd.randint(1, 3)), key=it.choice_values().index))
    if it.type == "integer":
        return str(rnd.randint(16, 25) if it.code == "skoleaar" else rnd.randint(16, 25) + 20)
    if it.type == "decimal":
        return str(rnd.randint(0, 48))
    if it.type == "date":
        return f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 60)))


def populate(engine, guide, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        site, stype = SITES[i % len(SITES)]
        r = {"respondent_id": f"B{i + 1:05d}", "site": site, "site_type": stype, "interviewer": f"I{i % 5}",
             "interview_date": f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"}
        for code, it in guide.items.items():
            if code in r or it.role == "forsker" or rnd.random() < 0.15:
                continue
            v = value_for(it, rnd)
            canon, problem = guide.check_value(code, v)
            if problem is None:
                r[code] = canon
        rows.append(r)
    df = pd.DataFrame(rows, columns=guide.codes).astype(object)
    df = df.where(df.notna(), None)
    with session_scope(engine) as s:
        store.insert_wide(s, guide, df, source="demo")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def bench_saves(engine, guide, iid: str, n: int) -> list[float]:
    rnd = random.Random(3)
    codes = ["hvorfor_her", "age", "gender", "problemer", "varighed_mdr"] + [p.code for p in guide.probes]
    out = []
    for i in range(n):
        code = codes[i % len(codes)]
        v = value_for(guide.item(code), rnd)
        if code == "age":
            v = str(16 + i % 90)
        t0 = time.perf_counter()
        res = svc.save_answer(engine, guide, iid, code, v)
        out.append((time.perf_counter() - t0) * 1000)
        assert res.ok, res.message
    return out


SCRIPT_MS: list[float] = []


def _time_script_runs() -> None:
    """Record the server's own time for each script run (callbacks + page script), without AppTest's harness."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    orig = ScriptRunner._run_script
    if getattr(orig, "_timed", False):
        return

    def timed(self, rerun_data):
        t0 = time.perf_counter()
        try:
            return orig(self, rerun_data)
        finally:
            SCRIPT_MS.append((time.perf_counter() - t0) * 1000)

    timed._timed = True
    ScriptRunner._run_script = timed


def bench_reruns(iid: str, afsnit: str | None, n: int, change: str | None = None) -> tuple[list[float], list[float]]:
    """(server time of the script run, AppTest wall time) for n reruns, in ms.

    With `change` (a probe code) every rerun first changes that probe's answer in the grid, so
    the time includes the on_change save, as when the interviewer clicks an answer.
    """
    from streamlit.testing.v1 import AppTest

    _time_script_runs()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if iid:
        at.query_params["iv"] = iid
        if afsnit:
            at.query_params["afsnit"] = afsnit
        from tests.app.pages import switch  # the page is a function: AppTest.switch_page knows only files

        switch(at, "interview")
    for _ in range(3):  # warm: imports, caches, first render
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    wall = []
    SCRIPT_MS.clear()
    for i in range(n):
        if change:  # the grid's component queue, as the browser sends it (tests/app/autosave_driver.py)
            value = ("ja", "nej", "uklart")[i % 3]
            prev = ("ja", "nej", "uklart")[(i - 1) % 3] if i else None
            at.session_state[f"pg_{iid}_udbytte"] = {"queue": {"cid": "bench", "items": [
                {"seq": i + 1, "code": change, "value": value, "base": [i, prev], "kind": "save"}]}}
        t0 = time.perf_counter()
        at.run()
        wall.append((time.perf_counter() - t0) * 1000)
    assert not at.exception
    return list(SCRIPT_MS), wall


def line(name: str, xs: list[float], target: float | None = None) -> str:
    p50, p95 = statistics.median(xs), pct(xs, 95)
    verdict = "" if target is None else ("  OK" if p95 < target else f"  OVER MÅL ({target:g} ms)")
    return f"{name:<66} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(xs):7.1f} ms   (n={len(xs)}){verdict}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interviews", type=int, default=1000)
    ap.add_argument("--saves", type=int, default=400)
    ap.add_argument("--reruns", type=int, default=30)
    args = ap.parse_args()
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    guide = load_guide()
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{d}/bench.db"
        os.environ["BRUGERBLIK_DB"] = url
        engine = get_engine(url)
        t0 = time.perf_counter()
        populate(engine, guide, args.interviews)
        for k in range(5):  # a few drafts in the resume list
            svc.start_interview(engine, guide, site_name="Amadeus", interviewer="KL",
                                interview_date=dt.date(2026, 11, 3))
        iv = svc.start_interview(engine, guide, site_name="Basen", interviewer="KL")
        print(f"# {svc.count_by_status(engine)} i lageret (oprettet på {time.perf_counter() - t0:.1f} s); "
              f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} kerner")
        saves = bench_saves(engine, guide, iv.id, args.saves)
        print(line("gem ét svar (save_answer, commit på disk)", saves, 20))
        for afsnit, name in [("om_dig", "interviewsiden, «Om dig» (arketypekort)"),
                             ("udbytte", "interviewsiden, «Udbytte» (probegitter)"),
                             ("_afslut", "interviewsiden, «Afslut» (mangler, log)"),
                             ("udbytte+", "interviewsiden, «Udbytte», ét svar klikket"),
                             (None, "startsiden (lister; 1.000 afsluttede)")]:
            change = "sjovt" if afsnit and afsnit.endswith("+") else None
            server, wall = bench_reruns(iv.id if afsnit else "", afsnit.rstrip("+") if afsnit else None,
                                        args.reruns, change)
            print(line("rerun, servertid: " + name, server, 150))
            print(line("rerun, AppTest i alt: " + name, wall))
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
