"""Transcripts linked to the guide (issue 15): which guide question each interviewer's turn asks,
so every segment carries its question and a researcher can code «everything said after the rytme
probe» in one step — structural autocoding, driven by the guide itself.

    matcher = QuestionMatcher(guide)
    link_transcript(s, transcript_id, matcher)          # suggestions for the interviewer's turns
    set_question(s, segment_id, "rytme", guide, who)    # the researcher confirms or corrects
    segments_by_question(s, "rytme")                    # what was said after the question
    code_by_question(s, "rytme", "hverdag", who)        # one click: all of it gets the code

The questions (`questions`)
---------------------------
A guide item is a question when it is asked in the interview (`Guide.interview_groups`), its
label holds a question mark, and no other item has the same label: «Er det vigtigt for dig?»,
asked after each of the twelve probes, cannot be told apart by its words, so a turn that holds
such a label's words and at most one word more is a follow-up that continues the probe before it
(`follow_up_labels`). Items the interviewer notes without asking
(«Køn», «Note», «Problemer, brugeren nævner (indfang)») are no questions.

A question's words: the content lemmas of its label (weight 1) and of the probing cues in its
hint, the text after «Indfang:» (weight ½). Content lemmas are the word-frequency rule's
(`coding.nlp.content_lemmas`: alphabetic, two letters or more, no Danish stop word; spaCy's
tokenizer and the project's lookup lemmatizer). The **cue words** of a question are its words
weighted by how few questions share them (idf = ln((N + 1)/(df + 1)) + 1 over the N questions):
«rytme», «familie», «sundhed» point at one question; «tilbud», which most labels hold, at none.

The match (`QuestionMatcher.match`)
-----------------------------------
An interviewer's turn (speaker ``I``) is compared with every question by the cosine of the two
weighted word sets, counting only the turn's words that some question has (small talk does not
dilute it) and taking the question's length from its label alone (a long list of probing cues
can add to a match, not dilute it). The guide's order helps where the words are ambiguous: the
questions within `ORDER_WINDOW` items after the last one matched get `ORDER_BONUS` on top. The
best question is the turn's suggestion when its score is at least `THRESHOLD` and its *label*
shares a cue word with the turn (a word that at most `CUE_SHARE` of the questions hold, and at
least two may; a probing cue alone, «i løbet af en dag», does not start a question); otherwise
the turn is a follow-up («Kan du sige mere om det?»): its question stays the one before.
`THRESHOLD`, `ORDER_BONUS`, `ORDER_WINDOW` and `CUE_SHARE` were set on interviews 1-4 of the
labelled transcripts in tests/coding/data/guide_turns.tsv (interview 5 is held out); precision
and recall are in docs/benchmarks.md (bench/bench_guide_links.py).

A transcript whose turns are not marked I/B but numbered by a transcription tool (``S00``,
``SPEAKER_01``: speaker unknown) has its interviewer found as the numbered speaker with the most
turns that hold a question mark (`interviewer_label`). In a transcript with I/B marks, a segment
without a speaker (text before the first label) counts as the respondent's side.

What is stored, and each segment's question
-------------------------------------------
On the interviewer's turns only: `Segment.question` — a guide code, ``None`` (a follow-up: the
question before it continues) or ``''`` («uden for guiden»: what follows belongs to no
question) — and `Segment.question_by`: who confirmed or corrected it, ``None`` while it is the
tool's suggestion. `link_transcript` re-suggests only turns nobody has confirmed.

Every segment's question (`segment_questions`) is the question of the last interviewer turn at
or before it in the transcript that is not a follow-up; segments before the first question have
none. So the respondent's answer to «Er det vigtigt for dig?» after the rytme probe belongs to
``rytme``.

Coding by question (`code_by_question`) puts a code on every respondent segment (speaker ``B``
or unknown; ``interviewer=True`` also the interviewer's) that carries the question, in every
transcript of a respondent who has not withdrawn consent; segments that already have the code
are left as they are. Each coding names who made it and when, as a coding by hand does (no
suggestion decision is recorded: the code was not suggested from the segment's words).
"""
from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from sqlalchemy import select
from sqlmodel import Session

