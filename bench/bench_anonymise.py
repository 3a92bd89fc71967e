"""Benchmark of the anonymisation (issue 4): texts per second for `Anonymiser.mask` against the bare
`spacy.blank("da")` tokenizer on the same texts in the same run (single core).

    .venv/bin/python bench/bench_anonymise.py [--n 5000] [--repeat 5] [--seed 1]

The texts are quote-like Danish sentences: the sentences of chapter 4 ("Brugernes oplevelser") of
the Rambøll report the project follows (/work/shared/seeds/004_29458ba46708c802.txt, or --source),
de-hyphenated and split into sentences, about half of them with inserted names, CPR numbers, phone
numbers, e-mail addresses, street addresses, towns and site names (seeded, so every run masks the
same texts). The anonymiser is built as in an export: built-in lists plus the study's 12 site
names, 7 interviewers and a few always-mask terms.

  ours  = [anonymiser.mask(t) for t in texts]
  base  = [nlp.tokenizer(t) for t in texts]      # nlp = spacy.blank("da")

Timings are the median of --repeat runs (ours and base interleaved); the ratio ours/base is throughput relative to the
tokenizer (target: ≥ 0.5, "at least half the tokenizer's throughput", as for tagging). Set-up
(building the anonymiser, loading spaCy) is reported separately. Targets are checked here,
never in the test suite.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coding.anonymise import Anonymiser  # noqa: E402

SEED_REPORT = Path("/work/shared/seeds/004_29458ba46708c802.txt")
SITES = ["St. Dannesbo", "KFUM Kollegium", "Møltrup", "Tre Ege", "Basen", "Solvang", "Amadeus", "Linie 14",
         "Regnbuen", "Livsværkstederne", "Solstrålen", "Værestedet i Otterup"]
INTERVIEWERS = ["Anne Holm", "Jens Bach", "Mette Friis", "Ole Dahl", "Lise Krogh", "Søren Lind", "Pia Berg"]
ALWAYS = ["Mohammed", "Jamal Rahimi", "Bispebjerg Bakke"]
FALLBACK = ["Det er jo slet ikke vigtigt for mig.", "Jeg kommer her hver dag for at få en rytme i hverdagen.",
            "Sagsbehandleren har aldrig tid, og det hele er bare dum i arbejde.",
            "Tilbuddet har givet mig mod på tilværelsen igen."]

NAMES = ["Kim", "Kim Jensen", "Per Hansen", "Anne-Marie", "Lars", "Bo Nielsen", "Mette", "Jørgen Olsen", "Kjeld",
         "Malene", "Poul", "Jamal Rahimi", "hr. Gregersen", "Anne Holm"]
PHONES = ["12 34 56 78", "+45 12345678", "1234 5678", "0045 87 65 43 21", "22334455"]
CPRS = ["010190-1234", "2512751234", "311299-4321", "150384 1122"]
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
    t0 = time.perf_counter()
    for t in texts:
        fn(t)
    return time.perf_counter() - t0


def timed_pair(fa, fb, texts, repeat: int) -> tuple[float, float]:
    """Median seconds of fa and fb over the texts, runs interleaved so load changes hit both."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(run_once(fa, texts))
        tb.append(run_once(fb, texts))
    return statistics.median(ta), statistics.median(tb)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", type=Path, default=SEED_REPORT)
    args = ap.parse_args(argv)

    sentences = report_sentences(args.source)
    texts = make_texts(sentences, args.n, args.seed)
    chars = sum(len(t) for t in texts)

    t0 = time.perf_counter()
    anon = Anonymiser(extra_names=[*INTERVIEWERS, *[p for n in INTERVIEWERS for p in n.split()], *ALWAYS[:2]],
                      places=[*SITES, ALWAYS[2]])
    setup_anon = time.perf_counter() - t0
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
    t_ours, t_base = timed_pair(anon.mask, nlp.tokenizer, texts, args.repeat)
    ours, base = len(texts) / t_ours, len(texts) / t_base

    print(f"texts: {len(texts)} ({len(sentences)} distinct report sentences, {chars / len(texts):.0f} chars on "
          f"average), spans masked: {n_spans}, texts changed: {sum(a != b for a, b in zip(masked, texts))}")
    print(f"set-up: Anonymiser {setup_anon * 1000:.0f} ms, spacy.blank('da') {setup_spacy * 1000:.0f} ms")
    print(f"Anonymiser.mask        {ours:10,.0f} texts/s  ({t_ours * 1e6 / len(texts):6.1f} µs/text)")
    print(f"spacy.blank tokenizer  {base:10,.0f} texts/s  ({t_base * 1e6 / len(texts):6.1f} µs/text)")
    print(f"ratio mask/tokenizer   {ours / base:10.2f}   (target ≥ 0.50: {'ok' if ours / base >= 0.5 else 'NOT MET'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
