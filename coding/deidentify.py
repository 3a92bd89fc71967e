"""De-identified exports, as the guide marks them (issue 12; REDCap's "Identifier?" flag).

Which fields identify a person is data, not code: the survey sheet's column
``brugerblik_identifikator`` (`survey.guide.Item.identifier`, docs/guide.md). Every export that
leaves the research team — the wide CSV/XLSX (`exports.raw.export_file`), SPSS
(`exports.spss`), REFI-QDA (`exports.qdpx`), the report workbook's Data and Citater sheets
(`exports.workbook`) and the source exports (`exports.raw.export_sources`) — treats a
field by its mark:

==============  ===============================================================================
mark            in a de-identified export
==============  ===============================================================================
``pseudonym``   kept as it is: the study's own code for a person (``respondent_id``,
                ``informant_id``); the guide checks it as a pseudonym (never a name or a CPR
                number), so it can be kept.
``ja``          *pseudonymised*: each distinct value becomes "<label> N", numbered by the study
                (`survey.pseudonyms`: by each person's first interview in the store, all
                interviews counted), so "Interviewer 2" is the same person in this file, in
                every other export and in every table of the report, and says nothing about who.
                The column stays (the layout matches the unmasked export), the names never do.
                Its text values are also taught to the anonymiser, so the same names are masked
                wherever free text mentions them (`identifier_names`).
``fritekst``    masked by the anonymiser (`coding.anonymise`: names, CPR, phone, e-mail,
                addresses, places → ``[navn]``, ``[cpr]`` …; the study's own names included).
(neither)       kept: codes, numbers, dates, and text the guide marks ``nej`` (the site).
==============  ===============================================================================

A blank mark is ``fritekst`` for a text question, so a guide written without the column masks
all its free text (and ``respondent_id`` is always the pseudonym). Another study's guide needs no
code change: mark its fields and every export follows.

Text masked without a frame at hand — the quote bank's own export (`coding.quotebank`) and
``brugerblik anonymise`` — uses `study_anonymiser`: the names in every stored value of a field
the guides mark ``ja`` (the users' guide and the other sources' guides), by the same rule
(`identifier_names`, via `stored_identifier_names`).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from coding.anonymise import Anonymiser, default_anonymiser
from survey.guide import PSEUDONYM_PREFIX_MAX, Guide, Item
from survey.db import engine_of
from survey.models import Answer, Interview
from survey.pseudonyms import numbered, numbers_of
from survey.source_store import check_guides
from survey.sources import INFORMANTS, guide_for
from survey.store import identifier_numbers

__all__ = ["pseudonym_prefix", "identifier_names", "stored_identifier_names", "anonymiser", "study_anonymiser",
           "masker", "study_pseudonyms", "pseudonym_number", "pseudonymise", "mask_columns", "deidentify", "PREFIX_MAX"]

PREFIX_MAX = PSEUDONYM_PREFIX_MAX  # characters of a label used as the prefix of "<label> N"
_NAME_PART = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:[-'’][^\W\d_]+)*")


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def pseudonym_prefix(item: Item) -> str:
    """What a ``ja`` field's values are called in a de-identified export (`survey.guide.Item.pseudonym_prefix`:
    the item's label, «Interviewer», without a closing ? or :, if it is short; else its code)."""
    return item.pseudonym_prefix


def identifier_names(frames: Iterable[tuple[pd.DataFrame, Guide]]) -> list[str]:
    """The names in the text fields the guides mark ``ja`` (the interviewer, another study's
    ``navn``…): each value and, for a value of several capitalised words, each word — what the
    anonymiser should mask wherever free text mentions it. Sorted, no duplicates."""
    out: set[str] = set()
    for df, guide in frames:
        for code in guide.identifier_codes(pseudonyms=False):
            if code not in df.columns or guide.item(code).type != "text":
                continue
            for v in df[code]:
                if _blank(v):
                    continue
                value = " ".join(str(v).split())
                if len(value) >= 2:
                    out.add(value)
                parts = value.split()
                if len(parts) > 1 and all(_NAME_PART.fullmatch(p) and p[0].isupper() for p in parts):
                    out.update(p for p in parts if len(p) >= 2)
    return sorted(out)


def _ja_text_codes(guide: Guide) -> list[str]:
    return [c for c in guide.identifier_codes(pseudonyms=False) if guide.item(c).type == "text"]


