"""Benchmark of one quality-map PNG (issue 5) for the demo study (61 respondents).

    .venv/bin/python bench/bench_figure.py [--repeat 5] [--intervals]

Set-up (not timed with the write): the demo study into a fresh SQLite store and the wide frame
loaded back, as `brugerblik kvalitetskort --out` does. Then, timed separately:

  figur      kvalitetskort_figure(...)            the Plotly figure (tables + label placement)
  png kold   write_figure(... .png) in a process whose Chromium is not yet running: includes
             kaleido starting Chromium — what one `brugerblik kvalitetskort --out x.png` pays
  png varm   write_figure(... .png) again, Chromium already running (the app's case), median
             of --repeat

There is no target in the issue beyond "one PNG"; the numbers are for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report import figures  # noqa: E402
from survey.db import make_engine  # noqa: E402
from survey.demo import load_demo  # noqa: E402
from survey.guide import load_guide  # noqa: E402
from survey.store import load_wide  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--intervals", action="store_true", help="with Wilson intervals (as the CLI's --intervals)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        guide = load_guide()
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        load_demo(engine, guide)
        wide = load_wide(engine, guide)
        setup = time.perf_counter() - t0

        builds = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fig = figures.kvalitetskort_figure(wide, guide, intervals=args.intervals)
            builds.append(time.perf_counter() - t0)

        out = Path(tmp) / "kvalitetskort.png"
        t0 = time.perf_counter()
        figures.write_figure("kvalitetskort", wide, guide, out, intervals=args.intervals)
        cold = time.perf_counter() - t0
        warm = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            figures.write_figure("kvalitetskort", wide, guide, out, intervals=args.intervals)
            warm.append(time.perf_counter() - t0)
        data = out.read_bytes()
        w, h = struct.unpack(">II", data[16:24])
        figures.stop_image_server()
        engine.dispose()

    ms = lambda s: f"{s * 1000:8.0f} ms"  # noqa: E731
    print(f"# demo study: {len(wide)} respondents, kvalitetskort{' with intervals' if args.intervals else ''}, "
          f"PNG {w}×{h} px ({len(data) / 1024:.0f} KiB), scale {figures.PNG_SCALE}")
    print(f"set-up (demo into SQLite + load_wide)    {ms(setup)}")
    print(f"figur (kvalitetskort_figure), median     {ms(statistics.median(builds))}   (n={args.repeat})")
    print(f"png kold (Chromium starts)               {ms(cold)}")
    print(f"png varm (Chromium running), median      {ms(statistics.median(warm))}   "
          f"(n={args.repeat}, max {max(warm) * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
