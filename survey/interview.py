"""The interview service (issue 3): everything the interview pages do, without Streamlit.

Start an interview, list the ones still open, work out which sections are done, where a resumed
interview opens (`resume_section`) and which items are visible (the guide's `relevant`), store
one answer at a time, list the required items still missing, complete (with a reason when
something is missing), reopen for correction, record the consent (Samtykkeerklæring) with time
and guide version, keep verbatim quotes (labelled everywhere by `quote_question`), and read the
audit trail.

Every function that changes something opens and commits its own transaction before it
returns, so whatever the app shows as saved is on disk (SQLite: WAL, synchronous=FULL).
Nothing here logs answer values, quotes, names or other free text; log lines carry only
exception types and interview ids.

Statuses: ``draft`` (being interviewed), ``complete`` (read-only), ``reopened`` (complete but
open for correction: every change is written to the audit trail with who/when/old/new).

Who sees what (issue 6): the listing and opening functions take the acting `auth.Principal`.
An *interviewer* sees and opens only the interviews whose ``interviewer`` is their user name
and starts interviews in their own name; a researcher (and the open store) sees all. Without a
principal (scripts, the CLI's own checks) nothing is filtered.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from survey import auth, store
from survey.clock import aware, today
from survey.db import consistent_session, exclusive_session, is_read_only, is_transient, retrying, session_scope
from survey.errors import ReadOnlyStoreError
from survey.guide import (MAX_TEXT, CPR_RE, Guide, Item, clean_text, outside_typed_limits, page_digest,
                          read_typed_date)
from survey.consent import check_journal_consent, refuse_if_withdrawn
from survey.models import Answer, AuditEntry, ConsentRecord, Interview, Quote, Site, SourceStatus, utcnow
from survey.sources import guide_for, informant_of
from sqlalchemy.orm import object_session

log = logging.getLogger(__name__)

OPEN_OUTCOME_CODE = "udbytte_aabent"  # the open question asked before the probes (instrument.md §3)
CONSENT_CODES = ("consent_journal",)  # Samtykkeerklæring: recorded with time and guide version
EDITABLE = ("draft", "reopened")
STATUS_LABELS = {"draft": "Kladde", "complete": "Afsluttet", "reopened": "Genåbnet til rettelse"}
SITE_TYPES = {"vaerested": "Værested", "boform": "Boform"}
EDITABLE_META = ("interviewer", "interview_date")
_PREFIX_RE = re.compile(r"[A-ZÆØÅ0-9]{1,12}")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class InterviewError(ValueError):
    """A refused action, with a Danish message fit to show the interviewer."""


# ---------------------------------------------------------------- plain views (detached from the DB)

@dataclass(frozen=True)
class InterviewInfo:
    id: str
    respondent_id: str
    site_name: str | None
    site_type: str | None
    interviewer: str | None
    interview_date: dt.date | None
    status: str
    guide_form_id: str
    guide_version: str
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    completion_note: str | None
    # issue 7: the informant type (its guide: survey.sources.guide_for) and, for a source about a user,
    # the user's pseudonymous id (respondent_id above is then the source's own id, e.g. SB-AMA-01)
    informant: str = "bruger"
    subject_respondent_id: str | None = None

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_source(self) -> bool:
        return self.informant != store.USER_INFORMANT

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def meta(self) -> dict[str, str | None]:
        """The metadata codes of the guide, as the wide frame has them (a source: as its source frame
        has them, ``respondent_id`` = the user it is about)."""
        rid = self.subject_respondent_id if self.is_source else self.respondent_id
        return {"respondent_id": rid, "site": self.site_name, "site_type": self.site_type,
                "interviewer": self.interviewer,
                "interview_date": self.interview_date.isoformat() if self.interview_date else None}


def info_of(iv: Interview, site: Site | None) -> InterviewInfo:
    subject = None
    if iv.subject_interview_id:  # a source about a user (issue 7): the user's pseudonym

        sess = object_session(iv)
        subj = sess.get(Interview, iv.subject_interview_id) if sess is not None else None
        subject = subj.respondent_id if subj is not None else None
    return InterviewInfo(id=iv.id, respondent_id=iv.respondent_id, site_name=site.name if site else None,
                         site_type=site.site_type if site else None, interviewer=iv.interviewer,
                         interview_date=iv.interview_date, status=iv.status, guide_form_id=iv.guide_form_id,
                         guide_version=iv.guide_version, created_at=aware(iv.created_at),
                         updated_at=aware(iv.updated_at), completed_at=aware(iv.completed_at),
                         completion_note=iv.completion_note, informant=iv.informant or store.USER_INFORMANT,
                         subject_respondent_id=subject)


@dataclass(frozen=True)
class QuoteView:
    id: int
    item_code: str
    text: str
    for_report: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: str | None


def _quote(q: Quote) -> QuoteView:
    return QuoteView(q.id, q.item_code, q.text, bool(q.for_report), aware(q.created_at), aware(q.updated_at),
                     q.created_by)


@dataclass(frozen=True)
class ConsentView:
    value: str | None
    recorded_at: dt.datetime
    guide_form_id: str
    guide_version: str
    recorded_by: str | None


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime
    who: str | None
    entity: str
    code: str
    old_value: str | None
    new_value: str | None
    note: str | None


@dataclass(frozen=True)
class Conflict:
    """A save made from a stale view (another tab or device changed the answer since it was shown).

    Nothing was stored; `theirs` is the newer answer in the store, `mine` the value that was not
    stored. Both are in the audit trail (note ``konflikt``)."""
    code: str
    theirs: str | None
    theirs_version: int
    theirs_at: dt.datetime | None
    theirs_by: str | None
    mine: str | None
    #: read from the store (`InterviewState.conflicts`): refused in another tab, a closed one or a device — not
    #: necessarily the view that shows it, so «mine» is not «your answer here» there
    stored: bool = False


#: the audit trail's note of a change refused because the answer had changed meanwhile (`save_answer`)
CONFLICT_NOTE = "konflikt: ikke gemt, svaret var ændret i en anden fane"
#: the audit trail's note of «Behold»: the newer answer was kept over a refused change (`keep_theirs`)
KEPT_NOTE = "konflikt: det nyere svar fra en anden fane blev beholdt"


def _open_conflicts(s, interview_id: str, answers: Mapping[str, str]) -> dict[str, Conflict]:
    """The refused changes no one has decided on: per answer, its last conflict (`CONFLICT_NOTE`) unless
    «Behold» (`keep_theirs`, `KEPT_NOTE`) came after it, the refused value was stored after it («Brug mit»),
    or it is what is stored now. A later save of another value decides nothing: it was made in a view that
    had not been asked (another tab saving on, a device) — the refused text stays to be decided, and the
    live tab that was asked keeps its question. A closing tab's conflict (its beacon; the tab is gone) was
    otherwise only in the audit trail: a tester's last words in a stale tab were dropped without anyone
    being told. Usually no row matches, and nothing more is read."""
    refused = s.execute(select(AuditEntry.id, AuditEntry.code)
                        .where(AuditEntry.interview_id == interview_id, AuditEntry.entity == "answer",
                               AuditEntry.note == CONFLICT_NOTE)).all()
    if not refused:
        return {}
    ids = {r.id for r in refused}
    settled = object()
    pending: dict[str, object] = {}  # code -> the refused value still to decide (`settled`: none)
    for code, value, note, aid in s.execute(
            select(AuditEntry.code, AuditEntry.new_value, AuditEntry.note, AuditEntry.id)
            .where(AuditEntry.interview_id == interview_id, AuditEntry.entity == "answer",
                   AuditEntry.code.in_({r.code for r in refused}))
            .order_by(AuditEntry.at, AuditEntry.id)).all():
        if aid in ids:
            pending[code] = value
        elif note == KEPT_NOTE or value == pending.get(code, settled):
            pending[code] = settled
    open_codes = {code: value for code, value in pending.items()
                  if value is not settled and value != answers.get(code)}
    if not open_codes:
        return {}
    rows = {a.code: a for a in s.execute(select(Answer).where(Answer.interview_id == interview_id,
                                                              Answer.code.in_(set(open_codes)))).scalars()}
    out = {}
    for code, mine in open_codes.items():
        cur = rows.get(code)
        out[code] = Conflict(code, cur.value if cur else None, int(cur.version or 1) if cur else 0,
                             aware(cur.updated_at) if cur else None, cur.updated_by if cur else None, mine,
                             stored=True)
    return out


@dataclass(frozen=True)
class SaveResult:
    """Outcome of storing one change. `ok` False: nothing was stored and `message` says why (Danish);
    `conflict` set: a newer answer was in the store, the interviewer chooses (issue 10)."""
    ok: bool
    code: str
    value: str | None = None
    message: str = ""
    at: dt.datetime | None = None
    changed: bool = False
    version: int = 0            # the stored answer's version after the save (0: no answer stored)
    conflict: Conflict | None = None
    guide_changed: bool = False  # the page was drawn with another guide (`drawn_with`): nothing was looked at


#: What a change from a page drawn with another guide gets (`drawn_with`): nothing stored, the page keeps it.
GUIDE_CHANGED = ("Ikke gemt: spørgeguiden er ændret, siden siden blev vist. Tryk «Genindlæs siden» — ændringen venter "
                 "i siden og gemmes, hvis den passer til den nye guide.")


def drawn_with(guide: Guide, drawn: object) -> bool:
    """May a change from a page drawn with the guide whose `survey.guide.page_digest` is `drawn` be stored with
    `guide` — the one the server uses for that interview now? Only when they are the same guide: a page shows
    its guide's questions, labels and conditions, and an answer given there must not be stored under another
    guide's meaning (docs/guide.md «Når guiden ændres»), nor a choice that only the page's guide has. `drawn`
    None: the change names no page (an import, a script; a page from before the pages carried the digest)."""
    return drawn is None or drawn == page_digest(guide)


@dataclass(frozen=True)
class InterviewState:
    """Everything the interview page needs for one rerun, read in one transaction."""
    info: InterviewInfo
    answers: dict[str, str]
    quotes: list[QuoteView]
    consent: ConsentView | None
    editor: str | None  # who is correcting a reopened interview
    versions: dict[str, int] = field(default_factory=dict)  # code -> version of the stored answer (issue 10)
    #: each answer given in the interview (not imported) -> the interview's answers as they stood when it was
    #: last saved (`_as_saved`): those `complete` may remove, when a later answer hid them
    as_saved: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: changes refused as made from a stale view that no one has decided on yet (`_open_conflicts`)
    conflicts: Mapping[str, "Conflict"] = field(default_factory=dict)

    def base(self, code: str) -> tuple[int, str | None]:
        """What a view drawn from this state saw of one answer: (version, value); (0, None) when none."""
        return (self.versions.get(code, 0) if code in self.answers else 0), self.answers.get(code)

    def context(self) -> dict[str, str | None]:
        """Answers plus metadata: what `relevant` expressions may refer to."""
        return {**self.answers, **self.info.meta()}

    def removed_at_completion(self, guide: Guide) -> list[Item]:
        """What «Afslut» will remove (`removed_at_completion`): the page lists exactly these."""
        return removed_at_completion(guide, self.answers, self.info.meta(), self.as_saved)


# ---------------------------------------------------------------- the guide as sections

@dataclass(frozen=True)
class Section:
    name: str
    label: str
    appearance: str
    items: tuple[Item, ...]

    @property
    def is_probegrid(self) -> bool:
        return self.appearance == "probegrid"


_sections_cache: dict[int, tuple[Guide, list[Section], list[Item]]] = {}


def sections(guide: Guide) -> list[Section]:
    """The sections the interviewer works through, in guide order (meta and researcher groups left out).

    The open outcome question (`udbytte_aabent`) is shown first in the probe-grid section, right
    before the probes, wherever the guide file places it: the guide says "først helt åbent —
    derpå probing". If the guide already has it in that group nothing moves.
    """
    return _layout(guide)[0]


def meta_items(guide: Guide) -> list[Item]:
    """Items of the meta groups the interviewer still answers (e.g. `selected_by_staff`)."""
    return _layout(guide)[1]


def _layout(guide: Guide) -> tuple[list[Section], list[Item]]:
    hit = _sections_cache.get(id(guide))
    if hit is not None and hit[0] is guide:
        return hit[1], hit[2]
    groups = guide.interview_groups()
    grid = next((g for g in groups if g.appearance == "probegrid"), None)
    move = None
    if grid is not None and OPEN_OUTCOME_CODE in guide.items and guide.items[OPEN_OUTCOME_CODE].group != grid.name:
        move = guide.items[OPEN_OUTCOME_CODE]
    out = []
    for g in groups:
        items = [i for i in g.items if i.role not in ("meta", "forsker") and i.code not in store.META_CODES]
        if move is not None:
            items = [i for i in items if i.code != move.code]
            if g is grid:
                items = [move] + items
        out.append(Section(g.name, g.label, g.appearance, tuple(items)))
    metas = [i for g in guide.groups if g.role == "meta" for i in g.items if i.code not in store.META_CODES]
    _sections_cache[id(guide)] = (guide, out, metas)
    return out, metas


def section_of(guide: Guide, code: str) -> Section | None:
    for sec in sections(guide):
        if any(i.code == code for i in sec.items):
            return sec
    return None


def probe_rows(guide: Guide, section: Section) -> list[tuple[Item, Item | None, Item | None]]:
    """(probe, its "vigtigt" item, its note item) for each probe in the section, in guide order."""
    codes = {i.code for i in section.items}
    rows = []
    for p in guide.probes:
        if p.code in codes:
            rows.append((p, guide.items.get(f"{p.code}_vigtigt"), guide.items.get(f"{p.code}_note")))
    return rows


def grid_codes(guide: Guide, section: Section) -> set[str]:
    out = set()
    for p, v, n in probe_rows(guide, section):
        out |= {p.code} | ({v.code} if v else set()) | ({n.code} if n else set())
    return out


def is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def visible(guide: Guide, item: Item, ctx: Mapping[str, str | None]) -> bool:
    """Whether the item is shown: its `relevant` holds for the answers so far."""
    try:
        return guide.is_relevant(item.code, ctx)
    except Exception as e:  # a guide expression that fails at run time: show the item rather than hide data
        log.warning("relevans kunne ikke beregnes for %s: %s", item.code, type(e).__name__)
        return True


@dataclass(frozen=True)
class SectionStatus:
    name: str
    label: str
    answered: int
    visible: int
    missing_required: tuple[str, ...]
    done: bool
    hidden_answered: tuple[str, ...] = ()

    @property
    def started(self) -> bool:
        return self.answered > 0


def section_status(guide: Guide, ctx: Mapping[str, str | None]) -> list[SectionStatus]:
    """Per section: visible items answered, required items missing, and whether it is done.

    A section is *done* when at least one of its visible items is answered and no visible
    required item is blank; in the probe grid every visible probe must be answered too (the
    probes are asked one by one, so a half-filled grid is not done).
    """
    out = []
    for sec in sections(guide):
        answered = vis = 0
        missing, hidden = [], []
        probes = {p.code for p, _, _ in probe_rows(guide, sec)} if sec.is_probegrid else set()
        for it in sec.items:
            has = not is_blank(ctx.get(it.code))
            if not visible(guide, it, ctx):
                if has:
                    hidden.append(it.code)
                continue
            vis += 1
            answered += has
            if not has and (it.required or it.code in probes):
                missing.append(it.code)
        done = answered > 0 and not missing
        req_missing = tuple(c for c in missing if guide.items[c].required)
        out.append(SectionStatus(sec.name, sec.label, answered, vis, req_missing, done, tuple(hidden)))
    return out


@dataclass(frozen=True)
class MissingItem:
    code: str
    label: str
    section: str  # section name ("" for the interview's own fields)
    section_label: str


def missing_required(guide: Guide, ctx: Mapping[str, str | None]) -> list[MissingItem]:
    """Required items that are visible (relevant) and still blank, in guide order."""
    out = []
    for it in meta_items(guide):
        if it.required and is_blank(ctx.get(it.code)) and visible(guide, it, ctx):
            out.append(MissingItem(it.code, it.label, "", "Om interviewet"))
    for code in store.META_CODES:
        it = guide.items.get(code)
        if it is not None and it.required and is_blank(ctx.get(code)):
            out.append(MissingItem(code, it.label, "", "Om interviewet"))
    for sec in sections(guide):
        for it in sec.items:
            if it.required and is_blank(ctx.get(it.code)) and visible(guide, it, ctx):
                out.append(MissingItem(it.code, it.label, sec.name, sec.label))
    return out


def unasked(guide: Guide, answers: Mapping[str, str | None], meta: Mapping[str, str | None]) -> list[Item]:
    """The items with a stored answer that the skip logic no longer asks (their `relevant` is false),
    in guide order: a follow-up answered before the question it follows was changed («Har du haft
    lønnet arbejde?» Ja → Nej leaves «Hvad?» behind). Removing one can hide another (a follow-up's
    follow-up): repeated until nothing more is hidden."""
    return _hidden(guide, answers, meta, lambda _c: True)


def _hidden(guide: Guide, answers: Mapping[str, str | None], meta: Mapping[str, str | None], may_go) -> list[Item]:
    """The answered items the skip logic does not ask and `may_go(code)` lets go, in guide order — again and
    again until nothing more goes (one gone can hide another: a follow-up's follow-up)."""
    left = {c: v for c, v in answers.items() if c in guide.items and not is_blank(v)}
    gone: set[str] = set()
    while True:
        ctx = {**left, **meta}
        hidden = [c for c in left if not visible(guide, guide.item(c), ctx) and may_go(c)]
        if not hidden:
            break
        for c in hidden:
            gone.add(c)
            del left[c]
    return [guide.item(c) for c in guide.codes if c in gone]


def removed_at_completion(guide: Guide, answers: Mapping[str, str | None], meta: Mapping[str, str | None],
                          as_saved: Mapping[str, Mapping[str, str | None]]) -> list[Item]:
    """The answers `complete` removes, in guide order: answers given in the interview (`as_saved`'s codes:
    source «interview»; `_as_saved`) that the skip logic no longer asks *because a later answer hid them* —
    this guide asked the question with the answers as they stood when it was last saved. Repeated, as
    `unasked`, until nothing more leaves (a follow-up's follow-up). Imported values stay — imported data
    need not follow the skip logic (instrument.md) — also when an imported interview is reopened and
    completed again. An answer the guide's changed condition no longer asks stays, and so do its
    follow-ups (docs/guide.md «Når guiden ændres»): it was recorded while the question was asked, and
    nothing typed is removed because a guide changed."""
    return _hidden(guide, answers, meta,
                   lambda c: c in as_saved and visible(guide, guide.item(c), {**as_saved[c], **meta}))


def _as_saved(s, interview_id: str) -> dict[str, dict[str, str]]:
    """For each stored answer given in the interview: the interview's answers as they stood when it was last
    saved — the answers now, each change the audit trail records after that save undone (a refused
    change, a conflict's record, changed nothing and is skipped). Metadata is taken as it is now."""
    rows = s.execute(select(Answer.code, Answer.value, Answer.updated_at, Answer.source)
                     .where(Answer.interview_id == interview_id)).all()
    typed = [(code, saved) for code, _v, saved, source in rows if source == "interview"]
    if not typed:
        return {}
    now = {code: value for code, value, _t, _s in rows}
    later = s.execute(select(AuditEntry.code, AuditEntry.old_value, AuditEntry.at)
                      .where(AuditEntry.interview_id == interview_id, AuditEntry.entity == "answer",
                             AuditEntry.at > min(t for _c, t in typed),
                             or_(AuditEntry.note.is_(None), AuditEntry.note.not_in((CONFLICT_NOTE, KEPT_NOTE))))
                      .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())).all()
    # one walk back through the trail, newest first: the answers newest-saved first each take the state once
    # every change after their save is undone (the page calls this on every draw: not one walk per answer)
    out: dict[str, dict[str, str]] = {}
    then = dict(now)
    i = 0
    for code, saved in sorted(typed, key=lambda x: x[1], reverse=True):
        while i < len(later) and later[i][2] > saved:
            c, old, _at = later[i]
            if old is None:
                then.pop(c, None)
            else:
                then[c] = old
            i += 1
        out[code] = dict(then)
    return out


