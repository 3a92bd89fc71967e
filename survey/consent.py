"""Consent in force, the one place that answers "may this be stored or exported?" (issues 7 and
12). Below the store and every service that writes or exports: `survey.store`, the interview
service, the source store, coding and every export's loader ask here.

* Withdrawals (`survey.models.ConsentWithdrawal`, recorded by `survey.privacy.withdraw`):
  `exportable` (the SQL condition every export's loader filters with), `withdrawn_purposes`,
  `block_reason` and the ``refuse_*`` checks every write path calls (`WithdrawnError`).
* Consent to journal access: `consent_values` / `journal_consent` (the stored answer
  ``consent_journal``, the newest consent record and a withdrawal) and `check_journal_consent`
  (`survey.sources.JournalConsentError`).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from survey.errors import WithdrawnError
from survey.models import Answer, ConsentRecord, ConsentWithdrawal, Interview
from survey.sources import CONSENT_CODE, JournalConsentError, check_journal_allowed

#: purpose -> what the respondent withdrew consent to (Danish, for messages)
PURPOSES: dict[str, str] = {"interview": "interviewet", "journal": "journalindsigt"}
#: AuditEntry.entity (and code prefix) of a recorded withdrawal
WITHDRAWAL_ENTITY = "consent"
WITHDRAWAL_CODE = "tilbagetraek_"
#: what `survey.source_store.consent_values` gives for a withdrawn consent to journal access
WITHDRAWN = "tilbagetrukket"
JOURNAL = "journal"


# ----------------------------------------------------------------------------- the filter every export uses

def _withdrawn(purpose: str):
    return select(ConsentWithdrawal.interview_id).where(ConsentWithdrawal.purpose == purpose)


def exportable(iv=Interview):
    """SQL condition on an interview row `iv` (the entity or an alias): True unless it may no longer
    be used — the respondent (or, for a source, the user it is about) withdrew consent to the
    interview, or it is a case-file extract whose user withdrew consent to journal access. Every
    export's loader filters with it (see the module docstring)."""
    w_int = _withdrawn("interview")
    return and_(iv.id.not_in(w_int),
                or_(iv.subject_interview_id.is_(None), iv.subject_interview_id.not_in(w_int)),
                or_(iv.informant != JOURNAL, iv.subject_interview_id.is_(None),
                    iv.subject_interview_id.not_in(_withdrawn(JOURNAL))))


def withdrawn_purposes(s: Session, interview_ids: Iterable[Optional[str]]) -> dict[str, dict[str, dt.date]]:
    """interview id -> {purpose: the day withdrawn} for those of `interview_ids` with a withdrawal."""
    ids = sorted({i for i in interview_ids if i})
    out: dict[str, dict[str, dt.date]] = {}
    for n in range(0, len(ids), 500):
        for iid, purpose, on in s.execute(select(ConsentWithdrawal.interview_id, ConsentWithdrawal.purpose,
                                                 ConsentWithdrawal.withdrawn_on)
                                          .where(ConsentWithdrawal.interview_id.in_(ids[n:n + 500]))).all():
            out.setdefault(iid, {})[purpose] = on
    return out


def block_reason(s: Session, interview_id: Optional[str], subject_id: Optional[str], informant: Optional[str]
                 ) -> Optional[str]:
    """Why nothing new may be stored for an interview (Danish), or None. `subject_id`: the user's
    interview a source is about (None for a user or a leader); `informant` the interview's kind."""
    w = withdrawn_purposes(s, [interview_id, subject_id])
    own, subj = w.get(interview_id or "", {}), w.get(subject_id or "", {})
    if "interview" in own:
        return f"samtykket til interviewet er trukket tilbage ({own['interview'].isoformat()})"
    if "interview" in subj:
        return ("kilden handler om en respondent, der har trukket sit samtykke til interviewet tilbage "
                f"({subj['interview'].isoformat()})")
    if informant == JOURNAL and JOURNAL in subj:
        return f"samtykket til journalindsigt er trukket tilbage ({subj[JOURNAL].isoformat()})"
    return None


