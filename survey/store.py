"""Repository functions over the store: sites, interviews, answers and the wide frame.

Everything here takes an explicit SQLModel Session (or Engine) and imports no Streamlit, so
the app, the CLI and the tests share it.

The *wide frame* is the contract between the store and every table, export and figure: one
row per respondent, the columns are the guide's codes in guide order, every cell a `str` or
`None` (blank = not asked / not recorded), rows sorted by `respondent_id`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import delete, func, insert, select, true, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from survey.db import bulk_insert, exclusive_session, fetch_columns, is_read_only, retrying
from survey.guide import CPR_RE, Guide, ValueProblem
from survey.consent import exportable, refuse_for_respondents, refuse_if_withdrawn
from survey.errors import RespondentIdTaken, StoreError
from survey.plainread import JOURNAL, wide_from_rows
from survey.pseudonyms import INTERVIEWER, KEY_SETTING, Assignment, assign, new_key, study_order
from survey.models import (USER_INFORMANT, Answer, AuditEntry, ConsentWithdrawal, IdentifierNumber, Interview,
                           MergeConflict, Quote, QuoteCode, SegmentCode, Site, SourceStatus, StudySetting, Transcript,
                           utcnow)

if TYPE_CHECKING:  # pandas is imported by the functions that build frames: the app's first page needs none
    import pandas as pd

# Codes held on the interview/site rows rather than as answers.
META_CODES = ("respondent_id", "site", "site_type", "interviewer", "interview_date")


#: AuditEntry.entity of a deleted interview's tombstone (issue 12; `survey.privacy`)
TOMBSTONE_ENTITY = "sletning"
#: the tombstone's field (in its JSON) with the deleted respondent id's fingerprint
TOMBSTONE_KEY = "noegle"


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


SITE_TYPE_NAMES = {"vaerested": "værested", "boform": "boform"}
_SITE_PREFIX_RE = re.compile(r"[A-ZÆØÅ0-9]{1,12}")


def _site_name(name: object) -> str:
    n = " ".join(str(name or "").split())
    if not n:
        raise StoreError("Stedets navn mangler.")
    if len(n) > 200:
        raise StoreError(f"Stedets navn er for langt ({len(n)} tegn, højst 200).")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in n):
        raise StoreError("Stedets navn må ikke indeholde kontroltegn.")
    if CPR_RE.search(n):  # a site's name leaves the team as it is (exports, tables)
        raise StoreError("Stedets navn ligner et CPR-nummer. Skriv aldrig CPR-numre i Brugerblik.")
    return n


def _site_type(site_type: object) -> str:
    if site_type not in SITE_TYPE_NAMES:
        raise StoreError(f"Ukendt stedtype {str(site_type)[:40]!r} — tilladt: boform eller vaerested.")
    return str(site_type)


def _site_audit(s: Session, site: Site, code: str, old: str | None, new: str | None, who: str | None,
                note: str) -> None:
    s.add(AuditEntry(interview_id=None, entity="site", code=f"site:{site.id}:{code}", old_value=old,
                     new_value=new, who=who, at=utcnow(), note=note))


def add_site(s: Session, name: str, site_type: str, prefix: str | None = None, *, who: str | None = None) -> Site:
    """A new site (administration): refused if the name is taken. Audited (entity ``site``)."""
    n, t = _site_name(name), _site_type(site_type)
    p = (prefix or "").strip().upper() or site_prefix(n)
    if not _SITE_PREFIX_RE.fullmatch(p):
        raise StoreError("Forkortelsen må kun have bogstaver og tal (højst 12), fx AMA.")
    if s.execute(select(Site.id).where(Site.name == n)).first():
        raise StoreError(f"Stedet «{n}» findes allerede.")
    site = ensure_site(s, n, t, prefix=p)
    _site_audit(s, site, "oprettet", None, f"{n} ({SITE_TYPE_NAMES[t]})", who, f"sted {n} oprettet")
    return site


def rename_site(s: Session, site_id: int, name: str | None = None, site_type: str | None = None, *,
                who: str | None = None) -> Site:
    """Rename a site and/or change its type (administration). The prefix, and so the respondent ids
    already given, stay as they are. Every change is audited (entity ``site``: who, when, old, new)."""
    site = s.get(Site, site_id)
    if site is None:
        raise StoreError("Stedet findes ikke (måske er det lige blevet ændret).")
    if name is not None:
        n = _site_name(name)
        if n != site.name:
            if s.execute(select(Site.id).where(Site.name == n, Site.id != site.id)).first():
                raise StoreError(f"Der findes allerede et sted, der hedder «{n}».")
            _site_audit(s, site, "navn", site.name, n, who, f"sted omdøbt: {site.name} → {n}")
            site.name = n
    if site_type is not None:
        t = _site_type(site_type)
        if t != site.site_type:
            _site_audit(s, site, "type", site.site_type, t, who, f"stedtype ændret for {site.name}")
            site.site_type = t
    s.flush()
    return site


def id_form(respondent_id: object) -> str:
    """What makes two respondent (or source) ids the same id: the text in Unicode's compatibility
    form (NFKC: «ＡＭＡ-02» is «AMA-02»), trimmed, in capitals — «ama-02» is «AMA-02». Ids that
    differ only so are one person to a reader of a table; the store never holds two of them
    (`refuse_lookalikes`) and a deleted one never comes back in another form (found by a tester)."""
    return unicodedata.normalize("NFKC", str(respondent_id)).strip().upper()


def _fingerprint(text: str) -> str:
    return hashlib.sha256(b"brugerblik-sletning\x00" + text.encode("utf-8")).hexdigest()[:32]


def respondent_key(respondent_id: str) -> str:
    """A one-way fingerprint of a respondent (or source) id (of its `id_form`), kept in the tombstone
    of a deleted interview so the same id is never stored again — not by re-importing an old export,
    not as a new interview's id, not from a field package, not in other capitals or Unicode forms
    (issue 12). The id itself is a pseudonym; the fingerprint lets whoever holds a list of ids
    recognise a deleted one, nothing more."""
    return _fingerprint(id_form(respondent_id))


def respondent_keys(respondent_id: str) -> set[str]:
    """Every fingerprint a tombstone of this id may hold: `respondent_key`, and those written before
    ids were compared in their `id_form` (the id as written, in NFKC, in small letters)."""
    raw = str(respondent_id)
    nfkc = unicodedata.normalize("NFKC", raw).strip()
    return {respondent_key(raw), _fingerprint(raw), _fingerprint(nfkc), _fingerprint(nfkc.lower())}


def stored_id_forms(s: Session) -> dict[str, str]:
    """Each respondent id in the store by its `id_form`."""
    return {id_form(r): r for r in s.execute(select(Interview.respondent_id)).scalars()}


def refuse_lookalikes(s: Session, respondent_ids: Iterable[str | None], what: str = "gemmes",
                      stored: dict[str, str] | None = None) -> None:
    """Raise `StoreError` when an id is another one in other capitals or Unicode forms (`id_form`):
    one already in the store, or another in the same batch. Naming both (pseudonyms). `stored`: the
    store's ids by form (`stored_id_forms`), kept by a caller that writes in batches — read once, and
    the batch's ids added to it here (an import of 200,000 rows read the whole table for each batch
    of 1,000: 37 of its 58 s)."""
    ids = [str(r) for r in respondent_ids if r]
    if not ids:
        return
    seen: dict[str, str] = {}
    clash: list[str] = []
    for r in ids:
        f = id_form(r)
        if f in seen and seen[f] != r:
            clash.append(f"«{r}» og «{seen[f]}»")
        seen.setdefault(f, r)
    for f, r in (stored if stored is not None else stored_id_forms(s)).items():
        if f in seen and seen[f] != r:
            clash.append(f"«{seen[f]}» og «{r}» (findes)")
    if not clash and stored is not None:
        stored.update(seen)
    if clash:
        raise StoreError(f"Respondent-id'er, der kun adskiller sig ved store/små bogstaver eller tegnformer, er det "
                         f"samme id og kan ikke {what}: " + ", ".join(sorted(set(clash))[:20])
                         + ". Ret id'et i filen. Intet er ændret.")


def deleted_respondent_ids(s: Session, respondent_ids: Iterable[str | None]) -> set[str]:
    """Those of `respondent_ids` whose interview was deleted here (a tombstone holds their fingerprint)."""
    keys: dict[str, set[str]] = {}
    for r in respondent_ids:
        if r:
            for k in respondent_keys(r):
                keys.setdefault(k, set()).add(str(r))
    if not keys:
        return set()
    out: set[str] = set()
    for value in s.execute(select(AuditEntry.new_value).where(AuditEntry.entity == TOMBSTONE_ENTITY)).scalars():
        try:
            key = json.loads(value or "{}").get(TOMBSTONE_KEY)
        except (ValueError, AttributeError):
            continue
        if key in keys:
            out |= keys[key]
    return out


def refuse_deleted(s: Session, respondent_ids: Iterable[str | None], what: str = "gemmes") -> None:
    """Raise `StoreError` (one message naming every one) when any of `respondent_ids` was deleted."""
    gone = sorted(deleted_respondent_ids(s, respondent_ids))
    if gone:
        raise StoreError(f"Disse id'er er slettet (GDPR art. 17) og kan ikke {what} igen: " + ", ".join(gone)
                         + ". Giv personen et nyt id, hvis der er et nyt samtykke. Intet er ændret.")


def next_respondent_id(s: Session, site: Site) -> str:
    """Site prefix + the next free running number, e.g. AMA-05 (never the id of a deleted respondent)."""
    prefix = site.prefix or site_prefix(site.name)
    used = s.execute(select(Interview.respondent_id).where(Interview.respondent_id.like(f"{prefix}-%"))).scalars()
    nums = [int(m.group(1)) for r in used if (m := re.fullmatch(re.escape(prefix) + r"-(\d+)", r))]
    n = max(nums) + 1 if nums else 1
    while True:
        candidates = [f"{prefix}-{k:02d}" for k in range(n, n + 20)]
        gone = deleted_respondent_ids(s, candidates)
        free = [c for c in candidates if c not in gone]
        if free:
            return free[0]
        n += 20


def create_interview(s: Session, guide: Guide, site: Site, *, respondent_id: str | None = None,
                     interviewer: str | None = None, interview_date: dt.date | None = None,
                     source: str = "interview") -> Interview:
    rid = respondent_id or next_respondent_id(s, site)
    canon, problem = guide.check_value("respondent_id", rid)
    if problem or canon is None:
        raise StoreError(f"Respondent-id {rid!r}: {problem.text() if problem else 'mangler'}")
    if s.execute(select(Interview.id).where(Interview.respondent_id == canon)).first():
        raise RespondentIdTaken(f"Respondent-id {canon!r} findes allerede.")
    refuse_deleted(s, [canon], "bruges")
    refuse_lookalikes(s, [canon], "bruges")
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


def get_versions(s: Session, interview_id: str) -> dict[str, int]:
    """code -> version of every stored answer of one interview (issue 10: no silent overwrite)."""
    rows = s.execute(select(Answer.code, Answer.version).where(Answer.interview_id == interview_id))
    return {code: int(v or 1) for code, v in rows}


def set_answer(s: Session, guide: Guide, interview_id: str, code: str, raw: object, *,
               who: str | None = None, source: str = "interview",
               note: str | None = None) -> tuple[str | None, ValueProblem | None]:
    """Store one answer (blank deletes it). Returns (stored value, None) or (None, problem).

    A value the guide does not allow is not stored and the problem says what is allowed.
    Every change is written to the audit trail (who, when, old and new value, `note` or «kladde» in a
    draft) — in a draft too (issue 6: every change to an answer is recorded; issue 3 asked it only
    after completion).
    """
    if code in META_CODES:
        raise StoreError(f"{code} sættes på interviewet, ikke som svar.")
    value, problem = guide.check_value(code, raw)
    if problem is not None:
        return None, problem
    iv = s.get(Interview, interview_id)
    if iv is None:
        raise StoreError(f"Interviewet {interview_id} findes ikke.")
    if value is not None:  # issue 12: nothing new about a respondent who withdrew consent (removing is allowed)
        refuse_if_withdrawn(s, iv)
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
        ans.version = int(ans.version or 1) + 1
    s.add(AuditEntry(interview_id=interview_id, entity="answer", code=code, old_value=old, new_value=value,
                     who=who, at=now, note=note or (None if iv.status != "draft" else "kladde")))
    iv.updated_at = now
    return value, None


def delete_interview(s: Session, interview_id: str) -> None:
    s.execute(delete(Answer).where(Answer.interview_id == interview_id))
    iv = s.get(Interview, interview_id)
    if iv is not None:
        s.delete(iv)


def count_interviews(s: Session, informant: str | None = USER_INFORMANT) -> int:
    """The users' interviews (respondents); `informant` another type, or None for every interview."""
    q = select(func.count()).select_from(Interview)
    if informant is not None:
        q = q.where(Interview.informant == informant)
    return int(s.execute(q).scalar_one())