#: the audit note of an answer `complete` removes
UNASKED_NOTE = "fjernet ved afslutning: spørgsmålet stilles ikke efter de andre svar (springlogik)"


# ---------------------------------------------------------------- sites and starting

@dataclass(frozen=True)
class SiteView:
    id: int
    name: str
    site_type: str
    prefix: str

    @property
    def label(self) -> str:
        return f"{self.name} ({SITE_TYPES.get(self.site_type, self.site_type).lower()})"


def list_sites(engine: Engine) -> list[SiteView]:
    with session_scope(engine) as s:
        return [SiteView(x.id, x.name, x.site_type, x.prefix or store.site_prefix(x.name)) for x in store.list_sites(s)]


def clean_line(text: str | None, what: str, max_len: int = 200) -> str | None:
    if text is None:
        return None
    t = " ".join(clean_text(_LONE_SURROGATE.sub("\ufffd", str(text))).split())
    if not t:
        return None
    if len(t) > max_len:
        raise InterviewError(f"{what} er for lang ({len(t)} tegn, højst {max_len}).")
    if CPR_RE.search(t):
        raise InterviewError(f"{what} ligner et CPR-nummer. Skriv aldrig CPR-numre i Brugerblik.")
    return t


def normalise_prefix(prefix: str | None, site_name: str) -> str:
    p = (prefix or "").strip().upper()
    if not p:
        return store.site_prefix(site_name)
    if not _PREFIX_RE.fullmatch(p):
        raise InterviewError("Forkortelsen må kun have bogstaver og tal (højst 12), fx AMA.")
    return p


