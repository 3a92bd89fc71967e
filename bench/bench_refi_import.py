"""Benchmark of the REFI-QDA project import (issue 15): a project with one large text source
(5 MB, the transcript limit) and 2,000 coded selections, against the plain transcript import of
the same text with the guide, in one run (the matcher's spaCy tables already loaded for both).

    .venv/bin/python bench/bench_refi_import.py [--mb 5] [--selections 2000]

Measured: wall time of `exports.qdpx_import.import_qdpx` (archive and schema checks, the offset
carrying, the transcript import, the guide links, the codings) and of
`coding.service.import_transcript(..., guide=)`; the ratio is the import's own overhead.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--selections", type=int, default=2000)
    args = ap.parse_args()

    from coding import guide_links, service
    from exports import qdpx_import as QI
    from survey import store
    from survey.db import make_engine, session_scope
    from survey.demo import load_demo
    from survey.guide import load_guide
    from tests.exports.test_qdpx_import import C_SUB, CODEBOOK, _guid, _project

    guide = load_guide()
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{d}/bench.db")
        load_demo(engine, guide)
        turn = "I: Hvordan går det med hverdagen og rytmen?\nB: " + "Jeg står op klokken syv og går herned. " * 8 + "\n\n"
        text = turn * max(1, int(args.mb * 1_000_000) // len(turn.encode()) - 1)
        sels, pos = [], 0
        while len(sels) < args.selections:
            a = text.find("Jeg står", pos)
            if a < 0:
                break
            k = len(sels)
            sels.append(f'<PlainTextSelection guid="{_guid(10_000 + k)}" startPosition="{a}" endPosition="{a + 30}">'
                        f'<Coding guid="{_guid(50_000 + k)}"><CodeRef targetGUID="{C_SUB}"/></Coding>'
                        "</PlainTextSelection>")
            pos = a + len(turn) * 3
        src = "5c0c0000-0000-4000-8000-0000000000aa"
        body = (f'{CODEBOOK}<Sources><TextSource guid="{src}" name="AMA-01" plainTextPath="internal://{src}.txt">'
                f'{"".join(sels)}</TextSource></Sources>')
        data = _project(body, {f"sources/{src}.txt": text})
        guide_links.matcher_for(guide)  # spaCy's tables: once, for both
        with session_scope(engine) as s:
            iid = store.interview_by_respondent(s, "AMA-02").id
        t0 = time.perf_counter()
        service.import_transcript(engine, iid, text.encode(), "plain.txt", "bench", guide=guide)
        plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = QI.import_qdpx(engine, guide, data, who="bench")
        refi = time.perf_counter() - t0
        engine.dispose()
    print(f"# {len(text.encode()) / 1e6:.1f} MB text, {r.transcripts[0][1]} segments, {len(sels)} selections "
          f"({len(data) / 1e6:.2f} MB .qdpx)")
    print(f"plain transcript import with the guide   {plain:6.2f} s")
    print(f"REFI-QDA project import                  {refi:6.2f} s   ratio {refi / plain:.2f}")


if __name__ == "__main__":
    main()
