"""Statistics beside SPSS (issue 15): ``brugerblik export stata FILE.dta`` and ``brugerblik export r
FILE.csv`` (the CSV and an R script, FILE.R, that loads it with factor labels).

Stata
-----
The same variables, numbering and labels as the SPSS export (`exports.spss.build_frame`: one
variable per item, a 0/1 variable per choice of a multiple choice, ``brugergruppe_eff``, the
interviewer as "Interviewer 1" … when anonymised), written with pyreadstat as a Stata 15 ``.dta``
(Stata 14 and later read it), in Stata's limits:

* names: at most 28 characters (Stata allows 32, but the value label set is named after its variable
  with a number appended, and its name may have at most 31) of ``A–Z a–z 0–9 _`` starting with a letter or ``_`` (æ/ø/å →
  ae/oe/aa, other characters → ``_``), not a reserved word (``v_`` first), unique (``_2``, ``_3`` …);
* variable labels at most 80 characters, value labels at most 32,000, the file label 80 (cut
  at a character, ending in "…");
* text at most 2,045 bytes (Stata's ``str#``): a longer text is cut there, ending in
  "… [afkortet]". Dates are Stata dates (``%td``).

The numbering of every choice list is the SPSS export's (the guide's order, from 1), so a .sav and
a .dta of the same guide version hold the same numbers.

R
-
``export r FILE.csv`` writes FILE.csv exactly as ``export raw FILE.csv`` does (the wide format,
de-identified unless ``--umaskeret``) and FILE.R beside it, which reads it with base R (no package
needed): every column as text, the leading ``'`` the CSV puts before a text that reads as a formula
(`survey.files.csv_escape`: ``=``, ``+``, ``-``, ``@`` first, also after blanks and invisible
characters, and their full-width forms) removed, numbers as numbers, dates as ``Date``, every single choice a
factor with the guide's values as levels (in guide order) and its labels as labels (a value the
guide does not list keeps its own code as a further level), multiple choices as text (codes
separated by ``;``) with a helper, ``bb_valgt(x, "kode")``, that says which rows chose a code,
and each column's question as its ``label`` attribute. Every text the script quotes (labels,
codes, the file name) is written as an R string literal with its ``\\`` and ``"`` escaped and
control characters as escapes: a label cannot end the string and run code.

Both files are written as every file the tool writes: atomic and owner-only (`survey.files`).
"""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from coding.deidentify import deidentify, study_pseudonyms
from exports import raw
from exports.spss import SpssExportError, build_frame
from survey import files
from survey.guide import Guide
from survey.store import load_wide

__all__ = ["export_dta", "stata_frame", "stata_name", "r_script", "export_r", "r_string", "STATA_RESERVED",
           "MAX_STATA_NAME", "MAX_STATA_STR_BYTES"]

#: Stata allows 32 characters, but pyreadstat names a variable's value label set after it with a
#: running number appended (``<name><n>``), and a set name has at most 31: 28 leaves room for 999 sets
MAX_STATA_NAME = 28
#: The R script's undoing of the CSV's formula guard, `survey.files.csv_unescape` as a PCRE: one
#: leading ' before tab, CR or another ', or before = + - @ or their full-width forms after any
#: characters of Unicode categories Zs, Cc, Cf (`survey.files.FORMULA_SIGNS`, `INVISIBLE`).
R_UNESCAPE = ("^'(?=[\\t\\r']|[\\p{Zs}\\p{Cc}\\p{Cf}]*["
              + "".join(f"\\x{{{ord(c):04X}}}" if ord(c) > 127 else ("\\" + c if c == "-" else c)
                        for c in sorted(files.FORMULA_SIGNS)) + "])")
