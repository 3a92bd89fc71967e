"""spaCy-assisted tagging: suggest codebook codes for quotes and transcript segments.

No downloaded model: Danish models cannot be fetched here, so the pipeline is built from what
PyPI ships.

Rule pipeline (`build_pipeline`)
--------------------------------
``spacy.blank("da")`` →

1. ``lemmatizer`` — spaCy's lookup `Lemmatizer` (mode "lookup") over the ``da`` ``lemma_lookup``
   table of `spacy-lookups-data` (553,116 forms, e.g. hverdagen→hverdag, rytmen→rytme,
   sagsbehandleren→sagsbehandler). The table is case-sensitive ("Hverdagen" is not in it), so a
   token whose exact form is missing is looked up lower-cased, and failing that its lemma is
   the lower-cased form. The fallback is built into the component (a subclass, factory
   ``brugerblik_lemmatizer``, one pass with a per-form cache) rather than a second component
   after spaCy's own, which alone ran at about 0.3× the tokenizer's speed. The table is loaded
   once per process (2–4 s) and shared by every pipeline.
2. ``sentencizer`` — disabled; run by hand when sentence context is asked for (`context=True`,
   for long transcript segments).
3. ``span_ruler`` (spans key ``"koder"``, factory ``brugerblik_span_ruler``: spaCy's SpanRuler
   with a bulk loader and a lean ``__call__``) generated from the codebook. Each cue is
   lemmatized with the same lemmatizer and compiled to the lower-case texts that match it on
   lemma or lower case: a cue word stands for its own lemma and its lower-cased form (the table
   is not idempotent: 'sagsbehandler' itself → 'sagsbehandle'), and every form the table maps to
   those lemmas is a pattern ('hverdag' → hverdag, hverdagen, hverdage, hverdagene, …), matched
   by the phrase matcher on LOWER — so "Rytmen i Hverdagen", "SAGSBEHANDLERNE" and
   "dum i arbejdet" all match. In multi-word cues, content words are inflected and stop words
   ('i', 'til', 'sig' …) kept as written. A cue beginning with "=" matches only that form
   (case-insensitive), for words whose lemma is too broad ("=opgivet" must not match "opgive").
   Span label = code key, span id = the cue as written.

Because matching needs no lemmas at tagging time, `Tagger.suggest_many` runs only the tokenizer
and the ruler's phrase matcher (`CueSpanRuler.hits`) and skips building span groups; the full
``nlp(text)`` (lemmas, ``doc.spans["koder"]``) gives the same spans. Measured on the report's
sentences (bench/bench_tagging.py, one core): lemmatizing every token costs about 0.6× of the
tokenizer's time again, the stock span_ruler's per-document overhead more than the tokenizer
itself; the tagger as built runs at about 0.5× the bare tokenizer's throughput (the target).

Suggestions
-----------
For each text, each code with at least one rule span is suggested with source "regel"; the
words that triggered it are the code's spans (overlaps within a code are reduced to the
longest, non-overlapping ones). With a trained model, codes scored ≥ threshold (default 0.5)
are suggested with source "model", or "regel+model" when the rules found them too; a
model-only suggestion's words are the tokens whose removal lowers the score most (occlusion).

Model
-----
`train` fits a ``textcat_multilabel`` (``spacy.TextCatBOW.v3``, exclusive_classes false,
unigrams+bigrams) on lower-cased text from the researcher's decisions: accepted = 1,
rejected = 0, and, by default, a code not decided on a text that has decisions counts as 0
(``implicit_negatives``; otherwise codes the researcher only ever accepts would never see a
negative). CPU, deterministic (`spacy.util.fix_random_seed`), seconds. `cross_validate` reports
per-code precision, recall, F1 and support from k-fold out-of-fold predictions
(`sklearn.model_selection.KFold`, `sklearn.metrics.precision_recall_fscore_support`); a code
with fewer than max(k, 3) positive or fewer than 1 negative example gets no numbers and the
note "for få eksempler".

Use from the app
----------------
::

    with session_scope(engine) as s:
        tagger = Tagger.from_store(s)                 # store's codebook (seeded if empty) + model if enough decisions
        for sug in tagger.suggest(quote.text):        # or suggest(segment.text, context=True)
            ...                                       # sug.kode, sug.navn, sug.kilde, sug.ord, sug.spans, sug.score
        codebook.record_decision(s, "quote", quote.id, sug.kode, "accepted", source=sug.kilde, who=user)
        cv = cross_validate(codebook.labelled_texts(s), k=5)   # per code: cv.scores, cv.table(names)

CLI
---
``brugerblik tag [FILE|-]`` prints one JSON object per input line (see `cli_tag`)::

    {"tekst": "Jeg har fået en rytme i hverdagen.", "forslag": [{"kode": "rytme_i_hverdagen",
      "navn": "Rytme i hverdagen", "kilde": "regel", "ord": ["rytme", "hverdagen"],
      "spans": [[16, 21], [24, 33]], "score": null}]}

Fields (stable): ``tekst`` the input line; ``forslag`` in codebook order, each with ``kode`` (code
key), ``navn`` (display name), ``kilde`` ("regel", "model" or "regel+model"), ``ord`` (the
triggering words as they appear in the text, ``ord[i] == tekst[spans[i][0]:spans[i][1]]``),
``spans`` (character offsets [start, end)) and ``score`` (model probability, or null for
rule-only suggestions). With ``context=True`` (API only) a suggestion also has ``saetninger``:
the character offsets of the sentences that contain its words.
"""
from __future__ import annotations

