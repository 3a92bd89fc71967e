"""Benchmark of the report workbook (issue 5): `exports.workbook.build_workbook` end to end.

    .venv/bin/python bench/bench_report.py [--sizes 61,10000] [--repeat 3]

Sizes: 61 = the demo study (`survey.demo.load_demo`, with its real free text); any other n =
`bench_core.generate(guide, n)` (valid random answers, ~15 % blank, 3–25 word free texts)
inserted with `survey.store.insert_wide` into a fresh SQLite store. Each size is timed as the
CLI runs it — `build_workbook(engine, guide, out)`: load the wide frame from the store,
anonymise the free text (Data) and the quotes (Citater), every table, every chart, the Data
sheet, the atomic write — median of --repeat runs, after one warm-up run (imports and the
anonymiser's word lists are loaded once per process, as in the app). No images (PNG) are made.

Also printed, for reading the total: the parts that are not the workbook's own — loading the
wide frame (`load_wide`) and anonymising the free text (`coding.deidentify.deidentify`) — timed alone.
Targets (issue 5): under 2 s for 61 respondents, under 10 s for 10,000 — checked on the wall
time (the CPU time is printed beside it). Checked here, never in the test suite. Exit status 1
when a target is missed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import generate  # noqa: E402
from exports.workbook import build_workbook  # noqa: E402
from survey.db import make_engine, session_scope  # noqa: E402
from survey.demo import load_demo  # noqa: E402
from survey.guide import load_guide  # noqa: E402
from survey.store import insert_wide, load_wide  # noqa: E402
from coding.deidentify import deidentify  # noqa: E402

TARGETS = {61: 2.0, 10_000: 10.0}


def median_time(fn, repeat: int) -> tuple[float, float]:
    """(wall, CPU) seconds, medians of `repeat` runs. CPU time is this process's (SQLite runs in
    it too); on a machine shared with other work it is the steadier number."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="61,10000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    guide = load_guide()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"# Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}; median of {args.repeat} runs after one warm-up")
    ok = True
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/store.db")
            if n == 61:
                load_demo(engine, guide)
                what = "demo study"
            else:
                df = generate(guide, n)
                with session_scope(engine) as s:
                    insert_wide(s, guide, df, source="bench")
                what = "generated"
            out = Path(tmp) / "rapport.xlsx"
            build_workbook(engine, guide, out)  # warm-up
            total, total_cpu = median_time(lambda: build_workbook(engine, guide, out), args.repeat)
            wide = load_wide(engine, guide)
            t_load, c_load = median_time(lambda: load_wide(engine, guide), args.repeat)
            t_mask, c_mask = median_time(lambda: deidentify(wide, guide, engine), args.repeat)
            size_mb = out.stat().st_size / 1e6
            engine.dispose()
        target = TARGETS.get(n)
        verdict = "" if target is None else (f"target < {target:.0f} s: " + ("ok" if total < target else "MISSED"))
        ok &= target is None or total < target
        print(f"{n:>7,} respondents ({what}): workbook {total:6.2f} s wall, {total_cpu:6.2f} s CPU "
              f"({size_mb:5.1f} MB)   {verdict}")
        print(f"{'':>9}parts that are not the workbook's own (wall / CPU): load_wide {t_load:5.2f} / {c_load:5.2f} s, "
              f"mask_free_text {t_mask:5.2f} / {c_mask:5.2f} s; the rest {max(total - t_load - t_mask, 0):5.2f} / "
              f"{max(total_cpu - c_load - c_mask, 0):5.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
