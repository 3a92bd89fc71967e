"""Peak memory and time of `brugerblik import` (issue 11): wide CSV and XLSX for 5,000 and 50,000
respondents, and one large CSV.

    .venv/bin/python bench/bench_import_memory.py [--sizes 5000,50000] [--big-mb 200] [--code DIR] [--files DIR]

The files are generated from the guide (`survey.guide.load_guide`) by `bench_core.generate`:
every code a valid value or blank (~15 %), free texts of 3–25 words; written with
`survey.wideio.write_csv` / `write_xlsx` (the tool's own export format). The large CSV repeats the
largest generated frame with new respondent ids until it is at least ``--big-mb`` MB.

Each import is `python -m brugerblik.cli --db sqlite:///NEW.db import FILE`, a child process
with a fresh SQLite store; its peak RSS is ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` taken by
tools/peak_rss.py (the child's small parent; see there why) and its time the wall clock around it
(interpreter start, ~2 s, included). The baseline row is the same
interpreter importing the CLI's modules and exiting. ``--code DIR`` runs the CLI from another
source tree (e.g. ``git archive HEAD | tar -x -C DIR``) to compare with an older version;
``--files DIR`` keeps (and reuses) the generated files there. Benchmarks are not tests: nothing
here asserts a target.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

MIB = 1024 * 1024


def run_child(argv: list[str], code_dir: Path) -> tuple[int, float, int, str]:
    """(exit code, seconds, peak RSS bytes, last stderr line) of one child process. The peak is
    taken by tools/peak_rss.py, the child's small parent (a child forked from this process, which
    holds the generated frames, would start its peak at this process's size)."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        with open(Path(tmp) / "err", "wb") as err:
            t = time.perf_counter()
            code = subprocess.call([sys.executable, str(ROOT / "tools" / "peak_rss.py"), str(peak_file), "--", *argv],
                                   cwd=code_dir, stdout=subprocess.DEVNULL, stderr=err,
                                   env={**os.environ, "PYTHONPATH": str(code_dir)})
            seconds = time.perf_counter() - t
        last = ((Path(tmp) / "err").read_text("utf-8", "replace").strip().splitlines() or [""])[-1]
        return code, seconds, int(peak_file.read_text()), last


def make_files(sizes: list[int], big_mb: int, where: Path) -> list[tuple[str, Path, int]]:
    from bench_core import generate

    from survey import wideio
    from survey.guide import load_guide

    guide = load_guide()
    files: list[tuple[str, Path, int]] = []
    frame = None
    for n in sizes:
        frame = None
        for suffix, write in (("csv", wideio.write_csv), ("xlsx", wideio.write_xlsx)):
            path = where / f"wide_{n}.{suffix}"
            if not path.exists():
                if frame is None:
                    frame = generate(guide, n)
                print(f"  writing {path.name} …", file=sys.stderr, flush=True)
                write(frame, guide, path)
            files.append((f"{n:,} respondents, {suffix.upper()}", path, n))
    if big_mb:
        path = where / f"wide_big_{big_mb}mb.csv"
        if not path.exists():
            base = generate(guide, max(sizes))
            rows = base.astype(object).where(base.notna(), None).values.tolist()
            print(f"  writing {path.name} …", file=sys.stderr, flush=True)
            with open(path, "w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f, lineterminator="\r\n")
                w.writerow(guide.codes)
                rep = 0
                while f.tell() < big_mb * MIB:
                    for i, r in enumerate(rows):
                        r = list(r)
                        r[0] = f"B{rep:03d}-{i:06d}"
                        w.writerow(["" if v is None else wideio.csv_escape(str(v)) for v in r])
                    rep += 1
        with open(path, encoding="utf-8-sig") as f:
            n = sum(1 for _ in csv.reader(f)) - 1
        files.append((f"large CSV ({n:,} respondents)", path, n))
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5000,50000")
    ap.add_argument("--big-mb", type=int, default=200, help="size of the large CSV in MB (0: none)")
    ap.add_argument("--code", default=str(ROOT), help="source tree whose CLI is measured")
    ap.add_argument("--files", default=None, help="folder for the generated files (kept and reused)")
    args = ap.parse_args()
    code_dir = Path(args.code).resolve()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    keep = Path(args.files) if args.files else None
    with tempfile.TemporaryDirectory() as tmp:
        where = keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        files = make_files(sizes, args.big_mb, where)
        import pandas as pd

        print(f"Python {sys.version.split()[0]}, pandas {pd.__version__}; code: {code_dir}; SQLite store; "
              "one run each\n")
        code, seconds, base, _ = run_child([sys.executable, "-c", "import brugerblik.cli, survey.wideio, survey.sync"],
                                           code_dir)
        print("| file | size | respondents | peak RSS | peak / file | time |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| (baseline: the CLI's modules imported, nothing read) | | | {base / MIB:,.0f} MB | | {seconds:.1f} s |")
        for label, path, n in files:
            db = Path(tmp) / f"store_{path.stem}.db"
            code, seconds, peak, last = run_child(
                [sys.executable, "-m", "brugerblik.cli", "--db", f"sqlite:///{db}", "import", str(path)], code_dir)
            size = path.stat().st_size
            status = "" if code == 0 else f" (exit {code}: {last[:80]})"
            print(f"| {label}{status} | {size / MIB:,.1f} MB | {n:,} | {peak / MIB:,.0f} MB | {peak / size:.2f} | "
                  f"{seconds:.1f} s |", flush=True)
            db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