DRAFT = "draft"


def counted(model=Interview, *, drafts: bool = False):
    """The interviews a report, a table or an export counts (issue 14): the completed ones — «complete»,
    and «reopened» (completed, open for correction) — and the drafts too only when asked (`drafts`:
    the CLI's --med-kladder, the Rapport page's «Medtag kladder»). A SQL condition on `model`."""
    return true() if drafts else model.status != DRAFT


def count_drafts(engine_or_session: Engine | Session, informants: Iterable[str] = (USER_INFORMANT,)) -> int:
    """How many drafts of these informants' interviews are in the store (those who withdrew consent left
    out, as everywhere): what a report that counts only completed interviews says it left out."""
    q = (select(func.count()).select_from(Interview).where(Interview.status == DRAFT)
         .where(Interview.informant.in_(list(informants))).where(exportable(Interview)))
    if isinstance(engine_or_session, Engine):
        with Session(engine_or_session) as s:
            return int(s.execute(q).scalar_one())
    return int(engine_or_session.execute(q).scalar_one())


def count_open_conflicts(engine_or_session: Engine | Session) -> int:
    """How many merge conflicts wait for a person (`survey.sync`): the field laptop's version of each
    such interview is in no report until an administrator settles it — what a report says it left out."""
    q = select(func.count()).select_from(MergeConflict).where(MergeConflict.resolved_at.is_(None))
    if isinstance(engine_or_session, Engine):
        with Session(engine_or_session) as s:
            return int(s.execute(q).scalar_one())
    return int(engine_or_session.execute(q).scalar_one())


