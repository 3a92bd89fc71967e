"""Blind double coding, agreement between two coders, and settlement of a final value.

Two researchers code the same units without seeing each other's values; afterwards the
agreement per variable is shown (observed agreement, Cohen's kappa, Krippendorff's alpha)
with the list of disagreements, and they settle a final value per unit.

Units and variables
-------------------
* A unit is `Unit(kind, id)`: `("respondent", <respondent_id>)`, `("quote", <Quote.id>)` or
  `("segment", <segment id>)`. Respondents are keyed by their pseudonym `respondent_id`
  (not the interview's uuid), so double coding survives a re-import of the interviews.
* Variables: `arketype` and `samlet_tilfredshed` (respondent units; values as in the guide)
  and theme codes `tema:<code name>` (any unit kind; values "1" = the theme applies, "0" =
  it does not). A unit a coder has not coded is missing, never "0".

Blindness
---------
`values_for(session, coder)` returns only that coder's own values; nothing here returns
another coder's values except `agreement`/`settle`, which belong to the settlement step.
Coder values are deliberately NOT written to the interview's audit trail (the Kodning page
shows that trail, which would unblind the second coder); each `CoderValue` row keeps who and
when. Settlement is audited.

Statistics
----------
Cohen's kappa comes from `sklearn.metrics.cohen_kappa_score`, Krippendorff's alpha from the
`krippendorff` package (nominal level; categories mapped to integers, a unit one coder did
not code is NaN, so only units coded by both are pairable). Undefined values are reported as
None with the reason, never as a crash or a warning.

Every coder at once (issue 15, `coefficients`): Gwet's AC1, Fleiss' kappa and Krippendorff's
alpha with 95 % confidence intervals for any number of coders (`coding.reliability`: Gwet's
formulas, nominal, a missing value where a coder did not code a unit; checked against irrCAC).
For two coders the pairwise table keeps Cohen's kappa; Fleiss' kappa is the multi-coder kappa
(Scott's pi for two). Units coded by fewer than two of the coders carry no agreement and are
left out (``n``). Per variable: each respondent variable and each theme code (``tema:<code>``),
so per code too.
"""
from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple, Optional, Union

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session

from archetypes.model import ARCHETYPES
from survey import store
from survey.guide import Guide, load_guide
from survey.models import AuditEntry, CoderValue, Interview, Quote, SettledValue, utcnow
from survey.privacy import refuse_if_withdrawn
from survey.text import safe_text, shown, text_field
from coding.transcripts import Segment, Transcript
from archetypes import coding as archetype_coding

UNIT_KINDS = ("respondent", "segment", "quote")
THEME_PREFIX = "tema:"
RESPONDENT_VARIABLES = ("arketype", "samlet_tilfredshed")
THEME_VALUES = ("1", "0")
ONE_CATEGORY = "kun én kategori"


class AgreementError(store.StoreError):
    """A refused double-coding action; the message says why (Danish)."""


class Unit(NamedTuple):
    kind: str
    id: str


UnitLike = Union[Unit, tuple]


# --------------------------------------------------------------------------- tables


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Disagreement:
    unit: Unit
    label: str
    value_a: str
    value_b: str
    settled: Optional[str]


@dataclass
class Agreement:
    """Agreement between two coders on one variable."""
    variable: str
    coder_a: str
    coder_b: str
    n_a: int                                   # units coded by A
    n_b: int                                   # units coded by B
    n: int                                     # units coded by both (the basis of every statistic)
    n_agree: int
    observed: Optional[float]                  # proportion 0–1
    observed_pct: Optional[float]              # percent, 1 decimal
    kappa: Optional[float]
    kappa_note: Optional[str]
    alpha: Optional[float]
    alpha_note: Optional[str]
    categories: list[str]
    confusion: dict[tuple[str, str], int]      # (value A, value B) -> units
    disagreements: list[Disagreement]
    n_settled: int                             # units of the overlap with a settled value
    message: Optional[str] = None              # why nothing could be computed, if so
    units: list[Unit] = field(default_factory=list)


# --------------------------------------------------------------------------- validation

def _coder(coder: Optional[str]) -> str:
    c = text_field(coder, "Koderens navn", max_len=200, error=AgreementError)  # no control characters
    if not c:
        raise AgreementError("Angiv koderens navn eller initialer.")
    return c