from coding.transcripts import (Segment, SegmentCode, SegmentView, Transcript, TranscriptError, segment_views,
                                code_segment, get_transcript, resolve_codes)
from survey.clock import utcnow
from survey.consent import exportable
from survey.guide import Guide
from survey.models import AuditEntry, Interview
from survey.privacy import refuse_if_withdrawn

__all__ = ["Question", "Match", "QuestionMatcher", "questions", "interviewer_label", "link_transcript",
           "set_question", "confirm_suggestions", "question_turns", "segment_questions", "segments_by_question",
           "code_by_question", "question_counts", "TurnLink", "matcher_for", "transcript_questions", "follow_up_labels", "THRESHOLD", "ORDER_BONUS", "ORDER_WINDOW",
           "OUTSIDE", "question_label"]

THRESHOLD = 0.25
ORDER_BONUS = 0.08
ORDER_WINDOW = 6
HINT_WEIGHT = 0.5
CUE_SHARE = 0.1  # a cue word: held by at most this share of the questions (and at least 2)
OUTSIDE = ""  # Segment.question: «uden for guiden»
INDFANG = "indfang:"


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    order: int                      # position among the questions (guide order)
    words: tuple[tuple[str, float], ...]  # lemma, weight (1 label, ½ probing cue)


@dataclass(frozen=True)
class Match:
    code: Optional[str]   # the suggested question; None: a follow-up
    score: float
    words: tuple[str, ...] = ()  # the cue words the turn shares with it


@dataclass(frozen=True)
class TurnLink:
    """An interviewer's turn on the page: its segment, its question and whether a person set it."""
    segment: SegmentView
    question: Optional[str]
    confirmed_by: Optional[str]


# --------------------------------------------------------------------------- the questions

def _probe_cues(hint: str) -> str:
    low = hint.lower()
    at = low.find(INDFANG)
    return hint[at + len(INDFANG):] if at >= 0 else ""


def _asked(guide: Guide) -> tuple[list, dict[str, int]]:
    items = [it for g in guide.interview_groups() for it in g.items if "?" in it.label]
    seen: dict[str, int] = defaultdict(int)
    for it in items:
        seen[it.label.strip().lower()] += 1
    return items, seen


def follow_up_labels(guide: Guide) -> list[str]:
    """The labels the guide asks after several questions («Er det vigtigt for dig?»): a turn
    that is most like one of them is a follow-up."""
    items, seen = _asked(guide)
    return list(dict.fromkeys(it.label for it in items if seen[it.label.strip().lower()] > 1))


def questions(guide: Guide, lemmas_of=None) -> list[Question]:
    """The guide's questions in guide order (module doc), each with its weighted content lemmas."""
    lemmas_of = lemmas_of or _lemmas
    items, seen = _asked(guide)
    out: list[Question] = []
    for it in items:
        if seen[it.label.strip().lower()] > 1:
            continue
        w: dict[str, float] = {}
        for lm in lemmas_of(_probe_cues(it.hint)):
            w[lm] = HINT_WEIGHT
        for lm in lemmas_of(it.label):
            w[lm] = 1.0
        out.append(Question(it.code, it.label, len(out), tuple(w.items())))
    return out


#: a question is short: only the first characters of a turn are read (spaCy refuses texts over 1,000,000)
MAX_TURN_CHARS = 2000


def _lemmas(text: str) -> tuple[str, ...]:
    return _lemmas_of_head(text[:MAX_TURN_CHARS])


@functools.lru_cache(maxsize=4096)
def _lemmas_of_head(text: str) -> tuple[str, ...]:
    from coding.nlp import content_lemmas, lemma_pipeline  # spaCy only when transcripts are linked (start-up time)

    return tuple(dict.fromkeys(content_lemmas(lemma_pipeline()(text.replace("/", " / ")))))


_MATCHERS: dict[tuple, "QuestionMatcher"] = {}


def matcher_for(guide: Guide) -> "QuestionMatcher":
    """One matcher per guide (by file, form and version and its questions), kept for the process."""
    key = (guide.path, guide.form_id, guide.version, tuple((it.code, it.label, it.hint) for it in guide.items.values()))
    m = _MATCHERS.get(key)
    if m is None:
        m = _MATCHERS[key] = QuestionMatcher(guide)
    return m


