"""Benchmark of spaCy-assisted tagging (issue 4): quotes tagged per second on one core.

    .venv/bin/python bench/bench_tagging.py [--n 20000] [--rounds 5] [--cpu 0] [--no-model]

Quotes are the sentences of chapter 4 of the seed report (sections 4.1–4.5, hyphenation at line
ends undone), repeated to --n. In the same run, on the same quotes, alternating round by round:

  bare      spacy.blank("da").tokenizer(q) for every quote (the Docs kept, as the tagger keeps
            its results)
  tagger    coding.nlp.Tagger(seed codebook).suggest_many(quotes): tokenize, match the cues,
            build the suggestions (code, words, character spans) — rules only
  pipeline  list(nlp.pipe(quotes)) of the tagger's spaCy pipeline with the lemmatizer on
            (tokenizer → lookup lemmatizer → span_ruler, span groups set): what tagging would
            cost if it lemmatized every token — for information
  +model    suggest_many with a textcat_multilabel trained (seconds) on the distinct sentences,
            labelled by the rules — for information (--no-model skips it)

Target: tagger ≥ 0.5 × bare. Times are CPU time of this process (time.process_time, robust to
other load on the machine) and wall time; the best of --rounds is reported. The process is
pinned to one core (--cpu) and BLAS/OpenMP threads are limited to 1 before anything is imported.
After set-up the garbage collector's state is frozen (gc.freeze) and collected before each timed
call, so no variant pays for walking the 553,000-entry lemma table.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REPORT = ROOT.parent / "shared" / "seeds" / "004_29458ba46708c802.txt"


def chapter4_sentences(path: Path = REPORT) -> list[str]:
    """The sentences of sections 4.1–4.5 (up to chapter 5), hyphenation at line ends undone."""
    text = path.read_text(encoding="utf-8")
    start = re.search(r"^\s*4\.1 Brugernes forventninger", text, flags=re.M)
    end = re.search(r"^\s*5\. Fortællinger", text, flags=re.M)
    if not start or not end:
        raise SystemExit(f"Kapitel 4 blev ikke fundet i {path}")
    body = text[start.start():end.start()]
    body = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", body)  # ru-\ntine -> rutine
    body = re.sub(r"\s+", " ", body)
    parts = re.split(r"(?<=[.!?”])\s+(?=[A-ZÆØÅ”\"•])", body)
    return [p.strip(" •") for p in parts if len(p.split()) >= 4]


def best(fn, rounds: int) -> tuple[float, float, object]:
    cpu, wall, out = [], [], None
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="antal citater (sætninger gentages)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=0, help="kerne at binde processen til")
    ap.add_argument("--no-model", action="store_true")
    args = ap.parse_args(argv)

    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {args.cpu})
        except OSError:
            pass
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"

    import spacy

    from coding.codebook import load_seed
    from coding.nlp import Tagger, da_lookups, train

    sents = chapter4_sentences()
    quotes = (sents * (args.n // len(sents) + 1))[: args.n]
    n_tokens_est = sum(len(q.split()) for q in quotes)

    t0 = time.perf_counter()
    da_lookups()
    t_table = time.perf_counter() - t0
    t0 = time.perf_counter()
    tagger = Tagger(load_seed())
    t_build = time.perf_counter() - t0
    ruler = tagger.nlp.get_pipe("span_ruler")
    n_cues, n_patterns = len(ruler.phrase_matcher), ruler.n_phrase_patterns
    bare = spacy.blank("da")
    tok = bare.tokenizer
    nlp = tagger.nlp

    # warm-up: tokenizer caches, lemma cache, string store
    [tok(q) for q in quotes]
    tagger.suggest_many(quotes)
    list(nlp.pipe(quotes[:5000]))

    model_tagger = None
    t_train = None
    if not args.no_model:
        silver = [(q, {s.kode: 1 for s in sg}) for q, sg in zip(sents, tagger.suggest_many(sents))]
        t0 = time.perf_counter()
        model = train(silver, epochs=10)
        t_train = time.perf_counter() - t0
        model_tagger = tagger.with_model(model)
        model_tagger.explain_model = False
        model_tagger.suggest_many(quotes[:500])

    # the lemma table and the compiled patterns are large, long-lived containers: keep the cyclic
    # GC from re-walking them in the timed sections (it would tax whichever variant allocates most)
    gc.collect()
    gc.freeze()
    results: dict[str, tuple[float, float]] = {}
    outs = {}
    rounds = args.rounds
    for _ in range(rounds):  # interleaved: every variant sees the same machine conditions
        for name, fn in (("bare", lambda: [tok(q) for q in quotes]),
                         ("tagger", lambda: tagger.suggest_many(quotes)),
                         ("pipeline", lambda: list(nlp.pipe(quotes, batch_size=512)))):
            gc.collect()
            c, w, out = best(fn, 1)
            pc, pw = results.get(name, (float("inf"), float("inf")))
            results[name] = (min(pc, c), min(pw, w))
            outs[name] = out
            del out
    if model_tagger is not None:
        c, w, _ = best(lambda: model_tagger.suggest_many(quotes), max(2, rounds // 2))
        results["+model"] = (c, w)

    tagged = outs["tagger"]
    with_sugg = sum(1 for r in tagged if r)
    n_sugg = sum(len(r) for r in tagged)
    bare_cpu, bare_wall = results["bare"]

    print(f"Python {platform.python_version()}, spaCy {spacy.__version__}, {platform.machine()}, "
          f"kerne(r) {cores}")
    print(f"Citater: {len(quotes)} ({len(sents)} forskellige sætninger fra kapitel 4, ~{n_tokens_est / len(quotes):.0f} ord "
          f"pr. citat); kodebog: {len(tagger.codebook)} koder, {n_cues} ord/fraser → {n_patterns} bøjningsformer som mønstre")
    print(f"Opstart: lemmatabel {t_table:.2f} s, pipeline {t_build:.2f} s"
          + (f", model trænet på {len(sents)} citater på {t_train:.2f} s" if t_train is not None else ""))
    print(f"Forslag: {with_sugg / len(quotes):.0%} af citaterne har mindst ét, {n_sugg / len(quotes):.2f} pr. citat")
    print()
    print(f"{'':10} {'citater/s (CPU)':>16} {'citater/s (væg)':>16} {'× bare (CPU)':>13}")
    for name, (c, w) in results.items():
        print(f"{name:10} {len(quotes) / c:16,.0f} {len(quotes) / w:16,.0f} {bare_cpu / c:13.2f}")
    ratio = bare_cpu / results["tagger"][0]
    print()
    print(f"tagger/bare = {ratio:.2f} (mål ≥ 0.50): {'OK' if ratio >= 0.5 else 'IKKE NÅET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