def _unit(s: Session, unit: UnitLike) -> Unit:
    try:
        kind, uid = unit
    except (TypeError, ValueError):
        raise AgreementError(f"En enhed angives som (type, id), fik {shown(unit)}.") from None
    kind, uid = safe_text(kind).strip(), safe_text(uid).strip()  # look-ups with NUL fail on PostgreSQL
    if kind not in UNIT_KINDS:
        raise AgreementError(f"Ukendt enhedstype {shown(kind)} — tilladt: {', '.join(UNIT_KINDS)}.")
    if not uid:
        raise AgreementError("Enhedens id mangler.")
    if len(uid) > 100:
        raise AgreementError(f"Enhedens id er for langt ({len(uid)} tegn, højst 100).")
    if kind == "respondent":
        iv = store.interview_by_respondent(s, uid) or s.get(Interview, uid)
        if iv is None:
            raise AgreementError(f"Respondenten {shown(uid)} findes ikke.")
        uid = iv.respondent_id
    elif kind == "quote":
        if not uid.isdigit() or s.get(Quote, int(uid)) is None:
            raise AgreementError(f"Citat {shown(uid)} findes ikke.")
    return Unit(kind, uid)


def respondent_unit(interview: Interview) -> Unit:
    return Unit("respondent", interview.respondent_id)


def check_variable(variable: str, kind: Optional[str] = None) -> str:
    v = safe_text(variable).strip() if isinstance(variable, str) else ""
    if v in RESPONDENT_VARIABLES:
        if kind is not None and kind != "respondent":
            raise AgreementError(f"{v} kodes pr. respondent, ikke pr. {kind}.")
        return v
    if v.startswith(THEME_PREFIX) and v[len(THEME_PREFIX):].strip() and len(v) <= 150:
        return THEME_PREFIX + v[len(THEME_PREFIX):].strip()
    raise AgreementError(f"Ukendt variabel {shown(variable)} — tilladt: {', '.join(RESPONDENT_VARIABLES)} "
                         f"og temakoder som '{THEME_PREFIX}<kode>'.")


def allowed_values(variable: str, guide: Optional[Guide] = None) -> list[str]:
    variable = check_variable(variable)
    if variable == "arketype":
        return list(ARCHETYPES)
    if variable.startswith(THEME_PREFIX):
        return list(THEME_VALUES)
    return (guide or load_guide()).item(variable).choice_values()


def check_value(variable: str, value: object, guide: Optional[Guide] = None) -> Optional[str]:
    """Canonical value for the variable, None for blank; raises AgreementError if not allowed."""
    variable = check_variable(variable)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if variable.startswith(THEME_PREFIX):
        if isinstance(value, bool):
            return "1" if value else "0"
        v = str(value).strip().lower()
        if v in ("1", "ja", "true"):
            return "1"
        if v in ("0", "nej", "false"):
            return "0"
        raise AgreementError(f"{variable}: {shown(value)} er ikke tilladt — brug 1 (temaet er til stede) eller 0.")
    v = str(value).strip()
    allowed = allowed_values(variable, guide)
    if v not in allowed:
        raise AgreementError(f"{variable}: {shown(value)} er ikke tilladt — tilladt: {', '.join(allowed)}.")
    return v


# --------------------------------------------------------------------------- blind coding

def record(s: Session, coder: str, unit: UnitLike, variable: str, value: object, *,
           guide: Optional[Guide] = None) -> Optional[str]:
    """Store this coder's value for the unit (blank removes it). Returns the stored value."""
    coder = _coder(coder)
    u = _unit(s, unit)
    variable = check_variable(variable, u.kind)
    v = check_value(variable, value, guide)
    if v is not None:  # issue 12: no new coding about a respondent who withdrew consent
        refuse_if_withdrawn(s, _interview_of(s, u) or _segment_interview(s, u))
    row = s.execute(select(CoderValue).where(CoderValue.unit_kind == u.kind, CoderValue.unit_id == u.id,
                                             CoderValue.variable == variable, CoderValue.coder == coder)
                    ).scalars().first()
    if v is None:
        if row is not None:
            s.delete(row)
    elif row is None:
        s.add(CoderValue(unit_kind=u.kind, unit_id=u.id, variable=variable, coder=coder, value=v, at=utcnow()))
    elif row.value != v:
        row.value, row.at = v, utcnow()
    s.flush()
    return v