class QuestionMatcher:
    """Suggests the guide question of an interviewer's turn (module doc «The match»)."""

    def __init__(self, guide: Guide, *, threshold: float = THRESHOLD, order_bonus: float = ORDER_BONUS,
                 order_window: int = ORDER_WINDOW, lemmas_of=None):
        self.guide = guide
        self._lemmas_of = lemmas_of or _lemmas
        self.questions = questions(guide, self._lemmas_of)
        self.threshold, self.order_bonus, self.order_window = threshold, order_bonus, order_window
        n = len(self.questions)
        df: dict[str, int] = defaultdict(int)
        for q in self.questions:
            for lm, _ in q.words:
                df[lm] += 1
        self.idf = {lm: math.log((n + 1) / (d + 1)) + 1.0 for lm, d in df.items()}
        self.cue_max_df = max(2, int(n * CUE_SHARE))
        self._df = dict(df)
        self._vec = [{lm: w * self.idf[lm] for lm, w in q.words} for q in self.questions]
        # the norm of the label's words only: the probing cues can add to a match, never dilute it
        self._norm = [math.sqrt(sum(v * v for lm, v in vec.items() if w_of[lm] == 1.0)) or 1.0
                      for vec, w_of in zip(self._vec, (dict(q.words) for q in self.questions))]
        self._by_code = {q.code: q for q in self.questions}
        self._follow_ups = [set(self._lemmas_of(lab)) for lab in follow_up_labels(guide)]

    def codes(self) -> list[str]:
        return [q.code for q in self.questions]

    def match(self, text: str, previous: Optional[str] = None) -> Match:
        """The question `text` asks (or a follow-up), given the last question matched before it."""
        words = [lm for lm in self._lemmas_of(text) if lm in self.idf]
        if not words:
            return Match(None, 0.0)
        t_norm = math.sqrt(sum(self.idf[lm] ** 2 for lm in words))
        prev = self._by_code.get(previous) if previous else None
        best, best_score, best_words = None, 0.0, ()
        for q, vec, norm in zip(self.questions, self._vec, self._norm):
            shared = [lm for lm in words if lm in vec]
            if not shared:
                continue
            score = sum(vec[lm] * self.idf[lm] for lm in shared) / (norm * t_norm)
            if prev is not None and 0 < q.order - prev.order <= self.order_window:
                score += self.order_bonus
            if score > best_score:
                best, best_score, best_words = q, score, tuple(shared)
        label_words = dict(best.words) if best is not None else {}
        cues = tuple(lm for lm in best_words if self._df[lm] <= self.cue_max_df and label_words[lm] == 1.0)
        own = set(self._lemmas_of(text))
        follow_up = any(f and f <= own and len(own - f) <= 1 for f in self._follow_ups)
        if best is None or best_score < self.threshold or not cues or follow_up:
            return Match(None, round(best_score, 4))
        return Match(best.code, round(best_score, 4), cues)

    def match_turns(self, turns: Iterable[str]) -> list[Match]:
        """Each turn's match in order, each given the last question matched before it."""
        out, prev = [], None
        for text in turns:
            m = self.match(text, prev)
            out.append(m)
            prev = m.code or prev
        return out


def question_label(guide: Guide, code: Optional[str]) -> str:
    """The question's label as the page shows it («uden for guiden», «opfølgning»)."""
    if code is None:
        return "opfølgning (samme spørgsmål)"
    if code == OUTSIDE:
        return "uden for guiden"
    return guide.item(code).label if code in guide.items else code


# --------------------------------------------------------------------------- the store

def interviewer_label(segs: Sequence[Segment]) -> Optional[str]:
    """The label of a transcript's interviewer when no turn is marked ``I``: among the numbered
    speakers (speaker unknown, a label written), the one with the most turns that ask something
    (hold a question mark) — turns, not marks, so a respondent's one turn of many questions does
    not outweigh an interviewer's many questions (ties: the one that speaks first); None when turns
    are marked ``I`` or none is labelled."""
    if any(g.speaker == "I" for g in segs):
        return None
    marks: dict[str, int] = {}
    for g in segs:
        if g.speaker == "" and g.label:
            marks[g.label] = marks.get(g.label, 0) + ("?" in g.text)
    if not marks or max(marks.values()) == 0:
        return None
    return max(marks, key=lambda lab: marks[lab])  # dicts keep first-seen order: ties go to the first


