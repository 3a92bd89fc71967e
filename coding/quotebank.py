"""The quote bank: every quote with its respondent's user group, site and theme codes; search,
filter, mark quotes for the report, and export for the workbook's "Citater" sheet.

No Streamlit here; functions take an explicit SQLModel Session (the caller commits) and raise
`QuoteBankError` (a `survey.store.StoreError`; unknown codes raise
`coding.codebook.CodebookError`) with a Danish message. Nothing here logs quote text.

Rows
----
`quote_bank(s, guide, ...)` returns `QuoteRow`s: quote id, respondent id, site, site type, the
*effective* user group (`archetypes.effective_group`: the researcher's ``brugergruppe`` if
coded, else the default rule on ``arketype`` and ``age``; ``None`` = "uoplyst") with its name
and where it came from (``forsker`` / ``regel`` / ``mangler``), the guide item the quote belongs
to with its label (`survey.interview.quote_question`: a probe row's note is labelled with the
probe's question; ``transskription`` = taken from a transcript, see
`coding.transcripts.quote_from_segment`), the text, its theme codes (codebook order) and the
"til rapporten" mark. Sorted by respondent, guide order of the item, quote id.

Filters (all optional, combined with AND; a list means any of its values):

* ``search`` — case-insensitive (Unicode case folding, NFC, so "ÆBLE" finds "æble"); every word
  must occur in the text; ``"..."`` keeps a phrase together. Searches the original text.
* ``group`` — effective group code(s) (or name), ``"uoplyst"`` for none.
* ``site_type`` — ``vaerested`` / ``boform``.
* ``code`` — theme code(s) by key, name or id; with ``include_subcodes`` (default) a quote coded
  with a sub-code counts for its parent theme.
* ``for_report`` — True / False.
* ``respondent`` — respondent id(s).

Anonymisation
-------------
Output that leaves the team must be masked: ``anonymised=True`` passes every text through
`coding.anonymise.Anonymiser.mask` (an instance can be given as ``anonymiser=`` — reuse one
across calls, building it reads word lists; otherwise one is made with
`coding.deidentify.study_anonymiser(s, guide)`, which also masks the study's site and interviewer
names, the always-mask list and the names in every field the guides mark ``ja``, issue 12 — the
rule of the de-identified exports). `export_quotes` masks **by default**. If the anonymiser
cannot be imported, a masked output is refused with a message; unmasked text is only produced
when ``anonymised=False`` is passed explicitly.

Theme codes on quotes live in `coding.transcripts.QuoteCode` (registered with the other
tables): `code_quote` / `uncode_quote` / `quote_codes`. As for segments, ``source=`` on
`code_quote` also records an accepted `CodeDecision`, and `uncode_quote` turns an existing
decision into 'rejected'.
"""
from __future__ import annotations

import importlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Union

import pandas as pd
from sqlalchemy import delete, select
from sqlmodel import Session

from archetypes import GROUPS, effective_group
from coding.codebook import Code, record_decision
from coding.transcripts import (CodeLike, CodingView, QuoteCode, check_source, descendants, resolve_codes,
                                turn_decisions_to_rejected)
from survey.clock import aware
from survey.db import get_by_id
from survey.guide import Guide
from survey.interview import TRANSCRIPT_LABEL, quote_question  # noqa: F401 (TRANSCRIPT_LABEL: re-exported)
from survey.models import Answer, AuditEntry, Interview, Quote, Site, utcnow
from survey.privacy import exportable, refuse_if_withdrawn
from survey.store import StoreError, counted
from coding.codebook import all_codes

log = logging.getLogger(__name__)

UNKNOWN_GROUP = "uoplyst"
UNKNOWN_GROUP_NAME = "Uoplyst"
SITE_TYPES = {"vaerested": "Værested", "boform": "Boform"}
GROUP_CODES = ("brugergruppe", "arketype", "age")
EXPORT_COLUMNS = ("Citat-id", "Respondent", "Sted", "Stedtype", "Brugergruppe", "Spørgsmålskode", "Spørgsmål",
                  "Citat", "Temakoder", "Til rapporten")
StrFilter = Union[str, Iterable[str], None]


class QuoteBankError(StoreError):
    """A refused quote-bank action; the message says why (Danish)."""


@dataclass(frozen=True)
class QuoteRow:
    quote_id: int
    respondent_id: str
    interview_id: str
    site: Optional[str]
    site_type: Optional[str]        # vaerested | boform
    site_type_name: str             # Værested | Boform | ''
    group: Optional[str]            # effective user group code; None = uoplyst
    group_name: str                 # e.g. "De unge misbrugere og eks-misbrugere"; "Uoplyst"
    group_source: str               # forsker (coded/overridden) | regel (default rule) | mangler
    item_code: str
    item_label: str
    text: str
    codes: tuple[str, ...]          # code keys, codebook order
    code_names: tuple[str, ...]
    for_report: bool