import functools
import hashlib

import itertools
import json
import math
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping, Optional, Sequence

import spacy
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.pipeline import Lemmatizer, SpanRuler
from spacy.tokens import Doc, Span
from spacy.util import fix_random_seed, minibatch

from coding.codebook import CodeEntry
import io
from sqlalchemy.exc import SQLAlchemyError
from coding.codebook import ensure_seeded, entries, labelled_texts, load_seed
from survey.db import default_store_exists, get_engine, session_scope

SPANS_KEY = "koder"
SOURCE_RULE, SOURCE_MODEL, SOURCE_BOTH = "regel", "model", "regel+model"
DEFAULT_THRESHOLD = 0.5
TOO_FEW = "for få eksempler"
MIN_TRAIN_TEXTS = 10

BOW_LENGTH = 2 ** 15  # hash buckets of the bag-of-words model (uni- and bigrams of a few thousand texts)
MAX_FORMS_PER_CUE = 2000  # inflected variants of one multi-word cue (a guard, the seed needs < 300)

_lookups_lock = threading.Lock()
_LOOKUPS: Optional[Lookups] = None
_FORMS: dict[str, str] = {}  # lemma → its lower-case forms, "\n"-joined


class NlpError(ValueError):
    """A refused tagging/training request; the message says why (Danish)."""


# --------------------------------------------------------------------------- lemmatizer

def _load_da() -> tuple[Lookups, dict[str, str]]:
    """The ``da`` lemma_lookup table (as spaCy Lookups) and its inverse over lower-case forms
    (lemma → every lower-case form the table maps to it), loaded once per process (~2 s)."""
    global _LOOKUPS, _FORMS
    with _lookups_lock:
        if _LOOKUPS is None:
            from spacy.util import load_language_data, registry  # spaCy's lookup tables: loaded once, when the pipeline is built

            paths = registry.lookups.get("da") if "da" in registry.lookups else {}
            if "lemma_lookup" not in paths:
                raise NlpError("spacy-lookups-data mangler den danske lemma-tabel (lemma_lookup); "
                               "installér spacy-lookups-data>=1.0.5.")
            raw: dict[str, str] = load_language_data(paths["lemma_lookup"])
            inverse: dict[str, list[str]] = {}
            for form, lemma in raw.items():
                if form.islower():
                    inverse.setdefault(lemma, []).append(form)
            lookups = Lookups()
            lookups.add_table("lemma_lookup", raw)
            # one string per lemma, not 553,000 small objects: about 60 MB less, nothing for the GC
            _LOOKUPS, _FORMS = lookups, {k: "\n".join(v) for k, v in inverse.items()}
            del raw, inverse
        return _LOOKUPS, _FORMS


def da_lookups() -> Lookups:
    """The Danish ``lemma_lookup`` table from spacy-lookups-data, loaded once per process."""
    return _load_da()[0]


def forms_of_lemma(lemma: str) -> tuple[str, ...]:
    """Every lower-case form the table lemmatizes to `lemma` ('hverdag' → hverdagen, hverdage, …)."""
    forms = _load_da()[1].get(lemma)
    return tuple(forms.split("\n")) if forms else ()


class FallbackLookupLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer with a lower-case fallback, in one cached pass.

    lemma = table[text] if text is in the table, else table[text.lower()] if that is,
    else text.lower().
    """

    def __init__(self, vocab, model=None, name: str = "lemmatizer", *, overwrite: bool = True, scorer=None):
        kwargs = {"scorer": scorer} if scorer is not None else {}
        super().__init__(vocab, model, name, mode="lookup", overwrite=overwrite, **kwargs)
        self._orth_cache: dict[int, int] = {}
        self._table = None

    def initialize(self, get_examples=None, *, nlp=None, lookups: Optional[Lookups] = None):
        super().initialize(get_examples, nlp=nlp, lookups=lookups if lookups is not None else da_lookups())
        self._table = self.lookups.get_table("lemma_lookup")
        self._orth_cache = {}

    def lemma_of(self, text: str) -> str:
        table = self._table if self._table is not None else self.lookups.get_table("lemma_lookup")
        lemma = table.get(text)
        if lemma is None:
            low = text.lower()
            lemma = table.get(low, low)
        return lemma

    def lookup_lemmatize(self, token) -> list[str]:
        return [self.lemma_of(token.text)]

    def __call__(self, doc: Doc) -> Doc:
        if self._table is None:
            self._validate_tables()
            self._table = self.lookups.get_table("lemma_lookup")
        if not self.overwrite:
            for token in doc:
                if token.lemma == 0:
                    token.lemma_ = self.lemma_of(token.text)
            return doc
        cache = self._orth_cache
        get = cache.get
        for token in doc:
            h = get(token.orth)
            if h is None:
                h = cache[token.orth] = self.vocab.strings.add(self.lemma_of(token.text))
            token.lemma = h
        return doc


@Language.factory("brugerblik_lemmatizer", default_config={"overwrite": True})
def make_fallback_lemmatizer(nlp: Language, name: str, overwrite: bool) -> FallbackLookupLemmatizer:
    return FallbackLookupLemmatizer(nlp.vocab, None, name, overwrite=overwrite)


def base_pipeline() -> Language:
    """blank da + lemmatizer (with the fallback) + sentencizer (disabled), initialised with the shared table."""
    nlp = spacy.blank("da")
    lem = nlp.add_pipe("brugerblik_lemmatizer", name="lemmatizer")
    lem.initialize(lookups=da_lookups())
    nlp.add_pipe("sentencizer")
    nlp.disable_pipe("sentencizer")  # run by hand only when sentence context is asked for
    return nlp


@functools.lru_cache(maxsize=1)
def lemma_pipeline() -> Language:
    """`base_pipeline`, built once per process (word frequency, the guide links)."""
    return base_pipeline()


def content_lemmas(doc: Doc) -> list[str]:
    """The content words of a text as lower-case lemmas, in order — the one word rule of word
    frequency and of the guide links: a token counts when it is alphabetic, at least two letters,
    and neither it nor its lemma is one of spaCy's Danish stop words."""
    from spacy.lang.da.stop_words import STOP_WORDS  # spaCy's Danish data: only when words are counted

    out = []
    for tok in doc:
        w = tok.text
        if len(w) < 2 or not w.isalpha():
            continue
        low, lemma = w.lower(), tok.lemma_.lower()
        if low in STOP_WORDS or lemma in STOP_WORDS or len(lemma) < 2:
            continue
        out.append(lemma)
    return out


