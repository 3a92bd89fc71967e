"""The Transskriptioner page's question counts (``coding.guide_links.question_counts``), which the
page computes on every rerun: counted from plain rows against counting from `Segment` objects (the
way before), in one run on the same store.

    .venv/bin/python bench/bench_question_counts.py [--transcripts 60] [--turns 100] [--repeat 5]

The store is the demo study with --transcripts generated transcripts of --turns interviewer turns
and as many answers each (about 25 words), linked to the guide as any import is.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from coding import guide_links as gl  # noqa: E402
from coding import transcripts as tr  # noqa: E402
from survey.db import make_engine, session_scope  # noqa: E402
from survey.demo import load_demo  # noqa: E402
from survey.guide import load_guide  # noqa: E402
from survey.models import Interview  # noqa: E402

QUESTIONS = ["Hvad laver du på en normal hverdag?", "Har tilbuddet givet dig en rytme i hverdagen?",
             "Hvordan er du kommet i tilbuddet?", "Har tilbuddet været sjovt og udfordrende?"]
WORDS = "jeg kommer her hver dag det er godt rytme venner og så går jeg hjem igen".split()


def from_objects(s) -> dict[str, tuple[int, int]]:
    """The count as it was made before: from `Segment` objects."""
    segs_n: dict[str, int] = defaultdict(int)
    trans: dict[str, set[int]] = defaultdict(set)
    for t_id, segs in gl._linked_segments(s).items():
        turns = {g.id for g in gl._interviewer_turns(segs)}
        q = gl.segment_questions(segs)
        for g in segs:
            if q[g.id] and g.id not in turns:
                segs_n[q[g.id]] += 1
                trans[q[g.id]].add(t_id)
    return {k: (segs_n[k], len(trans[k])) for k in segs_n}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transcripts", type=int, default=60)
    ap.add_argument("--turns", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rnd = random.Random(1)
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{d}/bench.db")
        guide = load_guide()
        load_demo(engine, guide)
        with session_scope(engine) as s:
            rids = list(s.execute(select(Interview.respondent_id)).scalars())
        matcher = gl.matcher_for(guide)
        for i in range(a.transcripts):
            lines = []
            for _ in range(a.turns):
                lines += ["I: " + rnd.choice(QUESTIONS), "B: " + " ".join(rnd.choice(WORDS) for _ in range(25))]
            with session_scope(engine) as s:
                t = tr.import_transcript(s, rids[i % len(rids)], "\n".join(lines).encode(), f"samtale {i}.txt", "bench")
                gl.link_transcript(s, t.id, matcher)
        times: dict[str, list[float]] = {"rows": [], "objects": []}
        results: dict[str, dict] = {}
        for _ in range(a.repeat):  # interleaved
            for name, fn in (("rows", gl.question_counts), ("objects", from_objects)):
                with session_scope(engine) as s:
                    t0 = time.perf_counter()
                    results[name] = fn(s)
                    times[name].append(time.perf_counter() - t0)
        same = results["rows"] == results["objects"]
        engine.dispose()
    rows, objs = (statistics.median(times[k]) for k in ("rows", "objects"))
    print(f"# {a.transcripts} transcripts × {2 * a.turns} segments; median of {a.repeat}")
    print(f"question_counts from plain rows     {rows:.3f} s")
    print(f"the same from Segment objects       {objs:.3f} s   ratio {objs / rows:.1f}")
    print(f"same counts: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