# --------------------------------------------------------------------------- helpers

def _as_list(v: StrFilter) -> Optional[list[str]]:
    if v is None:
        return None
    items = [v] if isinstance(v, str) else list(v)
    items = [str(x).strip() for x in items if x is not None and str(x).strip()]
    return items or None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


_TERM = re.compile(r'"([^"]+)"|(\S+)')


def search_terms(search: Optional[str]) -> list[str]:
    """The folded terms of a search string (quoted phrases kept together)."""
    if not search:
        return []
    terms = []
    for m in _TERM.finditer(_fold(search)):
        t = " ".join((m.group(1) or m.group(2) or "").split())
        if t:
            terms.append(t)
    return terms


def matches(text: str, terms: list[str]) -> bool:
    folded = " ".join(_fold(text).split())
    return all(t in folded for t in terms)


def _group_filter(group: StrFilter) -> Optional[set[Optional[str]]]:
    items = _as_list(group)
    if items is None:
        return None
    by_name = {g.name.casefold(): g.code for g in GROUPS.values()} | {g.short.casefold(): g.code
                                                                      for g in GROUPS.values()}
    out: set[Optional[str]] = set()
    for it in items:
        if it in GROUPS:
            out.add(it)
        elif it.casefold() in (UNKNOWN_GROUP, UNKNOWN_GROUP_NAME.casefold()):
            out.add(None)
        elif it.casefold() in by_name:
            out.add(by_name[it.casefold()])
        else:
            raise QuoteBankError(f"Ukendt brugergruppe {it!r} — tilladt: {', '.join(GROUPS)} eller {UNKNOWN_GROUP}.")
    return out


def _site_type_filter(site_type: StrFilter) -> Optional[set[str]]:
    items = _as_list(site_type)
    if items is None:
        return None
    out = set()
    for it in items:
        key = it.lower()
        names = {v.lower(): k for k, v in SITE_TYPES.items()}
        if key in SITE_TYPES:
            out.add(key)
        elif key in names:
            out.add(names[key])
        else:
            raise QuoteBankError(f"Ukendt type af sted {it!r} — tilladt: {', '.join(SITE_TYPES)}.")
    return out