# --------------------------------------------------------------------------- rule patterns

def cue_lemmas(lem: FallbackLookupLemmatizer, word: str) -> list[str]:
    """The lemmas a cue word stands for: its own lemma and its lower-cased form.

    Both, because the lookup table is not idempotent: 'sagsbehandleren' → 'sagsbehandler', but
    'sagsbehandler' itself → 'sagsbehandle' (the verb). A cue written in its base form stands for
    the forms that lemmatize to it; a cue written inflected ('syltet') for those of its lemma."""
    return list(dict.fromkeys([lem.lemma_of(word), word.lower()]))


def word_forms(lem: FallbackLookupLemmatizer, word: str) -> list[str]:
    """The lower-case forms of `word` that the lemmatizer maps to one of its `cue_lemmas`, plus the
    word itself: a token matches the cue word on lemma or lower case iff its lower-case form is here."""
    lemmas = cue_lemmas(lem, word)
    out = {word.lower()}
    for lm in lemmas:
        out.update(forms_of_lemma(lm))
        if lem.lemma_of(lm) in lemmas:
            out.add(lm)
    return sorted(out)


def cue_variants(lem: FallbackLookupLemmatizer, nlp: Language, cue: str) -> list[str]:
    """The texts a cue matches (lower case), as phrase patterns.

    One word: all its forms (`word_forms`). Several words: every combination of the forms of its
    content words, with stop words ('i', 'til', 'sig' …) as written ('dum i arbejde' → 'dumme i
    arbejdet', …). '=word': only that form. Capped at MAX_FORMS_PER_CUE (then: each content word
    inflected alone)."""
    from spacy.lang.da.stop_words import STOP_WORDS  # spaCy's Danish data: only when a pipeline is built

    exact = cue.startswith("=")
    words = [t.text for t in nlp.make_doc(cue[1:].strip() if exact else cue) if not t.is_space]
    if not words:
        return []
    if exact:
        return [" ".join(w.lower() for w in words)]
    if len(words) == 1:
        return word_forms(lem, words[0])
    options = [[w.lower()] if w.lower() in STOP_WORDS else word_forms(lem, w) for w in words]
    total = 1
    for o in options:
        total *= len(o)
    if total > MAX_FORMS_PER_CUE:
        base = [w.lower() for w in words]
        out = {" ".join(base)}
        for i, o in enumerate(options):
            for f in o:
                out.add(" ".join(base[:i] + [f] + base[i + 1:]))
        return sorted(out)
    return [" ".join(c) for c in itertools.product(*options)]


