"""Import and export of the wide one-row-per-respondent format (CSV or XLSX).

The columns are the guide's codes (``instrument.md``); one row per respondent; a blank cell
means "not asked / not recorded".

Import (`import_file`, `import_bytes`, `check_file`) is all or nothing:

* The file type is found from its content, not its name: an XLSX workbook (the sheet called
  "Data" if there is one, else the first sheet), or a CSV text in UTF-8 (with or without
  BOM), UTF-16 with BOM, or Windows-1252 (cp1252, what Danish Excel writes as "CSV"),
  separated by ``,``, ``;`` or tab (the separator that makes the most header cells known
  codes wins; an Excel ``sep=;`` first line is honoured). Anything else (an image, a PDF, an
  old .xls, an .ods …) is refused with a message saying what it looks like.
* Every cell is checked against the guide by `survey.guide.check_value` (types, choices,
  ranges) — once per distinct value of a column, then mapped, so 5,000 × 90 cells take well
  under a second to check.
* The required columns are ``respondent_id``, ``site`` and ``site_type`` (the store cannot
  hold a respondent without them); their cells must be filled in every row. Items the guide
  marks *required* for the interviewer (``gender``, ``age`` …) only give a warning when their
  column is missing or has blanks: researchers' spreadsheets and older data may lack them.
* ``respondent_id`` must be unique in the file and must not already be in the store (unless
  ``replace``); a value that looks like a CPR number is refused and never echoed back.
* Unknown columns, duplicate columns and values under an empty heading are problems; a site
  already in the store (or earlier in the file) with another ``site_type`` is a problem.
* A value whose item's ``relevant`` condition is false is imported and gives a warning.
* Values are stored as given: a blank ``brugergruppe`` stays blank (the tables derive it).

Every problem names the spreadsheet row the user sees (the header is row 1) and the column:
``række 3, kolonne age: værdi fyrre — tilladt: heltal 16–110`` (Danish) or
``row 3, column age: value fyrre — allowed: whole number 16–110`` (English). If there is any
problem nothing is written.

Export (`export_file`) writes the same format: CSV in UTF-8 with BOM, comma-separated, CRLF
line ends, header = the guide's codes in guide order; or XLSX with one sheet "Data", a bold
header row, frozen panes and an autofilter.

Exports never turn user text into spreadsheet formulas. In XLSX every text cell is written
as a string (never as a formula, URL or number; integer and decimal items are written as
numbers when the number reads back exactly). In CSV a cell that starts with ``=``, ``+``,
``-``, ``@``, tab or CR gets a leading ``'``, and a cell that already starts with ``'``
followed by one of those (or by another ``'``) gets one more ``'``; import strips one leading
``'`` before one of ``= + - @ \\t \\r '``. The two maps are inverse (`csv_escape`,
`csv_unescape`), so ``import(export(x)) == x`` for every store, CSV or XLSX.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import os
import posixpath
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator, Mapping, Sequence
from xml.etree import ElementTree as ET

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from survey import expr
from survey.db import session_scope
from survey.guide import CPR_RE, Guide, Item, ValueProblem, _allowed, check_value
from survey.models import Interview, Site
from survey.store import StoreError, insert_wide, load_wide

__all__ = [
    "REQUIRED_COLUMNS", "FORMULA_START", "Message", "ImportResult", "WideIOError",
    "csv_escape", "csv_unescape", "import_file", "import_bytes", "check_file", "check_bytes",
    "export_file", "write_csv", "write_xlsx",
]

# Columns every import file must have, with a value in every row.
REQUIRED_COLUMNS: tuple[str, ...] = ("respondent_id", "site", "site_type")
# Lengths the store's columns hold (survey.models); longer values are refused.
MAX_LENGTH: Mapping[str, int] = {"site": 200, "interviewer": 200}
# A CSV cell starting with one of these is read by spreadsheets as a formula.
# Item types whose cells are numbers or dates: never escaped in CSV, numbers in XLSX.
_NUMERIC = ("integer", "decimal")
_NOT_ESCAPED = ("integer", "decimal", "date")
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell (UTF-16 code units)
_SHOW_MAX = 60  # characters of a value shown in a message
_LIST_ROWS = 10  # rows listed in a warning before "…"


class WideIOError(StoreError):
    """An export that cannot be written (unknown file type, a value a spreadsheet cannot hold)."""


# ---------------------------------------------------------------- messages


@dataclass(frozen=True)
class Message:
    """One problem or warning, with Danish and English text.

    `row` is the spreadsheet row the user sees (header = 1), `rows` several rows (warnings
    about a whole column), `column` the column as headed in the file (or its letter when the
    heading is empty), `value` the cell as it reads in the file (already masked if it looks
    like a CPR number); `kind` says which check it is, for programs.
    """
    kind: str
    text_da: str
    text_en: str
    row: int | None = None
    rows: tuple[int, ...] = ()
    column: str | None = None
    value: str | None = None
    show_value: bool = False
    masked: bool = False  # the value looked like a CPR number and is shown as xxxxxx-xxxx

    def format(self, lang: str = "da") -> str:
        en = lang == "en"
        where: list[str] = []
        if self.rows:
            listed = ", ".join(str(r) for r in self.rows[:_LIST_ROWS])
            if len(self.rows) > _LIST_ROWS:
                listed += f", … ({len(self.rows)} {'in all' if en else 'i alt'})"
            where.append(("rows " if en else "række ") + listed if len(self.rows) > 1
                         else ("row " if en else "række ") + listed)
        elif self.row is not None:
            where.append(("row " if en else "række ") + str(self.row))
        if self.column is not None:
            where.append(("column " if en else "kolonne ") + self.column)
        text = self.text_en if en else self.text_da
        if self.show_value:
            shown = self.value if self.value is not None else ("(blank)" if en else "(tom)")
            if self.masked:
                shown += " (hidden)" if en else " (skjult)"
            text = ("value " if en else "værdi ") + shown + " — " + text
        return (", ".join(where) + ": " + text) if where else text[:1].upper() + text[1:]

    def __str__(self) -> str:
        return self.format("da")


@dataclass
class ImportResult:
    """What an import did: `problems` (any → nothing written), `warnings`, rows `written`."""
    problems: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    written: int = 0
    rows: int = 0  # data rows read from the file
    file_kind: str = ""  # e.g. "csv utf-8-sig ','" or "xlsx Data"

    @property
    def ok(self) -> bool:
        return not self.problems


def _show(raw: object) -> str | None:
    """A cell as the user reads it in a message: one line, shortened, CPR-like digits hidden."""
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        s = raw.date().isoformat() if raw.time() == dt.time(0) else raw.isoformat(sep=" ")
    elif isinstance(raw, bool):
        s = "TRUE" if raw else "FALSE"
    elif isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        s = str(int(raw))
    else:
        s = str(raw)
    if s.strip() == "":
        return None
    s = CPR_RE.sub("xxxxxx-xxxx", s)
    s = s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return s if len(s) <= _SHOW_MAX else s[:_SHOW_MAX - 1] + "…"


def _value_problem(row: int, column: str, raw: object, vp: ValueProblem) -> Message:
    shown = _show(raw)
    hidden = raw is not None and CPR_RE.search(str(raw)) is not None
    return Message("value", vp.text("da"), vp.text("en"), row=row, column=column, value=shown, show_value=True,
                   masked=hidden and shown is not None)


def _file_problem(da: str, en: str, row: int | None = None) -> Message:
    return Message("file", da, en, row=row)


# ---------------------------------------------------------------- CSV formula escaping


# The one rule for every CSV the tool writes and reads lives in survey.files (csv_escape,
# csv_unescape, FORMULA_START); the names stay importable from here.
from survey import files  # noqa: E402
from survey.files import FORMULA_START, csv_escape, csv_unescape  # noqa: E402


# ---------------------------------------------------------------- reading files


@dataclass
class _Table:
    """A sheet as read: header cells, data rows with their spreadsheet row numbers."""
    header: list[object]
    rows: list[tuple[int, list[object]]]
    kind: str
    csv: bool  # cells are CSV text: undo the formula escaping
    header_row: int = 1


class _Refused(Exception):
    """The file cannot be read; carries the message."""

    def __init__(self, message: Message):
        super().__init__(message.text_en)
        self.message = message


_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG", "et PNG-billede", "a PNG image"),
    (b"%PDF", "en PDF-fil", "a PDF file"),
    (b"GIF8", "et GIF-billede", "a GIF image"),
    (b"\xff\xd8\xff", "et JPEG-billede", "a JPEG image"),
    (b"\x1f\x8b", "en gzip-komprimeret fil", "a gzip file"),
    (b"7z\xbc\xaf", "et 7z-arkiv", "a 7z archive"),
    (b"Rar!", "et RAR-arkiv", "a RAR archive"),
    (b"SQLite format 3", "en SQLite-database", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "en gammel Excel-fil (.xls) eller en krypteret projektmappe",
     "an old Excel file (.xls) or a password-protected workbook"),
)
_SAVE_AS_DA = "gem data som CSV (UTF-8, komma- eller semikolonsepareret) eller som Excel-projektmappe (.xlsx)"
_SAVE_AS_EN = "save the data as CSV (UTF-8, comma or semicolon separated) or as an Excel workbook (.xlsx)"


def _not_table(what_da: str, what_en: str) -> _Refused:
    return _Refused(_file_problem(f"filen er hverken CSV eller XLSX (den ligner {what_da}) — {_SAVE_AS_DA}",
                                  f"the file is neither CSV nor XLSX (it looks like {what_en}) — {_SAVE_AS_EN}"))


def _read_table(data: bytes, guide: Guide) -> _Table:
    body = data
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        body = body.removeprefix(bom)
    if not body.strip(b" \t\r\n\x00"):
        raise _Refused(Message("empty", "filen er tom — forventet: en overskriftsrække med kolonnenavnene fra "
                               "spørgeguiden og én række pr. respondent",
                               "the file is empty — expected: a header row with the guide's codes and one row "
                               "per respondent", row=1))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    for magic, da, en in _MAGIC:
        if data.startswith(magic):
            raise _not_table(da, en)
    return _read_csv(data, guide)


# ---- CSV


def _decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _not_table("en ødelagt UTF-16-tekst", "broken UTF-16 text") from None
    if b"\x00" in data:
        raise _not_table("en binær fil", "a binary file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            line = data[3:e.start + 3].count(b"\n") + 1
            raise _Refused(_file_problem(
                f"filen begynder som UTF-8 (BOM), men byte {e.start + 3} på linje {line} er ikke gyldig UTF-8 — "
                "gem filen igen som CSV UTF-8",
                f"the file starts as UTF-8 (BOM) but byte {e.start + 3} on line {line} is not valid UTF-8 — "
                "save it again as CSV UTF-8")) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise _not_table("hverken UTF-8- eller Windows-1252-tekst", "neither UTF-8 nor Windows-1252 text") from None


_CONTROL_CHARS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _normal_header(cell: object) -> str:
    return str(cell).strip().casefold() if cell is not None else ""


def _read_csv(data: bytes, guide: Guide) -> _Table:
    text, encoding = _decode(data)
    if len(_CONTROL_CHARS.findall(text[:65_536])) > max(8, len(text[:65_536]) // 100):
        raise _not_table("en binær fil", "a binary file")
    if re.match(r"\s*<(!doctype html|html|\?xml|table)", text[:200], re.IGNORECASE):
        raise _not_table("en HTML- eller XML-fil", "an HTML or XML file")
    delimiter = None
    first_nl = text.find("\n")
    m = re.fullmatch(r"\s*sep=(.)\s*", text if first_nl < 0 else text[:first_nl])
    if m:  # Excel's "sep=;" directive: not a row the user sees
        delimiter = m.group(1)
        text = "" if first_nl < 0 else text[first_nl + 1:]
    if delimiter is None:  # the separator that makes the most header cells known codes
        first = next((line.rstrip("\r\n") for line in io.StringIO(text, newline=None) if line.strip()), "")
        known = {c.casefold() for c in guide.codes}
        best: tuple[int, int, int] | None = None
        for rank, d in enumerate((",", ";", "\t")):
            try:
                cells = next(csv.reader([first], delimiter=d), [])
            except csv.Error:  # e.g. a line break inside a quoted heading: the full read below says so
                cells = []
            score = (sum(_normal_header(c) in known for c in cells), len(cells), -rank)
            if best is None or score > best:
                best, delimiter = score, d
    assert delimiter is not None
    limit = csv.field_size_limit()
    if limit < 1_000_000:
        csv.field_size_limit(1_000_000)  # a long free-text answer is checked by the guide, not refused here
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for rec in reader:
            records.append(rec)
    except csv.Error as e:
        raise _Refused(_file_problem(f"filen kan ikke læses som CSV: {e}", f"the file cannot be read as CSV: {e}",
                                     row=len(records) + 1)) from None
    start = next((i for i, rec in enumerate(records) if any(c.strip() for c in rec)), None)
    if start is None:
        raise _Refused(Message("empty", "filen er tom", "the file is empty", row=1))
    name = {",": "','", ";": "';'", "\t": "tab"}.get(delimiter, repr(delimiter))
    rows: list[tuple[int, list[object]]] = [(n, list(rec))
                                            for n, rec in enumerate(records[start + 1:], start=start + 2)]
    return _Table(header=list(records[start]), rows=rows, kind=f"csv {encoding} {name}", csv=True,
                  header_row=start + 1)


# ---- XLSX (stdlib ElementTree: about three times faster than openpyxl for a big sheet)

_XL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xl_unescape(s: str) -> str:
    """Undo Excel's _xHHHH_ escaping of characters in shared/inline strings."""
    return _XL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True)
