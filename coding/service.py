"""The coding workbench's units of work, each in its own transaction (issue 13).

The app's pages (Kodebog, Transskriptioner, Citatbank, Enighed, Anonymisering and the shared
suggestion rows) call these with the engine; each function opens one transaction
(`survey.db.session_scope`: commit on success, roll back on any error, so a refused part leaves
nothing half-done) and returns plain values or rows detached from it. The rules stay where they
were — `coding.codebook`, `coding.transcripts`, `coding.quotebank`, `coding.agreement`,
`coding.anonymise` — whose session-level functions the CLI, the importers and the tests use to
compose larger units of work. No Streamlit here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import pandas as pd
from sqlalchemy.engine import Engine

from coding import agreement as ag
from coding import anonymise as an
from coding import codebook as cb
from coding import guide_links as gl
from coding import quotebank as qb
from coding import transcripts as tr
from survey.db import session_scope
from survey.guide import Guide

# ---------------------------------------------------------------- codebook


@dataclass(frozen=True)
class CodeSaved:
    """A code after `save_code`: its key, name and cleaned cue list."""
    key: str
    name: str
    cues: list[str]


def codebook_entries(engine: Engine) -> list[cb.CodeEntry]:
    """The codebook as plain entries, in codebook order."""
    with session_scope(engine) as s:
        return cb.entries(s)


def codebook_tree(engine: Engine) -> tuple[list, list[cb.CodeEntry]]:
    """(the codes with their depth, in tree order; the entries), read at one moment."""
    with session_scope(engine) as s:
        return cb.tree(s), cb.entries(s)


def seed_codebook(engine: Engine, who: Optional[str] = None) -> int:
    """The report's themes in an empty codebook (the button on the Kodebog page); the number created."""
    with session_scope(engine) as s:
        return cb.ensure_seeded(s, who=who)


def create_code(engine: Engine, name: str, *, key: Optional[str] = None, parent: Optional[str] = None,
                description: str = "", cues: str = "") -> tuple[str, str]:
    """A new code; (its key, its name)."""
    with session_scope(engine) as s:
        c = cb.create_code(s, name, key=key, parent=parent, description=description, cues=cues)
        return c.key, c.name


def save_code(engine: Engine, code_id: int, *, name: str, key: str, parent: Optional[str], description: str,
              cues: str) -> CodeSaved:
    """Rename (and re-key), move, describe and set the cue words of one code in one transaction: a
    refused part leaves the code as it was. A blank `key` keeps the key."""
    with session_scope(engine) as s:
        c = cb.get_code(s, code_id)
        if name != c.name or (key and key != c.key):
            cb.rename_code(s, c, name, key=key if key and key != c.key else None)
        old_parent = cb.get_code(s, c.parent_id).key if c.parent_id else None
        if parent != old_parent:
            cb.move_code(s, c, parent)
        cb.set_description(s, c, description)
        cb.set_cues(s, c, cues)
        return CodeSaved(c.key, c.name, c.cue_list())


def delete_code(engine: Engine, code_id: int) -> str:
    """Delete a code (refused while in use); its name."""
    with session_scope(engine) as s:
        c = cb.get_code(s, code_id)
        name = c.name
        cb.delete_code(s, c)
        return name


def import_codebook(engine: Engine, filename: str, data: bytes, *, replace: bool = False) -> cb.ImportResult:
    """A codebook file (CSV by its name, else JSON) imported in one transaction."""
    with session_scope(engine) as s:
        if filename.lower().endswith(".csv"):
            return cb.import_csv(s, data, replace=replace)
        return cb.import_json(s, data, replace=replace)


def export_codebook(engine: Engine) -> tuple[str, bytes, str]:
    """The codebook as (JSON text, XLSX bytes, CSV text), from one moment."""
    with session_scope(engine) as s:
        return cb.export_json(s), cb.export_xlsx(s), cb.export_csv(s)


def training_data(engine: Engine) -> tuple[list[tuple[str, dict[str, int]]], dict[str, str]]:
    """(the texts with accepted/rejected codes to train on; code key → name)."""
    with session_scope(engine) as s:
        return cb.labelled_texts(s), {e.key: e.name for e in cb.entries(s)}


# ---------------------------------------------------------------- suggestions: accept, reject, undo

def decisions_for(engine: Engine, target_kind: str, target_ids: Iterable) -> dict:
    """{target id: {code key: decision}} for the segments or quotes shown."""
    with session_scope(engine) as s:
        return {t: cb.decisions_for(s, target_kind, t) for t in target_ids}


