"""SPSS export: `brugerblik export spss FILE.sav` — the wide data with the guide's labels.

    export_sav(engine, guide, "undersoegelse.sav")            # free text anonymised
    export_sav(engine, guide, "intern.sav", anonymised=False)  # exact text, team only

One case per respondent (sorted by ``respondent_id``, as `survey.store.load_wide`), one or
more variables per guide item, in guide order. Written with pyreadstat (UTF-8 .sav, SPSS 16+
reads it) into a private temporary folder beside FILE.sav and renamed over it only when complete,
owner-only (`survey.files.write_atomic`). A value SPSS cannot hold (text in a number or date
item, e.g. from an old import) is refused with its case number, variable and what is allowed —
never the value or the respondent id.

Variables
---------
==================  =========================================================================
guide type          SPSS variable
==================  =========================================================================
select_one          numeric (F.0, nominal) with value labels. **Numbering**: the choices of the
                    item's list in guide order, from 1 (``ja_nej``: 1 = Ja, 2 = Nej;
                    ``probe_svar``: 1 = Ja, 2 = Nej, 3 = Ikke relevant, 4 = Uklart). The
                    numbers only depend on the guide, never on the data, so they are the same
                    in every export made with the same guide version. A stored value the guide
                    does not list (data from an older guide) gets the next free number, with
                    the value itself as its label.
select_multiple     one 0/1 variable per choice, named ``<code>_<choice>`` (e.g.
                    ``problemer_misbrug_alkohol``), labelled "<question>: <choice>", value
                    labels 0 = Ikke valgt, 1 = Valgt; all of them system-missing when the item
                    was not answered.
integer / decimal   numeric, scale; format F<w>.0 / F<w>.<d> wide enough for the data.
date                numeric SPSS date (DATE11).
text                string; free text (the guide's mark ``fritekst``) anonymised unless
                    ``anonymised=False`` (`survey.deidentify`: names, CPR, phone, addresses,
                    places → [navn] …); pseudonyms (``respondent_id``) and text marked ``nej``
                    (``site``) are never masked. SPSS strings
                    hold at most 32,767 bytes: a longer text is cut there, ending in
                    "… [afkortet]", and the file's documents say which cells were cut.
==================  =========================================================================

Blank (not asked / not recorded) is system-missing for numeric variables and the empty
string for string variables (SPSS strings have no system-missing value). No user-missing
values are declared: "Uklart", "Ved ikke", "Ikke relevant" … are ordinary codes, as in the
report's tables; declare them with MISSING VALUES if an analysis needs that.

Added and changed columns
-------------------------
* ``brugergruppe_eff`` (right after ``brugergruppe``): the *effective* user group every table
  "by group" uses — the researcher's ``brugergruppe`` if coded, else the default rule on
  ``arketype`` and ``age`` (`report.population.effective_groups`). Same numbering and labels as
  ``brugergruppe``; system-missing when it cannot be derived (``uoplyst``).
* A field the guide marks ``ja`` (identifies a person: ``interviewer``) is numeric with value
  labels, whatever its type. The interviewer's name is personal data about staff: in an anonymised
  export the labels are "Interviewer 1", "Interviewer 2" … and the code is the number — the study's
  (`survey.pseudonyms`: by each person's first interview in the store), so the same person has the
  same code and label in this file, the Stata file, the workbook and every table, and interviewer
  effects can still be studied (a number may be missing from a file: that interviewer has no
  respondent in it). With ``anonymised=False`` the labels are the names, numbered 1, 2, … in order
  of first appearance (respondents sorted by id).

Names
-----
SPSS variable names are the guide codes when they are valid SPSS names (every code of the
bundled guide is). Otherwise (another guide) a name is made valid: æ/ø/å → ae/oe/aa, other
characters that SPSS does not allow → ``_``, a name that does not start with a letter or is
a reserved word (ALL, AND, BY, EQ, GE, GT, LE, LT, NE, NOT, OR, TO, WITH) gets a ``v_``
prefix, at most 64 bytes, no trailing ``.``/``_``, and names that would clash (SPSS ignores
case) get ``_2``, ``_3`` … Guide items are named first, so a code keeps its name before a
generated ``<code>_<choice>`` does. Variable labels are cut to SPSS's 256 bytes and value
labels to 120 bytes (at a character boundary, ending in "…"); a label several items share
("Er det vigtigt for dig?", "Note") gets the item's code appended, so every label is unique.

The file label names the guide (form id and version); the file's documents (SPSS: DISPLAY
DOCUMENTS) repeat these conventions in Danish, say whether free text is anonymised, and list
the numbering of every choice list.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from report.population import effective_groups
from survey import files
from survey.guide import Guide, Item, allowed_text, constraint_bounds, multi_values
from survey.store import StoreError, load_wide
from coding.anonymise import masked_kinds_text
from coding.deidentify import deidentify, pseudonym_number, pseudonym_prefix, study_pseudonyms

__all__ = ["export_sav", "build_frame", "SpssFrame", "SpssExportError", "spss_name", "RESERVED",
           "MAX_NAME_BYTES", "MAX_STRING_BYTES", "MAX_VAR_LABEL_BYTES", "MAX_VALUE_LABEL_BYTES",
           "EFFECTIVE_GROUP", "CHOSEN_LABELS"]

MAX_NAME_BYTES = 64
MAX_STRING_BYTES = 32_767
MAX_VAR_LABEL_BYTES = 256
MAX_VALUE_LABEL_BYTES = 120
MAX_FILE_LABEL_BYTES = 64
MAX_NOTE_BYTES = 80
RESERVED = frozenset("ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH".split())
EFFECTIVE_GROUP = "brugergruppe_eff"
EFFECTIVE_GROUP_LABEL = "Brugergruppe (effektiv: forskerens kodning, ellers standardreglen på arketype og alder)"
CHOSEN_LABELS = {0.0: "Ikke valgt", 1.0: "Valgt"}
TRUNCATED = "… [afkortet]"
_TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


class SpssExportError(StoreError):
    """The data cannot be written as SPSS (the message says why, in Danish)."""


# ---------------------------------------------------------------- names and labels

def _cut_bytes(text: str, limit: int, marker: str = "…") -> str:
    """`text` if it fits in `limit` UTF-8 bytes, else cut at a character boundary + marker."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(marker.encode("utf-8"))
    out = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return out + marker