def load_wide(engine_or_session: Engine | Session, guide: Guide, *,
              respondent_ids: Iterable[str] | None = None, drafts: bool = False) -> pd.DataFrame:
    """The wide frame of the completed interviews in the store (see module docstring; `drafts`: the
    drafts too, `counted`) — but not of a respondent who withdrew consent to the interview
    (`survey.privacy.exportable`, issue 12)."""
    own = isinstance(engine_or_session, Engine)
    s = Session(engine_or_session) if own else engine_or_session
    try:
        meta_q = (select(Interview.id, Interview.respondent_id, Site.name, Site.site_type, Interview.interviewer,
                         Interview.interview_date)
                  .join(Site, Site.id == Interview.site_id, isouter=True)
                  .where(Interview.informant == USER_INFORMANT)  # the users' own; sources: survey.source_store
                  .where(exportable(Interview))  # issue 12: not those who withdrew consent to the interview
                  .where(counted(Interview, drafts=drafts)))  # issue 14: completed interviews unless asked
        ans_q = select(Answer.interview_id, Answer.code, Answer.value)
        if respondent_ids is not None:
            ids = list(respondent_ids)
            meta_q = meta_q.where(Interview.respondent_id.in_(ids))
            ans_q = ans_q.join(Interview, Interview.id == Answer.interview_id).where(Interview.respondent_id.in_(ids))
        conn = s.connection()  # Core, not ORM: rows as plain tuples (ORM row processing was 2/3 of the time)
        meta = conn.execute(meta_q).all()
        journal_withdrawn = [r[0] for r in conn.execute(select(ConsentWithdrawal.interview_id)
                                                        .where(ConsentWithdrawal.purpose == JOURNAL)).all()]
        if respondent_ids is None:  # every answer: the driver's own tuples (db.fetch_columns), ~2× faster
            answers = fetch_columns(conn, Answer.__tablename__, ("interview_id", "code", "value"))
        else:
            answers = conn.execute(ans_q).all()
    finally:
        if own:
            s.close()
    return wide_from_rows(meta, answers, guide, journal_withdrawn)  # the one builder, also of the plain read (issue 13)


