"""Withdrawal of consent, deletion of a respondent and the study's retention (issue 12; GDPR
art. 7(3), 17 and 5(1)(e)). The one domain service for them: it owns its transactions; the CLI
(``brugerblik respondent …``) and the app (`ui.privacy_view`: «Samtykke og sletning» on the Kilder
page for researchers and on «Brugere og steder» for administrators) only call it.

Withdrawal (`withdraw`)
-----------------------
A researcher or administrator records that a respondent withdraws consent to the *interview*
or to the *case file* (``journal``): the day they withdrew, the reason, who recorded it and when
(`survey.models.ConsentWithdrawal`, one row per interview and purpose; audited as entity
``consent``). Recording it again changes nothing. From then on:

* ``interview``: nothing new is stored about them — no answer, quote, transcript, coding or
  source interview (case worker, contact person, case file) about them. The write paths refuse
  with `WithdrawnError` (Danish): `survey.store.set_answer` (every answer: the app, the
  researcher's coding), `survey.store.insert_wide` (``import --replace``), the interview
  service's quotes, `survey.source_store` (starting and importing sources), transcripts and
  their coding, the quote bank's coding, double coding (`coding.agreement`) and a field
  package's merge (`survey.sync`: the interview is left out and reported, never stored as a
  conflict). Every export, table, figure, quality map, workbook, SPSS, REFI-QDA file and quote
  bank leaves the respondent and every source about them out: they are all built from
  `survey.store.load_wide`, `survey.source_store.load_sources`/`load_reasons`, the quote bank's
  `coding.quotebank.quote_bank` and the REFI-QDA project's quote and transcript reads, which
  all filter with `exportable` (one SQL condition).
* ``journal``: the consent to journal access counts as withdrawn
  (`survey.source_store.consent_values` says `WITHDRAWN`, never ``ja``), so no case-file extract
  about them can be started, saved, imported, merged or opened, and `exportable` leaves their
  existing extracts out of every export.

The data recorded before stays in the store until it is deleted (`delete_respondent`).

Deletion (`delete_respondent`)
------------------------------
Removes everything about a respondent in one transaction: their interview and every source
interview about them (case worker, contact person, case-file extracts; a leader's interview is
about a site and stays), answers, quotes, transcripts with segments, codings and memos, code
decisions on their quotes and segments, the researcher's coding decisions and evidence, double
coding values (respondent, quote and segment units), consent records, withdrawals, Bilag C
reasons, merge conflicts that hold a version of them, and their audit entries (which hold answer
values) — also those of an earlier version replaced by ``import --replace``. Given a source's own
id (``SB-AMA-01``, ``LE-AMA`` …) only that source is deleted.

What stays is a *tombstone* per deleted interview: an audit entry (entity ``sletning``) with the
interview's UUID, who deleted it, when, why (the reason as given), the informant type and how
many rows of each kind were removed — no content and no respondent id, only the id's one-way
fingerprint (`survey.store.respondent_key`), so the same id is never stored again: an old export
re-imported (`import`, `import sources`), a new interview or source given the id
(`survey.store.next_respondent_id` skips it) or a field package's interview with that id is
refused. `TOMBSTONE_ENTITY`.

Tombstones travel (`survey.sync`): every field package carries all of them; a merge deletes an
interview a tombstone names (the same cascade) and records the tombstone, and an interview (or a
source about a user) that has a tombstone is never brought back by a package. A tombstone of an
interview that is not here also removes the merge conflicts that hold a version of it.

A backup made before the deletion still holds the data (README).

Retention (`set_end_date`, `retention_reminder`, `delete_raw_data`)
------------------------------------------------------------------
A study may set its end date (`StudySetting` ``slutdato``). After it, the CLI reminds an
administrator on every command (standard error) and the app shows it to administrators, as long
as raw data is left (`raw_data_counts`). `delete_raw_data` deletes the raw data and keeps the
anonymised, aggregated results:

* deleted: transcripts with their segments, segment codings and memos, code decisions and
  double-coding values on segments; every free-text answer (the fields the users' and every
  source's guide marks ``fritekst``) and interviews' completion notes; the audit
  trail's before/after values of free text, quotes and transcripts; every merge conflict (they
  hold whole versions); with ``journal=True`` the case-file extracts as a whole (tombstoned).
* masked (`coding.anonymise.export_masker`, the study's mask list included): every quote's text,
  the text stored with code decisions on quotes, the researcher's reasons for coding decisions,
  notes of settled disagreements and of Bilag C reasons, reasons for withdrawals and the audit
  trail's notes (a tombstone's reason stays as it is).
* kept: every closed answer (choices, numbers, dates) of the users and of the sources, including
  the case-file extracts' coded answers unless ``journal=True``; respondent ids, sites,
  interviewers and dates; masked quotes with their theme codes; the codebook; archetype and
  double-coding values of respondents and quotes; consent records, withdrawals, tombstones and
  the audit trail of closed answers and status changes. Every table, figure, quality map and
  the workbook come out as before (free-text columns empty).

The deletion is final against field packages too: a package made before it (or a laptop that never
heard of it) cannot bring back what it removed — `survey.sync` leaves every such value of the package
out, also from conflicts, and says how many (`raw_deleted_at`). The deletion moves the merge base of
the interviews unchanged since their last merge to their new content, so later changes of closed
answers on a laptop still merge.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Optional, Sequence

from sqlalchemy import String, and_, cast, delete, false, func, inspect, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from survey import auth, db
from survey import clock
from survey.clock import aware, from_text, to_text
from survey.guide import CPR_RE, Guide, load_guide
from survey.models import RAW_DELETED_KEY, AuditEntry, ConsentWithdrawal, Interview, StudySetting, new_id, utcnow
from survey.consent import (JOURNAL, PURPOSES, WITHDRAWAL_CODE, WITHDRAWAL_ENTITY, WITHDRAWN, block_reason,
                            exportable, refuse_for_respondents, refuse_if_withdrawn, refuse_new_source,
                            withdrawn_purposes)
from survey.errors import PrivacyError, WithdrawnError
from survey.sources import INFORMANTS
from survey.store import (META_CODES, TOMBSTONE_ENTITY, TOMBSTONE_KEY, USER_INFORMANT, respondent_key,
                          respondent_keys, retire_identifier_numbers)
from survey.text import text_field

log = logging.getLogger(__name__)

END_DATE_KEY = "slutdato"
REASON_MAX = 500


def check_reason(raw: object, mask: Callable[[str], str] | None = None) -> str:
    """The reason for a withdrawal or deletion, cleaned (one line, at most `REASON_MAX`); `PrivacyError`.
    `mask`: the study's anonymiser (`coding.deidentify.study_anonymiser(...).mask`, passed by the CLI
    and the app, which sit above `coding/`), so a name, phone number or e-mail typed into the reason
    is never kept in a tombstone or a withdrawal, nor carried in a field package (hostile audit of
    issue 12)."""
    t = text_field(raw, "Begrundelsen", max_len=REASON_MAX, error=PrivacyError)
    if not t:
        raise PrivacyError("Skriv en begrundelse (fx «Borgeren bad om det i telefonen 3. marts»).")
    if CPR_RE.search(t):
        raise PrivacyError("Begrundelsen ligner et CPR-nummer. Skriv aldrig CPR-numre i Brugerblik.")
    return mask(t) if mask is not None else t


def _who(principal, who: Optional[str], action: str) -> Optional[str]:
    """The acting user (the principal's name when signed in), after the role check."""
    if principal is not None:
        auth.require(principal, action)
        if principal.username is not None:
            return principal.username
    return text_field(who, "Hvem", max_len=200, error=PrivacyError) or None if who else None


# ----------------------------------------------------------------------------- withdrawal

@dataclass(frozen=True)
class WithdrawalView:
    interview_id: str
    respondent_id: str
    informant: str
    purpose: str
    withdrawn_on: dt.date
    reason: str
    recorded_by: Optional[str]
    recorded_at: dt.datetime
    already: bool = False  # it was recorded before: nothing changed now

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)


