"""Benchmark of the anonymisation (issues 4 and 12): recall and over-masking per kind on the test
corpus, and texts per second for `Anonymiser.mask` against the bare `spacy.blank("da")` tokenizer
on the same texts in the same run (single core).

    .venv/bin/python bench/bench_anonymise.py [--n 5000] [--repeat 5] [--seed 1]

Recall and over-masking: tests/coding/data/anonymisering_korpus.txt (written for issue 12:
names of 14 origins alone and with Danish names, nicknames and spellings, every CPR form, phone,
e-mail, address, town, the study's sites, and neutral sentences whose ordinary words must stay,
also at a sentence start). An identifier (⟦…⟧ in the corpus) counts as masked when every letter
and digit of it lies in spans of its kind (a name in a [navn], a town in a [sted] or a postcode
+ town [adresse]); "one span" also wants a whole name in a single span. Words kept: the words
outside ⟦…⟧ that no span touches, of all such words. Wrong spans: spans that touch no ⟦…⟧.

Throughput: the texts are quote-like Danish sentences: the sentences of chapter 4 ("Brugernes
oplevelser") of the Rambøll report the project follows (/work/shared/seeds/004_29458ba46708c802.txt,
or --source), de-hyphenated and split into sentences, about half of them with inserted names
(Danish and of other origins, nicknames), CPR numbers, phone numbers, e-mail addresses, street
addresses, towns and site names (seeded, so every run masks the same texts). The anonymiser is
built as in an export: built-in lists plus the study's 12 site names, 7 interviewers and a few
always-mask terms.

  ours  = [anonymiser.mask(t) for t in texts]
  base  = [nlp.tokenizer(t) for t in texts]      # nlp = spacy.blank("da")

Timings are CPU time of this process (time.process_time), the median of --repeat runs; each run
alternates ours and base over chunks of 250 texts, so other load on the machine hits both alike.
The ratio (median of the runs' base/ours time ratios) is throughput relative to the tokenizer
(target: ≥ 0.5, "at least half the tokenizer's throughput"). Set-up (building the anonymiser,
loading spaCy) is reported separately. The targets (≥ 97 % of identifiers masked, ≥ 95 % of
ordinary words kept, ratio ≥ 0.5) are checked in the output here; the test suite checks the
corpus figures (tests/coding/test_anonymise_korpus.py), never the speed.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coding.anonymise import Anonymiser  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "coding" / "data" / "anonymisering_korpus.txt"
CORPUS_SITES = ["Møltrup", "Tre Ege", "Linie 14", "Værestedet i Otterup", "St. Dannesbo", "Basen"]
SEED_REPORT = Path("/work/shared/seeds/004_29458ba46708c802.txt")
SITES = ["St. Dannesbo", "KFUM Kollegium", "Møltrup", "Tre Ege", "Basen", "Solvang", "Amadeus", "Linie 14",
         "Regnbuen", "Livsværkstederne", "Solstrålen", "Værestedet i Otterup"]
INTERVIEWERS = ["Anne Holm", "Jens Bach", "Mette Friis", "Ole Dahl", "Lise Krogh", "Søren Lind", "Pia Berg"]
ALWAYS = ["Mohammed", "Jamal Rahimi", "Bispebjerg Bakke"]
FALLBACK = ["Det er jo slet ikke vigtigt for mig.", "Jeg kommer her hver dag for at få en rytme i hverdagen.",
            "Sagsbehandleren har aldrig tid, og det hele er bare dum i arbejde.",
            "Tilbuddet har givet mig mod på tilværelsen igen."]

NAMES = ["Kim", "Kim Jensen", "Per Hansen", "Anne-Marie", "Lars", "Bo Nielsen", "Mette", "Jørgen Olsen", "Kjeld",
         "Malene", "Poul", "Jamal Rahimi", "hr. Gregersen", "Anne Holm", "Fatima Zahra Hansen", "Ayşe Yılmaz",
         "Łukasz Nowak", "Nguyễn Thị Lan", "Abdirahman Mohamud", "lange peter", "Ion Popescu", "Emir Hodžić"]
PHONES = ["12 34 56 78", "+45 12345678", "1234 5678", "0045 87 65 43 21", "22334455"]
CPRS = ["010190-1234", "2512751234", "311299-4321", "150384 1122", "01.02.03-1234", "05-11-79-3345"]
ADDRESSES = ["Østergade 12, 3. tv., 8000 Aarhus C", "Peter Bangs Vej 5", "Nørre Allé 14", "Gammel Kongevej 3B"]
PLACES = ["Aarhus", "Odense", "København", "Otterup", "Møltrup", "Tre Ege", "Linie 14", "Værestedet i Otterup",
          "Næstved", "Nørrebro"]
TEMPLATES = [
    "{name} fortæller: {s}",
    "{s} Det siger {name}.",
    "{s} Han kan kontaktes på {phone}.",
    "{s} Hendes CPR-nummer er {cpr}.",
    "{name} bor nu på {addr} og kommer på {place}.",
    "{s} Jeg var på {place} i to år.",
    "Skriv til {email}, siger {name}. {s}",
    "{s} {name}s mentor i {place} ringer fra {phone}.",
]


# --------------------------------------------------------------------------- the corpus

MARK = re.compile("⟦(.*?)⟧")
WORD = re.compile(r"\w+")
# which span kinds mask an identifier of each corpus kind
EXPECTED = {"navn": {"navn"}, "kaldenavn": {"navn"}, "cpr": {"cpr"}, "telefon": {"telefon"}, "email": {"email"},
            "adresse": {"adresse"}, "by": {"sted", "adresse"}, "sted": {"sted"}}


class Case(NamedTuple):
    kind: str  # "navn/tyrkisk", "cpr", "neutral" …
    text: str  # without the ⟦ ⟧ marks
    targets: list[tuple[int, int]]  # the identifiers' places in `text`
    line: int


def load_corpus(path: Path = CORPUS) -> list[Case]:
    cases = []
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        kind, marked = raw.split("\t", 1)
        text, targets, last = [], [], 0
        pos = 0
        for m in MARK.finditer(marked):
            text.append(marked[last:m.start()])
            pos += m.start() - last
            targets.append((pos, pos + len(m.group(1))))
            text.append(m.group(1))
            pos += len(m.group(1))
            last = m.end()
        text.append(marked[last:])
        cases.append(Case(kind, "".join(text), targets, no))
    return cases


class Score(NamedTuple):
    ids: int = 0  # identifiers
    masked: int = 0  # masked with a span of the right kind
    one_span: int = 0  # ... and in one span
    words: int = 0  # ordinary words (outside identifiers)
    kept: int = 0  # ... that no span touches
    wrong: int = 0  # spans that touch no identifier
    missed: tuple = ()  # (line, identifier) not masked
    touched: tuple = ()  # (line, word) masked though ordinary


def score_case(anon, case: Case) -> Score:
    spans = anon.spans(case.text)
    base = case.kind.split("/")[0]
    ok_kinds = EXPECTED.get(base, set())
    masked = one = 0
    missed = []
    for s, e in case.targets:
        chars = [i for i in range(s, e) if case.text[i].isalnum()]
        cov = [sp for sp in spans if sp.kind in ok_kinds and sp.start < e and sp.end > s]
        if chars and all(any(sp.start <= i < sp.end for sp in cov) for i in chars):
            masked += 1
            one += any(sp.start <= chars[0] and chars[-1] < sp.end for sp in cov)
        else:
            missed.append((case.line, case.text[s:e]))
    words = kept = 0
    touched = []
    for w in WORD.finditer(case.text):
        if any(s <= w.start() < e for s, e in case.targets):
            continue
        words += 1
        if any(sp.start < w.end() and sp.end > w.start() for sp in spans):
            touched.append((case.line, w.group()))
        else:
            kept += 1
    wrong = sum(1 for sp in spans if not any(sp.start < e and sp.end > s for s, e in case.targets))
    return Score(len(case.targets), masked, one, words, kept, wrong, tuple(missed), tuple(touched))


def score(anon, cases: list[Case]) -> dict[str, Score]:
    """Per corpus kind, plus "navn (alle)" (every name line) and "i alt" (every line)."""
    out: dict[str, Score] = {}

    def add(key: str, sc: Score) -> None:
        o = out.get(key, Score())
        out[key] = Score(*(a + b for a, b in zip(o, sc)))

    for c in cases:
        sc = score_case(anon, c)
        add(c.kind, sc)
        if c.kind.startswith("navn/"):
            add("navn (alle)", sc)
        add("i alt", sc)
    return out


def corpus_anonymiser():
    return Anonymiser(places=CORPUS_SITES)


def print_scores(scores: dict[str, Score]) -> None:
    print(f"{'art':22} {'id.':>4} {'maskeret':>9} {'ét span':>8} {'ord':>5} {'ord bevaret':>12} "
          f"{'forkerte spans':>15}")
    rest = [k for k in scores if "/" not in k and k not in ("navn (alle)", "neutral", "i alt")]
    order = [k for k in scores if k.startswith("navn/")] + ["navn (alle)"] + rest + ["neutral", "i alt"]
    for k in order:
        if k not in scores:
            continue
        sc = scores[k]
        rec = f"{sc.masked / sc.ids:.1%}" if sc.ids else "–"
        one = f"{sc.one_span / sc.ids:.1%}" if sc.ids else "–"
        kept = f"{sc.kept / sc.words:.1%}" if sc.words else "–"
        print(f"{k:22} {sc.ids:4} {rec:>9} {one:>8} {sc.words:5} {kept:>12} {sc.wrong:15}")


# --------------------------------------------------------------------------- throughput texts

def report_sentences(path: Path) -> list[str]:
    """Sentences of chapter 4, lines joined and de-hyphenated."""
    if not path.exists():
        return list(FALLBACK)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip().startswith("4. Brugernes oplevelser"))
    end = next(i for i, l in enumerate(lines) if l.strip().startswith("5. Fortællinger"))
    text = ""
    for raw in lines[start:end]:
        line = raw.strip()
        if not line or re.fullmatch(r"[\d\s.,%]+", line):
            text += "\n"
            continue
        if text.endswith("-") and line[:1].islower():
            text = text[:-1] + line
        else:
            text += " " + line
    sents = []
    for para in text.split("\n"):
        for s in re.split(r"(?<=[.!?”])\s+(?=[A-ZÆØÅ”\"])", para.strip()):
            s = " ".join(s.split())
            if 20 <= len(s) <= 400:
                sents.append(s)
    return sents or list(FALLBACK)


def make_texts(sentences: list[str], n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        s = sentences[i % len(sentences)]
        if rnd.random() < 0.5:
            out.append(s)
            continue
        name = rnd.choice(NAMES)
        email = name.split()[-1].lower().replace("-", "") + "@example.dk"
        out.append(rnd.choice(TEMPLATES).format(s=s, name=name, phone=rnd.choice(PHONES), cpr=rnd.choice(CPRS),
                                                addr=rnd.choice(ADDRESSES), place=rnd.choice(PLACES), email=email))
    return out


def run_once(fn, texts) -> float:
    t0 = time.process_time()
    for t in texts:
        fn(t)
    return time.process_time() - t0


def timed_pair(fa, fb, texts, repeat: int, chunk: int = 250) -> tuple[float, float, float]:
    """Median CPU seconds of fa and fb over the texts and the median of their ratio per run.

    Each run alternates fa and fb over chunks of `chunk` texts, so a change of load (other
    processes on the machine) hits both alike; CPU time of this process, not wall time.
    """
    ta, tb, ratio = [], [], []
    for _ in range(repeat):
        a = b = 0.0
        for i in range(0, len(texts), chunk):
            part = texts[i:i + chunk]
            a += run_once(fa, part)
            b += run_once(fb, part)
        ta.append(a)
        tb.append(b)
        ratio.append(b / a)
    return statistics.median(ta), statistics.median(tb), statistics.median(ratio)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", type=Path, default=SEED_REPORT)
    args = ap.parse_args(argv)

    # set-up first, cold: the word lists (Faker, the steder file, the broad name list) load here
    t0 = time.perf_counter()
    anon = Anonymiser(extra_names=[*INTERVIEWERS, *[p for n in INTERVIEWERS for p in n.split()], *ALWAYS[:2]],
                      places=[*SITES, ALWAYS[2]])
    setup_anon = time.perf_counter() - t0

    cases = load_corpus()
    scores = score(corpus_anonymiser(), cases)
    tot = scores["i alt"]
    print(f"corpus: {len(cases)} sentences, {tot.ids} identifiers, {tot.words} ordinary words "
          f"({sum(c.kind == 'neutral' for c in cases)} neutral sentences)")
    print_scores(scores)
    print(f"identifiers masked {tot.masked / tot.ids:.1%} (target ≥ 97 %: "
          f"{'ok' if tot.masked / tot.ids >= 0.97 else 'NOT MET'}), ordinary words kept {tot.kept / tot.words:.1%} "
          f"(target ≥ 95 %: {'ok' if tot.kept / tot.words >= 0.95 else 'NOT MET'})")
    if tot.missed:
        print("not masked:", "; ".join(f"{ln}: {t}" for ln, t in tot.missed))
    if tot.touched:
        print("ordinary words masked:", "; ".join(f"{ln}: {t}" for ln, t in tot.touched))
    print()

    sentences = report_sentences(args.source)
    texts = make_texts(sentences, args.n, args.seed)
    chars = sum(len(t) for t in texts)

    t0 = time.perf_counter()
    import spacy

    nlp = spacy.blank("da")
    setup_spacy = time.perf_counter() - t0

    # warm-up (regex caches, spaCy's lexeme cache), then the timed runs
    for t in texts[:200]:
        anon.mask(t)
        nlp.tokenizer(t)
    masked = [anon.mask(t) for t in texts]
    n_spans = sum(len(anon.spans(t)) for t in texts)
    t_ours, t_base, ratio = timed_pair(anon.mask, nlp.tokenizer, texts, args.repeat)
    ours, base = len(texts) / t_ours, len(texts) / t_base

    print(f"texts: {len(texts)} ({len(sentences)} distinct report sentences, {chars / len(texts):.0f} chars on "
          f"average), spans masked: {n_spans}, texts changed: {sum(a != b for a, b in zip(masked, texts))}")
    print(f"set-up: Anonymiser {setup_anon * 1000:.0f} ms, spacy.blank('da') {setup_spacy * 1000:.0f} ms")
    print(f"Anonymiser.mask        {ours:10,.0f} texts/s  ({t_ours * 1e6 / len(texts):6.1f} µs/text)")
    print(f"spacy.blank tokenizer  {base:10,.0f} texts/s  ({t_base * 1e6 / len(texts):6.1f} µs/text)")
    print(f"ratio mask/tokenizer   {ratio:10.2f}   (median of the runs' ratios; target ≥ 0.50: "
          f"{'ok' if ratio >= 0.5 else 'NOT MET'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
