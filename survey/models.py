"""The store's tables (SQLModel). Answers are one row per (interview, code), so a new guide
version with new codes needs no schema change."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Optional

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from survey.clock import utcnow

#: Interview.informant of the users' own interviews: the only rows of the wide frame (issue 7)
USER_INFORMANT = "bruger"


def new_id() -> str:
    return str(uuid.uuid4())


class Site(SQLModel, table=True):
    __tablename__ = "site"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    site_type: str = Field(max_length=20)  # boform | vaerested
    prefix: str = Field(default="", max_length=12)  # for pseudonymous respondent ids, e.g. AMA


class Interview(SQLModel, table=True):
    __tablename__ = "interview"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    respondent_id: str = Field(index=True, unique=True, max_length=40)
    site_id: Optional[int] = Field(default=None, foreign_key="site.id", index=True)
    interviewer: Optional[str] = Field(default=None, max_length=200)
    interview_date: Optional[dt.date] = None
    status: str = Field(default="draft", max_length=20)  # draft | complete | reopened (complete, open for correction)
    guide_form_id: str = Field(default="", max_length=100)
    guide_version: str = Field(default="", max_length=50)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    completed_at: Optional[dt.datetime] = None
    completion_note: Optional[str] = Field(default=None, sa_column=Column(Text))
    source: str = Field(default="interview", max_length=20)  # interview | import | demo
    # content hash (survey.sync) of the version last merged in from a field laptop's package:
    # the common base that tells "changed only there" from "changed in both places"
    merged_from_hash: Optional[str] = Field(default=None, max_length=64)
    # Triangulation (issue 7): who was interviewed — bruger | sagsbehandler | kontaktperson | leder |
    # journal (a case-file extraction). For a source, respondent_id holds the source's own pseudonymous
    # id (SB-AMA-01, JK-AMA-01, LE-AMA …), subject_interview_id the user's interview it is about (None
    # for users and leaders) and site_id the site (a leader's site; a copy of the user's site).
    informant: str = Field(default="bruger", max_length=20, index=True)
    subject_interview_id: Optional[str] = Field(default=None, foreign_key="interview.id", index=True, max_length=36)


class Answer(SQLModel, table=True):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("interview_id", "code", name="uq_answer_interview_code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    # no separate index on interview_id: the unique (interview_id, code) index serves those lookups
    interview_id: str = Field(foreign_key="interview.id", max_length=36, ondelete="CASCADE")
    code: str = Field(max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow)
    updated_by: Optional[str] = Field(default=None, max_length=200)
    source: str = Field(default="interview", max_length=20)  # interview | import | forsker | demo
    # issue 10: raised by one at every change; a save made from a view of an older version does not
    # replace a newer answer silently (survey.interview.save_answer's `base_version`)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Quote(SQLModel, table=True):
    __tablename__ = "quote"
    id: Optional[int] = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_id, unique=True, index=True, max_length=36)  # the same in every store
    interview_id: str = Field(foreign_key="interview.id", index=True, max_length=36, ondelete="CASCADE")
    item_code: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    for_report: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    created_by: Optional[str] = Field(default=None, max_length=200)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when: old and new value. Never edited from the app."""
    __tablename__ = "audit_entry"
    id: Optional[int] = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_id, unique=True, index=True, max_length=36)  # merge deduplicates by it
    interview_id: Optional[str] = Field(default=None, index=True, max_length=36)
    # answer | interview | quote | import | … | sletning (issue 12: a deleted interview's tombstone, survey.privacy)
    entity: str = Field(default="answer", max_length=30, index=True)
    code: str = Field(default="", max_length=100)
    old_value: Optional[str] = Field(default=None, sa_column=Column(Text))
    new_value: Optional[str] = Field(default=None, sa_column=Column(Text))
    who: Optional[str] = Field(default=None, max_length=200)
    at: dt.datetime = Field(default_factory=utcnow)
    note: Optional[str] = Field(default=None, sa_column=Column(Text))


class ConsentRecord(SQLModel, table=True):
    """Each time the consent item (Samtykkeerklæring) is answered or changed: value, time, guide version.

    Append-only: a changed or withdrawn consent adds a row; the newest row is the one in force.
    """
    __tablename__ = "consent_record"
    id: Optional[int] = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_id, unique=True, index=True, max_length=36)  # merge deduplicates by it
    interview_id: str = Field(foreign_key="interview.id", index=True, max_length=36, ondelete="CASCADE")
    item_code: str = Field(default="consent_journal", max_length=100)
    value: Optional[str] = Field(default=None, max_length=50)  # the choice code; None = answer removed
    recorded_at: dt.datetime = Field(default_factory=utcnow)
    guide_form_id: str = Field(default="", max_length=100)
    guide_version: str = Field(default="", max_length=50)
    recorded_by: Optional[str] = Field(default=None, max_length=200)


