"""One interviewer, one pseudonym: the study's numbering of the direct identifiers.

A field the guide marks ``ja`` (`survey.guide.Item.identifier`: the interviewer, another study's
``navn``) leaves the team as «<label> N» («Interviewer 2»). N is the study's, not an output's: the
same person is «Interviewer 2» in every table, figure, workbook sheet, population line and export
(raw CSV/XLSX, SPSS, Stata, REFI-QDA), whatever the population, the cuts, the drafts option or the
file. The rule (docs/method.md, «Interviewere som pseudonymer»):

* every interview in the store counts — the users' and the other sources', drafts and completed,
  and those of a respondent who withdrew consent (their row stays, so a withdrawal never renumbers);
* a value's place is its **first interview**: the earliest start in the store (``created_at``);
  when two start at the same instant (the rows of one import), the smaller respondent id (a
  pseudonym: «AMA-01» before «AMA-02», so one imported file is numbered as its rows are sorted),
  then the interview's id;
* values are numbered 1, 2, … in that order. A later interviewer starts later and is numbered after
  everyone before: no one is renumbered. Never by name — an order a reader who knows the team
  could decode.

A deleted interview (`survey.privacy.delete_respondent`) is gone with its interviewer; when it was
an interviewer's first, that interviewer's place is their next interview's. A field package merged
in keeps its interviews' start times (`survey.sync`), so an interviewer seen first in a package
started in the field before someone already numbered takes that earlier place.

This module holds the rule on rows the store gives; the reads are `survey.store.identifier_order`
and, without SQLAlchemy, `survey.plainread.ReportStore.identifier_order` (one rule, two reads, like
the wide frame's). It loads no SQLAlchemy (the CLI's plain read, issue 13).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

if TYPE_CHECKING:  # pandas and the guide only for the types
    import pandas as pd

    from survey.guide import Guide

__all__ = ["INTERVIEWER", "StudyOrder", "blank", "study_order", "numbered"]

#: the direct identifier that is a column of the interview, not an answer (`survey.store.META_CODES`)
INTERVIEWER = "interviewer"

#: code -> its values in the study's order (first interview first)
StudyOrder = Mapping[str, Sequence[str]]


def blank(v: object) -> bool:
    """No value: None, NaN or blank text."""
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def study_order(rows: Iterable[Sequence[object]]) -> dict[str, list[str]]:
    """The study's order of each identifier's values from the store's rows ``(code, value, started,
    respondent id, interview id)`` — one row per interview and identifier, every interview of the
    store: each value by its first interview (the earliest start, then the smallest respondent id,
    then interview id). Blank values are left out."""
    first: dict[str, dict[str, tuple]] = {}
    for code, value, started, rid, iid in rows:
        if blank(value):
            continue
        key = (started is None, started, str(rid), str(iid))  # a start the store lacks sorts last
        seen = first.setdefault(str(code), {})
        v = str(value)
        if v not in seen or key < seen[v]:
            seen[v] = key
    return {code: sorted(vals, key=vals.__getitem__) for code, vals in first.items()}  # never by the value


def numbered(guide: "Guide", order: StudyOrder | None, *frames: "pd.DataFrame") -> dict[str, dict[object, str]]:
    """For each direct identifier of `guide` (marked ``ja``), value -> «<label> N»: numbered by the
    study's `order` (`study_order`, read from the store). A value the order does not know — a frame
    with no store behind it, e.g. a file being checked — is numbered on after the study's, in the
    row order of `frames`; without an order the frames' row order is the whole numbering."""
    out: dict[str, dict[object, str]] = {}
    for code in guide.identifier_codes(pseudonyms=False):
        prefix = guide.item(code).pseudonym_prefix
        known: dict[object, str] = {}
        for v in (order or {}).get(code, ()):
            known[v] = f"{prefix} {len(known) + 1}"
        for df in frames:
            if code in df.columns:
                for v in df[code]:
                    if not blank(v) and v not in known:
                        known[v] = f"{prefix} {len(known) + 1}"
        out[code] = known
    return out