def accept_suggestion(engine: Engine, kind: str, target_id, code: str, who: str, *, source: str) -> None:
    """Put a suggested code on a segment (`kind` "segment") or a quote."""
    with session_scope(engine) as s:
        if kind == "segment":
            tr.code_segment(s, target_id, [code], None, who, source=source)
        else:
            qb.code_quote(s, target_id, [code], who, source=source)


def reject_suggestion(engine: Engine, kind: str, target_id, code: str, who: str, *, source: str,
                      text: Optional[str] = None) -> None:
    with session_scope(engine) as s:
        cb.record_decision(s, kind, target_id, code, "rejected", source=source, who=who, text=text)


def undo_decision(engine: Engine, kind: str, target_id, code: str) -> bool:
    with session_scope(engine) as s:
        return cb.remove_decision(s, kind, target_id, code)


# ---------------------------------------------------------------- transcripts

def list_transcripts(engine: Engine, respondent: str) -> list[tr.TranscriptInfo]:
    """The transcripts of one respondent (id or interview uuid)."""
    with session_scope(engine) as s:
        return tr.list_transcripts(s, respondent)


def matrix_units(engine: Engine, code: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str, int, str]]]:
    """Matrix coding's input (issue 15, `report.matrix`): (the code's name, its rows as (key,
    name), every coded unit under them) — `coding.transcripts.coded_units`."""
    with session_scope(engine) as s:
        c = tr.resolve_codes(s, code)[0]
        rows, units = tr.coded_units(s, c)
        return c.name, [(r.key, r.name) for r in rows], units


def unit_texts(engine: Engine, units: Iterable[tuple[str, int]]) -> list[tuple[str, int, str, str]]:
    """The texts of coded units (a matrix cell opened): `coding.transcripts.unit_texts`."""
    with session_scope(engine) as s:
        return tr.unit_texts(s, list(units))


def matrix_all(engine: Engine) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str, int, str]]]]:
    """`matrix_units` of every top-level code that has codings (the workbook's «Matrixkodning»)."""
    out = []
    with session_scope(engine) as s:
        for c, depth in cb.tree(s):
            if depth == 0:
                rows, units = tr.coded_units(s, c)
                if units:
                    out.append((c.name, [(r.key, r.name) for r in rows], units))
    return out


def all_codings(engine: Engine) -> tuple[list[tuple[str, str]], list[tuple[str, str, int, str]]]:
    """Saturation's and co-occurrence's input (issue 15, `report.saturation`,
    `report.cooccurrence`): (every code as (key, name) in the codebook's order, every coding as
    `coding.transcripts.all_codings` gives it)."""
    with session_scope(engine) as s:
        return [(c.key, c.name) for c, _ in cb.tree(s)], tr.all_codings(s)


def code_name(engine: Engine, code: str) -> str:
    """The name of a code given by key or name (`coding.transcripts.resolve_codes`; CodebookError)."""
    with session_scope(engine) as s:
        return tr.resolve_codes(s, code)[0].name


def respondent_texts(engine: Engine, code: Optional[str] = None, guide=None) -> list[tuple[str, str]]:
    """Word frequency's input (issue 15, `report.wordfreq`): (respondent id, text) of what the
    respondents said (`coding.transcripts.respondent_texts`; `code`: only what is coded with it),
    with every span the study's anonymiser would mask cut out, so no name, CPR number, phone
    number, address or place is ever counted or shown as a word."""
    from coding.deidentify import study_anonymiser  # only word frequency needs the anonymiser here

    with session_scope(engine) as s:
        c = tr.resolve_codes(s, code)[0] if code else None
        found = tr.respondent_texts(s, c)
        anon = study_anonymiser(s, guide)
    out = []
    for rid, text in found:
        parts, at = [], 0
        for sp in anon.spans(text):
            parts.append(text[at:sp.start])
            at = sp.end
        parts.append(text[at:])
        out.append((rid, " ".join(parts)))
    return out


def segments_for(engine: Engine, transcript_id: int) -> list[tr.SegmentView]:
    with session_scope(engine) as s:
        return tr.segments_for(s, transcript_id)


def import_transcript(engine: Engine, interview_id: str, data: bytes, filename: str, who: str, *,
                      replace: bool = False, guide: Optional[Guide] = None) -> tr.TranscriptInfo:
    """Import a transcript; with `guide`, its interviewer turns get their suggested questions in
    the same transaction (`coding.guide_links`)."""
    matcher = gl.matcher_for(guide) if guide is not None else None  # spaCy's tables load outside the write
    with session_scope(engine) as s:
        info = tr.import_transcript(s, interview_id, data, filename, who, replace=replace)
        if matcher is not None:
            gl.link_transcript(s, info.id, matcher)
        return info