def _interviewer_turns(segs: Sequence[Segment]) -> list[Segment]:
    lab = interviewer_label(segs)
    return [g for g in segs if g.speaker == "I" or (lab is not None and g.speaker == "" and g.label == lab)]


def _segments(s: Session, transcript_id: int, *, write: bool = False) -> list[Segment]:
    t = get_transcript(s, transcript_id)
    if write:
        refuse_if_withdrawn(s, t.interview_id)  # issue 12: nothing new about a respondent who withdrew
    return list(s.execute(select(Segment).where(Segment.transcript_id == transcript_id).order_by(Segment.idx))
                .scalars())


def link_transcript(s: Session, transcript_id: int, matcher: QuestionMatcher) -> tuple[int, int]:
    """Suggest the question of every interviewer turn nobody has confirmed (module doc). Returns
    (interviewer turns that ask a question — suggested or confirmed, interviewer turns)."""
    segs = _segments(s, transcript_id, write=True)
    turns = _interviewer_turns(segs)
    prev = None
    for g in turns:
        if g.question_by is None:  # a person's answer stands, and guides what follows
            g.question = matcher.match(g.text, prev).code
            s.add(g)
        prev = g.question or prev
    s.flush()
    return sum(1 for g in turns if g.question), len(turns)


def _check_question(guide: Guide, code: Optional[str]) -> Optional[str]:
    if code is None or code == OUTSIDE:
        return code
    if code not in matcher_for(guide).codes():
        raise TranscriptError(f"Spørgsmålet {code!r} findes ikke i spørgeguiden.")
    return code


def set_question(s: Session, segment_id: int, code: Optional[str], guide: Guide, who: str) -> None:
    """The researcher confirms or corrects an interviewer turn's question: a guide code, None
    (a follow-up) or '' («uden for guiden»). Audited on the interview."""
    g = s.get(Segment, int(segment_id))
    if g is None:
        raise TranscriptError(f"Segment {segment_id!r} findes ikke (er transskriptionen slettet?).")
    code = _check_question(guide, code)
    t = s.get(Transcript, g.transcript_id)
    if g not in _interviewer_turns(_segments(s, g.transcript_id, write=True)):
        raise TranscriptError(f"Segment {g.id} er ikke interviewerens tur: kun interviewerens spørgsmål kobles til "
                              "guiden.")
    old = g.question
    g.question, g.question_by = code, who
    s.add(g)
    if old != code:
        s.add(AuditEntry(interview_id=t.interview_id, entity="segment_question", code=str(g.id), old_value=old,
                         new_value=code, who=who, at=utcnow(), note="spørgsmål i transskription rettet"))
    s.flush()


def confirm_suggestions(s: Session, transcript_id: int, who: str) -> int:
    """Confirm every suggestion of a transcript nobody has confirmed yet; returns how many."""
    n = 0
    for g in _interviewer_turns(_segments(s, transcript_id, write=True)):
        if g.question_by is None:
            g.question_by = who
            s.add(g)
            n += 1
    if n:  # audited on the interview: who took the suggestions as they stood
        t = s.get(Transcript, int(transcript_id))
        s.add(AuditEntry(interview_id=t.interview_id, entity="segment_question", code=f"transskription {t.id}",
                         old_value=None, new_value=f"{n} forslag", who=who, at=utcnow(),
                         note="forslag til spørgsmål bekræftet"))
    s.flush()
    return n


def segment_questions(segs: Sequence[Segment]) -> dict[int, Optional[str]]:
    """segment id → its question (module doc); segments of one transcript, in order."""
    turns = {g.id for g in _interviewer_turns(segs)}
    out: dict[int, Optional[str]] = {}
    current: Optional[str] = None
    for g in segs:
        if g.id in turns and g.question is not None:
            current = g.question or None
        out[g.id] = current
    return out