def preview_respondent_id(engine: Engine, site_name: str, prefix: str | None = None) -> str:
    """The id the next respondent at this site would get (nothing is stored)."""
    name = (site_name or "").strip()
    with session_scope(engine) as s:
        site = s.execute(select(Site).where(Site.name == name)).scalars().first()
        if site is None:
            site = Site(name=name or "?", site_type="vaerested", prefix=normalise_prefix(prefix, name))
        return store.next_respondent_id(s, site)


START_LOCK = 7417303  # PostgreSQL advisory lock: one start of an interview (its new id) at a time


def start_interview(engine: Engine, guide: Guide, *, site_name: str, site_type: str | None = None,
                    interviewer: str | None = None, interview_date: dt.date | None = None,
                    prefix: str | None = None, principal: auth.Principal | None = None) -> InterviewInfo:
    """Create a draft interview; the respondent gets the site prefix + the next running number.

    A new site needs its type (boform or værested). An interviewer's `principal` starts it in
    their own name (whatever `interviewer` says). Raises InterviewError with a Danish message.
    """
    try:
        owner = owner_scope(principal)
    except auth.AuthError as e:
        raise InterviewError(str(e)) from None
    if owner is not None:
        interviewer = owner
    name = clean_line(site_name, "Stedets navn")
    if not name:
        raise InterviewError("Vælg et sted, eller skriv navnet på et nyt sted.")
    interviewer = clean_line(interviewer, "Interviewer")
    if interview_date is not None and not isinstance(interview_date, dt.date):
        raise InterviewError("Interviewdatoen er ikke en dato.")
    if site_type is not None and site_type not in SITE_TYPES:
        raise InterviewError("Vælg typen af sted: boform eller værested.")
    pfx = normalise_prefix(prefix, name)
    attempts = 10  # a clash that gets past the lock below (another database) is tried again
    for attempt in range(attempts):
        try:
            # one start at a time: the running number is read and taken in one unit of work (eight interviewers
            # starting at one site at once ran through ten tries of read-then-insert and one got an error)
            with exclusive_session(engine, START_LOCK) as s:
                site = store.ensure_site(s, name, site_type, prefix=pfx)
                iv = store.create_interview(s, guide, site, interviewer=interviewer, interview_date=interview_date)
                info = info_of(iv, site)
            log.info("interview startet: %s", info.id)
            return info
        except store.RespondentIdTaken:  # the running number was taken between reading and checking it
            if attempt == attempts - 1:
                raise InterviewError("Respondent-id'et blev taget af et andet interview lige nu. Prøv igen.") from None
        except store.StoreError as e:
            raise InterviewError(str(e)) from None
        except IntegrityError:
            if attempt == attempts - 1:
                raise InterviewError("Respondent-id'et blev taget af et andet interview lige nu. Prøv igen.") from None
        except SQLAlchemyError as e:
            if is_read_only(e):  # a read-only file or database user: trying again does not help
                raise InterviewError(ReadOnlyStoreError.MESSAGE) from None
            if attempt == attempts - 1 or not is_transient(e):
                log.error("interview kunne ikke startes: %s", type(e).__name__)
                raise InterviewError("Interviewet kunne ikke startes: databasen svarede ikke. Prøv igen.") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- who sees which interviews

def owner_scope(principal: auth.Principal | None) -> str | None:
    """Whose interviews `principal` may see: None = everyone's; a user name = only that interviewer's.

    Raises `auth.AuthError` for a role that may not take interviews at all (report writer, admin)."""
    if principal is None or principal is auth.OPEN:
        return None
    auth.require(principal, "interview.own")
    if auth.allowed(principal.role, "interview.all"):
        return None
    return principal.username


def may_open(principal: auth.Principal | None, info: "InterviewInfo") -> bool:
    """True when `principal` may open (read and edit) this interview."""
    try:
        owner = owner_scope(principal)
    except auth.AuthError:
        return False
    return owner is None or info.interviewer == owner


def may_change_interviewer(principal: auth.Principal | None) -> bool:
    """An interviewer cannot hand an interview to another name (it would leave their list)."""
    try:
        return owner_scope(principal) is None
    except auth.AuthError:
        return False


def find_for(engine: Engine, interview_id: str | None, principal: auth.Principal | None
             ) -> tuple[InterviewInfo | None, bool]:
    """(info, allowed): the interview (None if unknown) and whether `principal` may open it."""
    info = find(engine, interview_id)
    return info, info is not None and may_open(principal, info)


# ---------------------------------------------------------------- reading

def _get(s, interview_id: str) -> tuple[Interview, Site | None]:
    iv = s.get(Interview, interview_id) if interview_id else None
    if iv is None:
        raise InterviewError("Interviewet findes ikke (måske er linket forkert).")
    site = s.get(Site, iv.site_id) if iv.site_id is not None else None
    return iv, site


