"""One interviewer, one pseudonym: the study's numbering of the direct identifiers.

A field the guide marks ``ja`` (`survey.guide.Item.identifier`: the interviewer, another study's
``navn``) leaves the team as «<label> N» («Interviewer 2»). N is the study's, not an output's: the
same person is «Interviewer 2» in every table, figure, workbook sheet, population line and export
(raw CSV/XLSX, SPSS, Stata, REFI-QDA), whatever the population, the cuts, the drafts option or the
file. **And N, once given, stays** (docs/method.md, «Interviewere som pseudonymer»):

* the numbers given are kept in the store (`survey.models.IdentifierNumber`): a value the store
  has numbered keeps its number whatever happens to its interviews after — its first interview
  deleted (`survey.privacy.delete_respondent`), re-imported (``import --replace``), or a field
  package bringing an interview that started before it (`survey.sync`);
* a value not numbered yet is numbered on first use (the first output that shows it): after the
  largest number ever given for that field, in the order of the **first interview** — the earliest
  start in the store (``created_at``), then the smaller respondent id (a pseudonym: «AMA-01» before
  «AMA-02», so one imported file is numbered as its rows are sorted), then the interview's id. Every
  interview counts — the users' and the other sources', drafts and completed, and those of a
  respondent who withdrew consent. An old store (before the table) is numbered by this rule on
  first use: the numbers it printed before. Never by name — an order a reader who knows the team
  could decode;
* a number whose value no interview holds any more is retired (its hash cleared: nothing of the
  name is kept) and never given again; the same name seen again later is a new number.

The store keeps no name for this: a keyed hash of field and value (`value_digest`; HMAC-SHA256 with
the study's random key, `StudySetting` ``pseudonym_noegle``), so the table adds no name to the
store, its backups or anything that copies it. Field packages carry neither table nor key: a
laptop's numbers are its own preview, the central store's are the study's.

This module holds the rule on rows the store gives (`study_order`, `assign`); the reads are
`survey.store.identifier_numbers` (which also writes the numbers it gives) and, without SQLAlchemy,
`survey.plainread.ReportStore.identifier_numbers` (which only reads: a value not numbered yet sends
the CLI to the full path). It loads no SQLAlchemy (the CLI's plain read, issue 13).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence, Union

if TYPE_CHECKING:  # pandas and the guide only for the types
    import pandas as pd

    from survey.guide import Guide

__all__ = ["INTERVIEWER", "KEY_SETTING", "StudyOrder", "blank", "study_order", "new_key", "value_digest", "Assignment",
           "assign", "numbers_of", "numbered"]

#: the direct identifier that is a column of the interview, not an answer (`survey.store.META_CODES`)
INTERVIEWER = "interviewer"

#: `StudySetting` key of the study's secret for `value_digest` (hex; made on first use)
KEY_SETTING = "pseudonym_noegle"

#: code -> its values with their numbers (value -> N), or in the study's order (N = place)
StudyOrder = Mapping[str, Union[Mapping[str, int], Sequence[str]]]


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


def new_key() -> str:
    """A new study key for `value_digest` (256 random bits, hex)."""
    return secrets.token_hex(32)


def value_digest(key: str, code: str, value: str) -> str:
    """The keyed hash the store keeps instead of a value (HMAC-SHA256 of field and value, hex)."""
    return hmac.new(bytes.fromhex(key), f"{code}\x00{value}".encode("utf-8"), hashlib.sha256).hexdigest()


class Assignment:
    """`assign`'s result: `numbers` (code -> value -> N), the rows to add (`new`: code, digest, N)
    and the numbers to retire (`gone`: code, N — no interview holds their value any more)."""

    __slots__ = ("numbers", "new", "gone")

    def __init__(self, numbers: dict[str, dict[str, int]], new: list[tuple[str, str, int]],
                 gone: list[tuple[str, int]]) -> None:
        self.numbers, self.new, self.gone = numbers, new, gone


def assign(codes: Iterable[str], order: Mapping[str, Sequence[str]], stored: Iterable[Sequence[object]],
           key: str) -> Assignment:
    """The study's numbers of `codes`' values: `order` (`study_order`: every value the store holds,
    first interview first) against the numbers given already, `stored` rows ``(code, digest or None,
    N)``. A value with a stored number keeps it; the others get the next numbers after the largest
    ever given for the field (retired ones too), in `order`; a stored number whose value is no longer
    in `order` is retired (`Assignment.gone`). Only `codes` are touched."""
    codes = set(codes)
    given: dict[str, dict[str, int]] = {}
    top: dict[str, int] = {}
    for code, digest, n in stored:
        code, n = str(code), int(n)  # type: ignore[call-overload]
        if code not in codes:
            continue
        top[code] = max(top.get(code, 0), n)
        if digest is not None:
            given.setdefault(code, {})[str(digest)] = n
    numbers: dict[str, dict[str, int]] = {}
    new: list[tuple[str, str, int]] = []
    gone: list[tuple[str, int]] = []
    for code in sorted(codes):
        mine, held = given.get(code, {}), set()
        out = numbers.setdefault(code, {})
        for v in order.get(code, ()):
            d = value_digest(key, code, v)
            held.add(d)
            if d in mine:
                out[v] = mine[d]
            else:
                top[code] = out[v] = top.get(code, 0) + 1
                new.append((code, d, out[v]))
        gone += [(code, n) for d, n in mine.items() if d not in held]
    return Assignment({c: v for c, v in numbers.items() if v}, new, gone)


def numbers_of(names: Mapping[str, Mapping[object, str]]) -> dict[str, dict[object, int]]:
    """code -> value -> N from code -> value -> «<label> N» (`numbered`'s result): to number on after it."""
    return {code: {v: int(p.rsplit(" ", 1)[1]) for v, p in known.items()} for code, known in names.items()}


def numbered(guide: "Guide", order: StudyOrder | None, *frames: "pd.DataFrame") -> dict[str, dict[object, str]]:
    """For each direct identifier of `guide` (marked ``ja``), value -> «<label> N»: numbered by the
    study's `order` — value -> N (`survey.store.identifier_numbers`, the numbers the store keeps), or
    values in order (N = place). A value the order does not know — a frame with no store behind it,
    e.g. a file being checked — is numbered on after the largest N, in the row order of `frames`;
    without an order the frames' row order is the whole numbering."""
    out: dict[str, dict[object, str]] = {}
    for code in guide.identifier_codes(pseudonyms=False):
        prefix = guide.item(code).pseudonym_prefix
        given = (order or {}).get(code, ())
        nums = dict(given) if isinstance(given, Mapping) else {v: i + 1 for i, v in enumerate(given)}
        known: dict[object, str] = {v: f"{prefix} {n}" for v, n in nums.items()}
        top = max(nums.values(), default=0)
        for df in frames:
            if code in df.columns:
                for v in df[code]:
                    if not blank(v) and v not in known:
                        top += 1
                        known[v] = f"{prefix} {top}"
        out[code] = known
    return out