#: PostgreSQL advisory lock: one giving of pseudonym numbers at a time (`identifier_numbers`)
NUMBER_LOCK = 7417304


#: the study's coders («Koder N» in a REFI-QDA export, `exports.qdpx`) are numbered like an identifier under
#: this code, which no guide can have (`survey.guide`: a code is a name)
CODER = "#koder"


def coder_name(who: object) -> str | None:
    """A coder's name as the exports compare it (spaces folded), or None for no one."""
    name = " ".join(str(who).split()) if who is not None else ""
    return name or None


def _coder_rows(conn) -> list[tuple]:
    """Everyone who coded, imported a transcript or took a quote, with the time they did it (their
    first act in the store places them, as an interviewer's first interview does)."""
    rows: list[tuple] = []
    for kind, who, at, rid in (("t", Transcript.imported_by, Transcript.imported_at, Transcript.id),
                               ("s", SegmentCode.who, SegmentCode.at, SegmentCode.segment_id),
                               ("c", QuoteCode.who, QuoteCode.at, QuoteCode.quote_id),
                               ("q", Quote.created_by, Quote.created_at, Quote.id)):
        for w, t, i in conn.execute(select(who, at, rid).where(who.is_not(None))):
            name = coder_name(w)
            if name is not None:
                rows.append((CODER, name, t, "", f"{kind}{i:012d}"))
    return rows