def transcript_questions(s: Session, transcript_id: int) -> dict[int, Optional[str]]:
    """segment id → its question, for one transcript (`segment_questions`)."""
    return segment_questions(_segments(s, transcript_id))


def question_turns(s: Session, transcript_id: int) -> list[TurnLink]:
    """The interviewer's turns of a transcript with their question, for the page."""
    segs = _segments(s, transcript_id)
    turns = _interviewer_turns(segs)
    views = {v.id: v for v in segment_views(s, turns)}
    return [TurnLink(views[g.id], g.question, g.question_by) for g in turns]


#: what finding the questions needs of a segment (`segment_questions`, `interviewer_label`)
_QUESTION_COLUMNS = (Segment.id, Segment.transcript_id, Segment.idx, Segment.speaker, Segment.label, Segment.text,
                     Segment.question)


def _linked_segments(s: Session, *, rows_only: bool = False) -> dict[int, list[Segment]]:
    """Every transcript of a respondent who may be used (consent), its segments in order. With
    `rows_only` plain rows of `_QUESTION_COLUMNS` instead of `Segment` objects: for counting, ~4×
    faster (the Transskriptioner page counts on every rerun)."""
    rows = s.execute((select(*_QUESTION_COLUMNS) if rows_only else select(Segment))
                     .join(Transcript, Transcript.id == Segment.transcript_id)
                     .join(Interview, Interview.id == Transcript.interview_id)
                     .where(exportable(Interview)).order_by(Segment.transcript_id, Segment.idx))
    if not rows_only:
        rows = rows.scalars()
    by_t: dict[int, list[Segment]] = defaultdict(list)
    for g in rows:
        by_t[g.transcript_id].append(g)
    return by_t


def _carrying(s: Session, code: str, interviewer: bool) -> list[Segment]:
    out = []
    for segs in _linked_segments(s).values():
        turns = {g.id for g in _interviewer_turns(segs)}
        q = segment_questions(segs)
        out.extend(g for g in segs if q[g.id] == code and (interviewer or g.id not in turns))
    return out


def segments_by_question(s: Session, code: str, *, interviewer: bool = False) -> list[SegmentView]:
    """What was said under a question, in every usable transcript: the respondent's segments
    (with ``interviewer=True`` the interviewer's too), by transcript and order."""
    return segment_views(s, _carrying(s, code, interviewer))


def code_by_question(s: Session, question: str, code, who: str, *, interviewer: bool = False) -> tuple[int, int]:
    """Structural autocoding (module doc): the code on every segment under `question`. Returns
    (segments newly coded, segments under the question)."""
    c = resolve_codes(s, code)[0]
    segs = _carrying(s, question, interviewer)
    have = set(s.execute(select(SegmentCode.segment_id).where(SegmentCode.code_id == c.id)).scalars())
    new = [g for g in segs if g.id not in have]
    per_interview: dict[int, int] = defaultdict(int)
    interview_of = dict(s.execute(select(Transcript.id, Transcript.interview_id)
                                  .where(Transcript.id.in_({g.transcript_id for g in new}))).all()) if new else {}
    for g in new:
        code_segment(s, g, [c], None, who)
        per_interview[interview_of[g.transcript_id]] += 1
    for iv, k in per_interview.items():  # audited on each interview: structural coding is one decision
        s.add(AuditEntry(interview_id=iv, entity="coding", code=c.key, old_value=None, new_value=f"{k} afsnit",
                         who=who, at=utcnow(), note=f"kodet efter spørgsmålet {question}"))
    s.flush()
    return len(new), len(segs)


def question_counts(s: Session) -> dict[str, tuple[int, int]]:
    """question code → (respondent segments under it, transcripts it was asked in)."""
    segs_n: dict[str, int] = defaultdict(int)
    trans: dict[str, set[int]] = defaultdict(set)
    for t_id, segs in _linked_segments(s, rows_only=True).items():
        turns = {g.id for g in _interviewer_turns(segs)}
        q = segment_questions(segs)
        for g in segs:
            if q[g.id] and g.id not in turns:
                segs_n[q[g.id]] += 1
                trans[q[g.id]].add(t_id)
    return {k: (segs_n[k], len(trans[k])) for k in segs_n}
