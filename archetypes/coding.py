"""The researcher's coding of one respondent: archetype, user group, overall judgements.

This is the domain service behind the "Kodning" page. It imports no Streamlit: every function
takes an explicit SQLModel Session (the caller commits, e.g. with `survey.db.session_scope`)
and raises `CodingError` (a `StoreError`) with a Danish message fit to show the user.

Design
------
* The values themselves live where every table reads them: as answers (`arketype`,
  `brugergruppe`, `arbejdsmarkedsperspektiv`, `samlet_tilfredshed`, …), written through
  `survey.store.set_answer(..., who=, source="forsker")` so the guide validates them.
* An explicit `brugergruppe` answer IS the override: tables use it in preference to the rule
  (`archetypes.effective_group`). `override_group` writes it with a required reason;
  `clear_override` deletes it so the rule applies again.
* Every researcher change is also a row in `CodingDecision` (code, value, reason, who, at):
  it holds the override's reason and is what quotes are linked to as evidence
  (`DecisionEvidence`). Evidence belongs to one decision: when the archetype is changed, the
  quotes linked to the old decision stay with it (history) and the new one starts empty.
* Every change writes exactly one `AuditEntry` (who, when, old, new; reason in `note`), also
  for draft interviews, which `set_answer` itself does not audit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Optional

from sqlalchemy import select
from sqlmodel import Session

from archetypes.model import ARCHETYPES, GROUPS
from archetypes.rule import GroupDecision, derive_group
from survey import store
from survey.guide import Guide
from survey.interview import display_value, quote_question
from survey.models import Answer, AuditEntry, CodingDecision, DecisionEvidence, Interview, Quote, Site, utcnow
from survey.privacy import refuse_if_withdrawn
from survey.text import safe_text, shown, text_field

ARKETYPE = "arketype"
BRUGERGRUPPE = "brugergruppe"
SELVPLACERING = "selvplacering"
AGE = "age"
# The researcher's judgements other than archetype and group (instrument.md sections 5 and 6).
JUDGEMENT_CODES: tuple[str, ...] = ("arbejdsmarkedsperspektiv", "samlet_tilfredshed", "inddraget",
                                    "rigtige_mennesker", "samarbejde", "lyttet_til", "enige",
                                    "kunne_vaere_bedre", "syltet")
CODING_CODES: tuple[str, ...] = (ARKETYPE, BRUGERGRUPPE) + JUDGEMENT_CODES
RESEARCHER_SOURCE = "forsker"
# Answer.source -> who set it, as the page shows it.
SOURCE_LABELS = {"interview": "interviewer", "import": "import", "forsker": "forsker", "demo": "demo"}


class CodingError(store.StoreError):
    """A refused coding change; the message says why (Danish)."""


# --------------------------------------------------------------------------- tables


# --------------------------------------------------------------------------- view objects

@dataclass(frozen=True)
class ValueView:
    """One stored value with its provenance."""
    code: str
    label: str
    value: Optional[str]
    value_label: Optional[str]
    who: Optional[str]
    at: Optional[dt.datetime]
    source: Optional[str]          # interview | import | forsker | demo (Answer.source)
    source_label: Optional[str]    # interviewer | import | forsker | demo
    section: str = ""


@dataclass(frozen=True)
class QuoteView:
    id: int
    item_code: str
    item_label: str            # survey.interview.quote_question: the question the quote was taken from
    text: str
    for_report: bool
    created_by: Optional[str]
    created_at: Optional[dt.datetime]
    is_evidence: bool


@dataclass(frozen=True)
class ArchetypeCard:
    code: str
    name: str
    text: str
    is_self_placement: bool
    is_coded: bool


@dataclass(frozen=True)
class OverrideView:
    group: str
    group_name: str
    reason: Optional[str]          # None when the value came from an import without a reason
    who: Optional[str]
    at: Optional[dt.datetime]
    source: Optional[str]
    matches_rule: bool             # the researcher fixed the same group the rule gives


@dataclass(frozen=True)
class CodingView:
    """Everything the Kodning page shows for one respondent."""
    interview_id: str
    respondent_id: str
    site: Optional[str]
    site_type: Optional[str]
    interviewer: Optional[str]
    interview_date: Optional[dt.date]
    status: str
    interview_source: str
    answers: list[ValueView]                 # every stored answer except the researcher's codes, guide order
    quotes: list[QuoteView]
    self_placement: ValueView
    archetypes: list[ArchetypeCard]
    arketype: ValueView
    rule: GroupDecision                      # what the default rule gives, and why
    group: Optional[str]                     # the effective group used in every table
    group_name: Optional[str]
    overridden: bool
    override: Optional[OverrideView]
    judgements: dict[str, ValueView]         # JUDGEMENT_CODES -> value with provenance
    judgement_choices: dict[str, list[tuple[str, str]]]
    group_choices: list[tuple[str, str]]
    evidence_quote_ids: list[int]            # quotes linked to the current archetype decision
    history: list[AuditEntry] = field(default_factory=list)  # this interview's audit trail, newest first


# --------------------------------------------------------------------------- helpers

def _interview(s: Session, interview_id: str) -> Interview:
    iv = s.get(Interview, interview_id)
    if iv is None:
        raise CodingError(f"Interviewet {interview_id} findes ikke.")
    return iv


def _who(who: Optional[str]) -> str:
    w = text_field(who, "Hvem der koder", max_len=200, error=CodingError)  # no control characters
    if not w:
        raise CodingError("Angiv hvem der koder (forskerens navn eller initialer).")
    return w


def _reason(reason: object) -> Optional[str]:
    """A reason as stored: text without control characters (PostgreSQL refuses NUL), None if blank."""
    return text_field(reason, "Begrundelsen", max_len=20_000, single_line=False, error=CodingError) or None


def _answer(s: Session, interview_id: str, code: str) -> Optional[Answer]:
    return s.execute(select(Answer).where(Answer.interview_id == interview_id, Answer.code == code)).scalars().first()


def _write(s: Session, guide: Guide, iv: Interview, code: str, raw: object, who: str, *,
           reason: Optional[str] = None, note: Optional[str] = None) -> Optional[CodingDecision]:
    """Validate and store one researcher value, audit it exactly once, record the decision.

    An unchanged value with no new reason is a no-op (returns the latest decision, maybe None).
    An unchanged value with a new reason is recorded and audited (old = new, reason in note).
    Refused (`survey.privacy.WithdrawnError`) for a respondent who withdrew consent (issue 12).
    """
    refuse_if_withdrawn(s, iv)
    note = safe_text(note).strip() or None if note is not None else None
    value, problem = guide.check_value(code, raw)
    if problem is not None:
        raise CodingError(f"{guide.item(code).label}: {shown(raw)} er ikke en gyldig værdi — {problem.text()}. "
                          "Intet er gemt.")
    old_ans = _answer(s, iv.id, code)
    old = old_ans.value if old_ans else None
    prev = _latest_decision(s, iv.id, code)
    if value == old and not (reason and (prev is None or prev.value != value or prev.reason != reason)):
        return prev
    entry = None
    if value != old:
        before = {id(o) for o in s.new if isinstance(o, AuditEntry)}
        _, problem = store.set_answer(s, guide, iv.id, code, value, who=who, source=RESEARCHER_SOURCE)
        if problem is not None:  # cannot happen after check_value, but never store silently
            raise CodingError(f"{guide.item(code).label}: {problem.text()}. Intet er gemt.")
        # non-draft interviews: set_answer has written the entry itself; complete it, never write twice
        for obj in s.new:
            if isinstance(obj, AuditEntry) and id(obj) not in before and obj.interview_id == iv.id \
                    and obj.code == code and obj.entity == "answer":
                entry = obj
    if entry is None:  # draft interview, or only the reason changed
        entry = AuditEntry(interview_id=iv.id, entity="answer", code=code, old_value=old, new_value=value,
                           who=who, at=utcnow())
        s.add(entry)
    text = "; ".join(t for t in (note, f"Begrundelse: {reason}" if reason else None) if t)
    if text:
        entry.note = text
    dec = CodingDecision(interview_id=iv.id, code=code, value=value, reason=reason, who=who, at=entry.at or utcnow())
    s.add(dec)
    s.flush()
    if prev is not None and prev.value == value and value is not None:
        # same value, new reason: the evidence stays with the value
        for q in s.execute(select(DecisionEvidence.quote_id).where(DecisionEvidence.decision_id == prev.id)).scalars():
            s.add(DecisionEvidence(decision_id=dec.id, quote_id=q, linked_by=who, linked_at=dec.at))
        s.flush()
    return dec


def _latest_decision(s: Session, interview_id: str, code: str) -> Optional[CodingDecision]:
    return s.execute(select(CodingDecision)
                     .where(CodingDecision.interview_id == interview_id, CodingDecision.code == code)
                     .order_by(CodingDecision.id.desc())).scalars().first()


def _value_view(guide: Guide, iv: Interview, code: str, ans: Optional[Answer], section: str = "") -> ValueView:
    item = guide.items.get(code)
    label = item.label if item else code
    if ans is None:
        return ValueView(code, label, None, None, None, None, None, None, section)
    vlabel = display_value(guide, code, ans.value)  # choice labels, a decimal with a comma
    if code in (ARKETYPE, SELVPLACERING) and ans.value in ARCHETYPES:
        vlabel = ARCHETYPES[ans.value].name
    if code == BRUGERGRUPPE and ans.value in GROUPS:
        vlabel = GROUPS[ans.value].name
    who = ans.updated_by
    if not who and ans.source == "interview":
        who = iv.interviewer
    return ValueView(code, label, ans.value, vlabel, who, ans.updated_at, ans.source,
                     SOURCE_LABELS.get(ans.source, ans.source), section)


def rule_for(s: Session, interview_id: str) -> GroupDecision:
    """What the default rule gives for this respondent (archetype and age as stored)."""
    a = store.get_answers(s, interview_id)
    try:
        return derive_group(a.get(ARKETYPE), a.get(AGE))
    except ValueError as e:
        return GroupDecision(None, f"Reglen kan ikke anvendes: {e}.", "mangler")


def effective_group_of(s: Session, interview_id: str) -> tuple[Optional[str], str]:
    """(group used in the tables, 'forsker'|'regel'|'mangler')."""
    a = store.get_answers(s, interview_id)
    if a.get(BRUGERGRUPPE):
        return a[BRUGERGRUPPE], "forsker"
    d = rule_for(s, interview_id)
    return d.group, d.source


# --------------------------------------------------------------------------- writes

def set_arketype(s: Session, guide: Guide, interview_id: str, arketype: Optional[str], *, who: str,
                 reason: Optional[str] = None, note: Optional[str] = None) -> Optional[CodingDecision]:
    """The researcher's archetype (blank clears it). An unknown code is refused, nothing stored."""
    who = _who(who)
    iv = _interview(s, interview_id)
    if arketype not in (None, "") and safe_text(arketype).strip() not in ARCHETYPES:
        raise CodingError(f"Ukendt arketype {shown(arketype)} — tilladt: {', '.join(ARCHETYPES)}. Intet er gemt.")
    return _write(s, guide, iv, ARKETYPE, arketype, who, reason=_reason(reason), note=note)


