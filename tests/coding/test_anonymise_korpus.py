"""Issue 12: recall and over-masking of the anonymiser on the test corpus
(tests/coding/data/anonymisering_korpus.txt), scored as bench/bench_anonymise.py scores it.

Targets from the issue: at least 97 % of the identifiers masked and at least 95 % of the ordinary
words kept. The per-kind floors below are the measured figures rounded down (see
docs/benchmarks.md), so a change that loses recall or masks more ordinary words fails here."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.bench_anonymise import CORPUS, corpus_anonymiser, load_corpus, score, score_case  # noqa: E402

ORIGINS = {"arabisk", "tyrkisk", "kurdisk", "persisk", "somalisk", "pakistansk", "afghansk", "polsk", "rumænsk",
           "balkan", "vietnamesisk", "thai", "eritreisk", "dansk"}
CAPITALS = "versaler"  # names written in capitals ("AHMED", "METTE HANSEN"), of several origins


@pytest.fixture(scope="module")
def cases():
    return load_corpus()


@pytest.fixture(scope="module")
def scores(cases):
    return score(corpus_anonymiser(), cases)


def test_the_corpus_covers_what_the_issue_asks_for(cases):
    kinds = {c.kind for c in cases}
    assert {k.split("/", 1)[1] for k in kinds if k.startswith("navn/")} == ORIGINS | {CAPITALS}  # 14 origins (>= 10)
    assert {"kaldenavn", "cpr", "telefon", "email", "adresse", "by", "sted", "neutral"} <= kinds
    neutral = [c for c in cases if c.kind == "neutral"]
    assert len(neutral) >= 60 and all(not c.targets for c in neutral)
    starts = {c.text.split()[0].lower() for c in neutral}
    assert {"ben", "mark", "bo", "per", "skov", "vejen"} <= starts  # ordinary words at a sentence start
    assert any(c.text.startswith("Lærke") or c.text.startswith("En lærke") for c in neutral)
    # every name origin alone and with a Danish name
    for o in ORIGINS - {"dansk"}:
        lines = [c for c in cases if c.kind == f"navn/{o}"]
        assert len(lines) >= 5, o
        assert sum(len(c.targets) for c in lines) >= 5, o
    # each CPR form of the issue is in it
    cpr = " ".join(c.text for c in cases if c.kind == "cpr")
    for form in ("010203-1234", "0102031234", "010203 1234", "01.02.03-1234", "01-02-03-1234"):
        assert form in cpr
    assert CORPUS.name == "anonymisering_korpus.txt"


def test_overall_targets_of_the_issue(scores):
    tot = scores["i alt"]
    assert tot.ids >= 200 and tot.words >= 1000
    assert tot.masked / tot.ids >= 0.97, tot.missed
    assert tot.kept / tot.words >= 0.95, tot.touched
    assert tot.one_span == tot.masked  # a whole name is always one [navn]


@pytest.mark.parametrize("kind, floor", [
    ("cpr", 1.0), ("telefon", 1.0), ("email", 1.0), ("adresse", 1.0), ("by", 1.0), ("sted", 1.0),
    ("kaldenavn", 1.0), ("navn (alle)", 0.95),
    ("navn/arabisk", 1.0), ("navn/tyrkisk", 1.0), ("navn/kurdisk", 1.0), ("navn/persisk", 1.0),
    ("navn/pakistansk", 1.0), ("navn/afghansk", 1.0), ("navn/polsk", 1.0), ("navn/rumænsk", 1.0),
    ("navn/balkan", 1.0), ("navn/vietnamesisk", 1.0), ("navn/eritreisk", 1.0), ("navn/dansk", 1.0),
    ("navn/versaler", 1.0),
    # the known gaps (docs/benchmarks.md): a Somali spelling no list has (Xamse); Thai names come
    # from PyThaiNLP's corpus romanised with passport spellings, and one spelling it does not
    # make ("Benjamas", RTGS "Benchamat") is missed
    ("navn/somalisk", 0.85), ("navn/thai", 0.9),
])
def test_recall_per_kind(scores, kind, floor):
    sc = scores[kind]
    assert sc.masked / sc.ids >= floor, sc.missed


def test_over_masking_per_kind(scores):
    for kind, sc in scores.items():
        if sc.words:
            assert sc.kept / sc.words >= 0.98, (kind, sc.touched)
    neutral = scores["neutral"]
    assert neutral.kept / neutral.words >= 0.99 and neutral.wrong <= 1, neutral.touched


def test_scoring_counts_a_split_name_and_a_wrong_kind_as_missed(cases):
    class Fake:
        def __init__(self, spans):
            self._spans = spans

        def spans(self, text):
            return self._spans

    from coding.anonymise import Span

    case = next(c for c in cases if "Fatima Zahra Hansen" in c.text)
    s, e = case.targets[0]
    whole = score_case(Fake([Span(s, e, "navn", case.text[s:e])]), case)
    assert (whole.masked, whole.one_span, whole.kept) == (1, 1, whole.words)
    split = score_case(Fake([Span(s, s + 12, "navn", ""), Span(s + 13, e, "navn", "")]), case)
    assert (split.masked, split.one_span) == (1, 0)
    wrong = score_case(Fake([Span(s, e, "sted", case.text[s:e])]), case)
    assert wrong.masked == 0 and wrong.missed
    over = score_case(Fake([Span(0, 3, "navn", "Min")]), case)
    assert over.kept == over.words - 1 and over.wrong == 1