def _identifier_rows(conn, codes: list[str]) -> list[tuple]:
    """Every interview's value of `codes` with its start and ids (`survey.pseudonyms.study_order`'s rows);
    for `CODER`, every coder's acts (`_coder_rows`)."""
    rows: list[tuple] = _coder_rows(conn) if CODER in codes else []
    codes = [c for c in codes if c != CODER]
    if INTERVIEWER in codes:
        rows += [(INTERVIEWER, *r) for r in conn.execute(
            select(Interview.interviewer, Interview.created_at, Interview.respondent_id, Interview.id)
            .where(Interview.interviewer.is_not(None)))]
    answered = [c for c in codes if c != INTERVIEWER]
    if answered:
        rows += conn.execute(select(Answer.code, Answer.value, Interview.created_at, Interview.respondent_id,
                                    Interview.id)
                             .join(Interview, Interview.id == Answer.interview_id)
                             .where(Answer.code.in_(answered))).all()
    return rows


def _numbers(s: Session, codes: list[str], *, write: bool, give: bool = True, keep: bool = True) -> Assignment | None:
    """The study's numbers of `codes` (`survey.pseudonyms.assign`) in `s`; written when `write`
    (new numbers only if `give`, retired ones always), else None when anything would be written.
    `keep=False` (a store that cannot be written): the numbers `write` would give, nothing written."""
    conn = s.connection()
    key = conn.execute(select(StudySetting.value).where(StudySetting.key == KEY_SETTING)).scalar()
    if key is None:
        if not write:
            return None
        key = new_key()
        if keep:
            s.add(StudySetting(key=KEY_SETTING, value=key, updated_at=utcnow()))
            s.flush()
    stored = conn.execute(select(IdentifierNumber.code, IdentifierNumber.digest, IdentifierNumber.number)
                          .where(IdentifierNumber.code.in_(codes))).all()
    got = assign(codes, study_order(_identifier_rows(conn, codes)), stored, key)
    if not (got.new if give else ()) and not got.gone:
        return got
    if not write:
        return None
    if not keep:
        return got
    for code, n in got.gone:
        conn.execute(update(IdentifierNumber).where(IdentifierNumber.code == code, IdentifierNumber.number == n)
                     .values(digest=None))
    if give and got.new:
        conn.execute(insert(IdentifierNumber), [dict(code=c, digest=d, number=n, numbered_at=utcnow())
                                                for c, d, n in got.new])
    _audit_numbers(s, got.new if give else [], got.gone)
    return got


#: AuditEntry.entity of a giving or retiring of pseudonym numbers (`identifier_numbers`; no value, only numbers)
NUMBER_ENTITY = "pseudonym"
#: AuditEntry.who of what the store does by its own rule, whoever's action led to it (a reader's first report)
SYSTEM = "system"


def _span(numbers: list[int]) -> str:
    """«3», «3–7» (consecutive), else «3, 5, 9» (sorted numbers)."""
    if len(numbers) > 1 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}–{numbers[-1]}"
    return ", ".join(map(str, numbers))


