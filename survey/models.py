"""The store's tables (SQLModel). Answers are one row per (interview, code), so a new guide
version with new codes needs no schema change."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Optional

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from survey.clock import utcnow
from survey.text import split_cues

#: the longest name, place or word on the study's mask lists (`MaskTerm`)
TERM_MAX = 200
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


#: `StudySetting` key: when the raw data was last deleted (`survey.privacy.delete_raw_data`; the report's
#: cache key, `report.data.store_revision`, reads it too)
RAW_DELETED_KEY = "raadata_slettet"


class StudySetting(SQLModel, table=True):
    """A setting of the study as a whole (issue 12: ``slutdato``, the end of the retention period,
    and ``raadata_slettet``, when the raw data was deleted). Values are text (dates ISO)."""
    __tablename__ = "study_setting"
    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_by: Optional[str] = Field(default=None, max_length=200)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class IdentifierNumber(SQLModel, table=True):
    """The study's pseudonym numbers, once given (`survey.pseudonyms`, docs/method.md «Interviewers
    as pseudonyms»): «Interviewer N» stays N for good. One row per field the guide marks ``ja`` and
    number. `digest` is a keyed hash (HMAC-SHA256 with the study's key, `StudySetting`
    ``pseudonym_noegle``) of the field and the value — never the name itself; NULL once no interview
    of the store holds that value any more (a deletion): the number is then retired, never given again."""
    __tablename__ = "identifier_number"
    __table_args__ = (UniqueConstraint("code", "digest", name="uq_identifier_number_code_digest"),)
    code: str = Field(primary_key=True, max_length=100)
    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    digest: Optional[str] = Field(default=None, max_length=64)
    numbered_at: dt.datetime = Field(default_factory=utcnow)


class SavedAnalysis(SQLModel, table=True):
    """A crosstab or quality map a researcher named and kept with the study (issue 14;
    `report.saved`): ``brugerblik table mine:NAVN`` and a workbook sheet each. `spec` is JSON: the
    variables or the grouping and the population's filters, never data."""
    __tablename__ = "saved_analysis"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    #: the name folded (case, spaces): one analysis per name, whatever the case
    key: str = Field(max_length=40, unique=True)
    kind: str = Field(max_length=20)
    spec: str = Field(sa_column=Column(Text, nullable=False))
    created_by: Optional[str] = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- the researcher's coding of a respondent (archetypes.coding)

class CodingDecision(SQLModel, table=True):
    """One researcher decision on one respondent (value None = cleared). Append-only."""
    __tablename__ = "coding_decision"
    id: Optional[int] = Field(default=None, primary_key=True)
    interview_id: str = Field(foreign_key="interview.id", index=True, max_length=36, ondelete="CASCADE")
    code: str = Field(max_length=100)
    value: Optional[str] = Field(default=None, sa_column=Column(Text))
    reason: Optional[str] = Field(default=None, sa_column=Column(Text))
    who: str = Field(max_length=200)
    at: dt.datetime = Field(default_factory=utcnow)


class DecisionEvidence(SQLModel, table=True):
    """A quote the researcher links to a decision (e.g. the archetype) as its evidence."""
    __tablename__ = "decision_evidence"
    decision_id: int = Field(foreign_key="coding_decision.id", primary_key=True, ondelete="CASCADE")
    quote_id: int = Field(foreign_key="quote.id", primary_key=True, ondelete="CASCADE")
    linked_by: Optional[str] = Field(default=None, max_length=200)
    linked_at: dt.datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- the codebook and decisions on suggested codes (coding.codebook)