def get_info(engine: Engine, interview_id: str) -> InterviewInfo:
    with session_scope(engine) as s:
        return info_of(*_get(s, interview_id))


def find(engine: Engine, interview_id: str | None) -> InterviewInfo | None:
    if not interview_id or not isinstance(interview_id, str) or len(interview_id) > 36:
        return None
    try:
        return get_info(engine, interview_id)
    except InterviewError:
        return None


def _editor(s, interview_id: str) -> str | None:
    row = s.execute(select(AuditEntry.who).where(AuditEntry.interview_id == interview_id,
                                                 AuditEntry.entity == "interview", AuditEntry.code == "status",
                                                 AuditEntry.new_value == "reopened")
                    .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1)).first()
    return row[0] if row else None


def load_state(engine: Engine, interview_id: str) -> InterviewState:
    """Interview, answers, quotes, current consent and (if reopened) who is correcting — one read."""
    with session_scope(engine) as s:
        iv, site = _get(s, interview_id)
        answers = store.get_answers(s, interview_id)
        quotes = [_quote(q) for q in s.execute(select(Quote).where(Quote.interview_id == interview_id)
                                               .order_by(Quote.created_at, Quote.id)).scalars()]
        c = s.execute(select(ConsentRecord).where(ConsentRecord.interview_id == interview_id)
                      .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc()).limit(1)).scalars().first()
        consent = (ConsentView(c.value, aware(c.recorded_at), c.guide_form_id, c.guide_version, c.recorded_by)
                   if c else None)
        editor = _editor(s, interview_id) if iv.status == "reopened" else None
        versions = store.get_versions(s, interview_id)
        return InterviewState(info_of(iv, site), answers, quotes, consent, editor, versions, _as_saved(s, interview_id),
                              _open_conflicts(s, interview_id, answers))


@dataclass(frozen=True)
class ListRow:
    id: str
    respondent_id: str
    site_name: str | None
    site_type: str | None
    interviewer: str | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    sections_done: int
    sections_total: int
    answered: int
    informant: str = "bruger"  # issue 7: whose interview (survey.sources.INFORMANTS)
    subject_respondent_id: str | None = None  # a source: the user it is about
    # issue 10.5: every section's status, in guide order (its number is its place + 1), and where the
    # interview resumes (`resume_section`'s rule: the section of the last saved answer; "" = the
    # interview's own fields, None = no answer yet). Empty/None when listed without progress.
    section_states: tuple[SectionStatus, ...] = ()
    last_section: str | None = None

    def section_number(self, name: str | None) -> int | None:
        """1-based number of a section in this row's guide (None if it is not one of them)."""
        return next((i for i, st in enumerate(self.section_states, start=1) if st.name == name), None)


def list_interviews(engine: Engine, guide: Guide, statuses: Sequence[str] = EDITABLE, *,
                    with_progress: bool = True, limit: int | None = None,
                    principal: auth.Principal | None = None) -> list[ListRow]:
    """Interviews with the given statuses, newest first, with how many sections are done, each
    section's status and the section the interview resumes in (`resume_section`'s rule)
    (an interviewer's `principal`: only their own)."""
    owner = owner_scope(principal)
    with session_scope(engine) as s:
        q = (select(Interview, Site).join(Site, Site.id == Interview.site_id, isouter=True)
             .where(Interview.status.in_(list(statuses))).order_by(Interview.updated_at.desc()))
        if owner is not None:
            q = q.where(Interview.interviewer == owner)
        if limit:
            q = q.limit(limit)
        rows = s.execute(q).all()
        ids = [iv.id for iv, _ in rows]
        answers: dict[str, dict[str, str]] = {i: {} for i in ids}
        saved: dict[str, list[tuple[str, dt.datetime | None, int | None]]] = {i: [] for i in ids}
        if with_progress and ids:
            for chunk in range(0, len(ids), 500):
                for iid, code, value, at, aid in s.execute(
                        select(Answer.interview_id, Answer.code, Answer.value, Answer.updated_at, Answer.id)
                        .where(Answer.interview_id.in_(ids[chunk:chunk + 500]))):
                    answers[iid][code] = value
                    saved[iid].append((code, at, aid))
        infos = [(info_of(iv, site), answers[iv.id], saved[iv.id]) for iv, site in rows]
    out = []
    guides: dict[str, Guide] = {}
    for info, ans, when in infos:
        # a source's progress is counted in its own guide (issue 7), refused when it does not fit its stored
        # interviews (`survey.guide_fit`; once per informant type here)
        g = guides.get(info.informant) or guides.setdefault(info.informant, guide_of(info, guide, engine))
        total = len(sections(g))
        states = tuple(section_status(g, {**ans, **info.meta()})) if with_progress else ()
        out.append(ListRow(info.id, info.respondent_id, info.site_name, info.site_type, info.interviewer,
                           info.status, info.created_at, info.updated_at, sum(st.done for st in states), total,
                           len(ans), info.informant, info.subject_respondent_id, states,
                           last_section(g, when) if with_progress else None))
    return out


def last_section(guide: Guide, saved: Iterable[tuple[str, dt.datetime | None, int | None]]) -> str | None:
    """The section of the newest of `saved` answers, (code, Answer.updated_at, Answer.id): its name (by
    `section_of`), "" when it is one of the interview's own fields (a meta item: «Om interviewet»), None
    when there is none. Answers to codes outside the interview's sections and meta items (the
    researcher's coding, codes of another guide version) are passed over; equal times: the higher id."""
    where = {i.code: "" for i in meta_items(guide)}
    for sec in reversed(sections(guide)):  # what section_of says: the first section holding the code
        where.update({i.code: sec.name for i in sec.items})
    best = None
    for code, at, aid in saved:
        if code not in where:
            continue
        key = (aware(at) or dt.datetime.min.replace(tzinfo=dt.timezone.utc), aid or 0)
        if best is None or key > best[0]:
            best = (key, code)
    return None if best is None else where[best[1]]


def resume_section(engine: Engine, interview_id: str, guide: Guide) -> str | None:
    """Where a resumed interview opens (issue 10.5): the section of its last saved answer — the newest
    `Answer.updated_at` of the interview, its section by `section_of` (see `last_section`).

    Returns the section's name, "" when that answer is one of the interview's own fields («Om
    interviewet»), None when nothing is answered yet (the page then opens where it opens a new
    interview: the first section, or «Om interviewet» for a source). `guide` is the interview's own
    (`guide_of`)."""
    with session_scope(engine) as s:
        rows = s.execute(select(Answer.code, Answer.updated_at, Answer.id)
                         .where(Answer.interview_id == interview_id)).all()
    return last_section(guide, rows)


def guide_of(info: InterviewInfo, user_guide: Guide, engine: Engine) -> Guide:
    """The guide an interview is taken with: `user_guide` for a user's own (the caller's, checked where it was
    loaded: `ui.common.guide`, the CLI's `_guide`), else its informant type's (survey.sources.guide_for; issue 7),
    refused (`survey.guide_fit.GuideFitError`) when it does not fit the stored interviews of its type in
    `engine`'s store: the interview is read with it."""
    if not info.is_source:
        return user_guide
    from survey import guide_fit  # reason: only a source's guide used with the store needs it

    g = guide_for(info.informant)
    guide_fit.require_fit(engine, g, info.informant)
    return g


def _check_guide(iv: Interview, guide: Guide) -> None:
    """Refuse to store answers checked against another informant type's guide (issue 7)."""
    want = iv.informant or store.USER_INFORMANT
    have = informant_of(guide)
    if have != want:
        raise InterviewError(f"Interviewet er et {want}-interview, men spørgeguiden {guide.form_id} er til "
                             f"{have}. Genindlæs siden.")


def completed_index(engine: Engine, principal: auth.Principal | None = None) -> list[tuple[str, str, str | None]]:
    """(id, respondent id, site) of every completed interview (an interviewer: their own), by respondent
    id — light enough for thousands."""
    owner = owner_scope(principal)
    with session_scope(engine) as s:
        q = (select(Interview.id, Interview.respondent_id, Site.name)
             .join(Site, Site.id == Interview.site_id, isouter=True)
             .where(Interview.status == "complete").order_by(Interview.respondent_id))
        if owner is not None:
            q = q.where(Interview.interviewer == owner)
        return [tuple(r) for r in s.execute(q).all()]


def last_started(engine: Engine, principal: auth.Principal | None = None) -> tuple[str | None, str | None]:
    """(site name, interviewer) of the most recently started interview (an interviewer: of their own):
    the start form's defaults."""
    owner = owner_scope(principal)
    with session_scope(engine) as s:
        q = (select(Site.name, Interview.interviewer).join(Site, Site.id == Interview.site_id)
             .where(Interview.source == "interview"))
        if owner is not None:
            q = q.where(Interview.interviewer == owner)
        row = s.execute(q.order_by(Interview.created_at.desc()).limit(1)).first()
        return (row[0], row[1]) if row else (None, None)