# ---------------------------------------------------------------- transcripts linked to the guide (issue 15)

def link_transcript(engine: Engine, transcript_id: int, guide: Guide) -> tuple[int, int]:
    """(Re)suggest the questions of a transcript's unconfirmed interviewer turns."""
    matcher = gl.matcher_for(guide)
    with session_scope(engine) as s:
        return gl.link_transcript(s, transcript_id, matcher)


def question_turns(engine: Engine, transcript_id: int) -> list[gl.TurnLink]:
    with session_scope(engine) as s:
        return gl.question_turns(s, transcript_id)


def segment_questions(engine: Engine, transcript_id: int) -> dict[int, Optional[str]]:
    """segment id → the question it carries, for one transcript."""
    with session_scope(engine) as s:
        return gl.transcript_questions(s, transcript_id)


def set_question(engine: Engine, segment_id: int, code: Optional[str], guide: Guide, who: str) -> None:
    with session_scope(engine) as s:
        gl.set_question(s, segment_id, code, guide, who)


def confirm_suggestions(engine: Engine, transcript_id: int, who: str) -> int:
    with session_scope(engine) as s:
        return gl.confirm_suggestions(s, transcript_id, who)


def question_counts(engine: Engine) -> dict[str, tuple[int, int]]:
    with session_scope(engine) as s:
        return gl.question_counts(s)


def segments_by_question(engine: Engine, question: str, *, interviewer: bool = False) -> list[tr.SegmentView]:
    with session_scope(engine) as s:
        return gl.segments_by_question(s, question, interviewer=interviewer)


def code_by_question(engine: Engine, question: str, code: str, who: str, *, interviewer: bool = False
                     ) -> tuple[int, int]:
    """Structural autocoding in one transaction: all of it or nothing."""
    with session_scope(engine) as s:
        return gl.code_by_question(s, question, code, who, interviewer=interviewer)


def delete_transcript(engine: Engine, transcript_id: int, who: str) -> None:
    with session_scope(engine) as s:
        tr.delete_transcript(s, transcript_id, who=who)


def code_segment(engine: Engine, segment_id: int, codes: Iterable[str], memo: Optional[str], who: str, *,
                 source: Optional[str] = None) -> tr.SegmentView:
    with session_scope(engine) as s:
        return tr.code_segment(s, segment_id, codes, memo, who, source=source)


def uncode_segment(engine: Engine, segment_id: int, codes: Iterable[str], who: str) -> tr.SegmentView:
    with session_scope(engine) as s:
        return tr.uncode_segment(s, segment_id, codes, who)


def set_memo(engine: Engine, segment_id: int, code: str, memo: str, who: str) -> tr.SegmentView:
    with session_scope(engine) as s:
        return tr.set_memo(s, segment_id, code, memo, who)


def quote_from_segment(engine: Engine, segment_id: int, who: str) -> int:
    """The segment put in the quote bank; the new quote's id."""
    with session_scope(engine) as s:
        return tr.quote_from_segment(s, segment_id, who).id


def quote_from_segment_once(engine: Engine, segment_id: int, who: str) -> tuple[int, bool]:
    """The whole segment put in the quote bank unless it is there already — (quote id, True if new).

    The page's «Til citatbanken»: a double click (or a second click on a slow page) made two identical
    quotes of the segment (found by a usability tester); `coding.transcripts.segment_quote` finds the one
    already made, and nothing is stored."""
    with session_scope(engine) as s:
        same = tr.segment_quote(s, segment_id)
        if same is not None:
            return same, False
        return tr.quote_from_segment(s, segment_id, who).id, True


# ---------------------------------------------------------------- quote bank

def quote_bank(engine: Engine, guide: Guide, **filters) -> list[qb.QuoteRow]:
    """The quotes matching `filters` (`coding.quotebank.quote_bank`'s keywords)."""
    with session_scope(engine) as s:
        return qb.quote_bank(s, guide, **filters)


def quote_bank_page(engine: Engine, guide: Guide, **filters) -> tuple[int, list[qb.QuoteRow], Optional[str]]:
    """(how many quotes there are; those matching `filters`; the bank's Danish refusal of a filter
    value — e.g. a code deleted meanwhile — with no rows, else None), from one moment."""
    with session_scope(engine) as s:
        total = len(qb.quote_bank(s, guide))
        try:
            return total, qb.quote_bank(s, guide, **filters), None
        except qb.StoreError as e:
            return total, [], str(e)