class CueSpanRuler(SpanRuler):
    """spaCy's span_ruler, phrase matching on LOWER, with a bulk pattern loader and a lean __call__.

    Cue patterns are compiled (`add_cue_patterns`): each cue becomes the lower-case texts of its
    inflected forms (`cue_variants`, from the lemmatizer's own table), so matching on LOWER is
    matching on lemma or lower case, and tagging needs no per-token lemmatization. Spans go to
    ``doc.spans["koder"]`` (label = code key, id = cue). `__call__` skips the stock ruler's
    per-document warning filter, empty token matcher and empty span groups (on short quotes that
    overhead alone cost more than tokenizing)."""

    def clear(self) -> None:
        super().clear()
        self._hash_cache: dict[int, tuple[int, int]] = {}
        self.n_phrase_patterns = 0

    def add_cue_patterns(self, entries: Iterable[tuple[str, str, Sequence[str]]]) -> int:
        """Add (label, cue, texts) entries; the texts are tokenized with the tokenizer only (LOWER
        needs nothing else). Returns the number of phrase patterns added."""
        strings = self.nlp.vocab.strings
        tokenizer = self.nlp.tokenizer
        n = 0
        for label, cue, texts in entries:
            if not texts:
                continue
            key = repr((label, cue))
            m_id = strings.add(key)
            self._match_label_id_map[m_id] = {"label": label, "id": cue}
            self._hash_cache[m_id] = (strings.add(label), strings.add(cue))
            self.phrase_matcher.add(key, list(tokenizer.pipe(texts)))
            self._patterns.append({"label": label, "id": cue, "pattern": texts[0]})
            n += len(texts)
        self.n_phrase_patterns += n
        return n

    def _hashes(self, m_id: int) -> tuple[int, int]:
        """(label hash, cue hash) of a pattern added with the stock `add_patterns`."""
        info = self._match_label_id_map[m_id]
        strings = self.nlp.vocab.strings
        pair = self._hash_cache[m_id] = (strings.add(info["label"]), strings.add(info.get("id") or ""))
        return pair

    def hits(self, doc: Doc) -> list[tuple[int, int, int, int, int, int]]:
        """The matches as (label hash, cue hash, start, end, start_char, end_char), without duplicates
        (the same code on the same tokens), in text order. What `__call__` turns into spans; the
        tagger reads these directly and skips building a span group it does not need."""
        matches = self.phrase_matcher(doc)
        if len(self.matcher):  # token patterns from the stock add_patterns, if any
            matches = list(matches) + list(self.matcher(doc))
        if not matches:
            return []
        ids = self._hash_cache
        if len(matches) == 1:
            m_id, start, end = matches[0]
            label, cue = ids.get(m_id) or self._hashes(m_id)
            last = doc[end - 1]
            return [(label, cue, start, end, doc[start].idx, last.idx + len(last))]
        seen, out = set(), []
        for m_id, start, end in matches:
            label, cue = ids.get(m_id) or self._hashes(m_id)
            k = (label, start, end)
            if k not in seen:
                seen.add(k)
                last = doc[end - 1]
                out.append((label, cue, start, end, doc[start].idx, last.idx + len(last)))
        out.sort(key=lambda h: (h[2], h[3], h[0]))
        return out

    def __call__(self, doc: Doc) -> Doc:
        hits = self.hits(doc)
        if not hits:
            if self.overwrite and self.key in doc.spans:
                del doc.spans[self.key]
            return doc
        spans = [Span(doc, h[2], h[3], label=h[0], span_id=h[1]) for h in hits]
        if not self.overwrite and self.key in doc.spans:
            spans = list(doc.spans[self.key]) + spans
        doc.spans[self.key] = spans
        return doc


@Language.factory("brugerblik_span_ruler", default_config={"spans_key": SPANS_KEY})
def make_cue_span_ruler(nlp: Language, name: str, spans_key: str) -> CueSpanRuler:
    return CueSpanRuler(nlp, name, spans_key=spans_key, annotate_ents=False, phrase_matcher_attr="LOWER",
                        validate=False, overwrite=True)


def build_pipeline(codebook: Sequence[CodeEntry]) -> Language:
    """The rule pipeline for a codebook (see the module docstring)."""
    nlp = base_pipeline()
    lem: FallbackLookupLemmatizer = nlp.get_pipe("lemmatizer")
    ruler: CueSpanRuler = nlp.add_pipe("brugerblik_span_ruler", name="span_ruler")
    ruler.add_cue_patterns((e.key, cue, cue_variants(lem, nlp, cue)) for e in codebook for cue in e.cues)
    return nlp


# --------------------------------------------------------------------------- model

@dataclass
class TextModel:
    """A trained textcat_multilabel over lower-cased text."""
    nlp: Language
    labels: tuple[str, ...]
    n_texts: int = 0
    seconds: float = 0.0

    def predict(self, texts: Sequence[str], batch_size: int = 256) -> list[dict[str, float]]:
        out = []
        for doc in self.nlp.pipe((t.lower() for t in texts), batch_size=batch_size):
            out.append({k: float(v) for k, v in doc.cats.items()})
        return out

    def explain(self, doc: Doc, labels: Sequence[str], base: Mapping[str, float], top: int = 3,
                min_drop: float = 0.02) -> dict[str, list[Span]]:
        """For each label, up to `top` tokens of `doc` whose removal lowers the score most (occlusion)."""
        toks = [t for t in doc if not (t.is_punct or t.is_space)][:80]
        if not toks or not labels:
            return {lb: [] for lb in labels}
        variants = ["".join(u.text_with_ws for u in doc if u.i != t.i) for t in toks]
        scores = self.predict(variants)
        out: dict[str, list[Span]] = {}
        for lb in labels:
            drops = sorted(((base[lb] - sc.get(lb, 0.0), t) for sc, t in zip(scores, toks)),
                           key=lambda x: -x[0])
            chosen = sorted((t for d, t in drops[:top] if d >= min_drop), key=lambda t: t.i)
            out[lb] = [doc[t.i:t.i + 1] for t in chosen]
        return out

    def to_bytes(self) -> bytes:
        return self.nlp.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "TextModel":
        nlp = _blank_textcat(ngram_size=2)
        nlp.from_bytes(data)
        return cls(nlp=nlp, labels=tuple(nlp.get_pipe("textcat_multilabel").labels))