def count_by_status(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return dict(s.execute(select(Interview.status, func.count()).group_by(Interview.status)).all())


# ---------------------------------------------------------------- saving

def _who_for(s, iv: Interview, who: str | None) -> str | None:
    if who:
        return who
    if iv.status == "reopened":
        return _editor(s, iv.id)
    return iv.interviewer


def _refuse_if_closed(iv: Interview) -> None:
    if iv.status not in EDITABLE:
        raise InterviewError("Interviewet er afsluttet. Genåbn det for at rette.")


def _sanitise(raw: object) -> object:
    if isinstance(raw, str):
        return _LONE_SURROGATE.sub("\ufffd", raw)
    if isinstance(raw, (list, tuple)):
        return ";".join(str(x) for x in raw)
    return raw


def save_answer(engine: Engine, guide: Guide, interview_id: str, code: str, raw: object, *,
                who: str | None = None, principal: auth.Principal | None = None,
                base: tuple[int, str | None] | None = None, drawn: str | None = None) -> SaveResult:
    """Store one answer now (blank removes it). A value the guide refuses is not stored.

    `raw` may be text (numbers as typed, with comma or point), a list for a multiple choice,
    or a date. The consent item also gets a ConsentRecord (time + guide version).
    Never raises for bad input: the result says what was wrong, in Danish.

    `base` (issue 10: no silent overwrite) is what the caller's view showed of this answer,
    (version, value) — `InterviewState.base(code)`; (0, None) for no answer. When the store holds
    something else (another tab or device saved since), and the new value differs from it, nothing
    is stored: the result carries a `Conflict` with both values, and the attempt is written to the
    audit trail. Without `base` the save is unconditional (imports, scripts).

    `drawn`: the `page_digest` of the guide the page was drawn with; another than `guide`'s stores nothing
    (`drawn_with`; the result's `guide_changed`).
    """
    if not drawn_with(guide, drawn):
        return SaveResult(False, code, message=GUIDE_CHANGED, guide_changed=True)
    if code in EDITABLE_META:
        return set_meta(engine, interview_id, code, raw, who=who, principal=principal)
    if code not in guide.items:
        return SaveResult(False, code, message=f"Ukendt spørgsmål {code!r} i guiden.")
    if code in store.META_CODES or guide.items[code].role == "forsker":
        return SaveResult(False, code, message="Dette felt kan ikke ændres fra interviewet.")
    raw = _sanitise(raw)
    if base is not None:  # from the interview page: a date as typed there («05.11.2026»), within its limits
        raw, problem = guide.read_typed(code, raw, today())
        if problem:
            return SaveResult(False, code, message=f"Ikke gemt: {problem}.")

    def tx() -> SaveResult:
        # the saves of one interview one at a time, from before the read: the answer read here for the version
        # check is the one replaced. With a plain transaction two saves at the same moment (two tabs; the live
        # save and a closing tab's beacons) both read the old answer, both passed the check, and the later
        # silently replaced the earlier — a conflict never shown, the change audited 4×. SQLite: the write lock
        # from the start (BEGIN IMMEDIATE). PostgreSQL: the interview's row locked first (every save updates
        # it); a snapshot (REPEATABLE READ) instead made any two saves of one interview, of different answers
        # too, a serialization failure: 10 at once and one ran out of retries after 5 s.
        sqlite = engine.dialect.name == "sqlite"
        with consistent_session(engine, write=True) if sqlite else session_scope(engine) as s:
            if not sqlite:
                s.execute(select(Interview.id).where(Interview.id == interview_id).with_for_update())
            iv, _ = _get(s, interview_id)
            _refuse_if_closed(iv)
            _check_guide(iv, guide)
            if iv.informant == "journal":  # a case file only with the user's consent (issue 7)
                check_journal_consent(s, iv.subject_interview_id)
            w = _who_for(s, iv, who)
            cur = s.execute(select(Answer).where(Answer.interview_id == interview_id, Answer.code == code)
                            ).scalars().first()
            old = cur.value if cur else None
            if base is not None:
                checked, problem = guide.check_value(code, raw)
                if problem is not None:
                    return SaveResult(False, code, message="Ikke gemt: " + problem.text("da"))
                have = (int(cur.version or 1), cur.value) if cur else (0, None)
                # the tab's value as stored: a decimal field shows «12,5» for the stored «12.5» (a tester found
                # every edit of a decimal answer refused as a change made in another tab)
                if (int(base[0] or 0), _as_stored(guide, code, base[1])) != have and checked != old:
                    now = utcnow()
                    s.add(AuditEntry(interview_id=interview_id, entity="answer", code=code, old_value=old,
                                     new_value=checked, who=w, at=now,
                                     note=CONFLICT_NOTE))
                    return SaveResult(False, code, message="Ikke gemt: svaret er ændret i en anden fane.",
                                      version=have[0], conflict=Conflict(
                                          code, old, have[0], aware(cur.updated_at) if cur else None,
                                          cur.updated_by if cur else None, checked))
            value, problem = store.set_answer(s, guide, interview_id, code, raw, who=w)
            if problem is not None:
                return SaveResult(False, code, message="Ikke gemt: " + problem.text("da"))
            now = utcnow()
            if code in CONSENT_CODES and value != old:
                s.add(ConsentRecord(interview_id=interview_id, item_code=code, value=value, recorded_at=now,
                                    guide_form_id=guide.form_id, guide_version=guide.version, recorded_by=w))
            s.flush()
            version = int(cur.version or 1) if (cur is not None and value is not None) else (1 if value else 0)
        return SaveResult(True, code, value, at=now, changed=True, version=version)

    try:
        # a busy database (another writer) or two tabs saving the same item at once: run it again
        return retrying(tx, conflicts=True)
    except InterviewError as e:
        return SaveResult(False, code, message=str(e))
    except store.StoreError as e:  # e.g. survey.sources.JournalConsentError: consent withdrawn (issue 7)
        return SaveResult(False, code, message="Ikke gemt: " + str(e))
    except SQLAlchemyError as e:
        log.error("svar kunne ikke gemmes (interview %s, kode %s): %s", interview_id, code, type(e).__name__)
        return SaveResult(False, code, message="Ikke gemt: databasen kunne ikke skrive svaret. Prøv igen; "
                                                "kontakt support, hvis det bliver ved.")


def set_meta(engine: Engine, interview_id: str, code: str, raw: object, *, who: str | None = None,
             principal: auth.Principal | None = None) -> SaveResult:
    """Change the interviewer or the interview date (audited once the interview is complete).

    An interviewer's `principal` may not change the interviewer (their interviews are theirs)."""
    try:
        if code == "interviewer" and not may_change_interviewer(principal):
            return SaveResult(False, code, message="Ikke gemt: som interviewer kan du ikke ændre, hvem der "
                                                   "har taget interviewet.")
        if code == "interviewer":
            value = clean_line(_sanitise(raw) if raw is not None else None, "Interviewer")
        elif code == "interview_date":  # as typed on the page («05.11.2026») or a date; the day it took place
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                value = None
            elif isinstance(raw, dt.datetime):
                value = raw.date()
            elif isinstance(raw, dt.date):
                value = raw
            else:
                try:
                    value = read_typed_date(str(raw))
                except ValueError as e:
                    return SaveResult(False, code, message=f"Ikke gemt: {e}.")
            problem = value and outside_typed_limits(value, today(), meta=True)
            if problem:
                return SaveResult(False, code, message=f"Ikke gemt: {problem}.")
        else:
            return SaveResult(False, code, message="Dette felt kan ikke ændres.")
        with session_scope(engine) as s:
            iv, _ = _get(s, interview_id)
            _refuse_if_closed(iv)
            old = getattr(iv, code)
            now = utcnow()
            if old != value:
                setattr(iv, code, value)
                iv.updated_at = now
                if iv.status != "draft":
                    s.add(AuditEntry(interview_id=interview_id, entity="interview", code=code,
                                     old_value=_meta_text(old), new_value=_meta_text(value),
                                     who=_who_for(s, iv, who), at=now))
        return SaveResult(True, code, _meta_text(value), at=now, changed=old != value)
    except InterviewError as e:
        return SaveResult(False, code, message=str(e))
    except SQLAlchemyError as e:
        log.error("interviewfelt kunne ikke gemmes (interview %s, %s): %s", interview_id, code, type(e).__name__)
        return SaveResult(False, code, message="Ikke gemt: databasen kunne ikke skrive ændringen.")


def chained_base(engine: Engine, guide: Guide, interview_id: str, code: str, base: tuple[int, str | None],
                 prev: str | None) -> tuple[int, str | None]:
    """The base of a change the page chained onto its previous one before it saw that one stored
    (``chain``, ``prev``: the value it sent before): when the store holds exactly that value, its version
    is the base; otherwise the page's own `base` (a conflict if another tab changed it). Used by the
    closing page's beacon and by the live save when the server has no memory of the page's earlier
    saves (a tester restarted the server while typing: the interviewer's own text came back as a
    change «in another tab»)."""
    with session_scope(engine) as s:
        row = s.execute(select(Answer.version, Answer.value).where(
            Answer.interview_id == interview_id, Answer.code == code)).first()
    cur = (int(row[0] or 1), row[1]) if row else (0, None)
    return cur if cur[1] == _as_stored(guide, code, prev) else base


def _as_stored(guide: Guide, code: str, value: str | None) -> str | None:
    """A value the page sent as it shows it («12,5»), as the store holds it («12.5»): read as the guide
    reads a value; as given when the guide refuses it (then it matches no stored value)."""
    if value is None or code not in guide.items:
        return value
    typed, problem = guide.read_typed(code, value)  # a date as shown («05.11.2026»)
    if problem:
        return value
    stored, problem = guide.check_value(code, typed)
    return stored if problem is None else value


@dataclass
class ClosingResult:
    """What `save_closing_changes` did with a closing page's changes (counts and positions only, no values).

    `stored`: stored, or already as the page had it (nothing to change). `conflicts`: not stored, the store
    holds a newer answer — the attempt is in the audit trail and offered when the interview is opened.
    `refused`: not stored (a value the guide refuses, an unknown question, a closed interview, a too-long
    quote). `left`: beyond `max_items`, not looked at. `not_stored`: the positions in `items` of the
    refused and the left ones — what the page must keep and say is not saved."""
    stored: int = 0
    conflicts: int = 0
    refused: int = 0
    left: int = 0
    not_stored: list[int] = field(default_factory=list)
    #: an item came from a page drawn with another guide (`drawn_with`): nothing of the request was stored
    guide_changed: bool = False

    @property
    def taken(self) -> int:
        return self.stored + self.conflicts + self.refused

    @property
    def complete(self) -> bool:
        """Everything sent was stored."""
        return not (self.conflicts or self.refused or self.left)


def save_closing_changes(engine: Engine, guide: Guide, interview_id: str, items: Sequence[object], *,
                         who: str | None = None, principal: auth.Principal | None = None,
                         max_items: int = 200) -> ClosingResult:
    """The last changes of a page being closed (issue 10: `navigator.sendBeacon`, ui/autosave_http.py);
    what became of them (`ClosingResult`: stored, conflicts, refused, and the items beyond `max_items`,
    never looked at — the caller says so, never drops them silently). Any shape is tolerated; what is
    stored goes through `save_answer`, `add_quote` and `update_quote` as from the page itself.

    Each item: ``code``, ``value``, ``base`` [version, value] as the page saw it. ``chain``: the page
    changed this answer before and had not yet seen it stored; when the store holds exactly the page's
    previous value (``prev``) that is the version the change is based on. ``quote:<id>`` edits that
    quote; ``newquote:<item>`` with ``draft`` (the new quote's own id, made by the page) adds that quote
    or edits it when the live connection saved part of it (`save_new_quote`). An empty quote is never
    a deletion. Sent twice (visibilitychange and pagehide), nothing changes the second time.

    ``gd``: the `page_digest` of the guide the page was drawn with. When any item's is not `guide`'s
    (`drawn_with`), nothing is stored (`guide_changed`): the page keeps its changes and sends them again once
    it is drawn with the guide in use (docs/guide.md «Når guiden ændres»)."""
    def text(v) -> str | None:
        return None if v is None or v == "" else str(v)[:MAX_TEXT + 1]

    items = list(items)
    out = ClosingResult(left=max(0, len(items) - max_items))
    if any(isinstance(it, dict) and not drawn_with(guide, it.get("gd")) for it in items[:max_items]):
        out.guide_changed = True
        return out

    def refused(i: int) -> None:
        out.refused += 1
        out.not_stored.append(i)

    for i, it in enumerate(items[:max_items]):
        if not isinstance(it, dict):
            refused(i)
            continue
        if it.get("kind") in ("keep", "done"):  # the page's own marks: nothing to store
            continue
        code, value = str(it.get("code") or "")[:120], text(it.get("value"))
        if code.startswith(("quote:", "newquote:")):
            if _closing_quote(engine, guide, interview_id, code, value, who, it.get("draft"), it.get("seq")):
                out.stored += 1
            else:
                refused(i)
            continue
        if code not in guide.items:
            refused(i)
            continue
        try:
            v, val = it.get("base")
            base: tuple[int, str | None] = (int(v or 0), text(val))
        except (TypeError, ValueError):
            base = (0, None)
        if it.get("chain"):
            base = chained_base(engine, guide, interview_id, code, base, text(it.get("prev")))
        res = save_answer(engine, guide, interview_id, code, value, who=who, principal=principal, base=base)
        if res.ok:
            out.stored += 1
        elif res.conflict is not None:
            out.conflicts += 1
        else:
            refused(i)
    out.not_stored.extend(range(max_items, len(items)))
    return out


def _closing_quote(engine: Engine, guide: Guide, interview_id: str, code: str, value: str | None,
                   who: str | None, draft: object = None, seq: object = None) -> bool:
    """A closing page's quote (`save_closing_changes`); False when it was refused."""
    if not value or not value.strip():
        return True  # an empty quote is never a deletion: nothing to store
    if code.startswith("quote:"):
        try:
            qid = int(code.removeprefix("quote:"))
        except ValueError:
            return False
        if not 0 < qid < 2**31:
            return False
        _q, msg = update_quote(engine, interview_id, qid, text=value, who=who)
        return not msg
    item = code.removeprefix("newquote:")
    if draft is not None:
        _q, msg = save_new_quote(engine, guide, interview_id, item, draft, value, who=who, seq=seq)
        return not msg  # (None, "") : a newer text of this quote came first
    # no id (not a page of this version): never another quote's text changed; the same text not twice
    try:
        t = quote_text(value)
    except InterviewError:
        return False  # too long: refused, as `add_quote` refuses it; the beacon's other changes go on
    with session_scope(engine) as s:
        same = s.execute(select(Quote.id).where(Quote.interview_id == interview_id, Quote.item_code == item,
                                               Quote.text == t).limit(1)).first()
    if same is None:
        q, _msg = add_quote(engine, guide, interview_id, item, value, who=who)
        return q is not None
    return True


def keep_theirs(engine: Engine, interview_id: str, code: str, mine: str | None, *, who: str | None = None) -> None:
    """The interviewer kept the newer answer after a conflict: their own value is recorded as set
    aside in the audit trail (issue 10); the stored answer is unchanged."""
    with session_scope(engine) as s:
        iv, _ = _get(s, interview_id)
        cur = store.get_answers(s, interview_id).get(code)
        s.add(AuditEntry(interview_id=interview_id, entity="answer", code=code, old_value=mine, new_value=cur,
                         who=_who_for(s, iv, who), at=utcnow(),
                         note=KEPT_NOTE))


def _meta_text(v: object) -> str | None:
    if v is None:
        return None
    return v.isoformat() if isinstance(v, dt.date) else str(v)


# ---------------------------------------------------------------- completing and reopening

@dataclass(frozen=True)
class CompleteResult:
    ok: bool
    missing: list[MissingItem] = field(default_factory=list)
    message: str = ""
    removed: list[str] = field(default_factory=list)  # answers to questions no longer asked (`unasked`)


def complete(engine: Engine, guide: Guide, interview_id: str, *, reason: str | None = None,
             who: str | None = None) -> CompleteResult:
    """Mark the interview complete. With required items missing a reason is needed and is stored."""
    reason = clean_text(_sanitise(reason or "")).strip() or None
    if reason and len(reason) > MAX_TEXT:
        return CompleteResult(False, message=f"Begrundelsen er for lang (højst {MAX_TEXT} tegn).")
    with session_scope(engine) as s:
        iv, site = _get(s, interview_id)
        if iv.status == "complete":
            return CompleteResult(True, message="Interviewet var allerede afsluttet.")
        try:
            _check_guide(iv, guide)
        except InterviewError as e:
            return CompleteResult(False, message=str(e))
        info = info_of(iv, site)
        missing = missing_required(guide, {**store.get_answers(s, interview_id), **info.meta()})
        if missing and not reason:
            return CompleteResult(False, missing, f"Der mangler {len(missing)} obligatoriske svar. Udfyld dem, "
                                                  "eller skriv en begrundelse for at afslutte alligevel.")
        old = iv.status
        w = _who_for(s, iv, who)
        # an answer a later answer made the interview no longer ask is not the respondent's answer: it leaves
        # the interview (the audit trail keeps it, as every change), as a form's skip logic clears it;
        # only answers given in the interview: imported data need not follow the skip logic (instrument.md);
        # never one the guide's changed condition hid (`removed_at_completion`)
        removed = removed_at_completion(guide, store.get_answers(s, interview_id), info.meta(),
                                        _as_saved(s, interview_id))
        for it in removed:
            store.set_answer(s, guide, interview_id, it.code, None, who=w, note=UNASKED_NOTE)
        now = utcnow()
        iv.status, iv.completed_at, iv.updated_at = "complete", now, now
        if old == "draft" or reason:
            iv.completion_note = reason
        note = reason or ""
        if missing:
            note = f"Afsluttet med {len(missing)} manglende: {', '.join(m.code for m in missing)}. Begrundelse: {reason}"
        s.add(AuditEntry(interview_id=interview_id, entity="interview", code="status", old_value=old,
                         new_value="complete", who=w, at=now, note=note or None))
    log.info("interview afsluttet: %s", interview_id)
    text = "Interviewet er afsluttet."
    if removed:
        text += (f" {len(removed)} svar på spørgsmål, der ikke længere blev stillet, er fjernet (de står i "
                 "ændringsloggen).")
    return CompleteResult(True, missing, text, [it.code for it in removed])


def reopen(engine: Engine, interview_id: str, *, who: str, reason: str) -> None:
    """Open a completed interview for correction; from now on every change is audited under `who`."""
    who = clean_line(who, "Hvem retter")
    reason = clean_text(_sanitise(reason or "")).strip()
    if not who:
        raise InterviewError("Skriv hvem der retter (fx dine initialer).")
    if not reason:
        raise InterviewError("Skriv hvorfor interviewet genåbnes.")
    with session_scope(engine) as s:
        iv, _ = _get(s, interview_id)
        if iv.status != "complete":
            raise InterviewError("Kun afsluttede interviews kan genåbnes.")
        now = utcnow()
        iv.status, iv.updated_at = "reopened", now
        s.add(AuditEntry(interview_id=interview_id, entity="interview", code="status", old_value="complete",
                         new_value="reopened", who=who, at=now, note=reason[:MAX_TEXT]))
    log.info("interview genåbnet: %s", interview_id)


#: answers the start itself writes (a case file: whose file, chosen on the start page,
#: `survey.source_store.start_source_interview`): a draft with only these is still empty
START_ANSWERS: dict[str, tuple[str, ...]] = {"journal": ("kilde",)}


def given_answers(informant: str | None, answers: dict[str, str]) -> dict[str, str]:
    """The answers given in the interview: `answers` without those its start wrote by itself."""
    own = START_ANSWERS.get(informant or store.USER_INFORMANT, ())
    return {k: v for k, v in answers.items() if k not in own}


def delete_empty_draft(engine: Engine, interview_id: str) -> None:
    """Undo a start by mistake: only a draft with no answers and no quotes can go (a case file's
    `START_ANSWERS`, written by its start, do not count: a file started about the wrong user can go)."""
    with session_scope(engine) as s:
        iv, _ = _get(s, interview_id)
        if iv.status != "draft":
            raise InterviewError("Kun kladder kan slettes.")
        own = START_ANSWERS.get(iv.informant or store.USER_INFORMANT, ())
        n = s.execute(select(func.count()).select_from(Answer).where(Answer.interview_id == interview_id)
                      .where(Answer.code.not_in(own))).scalar_one()
        m = s.execute(select(func.count()).select_from(Quote).where(Quote.interview_id == interview_id)).scalar_one()
        if n or m:
            raise InterviewError("Interviewet har svar eller citater og kan ikke slettes.")
        if s.execute(select(Interview.id).where(Interview.subject_interview_id == interview_id).limit(1)).first() \
                or s.execute(select(SourceStatus.id).where(SourceStatus.subject_interview_id == interview_id)
                             .limit(1)).first():
            raise InterviewError("Der er interview eller journaludtræk om denne respondent; kladden kan ikke slettes.")
        s.execute(delete(ConsentRecord).where(ConsentRecord.interview_id == interview_id))
        s.execute(delete(Answer).where(Answer.interview_id == interview_id))  # only the start's own (above)
        s.delete(iv)


# ---------------------------------------------------------------- quotes

def quotable(guide: Guide, code: str) -> bool:
    it = guide.items.get(code)
    return it is not None and it.type == "text" and it.role not in ("meta", "forsker") and code not in store.META_CODES


def quote_text(text: object) -> str | None:
    t = clean_text(_sanitise("" if text is None else str(text)))
    if not t.strip():
        return None
    if len(t) > MAX_TEXT:
        raise InterviewError(f"Citatet er for langt ({len(t)} tegn, højst {MAX_TEXT}).")
    return t


def list_quotes(engine: Engine, interview_id: str) -> list[QuoteView]:
    with session_scope(engine) as s:
        return [_quote(q) for q in s.execute(select(Quote).where(Quote.interview_id == interview_id)
                                             .order_by(Quote.created_at, Quote.id)).scalars()]


def _quote_refusal(e: Exception, interview_id: str) -> str:
    """The Danish message for a refused quote change (a `StoreError` may be a withdrawal, issue 12)."""
    if isinstance(e, SQLAlchemyError):
        log.error("citat kunne ikke gemmes (interview %s): %s", interview_id, type(e).__name__)
        return "Citatet blev ikke gemt: databasen kunne ikke skrive det."
    return str(e)


#: the namespace of a new quote's uid: uuid5(namespace, "<interview id>:<the page's id>")
_QUOTE_NS = uuid.UUID("6f1c2d4e-8b3a-4f5e-9a7b-1c2d3e4f5a6b")
#: the order of one new quote's saves: its uid -> (a lock, the newest `seq` written). One server
#: process serves the app (make run), so the live connection and the closing page's beacons meet here.
_QUOTE_ORDER: dict[str, list] = {}
_QUOTE_ORDER_LOCK = threading.Lock()
_QUOTE_ORDER_MAX = 10_000


def _quote_order(uid: str) -> list:
    with _QUOTE_ORDER_LOCK:
        entry = _QUOTE_ORDER.get(uid)
        if entry is None:
            if len(_QUOTE_ORDER) >= _QUOTE_ORDER_MAX:  # the oldest go: their pages are long closed
                for k in list(_QUOTE_ORDER)[:_QUOTE_ORDER_MAX // 2]:
                    del _QUOTE_ORDER[k]
            entry = _QUOTE_ORDER[uid] = [threading.Lock(), -1]
        return entry


def save_new_quote(engine: Engine, guide: Guide, interview_id: str, item_code: str, draft: object, text: object, *,
                   who: str | None = None, seq: object = None) -> tuple[QuoteView | None, str]:
    """A quote typed in an item's «Nyt citat» field, saved while it is typed. `draft` is the new quote's
    own id (a version-4 UUID the page makes when the quote is begun); its uid is derived from it and
    the interview's id, so a page can never name another interview's quote. Every save of it — the
    live connection's, the closing page's beacons, in any order or at the same moment — adds that one
    quote or edits it, and never touches another; `seq` (the page's running number of its changes)
    keeps an older save that arrives late from replacing a newer text. (A tester found an older quote
    of the same question overwritten when the new one began with its text, and a new quote stored
    four times when the saves of a closing tab raced; a reviewer a late save cutting a quote short.)
    An empty text changes nothing. Returns as `add_quote`; (None, "") when a newer save came first."""
    try:
        page_id = uuid.UUID(str(draft or ""))
    except ValueError:
        page_id = None
    if page_id is None or page_id.version != 4:
        return None, "Citatet blev ikke gemt: siden sendte det uden id. Genindlæs siden, og skriv det igen."
    try:
        if quote_text(text) is None:
            return None, "Et tomt citat gemmes ikke. Brug «Slet citat» for at slette det."
    except InterviewError as e:  # too long
        return None, str(e)
    uid = str(uuid.uuid5(_QUOTE_NS, f"{interview_id}:{page_id}"))
    order = _quote_order(uid)
    n = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
    with order[0]:
        if n is not None and n <= order[1]:
            return None, ""  # a newer text of this quote is stored already
        for _ in range(3):
            with session_scope(engine) as s:
                row = s.execute(select(Quote.id, Quote.interview_id).where(Quote.uid == uid)).first()
            if row is not None:
                if row[1] != interview_id:
                    return None, "Citatet findes ikke længere."
                res = update_quote(engine, interview_id, row[0], text=text, who=who)
                break
            try:
                res = add_quote(engine, guide, interview_id, item_code, text, who=who, uid=uid)
                break
            except IntegrityError:
                continue  # the same quote was added a moment ago (another process): edit it
        else:
            return None, "Citatet blev ikke gemt: databasen kunne ikke skrive det."
        if res[0] is not None and n is not None:
            order[1] = n
        return res


def add_quote(engine: Engine, guide: Guide, interview_id: str, item_code: str, text: object, *,
              who: str | None = None, for_report: bool = False, uid: str | None = None) -> tuple[QuoteView | None, str]:
    """A verbatim quote linked to a free-text item. Returns (quote, "") or (None, Danish message).
    With `uid` (`save_new_quote`), a quote that has it already raises `IntegrityError`."""
    if not quotable(guide, item_code):
        return None, "Citater kan kun knyttes til fritekstspørgsmål."
    try:
        t = quote_text(text)
        if t is None:
            return None, "Citatet er tomt."
        with session_scope(engine) as s:
            iv, _ = _get(s, interview_id)
            _refuse_if_closed(iv)
            refuse_if_withdrawn(s, iv)  # issue 12: no new quote about a respondent who withdrew consent
            w = _who_for(s, iv, who)
            now = utcnow()
            q = Quote(interview_id=interview_id, item_code=item_code, text=t, for_report=bool(for_report),
                      created_at=now, updated_at=now, created_by=w, **({"uid": uid} if uid else {}))
            s.add(q)
            iv.updated_at = now
            if iv.status != "draft":
                s.add(AuditEntry(interview_id=interview_id, entity="quote", code=item_code, old_value=None,
                                 new_value=t, who=w, at=now, note="citat tilføjet"))
            s.flush()
            return _quote(q), ""
    except IntegrityError as e:
        if uid is not None:
            raise
        return None, _quote_refusal(e, interview_id)
    except (InterviewError, store.StoreError, SQLAlchemyError) as e:
        return None, _quote_refusal(e, interview_id)


def update_quote(engine: Engine, interview_id: str, quote_id: int, *, text: object = ..., for_report: bool | None = None,
                 who: str | None = None) -> tuple[QuoteView | None, str]:
    """Edit a quote's text and/or its "til rapporten" mark. Empty text deletes the quote.

    Returns (quote, "") — (None, "") when it was deleted — or (None, Danish message) when refused.
    """
    try:
        new_text = None if text is ... else quote_text(text)
        with session_scope(engine) as s:
            iv, _ = _get(s, interview_id)
            _refuse_if_closed(iv)
            q = s.get(Quote, quote_id)
            if q is None or q.interview_id != interview_id:
                return None, "Citatet findes ikke længere."
            w = _who_for(s, iv, who)
            now = utcnow()
            audit = iv.status != "draft"
            if text is not ... and new_text is None:
                if audit:
                    s.add(AuditEntry(interview_id=interview_id, entity="quote", code=q.item_code,
                                     old_value=q.text, new_value=None, who=w, at=now, note="citat slettet"))
                s.delete(q)
                iv.updated_at = now
                return None, ""
            refuse_if_withdrawn(s, iv)  # issue 12: deleting a quote is allowed, changing it is not
            if new_text is not None and new_text != q.text:
                if audit:
                    s.add(AuditEntry(interview_id=interview_id, entity="quote", code=q.item_code,
                                     old_value=q.text, new_value=new_text, who=w, at=now, note="citat rettet"))
                q.text = new_text
                q.updated_at = iv.updated_at = now
            if for_report is not None and bool(for_report) != bool(q.for_report):
                if audit:
                    s.add(AuditEntry(interview_id=interview_id, entity="quote", code=q.item_code,
                                     old_value=str(bool(q.for_report)).lower(), new_value=str(bool(for_report)).lower(),
                                     who=w, at=now, note="citat til rapporten"))
                q.for_report = bool(for_report)
                q.updated_at = iv.updated_at = now
            s.flush()
            return _quote(q), ""
    except (InterviewError, store.StoreError, SQLAlchemyError) as e:
        return None, _quote_refusal(e, interview_id)


def delete_quote(engine: Engine, interview_id: str, quote_id: int, *, who: str | None = None) -> str:
    """Delete a quote; returns "" or a Danish message."""
    _, msg = update_quote(engine, interview_id, quote_id, text="", who=who)
    return msg


# ---------------------------------------------------------------- consent and audit

def consent_history(engine: Engine, interview_id: str) -> list[ConsentView]:
    with session_scope(engine) as s:
        rows = s.execute(select(ConsentRecord).where(ConsentRecord.interview_id == interview_id)
                         .order_by(ConsentRecord.recorded_at, ConsentRecord.id)).scalars()
        return [ConsentView(c.value, aware(c.recorded_at), c.guide_form_id, c.guide_version, c.recorded_by)
                for c in rows]


def audit_trail(engine: Engine, interview_id: str) -> list[AuditView]:
    """Every audited change of this interview, oldest first."""
    with session_scope(engine) as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.interview_id == interview_id)
                         .order_by(AuditEntry.at, AuditEntry.id)).scalars()
        return [AuditView(aware(a.at), a.who, a.entity, a.code, a.old_value, a.new_value, a.note) for a in rows]


