"""Repository functions over the store: sites, interviews, answers and the wide frame.

Everything here takes an explicit SQLModel Session (or Engine) and imports no Streamlit, so
the app, the CLI and the tests share it.

The *wide frame* is the contract between the store and every table, export and figure: one
row per respondent, the columns are the guide's codes in guide order, every cell a `str` or
`None` (blank = not asked / not recorded), rows sorted by `respondent_id`.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from survey.db import bulk_insert
from survey.guide import Guide, ValueProblem
from survey.models import Answer, AuditEntry, Interview, Site, utcnow

# Codes held on the interview/site rows rather than as answers.
META_CODES = ("respondent_id", "site", "site_type", "interviewer", "interview_date")


class StoreError(ValueError):
    """A refused change, with a message fit to show the user."""


class RespondentIdTaken(StoreError):
    """The respondent id is in use (for a generated id: another interview took it a moment ago)."""


def site_prefix(name: str) -> str:
    """Three-letter prefix for respondent ids: 'Amadeus' -> 'AMA', 'Tre Ege' -> 'TRE'."""
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "AE", "Ø": "OE", "Å": "AA"})
    letters = re.sub(r"[^A-Za-z]", "", name.translate(table))
    return (letters[:3] or "STD").upper()


def ensure_site(s: Session, name: str, site_type: str | None = None, prefix: str | None = None) -> Site:
    """The site called `name`, created if new. A known site's type must match if given."""
    name = name.strip()
    if not name:
        raise StoreError("Stedets navn mangler.")
    site = s.execute(select(Site).where(Site.name == name)).scalars().first()
    if site is None:
        if site_type not in ("boform", "vaerested"):
            raise StoreError(f"Stedet {name!r} er nyt: angiv type boform eller vaerested (fik {site_type!r}).")
        site = Site(name=name, site_type=site_type, prefix=(prefix or site_prefix(name)))
        s.add(site)
        s.flush()
    elif site_type and site.site_type != site_type:
        raise StoreError(f"Stedet {name!r} er registreret som {site.site_type}, ikke {site_type}.")
    return site


def list_sites(s: Session) -> list[Site]:
    return list(s.execute(select(Site).order_by(Site.site_type, Site.name)).scalars())


def next_respondent_id(s: Session, site: Site) -> str:
    """Site prefix + the next free running number, e.g. AMA-05."""
    prefix = site.prefix or site_prefix(site.name)
    used = s.execute(select(Interview.respondent_id).where(Interview.respondent_id.like(f"{prefix}-%"))).scalars()
    nums = [int(m.group(1)) for r in used if (m := re.fullmatch(re.escape(prefix) + r"-(\d+)", r))]
    return f"{prefix}-{(max(nums) + 1 if nums else 1):02d}"


def create_interview(s: Session, guide: Guide, site: Site, *, respondent_id: str | None = None,
                     interviewer: str | None = None, interview_date: dt.date | None = None,
                     source: str = "interview") -> Interview:
    rid = respondent_id or next_respondent_id(s, site)
    canon, problem = guide.check_value("respondent_id", rid)
    if problem or canon is None:
        raise StoreError(f"Respondent-id {rid!r}: {problem.text() if problem else 'mangler'}")
    if s.execute(select(Interview.id).where(Interview.respondent_id == canon)).first():
        raise RespondentIdTaken(f"Respondent-id {canon!r} findes allerede.")
    iv = Interview(respondent_id=canon, site_id=site.id, interviewer=interviewer or None,
                   interview_date=interview_date, guide_form_id=guide.form_id, guide_version=guide.version,
                   source=source)
    s.add(iv)
    s.flush()
    return iv


def get_interview(s: Session, interview_id: str) -> Interview | None:
    return s.get(Interview, interview_id)


def interview_by_respondent(s: Session, respondent_id: str) -> Interview | None:
    return s.execute(select(Interview).where(Interview.respondent_id == respondent_id)).scalars().first()


def get_answers(s: Session, interview_id: str) -> dict[str, str]:
    rows = s.execute(select(Answer.code, Answer.value).where(Answer.interview_id == interview_id))
    return {code: value for code, value in rows}


def set_answer(s: Session, guide: Guide, interview_id: str, code: str, raw: object, *,
               who: str | None = None, source: str = "interview") -> tuple[str | None, ValueProblem | None]:
    """Store one answer (blank deletes it). Returns (stored value, None) or (None, problem).

    A value the guide does not allow is not stored and the problem says what is allowed.
    Changes to a completed interview are written to the audit trail.
    """
    if code in META_CODES:
        raise StoreError(f"{code} sættes på interviewet, ikke som svar.")
    value, problem = guide.check_value(code, raw)
    if problem is not None:
        return None, problem
    iv = s.get(Interview, interview_id)
    if iv is None:
        raise StoreError(f"Interviewet {interview_id} findes ikke.")
    ans = s.execute(select(Answer).where(Answer.interview_id == interview_id, Answer.code == code)).scalars().first()
    old = ans.value if ans else None
    if old == value:
        return value, None
    now = utcnow()
    if value is None:
        s.delete(ans)
    elif ans is None:
        s.add(Answer(interview_id=interview_id, code=code, value=value, updated_at=now, updated_by=who, source=source))
    else:
        ans.value, ans.updated_at, ans.updated_by, ans.source = value, now, who, source
    if iv.status != "draft":
        s.add(AuditEntry(interview_id=interview_id, entity="answer", code=code, old_value=old, new_value=value,
                         who=who, at=now))
    iv.updated_at = now
    return value, None