def set_judgement(s: Session, guide: Guide, interview_id: str, code: str, value: Optional[str], *, who: str,
                  reason: Optional[str] = None, note: Optional[str] = None) -> Optional[CodingDecision]:
    """One of the researcher's overall judgements (`JUDGEMENT_CODES`); blank clears it."""
    who = _who(who)
    if code not in JUDGEMENT_CODES:
        raise CodingError(f"{code!r} er ikke en forskervurdering — tilladt: {', '.join(JUDGEMENT_CODES)}.")
    iv = _interview(s, interview_id)
    return _write(s, guide, iv, code, value, who, reason=_reason(reason), note=note)


def override_group(s: Session, guide: Guide, interview_id: str, group: str, reason: str, *,
                   who: str) -> Optional[CodingDecision]:
    """Fix the user group by hand, overriding the rule. A reason is required."""
    who = _who(who)
    reason = _reason(reason)
    if not reason:
        raise CodingError("En overstyring af brugergruppen kræver en begrundelse.")
    g = safe_text(group).strip() if isinstance(group, str) else ""
    if g not in GROUPS:
        raise CodingError(f"Ukendt brugergruppe {shown(group)} — tilladt: {', '.join(GROUPS)}. Intet er gemt.")
    iv = _interview(s, interview_id)
    rule = rule_for(s, interview_id)
    note = f"Overstyring af reglen ({rule.group or 'ingen gruppe'})"
    # a new reason for the same group is a change too (audited with old = new)
    return _write(s, guide, iv, BRUGERGRUPPE, g, who, reason=reason, note=note)