def spss_name(raw: str, used: set[str] | None = None) -> str:
    """A valid, unused SPSS variable name for `raw` (see module doc); adds it to `used` (lower case)."""
    s = raw.translate(_TRANSLIT)
    s = re.sub(r"[^A-Za-z0-9_.]", "_", s)
    s = s.lstrip("._")
    if not s or not s[0].isalpha() or s.upper() in RESERVED:
        s = "v_" + s
    s = s[:MAX_NAME_BYTES].rstrip("._") or "v"
    used = used if used is not None else set()
    name, n = s, 1
    while name.lower() in used:
        n += 1
        suffix = f"_{n}"
        name = s[:MAX_NAME_BYTES - len(suffix)].rstrip("._") + suffix
    used.add(name.lower())
    return name


def _choice_codes(item: Item, seen: Iterable[str]) -> dict[str, int]:
    """value -> number: the guide's choices 1..n in guide order, then unknown stored values."""
    codes = {c.value: i for i, c in enumerate(item.choices, start=1)}
    for v in sorted(set(seen) - set(codes)):
        codes[v] = len(codes) + 1
    return codes


def _number_format(values: pd.Series, item: Item) -> str:
    """F<w>.<d> wide enough for every value (as stored text) and for the guide's bounds."""
    integer = item.type == "integer"
    width, decimals = 1, 0
    if item.constraint_ast is not None:
        bounds = constraint_bounds(item.constraint_ast)
        width = max([len(str(b).lstrip("+").split(".")[0]) for b in bounds if b is not None] + [1])
    for v in values:
        if v is None:
            continue
        s = str(v)
        if not integer and "." in s:
            decimals = max(decimals, min(len(s.split(".", 1)[1]), 16))
        width = max(width, len(s.split(".", 1)[0]))
    width = width + (decimals + 1 if decimals else 0)
    return f"F{min(max(width, 1), 40)}.{decimals}"