def delete_interview(s: Session, interview_id: str) -> None:
    s.execute(delete(Answer).where(Answer.interview_id == interview_id))
    iv = s.get(Interview, interview_id)
    if iv is not None:
        s.delete(iv)


def count_interviews(s: Session) -> int:
    return int(s.execute(select(func.count()).select_from(Interview)).scalar_one())


def load_wide(engine_or_session: Engine | Session, guide: Guide, *,
              respondent_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The wide frame of every interview in the store (see module docstring)."""
    own = isinstance(engine_or_session, Engine)
    s = Session(engine_or_session) if own else engine_or_session
    try:
        meta_q = (select(Interview.id, Interview.respondent_id, Site.name, Site.site_type, Interview.interviewer,
                         Interview.interview_date)
                  .join(Site, Site.id == Interview.site_id, isouter=True))
        ans_q = select(Answer.interview_id, Answer.code, Answer.value)
        if respondent_ids is not None:
            ids = list(respondent_ids)
            meta_q = meta_q.where(Interview.respondent_id.in_(ids))
            ans_q = ans_q.join(Interview, Interview.id == Answer.interview_id).where(Interview.respondent_id.in_(ids))
        conn = s.connection()  # Core, not ORM: rows as plain tuples (ORM row processing was 2/3 of the time)
        meta = conn.execute(meta_q).all()
        answers = conn.execute(ans_q).all()
    finally:
        if own:
            s.close()
    codes = guide.codes
    rows: dict[str, dict[str, str | None]] = {}
    for iid, rid, site, stype, interviewer, date in meta:
        rows[iid] = {"respondent_id": rid, "site": site, "site_type": stype, "interviewer": interviewer,
                     "interview_date": date.isoformat() if date else None}
    known = set(codes)
    for iid, code, value in answers:
        r = rows.get(iid)
        if r is not None and code in known:
            r[code] = value
    df = pd.DataFrame.from_records(list(rows.values()), columns=codes)
    df = df.astype(object).where(df.notna(), None)
    return df.sort_values("respondent_id", kind="stable").reset_index(drop=True)


def insert_wide(s: Session, guide: Guide, df: pd.DataFrame, *, replace: bool = False, source: str = "import",
                who: str | None = None) -> int:
    """Write already-validated canonical wide rows (see survey.wideio) in one transaction.

    Sites are created as needed. A respondent already in the store is an error unless
    `replace`, in which case its interview is rebuilt from the row (audit entry kept).
    Returns the number of interviews written. Uses bulk inserts: thousands of rows a second.
    """
    if df.empty:
        return 0
    df = df.astype(object).where(df.notna(), None)
    ids = [str(r) for r in df["respondent_id"]]
    existing = dict(s.execute(select(Interview.respondent_id, Interview.id)
                              .where(Interview.respondent_id.in_(ids))).all()) if ids else {}
    if existing and not replace:
        raise StoreError("Findes allerede i databasen (brug --replace for at erstatte): " + ", ".join(sorted(existing)))
    now = utcnow()
    for rid, iid in existing.items():
        s.add(AuditEntry(interview_id=iid, entity="import", code="*", old_value=None, new_value=None, who=who,
                         at=now, note=f"{rid} erstattet ved import"))
        delete_interview(s, iid)
    s.flush()
    sites: dict[str, Site] = {}
    answer_codes = [c for c in guide.codes if c not in META_CODES]
    interviews, answers = [], []
    cols = list(df.columns)
    pos = {c: i for i, c in enumerate(cols)}
    for row in df.itertuples(index=False, name=None):
        site_name = row[pos["site"]]
        if site_name not in sites:
            sites[site_name] = ensure_site(s, site_name, row[pos["site_type"]])
        date = row[pos["interview_date"]] if "interview_date" in pos else None
        iid = Interview.model_fields["id"].default_factory()
        interviews.append(dict(id=iid, respondent_id=row[pos["respondent_id"]], site_id=sites[site_name].id,
                               interviewer=row[pos["interviewer"]] if "interviewer" in pos else None,
                               interview_date=dt.date.fromisoformat(date) if date else None,
                               status="complete", guide_form_id=guide.form_id, guide_version=guide.version,
                               created_at=now, updated_at=now, completed_at=now, source=source))
        for code in answer_codes:
            if code in pos:
                v = row[pos[code]]
                if v is not None and v != "":
                    answers.append((iid, code, v))
    s.execute(Interview.__table__.insert(), interviews)
    if answers:
        answers.sort()  # in (interview_id, code) order, the unique index is appended to, not scattered into
        _bulk_insert_answers(s, answers, now=now, who=who, source=source)
    return len(interviews)


def _bulk_insert_answers(s: Session, answers: list[tuple[str, str, str]], *, now: dt.datetime,
                         who: str | None, source: str) -> None:
    """(interview_id, code, value) rows in one bulk insert (survey.db picks the fast path per database)."""
    bulk_insert(s.connection(), Answer.__table__, ("interview_id", "code", "value"), answers,
                {"updated_at": now, "updated_by": who, "source": source})
