"""Benchmark of the guide links (issue 15): precision and recall of the question each interviewer
turn asks, on hand-labelled Danish transcripts, and turns per second.

    .venv/bin/python bench/bench_guide_links.py [--verbose]

The corpus is tests/coding/data/guide_turns.tsv: synthetic interviews written by hand as
interviewers speak (the guide's questions paraphrased, shortened, run into small talk, and
follow-ups that ask no new question), each interviewer turn labelled with the guide code it
asks or «-». The matcher (`coding.guide_links.QuestionMatcher`, the real guide) sees each
interview's interviewer turns in order, as `link_transcript` does.

* precision = turns given the right question / turns given a question;
* recall    = turns given the right question / turns that ask a question;
* follow-ups kept = «-» turns given no question / «-» turns.

The matcher's settings were chosen on interviews 1-4; interview 5 was written afterwards and is
reported on its own (held out).

The test suite checks the same figures against their floors (tests/coding/test_guide_links.py).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "coding" / "data" / "guide_turns.tsv"
NONE = "-"
HELD_OUT = {5}  # written after the matcher's settings were chosen


@dataclass(frozen=True)
class Turn:
    interview: int
    expected: str       # a guide code or «-»
    question: str       # the interviewer's words
    answer: str         # the respondent's


def load_corpus(path: Path = CORPUS) -> dict[int, list[Turn]]:
    out: dict[int, list[Turn]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        nr, expected, q, a = line.split("\t")
        out[int(nr)].append(Turn(int(nr), expected, q, a))
    return dict(out)


def transcript_text(turns: list[Turn]) -> str:
    """The interview as a transcript file would hold it (I:/B: turns)."""
    return "\n".join(f"I: {t.question}\nB: {t.answer}" for t in turns) + "\n"


@dataclass(frozen=True)
class Score:
    asked: int          # turns that ask a question
    suggested: int     # turns given a question
    right: int
    follow_ups: int
    follow_ups_kept: int
    wrong: tuple[tuple[str, str, str], ...]  # (expected, got, turn)

    @property
    def precision(self) -> float:
        return self.right / self.suggested if self.suggested else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.asked if self.asked else 0.0

    @property
    def kept(self) -> float:
        return self.follow_ups_kept / self.follow_ups if self.follow_ups else 1.0


def score(matcher, corpus: dict[int, list[Turn]]) -> Score:
    """Turn by turn; a turn given the question that is already running (a follow-up matched to
    the question it follows up) counts as «-», on both sides: its segments carry the same question."""
    asked = suggested = right = fu = fu_kept = 0
    wrong = []
    for turns in corpus.values():
        cur_exp = cur_got = None
        for t, m in zip(turns, matcher.match_turns(t.question for t in turns)):
            exp = NONE if t.expected in (NONE, cur_exp) else t.expected
            got = NONE if m.code in (None, cur_got) else m.code
            cur_exp = t.expected if t.expected != NONE else cur_exp
            cur_got = m.code or cur_got
            if exp == NONE:
                fu += 1
                fu_kept += got == NONE
            else:
                asked += 1
            if got != NONE:
                suggested += 1
                right += got == exp
            if got != exp:
                wrong.append((exp, got, t.question))
    return Score(asked, suggested, right, fu, fu_kept, tuple(wrong))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true", help="list every wrong turn")
    a = ap.parse_args(argv)
    from coding.guide_links import QuestionMatcher
    from survey.guide import load_guide

    t0 = time.perf_counter()
    matcher = QuestionMatcher(load_guide())
    setup = time.perf_counter() - t0
    corpus = load_corpus()
    n = sum(len(v) for v in corpus.values())
    t0 = time.perf_counter()
    sc = score(matcher, corpus)
    run = time.perf_counter() - t0
    print(f"corpus: {len(corpus)} interviews, {n} interviewer turns ({sc.asked} ask a guide question, "
          f"{sc.follow_ups} follow-ups); {len(matcher.questions)} questions in the guide")
    for name, part in (("all", corpus), ("tuned on (1-4)", {k: v for k, v in corpus.items() if k not in HELD_OUT}),
                       ("held out (5)", {k: v for k, v in corpus.items() if k in HELD_OUT})):
        p = score(matcher, part)
        print(f"{name:15} precision {p.precision:.3f} ({p.right}/{p.suggested})   recall {p.recall:.3f} "
              f"({p.right}/{p.asked})   follow-ups kept {p.kept:.3f} ({p.follow_ups_kept}/{p.follow_ups})")
    print(f"set-up (lemma table, questions) {setup:.2f} s; matching {n / run:,.0f} turns/s (first run, "
          "lemmas not cached)")
    if a.verbose:
        for exp, got, q in sc.wrong:
            print(f"  expected {exp:24} got {got:24} {q}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
