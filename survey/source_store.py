"""The other sources in the store (issue 7): case-worker, contact-person and leader interviews,
case-file (journal) extractions and Bilag C's reasons — storage, consent gating, import/export.

The domain (what a source means, its guide, the checks, the tables) is `survey.sources` and
`report.triangulation`; this module keeps them in the store the users' interviews live in.

Storage design
--------------
* A source is an ``interview`` row like a user's own: the same answers (one row per code),
  quotes, consent and audit trail, drafts/complete/reopened, autosave and resume in the app.
  ``interview.informant`` says whose (``bruger`` for the users' own — the only rows
  `survey.store.load_wide` reads — or ``sagsbehandler``/``kontaktperson``/``leder``/``journal``);
  ``guide_form_id``/``guide_version`` record the guide. The unique ``respondent_id`` holds the
  source's own pseudonymous id (``SB-AMA-01``, ``KP-AMA-01``, ``JK-AMA-01``/``JB-…`` for the
  municipal/boform file, ``LE-AMA``); ``subject_interview_id`` is the user's interview it is about
  (a foreign key, so a source can never point at a user who is not there; None for leaders);
  ``site_id`` is the leader's site or a copy of the user's. The guide codes ``respondent_id``,
  ``site`` and ``site_type`` of a source are read from those links, never stored as answers.
* ``source_status`` holds why a source is missing (Bilag C): one row per (user's interview,
  kilde) or (site, ``leder``), with who recorded it and when; every change is audited
  (``audit_entry.entity = "kilde"``). A source that exists needs no row.
* Rebuilding a user's interview (``import --replace``, ``demo --replace``) keeps its sources and
  reasons (`survey.store.insert_wide` moves the links to the new row).

Consent gating: a case-file extraction is only created, saved or imported when the user's
consent to journal access is ``ja`` — the stored answer ``consent_journal`` and, when the app
recorded the consent, the newest ``consent_record`` must both say ``ja`` (`journal_consent`).
Anything else raises `survey.sources.JournalConsentError` with its Danish message.

Nothing here logs answer values or free text.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from typing import Mapping, Sequence

import pandas as pd
from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import aliased
from sqlmodel import Session

from survey import guide_fit, store, wideio
from survey import interview as svc
from survey.clock import aware
from survey.consent import (check_journal_consent, consent_values, exportable, journal_consent,
                            refuse_for_respondents, refuse_new_source)
from survey.db import exclusive_session, is_read_only, is_transient, session_scope
from survey.errors import ReadOnlyStoreError, WithdrawnError
from survey.guide import CLOSED_TYPES, CPR_RE, Guide, shown_value
from survey.models import Answer, AuditEntry, ConsentRecord, Interview, Quote, Site, SourceStatus, utcnow
from survey.wideio import ImportResult, Message
from survey.sources import (CONSENT_CODE, CONSENT_QUESTION, INFORMANTS, KILDE_LABELS, KILDER, LINK, META_COLUMNS, REASON_COLUMNS,
                            SITE_KILDER, SOURCE_STATUS, STATUS_FOR, JournalConsentError, SourceError,
                            check_source_frame, consent_said, guide_for)

log = logging.getLogger(__name__)

#: The informant types stored as sources (everything but the users' own interviews).
SOURCE_INFORMANTS: tuple[str, ...] = tuple(i for i in INFORMANTS if i != store.USER_INFORMANT)
#: Prefix of a source's generated id; a case file's depends on whose file it is.
ID_PREFIX: dict[str, str] = {"sagsbehandler": "SB", "kontaktperson": "KP", "leder": "LE"}
JOURNAL_PREFIX: dict[str, str] = {"kommune": "JK", "boform": "JB"}
JOURNAL_KILDER: dict[str, str] = {"kommune": "Kommunens journal", "boform": "Boformens journal"}
#: Guide codes a source takes from its interview row and links (never stored as answers).
LINK_CODES = store.META_CODES


# ----------------------------------------------------------------------------- guides

def informant_guide(informant: str, engine: Engine | None = None, *, record: bool = True) -> Guide:
    """The (checked) guide of an informant type (`survey.sources.guide_for`; `load_guide` caches it
    per file and modification time). Raises `SourceError` / `survey.guide.GuideError` in Danish.

    With `engine` (every use with the store), another source's guide is refused when it does not fit
    the interviews of its type stored there (`survey.guide_fit.GuideFitError`, a `GuideError`; docs/guide.md
    «Når guiden ændres»): one row read once it has been found to fit. The user guide is checked where it
    is loaded (the pages, the CLI's ``--guide``), not here."""
    g = guide_for(informant)
    if engine is not None and informant != store.USER_INFORMANT:
        guide_fit.require_fit(engine, g, informant, record=record)
    return g


def check_guides(engine: Engine, informants: Sequence[str] = SOURCE_INFORMANTS, *,
                 record: bool = True) -> dict[str, Guide]:
    """informant type -> its guide, each refused (`survey.guide_fit.GuideFitError`) when it does not fit
    the store's interviews of its type (`informant_guide`); before a read in a session of the caller's.
    `record` False: from inside a caller's transaction (`survey.guide_fit.require_fit`)."""
    return {inf: informant_guide(inf, engine, record=record) for inf in informants}


def check_source_informant(informant: str) -> str:
    if informant not in SOURCE_INFORMANTS:
        raise SourceError(f"Ukendt kilde {informant!r} — tilladt: {', '.join(SOURCE_INFORMANTS)}.")
    return informant


# ----------------------------------------------------------------------------- users to choose from

def users(engine: Engine, *, for_new_source: bool = False) -> list[dict]:
    """The users' interviews a source can be about: ``interview_id``, ``respondent_id``, ``site``,
    ``site_type``, ``status``, ``consent_journal`` (in force), by respondent id. `for_new_source`: only
    those a new source may be about — not a user who withdrew consent to the interview (a tester found
    them offered on the start page; starting the source was refused)."""
    q = (select(Interview.id, Interview.respondent_id, Site.name, Site.site_type, Interview.status)
         .join(Site, Site.id == Interview.site_id, isouter=True)
         .where(Interview.informant == store.USER_INFORMANT))
    if for_new_source:
        q = q.where(exportable())
    with session_scope(engine) as s:
        rows = s.execute(q.order_by(Interview.respondent_id)).all()
        consent = consent_values(s, [r[0] for r in rows])
    return [{"interview_id": iid, "respondent_id": rid, "site": site, "site_type": st, "status": status,
             "consent_journal": consent.get(iid)} for iid, rid, site, st, status in rows]


def _user(s: Session, *, interview_id: str | None = None, respondent_id: str | None = None) -> Interview:
    q = select(Interview).where(Interview.informant == store.USER_INFORMANT)
    if interview_id:
        q = q.where(Interview.id == interview_id)
    elif respondent_id:
        q = q.where(Interview.respondent_id == str(respondent_id).strip())
    else:
        raise SourceError("Vælg den respondent, kilden handler om.")
    iv = s.execute(q).scalars().first()
    if iv is None:
        raise SourceError(f"Ukendt respondent {respondent_id or interview_id!r} (intet brugerinterview).")
    return iv


# ----------------------------------------------------------------------------- ids

def _taken(s: Session, rid: str) -> bool:
    """In use, or the id of a deleted source (issue 12: never given again)."""
    return (s.execute(select(Interview.id).where(Interview.respondent_id == rid)).first() is not None
            or bool(store.deleted_respondent_ids(s, [rid])))


def source_id_base(informant: str, *, subject_respondent_id: str | None = None, site_prefix: str | None = None,
                   kilde: str | None = None) -> str:
    """SB-AMA-01, KP-AMA-01, JK-AMA-01 (kommune) / JB-AMA-01 (boform), LE-AMA."""
    if informant == "leder":
        base = f"LE-{site_prefix or 'STED'}"
    elif informant == "journal":
        base = f"{JOURNAL_PREFIX.get(kilde or 'kommune', 'JK')}-{subject_respondent_id}"
    else:
        base = f"{ID_PREFIX[informant]}-{subject_respondent_id}"
    return base[:36]


def next_source_id(s: Session, base: str) -> str:
    """`base`, or `base`-2, -3 … when a source of the same kind about the same user exists."""
    if not _taken(s, base):
        return base
    n = 2
    while _taken(s, f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


# ----------------------------------------------------------------------------- starting in the app

def start_source_interview(engine: Engine, informant: str, *, subject_interview_id: str | None = None,
                           respondent_id: str | None = None, site_name: str | None = None,
                           kilde: str | None = None, interviewer: str | None = None,
                           interview_date: dt.date | None = None, principal=None) -> svc.InterviewInfo:
    """Start a draft interview with another informant (or a case-file extraction) in the app.

    ``sagsbehandler``/``kontaktperson``/``journal``: about the user `subject_interview_id` (or
    `respondent_id`); ``journal`` also needs `kilde` (``kommune``/``boform``) and the user's consent
    (else `JournalConsentError`). ``leder``: about the site `site_name`. An interviewer's
    `principal` starts it in their own name. Raises `svc.InterviewError` or `SourceError`
    (Danish messages).
    """
    check_source_informant(informant)
    owner_scope = getattr(svc, "owner_scope", None)
    if owner_scope is not None and principal is not None:
        try:
            owner = owner_scope(principal)
        except Exception as e:  # auth.AuthError: a role that may not take interviews
            raise svc.InterviewError(str(e)) from None
        if owner is not None:
            interviewer = owner
    interviewer = svc.clean_line(interviewer, "Interviewer")
    if interview_date is not None and not isinstance(interview_date, dt.date):
        raise svc.InterviewError("Interviewdatoen er ikke en dato.")
    if informant == "journal" and kilde not in JOURNAL_PREFIX:
        raise svc.InterviewError("Vælg hvis journal: kommunens eller boformens.")
    g = informant_guide(informant, engine)
    attempts = 10
    for attempt in range(attempts):
        try:
            with exclusive_session(engine, svc.START_LOCK) as s:   # one new id at a time (`svc.start_interview`)
                subject = None
                if LINK[informant] == "respondent":
                    subject = _user(s, interview_id=subject_interview_id, respondent_id=respondent_id)
                    if informant == "journal":
                        check_journal_consent(s, subject.id)
                    try:  # issue 12: not about one who withdrew consent
                        refuse_new_source(s, subject, informant)
                    except WithdrawnError as e:
                        raise SourceError(str(e)) from None
                    site = s.get(Site, subject.site_id) if subject.site_id is not None else None
                    base = source_id_base(informant, subject_respondent_id=subject.respondent_id, kilde=kilde)
                else:
                    name = (site_name or "").strip()
                    site = s.execute(select(Site).where(Site.name == name)).scalars().first() if name else None
                    if site is None:
                        raise svc.InterviewError("Vælg det sted, lederen leder.")
                    base = source_id_base(informant, site_prefix=site.prefix or store.site_prefix(site.name))
                sid = next_source_id(s, base)
                iv = Interview(respondent_id=sid, site_id=site.id if site else None, interviewer=interviewer,
                               interview_date=interview_date, guide_form_id=g.form_id, guide_version=g.version,
                               source="interview", informant=informant,
                               subject_interview_id=subject.id if subject is not None else None)
                s.add(iv)
                s.flush()
                if informant == "journal":
                    s.add(Answer(interview_id=iv.id, code="kilde", value=kilde, updated_by=interviewer))
                info = svc.info_of(iv, site)
            log.info("kildeinterview startet: %s", info.id)
            return info
        except IntegrityError:  # the generated id was taken a moment ago
            if attempt == attempts - 1:
                raise svc.InterviewError("Id'et blev taget af et andet interview lige nu. Prøv igen.") from None
        except SQLAlchemyError as e:
            if is_read_only(e):  # a read-only file or database user: trying again does not help
                raise svc.InterviewError(ReadOnlyStoreError.MESSAGE) from None
            if attempt == attempts - 1 or not is_transient(e):
                log.error("kildeinterview kunne ikke startes: %s", type(e).__name__)
                raise svc.InterviewError("Interviewet kunne ikke startes: databasen svarede ikke. "
                                         "Prøv igen.") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def sources_about(engine: Engine, respondent_id: str) -> list[svc.ListRow]:
    """Every source interview about one user (any status), oldest first — for the Kilder page."""
    with session_scope(engine) as s:
        user = _user(s, respondent_id=respondent_id)
        rows = s.execute(select(Interview, Site).join(Site, Site.id == Interview.site_id, isouter=True)
                         .where(Interview.subject_interview_id == user.id)
                         .order_by(Interview.informant, Interview.respondent_id)).all()
        infos = [svc.info_of(iv, site) for iv, site in rows]
    return [svc.ListRow(i.id, i.respondent_id, i.site_name, i.site_type, i.interviewer, i.status, i.created_at,
                        i.updated_at, 0, 0, 0, i.informant, i.subject_respondent_id) for i in infos]


# ----------------------------------------------------------------------------- reading

def load_sources(engine_or_session: Engine | Session, informants: Sequence[str] = SOURCE_INFORMANTS, *,
                 drafts: bool = False) -> dict[str, pd.DataFrame]:
    """informant type -> source frame, the shape `survey.sources` and `report.triangulation` take:
    ``source_id``, ``informant``, then the guide's codes (``respondent_id`` = the user the source is
    about; a leader's ``site``/``site_type`` = the site); cells str or None; rows by source_id.
    Every informant type asked for has a frame (no rows when there are no such sources). Sources
    about a user who withdrew consent (to the interview; case files: to journal access) are left
    out (`survey.privacy.exportable`, issue 12); drafts too unless `drafts` (`survey.store.counted`): a
    source that is a draft, and one about a user whose own interview is a draft."""
    for inf in informants:
        check_source_informant(inf)
    own = isinstance(engine_or_session, Engine)
    if own:  # a caller's session: the caller checked the guides before it opened it (`check_guides`)
        check_guides(engine_or_session, informants)
    s = Session(engine_or_session) if own else engine_or_session
    try:
        subj = aliased(Interview)
        q = (select(Interview.id, Interview.respondent_id, Interview.informant, subj.respondent_id, Site.name,
                    Site.site_type, Interview.interviewer, Interview.interview_date)
             .join(Site, Site.id == Interview.site_id, isouter=True)
             .join(subj, subj.id == Interview.subject_interview_id, isouter=True)
             .where(Interview.informant.in_(list(informants)))
             .where(exportable(Interview))  # issue 12: not about those who withdrew consent
             .where(store.counted(Interview, drafts=drafts))  # issue 14: completed interviews unless asked
             .where(or_(Interview.subject_interview_id.is_(None),  # … about a user whose interview is counted
                        store.counted(subj, drafts=drafts))))
        conn = s.connection()
        meta = conn.execute(q).all()
        answers = conn.execute(select(Answer.interview_id, Answer.code, Answer.value)
                               .join(Interview, Interview.id == Answer.interview_id)
                               .where(Interview.informant.in_(list(informants)))).all()
    finally:
        if own:
            s.close()
    guides = {inf: informant_guide(inf) for inf in informants}
    rows: dict[str, dict[str, str | None]] = {}
    kind: dict[str, str] = {}
    for iid, sid, inf, subject_rid, site, stype, interviewer, date in meta:
        kind[iid] = inf
        rows[iid] = {"source_id": sid, "informant": inf, "respondent_id": subject_rid, "site": site,
                     "site_type": stype, "interviewer": interviewer,
                     "interview_date": date.isoformat() if date else None}
    for iid, code, value in answers:
        r = rows.get(iid)
        if r is not None and code in guides[kind[iid]].items and code not in LINK_CODES:
            r[code] = value
    out: dict[str, pd.DataFrame] = {}
    for inf in informants:
        cols = list(META_COLUMNS) + guides[inf].codes
        recs = [{c: r.get(c) for c in cols} for iid, r in rows.items() if kind[iid] == inf]
        df = pd.DataFrame.from_records(recs, columns=cols)
        df = df.astype(object).where(df.notna(), None)
        out[inf] = df.sort_values("source_id", kind="stable").reset_index(drop=True)
    return out


def load_reasons(engine_or_session: Engine | Session, *, detail: bool = False) -> pd.DataFrame:
    """Bilag C's reasons in the store: columns `survey.sources.REASON_COLUMNS` (``respondent_id``
    for a user's source, ``site`` for a leader's); `detail` adds ``recorded_by``, ``recorded_at``
    and ``source``. Not those about a user who withdrew consent to the interview (issue 12)."""
    own = isinstance(engine_or_session, Engine)
    s = Session(engine_or_session) if own else engine_or_session
    try:
        q = (select(SourceStatus.kilde, Interview.respondent_id, Site.name, SourceStatus.status, SourceStatus.note,
                    SourceStatus.recorded_by, SourceStatus.recorded_at, SourceStatus.source)
             .join(Interview, Interview.id == SourceStatus.subject_interview_id, isouter=True)
             .join(Site, Site.id == SourceStatus.site_id, isouter=True)
             .where(or_(SourceStatus.subject_interview_id.is_(None), exportable(Interview)))
             .order_by(SourceStatus.kilde, Interview.respondent_id, Site.name))
        rows = s.connection().execute(q).all()
    finally:
        if own:
            s.close()
    cols = REASON_COLUMNS + (["recorded_by", "recorded_at", "source"] if detail else [])
    recs = []
    for kilde, rid, site, status, note, by, at, src in rows:
        rec = {"kilde": kilde, "respondent_id": rid, "site": site, "status": status, "note": note}
        if detail:
            rec.update(recorded_by=by, recorded_at=aware(at), source=src)
        recs.append(rec)
    return pd.DataFrame(recs, columns=cols, dtype=object)


def load_all(engine: Engine, user_guide: Guide | None = None, *, drafts: bool = False) -> dict[str, pd.DataFrame]:
    """What the triangulation tables need from the store: ``brugere`` (the users' wide frame, with
    `user_guide`), the four source frames and ``aarsager`` (the reasons); completed interviews only
    unless `drafts`."""
    g = user_guide or informant_guide("bruger")
    check_guides(engine)
    with Session(engine) as s:
        out: dict[str, pd.DataFrame] = {"brugere": store.load_wide(s, g, drafts=drafts)}
        out.update(load_sources(s, drafts=drafts))
        out["aarsager"] = load_reasons(s)
    return out


def restrict(frames: Mapping[str, pd.DataFrame], wide_df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The source frames and reasons limited to the users of `wide_df` (a population) and their sites."""
    ids = set(wide_df["respondent_id"]) if "respondent_id" in wide_df.columns else set()
    sites = set(wide_df["site"].dropna()) if "site" in wide_df.columns else set()
    out: dict[str, pd.DataFrame] = {}
    for k, df in frames.items():
        if k == "brugere" or df is None:
            continue
        if k == "leder":
            out[k] = df[df["site"].isin(sites)].reset_index(drop=True)
        elif k == "aarsager":
            mask = df["respondent_id"].isin(ids) | (df["respondent_id"].isna() & df["site"].isin(sites))
            out[k] = df[mask].reset_index(drop=True)
        else:
            out[k] = df[df["respondent_id"].isin(ids)].reset_index(drop=True)
    return out


# ----------------------------------------------------------------------------- Bilag C's reasons

def _reason_target(s: Session, kilde: str, respondent_id: str | None, site: str | None
                   ) -> tuple[Interview | None, Site | None]:
    if kilde in SITE_KILDER:
        name = (site or "").strip()
        st = s.execute(select(Site).where(Site.name == name)).scalars().first() if name else None
        if st is None:
            raise SourceError(f"Ukendt sted {site!r}.")
        return None, st
    return _user(s, respondent_id=respondent_id), None


def _check_reason(kilde: str, status: str) -> None:
    if kilde not in STATUS_FOR:
        raise SourceError(f"Ukendt kilde {kilde!r} — tilladt: {', '.join(STATUS_FOR)}.")
    allowed = [x for x in STATUS_FOR[kilde] if x != "foreligger"]
    if status not in allowed:
        raise SourceError(f"Årsagen {status!r} passer ikke til {KILDE_LABELS[kilde]} — tilladt: "
                          + ", ".join(f"{x} ({SOURCE_STATUS[x]})" for x in allowed) + ".")


def set_source_status(engine: Engine, kilde: str, status: str | None, *, respondent_id: str | None = None,
                      site: str | None = None, note: str | None = None, who: str | None = None,
                      source: str = "forsker") -> str | None:
    """Record (or, with `status` None/"", remove) why a source is missing — Bilag C's reason.

    `kilde`: one of `survey.sources.KILDER` (about the user `respondent_id`) or ``leder`` (about the
    site `site`); `status`: a code of `survey.sources.STATUS_FOR[kilde]` other than ``foreligger``.
    Every change is written to the audit trail (entity ``kilde``, old and new reason). Returns the
    stored status. Raises `SourceError` with a Danish message.
    """
    status = (status or "").strip() or None
    if kilde not in STATUS_FOR:
        raise SourceError(f"Ukendt kilde {kilde!r} — tilladt: {', '.join(STATUS_FOR)}.")
    if status is not None:
        _check_reason(kilde, status)
    note = svc.clean_line(note, "Noten", 500) if note else None
    who = svc.clean_line(who, "Hvem") if who else None
    with session_scope(engine) as s:
        subject, st = _reason_target(s, kilde, respondent_id, site)
        q = select(SourceStatus).where(SourceStatus.kilde == kilde)
        q = q.where(SourceStatus.site_id == st.id) if st is not None else \
            q.where(SourceStatus.subject_interview_id == subject.id)
        row = s.execute(q).scalars().first()
        old = (row.status, row.note) if row is not None else (None, None)
        if old == (status, note if status else None):
            return status
        now = utcnow()
        if status is None:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(SourceStatus(subject_interview_id=subject.id if subject else None, site_id=st.id if st else None,
                               kilde=kilde, status=status, note=note, recorded_by=who, recorded_at=now, source=source))
        else:
            row.status, row.note, row.recorded_by, row.recorded_at, row.source = status, note, who, now, source
        where = st.name if st is not None else subject.respondent_id
        s.add(AuditEntry(interview_id=subject.id if subject else None, entity="kilde", code=kilde,
                         old_value=old[0], new_value=status, who=who, at=now,
                         note=f"{where}: {KILDE_LABELS[kilde]}" + (f" — {note}" if note else "")))
    return status


def insert_reasons(s: Session, reasons: pd.DataFrame, *, who: str | None = None, source: str = "import") -> int:
    """Write a frame of reasons (`REASON_COLUMNS`) in the caller's transaction; replaces a reason
    already there for the same user/site and kilde. Returns the number written."""
    n = 0
    now = utcnow()
    for rec in reasons.astype(object).where(reasons.notna(), None).to_dict("records"):
        kilde, status = rec.get("kilde"), rec.get("status")
        _check_reason(kilde, status)
        subject, st = _reason_target(s, kilde, rec.get("respondent_id"), rec.get("site"))
        q = select(SourceStatus).where(SourceStatus.kilde == kilde)
        q = q.where(SourceStatus.site_id == st.id) if st is not None else \
            q.where(SourceStatus.subject_interview_id == subject.id)
        row = s.execute(q).scalars().first()
        if row is None:
            s.add(SourceStatus(subject_interview_id=subject.id if subject else None, site_id=st.id if st else None,
                               kilde=kilde, status=status, note=rec.get("note"), recorded_by=who, recorded_at=now,
                               source=source))
        else:
            row.status, row.note, row.recorded_by, row.recorded_at, row.source = \
                status, rec.get("note"), who, now, source
        n += 1
    s.flush()
    return n


# ----------------------------------------------------------------------------- writing sources

def delete_source_interviews(s: Session, ids: list[str]) -> None:
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        s.execute(delete(Answer).where(Answer.interview_id.in_(part)))
        s.execute(delete(Quote).where(Quote.interview_id.in_(part)))
        s.execute(delete(ConsentRecord).where(ConsentRecord.interview_id.in_(part)))
        s.execute(delete(Interview).where(Interview.id.in_(part)))


def insert_sources(s: Session, informant: str, frame: pd.DataFrame, *, replace: bool = False,
                   who: str | None = None, source: str = "import") -> int:
    """Write a checked source frame (`survey.sources.check_source_frame`) in the caller's transaction.

    Every row becomes a completed interview of `informant` linked to its user (or, for a leader,
    its site, created when new). A case file needs the user's consent in the store
    (`JournalConsentError` listing every refused user). A source id already in the store is an
    error unless `replace` (then that source is rebuilt, audited). Returns the rows written.
    """
    check_source_informant(informant)
    g = informant_guide(informant)
    frame = frame.astype(object).where(frame.notna(), None)
    if frame.empty:
        return 0
    sids = [str(x) for x in frame["source_id"]]
    existing = dict(s.execute(select(Interview.respondent_id, Interview.id)
                              .where(Interview.respondent_id.in_(sids))).all())
    store.refuse_deleted(s, sids, "importeres")  # issue 12: a deleted source never comes back from an old file
    if existing:
        kinds = dict(s.execute(select(Interview.id, Interview.informant)
                               .where(Interview.id.in_(list(existing.values())))).all())
        clash = sorted(sid for sid, iid in existing.items() if kinds[iid] != informant)
        if clash:
            raise SourceError("Id'et bruges allerede af et andet slags interview (aldrig erstattet): "
                              + ", ".join(clash))
        if not replace:
            raise SourceError("Findes allerede i databasen (brug --replace for at erstatte): "
                              + ", ".join(sorted(existing)))
    subjects: dict[str, Interview] = {}
    if LINK[informant] == "respondent":
        rids = sorted({str(r) for r in frame["respondent_id"] if r is not None})
        found = {iv.respondent_id: iv for iv in s.execute(
            select(Interview).where(Interview.informant == store.USER_INFORMANT,
                                    Interview.respondent_id.in_(rids))).scalars()}
        unknown = [r for r in rids if r not in found]
        if unknown:
            raise SourceError("Kilderne henviser til ukendte respondenter (intet brugerinterview): "
                              + ", ".join(unknown))
        subjects = found
        refuse_for_respondents(s, found, "gemmes i en kilde")  # issue 12: not about those who withdrew consent
        if informant == "journal":
            consent = consent_values(s, [iv.id for iv in found.values()])
            refused = sorted(r for r, iv in found.items() if consent.get(iv.id) != "ja")
            if refused:
                raise JournalConsentError(
                    f"Journaludtræk afvist — kun «Ja» på {CONSENT_QUESTION} giver adgang; brugeren har ikke givet "
                    "tilladelse til journalindsigt: " + ", ".join(
                        f"{r} ({consent_said(consent[found[r].id], short=True)})" for r in refused) + ".", refused)
    now = utcnow()
    if existing:
        for sid, iid in existing.items():
            s.add(AuditEntry(interview_id=None, entity="import", code="*", who=who, at=now,
                             note=f"{sid} ({informant}) erstattet ved import"))
        delete_source_interviews(s, list(existing.values()))
        s.flush()
    sites: dict[str, Site] = {}
    interviews, answers = [], []
    answer_codes = [c for c in g.codes if c not in LINK_CODES]
    for rec in frame.to_dict("records"):
        iid = Interview.model_fields["id"].default_factory()
        if LINK[informant] == "respondent":
            subj = subjects[str(rec["respondent_id"])]
            site_id, subject_id = subj.site_id, subj.id
        else:
            name = rec.get("site")
            if name not in sites:
                sites[name] = store.ensure_site(s, name, rec.get("site_type"))
            site_id, subject_id = sites[name].id, None
        date = rec.get("interview_date")
        interviews.append(dict(id=iid, respondent_id=str(rec["source_id"]), site_id=site_id,
                               interviewer=rec.get("interviewer"),
                               interview_date=dt.date.fromisoformat(date) if date else None, status="complete",
                               guide_form_id=g.form_id, guide_version=g.version, created_at=now, updated_at=now,
                               completed_at=now, source=source, informant=informant,
                               subject_interview_id=subject_id))
        for code in answer_codes:
            v = rec.get(code)
            if v is not None and v != "":
                answers.append((iid, code, v))
    s.execute(Interview.__table__.insert(), interviews)
    if answers:
        answers.sort()
        store.bulk_insert_answers(s, answers, now=now, who=who, source=source)
    return len(interviews)


# ----------------------------------------------------------------------------- import

def _problem(text: str, row: int | None = None, kind: str = "value", *, column: str | None = None,
             value: object = None, value_type: str | None = None, text_en: str | None = None,
             sort_row: int | None = None):
    """A `survey.wideio.Message` (row, column, what is allowed). `value` is shown only for a closed
    `value_type` (choices, numbers, dates) and then masked (`survey.guide.shown_value`); ids and
    free text never. A CPR-like number in the text is masked too. `sort_row` orders a message
    whose text already names its row."""
    text = CPR_RE.sub("xxxxxx-xxxx", text)
    shown, hidden = shown_value(value_type or "", value)
    m = Message(kind, text, CPR_RE.sub("xxxxxx-xxxx", text_en or text), row=row, column=column, value=shown,
                show_value=column is not None and value_type in CLOSED_TYPES and (shown is not None or hidden),
                masked=hidden)
    object.__setattr__(m, "_sort", sort_row if sort_row is not None else (row or 0))
    return m


def _read(informant: str, data: bytes, encoding: str | None = None):
    """(frame of raw cells with the file's headings mapped to codes, spreadsheet row numbers,
    problems, file kind, warnings). The file is read by `survey.wideio` (the same encodings rule,
    archive limits and size cap as the users' import)."""
    g = informant_guide(informant)
    problems = []
    try:
        table = wideio.read_table(data, g, encoding)
        table_rows = list(table.rows)  # a source file is small (one row per interview)
    except wideio.Refused as r:
        return None, [], [r.message], "", []
    known = {c.casefold(): c for c in list(META_COLUMNS) + g.codes}
    width = max([len(table.header)] + [len(r) for _n, r in table_rows])
    heads: list[str | None] = []
    seen: dict[str, int] = {}
    for j in range(width):
        head = table.header[j] if j < len(table.header) else None
        text = "" if head is None else str(head).strip()
        if not text:
            heads.append(None)
            continue
        code = known.get(text.casefold(), text)
        if code in seen:
            problems.append(_problem(f"kolonnen står to gange (kolonne {wideio.col_letter(seen[code])} og "
                                     f"{wideio.col_letter(j)}) — hver kode må kun stå én gang", table.header_row,
                                     "duplicate_column", column=code,
                                     text_en=f"the column appears twice (columns {wideio.col_letter(seen[code])} "
                                             f"and {wideio.col_letter(j)}) — each code may appear only once"))
            heads.append(None)
            continue
        seen[code] = j
        heads.append(code)
    rows, numbers = [], []
    for n, cells in table_rows:
        if all(wideio.is_blank_cell(c) for c in cells):
            continue
        rec: dict[str, object] = {}
        for j, raw in enumerate(cells):
            code = heads[j] if j < len(heads) else None
            if code is None:
                if not wideio.is_blank_cell(raw):
                    problems.append(_problem("kolonnen har ingen overskrift, men har værdier — skriv koden fra "
                                             "spørgeguiden i overskriftsrækken eller slet kolonnen", n,
                                             "unnamed_column", column=wideio.col_letter(j),
                                             text_en="the column has no heading but has values — write the guide's "
                                                     "code in the header row or delete the column"))
                continue
            if isinstance(raw, wideio.CellError):
                problems.append(_problem(raw.reason()[0], n, column=code, text_en=raw.reason()[1]))
                raw = None
            elif table.csv and isinstance(raw, str):
                raw = wideio.csv_unescape(raw)
            rec[code] = raw
        rows.append(rec)
        numbers.append(n)
    cols = [h for h in heads if h is not None]
    frame = pd.DataFrame(rows, columns=cols, dtype=object) if rows else pd.DataFrame(columns=cols, dtype=object)
    if not rows:
        problems.append(_problem("filen har ingen kilder (kun overskriftsrækken)", table.header_row + 1, "empty",
                                 text_en="the file has no sources (only the header row)"))
    return frame, numbers, problems, table.kind, table.warnings


def check_sources(engine: Engine, informant: str, data: bytes, *, replace: bool = False,
                  encoding: str | None = None):
    """Check file content as `import_sources` would, writing nothing (but the guide's fit record, `survey.guide_fit`):
    (ImportResult, canonical frame).
    `encoding` forces a CSV's encoding (else detected as `survey.wideio` does)."""
    check_source_informant(informant)
    g = informant_guide(informant, engine)
    result = ImportResult()
    frame, numbers, problems, kind, warnings = _read(informant, data, encoding)
    result.file_kind = kind
    result.problems.extend(problems)
    result.warnings.extend(warnings)
    if frame is None:
        return result, None
    result.rows = len(frame)
    canon = None
    try:
        canon = check_source_frame(frame, g, None, row_numbers=numbers)
    except SourceError as e:
        lines = str(e).split("\n")
        if len(lines) == 1:
            result.problems.append(_problem(lines[0], None, "file"))
        for line in lines[1:]:
            text = line.strip().removeprefix("- ")
            row = None
            if text.startswith("række "):
                try:
                    row = int(text.split()[1].rstrip(",:"))
                except (IndexError, ValueError):
                    row = None
            result.problems.append(_problem(text[:1].upper() + text[1:], None, sort_row=row))
    # links, consent and ids against the store: every row, also when cells were refused above
    with Session(engine) as s:
        user_rows = dict(s.execute(select(Interview.respondent_id, Interview.id)
                                   .where(Interview.informant == store.USER_INFORMANT)).all())
        consent = consent_values(s, user_rows.values()) if informant == "journal" else {}
        taken = dict(s.execute(select(Interview.respondent_id, Interview.informant)).all())
        sites = dict(s.execute(select(Site.name, Site.site_type)).all())
    for n, rec in zip(numbers, frame.to_dict("records")):
        sid = rec.get("source_id")
        sid = None if sid is None else str(sid).strip()
        if sid and sid in taken:
            if taken[sid] != informant:
                result.problems.append(_problem(f"bruges allerede af et {taken[sid]}-interview i databasen — "
                                                "tilladt: et nyt id", n, "exists", column="source_id",
                                                text_en=f"already used by a {taken[sid]} interview in the store — "
                                                        "allowed: a new id"))
            elif not replace:
                result.problems.append(_problem("findes allerede i databasen — brug --replace for at erstatte "
                                                "kilden", n, "exists", column="source_id",
                                                text_en="already in the store — use --replace to replace the source"))
        if LINK[informant] == "respondent":
            raw = rec.get("respondent_id")
            rid = None if raw is None or str(raw).strip() == "" else str(raw).strip()
            if rid is None:
                continue
            if rid not in user_rows:
                result.problems.append(_problem("ukendt respondent (intet brugerinterview i databasen) — tilladt: "
                                                "respondent-id fra brugernes interview", n, "unknown_respondent",
                                                column="respondent_id",
                                                text_en="unknown respondent (no user interview in the store) — "
                                                        "allowed: a respondent id of the users' interviews"))
            elif informant == "journal" and consent.get(user_rows[rid]) != "ja":
                c = consent.get(user_rows[rid])
                found = "ikke besvaret" if c is None else repr(c)
                result.problems.append(_problem(
                    f"journaludtræk afvist: brugeren har ikke givet tilladelse til journalindsigt ({CONSENT_CODE} er "
                    f"{found}) — tilladt: kun respondenter med {CONSENT_CODE} = ja", n, "consent",
                    column="respondent_id",
                    text_en=f"case file refused: the user has not consented to journal access ({CONSENT_CODE} is "
                            f"{'not answered' if c is None else repr(c)}) — allowed: only respondents with "
                            f"{CONSENT_CODE} = ja"))
        else:
            site, stype = rec.get("site"), rec.get("site_type")
            site = None if site is None else str(site).strip()
            if site and site in sites and stype and str(stype).strip() != sites[site]:
                result.problems.append(_problem(f"stedet {site} er registreret som {sites[site]} i databasen — "
                                                f"tilladt: {sites[site]}", n, "site_type", column="site_type",
                                                value=stype, value_type="select_one",
                                                text_en=f"the site {site} is registered as {sites[site]} in the "
                                                        f"store — allowed: {sites[site]}"))
    result.problems.sort(key=lambda m: getattr(m, "_sort", m.row or 0))
    return result, canon


def import_sources(engine: Engine, informant: str, path_or_data: str | os.PathLike | bytes, *,
                   replace: bool = False, who: str | None = None, encoding: str | None = None):
    """Check and import a wide CSV/XLSX file of sources (one row per interview or case file):
    every row or, if anything is wrong, none. Returns a `survey.wideio.ImportResult` whose problems
    each name the row, the column and what is allowed (the value only for codes, numbers and
    dates, masked). `encoding` forces a CSV's encoding (else detected as `survey.wideio` does)."""
    if isinstance(path_or_data, (bytes, bytearray)):
        data = bytes(path_or_data)
    else:
        data = wideio.read_path(path_or_data)
        if isinstance(data, wideio.Message):
            return wideio.ImportResult(problems=[data])
    if len(data) > wideio.MAX_FILE_BYTES:
        return wideio.ImportResult(problems=[wideio.too_big_message(len(data))])
    result, canon = check_sources(engine, informant, data, replace=replace, encoding=encoding)
    if result.problems or canon is None:
        return result
    try:
        with session_scope(engine) as s:
            result.written = insert_sources(s, informant, canon, replace=replace, who=who, source="import")
    except store.StoreError as e:  # the store changed since the check (consent withdrawn, another import)
        result.problems.append(_problem(str(e), None, "file"))
        result.written = 0
    return result


__all__ = ["SOURCE_INFORMANTS", "informant_guide", "consent_values", "journal_consent", "check_journal_consent",
           "check_guides", "users", "start_source_interview", "sources_about", "load_sources", "load_reasons", "load_all",
           "restrict", "set_source_status", "insert_reasons", "insert_sources", "check_sources", "import_sources",
           "check_source_informant", "KILDER", "JOURNAL_KILDER"]


# ---------------------------------------------------------------- for the app's pages, in their own transaction

def journal_consent_problem(engine, interview_id: str) -> str | None:
    """For a case-file interview: why nothing can be saved in it (the user does not consent to journal
    access, `check_journal_consent`, in Danish); None when it may be saved."""
    with session_scope(engine) as s:
        iv = s.get(Interview, interview_id)
        try:
            check_journal_consent(s, iv.subject_interview_id if iv else None)
        except JournalConsentError as e:
            return str(e)
    return None