def stored_identifier_names(engine_or_session: Any, guide: Optional[Guide] = None) -> list[str]:
    """`identifier_names` of every value stored in a text field marked ``ja``: the users' interviews
    by `guide` (default: the loaded user guide), every other source by its informant type's guide
    (`survey.source_store.check_guides`: refused, `GuideFitError`, when one no longer reads the stored interviews
    of its type — a ``ja`` text field turned into a choice list would leave its stored names unmasked). Withdrawn
    respondents' values count too (they are only masked, never shown). Reads the ``ja`` fields only, not the
    wide frame."""
    own = not isinstance(engine_or_session, Session)
    # checked before the session is opened (a fit found is recorded once); a caller's session: its engine, and
    # checked without recording — the caller's transaction may hold the write lock the record would wait for
    checked = check_guides(engine_of(engine_or_session), record=own)
    guides = {INFORMANTS[0]: guide if guide is not None else guide_for(INFORMANTS[0]), **checked}
    wanted = {inf: _ja_text_codes(g) for inf, g in guides.items()}
    codes = sorted({c for cs in wanted.values() for c in cs})
    if not codes:
        return []
    values: dict[str, dict[str, list[object]]] = {inf: {c: [] for c in cs} for inf, cs in wanted.items()}
    s = Session(engine_or_session) if own else engine_or_session
    try:
        conn = s.connection()
        # the interviewer is a column of the interview, not an answer (survey.store.META_CODES)
        for inf, who in conn.execute(select(Interview.informant, Interview.interviewer).distinct()):
            if "interviewer" in values.get(inf, {}):
                values[inf]["interviewer"].append(who)
        for inf, code, value in conn.execute(select(Interview.informant, Answer.code, Answer.value).distinct()
                                             .join(Interview, Interview.id == Answer.interview_id)
                                             .where(Answer.code.in_(codes))):
            if code in values.get(inf, {}):
                values[inf][code].append(value)
    finally:
        if own:
            s.close()
    frames = []
    for inf, cols in values.items():
        n = max((len(v) for v in cols.values()), default=0)
        if n:  # one column per field; a short column is padded with blanks
            frames.append((pd.DataFrame({c: v + [None] * (n - len(v)) for c, v in cols.items()}), guides[inf]))
    return identifier_names(frames)


def study_anonymiser(engine_or_session: Any = None, guide: Optional[Guide] = None) -> Any:
    """The anonymiser for text that leaves the team without a frame at hand (the quote bank's export,
    ``brugerblik anonymise``): the built-in lists, and with a store the study's names and the names
    in every field the guides mark ``ja`` (`stored_identifier_names`)."""
    if engine_or_session is None:
        return anonymiser()
    return anonymiser(engine_or_session, stored_identifier_names(engine_or_session, guide))


def anonymiser(engine_or_session: Any = None, names: Iterable[str] = ()) -> Any:
    """A `coding.anonymise.Anonymiser` that also masks `names` (`identifier_names`), and with a
    store the study's own names (sites, interviewers, the always-mask list)."""
    names = list(names)
    if engine_or_session is not None:
        return Anonymiser.from_store(engine_or_session, extra_names=names)
    return Anonymiser(extra_names=names) if names else default_anonymiser()


def masker(engine_or_session: Any = None, names: Iterable[str] = ()) -> Callable[[Optional[str]], Optional[str]]:
    """The function a de-identified export applies to each free-text cell (None and "" stay)."""
    anon = anonymiser(engine_or_session, names)
    return lambda t: t if t is None or t == "" else anon.mask(t)


def study_pseudonyms(engine_or_session: Any, guide: Guide, *frames: pd.DataFrame) -> dict[str, dict[object, str]]:
    """For each field `guide` marks ``ja``, value -> «<label> N» as the study numbers it
    (`survey.pseudonyms.numbered` on the numbers the store keeps, `survey.store.identifier_numbers`); without a
    store (None), the `frames`' row order. A value of `frames` the store does not hold is numbered on."""
    codes = guide.identifier_codes(pseudonyms=False)
    order = identifier_numbers(engine_or_session, codes) if engine_or_session is not None and codes else None
    return numbered(guide, order, *frames)


def pseudonym_number(value: object, prefix: str) -> Optional[int]:
    """N of a pseudonym «<prefix> N» (`pseudonymise`), else None."""
    if isinstance(value, str) and value.startswith(prefix + " ") and value[len(prefix) + 1:].isdigit():
        return int(value[len(prefix) + 1:])
    return None


def pseudonymise(df: pd.DataFrame, guide: Guide, names: Optional[dict[str, dict[object, str]]] = None) -> pd.DataFrame:
    """A copy with every ``ja`` field's values replaced by "<label> N": by `names` (the study's
    numbering, `study_pseudonyms`); a value it lacks — or every value, without `names` — numbered
    on in row order."""
    out = df.copy()
    names = numbered(guide, names and numbers_of(names), df)
    for code, known in names.items():
        if code not in out.columns:
            continue
        out[code] = pd.Series([None if _blank(v) else known[v] for v in out[code]], index=out.index, dtype=object)
    return out


def mask_columns(df: pd.DataFrame, guide: Guide, mask: Callable[[Optional[str]], Optional[str]]) -> pd.DataFrame:
    """A copy with every ``fritekst`` field masked by `mask`."""
    out = df.copy()
    for code in guide.free_text_codes():
        if code in out.columns:
            # object dtype: pandas would otherwise store the masked column as strings with NaN blanks
            out[code] = pd.Series([None if _blank(v) and not isinstance(v, str) else mask(v) for v in out[code]],
                                  index=out.index, dtype=object)
    return out


def deidentify(df: pd.DataFrame, guide: Guide, engine_or_session: Any = None, *,
               mask: Optional[Callable[[Optional[str]], Optional[str]]] = None,
               names: Optional[dict[str, dict[object, str]]] = None) -> pd.DataFrame:
    """The de-identified copy of a frame of `guide`'s codes (see the module doc): ``fritekst``
    masked (by `mask`, or an anonymiser that also knows the names in the frame's ``ja`` fields and
    with a store the study's names), ``ja`` pseudonymised as the study numbers them (`names`, else
    read from the store: `study_pseudonyms`), the rest kept. Columns that are not the guide's codes
    (``source_id``, ``informant`` …) are kept as they are."""
    if mask is None:
        mask = masker(engine_or_session, identifier_names([(df, guide)]))
    if names is None:
        names = study_pseudonyms(engine_or_session, guide, df)
    return pseudonymise(mask_columns(df, guide, mask), guide, names)