class MergeConflict(SQLModel, table=True):
    """An interview a merge left alone for a person to settle (survey.sync): both versions kept.

    `central_version`/`laptop_version` are the interviews as JSON (survey.sync's package
    format, with the laptop's audit trail and consent records for that interview).
    """
    __tablename__ = "merge_conflict"
    id: Optional[int] = Field(default=None, primary_key=True)
    interview_id: str = Field(index=True, max_length=36)
    respondent_id: str = Field(default="", max_length=40)
    kind: str = Field(max_length=30)  # begge_aendret | respondent_id | sted | citat_kodet
    reason: str = Field(sa_column=Column(Text, nullable=False))  # Danish, for the person who settles it
    package_id: str = Field(max_length=36)
    base_hash: Optional[str] = Field(default=None, max_length=64)
    central_hash: Optional[str] = Field(default=None, max_length=64)
    laptop_hash: str = Field(max_length=64)
    central_version: Optional[str] = Field(default=None, sa_column=Column(Text))
    laptop_version: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)
    resolved_at: Optional[dt.datetime] = None
    resolved_by: Optional[str] = Field(default=None, max_length=200)
    resolution: Optional[str] = Field(default=None, max_length=20)  # central | laptop


class SourceStatus(SQLModel, table=True):
    """Why a source about a respondent (or a site's leader interview) is missing — Bilag C's reasons
    ("Ingen sagsbehandler", "Ingen tilladelse", …; codes of `survey.sources.SOURCE_STATUS`).

    One row per (user's interview, kilde) or, for ``leder``, per (site, kilde). Changing or removing
    a reason is written to the audit trail (entity ``kilde``). A source that exists needs no row.
    """
    __tablename__ = "source_status"
    __table_args__ = (UniqueConstraint("subject_interview_id", "kilde", name="uq_source_status_subject_kilde"),
                      UniqueConstraint("site_id", "kilde", name="uq_source_status_site_kilde"))
    id: Optional[int] = Field(default=None, primary_key=True)
    subject_interview_id: Optional[str] = Field(default=None, foreign_key="interview.id", max_length=36)
    site_id: Optional[int] = Field(default=None, foreign_key="site.id")
    kilde: str = Field(max_length=30)  # journal_kommune | journal_boform | sagsbehandler | kontaktperson | leder
    status: str = Field(max_length=30)
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    recorded_by: Optional[str] = Field(default=None, max_length=200)
    recorded_at: dt.datetime = Field(default_factory=utcnow)
    source: str = Field(default="forsker", max_length=20)  # forsker | import | demo


class ConsentWithdrawal(SQLModel, table=True):
    """A respondent's withdrawal of consent (GDPR art. 7(3), issue 12; `survey.privacy`): to the
    interview (nothing new is stored about them; exports leave them out) or to the case file
    (``journal``: the consent to journal access counts as withdrawn). One row per interview and
    purpose; the interview's deletion removes it (its tombstone stays in the audit trail)."""
    __tablename__ = "consent_withdrawal"
    __table_args__ = (UniqueConstraint("interview_id", "purpose", name="uq_consent_withdrawal_interview_purpose"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_id, unique=True, index=True, max_length=36)  # the same in every store
    interview_id: str = Field(foreign_key="interview.id", index=True, max_length=36, ondelete="CASCADE")
    purpose: str = Field(max_length=20)  # interview | journal
    withdrawn_on: dt.date  # the day the respondent withdrew (as they said it; not after it was recorded)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: Optional[str] = Field(default=None, max_length=200)
    recorded_at: dt.datetime = Field(default_factory=utcnow)


class StudySetting(SQLModel, table=True):
    """A setting of the study as a whole (issue 12: ``slutdato``, the end of the retention period,
    and ``raadata_slettet``, when the raw data was deleted). Values are text (dates ISO)."""
    __tablename__ = "study_setting"
    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_by: Optional[str] = Field(default=None, max_length=200)
    updated_at: dt.datetime = Field(default_factory=utcnow)