def clear_override(s: Session, guide: Guide, interview_id: str, *, who: str,
                   reason: Optional[str] = None) -> Optional[CodingDecision]:
    """Remove the hand-set group so the rule applies again. None if there was no override."""
    who = _who(who)
    iv = _interview(s, interview_id)
    if _answer(s, iv.id, BRUGERGRUPPE) is None:
        return None
    rule = rule_for(s, interview_id)
    note = f"Overstyring fjernet; reglen gælder igen ({rule.group or 'ingen gruppe'})"
    return _write(s, guide, iv, BRUGERGRUPPE, None, who, reason=_reason(reason), note=note)


def _current_arketype_decision(s: Session, iv: Interview, who: str) -> CodingDecision:
    ans = _answer(s, iv.id, ARKETYPE)
    if ans is None:
        raise CodingError("Sæt arketypen, før citater knyttes til den som evidens.")
    dec = _latest_decision(s, iv.id, ARKETYPE)
    if dec is None or dec.value != ans.value:
        # the archetype came from an import/demo (or was edited elsewhere): anchor the evidence to it
        src = SOURCE_LABELS.get(ans.source, ans.source)
        dec = CodingDecision(interview_id=iv.id, code=ARKETYPE, value=ans.value,
                             reason=f"Eksisterende kodning ({src}) bekræftet ved evidens", who=who, at=utcnow())
        s.add(dec)
        s.flush()
    return dec