def _find(s: Session, respondent_id: object) -> Interview:
    rid = text_field(respondent_id, "Respondent-id'et", max_len=40, error=PrivacyError)
    if not rid:
        raise PrivacyError("Angiv respondentens id (fx AMA-03).")
    iv = s.execute(select(Interview).where(Interview.respondent_id == rid)).scalars().first()
    if iv is None:
        # the value typed is not repeated: it may be a CPR number or a name typed by mistake
        raise PrivacyError("Der er ingen respondent eller kilde med det id (er den allerede slettet, eller er id'et "
                           "skrevet forkert? Brug respondent-id'et, fx AMA-03).")
    return iv


def withdraw(engine: Engine, respondent_id: str, purpose: str, *, withdrawn_on: dt.date | None = None,
             reason: str, who: Optional[str] = None, principal=None, today: dt.date | None = None,
             mask: Callable[[str], str] | None = None) -> WithdrawalView:
    """Record that `respondent_id` withdraws consent to `purpose` (``interview`` | ``journal``) on the
    day `withdrawn_on` (default today; not in the future) for `reason`. One transaction; recording
    a purpose already withdrawn changes nothing (``already=True``). Raises `PrivacyError` (Danish);
    with `principal` the role must allow ``respondent.withdraw``."""
    if purpose not in PURPOSES:
        raise PrivacyError(f"Ukendt samtykke {str(purpose)[:20]!r} — tilladt: interview eller journal.")
    who = _who(principal, who, "respondent.withdraw")
    why = check_reason(reason, mask)
    today = today or clock.today()
    on = withdrawn_on or today
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise PrivacyError("Datoen for tilbagetrækningen skal være en dato (ÅÅÅÅ-MM-DD).")
    if on > today:
        raise PrivacyError(f"Datoen {on.isoformat()} ligger i fremtiden: skriv den dag, respondenten trak "
                           "samtykket tilbage.")

    def tx() -> WithdrawalView:
        with db.consistent_session(engine, write=True) as s:
            iv = _find(s, respondent_id)
            if purpose == JOURNAL and iv.informant != USER_INFORMANT:
                raise PrivacyError(f"{iv.respondent_id} er en kilde ({iv.informant}); samtykke til journalindsigt "
                                   "trækkes tilbage på brugerens eget id.")
            row = s.execute(select(ConsentWithdrawal).where(ConsentWithdrawal.interview_id == iv.id,
                                                            ConsentWithdrawal.purpose == purpose)).scalars().first()
            already = row is not None
            if row is None:
                now = utcnow()
                row = ConsentWithdrawal(interview_id=iv.id, purpose=purpose, withdrawn_on=on, reason=why,
                                        recorded_by=who, recorded_at=now)
                s.add(row)
                s.add(AuditEntry(interview_id=iv.id, entity=WITHDRAWAL_ENTITY, code=WITHDRAWAL_CODE + purpose,
                                 old_value=None, new_value=on.isoformat(), who=who, at=now,
                                 note=f"samtykke til {PURPOSES[purpose]} trukket tilbage: {why}"))
                s.flush()
            return WithdrawalView(iv.id, iv.respondent_id, iv.informant, row.purpose, row.withdrawn_on, row.reason,
                                  row.recorded_by, aware(row.recorded_at), already)

    view = db.retrying(tx, conflicts=True)
    if not view.already:
        log.info("samtykke trukket tilbage: interview %s (%s)", view.interview_id, purpose)
    return view


def list_withdrawals(engine: Engine) -> list[WithdrawalView]:
    """Every recorded withdrawal, by respondent id and purpose."""
    with db.session_scope(engine) as s:
        rows = s.execute(select(ConsentWithdrawal, Interview.respondent_id, Interview.informant)
                         .join(Interview, Interview.id == ConsentWithdrawal.interview_id)
                         .order_by(Interview.respondent_id, ConsentWithdrawal.purpose)).all()
        return [WithdrawalView(w.interview_id, rid, inf, w.purpose, w.withdrawn_on, w.reason, w.recorded_by,
                               aware(w.recorded_at)) for w, rid, inf in rows]


def interview_withdrawn_on(engine: Engine, interview_id: str) -> Optional[dt.date]:
    """The day the respondent of `interview_id` withdrew consent to the interview, or None (the
    workbench pages — Kodning, Transskriptioner — then show nothing of theirs, as Kilder does)."""
    with db.session_scope(engine) as s:
        return withdrawn_purposes(s, [interview_id]).get(interview_id, {}).get("interview")