#: ... and with ASCII only, for an R whose PCRE runs without UTF-8 (where ``\x{FF1D}`` is an error):
#: one ' before tab, CR or ', or before = + - @ after any ASCII blanks and controls.
R_UNESCAPE_ASCII = "^'(?=[\\t\\r']|[\\x00-\\x20\\x7F]*[-=+@])"
MAX_STATA_VAR_LABEL = 80
MAX_STATA_VALUE_LABEL = 32_000
MAX_STATA_STR_BYTES = 2_045
TRUNCATED = "… [afkortet]"
STATA_RESERVED = frozenset({"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long",
                            "_n", "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"})
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def stata_name(raw: str, used: set[str]) -> str:
    """A valid, unused Stata variable name for `raw` (see the module doc); added to `used`."""
    text = unicodedata.normalize("NFKD", str(raw).translate(_FOLD)).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9_]", "_", text) or "v"
    if not re.match(r"[A-Za-z_]", name) or name in STATA_RESERVED or re.fullmatch(r"str\d+", name):
        name = "v_" + name
    name = name[:MAX_STATA_NAME]
    base, k = name, 2
    while name in used:
        tail = f"_{k}"
        name = base[:MAX_STATA_NAME - len(tail)] + tail
        k += 1
    used.add(name)
    return name


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(TRUNCATED.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + TRUNCATED


def stata_frame(df: pd.DataFrame, guide: Guide, *, anonymised: bool = True,
                study: dict[str, dict[object, str]] | None = None
                ) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[float, str]], dict[str, str], str]:
    """(data, variable labels, value labels, formats, file label) for pyreadstat's write_dta, from
    the SPSS export's frame renamed and cut to Stata's limits (`study`: the interviewers' numbers,
    `exports.spss.build_frame`)."""
    sp = build_frame(df, guide, anonymised=anonymised, study=study)
    used: set[str] = set()
    rename = {c: stata_name(c, used) for c in sp.data.columns}
    data = sp.data.rename(columns=rename)
    for col in data.columns:
        cells = data[col].tolist()
        if cells and all(isinstance(v, str) for v in cells):  # text (whatever pandas calls its dtype)
            data[col] = pd.Series([_cut_bytes(v, MAX_STATA_STR_BYTES) for v in cells], index=data.index, dtype=object)
    labels = {rename[k]: _cut(v, MAX_STATA_VAR_LABEL) for k, v in sp.column_labels.items() if k in rename}
    values = {rename[k]: {n: _cut(t, MAX_STATA_VALUE_LABEL) for n, t in m.items()}
              for k, m in sp.value_labels.items() if k in rename}
    formats = {rename[k]: "%td" for k, f in sp.formats.items() if k in rename and f == "DATE11"}
    for col in formats:
        if data[col].isna().all():  # no date at all: a numeric date of missing values, never an empty text
            data[col] = pd.Series(float("nan"), index=data.index, dtype=float)  # column marked %td (unreadable)
    return data, labels, values, formats, _cut(sp.file_label or guide.form_id, 80)


def export_dta(engine: Engine, guide: Guide, path: str | os.PathLike, anonymised: bool = True, *,
               drafts: bool = False) -> int:
    """Write the completed interviews (`drafts`: the drafts too) to FILE.dta; returns the number of
    respondents. De-identified as the SPSS export is unless `anonymised` is False."""
    import pyreadstat  # only a Stata export loads it (start-up)

    p = Path(path)
    if p.suffix.lower() != ".dta":
        raise SpssExportError(f"Ukendt filtype {p.suffix or '(ingen)'!r} for {path} — tilladt: .dta")
    p = files.check_target(p)
    df = load_wide(engine, guide, drafts=drafts)
    study = study_pseudonyms(engine, guide, df)  # the interviewers' numbers: the study's (survey.pseudonyms)
    if anonymised:
        df = deidentify(df, guide, engine, names=study)
    data, labels, values, formats, label = stata_frame(df, guide, anonymised=anonymised, study=study)

    def write(tmp: Path) -> None:
        try:
            pyreadstat.write_dta(data, str(tmp), file_label=label, column_labels=labels, version=15,
                                 variable_value_labels=values, variable_format=formats)
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as e:  # its text may quote a value
            raise SpssExportError(f"Stata-filen kunne ikke skrives ({type(e).__name__}); intet er skrevet, og en "
                                  "tidligere fil med samme navn er urørt.") from None

    files.write_atomic(p, write, by_name=True)
    return len(data)