def link_evidence(s: Session, interview_id: str, quote_ids: Iterable[int], *, who: str) -> list[int]:
    """Link quotes of this respondent to the current archetype decision. Returns the linked quote ids."""
    who = _who(who)
    iv = _interview(s, interview_id)
    ids = sorted({int(q) for q in quote_ids})
    quotes = {q.id: q for q in s.execute(select(Quote).where(Quote.id.in_(ids))).scalars()} if ids else {}
    bad = [q for q in ids if q not in quotes or quotes[q].interview_id != iv.id]
    if bad:
        raise CodingError(f"Citat {', '.join(map(str, bad))} hører ikke til {iv.respondent_id}. Intet er gemt.")
    refuse_if_withdrawn(s, iv)  # issue 12
    dec = _current_arketype_decision(s, iv, who)
    have = set(s.execute(select(DecisionEvidence.quote_id).where(DecisionEvidence.decision_id == dec.id)).scalars())
    new = [q for q in ids if q not in have]
    now = utcnow()
    for q in new:
        s.add(DecisionEvidence(decision_id=dec.id, quote_id=q, linked_by=who, linked_at=now))
    if new:
        s.add(AuditEntry(interview_id=iv.id, entity="evidence", code=ARKETYPE, old_value=None,
                         new_value=";".join(map(str, new)), who=who, at=now,
                         note=f"Citater knyttet som evidens for arketypen {dec.value}"))
    s.flush()
    return evidence_for(s, interview_id)


def unlink_evidence(s: Session, interview_id: str, quote_ids: Iterable[int], *, who: str) -> list[int]:
    """Remove quotes from the current archetype decision's evidence. Returns the remaining ids."""
    who = _who(who)
    iv = _interview(s, interview_id)
    dec = _latest_decision(s, iv.id, ARKETYPE)
    ids = {int(q) for q in quote_ids}
    if dec is None or not ids:
        return evidence_for(s, interview_id)
    rows = [r for r in s.execute(select(DecisionEvidence).where(DecisionEvidence.decision_id == dec.id)).scalars()
            if r.quote_id in ids]
    for r in rows:
        s.delete(r)
    if rows:
        s.add(AuditEntry(interview_id=iv.id, entity="evidence", code=ARKETYPE,
                         old_value=";".join(str(r.quote_id) for r in sorted(rows, key=lambda r: r.quote_id)),
                         new_value=None, who=who, at=utcnow(), note="Citater fjernet som evidens"))
    s.flush()
    return evidence_for(s, interview_id)


def evidence_for(s: Session, interview_id: str) -> list[int]:
    """Quote ids linked to the current archetype decision (empty when the archetype changed since)."""
    ans = _answer(s, interview_id, ARKETYPE)
    dec = _latest_decision(s, interview_id, ARKETYPE)
    if ans is None or dec is None or dec.value != ans.value:
        return []
    return sorted(s.execute(select(DecisionEvidence.quote_id)
                            .where(DecisionEvidence.decision_id == dec.id)).scalars())


def decisions(s: Session, interview_id: str, code: Optional[str] = None) -> list[CodingDecision]:
    """The researcher's decisions on this respondent, oldest first."""
    q = select(CodingDecision).where(CodingDecision.interview_id == interview_id)
    if code:
        q = q.where(CodingDecision.code == code)
    return list(s.execute(q.order_by(CodingDecision.id)).scalars())