# ----------------------------------------------------------------------------- deletion

#: Danish names of the kinds of data a tombstone counts (table -> label)
KIND_LABELS: dict[str, str] = {
    "interview": "interview", "answer": "svar", "quote": "citater", "transcript": "transskriptioner",
    "transcript_segment": "segmenter", "segment_code": "segmentkodninger (med memoer)",
    "quote_code": "citatkodninger", "code_decision": "kodeforslag afgjort", "coding_decision": "forskerkodninger",
    "decision_evidence": "evidenscitater", "coder_value": "dobbeltkodninger", "settled_value": "afgjorte uenigheder",
    "consent_record": "samtykkeregistreringer", "consent_withdrawal": "tilbagetrækninger",
    "source_status": "årsager (Bilag C)", "merge_conflict": "flettekonflikter", "audit_entry": "revisionsposter",
}


@dataclass(frozen=True)
class Tombstone:
    """A deleted interview as the audit trail keeps it: no content, no respondent id (only its
    fingerprint, `survey.store.respondent_key`)."""
    uid: str
    interview_id: str
    informant: str
    who: Optional[str]
    at: dt.datetime
    reason: str
    counts: dict[str, int]
    note: Optional[str] = None  # how it arrived (a field package), or the reason as shown
    key: str = ""               # the respondent id's fingerprint ("" in a tombstone from before it)

    def as_package(self) -> dict:
        """The tombstone in a field package (`survey.sync`: data.json ``deleted``)."""
        out = {"uid": self.uid, "interview_id": self.interview_id, "informant": self.informant, "who": self.who,
               "at": to_text(self.at), "reason": self.reason, "counts": dict(sorted(self.counts.items()))}
        if self.key:
            out["key"] = self.key
        return out


@dataclass
class DeletionResult:
    deleted: list[Tombstone] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.deleted:
            for k, n in t.counts.items():
                out[k] = out.get(k, 0) + n
        return out

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {KIND_LABELS.get(k, k)}" for k, n in sorted(self.counts.items()) if n and
                          k != "interview")
        by = {}
        for t in self.deleted:
            by[t.informant] = by.get(t.informant, 0) + 1
        what = ", ".join(f"{n} {k}" for k, n in sorted(by.items()))
        return (f"Slettet: {len(self.deleted)} interview ({what}); {kinds or 'ingen andre data'}.\n"
                "Revisionssporet har en gravsten pr. interview (hvem, hvornår, hvorfor, hvor meget — intet indhold). "
                "Sikkerhedskopier fra før sletningen indeholder stadig dataene: slet dem (eller gendan, slet igen "
                "og tag en ny kopi).")


_TABLES: dict = {}


def _tables():
    """The store's tables by name (`survey.db.model_tables`, computed once)."""
    if not _TABLES:
        _TABLES.update({t.name: t for t in db.model_tables()})
    return _TABLES