class _CellError:
    """A spreadsheet error value (#N/A, #REF! …), or a formula without a computed value (code "")."""
    code: str
    formula: str | None = None

    def __str__(self) -> str:
        return "=" + self.formula if self.formula else self.code or "(formel)"

    def reason(self) -> tuple[str, str]:
        if not self.code:
            return ("formlen har ingen beregnet værdi (gem filen i Excel igen, eller skriv værdien)",
                    "the formula has no computed value (save the file in Excel again or type the value)")
        return f"regnearksfejl {self.code}", f"spreadsheet error {self.code}"


def _rich_text(el: ET.Element) -> str:
    """Text of an <si> or <is> element: plain <t> or the runs' <t>; phonetic runs left out."""
    parts: list[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            parts.append(_xl_unescape(child.text or ""))
        elif name == "r":
            for g in child:
                if _local(g.tag) == "t":
                    parts.append(_xl_unescape(g.text or ""))
    return "".join(parts)


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type suffix, target part path) for a part."""
    d, name = posixpath.split(part)
    rel_path = posixpath.join(d, "_rels", name + ".rels")
    if rel_path not in zf.namelist():
        return {}
    out = {}
    for el in ET.fromstring(zf.read(rel_path)).iter():
        if _local(el.tag) == "Relationship" and el.get("TargetMode") != "External":
            target = el.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(d, target))
            out[el.get("Id", "")] = (el.get("Type", "").rsplit("/", 1)[-1], path)
    return out


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch.upper()) - 64)
    return n - 1


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _read_xlsx(data: bytes) -> _Table:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError):
        raise _not_table("et ødelagt ZIP-arkiv", "a broken ZIP archive") from None
    if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype"):
        raise _not_table("et OpenDocument-regneark (.ods)", "an OpenDocument spreadsheet (.ods)")
    wb_part = "xl/workbook.xml"
    for _id, (typ, target) in _rels(zf, "").items() if "_rels/.rels" in names else ():
        if typ == "officeDocument":
            wb_part = target
    if wb_part not in names:
        if any(n.startswith("word/") for n in names):
            raise _not_table("et Word-dokument", "a Word document")
        raise _not_table("et ZIP-arkiv", "a ZIP archive")
    try:
        return _read_workbook(zf, wb_part)
    except _Refused:
        raise
    except Exception as e:  # a damaged or unusual workbook: say so rather than crash
        raise _Refused(_file_problem(f"projektmappen kan ikke læses: {type(e).__name__}: {e}",
                                     f"the workbook cannot be read: {type(e).__name__}: {e}")) from None


def _read_workbook(zf: zipfile.ZipFile, wb_part: str) -> _Table:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

    rels = _rels(zf, wb_part)
    root = ET.fromstring(zf.read(wb_part))
    sheets: list[tuple[str, str]] = []
    epoch = WINDOWS_EPOCH
    for el in root.iter():
        name = _local(el.tag)
        if name == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
            if rid in rels:
                sheets.append((el.get("name", ""), rels[rid][1]))
        elif name == "workbookPr" and el.get("date1904", "").lower() in ("1", "true"):
            epoch = MAC_EPOCH
    if not sheets:
        raise _Refused(_file_problem("projektmappen har ingen ark", "the workbook has no sheets"))
    sheet_name, sheet_part = next(((n, p) for n, p in sheets if n.strip().casefold() == "data"), sheets[0])

    shared: list[str] = []
    styles_part = None
    for typ, target in rels.values():
        if typ == "sharedStrings" and target in zf.namelist():
            with zf.open(target) as f:
                for _ev, el in ET.iterparse(f):
                    if _local(el.tag) == "si":
                        shared.append(_rich_text(el))
                        el.clear()
        elif typ == "styles":
            styles_part = target
    date_styles: set[int] = set()
    if styles_part and styles_part in zf.namelist():
        sroot = ET.fromstring(zf.read(styles_part))
        custom: dict[int, str] = {}
        xf_formats: list[int] = []
        for el in sroot.iter():
            name = _local(el.tag)
            if name == "numFmt":
                custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
            elif name == "cellXfs":
                xf_formats = [int(x.get("numFmtId", "0")) for x in el if _local(x.tag) == "xf"]
        for i, fid in enumerate(xf_formats):
            code = custom.get(fid) or BUILTIN_FORMATS.get(fid)
            if code and is_date_format(code):
                date_styles.add(i)
    if sheet_part not in zf.namelist():
        raise _Refused(_file_problem(f"arket {sheet_name!r} mangler i projektmappen",
                                     f"sheet {sheet_name!r} is missing from the workbook"))

    col_cache: dict[str, int] = {}
    rows: list[tuple[int, list[object]]] = []
    row_no = 0
    with zf.open(sheet_part) as f:
        for _ev, row_el in ET.iterparse(f):
            if _local(row_el.tag) != "row":
                continue
            r = row_el.get("r")
            row_no = int(r) if r else row_no + 1
            cells: list[object] = []
            next_col = 0
            for c in row_el:
                if _local(c.tag) != "c":
                    continue
                ref = c.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    col = col_cache.get(letters)
                    if col is None:
                        col = col_cache[letters] = _col_index(letters)
                else:
                    col = next_col
                next_col = col + 1
                t = c.get("t", "n")
                v: str | None = None
                inline = None
                formula: str | None = None
                for child in c:
                    cn = _local(child.tag)
                    if cn == "v":
                        v = child.text
                    elif cn == "is":
                        inline = child
                    elif cn == "f":
                        formula = child.text or ""
                value: object
                if t == "s":
                    value = shared[int(v)] if v is not None else None
                elif t == "inlineStr":
                    value = _rich_text(inline) if inline is not None else None
                elif t == "str":
                    value = _xl_unescape(v or "")
                elif t == "b":
                    value = (v or "").strip() in ("1", "true")
                elif t == "e":
                    value = _CellError(v or "#ERROR", formula)
                elif t == "d":
                    try:
                        value = dt.datetime.fromisoformat((v or "").rstrip("Z"))
                    except ValueError:
                        value = v
                elif v is None or v == "":
                    value = _CellError("", formula) if formula is not None else None
                else:
                    num: int | float = int(v) if re.fullmatch(r"-?\d+", v) else float(v)
                    s = c.get("s")
                    value = from_excel(num, epoch) if s and int(s) in date_styles else num
                if col >= len(cells):
                    cells.extend([None] * (col - len(cells) + 1))
                cells[col] = value
            row_el.clear()
            if any(x is not None and (not isinstance(x, str) or x.strip()) for x in cells):
                rows.append((row_no, cells))
    if not rows:
        raise _Refused(Message("empty", f"arket {sheet_name!r} er tomt", f"the sheet {sheet_name!r} is empty", row=1))
    header_row, header = rows[0]
    return _Table(header=header, rows=rows[1:], kind=f"xlsx {sheet_name}", csv=False, header_row=header_row)


# ---------------------------------------------------------------- validation


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _check_one(item: Item, raw: object, unescape: bool) -> tuple[str | None, ValueProblem | None]:
    if isinstance(raw, _CellError):
        da, en = raw.reason()
        return None, ValueProblem(*_allowed(item), reason_da=da, reason_en=en)
    if unescape and isinstance(raw, str):
        raw = csv_unescape(raw)
    value, problem = check_value(item, raw)
    if value is not None and item.code == "site":
        value = value.strip()  # the store strips site names (store.ensure_site)
    if value is not None and item.code in MAX_LENGTH and len(value) > MAX_LENGTH[item.code]:
        n = MAX_LENGTH[item.code]
        return None, ValueProblem(f"tekst (højst {n} tegn)", f"text (at most {n} characters)",
                                  f"{len(value)} tegn er for langt", f"{len(value)} characters is too long")
    return value, problem


def _key(raw: object) -> object:
    # 1 == 1.0 == True in a dict: keep the type in the key for anything but text
    return raw if raw is None or type(raw) is str else (type(raw), raw)


@dataclass
class _Checked:
    frame: pd.DataFrame
    problems: list[Message]
    warnings: list[Message]


def _validate(guide: Guide, table: _Table, *, store_ids: set[str], store_sites: Mapping[str, str],
              replace: bool) -> _Checked:
    problems: list[Message] = []
    warnings: list[Message] = []
    hr = table.header_row
    width = max([len(table.header)] + [len(r) for _n, r in table.rows])
    rows = [(n, r) for n, r in table.rows if any(not _blank(x) for x in r)]
    row_numbers = [n for n, _r in rows]
    columns: list[tuple[object, ...]] = (list(zip(*[r + [None] * (width - len(r)) for _n, r in rows]))
                                         if rows else [()] * width)

    # --- header: known, unknown, duplicate, unnamed and missing columns
    exact = {c: c for c in guide.codes}
    folded = {c.casefold(): c for c in guide.codes}
    colmap: dict[str, int] = {}
    heads: dict[str, str] = {}  # code -> heading as written in the file
    for j in range(width):
        head = table.header[j] if j < len(table.header) else None
        text = "" if head is None else str(head).strip()
        if not text:
            filled = [row_numbers[i] for i, x in enumerate(columns[j]) if not _blank(x)]
            if filled:
                problems.append(Message(
                    "unnamed_column", f"kolonnen har ingen overskrift, men har værdier (fx række {filled[0]}) — "
                    f"skriv koden fra spørgeguiden i række {hr} eller slet kolonnen",
                    f"the column has no heading but has values (e.g. row {filled[0]}) — write the guide's code "
                    f"in row {hr} or delete the column", row=hr, column=_col_letter(j)))
            continue
        code = exact.get(text) or folded.get(text.casefold())
        if code is None:
            close = difflib.get_close_matches(text.casefold(), list(folded), n=1, cutoff=0.75)
            hint_da = f" — mente du {folded[close[0]]}?" if close else ""
            hint_en = f" — did you mean {folded[close[0]]}?" if close else ""
            problems.append(Message(
                "unknown_column", f"ukendt kolonne{hint_da} — tilladt: spørgeguidens koder "
                f"({guide.form_id} {guide.version}: respondent_id, site, site_type, …)",
                f"unknown column{hint_en} — allowed: the guide's codes "
                f"({guide.form_id} {guide.version}: respondent_id, site, site_type, …)", row=hr, column=_show(text)))
            continue
        if code in colmap:
            problems.append(Message(
                "duplicate_column", f"kolonnen står to gange (kolonne {_col_letter(colmap[code])} og "
                f"{_col_letter(j)}) — hver kode må kun stå én gang",
                f"the column appears twice (columns {_col_letter(colmap[code])} and {_col_letter(j)}) — "
                "each code may appear only once", row=hr, column=text))
            continue
        colmap[code] = j
        heads[code] = text
    for code in REQUIRED_COLUMNS:
        if code not in colmap:
            problems.append(Message(
                "missing_column", "kolonnen mangler — påkrævede kolonner: " + ", ".join(REQUIRED_COLUMNS),
                "the column is missing — required columns: " + ", ".join(REQUIRED_COLUMNS), row=hr, column=code))
    for code, item in guide.items.items():
        if item.required and code not in REQUIRED_COLUMNS and code not in colmap:
            warnings.append(Message(
                "guide_required", "kolonnen mangler; spørgeguiden kræver et svar — importeres som ikke besvaret",
                "the column is missing; the guide requires an answer — imported as not answered",
                row=hr, column=code))
    if not rows:
        problems.append(Message("empty", "filen har ingen respondenter (kun overskriftsrækken)",
                                "the file has no respondents (only the header row)", row=hr + 1))

    # --- cells, column by column: each distinct value is checked once
    n = len(rows)
    canon: dict[str, list[str | None]] = {}
    for code, j in colmap.items():
        item = guide.item(code)
        col = columns[j]
        keys = list(col) if table.csv else [_key(x) for x in col]  # CSV cells are all str
        checked: dict[object, tuple[str | None, ValueProblem | None]] = {}
        for k, raw in zip(keys, col):
            if k not in checked:
                checked[k] = _check_one(item, raw, table.csv)
        values = [checked[k][0] for k in keys]
        canon[code] = values
        if any(p is not None for _v, p in checked.values()):
            for i, k in enumerate(keys):
                vp = checked[k][1]
                if vp is not None:
                    problems.append(_value_problem(row_numbers[i], heads[code], col[i], vp))
        if code in REQUIRED_COLUMNS:
            for i, k in enumerate(keys):
                if values[i] is None and checked[k][1] is None:
                    problems.append(Message("required", "skal udfyldes — tilladt: " + _allowed(item)[0],
                                            "must be filled in — allowed: " + _allowed(item)[1],
                                            row=row_numbers[i], column=heads[code], show_value=True))
        elif item.required and n:
            blank_rows = tuple(row_numbers[i] for i, v in enumerate(values)
                               if v is None and checked[keys[i]][1] is None)
            if blank_rows:
                k = len(blank_rows)
                warnings.append(Message(
                    "guide_required", f"{k} {'tom celle' if k == 1 else 'tomme celler'}; spørgeguiden kræver et "
                    "svar — importeres som ikke besvaret",
                    f"{k} blank {'cell' if k == 1 else 'cells'}; the guide requires an answer — imported as not "
                    "answered", rows=blank_rows, column=heads[code]))

    # --- respondent ids: unique in the file, new to the store unless replace
    if "respondent_id" in canon:
        first_row: dict[str, int] = {}
        for i, rid in enumerate(canon["respondent_id"]):
            if rid is None:
                continue
            if rid in first_row:
                problems.append(Message(
                    "duplicate_id", f"står også i række {first_row[rid]} — respondent_id skal være unik",
                    f"also in row {first_row[rid]} — respondent_id must be unique",
                    row=row_numbers[i], column=heads["respondent_id"], value=_show(rid), show_value=True))
            else:
                first_row[rid] = row_numbers[i]
            if rid in store_ids and not replace:
                problems.append(Message(
                    "exists", "findes allerede i databasen — brug --replace for at erstatte respondenten",
                    "already in the store — use --replace to replace the respondent",
                    row=row_numbers[i], column=heads["respondent_id"], value=_show(rid), show_value=True))

    # --- sites: one type per site, agreeing with the store
    if "site" in canon and "site_type" in canon:
        seen: dict[str, tuple[str, int]] = {}
        for i, (site, stype) in enumerate(zip(canon["site"], canon["site_type"])):
            if site is None or stype is None:
                continue
            if site in store_sites:
                if store_sites[site] != stype:
                    problems.append(Message(
                        "site_type", f"stedet {site} er registreret som {store_sites[site]} i databasen — "
                        f"tilladt: {store_sites[site]}",
                        f"the site {site} is registered as {store_sites[site]} in the store — "
                        f"allowed: {store_sites[site]}",
                        row=row_numbers[i], column=heads["site_type"], value=_show(stype), show_value=True))
            elif site in seen and seen[site][0] != stype:
                problems.append(Message(
                    "site_type", f"stedet {site} har site_type {seen[site][0]} i række {seen[site][1]} — "
                    "et sted har én type",
                    f"the site {site} has site_type {seen[site][0]} in row {seen[site][1]} — a site has one type",
                    row=row_numbers[i], column=heads["site_type"], value=_show(stype), show_value=True))
            else:
                seen.setdefault(site, (stype, row_numbers[i]))

    # --- skip logic: a warning, never a refusal (instrument.md)
    for code in colmap:
        item = guide.item(code)
        if item.relevant_ast is None:
            continue
        refs = sorted(expr.references(item.relevant_ast))
        ref_cols = [canon.get(r, [None] * n) for r in refs]
        verdict: dict[tuple[str | None, ...], bool] = {}
        off: list[int] = []
        for i, v in enumerate(canon[code]):
            if v is None:
                continue
            k = tuple(c[i] for c in ref_cols)
            if k not in verdict:
                verdict[k] = expr.evaluate(item.relevant_ast, dict(zip(refs, k)))
            if not verdict[k]:
                off.append(row_numbers[i])
        if off:
            warnings.append(Message(
                "relevance", f"{len(off)} svar, selvom spørgsmålet efter guiden ikke stilles her "
                f"({item.relevant} er ikke opfyldt) — importeret alligevel",
                f"{len(off)} {'answer' if len(off) == 1 else 'answers'} although the guide does not ask the "
                "question here "
                f"({item.relevant} does not hold) — imported anyway", rows=tuple(off), column=heads[code]))

    frame = pd.DataFrame({c: canon.get(c, [None] * n) for c in guide.codes}, columns=guide.codes, dtype=object)
    problems.sort(key=lambda m: m.row or 0)  # stable: by row, then in the order found (column order)
    return _Checked(frame, problems, warnings)


def _store_state(engine: Engine) -> tuple[set[str], dict[str, str]]:
    with Session(engine) as s:
        ids = set(s.execute(select(Interview.respondent_id)).scalars())
        sites = {name: stype for name, stype in s.execute(select(Site.name, Site.site_type))}
    return ids, sites


def _check(engine: Engine, guide: Guide, data: bytes, replace: bool) -> tuple[ImportResult, pd.DataFrame | None]:
    result = ImportResult()
    try:
        table = _read_table(data, guide)
    except _Refused as r:
        result.problems.append(r.message)
        return result, None
    result.file_kind = table.kind
    store_ids, store_sites = _store_state(engine)
    checked = _validate(guide, table, store_ids=store_ids, store_sites=store_sites, replace=replace)
    result.problems, result.warnings, result.rows = checked.problems, checked.warnings, len(checked.frame)
    return result, checked.frame


def _read_path(path: str | os.PathLike) -> bytes | Message:
    p = Path(path)
    if p.is_dir():
        return _file_problem(f"{p} er en mappe, ikke en fil", f"{p} is a folder, not a file")
    return p.read_bytes()  # FileNotFoundError is the caller's to report


def check_bytes(engine: Engine, guide: Guide, data: bytes, *, replace: bool = False) -> ImportResult:
    """Check file content as `import_bytes` would, writing nothing (for a preview)."""
    return _check(engine, guide, data, replace)[0]


def check_file(engine: Engine, guide: Guide, path: str | os.PathLike, *, replace: bool = False) -> ImportResult:
    """Check a file as `import_file` would, writing nothing."""
    data = _read_path(path)
    if isinstance(data, Message):
        return ImportResult(problems=[data])
    return check_bytes(engine, guide, data, replace=replace)


def import_bytes(engine: Engine, guide: Guide, data: bytes, *, replace: bool = False,
                 who: str | None = None) -> ImportResult:
    """Check and import wide-format content (CSV or XLSX bytes): all rows, or none."""
    result, frame = _check(engine, guide, data, replace)
    if result.problems or frame is None:
        return result
    try:
        with session_scope(engine) as s:
            result.written = insert_wide(s, guide, frame, replace=replace, source="import", who=who)
    except StoreError as e:  # the store changed since the check (another import running)
        result.problems.append(_file_problem(str(e), str(e)))
        result.written = 0
    return result


def import_file(engine: Engine, guide: Guide, path: str | os.PathLike, *, replace: bool = False,
                who: str | None = None) -> ImportResult:
    """Check and import a wide CSV/XLSX file: every row or, if anything is wrong, none.

    Returns an ImportResult: `problems` (each names row, column, value and what is allowed;
    any problem means nothing was written), `warnings` and the number of rows `written`.
    """
    data = _read_path(path)
    if isinstance(data, Message):
        return ImportResult(problems=[data])
    return import_bytes(engine, guide, data, replace=replace, who=who)


# ---------------------------------------------------------------- export
#
# Every file is written by survey.files (atomic, owner-only 0600, the folder must exist) and every
# cell by its one rule (CSV: formula escaping, blanks empty; XLSX: text is always a string).


def _rows(df: pd.DataFrame, codes: Sequence[str]) -> Iterator[tuple[object, ...]]:
    frame = df.reindex(columns=list(codes)).astype(object)
    frame = frame.where(frame.notna(), None)
    return frame.itertuples(index=False, name=None)


def write_csv(df: pd.DataFrame, guide: Guide, path: str | os.PathLike) -> None:
    """Write a canonical wide frame as CSV: UTF-8 with BOM, comma, CRLF, formula-safe
    (`survey.files.write_csv`; numbers and dates of the guide's number/date items as they are)."""
    codes = guide.codes
    plain = [j for j, c in enumerate(codes) if guide.item(c).type in _NOT_ESCAPED]
    files.write_csv(path, _rows(df, codes), codes, plain=plain)


# Kept importable for older callers; the rule lives in survey.files.
_xl_fragments = files.xlsx_fragments
_utf16_len = files.utf16_len


def _xl_number(item: Item, value: str) -> int | float | None:
    """The number to write for an integer/decimal value, if it reads back exactly."""
    try:
        d = Decimal(value)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    if item.type == "integer":
        return int(d) if d == d.to_integral_value() and abs(d) < 10**15 else None
    f = float(d)
    back = float(f"{f:.16G}")  # how xlsxwriter writes a number
    return f if check_value(item, back)[0] == value else None


def write_xlsx(df: pd.DataFrame, guide: Guide, path: str | os.PathLike) -> None:
    """Write a canonical wide frame as XLSX: sheet "Data", strings never formulas/URLs
    (`survey.files.xlsx_text`), written by `survey.files.write_atomic`."""
    import xlsxwriter

    files.check_target(path)  # a missing folder is refused before the work
    codes = guide.codes
    items = [guide.item(c) for c in codes]
    numeric = [it.type in _NUMERIC for it in items]
    rows = list(_rows(df, codes))

    # Refuse what a spreadsheet cell cannot hold, before writing anything. The message names the
    # row and the column, never the respondent id or the text.
    for i, row in enumerate(rows, start=2):
        for code, v in zip(codes, row):
            if isinstance(v, str) and len(v) > XLSX_MAX_CHARS // 2 and files.utf16_len(v) > XLSX_MAX_CHARS:
                raise WideIOError(
                    f"Række {i}, kolonne {code}: {files.utf16_len(v)} tegn er mere, end en Excel-celle kan rumme "
                    f"({XLSX_MAX_CHARS}) — eksportér som CSV i stedet.")

    def write(f) -> None:
        wb = xlsxwriter.Workbook(f, {**files.XLSX_OPTIONS, "in_memory": True})
        wb.set_properties({"title": guide.title, "subject": "Brugerblik: bredt format",
                           "comments": f"Spørgeguide {guide.form_id} version {guide.version}"})
        ws = wb.add_worksheet("Data")
        bold = wb.add_format({"bold": True})
        plain = wb.add_format()  # a rich string needs a format token before its first fragment
        for j, code in enumerate(codes):
            ws.write_string(0, j, code, bold)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                if files.is_blank(v):
                    continue
                s = str(v)
                if numeric[j]:
                    num = _xl_number(items[j], s)
                    if num is not None:
                        ws.write_number(i, j, num)
                        continue
                rc = files.xlsx_text(ws, i, j, s, plain_fmt=plain)
                if rc != 0:  # pragma: no cover - guarded above
                    raise WideIOError(f"Række {i + 1}, kolonne {codes[j]}: værdien kan ikke skrives til XLSX "
                                      f"(kode {rc}).")
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, max(len(rows), 1), len(codes) - 1)
        for j, (code, it) in enumerate(zip(codes, items)):
            ws.set_column(j, j, 40 if it.type == "text" and it.role != "meta" else max(10, min(len(code) + 2, 24)))
        wb.close()

    files.write_atomic(path, write)