def _audit_numbers(s: Session, new: list[tuple[str, str, int]], gone: list[tuple[str, int]]) -> None:
    """One audit entry per field whose pseudonym numbers were given or retired (docs/method.md «Interviewere som
    pseudonymer»): a system action — given on first use, by whoever's read first needs them (a reader's report
    too: the numbers are the study's rule, not the reader's change) — so the store says when and which numbers,
    never a value (only the field's code and the numbers)."""
    now = utcnow()
    for code in sorted({c for c, _ in gone}):
        ns = sorted(n for c, n in gone if c == code)
        s.add(AuditEntry(interview_id=None, entity=NUMBER_ENTITY, code=code, old_value=_span(ns), new_value=None,
                         who=SYSTEM, at=now, note=f"{len(ns)} pseudonymnummer/-numre trukket tilbage: intet interview "
                                                  "har deres værdi mere (systemhandling)"))
    for code in sorted({c for c, _, _ in new}):
        ns = sorted(n for c, _, n in new if c == code)
        s.add(AuditEntry(interview_id=None, entity=NUMBER_ENTITY, code=code, old_value=None, new_value=_span(ns),
                         who=SYSTEM, at=now, note=f"{len(ns)} pseudonymnummer/-numre givet ved første brug "
                                                  "(systemhandling, uanset brugerens rolle)"))


def identifier_numbers(engine_or_session: Engine | Session, codes: Iterable[str]) -> dict[str, dict[str, int]]:
    """The study's numbers of the values of the direct identifiers `codes` (the guide's ``ja`` fields:
    the interviewer, a column of the interview, and any answer so marked): code -> value -> N, as
    `survey.pseudonyms` gives them — the numbers the store keeps, and for a value first seen the next
    ones, by each value's first interview in the store (every interview: drafts, completed, the other
    sources' and a withdrawn respondent's), so a number never depends on who is counted. A number given
    here is written at once (one giving at a time: `NUMBER_LOCK`) and kept; a value no interview
    holds any more loses its number for good. With a session, in the caller's transaction. The plain
    read (`survey.plainread.ReportStore.identifier_numbers`) reads the same rows."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    if not isinstance(engine_or_session, Engine):
        got = _numbers(engine_or_session, codes, write=True)
        assert got is not None
        return got.numbers
    with Session(engine_or_session) as s:  # a read first: numbers given already cost no write lock
        got = _numbers(s, codes, write=False)
    if got is not None:
        return got.numbers

    def tx() -> Assignment:
        with exclusive_session(engine_or_session, NUMBER_LOCK) as s:  # read again under the lock: check, then act
            out = _numbers(s, codes, write=True)
            assert out is not None
            return out

    try:
        return retrying(tx).numbers
    except DBAPIError as e:
        if not is_read_only(e):
            raise
    # a store that cannot be written (a read-only file or database user): this output's numbers by the same
    # rule — those a writer would give now — kept nowhere
    with Session(engine_or_session) as s:
        got = _numbers(s, codes, write=True, keep=False)
        assert got is not None
        return got.numbers


def coder_numbers(engine_or_session: Engine | Session) -> dict[str, int]:
    """The study's numbers of its coders (`CODER`): coder name -> N, by the same rule as the
    interviewers' (`identifier_numbers`): first act in the store first, kept once given, never given again."""
    return identifier_numbers(engine_or_session, [CODER]).get(CODER, {})


def retire_identifier_numbers(s: Session) -> None:
    """In the caller's transaction (a deletion, `survey.privacy.delete_interviews`): every number whose
    value no interview holds any more is retired — its hash cleared, the number never given again."""
    codes = sorted(set(s.connection().execute(select(IdentifierNumber.code)
                                              .where(IdentifierNumber.digest.is_not(None))).scalars()))
    if codes:
        _numbers(s, codes, write=True, give=False)