def audit_trail(s: Session, interview_id: str) -> list[AuditEntry]:
    """This interview's audit entries, newest first."""
    return list(s.execute(select(AuditEntry).where(AuditEntry.interview_id == interview_id)
                          .order_by(AuditEntry.id.desc())).scalars())


# --------------------------------------------------------------------------- the page's view

@dataclass(frozen=True)
class RespondentRow:
    """One respondent in the coding pages' pickers (no answers, only where and what state)."""
    interview_id: str
    respondent_id: str
    site: Optional[str]
    site_type: Optional[str]
    status: str
    arketype: Optional[str]        # the coded archetype, if any (shows what is still to code)


def respondents(s: Session) -> list[RespondentRow]:
    """Every respondent (any status), by respondent id, with site and coded archetype."""
    ark = dict(s.execute(select(Answer.interview_id, Answer.value).where(Answer.code == ARKETYPE)).all())
    rows = s.execute(select(Interview.id, Interview.respondent_id, Interview.status, Site.name, Site.site_type)
                     .join(Site, Site.id == Interview.site_id, isouter=True)
                     .where(Interview.informant == "bruger")  # the users; other sources: ui/kilder (issue 7)
                     .order_by(Interview.respondent_id)).all()
    return [RespondentRow(iid, rid, site, stype, status, ark.get(iid)) for iid, rid, status, site, stype in rows]


def coding_view(s: Session, guide: Guide, interview_id: str) -> CodingView:
    """Everything the Kodning page shows for one respondent (read-only)."""
    iv = _interview(s, interview_id)
    site = s.get(Site, iv.site_id) if iv.site_id is not None else None
    rows = {a.code: a for a in s.execute(select(Answer).where(Answer.interview_id == iv.id)).scalars()}
    section_of = {i.code: g.label for g in guide.groups for i in g.items}

    answers = [_value_view(guide, iv, code, rows[code], section_of.get(code, ""))
               for code in guide.codes if code in rows and code not in CODING_CODES]
    # answers stored under codes this guide version does not know are still shown (older guide)
    answers += [_value_view(guide, iv, code, a, "") for code, a in sorted(rows.items())
                if code not in guide.items and code not in CODING_CODES]

    evidence = set(evidence_for(s, iv.id))
    quotes = []
    for q in s.execute(select(Quote).where(Quote.interview_id == iv.id).order_by(Quote.id)).scalars():
        quotes.append(QuoteView(q.id, q.item_code, quote_question(guide, q.item_code), q.text, q.for_report,
                                q.created_by, q.created_at, q.id in evidence))

    self_pl = _value_view(guide, iv, SELVPLACERING, rows.get(SELVPLACERING))
    arketype = _value_view(guide, iv, ARKETYPE, rows.get(ARKETYPE))
    cards = [ArchetypeCard(a.code, a.name, a.text, a.code == self_pl.value, a.code == arketype.value)
             for a in ARCHETYPES.values()]

    rule = rule_for(s, iv.id)
    explicit = rows.get(BRUGERGRUPPE)
    override = None
    if explicit is not None:
        dec = _latest_decision(s, iv.id, BRUGERGRUPPE)
        reason = dec.reason if dec is not None and dec.value == explicit.value else None
        who = explicit.updated_by or (dec.who if dec is not None else None)
        override = OverrideView(explicit.value, GROUPS[explicit.value].name if explicit.value in GROUPS
                                else explicit.value, reason, who, explicit.updated_at, explicit.source,
                                explicit.value == rule.group)
        group = explicit.value
    else:
        group = rule.group

    judgements = {c: _value_view(guide, iv, c, rows.get(c), section_of.get(c, ""))
                  for c in JUDGEMENT_CODES if c in guide.items}
    choices = {c: [(ch.value, ch.label) for ch in guide.item(c).choices] for c in judgements}
    return CodingView(
        interview_id=iv.id, respondent_id=iv.respondent_id, site=site.name if site else None,
        site_type=site.site_type if site else None, interviewer=iv.interviewer, interview_date=iv.interview_date,
        status=iv.status, interview_source=iv.source, answers=answers, quotes=quotes, self_placement=self_pl,
        archetypes=cards, arketype=arketype, rule=rule, group=group,
        group_name=GROUPS[group].name if group in GROUPS else group, overridden=explicit is not None,
        override=override, judgements=judgements, judgement_choices=choices,
        group_choices=[(g.code, g.name) for g in GROUPS.values()], evidence_quote_ids=sorted(evidence),
        history=audit_trail(s, iv.id))
