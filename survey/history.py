"""A respondent's history, and the users' and sites' history, read from the audit trail (issue 6).

Read-only by design: this module only selects. Nothing in the app edits or deletes an
`AuditEntry` or a `ConsentRecord` (both are append-only); the «Historik» page shows what these
functions return and offers no way to change it.

A respondent's history is every `AuditEntry` of the interview (answers changed after
completion, the researcher's coding, quotes, transcripts, settled disagreements, imports and
merges of field packages) together with every `ConsentRecord` (each time the consent was
given, changed or withdrawn, with the guide version), oldest first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlmodel import Session

from survey.clock import aware
from survey.db import session_scope
from survey.guide import Guide
from survey.models import AuditEntry, ConsentRecord, Interview, Site

#: AuditEntry.entity -> what the page calls it
KIND_LABELS: dict[str, str] = {
    "answer": "Svar",
    "coding": "Kodning",
    "interview": "Interview",
    "quote": "Citat",
    "transcript": "Transskription",
    "segment_question": "Spørgsmål i transskription",  # issue 15: a turn's guide question set or confirmed
    "evidence": "Kodning (evidens)",
    "settlement": "Kodning (afgjort uenighed)",
    "import": "Import",
    "merge": "Fletning",
    "consent": "Samtykke",
    "user": "Bruger",
    "site": "Sted",
    "pseudonym": "Pseudonymnumre",  # survey.store.identifier_numbers: given on first use, retired (a system action)
    "sletning": "Sletning",   # issue 12: a deleted interview's tombstone (survey.privacy)
    "study": "Undersøgelsen",  # issue 12: the study's end date, raw data deleted
}


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    who: Optional[str]
    kind: str            # a key of KIND_LABELS
    code: str
    old_value: Optional[str]
    new_value: Optional[str]
    note: Optional[str]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class RespondentRef:
    interview_id: str
    respondent_id: str
    site: Optional[str]
    status: str


def respondents(s: Session) -> list[RespondentRef]:
    """Every interview in the store (users' and, when present, other informants'), by respondent id."""
    rows = s.execute(select(Interview.id, Interview.respondent_id, Site.name, Interview.status)
                     .join(Site, Site.id == Interview.site_id, isouter=True)
                     .order_by(Interview.respondent_id)).all()
    return [RespondentRef(*r) for r in rows]


def _kind(entry: AuditEntry, guide: Optional[Guide]) -> str:
    if entry.entity == "answer" and guide is not None:
        it = guide.items.get(entry.code)
        if it is not None and it.role == "forsker":
            return "coding"
    return entry.entity or "answer"


def respondent_history(s: Session, interview_id: str, guide: Optional[Guide] = None) -> list[HistoryRow]:
    """The interview's audit entries and consent records, oldest first (answers to the researcher's
    items are shown as «Kodning» when the guide is given)."""
    rows = [HistoryRow(aware(a.at), a.who, _kind(a, guide), a.code or "", a.old_value, a.new_value, a.note)
            for a in s.execute(select(AuditEntry).where(AuditEntry.interview_id == interview_id)
                               .order_by(AuditEntry.at, AuditEntry.id)).scalars()]
    prev: Optional[str] = None
    for c in s.execute(select(ConsentRecord).where(ConsentRecord.interview_id == interview_id)
                       .order_by(ConsentRecord.recorded_at, ConsentRecord.id)).scalars():
        rows.append(HistoryRow(aware(c.recorded_at), c.recorded_by, "consent", c.item_code, prev, c.value,
                               f"guide {c.guide_form_id} version {c.guide_version}".strip()))
        prev = c.value
    rows.sort(key=lambda r: r.at)  # stable: audit entries keep their order at equal times
    return rows


def admin_history(s: Session, limit: int = 1000) -> list[HistoryRow]:
    """Changes to users and sites (who created, disabled, reset, changed role; renamed a site), deletions of
    respondents (tombstones: who, when, why — no content), the study's retention and the pseudonym numbers given or
    retired (`survey.store.identifier_numbers`: a system action), newest first."""
    q = (select(AuditEntry).where(AuditEntry.entity.in_(("user", "site", "sletning", "study", "pseudonym")))
         .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    return [HistoryRow(aware(a.at), a.who, a.entity, a.code or "", a.old_value, a.new_value, a.note)
            for a in s.execute(q).scalars()]


# ---------------------------------------------------------------- the same, each in its own transaction
# (the app's pages call these: services own their transactions)

def list_respondents(engine) -> list[RespondentRef]:
    """`respondents` in its own transaction."""
    with session_scope(engine) as s:
        return respondents(s)


def history_of(engine, interview_id: str, guide: Optional[Guide] = None) -> list[HistoryRow]:
    """`respondent_history` in its own transaction."""
    with session_scope(engine) as s:
        return respondent_history(s, interview_id, guide)


def admin_history_of(engine, limit: int = 1000) -> list[HistoryRow]:
    """`admin_history` in its own transaction."""
    with session_scope(engine) as s:
        return admin_history(s, limit)