# Text columns an anonymised export leaves alone: the pseudonym and the site (an analysis variable).
UNMASKED_TEXT = ("respondent_id", "site")


def mask_free_text(df: pd.DataFrame, guide: Guide, engine: Engine | None) -> pd.DataFrame:
    """A copy with every free-text cell (and the interviewer's name) anonymised."""
    from coding.anonymise import export_masker

    mask = export_masker(engine)
    out = df.copy()
    for code in out.columns:
        if code in guide.items and guide.item(code).type == "text" and code not in UNMASKED_TEXT:
            out[code] = [mask(v) for v in out[code]]
    return out


def export_file(engine: Engine, guide: Guide, path: str | os.PathLike, *, anonymised: bool = True) -> int:
    """Export every respondent in the store to FILE.csv or FILE.xlsx; returns the row count.

    Free text is anonymised by default (names, CPR, phone, addresses, places → [navn] …), as
    everything that leaves the research team is. The file is written by `survey.files`: atomic,
    owner-only (0600), blanks as empty cells; a missing folder is refused, never created. `anonymised=False` (CLI: --umaskeret) gives the
    exact data, for the team's own round trips: import(export(x, anonymised=False)) == x.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise WideIOError(f"Ukendt filtype {suffix or '(ingen)'!r} for {path} — tilladt: .csv eller .xlsx")
    files.check_target(path)  # a missing folder is refused before the work (survey.files: never created)
    df = load_wide(engine, guide)
    if anonymised:
        df = mask_free_text(df, guide, engine)
    (write_csv if suffix == ".csv" else write_xlsx)(df, guide, path)
    return len(df)