# ---------------------------------------------------------------- display helpers (no Streamlit)

def display_value(guide: Guide, code: str, value: str | None) -> str:
    """A stored value as the interviewer reads it: choice labels, decimals with a comma."""
    if value is None:
        return "—"
    it = guide.items.get(code)
    if it is None:
        return value
    if it.type == "select_one":
        return it.choice_label(value)
    if it.type == "select_multiple":
        return ", ".join(it.choice_label(v) for v in value.split(";") if v)
    if it.type == "decimal":
        return value.replace(".", ",")
    return value


def elapsed(info: InterviewInfo, now: dt.datetime | None = None) -> dt.timedelta:
    """How long the interview has run (a completed or reopened one: until it was completed)."""
    end = info.completed_at if info.status != "draft" and info.completed_at else (now or utcnow())
    return max(end - info.created_at, dt.timedelta(0))


def format_elapsed(d: dt.timedelta) -> str:
    mins = int(d.total_seconds() // 60)
    if mins < 60:
        return f"{mins} min"
    h, m = divmod(mins, 60)
    if h < 24:
        return f"{h} t {m:02d} min"
    return f"{h // 24} d {h % 24} t"


def label_of(guide: Guide, code: str) -> str:
    if code in ("interviewer",):
        return "Interviewer"
    if code == "interview_date":
        return "Interviewdato"
    if code == "status":
        return "Status"
    it = guide.items.get(code)
    return it.label if it else code


TRANSCRIPT_ITEM = "transskription"  # Quote.item_code of a quote taken from a transcript (coding.transcripts)
TRANSCRIPT_LABEL = "Fra transskription"
_note_cache: dict[int, tuple[Guide, dict[str, Item]]] = {}


def _row_items(guide: Guide) -> tuple[dict[str, Item], dict[str, Item]]:
    """(note code -> probe, importance-or-note code -> probe) of every probe row, cached per guide."""
    hit = _note_cache.get(id(guide))
    if hit is not None and hit[0] is guide:
        return hit[1]
    rows = [(p, vig, note) for sec in sections(guide) for p, vig, note in probe_rows(guide, sec)]
    notes = {note.code: p for p, _, note in rows if note is not None}
    both = {c.code: p for p, vig, note in rows for c in (vig, note) if c is not None}
    _note_cache[id(guide)] = (guide, (notes, both))
    return notes, both


def note_probes(guide: Guide) -> dict[str, Item]:
    """The note item's code of every probe row -> its probe (`probe_rows` of every section)."""
    return _row_items(guide)[0]


def row_probes(guide: Guide) -> dict[str, Item]:
    """The importance and note items' codes of every probe row -> its probe (the save status names it)."""
    return _row_items(guide)[1]


def quote_question(guide: Guide, item_code: str) -> str:
    """The question a quote was taken from, as every page and export labels it (issue 10.6).

    A quote added from a probe row (the grid's ❝) is stored on the row's note item, whose own label
    is just «Note»: it is labelled with the probe's question and «(note)», e.g. «Har tilbuddet givet
    dig en rytme i hverdagen? (note)». A quote from a transcript (item ``transskription``): «Fra
    transskription». Any other: the item's label; a code the guide does not know: the code itself.
    Used by the interview page, Kodning, Citatbank, Anonymisering, the workbook's Citater sheet, the
    quote-bank CSV/XLSX and the REFI-QDA export (through `coding.quotebank.item_label`)."""
    if item_code == TRANSCRIPT_ITEM:
        return TRANSCRIPT_LABEL
    probe = note_probes(guide).get(item_code)
    if probe is not None:
        return f"{probe.label} (note)"
    it = guide.items.get(item_code)
    return it.label if it is not None else item_code


def codes_with_text(guide: Guide, codes: Iterable[str]) -> list[str]:
    return [c for c in codes if quotable(guide, c)]


# ---------------------------------------------------------------- sites (administration), each in its own transaction

def add_site(engine: Engine, name: str, site_type: str, prefix: str | None = None, *, who: str | None = None) -> None:
    """A new site (`survey.store.add_site`: refused if the name is taken; audited)."""
    with session_scope(engine) as s:
        store.add_site(s, name, site_type, prefix, who=who)


def rename_site(engine: Engine, site_id: int, name: str | None = None, site_type: str | None = None, *,
                who: str | None = None) -> None:
    """A new name and/or type for a site (`survey.store.rename_site`; audited)."""
    with session_scope(engine) as s:
        store.rename_site(s, site_id, name, site_type, who=who)