def _groups(s: Session, interview_ids: Iterable[str]) -> dict[str, tuple[Optional[str], str]]:
    """interview id -> (effective group, source)."""
    ids = list(set(interview_ids))
    vals: dict[str, dict[str, str]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for iid, code, value in s.execute(select(Answer.interview_id, Answer.code, Answer.value)
                                          .where(Answer.interview_id.in_(chunk), Answer.code.in_(GROUP_CODES))):
            vals.setdefault(iid, {})[code] = value
    out = {}
    for iid in ids:
        v = vals.get(iid, {})
        try:
            g = effective_group(v.get("brugergruppe"), v.get("arketype"), v.get("age"))
        except ValueError:  # an archetype the rule does not know (older guide): no group
            g = None
        if v.get("brugergruppe"):
            src = "forsker"
        elif g is not None:
            src = "regel"
        else:
            src = "mangler"
        out[iid] = (g, src)
    return out


def _group_name(g: Optional[str]) -> str:
    if g is None:
        return UNKNOWN_GROUP_NAME
    return GROUPS[g].name if g in GROUPS else g


def item_label(guide: Guide, item_code: str) -> str:
    """The question a quote belongs to: `survey.interview.quote_question` (a probe row's note: the
    probe's question with «(note)»; a transcript: «Fra transskription»)."""
    return quote_question(guide, item_code)


def _code_map(s: Session, quote_ids: list[int]) -> dict[int, list[Code]]:

    order = {c.id: i for i, c in enumerate(all_codes(s))}
    out: dict[int, list[Code]] = {}
    for chunk in (quote_ids[i:i + 500] for i in range(0, len(quote_ids), 500)):
        rows = s.execute(select(QuoteCode.quote_id, Code).join(Code, Code.id == QuoteCode.code_id)
                         .where(QuoteCode.quote_id.in_(chunk))).all()
        for qid, c in rows:
            out.setdefault(qid, []).append(c)
    for lst in out.values():
        lst.sort(key=lambda c: order.get(c.id, 1 << 30))
    return out


# --------------------------------------------------------------------------- anonymisation

def _unavailable(reason: str) -> QuoteBankError:
    return QuoteBankError(
        f"Citaterne kan ikke anonymiseres: {reason}. Der udleveres ikke umaskeret tekst automatisk — "
        "vælg udtrykkeligt 'uden anonymisering' (anonymised=False), hvis teksten kun skal bruges internt i teamet.")


def get_anonymiser(s: Optional[Session] = None, guide: Optional[Guide] = None) -> Any:
    """The anonymiser for quotes that leave the team: `coding.deidentify.study_anonymiser` (with a
    store: the study's names and the names in the fields the guides mark ``ja``); QuoteBankError if
    the anonymiser is unavailable."""
    try:
        importlib.import_module("coding.anonymise")
        from coding.deidentify import study_anonymiser  # inside the try: an anonymiser that cannot be imported refuses masked output
    except ImportError:
        raise _unavailable("anonymiseringsmodulet (coding.anonymise) kan ikke indlæses") from None
    return study_anonymiser(s, guide)


def mask_text(anonymiser: Any, text: str) -> str:
    """`anonymiser.mask(text)` as a string (a result object's `.text` is accepted too)."""
    fn = getattr(anonymiser, "mask", None)
    if fn is None and callable(anonymiser):
        fn = anonymiser
    if fn is None:
        raise QuoteBankError("Anonymiseringen mangler en mask-funktion.")
    r = fn(text)
    if isinstance(r, str):
        return r
    if hasattr(r, "text") and isinstance(r.text, str):
        return r.text
    if isinstance(r, tuple) and r and isinstance(r[0], str):
        return r[0]
    raise QuoteBankError("Anonymiseringen returnerede ikke tekst.")


# --------------------------------------------------------------------------- the bank

def quote_bank(s: Session, guide: Guide, *, search: Optional[str] = None, group: StrFilter = None,
               site_type: StrFilter = None, code: Union[CodeLike, Iterable[CodeLike], None] = None,
               for_report: Optional[bool] = None, respondent: StrFilter = None, include_subcodes: bool = True,
               anonymised: bool = False, anonymiser: Any = None, drafts: bool = True) -> list[QuoteRow]:
    """Every quote matching the filters (see module doc), as plain rows. The workbench sees the quotes
    of drafts too; a report passes ``drafts=False`` (issue 14: completed interviews only,
    `survey.store.counted`)."""
    groups = _group_filter(group)
    stypes = _site_type_filter(site_type)
    code_ids: Optional[set[int]] = None
    if code is not None and not (isinstance(code, (list, tuple, set)) and not code) and code != "":
        code_ids = set()
        for c in resolve_codes(s, code):
            code_ids.update(d.id for d in (descendants(s, c) if include_subcodes else [c]))
    terms = search_terms(search)
    respondents = _as_list(respondent)
    if anonymised and anonymiser is None:
        anonymiser = get_anonymiser(s, guide)

    q = (select(Quote, Interview.respondent_id, Site.name, Site.site_type)
         .join(Interview, Interview.id == Quote.interview_id)
         .join(Site, Site.id == Interview.site_id, isouter=True)
         .where(Interview.informant == "bruger")  # the users' words (other sources: issue 7, not quoted here)
         .where(exportable(Interview))  # issue 12: not of a respondent who withdrew consent to the interview
         .where(counted(Interview, drafts=drafts)))  # issue 14
    if for_report is not None:
        q = q.where(Quote.for_report == bool(for_report))
    if stypes is not None:
        q = q.where(Site.site_type.in_(stypes))
    if respondents is not None:
        q = q.where(Interview.respondent_id.in_(respondents))
    if code_ids is not None:
        q = q.where(Quote.id.in_(select(QuoteCode.quote_id).where(QuoteCode.code_id.in_(code_ids))))
    rows = s.execute(q).all()
    if terms:
        rows = [r for r in rows if matches(r[0].text, terms)]
    group_of = _groups(s, (r[0].interview_id for r in rows))
    if groups is not None:
        rows = [r for r in rows if group_of[r[0].interview_id][0] in groups]
    codes = _code_map(s, [r[0].id for r in rows])
    order = {c: i for i, c in enumerate(guide.codes)}
    rows.sort(key=lambda r: (r[1], order.get(r[0].item_code, len(order)), r[0].id))
    out = []
    for quote, rid, site, stype, in rows:
        g, src = group_of[quote.interview_id]
        cs = codes.get(quote.id, [])
        text = mask_text(anonymiser, quote.text) if anonymised else quote.text
        out.append(QuoteRow(quote.id, rid, quote.interview_id, site, stype, SITE_TYPES.get(stype or "", stype or ""),
                            g, _group_name(g), src, quote.item_code, item_label(guide, quote.item_code), text,
                            tuple(c.key for c in cs), tuple(c.name for c in cs), bool(quote.for_report)))
    return out


def _get_quote(s: Session, quote_id: Union[int, str]) -> Quote:
    q = get_by_id(s, Quote, quote_id)
    if q is None:
        raise QuoteBankError(f"Citat {quote_id!r} findes ikke (er det slettet?).")
    return q


def mark_for_report(s: Session, quote_id: Union[int, str], flag: bool, who: Optional[str] = None) -> bool:
    """Set the quote's "til rapporten" mark. Returns True if it changed; a change is written to
    the audit trail (entity "quote", old/new "false"/"true")."""
    q = _get_quote(s, quote_id)
    flag = bool(flag)
    if bool(q.for_report) == flag:
        return False
    refuse_if_withdrawn(s, q.interview_id)  # issue 12
    now = utcnow()
    s.add(AuditEntry(interview_id=q.interview_id, entity="quote", code=q.item_code,
                     old_value=str(bool(q.for_report)).lower(), new_value=str(flag).lower(), who=who, at=now,
                     note=f"citat {q.id} til rapporten" if flag else f"citat {q.id} ikke til rapporten"))
    q.for_report, q.updated_at = flag, now
    s.add(q)
    s.flush()
    return True


# --------------------------------------------------------------------------- codes on quotes

def quote_codes(s: Session, quote_id: Union[int, str]) -> list[CodingView]:
    """The theme codes on a quote, codebook order (memo is always None for quotes)."""
    q = _get_quote(s, quote_id)

    order = {c.id: i for i, c in enumerate(all_codes(s))}
    rows = s.execute(select(QuoteCode, Code).join(Code, Code.id == QuoteCode.code_id)
                     .where(QuoteCode.quote_id == q.id)).all()
    rows.sort(key=lambda r: order.get(r[1].id, 1 << 30))
    return [CodingView(c.id, c.key, c.name, None, qc.who, aware(qc.at)) for qc, c in rows]


def code_quote(s: Session, quote_id: Union[int, str], codes: Union[CodeLike, Iterable[CodeLike]],
               who: Optional[str] = None, *, source: Optional[str] = None) -> list[CodingView]:
    """Put one or more theme codes on a quote (already there: who/at updated). With `source`
    an accepted CodeDecision is recorded too. All codes are checked before anything is written."""
    q = _get_quote(s, quote_id)
    refuse_if_withdrawn(s, q.interview_id)  # issue 12: no new coding about a respondent who withdrew consent
    code_rows = resolve_codes(s, codes)
    check_source(source)
    now = utcnow()
    for c in code_rows:
        row = s.get(QuoteCode, (q.id, c.id)) or QuoteCode(quote_id=q.id, code_id=c.id)
        row.who, row.at = who, now
        s.add(row)
        if source is not None:
            record_decision(s, "quote", q.id, c, "accepted", source=source, who=who, text=q.text)
    s.flush()
    return quote_codes(s, q.id)


def uncode_quote(s: Session, quote_id: Union[int, str], codes: Union[CodeLike, Iterable[CodeLike], None] = None,
                 who: Optional[str] = None) -> list[CodingView]:
    """Remove codes from a quote (None: all). An existing decision for a removed code becomes 'rejected'."""
    q = _get_quote(s, quote_id)
    present = set(s.execute(select(QuoteCode.code_id).where(QuoteCode.quote_id == q.id)).scalars())
    ids = present if codes is None else {c.id for c in resolve_codes(s, codes)} & present
    if ids:
        s.execute(delete(QuoteCode).where(QuoteCode.quote_id == q.id, QuoteCode.code_id.in_(ids)))
        turn_decisions_to_rejected(s, "quote", q.id, ids, who)
    s.flush()
    return quote_codes(s, q.id)


# --------------------------------------------------------------------------- export

def export_quotes(s: Session, guide: Guide, *, anonymised: bool = True, anonymiser: Any = None,
                  **filters: Any) -> pd.DataFrame:
    """The quotes for the workbook's "Citater" sheet: one row per quote, columns EXPORT_COLUMNS
    (Danish headers; codes as names joined by "; "; "Til rapporten" ja/nej). Masked by default
    (see module doc); `filters` are quote_bank's (search, group, site_type, code, for_report,
    respondent, include_subcodes). ``df.attrs["anonymiseret"]`` tells whether the text is masked."""
    rows = quote_bank(s, guide, anonymised=anonymised, anonymiser=anonymiser, **filters)
    df = pd.DataFrame.from_records(
        [(r.quote_id, r.respondent_id, r.site or "", r.site_type_name, r.group_name, r.item_code, r.item_label,
          r.text, "; ".join(r.code_names), "ja" if r.for_report else "nej") for r in rows],
        columns=list(EXPORT_COLUMNS))
    df.attrs["anonymiseret"] = bool(anonymised)
    log.info("citater eksporteret: %d rækker, anonymiseret=%s", len(df), bool(anonymised))
    return df