def record_themes(s: Session, coder: str, unit: UnitLike, applied: Iterable[str], codes: Iterable[str]) -> dict:
    """Code a unit for a set of themes at once: "1" for each code in `applied`, "0" for the rest of `codes`."""
    applied_set = {str(c).removeprefix(THEME_PREFIX) for c in applied}
    all_codes = [str(c).removeprefix(THEME_PREFIX) for c in codes]
    unknown = applied_set - set(all_codes)
    if unknown:
        raise AgreementError(f"Temakoder uden for kodebogen: {', '.join(sorted(unknown))}.")
    return {THEME_PREFIX + c: record(s, coder, unit, THEME_PREFIX + c, "1" if c in applied_set else "0")
            for c in all_codes}


def values_for(s: Session, coder: str, *, variable: Optional[str] = None,
               unit_kind: Optional[str] = None) -> dict[tuple[str, str, str], str]:
    """This coder's own values only: {(unit_kind, unit_id, variable): value}. Never another coder's."""
    coder = _coder(coder)
    q = select(CoderValue).where(CoderValue.coder == coder)
    if variable:
        q = q.where(CoderValue.variable == check_variable(variable))
    if unit_kind:
        q = q.where(CoderValue.unit_kind == unit_kind)
    return {(r.unit_kind, r.unit_id, r.variable): r.value for r in s.execute(q).scalars()}


def progress(s: Session, variable: Optional[str] = None) -> dict[str, int]:
    """Units coded per coder (counts only, so showing it does not unblind anyone)."""
    q = select(CoderValue.coder, func.count()).group_by(CoderValue.coder)
    if variable:
        q = q.where(CoderValue.variable == check_variable(variable))
    return {c: int(n) for c, n in s.execute(q).all()}


def coders(s: Session) -> list[str]:
    return sorted(s.execute(select(CoderValue.coder).distinct()).scalars())


def variables(s: Session) -> list[str]:
    """Variables someone has double-coded: arketype, samlet_tilfredshed, then themes alphabetically."""
    vs = set(s.execute(select(CoderValue.variable).distinct()).scalars())
    return [v for v in RESPONDENT_VARIABLES if v in vs] + sorted(v for v in vs if v not in RESPONDENT_VARIABLES)


# --------------------------------------------------------------------------- agreement

def _sort_key(u: Unit):
    return (u.kind, 0 if u.id.isdigit() else 1, int(u.id) if u.id.isdigit() else 0, u.id)


def _label(s: Session, u: Unit) -> str:
    if u.kind == "respondent":
        return u.id
    if u.kind == "quote" and u.id.isdigit():
        q = s.get(Quote, int(u.id))
        if q is not None:
            iv = s.get(Interview, q.interview_id)
            text = " ".join(q.text.split())
            return f"Citat {u.id} ({iv.respondent_id if iv else '?'}): {text[:60]}{'…' if len(text) > 60 else ''}"
        return f"Citat {u.id}"
    return f"Segment {u.id}"


def _coded(s: Session, variable: str, coder: str) -> dict[Unit, str]:
    rows = s.execute(select(CoderValue.unit_kind, CoderValue.unit_id, CoderValue.value)
                     .where(CoderValue.variable == variable, CoderValue.coder == coder)).all()
    return {Unit(k, i): v for k, i, v in rows}


def _settled(s: Session, variable: str) -> dict[Unit, str]:
    rows = s.execute(select(SettledValue.unit_kind, SettledValue.unit_id, SettledValue.value)
                     .where(SettledValue.variable == variable)).all()
    return {Unit(k, i): v for k, i, v in rows}


def _kappa(a: list[str], b: list[str], categories: list[str]) -> Optional[float]:
    from sklearn.metrics import cohen_kappa_score  # scikit-learn: only when agreement is computed (start-up)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = cohen_kappa_score(a, b, labels=categories)
    k = float(k)
    return None if math.isnan(k) else k