def _blank_textcat(ngram_size: int) -> Language:
    nlp = spacy.blank("da")
    nlp.add_pipe("textcat_multilabel", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": ngram_size,
        "no_output_layer": False, "length": BOW_LENGTH}})
    return nlp


def _normalise(examples: Iterable[tuple[str, Mapping[str, float]]]) -> list[tuple[str, dict[str, float]]]:
    merged: dict[str, dict[str, float]] = {}
    for text, cats in examples:
        t = " ".join(str(text).split())
        if t:
            merged.setdefault(t, {}).update({str(k): float(v) for k, v in cats.items()})
    return list(merged.items())


def label_counts(examples: Sequence[tuple[str, Mapping[str, float]]], *, implicit_negatives: bool = True
                 ) -> dict[str, tuple[int, int]]:
    """{code: (positives, negatives)} as the model would see them."""
    labels = sorted({k for _, c in examples for k in c})
    out = {}
    for lb in labels:
        pos = sum(1 for _, c in examples if c.get(lb) == 1)
        if implicit_negatives:
            neg = sum(1 for _, c in examples if c.get(lb, 0) == 0)
        else:
            neg = sum(1 for _, c in examples if lb in c and c[lb] == 0)
        out[lb] = (pos, neg)
    return out


def train(examples: Iterable[tuple[str, Mapping[str, float]]], *, labels: Optional[Sequence[str]] = None,
          epochs: Optional[int] = None, seed: int = 0, ngram_size: int = 2, batch_size: Optional[int] = None,
          learn_rate: float = 0.02, implicit_negatives: bool = True, min_positives: int = 1) -> TextModel:
    """Train a textcat_multilabel on [(text, {code: 1|0})]; see the module docstring.

    Defaults scale with the data: batches of n/10 texts (4–32) and enough epochs (10–30) for about
    300 updates, so 40 texts and 5,000 texts both train in seconds."""
    from thinc.api import Adam  # training only
    from spacy.training import Example  # training only

    t0 = time.perf_counter()
    data = _normalise(examples)
    if not data:
        raise NlpError("Ingen beslutninger at træne på.")
    counts = label_counts(data, implicit_negatives=implicit_negatives)
    if labels is None:
        labels = [lb for lb, (p, _) in counts.items() if p >= min_positives]
    labels = list(labels)
    if not labels:
        raise NlpError(f"Ingen kode har accepterede eksempler nok at træne på ({TOO_FEW}).")
    n = len(data)
    if batch_size is None:
        batch_size = max(4, min(32, n // 10))
    if epochs is None:
        epochs = max(10, min(30, math.ceil(300 / math.ceil(n / batch_size))))
    fix_random_seed(seed)
    nlp = _blank_textcat(ngram_size)
    tc = nlp.get_pipe("textcat_multilabel")
    for lb in labels:
        tc.add_label(lb)
    exs = []
    for text, cats in data:
        if implicit_negatives:
            gold = {lb: float(cats.get(lb, 0.0)) for lb in labels}
        else:
            gold = {lb: float(cats[lb]) for lb in labels if lb in cats}
        exs.append(Example.from_dict(nlp.make_doc(text.lower()), {"cats": gold}))
    nlp.initialize(lambda: exs)
    optimizer = Adam(learn_rate)
    rnd = random.Random(seed)
    for _ in range(epochs):
        rnd.shuffle(exs)
        losses: dict[str, float] = {}
        for batch in minibatch(exs, size=batch_size):
            # the component's own update: Language.update would deep-copy every example each step
            tc.update(batch, sgd=optimizer, losses=losses)
    return TextModel(nlp=nlp, labels=tuple(labels), n_texts=len(data), seconds=time.perf_counter() - t0)


@dataclass
class CodeScore:
    kode: str
    precision: Optional[float]
    recall: Optional[float]
    f1: Optional[float]
    support: int  # positive examples (the researcher's accepted codes)
    negatives: int
    note: str = ""


@dataclass
class CrossValidation:
    k: int
    n_texts: int
    threshold: float
    scores: list[CodeScore]
    seconds: float
    micro: Optional[CodeScore] = None

    def by_code(self) -> dict[str, CodeScore]:
        return {s.kode: s for s in self.scores}

    def table(self, names: Optional[Mapping[str, str]] = None) -> str:
        """A Markdown table (Danish headings)."""
        names = names or {}

        def f(x: Optional[float]) -> str:
            return "–" if x is None else f"{x:.2f}"

        lines = [f"Krydsvalidering: {self.k} fold, {self.n_texts} tekster, tærskel {self.threshold:g} "
                 f"({self.seconds:.1f} s)", "",
                 "| Kode | Præcision | Genkaldelse | F1 | Positive | Negative | Note |",
                 "|---|---:|---:|---:|---:|---:|---|"]
        for s in self.scores + ([self.micro] if self.micro else []):
            lines.append(f"| {names.get(s.kode, s.kode)} | {f(s.precision)} | {f(s.recall)} | {f(s.f1)} | "
                         f"{s.support} | {s.negatives} | {s.note} |")
        return "\n".join(lines) + "\n"


def cross_validate(examples: Iterable[tuple[str, Mapping[str, float]]], *, k: int = 5, seed: int = 0,
                   threshold: float = DEFAULT_THRESHOLD, implicit_negatives: bool = True,
                   **train_kwargs) -> CrossValidation:
    """k-fold cross-validation of `train` against the researcher's codes, per code."""
    import numpy as np  # evaluation only
    from sklearn.metrics import precision_recall_fscore_support  # scikit-learn: evaluation only (start-up)
    from sklearn.model_selection import KFold  # scikit-learn: evaluation only (start-up)

    t0 = time.perf_counter()
    data = _normalise(examples)
    n = len(data)
    k = min(int(k), n)
    if k < 2:
        raise NlpError(f"Krydsvalidering kræver mindst 2 tekster med beslutninger ({TOO_FEW}).")
    counts = label_counts(data, implicit_negatives=implicit_negatives)
    labels = [lb for lb, (p, _) in counts.items() if p >= 1]
    min_pos = max(k, 3)
    pred = np.full((n, len(labels)), np.nan)
    kf = KFold(n_splits=k, shuffle=True, random_state=seed)
    for train_idx, test_idx in kf.split(np.arange(n)):
        train_data = [data[i] for i in train_idx]
        trainable = [lb for lb in labels if any(data[i][1].get(lb) == 1 for i in train_idx)]
        if not trainable:
            continue
        model = train(train_data, labels=trainable, seed=seed, implicit_negatives=implicit_negatives,
                      **train_kwargs)
        scores = model.predict([data[i][0] for i in test_idx])
        for row, sc in zip(test_idx, scores):
            for j, lb in enumerate(labels):
                pred[row, j] = sc.get(lb, 0.0)
    out: list[CodeScore] = []
    all_true, all_pred = [], []
    for lb in sorted(counts):
        pos, neg = counts[lb]
        if pos < min_pos or neg < 1:
            out.append(CodeScore(lb, None, None, None, pos, neg, f"{TOO_FEW} (mindst {min_pos} positive og 1 negativ)"))
            continue
        j = labels.index(lb)
        y_true, y_pred = [], []
        for i, (_, cats) in enumerate(data):
            if lb in cats:
                truth = int(cats[lb] == 1)
            elif implicit_negatives:
                truth = 0
            else:
                continue
            y_true.append(truth)
            y_pred.append(int(pred[i, j] >= threshold))
        p, r, f1, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
        out.append(CodeScore(lb, float(p), float(r), float(f1), pos, neg))
        all_true += y_true
        all_pred += y_pred
    micro = None
    if all_true:
        p, r, f1, _ = precision_recall_fscore_support(all_true, all_pred, average="binary", zero_division=0)
        micro = CodeScore("alle (mikro)", float(p), float(r), float(f1), sum(all_true), len(all_true) - sum(all_true))
    return CrossValidation(k=k, n_texts=n, threshold=threshold, scores=out, seconds=time.perf_counter() - t0,
                           micro=micro)


# --------------------------------------------------------------------------- suggestions

@dataclass(slots=True)
class Suggestion:
    kode: str
    navn: str
    kilde: str
    ord: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    score: Optional[float] = None
    cues: list[str] = field(default_factory=list)  # the codebook cues that matched (rules)
    saetninger: Optional[list[tuple[int, int]]] = None

    def to_dict(self) -> dict:
        d = {"kode": self.kode, "navn": self.navn, "kilde": self.kilde, "ord": list(self.ord),
             "spans": [list(s) for s in self.spans], "score": None if self.score is None else round(self.score, 4)}
        if self.saetninger is not None:
            d["saetninger"] = [list(s) for s in self.saetninger]
        return d


_pipeline_cache: dict[tuple, Language] = {}
_pipeline_lock = threading.Lock()


def cached_pipeline(codebook: Sequence[CodeEntry]) -> Language:
    """build_pipeline, memoised on the codebook's content (a few pipelines per process at most)."""
    key = tuple((e.key, e.cues) for e in codebook)
    with _pipeline_lock:
        nlp = _pipeline_cache.get(key)
        if nlp is None:
            if len(_pipeline_cache) > 8:
                _pipeline_cache.clear()
            nlp = _pipeline_cache[key] = build_pipeline(codebook)
        return nlp


class Tagger:
    """Suggests codes for texts from a codebook (rules) and optionally a trained model."""

    def __init__(self, codebook: Sequence[CodeEntry], model: Optional[TextModel] = None, *,
                 threshold: float = DEFAULT_THRESHOLD, explain_model: bool = True):
        self.codebook = list(codebook)
        self.names = {e.key: e.name for e in self.codebook}
        self.order = {e.key: i for i, e in enumerate(self.codebook)}
        self.nlp = cached_pipeline(self.codebook)
        self._ruler = self.nlp.get_pipe("span_ruler")
        self.model = model
        self.threshold = threshold
        self.explain_model = explain_model

    @classmethod
    def from_seed(cls, **kwargs) -> "Tagger":

        return cls(load_seed(), **kwargs)

    @classmethod
    def from_store(cls, session, *, with_model: bool = True, **kwargs) -> "Tagger":
        """The store's codebook (seeded if empty) and, when the decisions suffice, a model trained on them."""

        ensure_seeded(session)
        model = train_from_decisions(labelled_texts(session)) if with_model else None
        return cls(entries(session), model=model, **kwargs)

    def with_model(self, model: Optional[TextModel]) -> "Tagger":
        return Tagger(self.codebook, model, threshold=self.threshold, explain_model=self.explain_model)

    # -- rules
    def _rule_suggestions(self, doc: Doc, text: str, context: bool, hits: Optional[list] = None
                          ) -> dict[str, Suggestion]:
        """Rule suggestions from the ruler's hits (or the doc's span group); `text` is the doc's text."""
        if hits is None:
            if SPANS_KEY not in doc.spans:
                return {}
            hits = [(sp.label, sp.id, sp.start, sp.end, sp.start_char, sp.end_char) for sp in doc.spans[SPANS_KEY]]
        if not hits:
            return {}
        strings, names, out = self.nlp.vocab.strings, self.names, {}
        if len(hits) == 1:  # the common case
            lb, cue, _, _, a, b = h = hits[0]
            key = strings[lb]
            sug = Suggestion(key, names.get(key, key), SOURCE_RULE, [text[a:b]], [(a, b)], None, [strings[cue]])
            if context:
                sug.saetninger = _sentences_of([doc[h[2]:h[3]]])
            return {key: sug}
        groups: dict[int, list[tuple]] = {}
        for h in hits:
            g = groups.get(h[0])
            if g is None:
                groups[h[0]] = [h]
            else:
                g.append(h)
        for lb, group in groups.items():
            key = strings[lb]
            if len(group) > 1:
                group = _longest_first(group)
                cues = list(dict.fromkeys(strings[h[1]] for h in group))
            else:
                cues = [strings[group[0][1]]]
            sug = Suggestion(key, names.get(key, key), SOURCE_RULE, [text[h[4]:h[5]] for h in group],
                             [(h[4], h[5]) for h in group], None, cues)
            if context:
                sug.saetninger = _sentences_of([doc[h[2]:h[3]] for h in group])
            out[key] = sug
        return out

    def suggest_many(self, texts: Iterable[str], *, context: bool = False
                     ) -> list[list[Suggestion]]:
        """Suggestions for each text, in codebook order."""
        texts = list(texts)
        sentencizer = self.nlp.get_pipe("sentencizer") if context else None
        results = []
        make_doc, hits, rule = self.nlp.make_doc, self._ruler.hits, self._rule_suggestions
        for text in texts:
            # the ruler matches compiled lower-case forms, so the lemmatizer is not needed here,
            # and its hits are read directly rather than through doc.spans
            doc = make_doc(text)
            if sentencizer is not None:
                doc = sentencizer(doc)
            results.append(rule(doc, text, context, hits(doc)))
        if self.model is not None:
            self._add_model(texts, results, context)
        big = len(self.order)
        order = self.order
        return [sorted(r.values(), key=lambda s: (order.get(s.kode, big), s.kode)) if len(r) > 1 else list(r.values())
                for r in results]

    def _add_model(self, texts: list[str], results: list[dict[str, Suggestion]], context: bool) -> None:
        idx = [i for i, t in enumerate(texts) if t.strip()]
        scores = self.model.predict([texts[i] for i in idx]) if idx else []
        for i, sc in zip(idx, scores):
            found = results[i]
            model_only = []
            for lb, p in sc.items():
                if p < self.threshold:
                    continue
                if lb in found:
                    found[lb].kilde, found[lb].score = SOURCE_BOTH, p
                else:
                    found[lb] = Suggestion(kode=lb, navn=self.names.get(lb, lb), kilde=SOURCE_MODEL, score=p)
                    model_only.append(lb)
            if model_only and self.explain_model:
                doc = self.nlp.make_doc(texts[i])
                if context:
                    doc = self.nlp.get_pipe("sentencizer")(doc)
                expl = self.model.explain(doc, model_only, sc)
                for lb in model_only:
                    spans = expl.get(lb, [])
                    found[lb].ord = [s.text for s in spans]
                    found[lb].spans = [(s.start_char, s.end_char) for s in spans]
                    if context:
                        found[lb].saetninger = _sentences_of(spans)

    def suggest(self, text: str, *, context: bool = False) -> list[Suggestion]:
        return self.suggest_many([text], context=context)[0]


def _longest_first(hits: Sequence[tuple]) -> list[tuple]:
    """The longest non-overlapping hits (label, cue, start, end, …) (ties: the earliest), in text
    order — spacy.util.filter_spans on token offsets."""
    ordered = sorted(hits, key=lambda x: x[2])
    if all(a[3] <= b[2] for a, b in zip(ordered, ordered[1:])):
        return ordered
    chosen: list[tuple] = []
    taken: set[int] = set()
    for h in sorted(hits, key=lambda x: (x[2] - x[3], x[2])):
        rng = range(h[2], h[3])
        if not any(i in taken for i in rng):
            chosen.append(h)
            taken.update(rng)
    chosen.sort(key=lambda x: x[2])
    return chosen


def _sentences_of(spans: Sequence[Span]) -> list[tuple[int, int]]:
    out = []
    for s in spans:
        sent = s.sent
        rng = (sent.start_char, sent.end_char)
        if rng not in out:
            out.append(rng)
    return out


_model_cache: dict[tuple, TextModel] = {}
_model_lock = threading.Lock()


def train_from_decisions(examples: Sequence[tuple[str, Mapping[str, float]]], *, min_texts: int = MIN_TRAIN_TEXTS,
                         min_positives: int = 3, **kwargs) -> Optional[TextModel]:
    """A model when the decisions suffice (≥ min_texts texts and a code with ≥ min_positives positives
    and a negative), else None. Memoised on the data (the last 4), so a page that reruns does not
    retrain while the decisions are unchanged."""
    data = _normalise(examples)
    if len(data) < min_texts:
        return None
    counts = label_counts(data, implicit_negatives=kwargs.get("implicit_negatives", True))
    labels = [lb for lb, (p, n) in counts.items() if p >= min_positives and n >= 1]
    if not labels:
        return None
    # the key is a digest: the cache must not keep the texts themselves (a deleted respondent's, issue 12)
    key = (hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest(),
           tuple(labels), tuple(sorted(kwargs.items())))
    with _model_lock:
        model = _model_cache.get(key)
    if model is None:
        model = train(data, labels=labels, **kwargs)
        with _model_lock:
            if len(_model_cache) >= 4:
                _model_cache.pop(next(iter(_model_cache)))
            _model_cache[key] = model
    return model


def forget_trained() -> int:
    """Drop every model and tagging pipeline this process keeps (`train_from_decisions`' memo and the
    taggers' pipelines, whose vocabulary holds the words of every text they saw): called when the store
    deleted something (a respondent, the raw data), so nothing trained on or holding the deleted text
    stays in memory. Returns how many were dropped."""
    with _model_lock:
        n = len(_model_cache)
        _model_cache.clear()
    with _pipeline_lock:
        n += len(_pipeline_cache)
        _pipeline_cache.clear()
    return n


# --------------------------------------------------------------------------- CLI

def _lines(stream) -> Iterator[str]:
    """Input lines without their line ending. Only "\n" ends a line (a lone "\r" inside a line does
    not), so the output has exactly one line per input line; a UTF-8 BOM is dropped."""

    raw = getattr(stream, "buffer", None) if isinstance(stream, io.TextIOBase) else stream
    if raw is None:  # a text stream without bytes underneath (e.g. io.StringIO)
        for i, line in enumerate(stream):
            line = line[:-1] if line.endswith("\n") else line
            line = line[:-1] if line.endswith("\r") else line
            yield line.removeprefix("\ufeff") if i == 0 else line
        return
    for i, b in enumerate(raw):
        b = b[:-1] if b.endswith(b"\n") else b
        b = b[:-1] if b.endswith(b"\r") else b
        try:
            line = b.decode("utf-8-sig" if i == 0 else "utf-8")
        except UnicodeDecodeError:
            raise NlpError(f"Linje {i + 1} er ikke UTF-8; gem filen som UTF-8 og prøv igen.") from None
        yield line


def _chunks(it: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for x in it:
        chunk.append(x)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _cli_tagger(args) -> Tagger:


    url = getattr(args, "db", None) or os.environ.get("BRUGERBLIK_DB")
    try:

        if url is None and not default_store_exists():  # a tag run reads; it does not create a database
            return Tagger(load_seed())
        with session_scope(get_engine(url)) as s:
            ensure_seeded(s)
            codebook, data = entries(s), labelled_texts(s)
    except SQLAlchemyError as e:
        print(f"Kunne ikke læse kodebogen i databasen ({e.__class__.__name__}); bruger den medfølgende kodebog.",
              file=sys.stderr)
        codebook, data = load_seed(), []
    model = train_from_decisions(data) if data else None
    if model is not None:
        print(f"Model trænet på {model.n_texts} tekster ({len(model.labels)} koder) på {model.seconds:.1f} s.",
              file=sys.stderr)
    return Tagger(codebook, model=model)


def cli_tag(args) -> int:
    """`brugerblik tag [FILE|-]`: one JSON object per input line (empty line → no suggestions).

    The codebook is the store's (seeded from the seed file when empty; no store is created), else the seed file; when the
    store's decisions suffice a model is trained first and its suggestions are marked "model".
    """
    path = getattr(args, "file", None) or "-"
    stream = sys.stdin if path == "-" else open(path, "rb")
    try:
        tagger = _cli_tagger(args)
        interactive = path == "-" and hasattr(stream, "isatty") and stream.isatty()
        out = sys.stdout
        try:
            for chunk in _chunks(_lines(stream), 1 if interactive else 256):
                for text, sugg in zip(chunk, tagger.suggest_many(chunk)):
                    out.write(json.dumps({"tekst": text, "forslag": [s.to_dict() for s in sugg]},
                                         ensure_ascii=False))
                    out.write("\n")
                out.flush()
        except NlpError as e:
            out.flush()
            print(str(e), file=sys.stderr)
            return 1
    finally:
        if stream is not sys.stdin:
            stream.close()
    return 0
