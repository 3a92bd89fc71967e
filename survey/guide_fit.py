"""Does a guide still read the stored interviews the way they were taken? (docs/guide.md
«Når guiden ændres midt i undersøgelsen».) The user guide and each other source's guide (sagsbehandler,
kontaktperson, leder, journal: `survey.sources.guide_for`) are compared with the interviews of their own
informant type only.

A study team edits the guide's workbook while interviews are in the store. Stored answers are codes
and texts; the guide says what they mean. An edit that changes that meaning would make every page,
table and export show, count or export a stored answer as something else — or drop it — without a
word: a removed question's answers leave the wide frame and every export; a choice whose code was
changed or removed is shown as a blank option in a draft (and overwritten when the interviewer picks
one) and counted under its bare code; a free-text question turned into a choice list exports its
stored text unmasked (only free text is anonymised); two labels swapped show every stored answer
with the other meaning. So the guide is refused, with a Danish message naming the sheet, row, code and
choice and what is allowed, until it fits (`require_fit`; `GuideFitError`):

- a code with stored answers stays in the guide;
- every stored answer is a value of its code's type and choice list (a choice code in use is neither
  removed nor renamed; a question keeps a type its answers fit);
- a choice code in use does not take the label another code of its list had (a new meaning is a new code);
- the version (``settings.version``) is raised when choices (codes, labels, order) or a question's
  type, list or mark change while interviews are stored with it.

The two last rules compare with what the store recorded of each guide version it was used with
(`survey.guide.guide_snapshot`, kept as the study settings ``guide:…``; codes and labels of the
guide only, never an answer). A store from before these records has none: the first two rules still
hold for it. Once a guide has been found to fit, its fingerprint is recorded (``guide_tjekket``), so
the next start reads one row instead of the answers (the CLI's plain read too). The user guide's rows
keep these keys (stores from before stay valid); another informant type's are ``guide:<type>:…`` and
``guide_tjekket:<type>`` (`snapshot_key`, `fit_key`).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from survey.db import best_effort_write, consistent_session, session_scope
from survey.guide import Guide, GuideError, Item, check_value, guide_fingerprint, guide_snapshot, multi_values
from survey.models import USER_INFORMANT, Answer, Interview, Site, StudySetting, utcnow
from survey.sources import INFORMANT_LABELS, SourceError
from survey.store import META_CODES

#: The study setting holding the fingerprint of the last user guide found to fit the store.
FIT_KEY = "guide_tjekket"
#: The study settings holding each recorded guide version's snapshot: this prefix and a hash of form and version.
SNAPSHOT_PREFIX = "guide:"
#: the length of a study setting's key (`survey.models.StudySetting.key`)
KEY_LENGTH = 50
#: at most this many problems are listed
MAX_PROBLEMS = 20
#: at most this many changes are named in the message asking for a new version
MAX_CHANGES = 5


class GuideFitError(GuideError):
    """The guide loads, but does not fit the interviews stored with it (Danish; every problem names
    where in the guide and what is allowed, never an answer's text)."""

    def __init__(self, path: str, problems: list[str], informant: str = USER_INFORMANT):
        self.path = str(path)
        self.problems = problems
        self.informant = informant
        which = (f"Spørgeguiden {self.path}" if informant == USER_INFORMANT else
                 f"{INFORMANT_LABELS[informant]}s spørgeguide ({self.path}, informanttypen {informant!r})")
        ValueError.__init__(self, f"{which} passer ikke til de interview, der er gemt i "
                                  "databasen:\n" + "\n".join(f"  - {p}" for p in problems))


def _check(informant: str) -> str:
    if informant not in INFORMANT_LABELS:
        raise SourceError(f"Ukendt informanttype {informant!r} — tilladt: {', '.join(INFORMANT_LABELS)}.")
    return informant


def snapshot_key(form_id: str, version: str, informant: str = USER_INFORMANT) -> str:
    """The study setting of a guide version's snapshot: ``guide:<hash>`` for the user guide (the key stores
    from before have), ``guide:<type>:<hash>`` for another informant type's (a shorter hash: a key has at
    most 50 characters)."""
    prefix = _snapshot_prefix(informant)
    return prefix + hashlib.sha256(f"{form_id}\0{version}".encode("utf-8")).hexdigest()[:KEY_LENGTH - len(prefix)][:40]


def _snapshot_prefix(informant: str) -> str:
    return SNAPSHOT_PREFIX if informant == USER_INFORMANT else f"{SNAPSHOT_PREFIX}{_check(informant)}:"


def fit_key(informant: str = USER_INFORMANT) -> str:
    """The study setting of the fingerprint of the last guide of `informant` found to fit."""
    return FIT_KEY if informant == USER_INFORMANT else f"{FIT_KEY}:{_check(informant)}"


#: (engine url, informant type, guide fingerprint) found to fit in this process: a page's rerun reads nothing
_fits: set[tuple[str, str, str]] = set()


def require_fit(engine: Engine, guide: Guide, informant: str = USER_INFORMANT, *, record: bool = True) -> None:
    """Refuse (`GuideFitError`) a guide that does not fit the store's interviews of `informant` (the user
    guide, or another source's guide); record it when it does. Cheap when it was found to fit before:
    one row read (once per process). `record` False: check only — for a caller inside a transaction of its
    own, whose write lock the record's own session would wait for (SQLite: «database is locked»); the
    guide is then known to fit in this process and recorded at the next use outside one."""
    _check(informant)
    fp = guide_fingerprint(guide)
    key = (engine.url.render_as_string(hide_password=True), informant, fp)
    if key in _fits:
        return
    with Session(engine) as s:
        known = s.get(StudySetting, fit_key(informant))
        if known is not None and known.value == fp:
            _fits.add(key)
            return
    with consistent_session(engine) as s:  # one moment of the store, read without the write lock (seconds at 10,000)
        problems = fit_problems(s, guide, informant)
    if problems:
        raise GuideFitError(guide.path, problems, informant)

    def record_fit() -> None:
        try:
            with session_scope(engine) as s:  # a few rows (READ COMMITTED on PostgreSQL: two starts never clash)
                _record(s, guide, fp, informant)
        except IntegrityError:  # another process recorded the same guide meanwhile: it fits
            pass

    if not record:
        return
    best_effort_write(record_fit)  # a store that cannot be written: it fits, recorded nowhere (the next process reads again)
    _fits.add(key)


def forget() -> None:
    """Forget this process's guides found to fit (tests; a store replaced under a running process)."""
    _fits.clear()


def _record(s: Session, guide: Guide, fp: str, informant: str = USER_INFORMANT) -> None:
    """The guide's snapshot under its version (unless interviews are stored with that version: then the
    snapshot on record is the one they were taken with) and its fingerprint as the one that fits."""
    now = utcnow()
    key = snapshot_key(guide.form_id, guide.version, informant)
    text = json.dumps(guide_snapshot(guide), ensure_ascii=False, sort_keys=True)
    row = s.get(StudySetting, key)
    if row is None:
        s.add(StudySetting(key=key, value=text, updated_at=now))
    elif row.value != text and not _interviews_with(s, guide.form_id, guide.version, informant):
        row.value, row.updated_at = text, now
    fit = s.get(StudySetting, fit_key(informant))
    if fit is None:
        s.add(StudySetting(key=fit_key(informant), value=fp, updated_at=now))
    else:
        fit.value, fit.updated_at = fp, now


def _interviews_with(s: Session, form_id: str, version: str, informant: str = USER_INFORMANT) -> int:
    return int(s.execute(select(func.count()).select_from(Interview)
                         .where(Interview.informant == informant, Interview.guide_form_id == form_id,
                                Interview.guide_version == version)).scalar_one())


def _snapshots(s: Session, informant: str = USER_INFORMANT) -> list[dict]:
    """The recorded snapshots of `informant`'s guides (the user guide's keys have no second ':')."""
    out = []
    prefix = _snapshot_prefix(informant)
    for key, value in s.execute(select(StudySetting.key, StudySetting.value)
                                .where(StudySetting.key.startswith(prefix))):
        if key.count(":") != prefix.count(":"):  # another informant type's
            continue
        try:
            d = json.loads(value)
        except ValueError:
            continue
        if isinstance(d, dict) and isinstance(d.get("choices"), dict) and isinstance(d.get("items"), dict):
            out.append(d)
    return out


def _plain_item(it: Item) -> Item:
    """The item without its constraint: a stored answer must fit the type and choices; a tightened
    constraint is the interviewer's to meet when the answer is next changed."""
    return dataclasses.replace(it, constraint="", constraint_ast=None)


def fit_problems(s: Session, guide: Guide, informant: str = USER_INFORMANT) -> list[str]:
    """Every way `guide` does not fit the stored interviews of `informant` (module docstring), in Danish."""
    problems: list[str] = []
    user = Interview.informant == _check(informant)
    counts = dict(s.execute(select(Answer.code, func.count()).join(Interview, Interview.id == Answer.interview_id)
                            .where(user).group_by(Answer.code)).all())
    for code, n in sorted(counts.items()):
        if code not in guide.items and code not in META_CODES:
            problems.append(f"ark 'survey': koden {code!r} har {n} gemte svar, men står ikke længere i guiden — "
                            "en kode med gemte svar må ikke fjernes eller omdøbes; sæt rækken tilbage")
    snapshots = _snapshots(s, informant)
    known_codes: dict[str, set[str]] = defaultdict(set)  # list name -> choice codes it ever had
    for d in snapshots + [guide_snapshot(guide)]:
        for ln, cs in d["choices"].items():
            known_codes[ln].update(c[0] for c in cs if isinstance(c, list) and c)
    # every answer of a code whose values are not free text: of its type and choice list
    checked = [c for c, it in guide.items.items() if c in counts and c not in META_CODES
               and not (it.type == "text" and it.identifier == "fritekst")]
    used: dict[str, Counter] = defaultdict(Counter)  # list name -> choice code -> stored answers
    values = (s.execute(select(Answer.code, Answer.value, func.count())
                        .join(Interview, Interview.id == Answer.interview_id)
                        .where(user, Answer.code.in_(checked)).group_by(Answer.code, Answer.value)).all()
              if checked else [])
    site_item = guide.items.get("site_type")
    if site_item is not None and site_item.is_select:  # the interview's site type is stored on its site
        values += [("site_type", v, n) for v, n in s.execute(
            select(Site.site_type, func.count()).join(Interview, Interview.site_id == Site.id)
            .where(user, Site.site_type.is_not(None)).group_by(Site.site_type)).all()]
    unknown: dict[str, Counter] = defaultdict(Counter)
    unfit: Counter = Counter()
    for code, value, n in values:
        it = guide.items[code]
        if it.is_select:
            allowed = set(it.choice_values())
            for part in (multi_values(value) if it.type == "select_multiple" else [value]):
                if part in allowed:
                    used[it.list_name][part] += n
                elif part in known_codes[it.list_name]:  # a choice code the guide once had: safe to name
                    unknown[code][part] += n
                else:  # not a code this list ever had (free text from an earlier type?): never named
                    unfit[code] += n
        elif check_value(_plain_item(it), value)[1] is not None:
            unfit[code] += n
    for code in sorted(unknown, key=lambda c: guide.items[c].row):
        it = guide.items[code]
        for part, n in sorted(unknown[code].items()):
            problems.append(f"ark 'survey', række {it.row}, koden {code!r} (listen {it.list_name!r} på arket "
                            f"'choices'): valget {part!r} har {n} gemte svar, men findes ikke længere i listen — "
                            "et valg med gemte svar må ikke fjernes eller få en ny kode (en rettet tekst er en ny "
                            "etiket; en ny betydning er et nyt valg med en ny kode)")
    for code in sorted(unfit, key=lambda c: guide.items[c].row):
        it = guide.items[code]
        what = f"valg i listen {it.list_name!r}" if it.is_select else f"værdier af typen {it.type}"
        if it.type == "text":
            what = "tilladt tekst for feltets markering (fx et CPR-nummer i et felt, der ikke er fritekst)"
        problems.append(f"ark 'survey', række {it.row}, koden {code!r}: {unfit[code]} gemte svar er ikke {what} "
                        "(svarene vises ikke: de kan være fritekst fra en tidligere type) — en kode med gemte svar "
                        "må ikke skifte til en type eller liste, svarene ikke passer til; giv det nye spørgsmål "
                        "en ny kode")
    problems += _label_problems(guide, snapshots, used)
    problems += _version_problems(s, guide, snapshots, informant)
    return problems[:MAX_PROBLEMS]


def _norm(label: str) -> str:
    return " ".join(str(label).split()).casefold()


def _label_problems(guide: Guide, snapshots: list[dict], used: dict[str, Counter]) -> list[str]:
    """A choice code in use that now has the label another code of its list had in a recorded version."""
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for d in snapshots:
        for ln, counter in sorted(used.items()):
            old = d["choices"].get(ln)
            if not isinstance(old, list):
                continue
            old_label = {c[0]: c[1] for c in old if isinstance(c, list) and len(c) == 2}
            by_label = {_norm(lab): code for code, lab in old_label.items()}
            for c in guide.choices.get(ln, ()):
                if not counter.get(c.value) or (ln, c.value) in seen:
                    continue
                other = by_label.get(_norm(c.label))
                if other is not None and other != c.value and _norm(old_label.get(c.value, "")) != _norm(c.label):
                    seen.add((ln, c.value))
                    out.append(f"ark 'choices', listen {ln!r}, valget {c.value!r}: etiketten {c.label!r} er den, "
                               f"valget {other!r} havde i version {d.get('version')!s}, og {counter[c.value]} gemte "
                               f"svar har valget {c.value!r} — de ville blive vist og talt med en anden betydning. "
                               "Et valgs kode beholder sin betydning; en ny betydning er et nyt valg med en ny kode")
    return out


def _version_problems(s: Session, guide: Guide, snapshots: list[dict], informant: str) -> list[str]:
    """Choices or a question's type, list or mark changed, the version not raised, interviews stored with it."""
    mine = [d for d in snapshots if d.get("form_id") == guide.form_id and d.get("version") == guide.version]
    if not mine:
        return []
    n = _interviews_with(s, guide.form_id, guide.version, informant)
    if not n:
        return []
    old, new = mine[0], guide_snapshot(guide)
    changes: list[str] = []
    for ln in sorted(set(old["choices"]) | set(new["choices"])):
        if ln in old["choices"] and ln in new["choices"] and old["choices"][ln] != new["choices"][ln]:
            changes.append(f"valgene i listen {ln!r}")
    for code, spec in old["items"].items():
        now = new["items"].get(code)
        if now is None:
            changes.append(f"koden {code!r} er fjernet")
        elif now != spec:
            changes.append(f"koden {code!r} har fået en anden type, liste eller markering")
    if not changes:
        return []
    more = f" og {len(changes) - MAX_CHANGES} mere" if len(changes) > MAX_CHANGES else ""
    return [f"ark 'settings', kolonne 'version': {n} interview er gemt med {guide.form_id} version {guide.version}, "
            f"men guiden er ændret siden ({'; '.join(changes[:MAX_CHANGES])}{more}) uden en ny version — hæv "
            "versionen, når valg (koder, etiketter, rækkefølge) eller et spørgsmåls type, liste eller markering "
            "ændres, så hvert interview viser, hvilken guide det blev taget med"]