def refuse_if_withdrawn(s: Session, interview: Interview | str | None) -> None:
    """Raise `WithdrawnError` (Danish) when nothing new may be stored for `interview` (a row or an
    id): the lowest common check of every write path (module docstring). Unknown ids pass (the
    caller reports them)."""
    iv = s.get(Interview, interview) if isinstance(interview, str) else interview
    if iv is None:
        return
    why = block_reason(s, iv.id, iv.subject_interview_id, iv.informant)
    if why:
        raise WithdrawnError(f"Intet nyt kan gemmes om {iv.respondent_id}: {why}.")


def refuse_new_source(s: Session, subject: Interview, informant: str) -> None:
    """Raise `WithdrawnError` when a new source of `informant` about the user `subject` may not be made."""
    why = block_reason(s, None, subject.id, informant)
    if why:
        raise WithdrawnError(f"Der kan ikke oprettes en kilde om {subject.respondent_id}: {why}.")


def refuse_for_respondents(s: Session, respondent_ids: Iterable[str], what: str = "gemmes") -> None:
    """`refuse_if_withdrawn` for interviews given by respondent id (an import or a batch): one
    message naming every refused one."""
    ids = sorted({str(r) for r in respondent_ids if r is not None})
    refused = []
    for n in range(0, len(ids), 500):
        rows = s.execute(select(Interview.id, Interview.respondent_id, Interview.subject_interview_id,
                                Interview.informant).where(Interview.respondent_id.in_(ids[n:n + 500]))).all()
        w = withdrawn_purposes(s, [x for r in rows for x in (r[0], r[2])])
        for iid, rid, subj, inf in rows:
            if iid in w or (subj in w and ("interview" in w[subj] or inf == JOURNAL)):
                if block_reason(s, iid, subj, inf):
                    refused.append(rid)
    if refused:
        raise WithdrawnError(f"Intet nyt kan {what} om disse respondenter, som har trukket samtykket tilbage: "
                             + ", ".join(refused) + ". Intet er ændret.")




# ----------------------------------------------------------------------------- consent to journal access

def consent_values(s: Session, subject_ids: Iterable[str]) -> dict[str, str | None]:
    """User interview id -> the consent to journal access in force: ``ja`` only when the stored answer
    is ``ja``, the newest consent record (if the app recorded any) is ``ja`` too and the respondent has
    not withdrawn it (issue 12: then `survey.privacy.WITHDRAWN`); otherwise the value that refuses
    (None = not answered)."""
    ids = sorted({i for i in subject_ids if i})
    out: dict[str, str | None] = {i: None for i in ids}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        answers = dict(s.execute(select(Answer.interview_id, Answer.value)
                                 .where(Answer.interview_id.in_(part), Answer.code == CONSENT_CODE)).all())
        newest: dict[str, str | None] = {}
        for iid, value in s.execute(select(ConsentRecord.interview_id, ConsentRecord.value)
                                    .where(ConsentRecord.interview_id.in_(part),
                                           ConsentRecord.item_code == CONSENT_CODE)
                                    .order_by(ConsentRecord.recorded_at, ConsentRecord.id)).all():
            newest[iid] = value  # the last one in time order wins
        withdrawn = withdrawn_purposes(s, part)
        for iid in part:
            ans = answers.get(iid)
            if JOURNAL in withdrawn.get(iid, {}):
                out[iid] = WITHDRAWN
            elif ans != "ja":
                out[iid] = ans
            elif iid in newest and newest[iid] != "ja":
                out[iid] = newest[iid]
            else:
                out[iid] = "ja"
    return out


def journal_consent(s: Session, subject_interview_id: str | None) -> str | None:
    """The consent to journal access in force for one user's interview (see `consent_values`)."""
    if not subject_interview_id:
        return None
    return consent_values(s, [subject_interview_id]).get(subject_interview_id)


def check_journal_consent(s: Session, subject_interview_id: str | None) -> None:
    """Refuse (`JournalConsentError`, Danish) unless the user has consented to journal access."""
    rid = None
    if subject_interview_id:
        rid = s.execute(select(Interview.respondent_id).where(Interview.id == subject_interview_id)).scalar()
    consent = journal_consent(s, subject_interview_id)
    if consent == WITHDRAWN:  # issue 12
        raise JournalConsentError(f"Journalen for {rid} må ikke åbnes eller gemmes: brugeren har trukket sit samtykke "
                                  "til journalindsigt tilbage.", [rid] if rid else [])
    check_journal_allowed(consent, rid)