# ---------------------------------------------------------------- R

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def r_string(text: object) -> str:
    """`text` as an R string literal: backslash and double quote escaped, control characters as
    escapes (a label can never end the string and run code)."""
    out = []
    for ch in str(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _vector(values: list[str]) -> str:
    return "c(" + ", ".join(r_string(v) for v in values) + ")"


def _comment(text: str) -> str:
    """One line of an R comment: every control character and Unicode line break (R's readLines
    also ends a line at a carriage return) made a space, so no text from the guide can start a
    line of code."""
    return "".join(" " if (ord(ch) < 32 or ord(ch) == 127 or ch in "\x85\u2028\u2029") else ch for ch in text)


def r_script(guide: Guide, csv_name: str) -> str:
    """The R script that loads `csv_name` (the wide CSV of `guide`) with factor labels."""
    lines = [
        "# " + _comment(f"Brugerblik: {guide.title} (spørgeguide {guide.form_id}, version {guide.version})."),
        "# Indlæser CSV-filen med spørgeguidens etiketter. Kør fra mappen med filen: source(\"...R\").",
        "# Kun base R. Enkeltvalg bliver faktorer (guidens rækkefølge); flervalg er tekst med koder adskilt af ;",
        "# (brug bb_valgt(x, \"kode\")); tal bliver tal og datoer Date; spørgsmålet står i attributten \"label\".",
        "",
        f"bb_uden_apostrof <- function(x) tryCatch(sub({r_string(R_UNESCAPE)}, \"\", x, perl = TRUE),",
        f"  error = function(e) sub({r_string(R_UNESCAPE_ASCII)}, \"\", x, perl = TRUE))",
        "bb_faktor <- function(x, levels, labels) {",
        "  extra <- setdiff(unique(x[!is.na(x)]), levels)",
        "  factor(x, levels = c(levels, extra), labels = c(labels, extra))",
        "}",
        "bb_valgt <- function(x, kode) vapply(strsplit(ifelse(is.na(x), \"\", x), \";\", fixed = TRUE),",
        "                                     function(v) kode %in% v, logical(1)) & !is.na(x)",
        "",
        f"d <- read.csv({r_string(csv_name)}, fileEncoding = \"UTF-8-BOM\", colClasses = \"character\",",
        "              na.strings = \"\", check.names = FALSE)",
        "",
    ]
    for code, item in guide.items.items():
        col = f"d[[{r_string(code)}]]"
        if item.type == "select_one" and item.choices:
            values = item.choice_values()
            lines.append(f"{col} <- bb_faktor({col}, {_vector(values)}, "
                         f"{_vector([item.choice_label(v) for v in values])})")
        elif item.type in ("integer", "decimal"):
            lines.append(f"{col} <- as.numeric({col})")
        elif item.type == "date":
            lines.append(f"{col} <- as.Date({col})")
        else:  # text and multiple choice: the CSV's formula guard removed
            lines.append(f"{col} <- bb_uden_apostrof({col})")
        lines.append(f"attr({col}, \"label\") <- {r_string(item.label)}")
    lines += ["", "invisible(d)", ""]
    return "\n".join(lines)


def export_r(engine: Engine, guide: Guide, path: str | os.PathLike, *, anonymised: bool = True,
             drafts: bool = False) -> tuple[int, Path]:
    """Write FILE.csv (as ``export raw``) and FILE.R beside it; returns (respondents, the script's path)."""
    p = Path(path)
    if p.suffix.lower() != ".csv":
        raise SpssExportError(f"Ukendt filtype {p.suffix or '(ingen)'!r} for {path} — tilladt: .csv (R-scriptet "
                              "skrives ved siden af som .R)")
    script = p.with_suffix(".R")
    files.check_target(script)
    n = raw.export_file(engine, guide, p, anonymised=anonymised, drafts=drafts)
    text = r_script(guide, p.name)
    files.write_atomic(script, lambda tmp: tmp.write_text(text, encoding="utf-8"), by_name=True)
    return n, script