def export_quotes(engine: Engine, guide: Guide, *, drafts: bool = False, **filters) -> pd.DataFrame:
    """The quotes matching `filters`, anonymised (always), as the export frame; like every export,
    of completed interviews only unless `drafts` (issue 14; the workbench lists drafts' quotes too)."""
    with session_scope(engine) as s:
        return qb.export_quotes(s, guide, anonymised=True, drafts=drafts, **filters)


def mark_for_report(engine: Engine, quote_id: int, flag: bool, who: str) -> bool:
    with session_scope(engine) as s:
        return qb.mark_for_report(s, quote_id, flag, who)


def code_quote(engine: Engine, quote_id: int, codes: Iterable[str], who: str, *, source: Optional[str] = None):
    with session_scope(engine) as s:
        return qb.code_quote(s, quote_id, codes, who, source=source)


def uncode_quote(engine: Engine, quote_id: int, codes: Iterable[str], who: str):
    with session_scope(engine) as s:
        return qb.uncode_quote(s, quote_id, codes, who)


# ---------------------------------------------------------------- blind double coding (agreement)

def record_blind_coding(engine: Engine, guide: Guide, coder: str, respondent_id: str,
                        values: dict[str, Optional[str]], themes: Optional[Iterable[str]] = None,
                        theme_codes: Iterable[str] = ()) -> None:
    """One coder's values for one respondent (`values`: variable → value, blank removes it) and,
    with `themes`, the themes present (the rest of `theme_codes` absent) — all or nothing."""
    unit = ("respondent", respondent_id)
    with session_scope(engine) as s:
        for variable, value in values.items():
            ag.record(s, coder, unit, variable, value, guide=guide)
        if themes is not None:
            ag.record_themes(s, coder, unit, themes, theme_codes)


def own_coding(engine: Engine, coder: str, respondent_id: str) -> tuple[dict[str, str], dict[str, int]]:
    """(this coder's own values for the respondent — never another coder's —; the units coded per
    coder, counts only)."""
    with session_scope(engine) as s:
        mine = {var: v for (_kind, uid, var), v in ag.values_for(s, coder, unit_kind="respondent").items()
                if uid == respondent_id}
        return mine, ag.progress(s)


def coders(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return ag.coders(s)


def agreement_coefficients(engine: Engine, coders: Optional[Iterable[str]] = None) -> list[ag.MultiAgreement]:
    """Gwet's AC1, kappa and alpha with intervals among every coder, per variable (issue 15)."""
    with session_scope(engine) as s:
        return ag.coefficients_summary(s, coders)


def agreement_summary(engine: Engine, coder_a: str, coder_b: str) -> list[ag.Agreement]:
    with session_scope(engine) as s:
        return ag.agreement_summary(s, coder_a, coder_b)


def settle(engine: Engine, guide: Guide, unit: tuple[str, str], variable: str, value: object, who: str,
           note: Optional[str] = None) -> None:
    with session_scope(engine) as s:
        ag.settle(s, unit, variable, value, who, note, guide=guide)


def settle_agreed(engine: Engine, guide: Guide, variable: str, coder_a: str, coder_b: str, who: str) -> int:
    with session_scope(engine) as s:
        return ag.settle_agreed(s, variable, coder_a, coder_b, who, guide=guide)


# ---------------------------------------------------------------- anonymisation: the study's lists

def anonymiser(engine: Engine) -> an.Anonymiser:
    """The built-in lists plus the study's own names and the always- and never-mask lists, as stored now."""
    return an.Anonymiser.from_store(engine)


def add_mask_term(engine: Engine, term: str, kind: str, who: str) -> str:
    """A name or place on the always-mask list; the term as stored."""
    with session_scope(engine) as s:
        return an.add_mask_term(s, term, kind, who=who).term


def add_keep_term(engine: Engine, word: str, who: str) -> str:
    """A word on the never-mask list; the word as stored."""
    with session_scope(engine) as s:
        return an.add_keep_term(s, word, who=who).term


def remove_mask_term(engine: Engine, term_id: int) -> bool:
    """Off either list; False when it was gone already."""
    with session_scope(engine) as s:
        return an.remove_mask_term(s, term_id)


def mask_terms(engine: Engine) -> list:
    """The always-mask list (rows with term, kind, added_by, added_at, id)."""
    with session_scope(engine) as s:
        return an.list_mask_terms(s)


def keep_terms(engine: Engine) -> list:
    """The never-mask list."""
    with session_scope(engine) as s:
        return an.list_keep_terms(s)