def _tombstone(a: AuditEntry) -> Tombstone:
    try:
        data = json.loads(a.new_value or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    counts = data.get("antal")
    return Tombstone(a.uid, a.interview_id or "", a.code or "", a.who, aware(a.at), str(data.get("grund", "")),
                     {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}, a.note,
                     str(data.get(TOMBSTONE_KEY) or ""))


def _add_tombstone(s: Session, interview_id: str, informant: str, counts: Mapping[str, int], *, who: Optional[str],
                   reason: str, key: str = "", at: dt.datetime | None = None, uid: str | None = None,
                   note: str | None = None) -> Tombstone:
    at = at or utcnow()
    data = {"art": informant, "antal": {k: int(n) for k, n in sorted(counts.items()) if n}, "grund": reason}
    if key:
        data[TOMBSTONE_KEY] = key
    entry = AuditEntry(uid=uid or new_id(), interview_id=interview_id, entity=TOMBSTONE_ENTITY, code=informant,
                       old_value=None, new_value=json.dumps(data, ensure_ascii=False, sort_keys=True), who=who, at=at,
                       note=note or f"slettet: {reason}")
    s.add(entry)
    return _tombstone(entry)


def deleted_ids(s: Session, interview_ids: Iterable[Optional[str]]) -> set[str]:
    """Those of `interview_ids` that have a tombstone here (deleted; never brought back)."""
    ids = sorted({i for i in interview_ids if i})
    out: set[str] = set()
    for n in range(0, len(ids), 500):
        out |= set(s.execute(select(AuditEntry.interview_id).where(AuditEntry.entity == TOMBSTONE_ENTITY,
                                                                   AuditEntry.interview_id.in_(ids[n:n + 500])))
                   .scalars())
    return out


def tombstones(s: Session) -> list[Tombstone]:
    """Every tombstone in the store, oldest first (field packages carry all of them)."""
    return [_tombstone(a) for a in s.execute(select(AuditEntry).where(AuditEntry.entity == TOMBSTONE_ENTITY)
                                             .order_by(AuditEntry.at, AuditEntry.uid)).scalars()]


def list_deletions(engine: Engine) -> list[Tombstone]:
    with db.session_scope(engine) as s:
        return tombstones(s)


def _count_delete(s: Session, counts: dict[str, int], table, where) -> None:
    if table is None:
        return
    n = s.execute(delete(table).where(where)).rowcount or 0
    if n:
        counts[table.name] = counts.get(table.name, 0) + int(n)


def _previous_ids(s: Session, T, rid: str) -> list[str]:
    """Interview ids an ``import --replace`` gave this respondent before (their audit entries stay)."""
    a = T["audit_entry"]
    return [i for i in s.execute(select(a.c.interview_id).where(a.c.entity == "import",
                                                                a.c.note == f"{rid} erstattet ved import")).scalars()
            if i]


def _cascade(s: Session, T, iid: str, rid: str) -> dict[str, int]:
    """Delete one interview and every row that refers to it (module docstring); rows per table."""
    c: dict[str, int] = {}
    quote, tr, seg = T["quote"], T.get("transcript"), T.get("transcript_segment")
    qids = select(quote.c.id).where(quote.c.interview_id == iid)
    qids_text = select(cast(quote.c.id, String)).where(quote.c.interview_id == iid)
    if tr is not None and seg is not None:
        tids = select(tr.c.id).where(tr.c.interview_id == iid)
        sids = select(seg.c.id).where(seg.c.transcript_id.in_(tids))
        sids_text = select(cast(seg.c.id, String)).where(seg.c.transcript_id.in_(tids))
    else:
        tids = sids = sids_text = None
    cd = T.get("coding_decision")
    if cd is not None:
        _count_delete(s, c, T.get("decision_evidence"),
                      or_(T["decision_evidence"].c.quote_id.in_(qids),
                          T["decision_evidence"].c.decision_id.in_(select(cd.c.id).where(cd.c.interview_id == iid))))
        _count_delete(s, c, cd, cd.c.interview_id == iid)
    if "quote_code" in T:
        _count_delete(s, c, T["quote_code"], T["quote_code"].c.quote_id.in_(qids))
    if sids is not None and "segment_code" in T:
        _count_delete(s, c, T["segment_code"], T["segment_code"].c.segment_id.in_(sids))
    if "code_decision" in T:
        d = T["code_decision"]
        cond = and_(d.c.target_kind == "quote", d.c.target_id.in_(qids_text))
        if sids_text is not None:
            cond = or_(cond, and_(d.c.target_kind == "segment", d.c.target_id.in_(sids_text)))
        _count_delete(s, c, d, cond)
    for name in ("coder_value", "settled_value"):
        if name in T:
            u = T[name]
            cond = or_(and_(u.c.unit_kind == "respondent", u.c.unit_id == rid),
                       and_(u.c.unit_kind == "quote", u.c.unit_id.in_(qids_text)))
            if sids_text is not None:
                cond = or_(cond, and_(u.c.unit_kind == "segment", u.c.unit_id.in_(sids_text)))
            _count_delete(s, c, u, cond)
    if seg is not None:
        _count_delete(s, c, seg, seg.c.transcript_id.in_(tids))
        _count_delete(s, c, tr, tr.c.interview_id == iid)
    _count_delete(s, c, quote, quote.c.interview_id == iid)
    for name in ("answer", "consent_record", "consent_withdrawal"):
        _count_delete(s, c, T[name], T[name].c.interview_id == iid)
    _count_delete(s, c, T["source_status"], T["source_status"].c.subject_interview_id == iid)
    _count_delete(s, c, T["merge_conflict"], T["merge_conflict"].c.interview_id == iid)
    a = T["audit_entry"]
    old = [iid] + _previous_ids(s, T, rid)
    _count_delete(s, c, a, and_(a.c.interview_id.in_(old), a.c.entity != TOMBSTONE_ENTITY))
    # a source replaced by import --replace: "SID (informant) erstattet ved import", no interview id
    esc = rid.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    _count_delete(s, c, a, and_(a.c.interview_id.is_(None), a.c.entity == "import",
                                a.c.note.like(f"{esc} (%) erstattet ved import", escape="\\")))
    _count_delete(s, c, T["interview"], T["interview"].c.id == iid)
    return c


def _conflicts_about(s: Session, T, ids: set[str]) -> list[int]:
    """Merge conflicts whose stored versions are (or are about) one of `ids`: they hold content."""
    m = T["merge_conflict"]
    out = []
    for cid, iid, central, laptop in s.execute(select(m.c.id, m.c.interview_id, m.c.central_version,
                                                      m.c.laptop_version)).all():
        if iid in ids:
            out.append(cid)
            continue
        for raw in (central, laptop):
            try:
                v = json.loads(raw) if raw else None
            except ValueError:
                v = None
            if isinstance(v, dict) and (v.get("id") in ids or v.get("subject_interview_id") in ids):
                out.append(cid)
                break
    return out


def delete_interviews(s: Session, interviews: Sequence[Interview], *, who: Optional[str], reason: str,
                      tombstone_uids: Mapping[str, str] | None = None, at: dt.datetime | None = None,
                      note: str | None = None) -> list[Tombstone]:
    """Delete `interviews` with everything that refers to them, in the caller's transaction, and add
    a tombstone for each (sources before the users they are about). `tombstone_uids`: interview id
    -> the tombstone's uid (a tombstone that arrived in a field package keeps its uid)."""
    T = _tables()
    if not interviews:
        return []
    s.flush()
    ids = {iv.id for iv in interviews}
    order = sorted(interviews, key=lambda iv: (iv.informant == USER_INFORMANT, iv.respondent_id))
    rows = [(iv.id, iv.respondent_id, iv.informant) for iv in order]
    for iv in order:
        s.expunge(iv)  # deleted below with Core statements: the session must not write it back
    # conflicts that hold a version of them under another interview's id (a respondent-id clash, a
    # source about them): counted with the last one deleted (the user, when the user is deleted)
    extra = _conflicts_about(s, T, ids)
    n_extra = 0
    if extra:
        n_extra = int(s.execute(delete(T["merge_conflict"]).where(T["merge_conflict"].c.id.in_(extra))).rowcount or 0)
    out = []
    for k, (iid, rid, informant) in enumerate(rows):
        counts = _cascade(s, T, iid, rid)
        if k == len(rows) - 1 and n_extra:
            counts["merge_conflict"] = counts.get("merge_conflict", 0) + n_extra
        out.append(_add_tombstone(s, iid, informant, counts, who=who, reason=reason, key=respondent_key(rid),
                                  at=at, uid=(tombstone_uids or {}).get(iid), note=note))
    s.flush()
    retire_identifier_numbers(s)  # a pseudonym number whose value went with them: its hash goes too (survey.pseudonyms)
    return out


def _about(s: Session, iv: Interview) -> list[Interview]:
    """The interview and, for a user, every source about them."""
    if iv.informant != USER_INFORMANT:
        return [iv]
    return [iv] + list(s.execute(select(Interview).where(Interview.subject_interview_id == iv.id)).scalars())


def delete_respondent(engine: Engine, respondent_id: str, *, reason: str, who: Optional[str] = None,
                      principal=None, mask: Callable[[str], str] | None = None) -> DeletionResult:
    """Delete a respondent and everything about them (module docstring) in one transaction; a
    source's own id deletes that source only. Raises `PrivacyError` (Danish); with `principal` the
    role must allow ``respondent.delete``."""
    who = _who(principal, who, "respondent.delete")
    why = check_reason(reason, mask)

    def tx() -> DeletionResult:
        with db.consistent_session(engine, write=True) as s:
            iv = _find(s, respondent_id)
            return DeletionResult(delete_interviews(s, _about(s, iv), who=who, reason=why))

    res = db.retrying(tx)
    db.scrub_deleted(engine)  # no earlier page image of theirs left in the store's files (SQLite's -wal)
    log.info("slettet: %d interview (%s)", len(res.deleted), ", ".join(t.interview_id for t in res.deleted))
    return res


def preview_deletion(engine: Engine, respondent_id: str) -> list[tuple[str, str, str]]:
    """(respondent/source id, informant, status) of what `delete_respondent` would delete — the
    app's confirmation step."""
    with db.session_scope(engine) as s:
        iv = _find(s, respondent_id)
        return [(x.respondent_id, x.informant, x.status) for x in _about(s, iv)]


# ----------------------------------------------------------------------------- tombstones in field packages

def _new_tombstones(s: Session, items: Sequence[Mapping]) -> tuple[list[Mapping], set[str]]:
    """A package's tombstones this store has not recorded (by uid, or for that interview), and the
    interview ids deleted here already."""
    have_uid = set()
    uids = [t["uid"] for t in items]
    for n in range(0, len(uids), 500):
        have_uid |= set(s.execute(select(AuditEntry.uid).where(AuditEntry.uid.in_(uids[n:n + 500]))).scalars())
    dead = deleted_ids(s, [t["interview_id"] for t in items])
    return [t for t in items if t["uid"] not in have_uid and t["interview_id"] not in dead], dead


def _is_new_withdrawal(s: Session, w: Mapping) -> bool:
    """A package's withdrawal of an interview here that has none for that purpose (by uid either)."""
    if s.execute(select(ConsentWithdrawal.id).where(or_(
            ConsentWithdrawal.uid == w["uid"],
            and_(ConsentWithdrawal.interview_id == w["interview_id"],
                 ConsentWithdrawal.purpose == w["purpose"])))).first():
        return False
    return s.get(Interview, w["interview_id"]) is not None


@dataclass(frozen=True)
class PackageEffects:
    """What a package's tombstones and withdrawals would do to this store (`package_effects`)."""
    deletes: tuple[str, ...]                 # respondent ids of the interviews here they would delete
    withdraws: tuple[tuple[str, str], ...]   # (respondent id, purpose) of the withdrawals they would record

    def __bool__(self) -> bool:
        return bool(self.deletes or self.withdraws)


def package_effects(s: Session, deleted: Sequence[Mapping], withdrawn: Sequence[Mapping]) -> PackageEffects:
    """Before anything is applied: the interviews here a package's tombstones would delete (a
    user's sources with the user) and the withdrawals it would record. Neither can be undone, and
    anyone who holds the package code can write a package, so `survey.sync` applies them only when
    the person merging has seen this list and said yes (``--tillad-sletning``). A tombstone of an
    interview that is not here deletes nothing and is not listed."""
    new, _ = _new_tombstones(s, deleted)
    gone: dict[str, str] = {}
    for t in new:
        iv = s.get(Interview, t["interview_id"])
        if iv is not None:
            gone.update({x.id: x.respondent_id for x in _about(s, iv)})
    withdraws = []
    for w in withdrawn:
        if w["interview_id"] not in gone and _is_new_withdrawal(s, w):
            withdraws.append((s.get(Interview, w["interview_id"]).respondent_id, w["purpose"]))
    return PackageEffects(tuple(sorted(set(gone.values()))), tuple(sorted(set(withdraws))))


def apply_tombstones(s: Session, items: Sequence[Mapping], *, via: str) -> tuple[list[str], int]:
    """Apply a package's tombstones in the caller's transaction (`survey.sync` merge): an interview
    still here is deleted with the same cascade; the tombstone is recorded once (by its uid, or
    when this interview has one already). Returns (ids deleted here, tombstones added)."""
    new, dead = _new_tombstones(s, items)
    uid_of = {t["interview_id"]: t["uid"] for t in items}  # a source deleted with its user keeps its own uid
    deleted, added = [], 0
    for t in new:
        if t["interview_id"] in dead:  # deleted above with its user
            continue
        iv = s.get(Interview, t["interview_id"])
        note = f"slettet: {t['reason']} (modtaget {via})"
        about = _about(s, iv) if iv is not None else []
        if about:
            # the sources about a deleted user are deleted with it (each with its own tombstone)
            stones = delete_interviews(s, about, who=t["who"], reason=t["reason"], tombstone_uids=uid_of,
                                       at=from_text(t["at"]), note=note)
            deleted += [x.interview_id for x in stones]
            dead |= {x.interview_id for x in stones}
            added += len(stones)
        else:
            # not here — but a merge conflict may hold a version of it (or of a source about it): it goes
            extra = _conflicts_about(s, _tables(), {t["interview_id"]})
            if extra:
                s.execute(delete(_tables()["merge_conflict"]).where(_tables()["merge_conflict"].c.id.in_(extra)))
            _add_tombstone(s, t["interview_id"], t["informant"], t["counts"], who=t["who"], reason=t["reason"],
                           key=t.get("key") or "", at=from_text(t["at"]), uid=t["uid"], note=note)
            dead.add(t["interview_id"])
            added += 1
    s.flush()
    return deleted, added


def ids_matching_tombstones(s: Session, items: Sequence[Mapping]) -> list[str]:
    """Respondent ids of interviews here (under another UUID) whose fingerprint a package's
    tombstone carries: possibly the same person, deleted there. Not deleted here — it may also be
    another person with the same number — but the merge warns (issue 12)."""
    keys = {t.get("key") for t in items if t.get("key")}
    if not keys:
        return []
    rids = s.execute(select(Interview.respondent_id)).scalars()
    return sorted(r for r in rids if respondent_keys(r) & keys)


def withdrawals_for_package(s: Session, ids: Optional[Iterable[str]] = None) -> list[dict]:
    """The withdrawals of the interviews `ids` (None: all) and of the users they are about, in
    package form (`survey.sync`: data.json ``withdrawn``)."""
    q = select(ConsentWithdrawal)
    if ids is not None:
        ids = set(ids)
        subj = set(s.execute(select(Interview.subject_interview_id).where(Interview.id.in_(sorted(ids)),
                                                                         Interview.subject_interview_id.isnot(None))
                             ).scalars()) if ids else set()
        want = sorted(ids | subj)
        if not want:
            return []
        q = q.where(ConsentWithdrawal.interview_id.in_(want))
    return [{"uid": w.uid, "interview_id": w.interview_id, "purpose": w.purpose,
             "withdrawn_on": w.withdrawn_on.isoformat(), "reason": w.reason, "recorded_by": w.recorded_by,
             "recorded_at": to_text(w.recorded_at)}
            for w in s.execute(q.order_by(ConsentWithdrawal.recorded_at, ConsentWithdrawal.uid)).scalars()]


def apply_withdrawals(s: Session, items: Sequence[Mapping], *, via: str, by: Optional[str]) -> int:
    """Record a package's withdrawals of interviews that are here and have none for that purpose
    (in the caller's transaction, audited as coming from the package). Returns how many."""
    n = 0
    for w in items:
        if not _is_new_withdrawal(s, w):
            continue
        on = dt.date.fromisoformat(w["withdrawn_on"])
        s.add(ConsentWithdrawal(uid=w["uid"], interview_id=w["interview_id"], purpose=w["purpose"], withdrawn_on=on,
                                reason=w["reason"], recorded_by=w["recorded_by"],
                                recorded_at=from_text(w["recorded_at"])))
        claimed = w["recorded_by"] or "ingen"
        s.add(AuditEntry(interview_id=w["interview_id"], entity=WITHDRAWAL_ENTITY, code=WITHDRAWAL_CODE + w["purpose"],
                         old_value=None, new_value=on.isoformat(), who=by or "feltcomputer", at=utcnow(),
                         note=f"samtykke til {PURPOSES[w['purpose']]} trukket tilbage: {w['reason']} ({via}; "
                              f"registreret på feltcomputeren af: {claimed})"))
        n += 1
    s.flush()
    return n


# ----------------------------------------------------------------------------- retention

def get_setting(s: Session, key: str) -> Optional[str]:
    row = s.get(StudySetting, key)
    return row.value if row is not None else None


def _set_setting(s: Session, key: str, value: Optional[str], who: Optional[str]) -> None:
    row = s.get(StudySetting, key)
    if value is None:
        if row is not None:
            s.delete(row)
        return
    if row is None:
        s.add(StudySetting(key=key, value=value, updated_by=who, updated_at=utcnow()))
    else:
        row.value, row.updated_by, row.updated_at = value, who, utcnow()


def _setting_as(s: Session, key: str, parse):
    """The setting `key` read by `parse` (None when unset or unreadable)."""
    v = get_setting(s, key)
    try:
        return parse(v) if v else None
    except ValueError:
        return None


def end_date(s: Session) -> Optional[dt.date]:
    return _setting_as(s, END_DATE_KEY, dt.date.fromisoformat)


def set_end_date(engine: Engine, date: dt.date | None, *, who: Optional[str] = None, principal=None) -> None:
    """Set (or, with None, remove) the study's end date: after it the raw data should be deleted.
    Audited (entity ``study``). With `principal` the role must allow ``retention``."""
    who = _who(principal, who, "retention")
    if date is not None and (not isinstance(date, dt.date) or isinstance(date, dt.datetime)):
        raise PrivacyError("Slutdatoen skal være en dato (ÅÅÅÅ-MM-DD).")

    def tx() -> None:
        with db.consistent_session(engine, write=True) as s:
            old = get_setting(s, END_DATE_KEY)
            new = date.isoformat() if date else None
            if old == new:
                return
            _set_setting(s, END_DATE_KEY, new, who)
            s.add(AuditEntry(interview_id=None, entity="study", code=END_DATE_KEY, old_value=old, new_value=new,
                             who=who, at=utcnow(), note="undersøgelsens slutdato (opbevaring af rådata)"))

    db.retrying(tx, conflicts=True)


def free_text_codes(user_guide: Guide, engine: Engine, *, record: bool = True) -> dict[str, set[str]]:
    """informant -> the codes its guide marks as free text (``brugerblik_identifikator = fritekst``:
    `survey.guide.Guide.free_text_codes`, the marks every de-identified export follows). The other sources'
    guides are the checked ones (`survey.source_store.informant_guide`: refused, `GuideFitError`, when one no
    longer reads `engine`'s stored interviews of its type — a free-text question turned into a choice list
    would leave its stored text undeleted); `user_guide` is the caller's, checked where it was loaded. `record`
    False: called inside a transaction of the caller's (`survey.guide_fit.require_fit`)."""
    from survey import source_store  # reason: start-up time (pandas): only the free-text codes need the checked source guides

    out = {}
    for inf in INFORMANTS:
        g = user_guide if inf == USER_INFORMANT else source_store.informant_guide(inf, engine, record=record)
        out[inf] = set(g.free_text_codes()) - set(META_CODES)
    return out


def _raw_since(s: Session) -> Optional[dt.datetime]:
    t = _setting_as(s, RAW_DELETED_KEY, dt.datetime.fromisoformat)
    return aware(t) if t is not None else None


def raw_deleted_at(s: Session) -> Optional[dt.datetime]:
    """When the raw data were last deleted here (`delete_raw_data`), or None. A field package's values
    from before then are not taken back by a merge (`survey.sync`)."""
    return _raw_since(s)


#: `StudySetting` key: a raw-data deletion this store learned of from a package (`learn_raw_deletion`), JSON
#: ``{"at": the deleting store's time of it, "seen_at": this store's clock when it learned it}``
RAW_KNOWN_KEY = "raadata_slettet_kendt"


def raw_deletion_marker(s: Session) -> Optional[dict]:
    """The raw-data deletion this store's field packages say they know of (`survey.sync`; «deletions win»): its own
    (``at`` = ``seen_at``, its own clock), else the one it learned from a package (`learn_raw_deletion`), else None.
    A store merging the package compares ``at`` with its own deletion's time as an identity (equal or not, never
    earlier or later: two computers' clocks are never compared) and the package's values with ``seen_at`` — both
    of the package's own clock."""
    own = _raw_since(s)
    if own is not None:
        return {"at": to_text(own), "seen_at": to_text(own)}
    known = _setting_as(s, RAW_KNOWN_KEY, json.loads)
    return known if isinstance(known, dict) else None


def learn_raw_deletion(s: Session, marker: Optional[Mapping[str, str]], who: Optional[str] = None) -> None:
    """Record (in the caller's transaction) that this store now knows of the raw-data deletion `marker` (a merged
    package's `raw_deletion_marker`), at this store's clock — once per deletion: the first merge that brought it."""
    if not marker or _raw_since(s) is not None:  # a store that deleted raw data itself says its own (the newer)
        return
    known = _setting_as(s, RAW_KNOWN_KEY, json.loads)
    if isinstance(known, dict) and known.get("at") == marker["at"]:
        return
    _set_setting(s, RAW_KNOWN_KEY, json.dumps({"at": marker["at"], "seen_at": to_text(utcnow())}), who)


def _free_text_answer_ids(T, text_codes: Mapping[str, set[str]]):
    a, i = T["answer"], T["interview"]
    conds = [and_(i.c.informant == inf, a.c.code.in_(sorted(codes))) for inf, codes in text_codes.items() if codes]
    return select(a.c.id).join(i, i.c.id == a.c.interview_id).where(or_(*conds) if conds else false())


def raw_data_counts(s: Session, text_codes: Mapping[str, set[str]]) -> dict[str, int]:
    """What `delete_raw_data` would delete or mask now: transcripts, segments, quotes not masked
    since the last deletion, free-text answers (`text_codes`: `free_text_codes`, read before the session),
    case-file extracts (their free text is counted with the answers), merge conflicts."""
    T = _tables()
    since = _raw_since(s)
    n = lambda q: int(s.execute(select(func.count()).select_from(q.subquery())).scalar_one())  # noqa: E731
    q = T["quote"]
    quotes = select(q.c.id) if since is None else select(q.c.id).where(q.c.updated_at > since)
    return {"transcript": n(select(T["transcript"].c.id)), "transcript_segment": n(select(T["transcript_segment"].c.id)),
            "quote": n(quotes), "answer": n(_free_text_answer_ids(T, text_codes)),
            "journal": n(select(T["interview"].c.id).where(T["interview"].c.informant == JOURNAL)),
            "merge_conflict": n(select(T["merge_conflict"].c.id))}


RAW_LABELS = {"transcript": "transskriptioner", "transcript_segment": "transskriptionssegmenter",
              "quote": "citater med umaskeret tekst", "answer": "fritekstsvar", "journal": "journaludtræk",
              "merge_conflict": "flettekonflikter (hele versioner)"}


def retention_reminder(engine_or_session, user_guide: Guide | None = None, *, today: dt.date | None = None
                       ) -> Optional[str]:
    """The Danish reminder for administrators once the study's end date has passed and raw data is
    left; None otherwise (also when the store has no settings table yet)."""
    own = isinstance(engine_or_session, Engine)
    s = Session(engine_or_session) if own else engine_or_session
    try:
        if not inspect(s.connection()).has_table(StudySetting.__tablename__):
            return None
        end = end_date(s)
        today = today or clock.today()
        if end is None or today <= end:
            return None
        if user_guide is None:
            user_guide = load_guide()
        counts = raw_data_counts(s, free_text_codes(user_guide, db.engine_of(engine_or_session), record=own))
    finally:
        if own:
            s.close()
    # case-file extracts whose free text is gone are not raw data left (their coded answers stay)
    left = [f"{n} {RAW_LABELS[k]}" for k, n in counts.items() if n and k not in ("transcript_segment", JOURNAL)]
    if not left:
        return None
    return (f"Påmindelse: undersøgelsens slutdato ({end.isoformat()}) er passeret, og der er stadig rådata: "
            f"{', '.join(left)}. Slet rådata med «brugerblik respondent slet-raadata --bekraeft» (de anonymiserede, "
            "samlede resultater bliver), og slet også sikkerhedskopier fra før sletningen.")


@dataclass
class RawDeletion:
    done: bool
    counts: dict[str, int]
    deleted: list[Tombstone] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{n} {RAW_LABELS.get(k, k)}" for k, n in self.counts.items() if n]
        if not self.done:
            return ("Rådata, der ville blive slettet eller maskeret: " + (", ".join(parts) or "ingen") + ".\n"
                    "Intet er slettet endnu. Kør igen med --bekraeft for at slette (tag først stilling til "
                    "sikkerhedskopierne: de indeholder stadig rådata).")
        return ("Rådata slettet eller maskeret: " + (", ".join(parts) or "ingen") + ".\n"
                "Tilbage er de lukkede svar, maskerede citater med deres koder, kodebogen og revisionssporet uden "
                "fritekst. Sikkerhedskopier fra før sletningen indeholder stadig rådata: slet dem.")


def delete_raw_data(engine: Engine, user_guide: Guide, *, confirm: bool = False, journal: bool = False,
                    masker: Optional[Callable[[str], str]] = None, who: Optional[str] = None,
                    principal=None) -> RawDeletion:
    """Delete the raw data and keep the anonymised, aggregated results (module docstring), in one
    transaction. Without `confirm` nothing is changed: the result counts what would go. `journal`
    deletes the case-file extracts as a whole (tombstoned: field laptops delete them too); without
    it their free text goes and their coded answers stay. `masker` (needed with `confirm`) masks a
    text with the study's anonymiser and mask list — `coding.anonymise.export_masker(engine)`; the
    caller passes it, as the anonymiser lives above this module. With `principal` the role must
    allow ``retention``."""
    who = _who(principal, who, "retention")
    text_codes = free_text_codes(user_guide, engine)  # before any session: the guides' fit check may record
    if not confirm:
        with db.session_scope(engine) as s:
            counts = raw_data_counts(s, text_codes)
        if not journal:
            counts.pop("journal", None)
        return RawDeletion(False, counts)
    if masker is None:
        raise PrivacyError("Rådata kan ikke slettes uden anonymiseringen af citaterne (masker mangler).")
    mask = masker

    def tx() -> RawDeletion:
        with db.consistent_session(engine, write=True) as s:
            T = _tables()
            counts = raw_data_counts(s, text_codes)
            # interviews unchanged since a field package was merged: after the deletion their merge base
            # is their new content, so the laptop's later changes of closed answers still merge (`survey.sync`)
            from survey import sync  # reason: the merge base is the packages' content hash (sync imports privacy)

            unchanged = [i for i, v in sync.load_versions(s, None, history=False).items()
                         if v["merged_from_hash"] == v["hash"]]
            stones: list[Tombstone] = []
            if journal:
                extracts = list(s.execute(select(Interview).where(Interview.informant == JOURNAL)).scalars())
                stones = delete_interviews(s, extracts, who=who, reason="opbevaringsperioden er udløbet: "
                                                                          "journaludtræk slettet med rådata")
            else:
                counts.pop("journal", None)
            # transcripts, their segments and everything on the segments
            seg, tr = T["transcript_segment"], T["transcript"]
            seg_text = select(cast(seg.c.id, String))
            s.execute(delete(T["segment_code"]))
            s.execute(delete(T["code_decision"]).where(T["code_decision"].c.target_kind == "segment"))
            for name in ("coder_value", "settled_value"):
                s.execute(delete(T[name]).where(T[name].c.unit_kind == "segment", T[name].c.unit_id.in_(seg_text)))
            s.execute(delete(seg))
            s.execute(delete(tr))
            # free-text answers and completion notes
            a = T["answer"]
            s.execute(delete(a).where(a.c.id.in_(_free_text_answer_ids(T, text_codes))))
            s.execute(update(T["interview"]).values(completion_note=None))
            # quotes (and the texts stored with their code decisions) masked
            now = utcnow()
            q = T["quote"]
            for qid, text in s.execute(select(q.c.id, q.c.text)).all():
                m = mask(text)
                s.execute(update(q).where(q.c.id == qid).values(text=m if m else text, updated_at=now))
            d = T["code_decision"]
            for did, text in s.execute(select(d.c.id, d.c.text)).all():
                s.execute(update(d).where(d.c.id == did).values(text=mask(text) or ""))
            au, iv = T["audit_entry"], T["interview"]
            for name, col, where in (("coding_decision", "reason", None), ("source_status", "note", None),
                                     ("settled_value", "note", None), ("consent_withdrawal", "reason", None),
                                     ("audit_entry", "note", au.c.entity != TOMBSTONE_ENTITY)):
                t = T[name]
                q_ = select(t.c.id, t.c[col]).where(t.c[col].isnot(None))
                for rid_, text in s.execute(q_ if where is None else q_.where(where)).all():
                    m = mask(text)
                    if m != text:
                        s.execute(update(t).where(t.c.id == rid_).values({col: m}))
            # the audit trail's free text: before/after values of free-text answers, quotes, transcripts
            conds = [and_(au.c.entity == "answer", au.c.code.in_(sorted(codes)),
                          au.c.interview_id.in_(select(iv.c.id).where(iv.c.informant == inf)))
                     for inf, codes in text_codes.items() if codes]
            conds.append(au.c.entity.in_(("quote", "transcript")))
            s.execute(update(au).where(or_(*conds)).values(old_value=None, new_value=None))
            s.execute(delete(T["merge_conflict"]))
            if unchanged:
                s.flush()
                s.expire_all()  # the Core updates above are not in the session's objects
                for iid, v in sync.load_versions(s, unchanged, history=False).items():
                    s.execute(update(iv).where(iv.c.id == iid).values(merged_from_hash=v["hash"]))
            _set_setting(s, RAW_DELETED_KEY, now.isoformat(), who)
            s.add(AuditEntry(interview_id=None, entity="study", code=RAW_DELETED_KEY, old_value=None,
                             new_value=json.dumps({k: v for k, v in counts.items() if v}, sort_keys=True), who=who,
                             at=now, note="rådata slettet efter undersøgelsens slutdato"))
            return RawDeletion(True, counts, stones)

    res = db.retrying(tx)
    db.scrub_deleted(engine)  # no earlier page image of the raw data left in the store's files (SQLite's -wal)
    log.info("rådata slettet: %s", ", ".join(f"{k}={v}" for k, v in res.counts.items()))
    return res


__all__ = ["PURPOSES", "TOMBSTONE_ENTITY", "WITHDRAWN", "PrivacyError", "WithdrawnError", "exportable",
           "withdrawn_purposes", "block_reason", "refuse_if_withdrawn", "refuse_new_source", "refuse_for_respondents",
           "withdraw", "list_withdrawals", "delete_respondent", "preview_deletion", "delete_interviews",
           "deleted_ids", "tombstones", "list_deletions", "apply_tombstones", "withdrawals_for_package",
           "apply_withdrawals", "set_end_date", "end_date", "retention_reminder", "raw_data_counts",
           "delete_raw_data", "free_text_codes", "raw_deleted_at", "raw_deletion_marker", "learn_raw_deletion",
           "RAW_KNOWN_KEY"]


def refuse_for_target(s: Session, kind: str, target_id: object) -> None:
    """`refuse_if_withdrawn` for the interview a quote (``quote``, its id) or a transcript segment
    (``segment``, its id) belongs to — coding and code decisions (issue 12)."""
    try:
        tid = int(str(target_id).strip())
    except ValueError:
        return
    T = _tables()
    if kind == "quote":
        iid = s.execute(select(T["quote"].c.interview_id).where(T["quote"].c.id == tid)).scalar()
    elif kind == "segment" and "transcript_segment" in T:
        seg, tr = T["transcript_segment"], T["transcript"]
        iid = s.execute(select(tr.c.interview_id).join(seg, seg.c.transcript_id == tr.c.id)
                        .where(seg.c.id == tid)).scalar()
    else:
        return
    if iid:
        refuse_if_withdrawn(s, iid)


def study_end_date(engine: Engine) -> Optional[dt.date]:
    """`end_date` in its own transaction (the Administration page's «Opbevaring af rådata»)."""
    with db.session_scope(engine) as s:
        return end_date(s)
