"""De-identified exports, as the guide marks them (issue 12; REDCap's "Identifier?" flag).

Which fields identify a person is data, not code: the survey sheet's column
``brugerblik_identifikator`` (`survey.guide.Item.identifier`, docs/guide.md). Every export that
leaves the research team — the wide CSV/XLSX (`survey.wideio.export_file`), SPSS
(`exports.spss`), REFI-QDA (`exports.qdpx`), the report workbook's Data and Citater sheets
(`exports.workbook`) and the source exports (`survey.source_store.export_sources`) — treats a
field by its mark:

==============  ===============================================================================
mark            in a de-identified export
==============  ===============================================================================
``pseudonym``   kept as it is: the study's own code for a person (``respondent_id``,
                ``informant_id``); the guide checks it as a pseudonym (never a name or a CPR
                number), so it can be kept.
``ja``          *pseudonymised within the file*: each distinct value becomes "<label> N",
                numbered 1, 2, … in order of first appearance (rows sorted by respondent id), so
                "Interviewer 1" is the same person all through the file but says nothing about
                who. The column stays (the layout matches the unmasked export), the names never
                do. Its text values are also taught to the anonymiser, so the same names are
                masked wherever free text mentions them (`identifier_names`).
``fritekst``    masked by the anonymiser (`coding.anonymise`: names, CPR, phone, e-mail,
                addresses, places → ``[navn]``, ``[cpr]`` …; the study's own names included).
(neither)       kept: codes, numbers, dates, and text the guide marks ``nej`` (the site).
==============  ===============================================================================

A blank mark is ``fritekst`` for a text question, so a guide written without the column masks
all its free text (and ``respondent_id`` is always the pseudonym). Another study's guide needs no
code change: mark its fields and every export follows.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Optional

import pandas as pd

from survey.guide import Guide, Item

__all__ = ["pseudonym_prefix", "identifier_names", "anonymiser", "masker", "pseudonymise",
           "mask_columns", "deidentify", "PREFIX_MAX"]

PREFIX_MAX = 40  # characters of a label used as the prefix of "<label> N"
_NAME_PART = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:[-'’][^\W\d_]+)*")


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def pseudonym_prefix(item: Item) -> str:
    """What a ``ja`` field's values are called in a de-identified export: the item's label
    ("Interviewer"), without a closing ? or :, if it is short and starts with a letter; else its code."""
    label = " ".join((item.label or "").split()).rstrip(" ?:")
    return label if 0 < len(label) <= PREFIX_MAX and label[0].isalpha() else item.code


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


def anonymiser(engine_or_session: Any = None, names: Iterable[str] = ()) -> Any:
    """A `coding.anonymise.Anonymiser` that also masks `names` (`identifier_names`), and with a
    store the study's own names (sites, interviewers, the always-mask list)."""
    from coding.anonymise import Anonymiser, default_anonymiser

    names = list(names)
    if engine_or_session is not None:
        return Anonymiser.from_store(engine_or_session, extra_names=names)
    return Anonymiser(extra_names=names) if names else default_anonymiser()


def masker(engine_or_session: Any = None, names: Iterable[str] = ()) -> Callable[[Optional[str]], Optional[str]]:
    """The function a de-identified export applies to each free-text cell (None and "" stay)."""
    anon = anonymiser(engine_or_session, names)
    return lambda t: t if t is None or t == "" else anon.mask(t)


def pseudonymise(df: pd.DataFrame, guide: Guide) -> pd.DataFrame:
    """A copy with every ``ja`` field's values replaced by "<label> N" (numbered in row order)."""
    out = df.copy()
    for code in guide.identifier_codes(pseudonyms=False):
        if code not in out.columns:
            continue
        prefix = pseudonym_prefix(guide.item(code))
        numbers: dict[object, str] = {}
        new = []
        for v in out[code]:
            if _blank(v):
                new.append(None)
                continue
            if v not in numbers:
                numbers[v] = f"{prefix} {len(numbers) + 1}"
            new.append(numbers[v])
        out[code] = pd.Series(new, index=out.index, dtype=object)
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
               mask: Optional[Callable[[Optional[str]], Optional[str]]] = None) -> pd.DataFrame:
    """The de-identified copy of a frame of `guide`'s codes (see the module doc): ``fritekst``
    masked (by `mask`, or an anonymiser that also knows the names in the frame's ``ja`` fields and
    with a store the study's names), ``ja`` pseudonymised, the rest kept. Columns that are not
    the guide's codes (``source_id``, ``informant`` …) are kept as they are."""
    if mask is None:
        mask = masker(engine_or_session, identifier_names([(df, guide)]))
    return pseudonymise(mask_columns(df, guide, mask), guide)