@dataclass
class SpssFrame:
    """What `export_sav` writes: the data and pyreadstat's metadata arguments."""
    data: pd.DataFrame
    column_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # source column (code or code:choice) -> SPSS name
    notes: list[str] = field(default_factory=list)
    file_label: str = ""


def _unique_labels(guide: Guide) -> dict[str, str]:
    count: dict[str, int] = {}
    for it in guide.items.values():
        count[it.label] = count.get(it.label, 0) + 1
    return {c: (it.label if count[it.label] == 1 else f"{it.label} ({c})") for c, it in guide.items.items()}


def _wrap(text: str, limit: int = MAX_NOTE_BYTES) -> list[str]:
    """Lines of at most `limit` UTF-8 bytes (SPSS document lines), split at spaces where possible."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            cand = f"{line} {word}" if line else word
            if len(cand.encode("utf-8")) <= limit:
                line = cand
                continue
            if line:
                out.append(line)
            while len(word.encode("utf-8")) > limit:
                head = word.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
                out.append(head)
                word = word[len(head):]
            line = word
        out.append(line)
    return out


# ---------------------------------------------------------------- the frame

def _bad_value(rows: list[int], code: str, item: Item, what: str) -> SpssExportError:
    """A value SPSS cannot hold, named by its case (row) and variable and what is allowed — never
    the value itself nor the respondent id (free text, a name or a CPR number can sit there)."""
    allowed = allowed_text(item)[0]
    more = f" (og {len(rows) - 1} celle(r) mere i samme variabel)" if len(rows) > 1 else ""
    return SpssExportError(f"Case {rows[0] + 1} (række {rows[0] + 1} af data sorteret efter respondent_id), "
                           f"variabel {code}: værdien {what} og kan ikke skrives til SPSS — tilladt: {allowed}"
                           f"{more}. Værdien vises ikke. Ret den i data (fx i interviewet), og eksportér igen.")


def build_frame(df: pd.DataFrame, guide: Guide, *, anonymised: bool = True,
                study: dict[str, dict[object, str]] | None = None) -> SpssFrame:
    """The SPSS data and metadata for a wide frame (already masked if it should be).

    `anonymised` only decides the value labels of the fields the guide marks ``ja`` here (names, or
    "Interviewer N"); de-identifying the frame is the caller's job (`export_sav` does it). Their codes
    are the study's numbers: N of «Interviewer N», and for a name its pseudonym's N in `study`
    (`coding.deidentify.study_pseudonyms`), so a code means one person in the masked and the exact file.
    """

    labels = _unique_labels(guide)
    codes = list(guide.codes)
    df = df.reindex(columns=codes).astype(object)
    df = df.where(df.notna(), None)

    # names: guide items first, then generated ones (choice dummies), so codes keep their names
    used: set[str] = set()
    names: dict[str, str] = {}
    for c in codes:
        names[c] = spss_name(c, used)
        if c == "brugergruppe":
            names[EFFECTIVE_GROUP] = spss_name(EFFECTIVE_GROUP, used)
    for c in codes:
        it = guide.item(c)
        if it.type == "select_multiple":
            seen = {v for cell in df[c] for v in multi_values(cell)}
            for v in _choice_codes(it, seen):
                names[f"{c}:{v}"] = spss_name(f"{c}_{v}", used)

    out = SpssFrame(data=pd.DataFrame(index=df.index), names=names)
    cols: dict[str, pd.Series | np.ndarray] = {}
    list_notes: dict[str, str] = {}
    truncated: list[str] = []

    def var_label(name: str, text: str) -> None:
        out.column_labels[name] = _cut_bytes(text, MAX_VAR_LABEL_BYTES)

    def value_labels(name: str, mapping: dict[float, str]) -> None:
        out.value_labels[name] = {k: _cut_bytes(v, MAX_VALUE_LABEL_BYTES) for k, v in mapping.items()}

    def coded(name: str, values: list[str | None], numbers: dict[str, int], label_of) -> None:
        cols[name] = np.array([np.nan if v is None else float(numbers[v]) for v in values], dtype=float)
        value_labels(name, {float(n): label_of(v) for v, n in numbers.items()})
        out.measure[name] = "nominal"
        out.formats[name] = f"F{max(len(str(len(numbers))), 1)}.0"

    for c in codes:
        it = guide.item(c)
        name = names[c]
        values = list(df[c])
        if it.identifier == "ja":  # a name (the interviewer): numbered, pseudonymised labels when anonymised
            prefix = pseudonym_prefix(it)
            known = (study or {}).get(c, {})
            # «Interviewer 3» (the study's number, `coding.deidentify`) is code 3, labelled so; a name
            # (not anonymised) has its pseudonym's number
            order = {v: n for v in values if v is not None
                     and (n := pseudonym_number(v if anonymised else known.get(v), prefix)) is not None}
            for v in values:  # a name (not anonymised), or a value not in that form: numbered on
                if v is not None and v not in order:
                    order[v] = max(order.values(), default=0) + 1
            named = {v for v in order if pseudonym_number(v, prefix) is None}  # never a name as a label when anonymised
            coded(name, values, order, (lambda v, o=order, p=prefix, x=named: f"{p} {o[v]}" if v in x else str(v))
                  if anonymised else str)
            var_label(name, labels[c] + (" (pseudonym)" if anonymised else ""))
        elif it.type == "select_one":
            numbers = _choice_codes(it, (v for v in values if v is not None))
            coded(name, values, numbers, it.choice_label)
            var_label(name, labels[c])
            if it.choices:
                list_notes.setdefault(it.list_name, ", ".join(f"{n} = {v}" for v, n in numbers.items()
                                                              if v in it.choice_values()))
            if c == "brugergruppe":
                eff = list(effective_groups(df))
                eff_numbers = _choice_codes(it, (v for v in eff + values if v is not None))
                gname = names[EFFECTIVE_GROUP]
                coded(gname, eff, eff_numbers, it.choice_label)
                if eff_numbers != numbers:  # an extra value: both variables share one numbering
                    coded(name, values, eff_numbers, it.choice_label)
                var_label(gname, EFFECTIVE_GROUP_LABEL)
        elif it.type == "select_multiple":
            seen = {v for cell in values for v in multi_values(cell)}
            for v in _choice_codes(it, seen):
                dname = names[f"{c}:{v}"]
                cols[dname] = np.array([np.nan if cell is None else float(v in multi_values(cell))
                                        for cell in values], dtype=float)
                value_labels(dname, dict(CHOSEN_LABELS))
                var_label(dname, f"{it.label}: {it.choice_label(v)}")
                out.measure[dname] = "nominal"
                out.formats[dname] = "F1.0"
        elif it.type in ("integer", "decimal"):
            nums = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
            bad = [i for i, v in enumerate(values) if v is not None and (pd.isna(nums.iat[i])
                                                                          or not np.isfinite(nums.iat[i]))]
            if bad:
                raise _bad_value(bad, c, it, "er ikke et tal")
            cols[name] = nums.to_numpy(dtype=float)
            var_label(name, labels[c])
            out.measure[name] = "scale"
            out.formats[name] = _number_format(pd.Series(values, dtype=object), it)
        elif it.type == "date":
            dates, bad = [], []
            for i, v in enumerate(values):
                try:
                    dates.append(None if v is None else dt.date.fromisoformat(str(v)))
                except ValueError:  # its message quotes the value: never shown
                    dates.append(None)
                    bad.append(i)
            if bad:
                raise _bad_value(bad, c, it, "er ikke en dato")
            cols[name] = pd.Series(dates, dtype=object)
            var_label(name, labels[c])
            out.measure[name] = "scale"
            out.formats[name] = "DATE11"
        else:  # text
            cells = []
            for i, v in enumerate(values):
                if v is None:
                    cells.append("")
                    continue
                s = str(v)
                cut = _cut_bytes(s, MAX_STRING_BYTES, TRUNCATED)
                if cut != s:
                    truncated.append(f"{df['respondent_id'].iat[i]}/{c}")
                cells.append(cut)
            cols[name] = pd.Series(cells, dtype=object)
            var_label(name, labels[c])
            out.measure[name] = "nominal"
    out.data = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in cols.items()})

    # file label and documents
    out.file_label = _cut_bytes(f"{guide.form_id} v{guide.version}", MAX_FILE_LABEL_BYTES)
    doc = [
        f"Brugerblik: {guide.title} (spørgeguide {guide.form_id}, version {guide.version}).",
        f"{len(df)} respondenter, én række pr. respondent, sorteret efter respondent_id.",
        (f"Fritekst er anonymiseret: {masked_kinds_text()}. Felter, der identificerer en person (spørgeguidens "
         "brugerblik_identifikator = ja, fx interviewer), er pseudonymiseret (Interviewer 1, 2 ...: undersøgelsens "
         "numre, de samme i alle tabeller og eksporter; koden er nummeret)."
         if anonymised else
         "Fritekst er IKKE anonymiseret (--umaskeret): kun til brug inden for forskergruppen."),
        "Enkeltvalg er talkoder 1, 2, ... i spørgeguidens rækkefølge; værdietiketterne er guidens tekster.",
        "Flervalg er én 0/1-variabel pr. valgmulighed (kode_valg); tom = ikke besvaret.",
        "Tomme svar (ikke spurgt/ikke noteret) er system missing; tom tekst er en tom streng.",
        f"{EFFECTIVE_GROUP}: brugergruppe brugt i alle tabeller (forskerens kodning, ellers standardreglen).",
        "Talkoder pr. svarliste:",
    ]
    doc += [f"{ln}: {mapping}" for ln, mapping in list_notes.items()]
    renamed = [f"{src.replace(':', '_')} -> {dst}" for src, dst in names.items()
               if dst != src.replace(":", "_")]
    if renamed:
        doc.append("Omdøbte variabler (ugyldige SPSS-navne): " + "; ".join(renamed))
    if truncated:
        doc.append(f"Afkortet til {MAX_STRING_BYTES} bytes (SPSS' grænse): " + ", ".join(truncated))
    out.notes = [line for para in doc for line in _wrap(para)]
    return out


# ---------------------------------------------------------------- writing

def export_sav(engine: Engine, guide: Guide, path: str | os.PathLike, anonymised: bool = True, *,
               drafts: bool = False) -> int:
    """Write the respondents of the completed interviews in the store (`drafts`: the drafts too) to
    FILE.sav (see module doc); returns the number of respondents."""
    import pyreadstat  # only an SPSS export loads it (start-up)

    p = Path(path)
    if p.suffix.lower() != ".sav":
        raise SpssExportError(f"Ukendt filtype {p.suffix or '(ingen)'!r} for {path} — tilladt: .sav")
    p = files.check_target(p)  # the folder must exist: refused before the work
    df = load_wide(engine, guide, drafts=drafts)  # completed interviews unless `drafts` (issue 14)
    study = study_pseudonyms(engine, guide, df)  # the interviewers' numbers: the study's (survey.pseudonyms)
    if anonymised:
        df = deidentify(df, guide, engine, names=study)  # as the guide marks the fields (coding.deidentify)
    frame = build_frame(df, guide, anonymised=anonymised, study=study)

    def write(tmp: Path) -> None:  # a new file in a private (0700) folder beside the target
        try:
            pyreadstat.write_sav(frame.data, str(tmp), file_label=frame.file_label,
                                 column_labels=frame.column_labels, note=frame.notes,
                                 variable_value_labels=frame.value_labels, variable_measure=frame.measure,
                                 variable_format=frame.formats)
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as e:
            # readstat's messages may name a value or a label: only the kind of error is shown
            raise SpssExportError(f"SPSS-filen kunne ikke skrives ({type(e).__name__}); intet er skrevet, og en "
                                  "tidligere fil med samme navn er urørt.") from None

    files.write_atomic(p, write, by_name=True)  # atomic, owner-only (0600)
    return len(frame.data)