def _alpha(units: list[Unit], va: dict[Unit, str], vb: dict[Unit, str], categories: list[str]) -> Optional[float]:
    import krippendorff  # only when agreement is computed (start-up)

    index = {c: i for i, c in enumerate(categories)}
    data = np.array([[index[v[u]] if u in v else np.nan for u in units] for v in (va, vb)], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    a = float(a)
    return None if math.isnan(a) else a


def agreement(s: Session, variable: str, coder_a: str, coder_b: str) -> Agreement:
    """Agreement between coders A and B on `variable` over the units both have coded."""
    variable = check_variable(variable)
    coder_a, coder_b = _coder(coder_a), _coder(coder_b)
    if coder_a == coder_b:
        raise AgreementError("Vælg to forskellige kodere.")
    va, vb = _coded(s, variable, coder_a), _coded(s, variable, coder_b)
    both = sorted(set(va) & set(vb), key=_sort_key)
    union = sorted(set(va) | set(vb), key=_sort_key)
    settled = _settled(s, variable)
    categories = sorted(set(va.values()) | set(vb.values()))
    res = Agreement(variable=variable, coder_a=coder_a, coder_b=coder_b, n_a=len(va), n_b=len(vb), n=len(both),
                    n_agree=0, observed=None, observed_pct=None, kappa=None, kappa_note=None, alpha=None,
                    alpha_note=None, categories=categories, confusion={}, disagreements=[],
                    n_settled=sum(1 for u in both if u in settled), units=both)
    if not both:
        res.message = (f"Ingen enheder er kodet af både {coder_a} og {coder_b} for {variable} "
                       f"({coder_a}: {len(va)}, {coder_b}: {len(vb)}) — enigheden kan ikke beregnes.")
        res.kappa_note = res.alpha_note = "ingen fælles enheder"
        return res
    a = [va[u] for u in both]
    b = [vb[u] for u in both]
    res.n_agree = sum(x == y for x, y in zip(a, b))
    res.observed = res.n_agree / len(both)
    res.observed_pct = round(100 * res.observed, 1)
    res.confusion = dict(Counter(zip(a, b)))
    res.disagreements = [Disagreement(u, _label(s, u), va[u], vb[u], settled.get(u))
                         for u in both if va[u] != vb[u]]
    used = sorted(set(a) | set(b))
    if len(used) == 1:
        why = (f"{ONE_CATEGORY}: begge kodere har brugt {used[0]!r} for alle {len(both)} fælles enheder "
               "(fuld enighed, men kappa og alpha er udefinerede)")
        res.kappa_note = res.alpha_note = why
        return res
    res.kappa = _kappa(a, b, used)
    if res.kappa is None:
        res.kappa_note = "udefineret for disse data"
    try:
        res.alpha = _alpha(union, va, vb, categories)
    except ValueError as e:
        res.alpha_note = f"udefineret: {e}"
    else:
        if res.alpha is None:
            res.alpha_note = "udefineret for disse data"
    return res


def agreement_summary(s: Session, coder_a: str, coder_b: str,
                      variables_: Optional[Iterable[str]] = None) -> list[Agreement]:
    """One `Agreement` per variable (default: every double-coded variable)."""
    return [agreement(s, v, coder_a, coder_b) for v in (variables_ if variables_ is not None else variables(s))]


# --------------------------------------------------------------------------- every coder at once (issue 15)

COEFFICIENTS = (("gwet", "Gwets AC1"), ("fleiss", "Fleiss' kappa"), ("krippendorff", "Krippendorffs alfa"))


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient with its 95 % confidence interval (None: undefined, `note` says why)."""
    name: str
    value: Optional[float]
    low: Optional[float]
    high: Optional[float]
    se: Optional[float]
    note: Optional[str] = None


@dataclass
class MultiAgreement:
    """Agreement among every coder of one variable (see "Every coder at once" above)."""
    variable: str
    coders: list[str]
    n: int                                   # units coded by at least two of the coders
    n_by_coder: dict[str, int]               # units each coder coded (of every unit, also the others)
    observed: Optional[float]                # Gwet's pa: the share of agreeing coder pairs
    coefficients: list[Coefficient]
    message: Optional[str] = None


def _number(x) -> Optional[float]:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def coefficients(s: Session, variable: str, coders_: Optional[Iterable[str]] = None) -> MultiAgreement:
    """Gwet's AC1, Fleiss' kappa and Krippendorff's alpha with 95 % intervals among `coders_`
    (default: every coder who coded `variable`) over the units at least two of them coded."""
    from coding import reliability  # only when agreement is computed (start-up: scipy)

    variable = check_variable(variable)
    names = [_coder(c) for c in coders_] if coders_ is not None else coders(s)
    coded = {c: _coded(s, variable, c) for c in dict.fromkeys(names)}
    coded = {c: v for c, v in coded.items() if v}
    res = MultiAgreement(variable, sorted(coded), 0, {c: len(v) for c, v in coded.items()}, None, [])
    if len(coded) < 2:
        res.message = (f"Mindst to kodere skal have kodet {variable} (har kodet: "
                       f"{', '.join(sorted(coded)) or 'ingen'}).")
        return res
    units = sorted({u for v in coded.values() for u in v}, key=_sort_key)
    units = [u for u in units if sum(u in v for v in coded.values()) >= 2]
    res.n = len(units)
    if not units:
        res.message = f"Ingen enheder er kodet af mindst to af koderne for {variable}."
        return res
    if len(units) == 1:  # a tester: one shared unit printed AC1 -1,000 and alfa 0,000 with no word of why
        res.message = (f"Kun én enhed er kodet af mindst to af koderne for {variable}: ingen koefficient "
                       "(der skal mindst to enheder til).")
        return res
    m, used = reliability.counts([[coded[c].get(u) for c in res.coders] for u in units])
    if len(used) == 1:
        why = f"{ONE_CATEGORY}: alle kodere har brugt {used[0]!r} for alle {len(units)} enheder"
        res.observed = 1.0
        res.coefficients = [Coefficient(label, None, None, None, None, why) for _, label in COEFFICIENTS]
        return res
    compute = {"gwet": reliability.gwet_ac1, "fleiss": reliability.fleiss_kappa,
               "krippendorff": reliability.krippendorff_alpha}
    for method, label in COEFFICIENTS:
        est = compute[method](m)
        if est is None:
            res.coefficients.append(Coefficient(label, None, None, None, None, "udefineret for disse data"))
            continue
        res.coefficients.append(Coefficient(label, _number(est.value), _number(est.low), _number(est.high),
                                            _number(est.se)))
        if method == "gwet":
            res.observed = _number(est.pa)
    return res


#: how `coefficients_rows` gives a coefficient's interval: «-0,284 til 0,141» with the values as numbers (the
#: page, which shows them with a decimal comma), the same with the values as Danish text (Markdown) or two number
#: columns (CSV: a text starting with «-» would be a formula, and the guard's «'» in front of it is no number
#: for a spreadsheet)
ROW_FORMS = ("side", "md", "csv")


def coefficients_rows(results: Iterable[MultiAgreement], label=lambda v: v, form: str = "side"
                      ) -> tuple[list[str], list[list]]:
    """The table the page and ``brugerblik kodeenighed`` show: (headers, rows) — per variable
    (`label` names it) the coders, the units, observed agreement and each coefficient with its
    95 % interval (3 decimals; empty when undefined, the reason in «Note»), in `form` (`ROW_FORMS`)."""
    if form not in ROW_FORMS:
        raise ValueError(form)
    heads = ["Variabel", "Kodere", "Enheder", "Observeret enighed"]
    for _, name in COEFFICIENTS:
        heads += [name, f"{name} 95 %-KI nedre", f"{name} 95 %-KI øvre"] if form == "csv" else [
            name, f"{name} 95 %-KI"]
    heads.append("Note")

    def num(x: float | None) -> object:
        if x is None:
            return None if form != "md" else ""
        return _bound(x, form) if form == "md" else round(x, 3)

    rows = []
    for r in results:
        row = [label(r.variable), ", ".join(r.coders), r.n, num(r.observed)]
        notes = [r.message] if r.message else []
        by = {c.name: c for c in r.coefficients}
        for _, name in COEFFICIENTS:
            c = by.get(name)
            if c is None or c.value is None:
                row += [num(None)] + ([None, None] if form == "csv" else [""])
                if c is not None and c.note and c.note not in notes:
                    notes.append(c.note)
                continue
            if form == "csv":
                row += [num(c.value), num(c.low), num(c.high)]
            else:
                row += [num(c.value), f"{_bound(c.low, form)} til {_bound(c.high, form)}" if c.low is not None else ""]
        row.append("; ".join(notes))
        rows.append(row)
    return heads, rows


def _bound(x: float, form: str) -> str:
    """An interval's bound in `coefficients_rows`' text: 3 decimals, a decimal comma (the page and Markdown)."""
    t = f"{x:.3f}"
    return t if form == "csv" else t.replace(".", ",")


def coefficients_summary(s: Session, coders_: Optional[Iterable[str]] = None,
                         variables_: Optional[Iterable[str]] = None) -> list[MultiAgreement]:
    """`coefficients` per variable (default: every double-coded variable, themes per code)."""
    names = list(coders_) if coders_ is not None else None
    return [coefficients(s, v, names) for v in (variables_ if variables_ is not None else variables(s))]


# --------------------------------------------------------------------------- settlement

def _segment_interview(s: Session, u: Unit) -> Optional[Interview]:
    """The interview a segment unit's transcript belongs to (None for other units)."""
    if u.kind != "segment" or not u.id.isdigit():
        return None

    return s.execute(select(Interview).join(Transcript, Transcript.interview_id == Interview.id)
                     .join(Segment, Segment.transcript_id == Transcript.id).where(Segment.id == int(u.id))
                     ).scalars().first()


def _interview_of(s: Session, u: Unit) -> Optional[Interview]:
    if u.kind == "respondent":
        return store.interview_by_respondent(s, u.id)
    if u.kind == "quote":
        q = s.get(Quote, int(u.id))
        return s.get(Interview, q.interview_id) if q else None
    return None


def settle(s: Session, unit: UnitLike, variable: str, value: object, who: str, note: Optional[str] = None, *,
           guide: Optional[Guide] = None) -> SettledValue:
    """Write the final value for a unit and variable (audited).

    For `arketype` and `samlet_tilfredshed` the value is also written to the respondent's
    answer through the coding service (`archetypes.coding`), which audits that change too.
    """

    who = _coder(who)
    u = _unit(s, unit)
    variable = check_variable(variable, u.kind)
    v = check_value(variable, value, guide)
    if v is None:
        raise AgreementError("Angiv den endelige værdi.")
    refuse_if_withdrawn(s, _interview_of(s, u) or _segment_interview(s, u))  # issue 12
    note = text_field(note, "Noten", max_len=20_000, single_line=False, error=AgreementError) or None
    coded = {c: val for (c, val) in s.execute(select(CoderValue.coder, CoderValue.value).where(
        CoderValue.unit_kind == u.kind, CoderValue.unit_id == u.id, CoderValue.variable == variable)).all()}
    basis = "Afklaret efter dobbeltkodning (" + (", ".join(f"{c}: {x}" for c, x in sorted(coded.items()))
                                                  or "ingen kodninger") + ")"
    text = basis + (f"; {note}" if note else "")
    row = s.execute(select(SettledValue).where(SettledValue.unit_kind == u.kind, SettledValue.unit_id == u.id,
                                               SettledValue.variable == variable)).scalars().first()
    old = row.value if row else None
    now = utcnow()
    if row is None:
        row = SettledValue(unit_kind=u.kind, unit_id=u.id, variable=variable, value=v, who=who, at=now, note=note)
        s.add(row)
    else:
        row.value, row.who, row.at, row.note = v, who, now, note
    iv = _interview_of(s, u)
    s.add(AuditEntry(interview_id=iv.id if iv else None, entity="settlement", code=variable, old_value=old,
                     new_value=v, who=who, at=now, note=f"{u.kind} {u.id}: {text}"))
    if u.kind == "respondent" and iv is not None:
        g = guide or load_guide()
        if variable == "arketype":
            archetype_coding.set_arketype(s, g, iv.id, v, who=who, note=text)
        elif variable == "samlet_tilfredshed":
            archetype_coding.set_judgement(s, g, iv.id, variable, v, who=who, note=text)
    s.flush()
    return row


def settle_agreed(s: Session, variable: str, coder_a: str, coder_b: str, who: str, *,
                  guide: Optional[Guide] = None) -> int:
    """Settle every unit where A and B agree and nothing is settled yet. Returns how many."""
    res = agreement(s, variable, coder_a, coder_b)
    va, vb = _coded(s, res.variable, res.coder_a), _coded(s, res.variable, res.coder_b)
    done = _settled(s, res.variable)
    n = 0
    for u in res.units:
        if va[u] == vb[u] and u not in done:
            settle(s, u, res.variable, va[u], who, "enige", guide=guide)
            n += 1
    return n


def settled_values(s: Session, variable: Optional[str] = None) -> dict[tuple[str, str, str], str]:
    """{(unit_kind, unit_id, variable): final value}."""
    q = select(SettledValue)
    if variable:
        q = q.where(SettledValue.variable == check_variable(variable))
    return {(r.unit_kind, r.unit_id, r.variable): r.value for r in s.execute(q).scalars()}