def insert_wide(s: Session, guide: Guide, df: pd.DataFrame, *, replace: bool = False, source: str = "import",
                who: str | None = None, stored_forms: dict[str, str] | None = None) -> int:
    """Write already-validated canonical wide rows (see survey.wideio) in one transaction.

    Sites are created as needed. A respondent already in the store is an error unless
    `replace`, in which case its interview is rebuilt from the row (audit entry kept).
    Returns the number of interviews written. Uses bulk inserts: thousands of rows a second.
    `stored_forms`: the store's ids by form, kept across the batches of one import (`refuse_lookalikes`).
    """
    if df.empty:
        return 0
    df = df.astype(object).where(df.notna(), None)
    ids = [str(r) for r in df["respondent_id"]]
    existing = dict(s.execute(select(Interview.respondent_id, Interview.id)
                              .where(Interview.respondent_id.in_(ids))).all()) if ids else {}
    if existing and not replace:
        raise StoreError("Findes allerede i databasen (brug --replace for at erstatte): " + ", ".join(sorted(existing)))
    refuse_deleted(s, ids, "importeres")  # issue 12: a deleted respondent never comes back from an old file
    refuse_lookalikes(s, ids, "importeres", stored_forms)  # «ama-01» beside «AMA-01» would be one person twice
    if existing:  # issue 12: a respondent who withdrew consent to the interview is never rebuilt
        refuse_for_respondents(s, existing, "importeres")
    now = utcnow()
    relink = _unlink_sources(s, list(existing.values())) if existing else {}
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
    if relink:
        new_ids = {iv["respondent_id"]: iv["id"] for iv in interviews}
        _relink_sources(s, {old: new_ids[rid] for rid, old in existing.items() if rid in new_ids}, relink)
    if answers:
        answers.sort()  # in (interview_id, code) order, the unique index is appended to, not scattered into
        bulk_insert_answers(s, answers, now=now, who=who, source=source)
    return len(interviews)


def bulk_insert_answers(s: Session, answers: list[tuple[str, str, str]], *, now: dt.datetime,
                         who: str | None, source: str) -> None:
    """(interview_id, code, value) rows in one bulk insert (survey.db picks the fast path per database)."""
    bulk_insert(s.connection(), Answer.__table__, ("interview_id", "code", "value"), answers,
                {"updated_at": now, "updated_by": who, "source": source})


def _unlink_sources(s: Session, interview_ids: list[str]) -> dict[str, list[tuple[str, object]]]:
    """Before users' interviews are rebuilt (import --replace): detach the sources and the Bilag C
    reasons about them (issue 7), so the old rows can go; `_relink_sources` attaches them to the new
    ones. Returns old interview id -> [(table, row id)]."""
    out: dict[str, list[tuple[str, object]]] = {}
    for iid, subject in s.execute(select(Interview.id, Interview.subject_interview_id)
                                  .where(Interview.subject_interview_id.in_(interview_ids))).all():
        out.setdefault(subject, []).append(("interview", iid))
    for sid, subject in s.execute(select(SourceStatus.id, SourceStatus.subject_interview_id)
                                  .where(SourceStatus.subject_interview_id.in_(interview_ids))).all():
        out.setdefault(subject, []).append(("source_status", sid))
    # issue 12: a withdrawal of consent (to journal access) stays with the rebuilt interview
    withdrawals = s.execute(select(ConsentWithdrawal).where(ConsentWithdrawal.interview_id.in_(interview_ids))
                            ).scalars().all()
    for w in withdrawals:
        out.setdefault(w.interview_id, []).append(("consent_withdrawal", dict(
            uid=w.uid, purpose=w.purpose, withdrawn_on=w.withdrawn_on, reason=w.reason, recorded_by=w.recorded_by,
            recorded_at=w.recorded_at)))
        s.delete(w)
    if out:
        s.execute(Interview.__table__.update().where(Interview.subject_interview_id.in_(interview_ids))
                  .values(subject_interview_id=None))
        s.execute(SourceStatus.__table__.update().where(SourceStatus.subject_interview_id.in_(interview_ids))
                  .values(subject_interview_id=None))
        s.flush()
    return out


def _relink_sources(s: Session, old_to_new: dict[str, str], rows: dict[str, list[tuple[str, object]]]) -> None:
    tables = {"interview": Interview.__table__, "source_status": SourceStatus.__table__}
    for old, refs in rows.items():
        new = old_to_new.get(old)
        for table, row_id in refs:
            if table == "consent_withdrawal":
                if new is not None:
                    s.add(ConsentWithdrawal(interview_id=new, **row_id))
                continue
            t = tables[table]
            s.execute(t.update().where(t.c.id == row_id).values(subject_interview_id=new))