class Code(SQLModel, table=True):
    __tablename__ = "codebook_code"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=80)
    name: str = Field(unique=True, max_length=200)
    parent_id: Optional[int] = Field(default=None, foreign_key="codebook_code.id", index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    cues: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sort_order: int = 0
    colour: Optional[str] = Field(default=None, max_length=7)  # #RRGGBB from a REFI-QDA file (issue 15)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)

    def cue_list(self) -> list[str]:
        return split_cues(self.cues)


class CodeDecision(SQLModel, table=True):
    __tablename__ = "code_decision"
    __table_args__ = (UniqueConstraint("target_kind", "target_id", "code_id", name="uq_code_decision_target_code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    target_kind: str = Field(max_length=20)  # quote | segment
    target_id: str = Field(index=True, max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    code_id: int = Field(foreign_key="codebook_code.id", index=True)
    decision: str = Field(max_length=20)  # accepted | rejected
    source: str = Field(default="manuel", max_length=20)  # regel | model | regel+model | manuel
    who: Optional[str] = Field(default=None, max_length=200)
    at: dt.datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- transcripts, their segments and theme codes on segments and quotes (coding.transcripts)

class Transcript(SQLModel, table=True):
    __tablename__ = "transcript"
    __table_args__ = (UniqueConstraint("interview_id", "filename", name="uq_transcript_interview_filename"),
                      {"sqlite_autoincrement": True})
    id: Optional[int] = Field(default=None, primary_key=True)
    interview_id: str = Field(foreign_key="interview.id", index=True, max_length=36, ondelete="CASCADE")
    filename: str = Field(max_length=255)
    fmt: str = Field(max_length=10)  # txt | md | docx
    text: str = Field(sa_column=Column(Text, nullable=False))  # the normalised full text (see module doc)
    imported_at: dt.datetime = Field(default_factory=utcnow)
    imported_by: Optional[str] = Field(default=None, max_length=200)


class Segment(SQLModel, table=True):
    __tablename__ = "transcript_segment"
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Optional[int] = Field(default=None, primary_key=True)
    transcript_id: int = Field(foreign_key="transcript.id", index=True, ondelete="CASCADE")
    idx: int  # 0-based position in the transcript
    speaker: str = Field(default="", max_length=1)  # I | B | '' (unknown)
    label: str = Field(default="", max_length=40)  # the label as written, e.g. "IP", "B2"
    text: str = Field(sa_column=Column(Text, nullable=False))
    start: int  # transcript.text[start:end] == text
    end: int
    # issue 15: where the segment is in the recording, in seconds (a timed transcript: WebVTT, SRT,
    # or a text with [hh:mm:ss] stamps as noScribe and aTrain write them); None when not known
    t_start: Optional[float] = None
    t_end: Optional[float] = None
    # issue 15 (coding.guide_links): on an interviewer's turn, the guide item it asks; None = a
    # follow-up (the question before it continues), '' = «uden for guiden»; question_by = who
    # confirmed or corrected it (None: the tool's suggestion)
    question: Optional[str] = Field(default=None, max_length=80)
    question_by: Optional[str] = Field(default=None, max_length=200)


class SegmentCode(SQLModel, table=True):
    __tablename__ = "segment_code"
    segment_id: int = Field(foreign_key="transcript_segment.id", primary_key=True, ondelete="CASCADE")
    code_id: int = Field(foreign_key="codebook_code.id", primary_key=True, index=True)
    memo: Optional[str] = Field(default=None, sa_column=Column(Text))
    who: Optional[str] = Field(default=None, max_length=200)
    at: dt.datetime = Field(default_factory=utcnow)


class QuoteCode(SQLModel, table=True):
    """A theme code on a quote (see coding.quotebank)."""
    __tablename__ = "quote_code"
    quote_id: int = Field(foreign_key="quote.id", primary_key=True, ondelete="CASCADE")
    code_id: int = Field(foreign_key="codebook_code.id", primary_key=True, index=True)
    who: Optional[str] = Field(default=None, max_length=200)
    at: dt.datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- double coding (coding.agreement)

class CoderValue(SQLModel, table=True):
    """One coder's value for one unit and variable (the coder's latest; blind to the other coder)."""
    __tablename__ = "coder_value"
    __table_args__ = (UniqueConstraint("unit_kind", "unit_id", "variable", "coder", name="uq_coder_value"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_kind: str = Field(max_length=20, index=True)
    unit_id: str = Field(max_length=100, index=True)
    variable: str = Field(max_length=150, index=True)
    coder: str = Field(max_length=200, index=True)
    value: str = Field(sa_column=Column(Text, nullable=False))
    at: dt.datetime = Field(default_factory=utcnow)


class SettledValue(SQLModel, table=True):
    """The final value both coders agreed on after comparing."""
    __tablename__ = "settled_value"
    __table_args__ = (UniqueConstraint("unit_kind", "unit_id", "variable", name="uq_settled_value"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_kind: str = Field(max_length=20, index=True)
    unit_id: str = Field(max_length=100, index=True)
    variable: str = Field(max_length=150, index=True)
    value: str = Field(sa_column=Column(Text, nullable=False))
    who: str = Field(max_length=200)
    at: dt.datetime = Field(default_factory=utcnow)
    note: Optional[str] = Field(default=None, sa_column=Column(Text))


# ---------------------------------------------------------------- the study's mask lists (coding.anonymise)

class MaskTerm(SQLModel, table=True):
    """A name or place the researcher wants masked everywhere (kind navn/sted: the always-mask
    list), or a word that must never be masked (kind behold: the never-mask list)."""
    __tablename__ = "mask_term"
    __table_args__ = (UniqueConstraint("term", name="uq_mask_term_term"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    term: str = Field(max_length=TERM_MAX)
    kind: str = Field(default="navn", max_length=10)  # navn | sted | behold
    added_by: Optional[str] = Field(default=None, max_length=200)
    added_at: dt.datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- users and their browser sessions (survey.auth)

class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=40)
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    must_change_password: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_login: Optional[dt.datetime] = None


class AppSession(SQLModel, table=True):
    """A signed-in browser (issue 10): only the SHA-256 of its random token is stored, never the
    token. The token reaches the browser only as an HttpOnly, SameSite=Strict cookie, set by the
    app server's own route in exchange for a one-time ticket (`ticket_hash`, short-lived)."""
    __tablename__ = "app_session"
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: Optional[str] = Field(default=None, index=True, unique=True, max_length=64)
    ticket_hash: Optional[str] = Field(default=None, index=True, unique=True, max_length=64)
    ticket_expires_at: Optional[dt.datetime] = None
    username: str = Field(index=True, max_length=40)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: Optional[dt.datetime] = None
