"""Import and export of the wide one-row-per-respondent format (CSV or XLSX).

The columns are the guide's codes (``instrument.md``); one row per respondent; a blank cell
means "not asked / not recorded".

Import (`import_file`, `import_bytes`, `check_file`, `check_bytes`) is all or nothing:

* The file type is found from its content, not its name: an XLSX workbook (the sheet called
  "Data" if there is one, else the first sheet), or a CSV text separated by ``,``, ``;`` or tab
  (the separator that makes the most header cells known codes wins; an Excel ``sep=;`` first
  line is honoured). Anything else (an image, a PDF, an old .xls, an .ods …) is refused with a
  message saying what it looks like. A file over `MAX_FILE_BYTES` (512 MB) is refused before it
  is read.
* **Encodings** (CSV). A UTF-16 byte-order mark means UTF-16. Otherwise the file is taken as
  UTF-8 when it has a UTF-8 byte-order mark or any valid UTF-8 multi-byte sequence (æ, ø, å, —
  …); such a file with one invalid byte is *refused*, with the row, the column and the byte
  position of the first problem — never re-read as something else. Only a file with no valid
  UTF-8 multi-byte sequence at all (and non-ASCII bytes) is read as Windows-1252 (cp1252, what
  Danish Excel writes as "CSV"), and then with a warning saying so. ``encoding="NAME"`` (CLI:
  ``brugerblik import --encoding NAME``) forces an encoding; bytes invalid in it are refused the
  same way.
* **Archives**: an XLSX is checked against `survey.archives.XLSX` (member count, declared size,
  compression ratio) before anything in it is inflated, and its parts are read through the
  capped reader and parsed by a streaming XML parser (expat, no DOCTYPE allowed) that keeps only
  the current row and the shared strings (compactly, as UTF-8).
* **Memory**: the file is read and checked row by row and written to the store in batches of
  `_BATCH` rows in one transaction that is rolled back if any problem turns up — never a table
  of every cell. `import_file`/`check_file` read the file from disk as a stream (a few passes:
  encoding, header, rows), so a CSV of any size costs about the interpreter's own memory (a
  258 MB CSV peaks at 1.2× its size, the code before at 11×: docs/benchmarks.md);
  `import_bytes`/`check_bytes` hold the bytes they are given and no more.
* Every cell is checked against the guide by `survey.guide.check_value` (types, choices,
  ranges); for codes, numbers and dates once per distinct value of a column.
* The required columns are ``respondent_id``, ``site`` and ``site_type`` (the store cannot
  hold a respondent without them); their cells must be filled in every row. Items the guide
  marks *required* for the interviewer (``gender``, ``age`` …) only give a warning when their
  column is missing or has blanks: researchers' spreadsheets and older data may lack them.
* ``respondent_id`` must be unique in the file and must not already be in the store (unless
  ``replace``); a value that looks like a CPR number is refused.
* Unknown columns, duplicate columns and values under an empty heading are problems; a site
  already in the store (or earlier in the file) with another ``site_type`` is a problem.
* A value whose item's ``relevant`` condition is false is imported and gives a warning.
* Values are stored as given: a blank ``brugergruppe`` stays blank (the tables derive it).

Every problem names the spreadsheet row the user sees (the header is row 1), the column and
what is allowed: ``række 3, kolonne age: værdi 200 — tilladt: heltal 16–110`` (Danish) or
``row 3, column age: value 200 — allowed: whole number 16–110`` (English). **Messages never
quote free text or identifiers**: the value is shown only for closed types (choices, numbers,
dates) that the guide does not mark as identifying (column ``brugerblik_identifikator``: a date
of birth marked ``ja`` is never shown), on one line and at most 16 characters, and hidden as
«…skjult» when it looks like a CPR number, a phone number (eight digits, also spaced: «20 30 40
50»), an e-mail or a name («Hans Hansen»), or has letters in a number or date field
(`survey.guide.shown_value`); a free-text cell or a respondent id is never shown. A single name in
small letters in a choice cell («mette») cannot be told from a code and is shown. If there is
any problem nothing is written. At most `_MAX_PROBLEMS` problems are listed (then a count of
the rest).

Export (`exports.raw.export_file`, with `write_csv` / `write_xlsx` here) writes the same format: CSV in UTF-8 with BOM, comma-separated, CRLF
line ends, header = the guide's codes in guide order; or XLSX with one sheet "Data", a bold
header row, frozen panes and an autofilter.

Exports never turn user text into spreadsheet formulas. In XLSX every text cell is written
as a string (never as a formula, URL or number; integer and decimal items are written as
numbers when the number reads back exactly). In CSV a cell that a spreadsheet reads as a formula
(`survey.files.reads_as_formula`: it starts with ``=``, ``+``, ``-``, ``@``, tab or CR, or one of
``= + - @`` or their full-width forms comes first after blanks and invisible characters) gets a
leading ``'``, and a cell that already starts with ``'`` followed by such a text (or by another
``'``) gets one more ``'``; import strips one such leading ``'``. The two maps are inverse (`csv_escape`,
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
import zipfile
from array import array
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence
from xml.parsers import expat

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from survey import archives, expr
from survey.guide import (CLOSED_TYPES, CPR_RE, HIDDEN_DA, HIDDEN_EN, Guide, Item, ValueProblem, allowed_text,
                          check_value, shown_value)
from survey.models import Interview, Site
from survey.store import StoreError, insert_wide, stored_id_forms
from survey.text import PIECE, first_bad_bytes, pieces_of, utf8_or_cp1252

__all__ = [
    "REQUIRED_COLUMNS", "FORMULA_START", "MAX_FILE_BYTES", "Message", "ImportResult", "WideIOError",
    "csv_escape", "csv_unescape", "import_file", "import_bytes", "check_file", "check_bytes",
    "write_csv", "write_xlsx",
]

# Columns every import file must have, with a value in every row.
REQUIRED_COLUMNS: tuple[str, ...] = ("respondent_id", "site", "site_type")
# Lengths the store's columns hold (survey.models); longer values are refused.
MAX_LENGTH: Mapping[str, int] = {"site": 200, "interviewer": 200}
#: the mark of what was made with the drafts counted (issue 14: `--med-kladder`); a workbook whose
#: document description carries it is refused by the import (its Data sheet mixes drafts in)
DRAFTS_MARK = "MED KLADDER"

# A CSV cell starting with one of these is read by spreadsheets as a formula.
# Item types whose cells are numbers or dates: never escaped in CSV, numbers in XLSX.
_NUMERIC = ("integer", "decimal")
_NOT_ESCAPED = ("integer", "decimal", "date")
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell (UTF-16 code units)
_SHOW_MAX = 40  # characters of a heading or a site name shown in a message
_LIST_ROWS = 10  # rows listed in a warning before "…"
#: The largest file `import_file`/`import_bytes` read (CSV or XLSX); bigger ones are refused unread.
MAX_FILE_BYTES = 512 * archives.MIB
_CELL_MAX_CHARS = 1_000_000  # one cell (Excel's own limit is 32,767; the guide allows 100,000)
_XL_MAX_COLUMNS = 16_384  # Excel's last column, XFD (a CSV row is held to it too)
MAX_ROWS = 1_048_575  # data rows of a CSV, as in Excel (1,048,576 rows with the header): bounds time and memory
_XL_MAX_PARTS = 100_000  # relationships, sheets, number formats or cell formats in one part
_BATCH = 1_000  # rows written to the store at a time (inside the one transaction)
_CACHE_MAX = 20_000  # distinct values remembered per column
_MAX_PROBLEMS = 100_000  # problems kept in an ImportResult; the rest are counted
_XML_CHUNK = 1 << 14  # bytes fed to the XML parser at a time


class WideIOError(StoreError):
    """An export that cannot be written (unknown file type, a value a spreadsheet cannot hold)."""


# ---------------------------------------------------------------- messages


@dataclass(frozen=True)
class Message:
    """One problem or warning, with Danish and English text.

    `row` is the spreadsheet row the user sees (header = 1), `rows` several rows (warnings
    about a whole column), `column` the column as headed in the file (or its letter when the
    heading is empty or is not a code), `value` the refused cell as a message may show it
    (closed types only, shortened; see `survey.guide.shown_value`), `masked` when the value
    exists but is hidden («…skjult»); `kind` says which check it is, for programs.
    """
    kind: str
    text_da: str
    text_en: str
    row: int | None = None
    rows: tuple[int, ...] = ()
    column: str | None = None
    value: str | None = None
    show_value: bool = False
    masked: bool = False  # the value is not shown: it looked like a CPR number, a name, free text …

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
            if self.masked:
                shown = HIDDEN_EN if en else HIDDEN_DA
            else:
                shown = self.value if self.value is not None else ("(blank)" if en else "(tom)")
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
    """A heading or a site name as a message shows it: one line, shortened, CPR-like digits
    hidden. Never used for cell values (see `survey.guide.shown_value`)."""
    if raw is None:
        return None
    s = " ".join(str(raw).split())
    if not s:
        return None
    s = CPR_RE.sub("xxxxxx-xxxx", s)
    return s if len(s) <= _SHOW_MAX else s[:_SHOW_MAX - 1] + "…"


def _value_problem(row: int, column: str, raw: object, vp: ValueProblem, item: Item | str) -> Message:
    """A refused cell: row, column and what is allowed; the value only for a closed type the guide
    does not mark as identifying (`survey.guide.shown_value`), masked."""
    shown, hidden = shown_value(item, raw)
    item_type = item.type if isinstance(item, Item) else item
    return Message("value", vp.text("da"), vp.text("en"), row=row, column=column, value=shown,
                   show_value=item_type in CLOSED_TYPES and (shown is not None or hidden), masked=hidden)


def _da_int(n: int) -> str:
    """A count as Danish writes it: 200.000."""
    return f"{n:,}".replace(",", ".")


def _file_problem(da: str, en: str, row: int | None = None, column: str | None = None,
                  kind: str = "file") -> Message:
    return Message(kind, da, en, row=row, column=column)


_CODE_LIKE = re.compile(r"[\wæøåÆØÅ.-]{1,40}")


def _heading(text: str, j: int) -> str:
    """How a message names a column: its heading when it looks like a code, else its letter (a
    heading row that is really a respondent's row must not be quoted)."""
    return text if _CODE_LIKE.fullmatch(text) and not CPR_RE.search(text) else col_letter(j)


# ---------------------------------------------------------------- CSV formula escaping


# The one rule for every CSV the tool writes and reads lives in survey.files (csv_escape,
# csv_unescape, FORMULA_START); the names stay importable from here.
from survey import files  # noqa: E402
from survey.files import FORMULA_START, csv_escape, csv_unescape  # noqa: E402


# ---------------------------------------------------------------- reading files


@dataclass
class _Table:
    """A sheet as read: header cells, and the data rows below it with their spreadsheet row
    numbers — an iterator, read once while the rows are checked (nothing holds every row)."""
    header: list[object]
    rows: Iterator[tuple[int, list[object]]]
    kind: str
    csv: bool  # cells are CSV text: undo the formula escaping
    header_row: int = 1
    warnings: list[Message] = field(default_factory=list)  # about the whole file (e.g. its encoding)


class Refused(Exception):
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
_NONBLANK = re.compile(rb"[^ \t\r\n\x00]")
_NUL = re.compile(rb"\x00")


def _not_table(what_da: str, what_en: str) -> Refused:
    return Refused(_file_problem(f"filen er hverken CSV eller XLSX (den ligner {what_da}) — {_SAVE_AS_DA}",
                                  f"the file is neither CSV nor XLSX (it looks like {what_en}) — {_SAVE_AS_EN}"))


def too_big_message(n: int) -> Message:
    return _file_problem(f"filen fylder {archives.mb_text(n)}; højst {archives.mb_text(MAX_FILE_BYTES)} kan "
                         "importeres ad gangen — del den op i flere filer",
                         f"the file is {n:,} bytes; at most {MAX_FILE_BYTES:,} can be imported at a time — "
                         "split it into several files", kind="too_big")


class _Input:
    """The file being imported: bytes in memory (an upload), or a file on disk that is read in
    pieces and never held whole — it is read a few times (encoding, header, rows), each time as a
    stream, so a big CSV costs little more than the interpreter itself."""

    def __init__(self, data: bytes | None = None, path: Path | None = None):
        self.data, self.path = data, path
        self.size = len(data) if data is not None else path.stat().st_size

    def source(self) -> bytes | Path:
        return self.data if self.data is not None else self.path

    def open(self) -> io.BufferedIOBase:
        """A binary stream from the start (io.BytesIO shares the bytes: no copy)."""
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")

    def head(self, n: int) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with self.open() as f:
            return f.read(n)

    def pieces(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes | memoryview]]:
        """(offset, bytes) in 1 MiB pieces from `start` to `end`."""
        stop = self.size if end is None else min(end, self.size)
        if self.data is not None:
            for pos, piece in pieces_of(memoryview(self.data)[:stop], start):
                yield pos, piece
            return
        with self.open() as f:
            f.seek(start)
            pos = start
            while pos < stop:
                piece = f.read(min(PIECE, stop - pos))
                if not piece:
                    return
                yield pos, piece
                pos += len(piece)

    def prefix(self, end: int) -> io.BufferedIOBase:
        """A binary stream of the first `end` bytes."""
        return io.BufferedReader(_Prefix(self.open(), end))

    def count(self, byte: bytes, end: int) -> int:
        return sum(bytes(piece).count(byte) for _pos, piece in self.pieces(0, end))

    def find(self, pattern: re.Pattern, start: int = 0) -> bool:
        """Does `pattern` (at most a few bytes long) match anywhere from `start`?"""
        tail = b""
        for _pos, piece in self.pieces(start):
            b = bytes(piece)
            if pattern.search(tail + b):
                return True
            tail = b[-8:]
        return False


class _Prefix(io.RawIOBase):
    def __init__(self, raw: io.BufferedIOBase, end: int):
        self._raw, self._left = raw, end

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self._raw.read(min(len(b), self._left)) if self._left > 0 else b""
        self._left -= len(data)
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def read_table(data: bytes | _Input, guide: Guide, encoding: str | None = None) -> _Table:
    inp = data if isinstance(data, _Input) else _Input(data=data)
    if inp.size > MAX_FILE_BYTES:
        raise Refused(too_big_message(inp.size))
    head = inp.head(65_536)
    start = 0
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom, start):
            start += len(bom)
    if not inp.find(_NONBLANK, start):
        raise Refused(Message("empty", "filen er tom — forventet: en overskriftsrække med kolonnenavnene fra "
                               "spørgeguiden og én række pr. respondent",
                               "the file is empty — expected: a header row with the guide's codes and one row "
                               "per respondent", row=1))
    if head[:4] == b"PK\x03\x04":
        return _read_xlsx(inp)
    for magic, da, en in _MAGIC:
        if head.startswith(magic):
            raise _not_table(da, en)
    return _read_csv(inp, guide, encoding)


# ---- CSV: encodings

def _text_stream(raw: io.BufferedIOBase, codec: str) -> io.TextIOWrapper:
    """A binary stream as text, decoded as it is read."""
    return io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")


def _sep_line(head: str) -> tuple[str | None, int]:
    """(delimiter, characters to skip) of an Excel ``sep=;`` first line, else (None, 0)."""
    first_nl = head.find("\n")
    m = re.fullmatch(r"\s*sep=(.)\s*", head if first_nl < 0 else head[:first_nl])
    if not m:
        return None, 0
    return m.group(1), (len(head) if first_nl < 0 else first_nl + 1)


def _normal_header(cell: object) -> str:
    return str(cell).strip().casefold() if cell is not None else ""


def _sniff(first: str, guide: Guide) -> str:
    """The separator that makes the most cells of the header line known codes."""
    known = {c.casefold() for c in guide.codes}
    best: tuple[int, int, int] | None = None
    delimiter = ","
    for rank, d in enumerate((",", ";", "\t")):
        try:
            cells = next(csv.reader([first], delimiter=d), [])
        except csv.Error:  # e.g. a line break inside a quoted heading: the full read says so
            cells = []
        score = (sum(_normal_header(c) in known for c in cells), len(cells), -rank)
        if best is None or score > best:
            best, delimiter = score, d
    return delimiter


def _first_line(f: io.TextIOBase) -> str:
    for line in f:
        if line.strip():
            return line.rstrip("\r\n")
    return ""


def _locate(inp: _Input, codec: str, start: int, guide: Guide) -> tuple[int, str | None]:
    """(spreadsheet row, column) of the byte at `start`: the CSV records before it are read
    (decoded as a stream, nothing kept but the header) with the file's separator."""
    mark = "\ue000"
    with _text_stream(inp.prefix(start), codec) as f:
        head = f.read(65_536)
    delimiter, skip = _sep_line(head)
    with _text_stream(inp.prefix(start), codec) as f:
        f.read(skip)
        if delimiter is None:
            delimiter = _sniff(_first_line(f), guide)
    with _text_stream(inp.prefix(start), codec) as f:
        f.read(skip)
        lines = _chain_mark(f, mark)
        header: list[str] | None = None
        row, last = 0, [""]
        try:
            for rec in csv.reader(lines, delimiter=delimiter, strict=False):
                row += 1
                last = rec
                if header is None and any(c.strip() for c in rec) and not any(mark in c for c in rec):
                    header = rec
        except csv.Error:
            return row + 1, None
    j = max(len(last) - 1, 0)
    if header is None or j >= len(header) or not str(header[j]).strip():
        return max(row, 1), col_letter(j)
    return max(row, 1), _heading(str(header[j]).strip(), j)


def _chain_mark(f: io.TextIOBase, mark: str) -> Iterator[str]:
    """The lines of `f`, with `mark` appended to the last text (where the bad byte was)."""
    prev = None
    for line in f:
        if prev is not None:
            yield prev
        prev = line
    yield (prev or "") + mark


def _bad_bytes(inp: _Input, codec: str, bad: tuple[int, int], guide: Guide, what_da: str, what_en: str,
               advice_da: str, advice_en: str) -> Refused:
    first, end = bad
    line = inp.count(b"\n", first) + 1
    shown = " ".join(f"0x{b:02X}" for _pos, piece in inp.pieces(first, min(end, first + 4)) for b in bytes(piece))
    try:
        row, column = _locate(inp, codec, first, guide)
    except (UnicodeDecodeError, csv.Error):  # pragma: no cover - the prefix is valid by construction
        row, column = None, None
    return Refused(_file_problem(
        f"{what_da}: byte nr. {first + 1} (linje {line}, {shown}) er ikke gyldig — {advice_da}",
        f"{what_en}: byte no. {first + 1} (line {line}, {shown}) is not valid — {advice_en}",
        row=row, column=column, kind="encoding"))


def _encoding(inp: _Input, guide: Guide, forced: str | None) -> tuple[str, str, Message | None]:
    """(codec to read with, its name for `file_kind`, warning) — the rule in the module docstring."""
    advice_da = ("ret tegnet og gem filen igen som CSV UTF-8, eller angiv filens tegnsæt med --encoding "
                 "(fx --encoding cp1252)")
    advice_en = "fix the character and save the file again as CSV UTF-8, or give its encoding with --encoding"
    head = inp.head(4)
    if forced:
        try:
            name = codecs.lookup(forced).name
        except LookupError:
            raise Refused(_file_problem(f"ukendt tegnsæt {forced[:40]!r} — tilladt: fx utf-8, cp1252, utf-16, "
                                         "latin-1", f"unknown encoding {forced[:40]!r} — e.g. utf-8, cp1252, "
                                         "utf-16, latin-1", kind="encoding")) from None
        if name in ("utf-8", "utf-8-sig"):
            bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
            bad, codec = first_bad_bytes(inp.pieces(bom), "utf-8"), "utf-8-sig"
            name = "utf-8-sig" if bom else "utf-8"
        else:
            bad, codec = first_bad_bytes(inp.pieces(), name), name
        if bad:
            raise _bad_bytes(inp, codec, bad, guide, f"filen er ikke {forced[:40]} (--encoding)",
                             f"the file is not {forced[:40]} (--encoding)",
                             "ret tegnet, eller angiv et andet tegnsæt", "fix the character or give another encoding")
        return codec, name, None
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        bad = first_bad_bytes(inp.pieces(), "utf-16")
        if bad:
            raise _bad_bytes(inp, "utf-16", bad, guide, "filen begynder som UTF-16 (BOM), men er ikke gyldig UTF-16",
                             "the file starts as UTF-16 (BOM) but is not valid UTF-16",
                             "gem filen igen som CSV UTF-8", "save it again as CSV UTF-8")
        return "utf-16", "utf-16", None
    if inp.find(_NUL):
        raise _not_table("en binær fil", "a binary file")
    if head.startswith(codecs.BOM_UTF8):
        bad = first_bad_bytes(inp.pieces(3), "utf-8")
        if bad:
            raise _bad_bytes(inp, "utf-8-sig", bad, guide, "filen begynder som UTF-8 (BOM), men er ikke gyldig UTF-8",
                             "the file starts as UTF-8 (BOM) but is not valid UTF-8", advice_da, advice_en)
        return "utf-8-sig", "utf-8-sig", None
    codec, bad = utf8_or_cp1252(inp.pieces)
    if codec == "utf-8" and bad is None:
        return "utf-8", "utf-8", None
    if codec == "utf-8":
        raise _bad_bytes(inp, "utf-8", bad, guide,
                         "filen er UTF-8 (den har gyldige UTF-8-tegn), men ikke hele filen er gyldig UTF-8, og den "
                         "læses ikke som et andet tegnsæt",
                         "the file is UTF-8 (it has valid UTF-8 characters) but not all of it is valid UTF-8, and it "
                         "is not read as another encoding", advice_da, advice_en)
    if bad:
        raise _bad_bytes(inp, "cp1252", bad, guide, "filen er hverken UTF-8 eller Windows-1252",
                         "the file is neither UTF-8 nor Windows-1252", "gem filen som CSV UTF-8, eller angiv "
                         "filens tegnsæt med --encoding", "save it as CSV UTF-8, or give its encoding with --encoding")
    return "cp1252", "cp1252", Message(
        "encoding", "filen er læst som Windows-1252 (cp1252), fordi den ikke har et eneste gyldigt UTF-8-tegn — "
        "tjek at æ, ø og å er blevet rigtige; gem ellers filen som CSV UTF-8, eller angiv tegnsættet med --encoding",
        "the file was read as Windows-1252 (cp1252) because it has no valid UTF-8 character at all — check that "
        "æ, ø and å came out right; otherwise save it as CSV UTF-8 or give its encoding with --encoding")


_CONTROL_CHARS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _too_many_rows(n: int) -> Refused:
    return Refused(_file_problem(
        f"filen har flere end {_da_int(MAX_ROWS)} datarækker (tilladt: højst {_da_int(MAX_ROWS)})",
        f"the file has more than {MAX_ROWS:,} data rows (allowed: at most {MAX_ROWS:,})", row=n))


def _count_records(inp: _Input, codec: str, skip: int, delimiter: str) -> None:
    """Refused before a row is checked or stored: more than `MAX_ROWS` data rows (a tester's 89 MB
    file of 5 million short rows was checked and written up to row 1,048,576 first: 15 minutes).
    One pass of the CSV reader, counting only; what it cannot read is said by the pass that reads."""
    with _text_stream(inp.open(), codec) as f:
        f.read(skip)
        try:
            for n, _ in enumerate(csv.reader(f, delimiter=delimiter, strict=False), start=1):
                if n > MAX_ROWS + 1:
                    raise _too_many_rows(n)
        except (csv.Error, UnicodeDecodeError, OSError):
            return


def _read_csv(inp: _Input, guide: Guide, encoding: str | None = None) -> _Table:
    codec, name, warning = _encoding(inp, guide, encoding)
    with _text_stream(inp.open(), codec) as f:
        head = f.read(65_536)
    if len(_CONTROL_CHARS.findall(head)) > max(8, len(head) // 100):
        raise _not_table("en binær fil", "a binary file")
    if re.match(r"\s*<(!doctype html|html|\?xml|table|svg)", head[:200], re.IGNORECASE):  # svg: a figure file
        raise _not_table("en HTML- eller XML-fil", "an HTML or XML file")
    delimiter, skip = _sep_line(head)  # Excel's "sep=;" directive: not a row the user sees
    if delimiter is None:
        with _text_stream(inp.open(), codec) as f:
            delimiter = _sniff(_first_line(f), guide)
    if csv.field_size_limit() < 1_000_000:
        csv.field_size_limit(1_000_000)  # a long free-text answer is checked by the guide, not refused here
    _count_records(inp, codec, skip, delimiter)

    def records() -> Iterator[tuple[int, list[object]]]:
        n = 0
        with _text_stream(inp.open(), codec) as f:
            f.read(skip)
            try:
                for rec in csv.reader(f, delimiter=delimiter, strict=False):
                    n += 1
                    if n > MAX_ROWS + 1:  # bounded before the checks: a 10 MB file of 5 million short lines
                        raise _too_many_rows(n)
                    if len(rec) > _XL_MAX_COLUMNS:
                        raise Refused(_file_problem(
                            f"rækken har {_da_int(len(rec))} celler (tilladt: højst {_da_int(_XL_MAX_COLUMNS)}, som i "
                            "Excel)",
                            f"the row has {len(rec):,} cells (allowed: at most {_XL_MAX_COLUMNS:,}, as in Excel)",
                            row=n))
                    yield n, rec
            except csv.Error as e:
                if "field limit" in str(e):  # Python's words, in English: a cell of more than a million characters
                    lim = csv.field_size_limit()
                    raise Refused(_file_problem(
                        f"en celle er længere end {_da_int(lim)} tegn (tilladt: højst {_da_int(lim)})",
                        f"a cell is longer than {lim:,} characters (allowed: at most {lim:,})", row=n + 1)) from None
                why = "den indeholder et NUL-tegn" if "NUL" in str(e) else "den er ikke gyldig CSV"
                raise Refused(_file_problem(f"filen kan ikke læses som CSV: {why}",
                                             f"the file cannot be read as CSV: {e}", row=n + 1)) from None
            except (UnicodeDecodeError, OSError):  # the file changed on disk while it was read
                raise Refused(_file_problem("filen ændrede sig, mens den blev læst — prøv igen",
                                             "the file changed while it was read — try again", row=n + 1)) from None

    rows = records()
    for n, rec in rows:
        if any(c.strip() for c in rec):
            kind = f"csv {name} " + {",": "','", ";": "';'", "\t": "tab"}.get(delimiter, repr(delimiter))
            return _Table(header=list(rec), rows=rows, kind=kind, csv=True, header_row=n,
                          warnings=[warning] if warning else [])
    raise Refused(Message("empty", "filen er tom", "the file is empty", row=1))


# ---- XLSX (expat, streaming: only the current row and the shared strings are held)

_XL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_WHAT_XLSX = "projektmappen"


def _xl_unescape(s: str) -> str:
    """Undo Excel's _xHHHH_ escaping of characters in shared/inline strings."""
    return _XL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


def _local(tag: str) -> str:
    """An element's name without its namespace prefix (the parsers run without namespace
    processing: ``x:row`` and ``row`` are the same element)."""
    return tag.rpartition(":")[2]


@dataclass(frozen=True)
class CellError:
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


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch.upper()) - 64)
    return n - 1


def col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


class _Broken(Exception):
    """The workbook is damaged in a way the user cannot be told more about."""


def _no_doctype(*_args) -> None:
    raise _Broken("DOCTYPE")  # a workbook never has one; entity tricks need one


def _parse(zf: zipfile.ZipFile, part: str, start: Callable | None, end: Callable | None = None,
           data: Callable | None = None) -> None:
    """Stream one part through expat with the given handlers (names as written, ``prefix:local``)."""
    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _no_doctype
    p.EntityDeclHandler = _no_doctype
    if start:
        p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if data:
        p.CharacterDataHandler = data
    with archives.open_member(zf, part, archives.XLSX, _WHAT_XLSX) as f:
        while True:
            chunk = f.read(_XML_CHUNK)
            if not chunk:
                break
            p.Parse(chunk, False)
    p.Parse(b"", True)


def _bounded(n: int, what: str) -> None:
    if n > _XL_MAX_PARTS:
        raise Refused(_file_problem(f"projektmappen har over {_XL_MAX_PARTS:,} {what} — den afvises".replace(",", "."),
                                     f"the workbook has over {_XL_MAX_PARTS:,} {what} — it is refused"))


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type suffix, target part path) for a part."""
    d, name = posixpath.split(part)
    rel_path = posixpath.join(d, "_rels", name + ".rels")
    if rel_path not in zf.NameToInfo:
        return {}
    out: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(d, target))
            out[attrs.get("Id", "")] = (attrs.get("Type", "").rsplit("/", 1)[-1], path)
            _bounded(len(out), "relationer")

    _parse(zf, rel_path, start)
    return out


class _SharedStrings:
    """The workbook's shared strings, compactly: blocks of 512 strings, each one UTF-8 bytes
    object with 4-byte offsets (a Python str apiece would cost 50+ bytes more per string)."""
    _BLOCK = 512

    def __init__(self) -> None:
        self._blocks: list[bytes] = []
        self._offsets: list[array] = []
        self._pending: list[str] = []
        self._n = 0

    def append(self, s: str) -> None:
        self._pending.append(s)
        self._n += 1
        if len(self._pending) == self._BLOCK:
            self.close()

    def close(self) -> None:
        if not self._pending:
            return
        enc = [s.encode("utf-8", "surrogatepass") for s in self._pending]
        offs = array("I", [0])
        total = 0
        for e in enc:
            total += len(e)
            offs.append(total)
        self._blocks.append(b"".join(enc))
        self._offsets.append(offs)
        self._pending = []

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < self._n:
            raise IndexError(i)
        b, k = divmod(i, self._BLOCK)
        if b == len(self._blocks):
            return self._pending[k]
        offs = self._offsets[b]
        return self._blocks[b][offs[k]:offs[k + 1]].decode("utf-8", "surrogatepass")


def _too_long_cell(row: int | None, col: int | None) -> Refused:
    return Refused(_file_problem(
        f"en celle har over {_CELL_MAX_CHARS:,} tegn (en Excel-celle rummer højst {XLSX_MAX_CHARS:,}) — "
        "projektmappen afvises".replace(",", "."),
        f"a cell has over {_CELL_MAX_CHARS:,} characters (an Excel cell holds at most {XLSX_MAX_CHARS:,}) — "
        "the workbook is refused", row=row, column=col_letter(col) if col is not None else None))


def _shared_strings(zf: zipfile.ZipFile, part: str) -> _SharedStrings:
    """Text of every <si>: its <t>, or its runs' <t>; phonetic runs left out."""
    out = _SharedStrings()
    path: list[str] = []
    parts: list[str] = []
    buf: list[str] = []
    size = [0]
    capture = [False]

    def start(tag: str, _attrs) -> None:
        name = _local(tag)
        if path or name == "si":
            path.append(name)
        if name == "t" and (len(path) == 2 or (len(path) == 3 and path[1] == "r")):
            capture[0] = True
            buf.clear()

    def end(tag: str) -> None:
        if not path:
            return
        name = path.pop()
        if name == "t" and capture[0]:
            capture[0] = False
            parts.append(_xl_unescape("".join(buf)))
        elif name == "si" and not path:
            out.append("".join(parts))
            parts.clear()
            size[0] = 0

    def data(text: str) -> None:
        if capture[0]:
            buf.append(text)
            size[0] += len(text)
            if size[0] > _CELL_MAX_CHARS:
                raise _too_long_cell(None, None)

    _parse(zf, part, start, end, data)
    out.close()
    return out


def _styles(zf: zipfile.ZipFile, part: str) -> set[int]:
    """Indices of the cell formats (cellXfs) that show a date."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # openpyxl: only an XLSX file loads it (start-up)

    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    path: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = _local(tag)
        if name == "numFmt":
            try:
                custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            except ValueError:
                pass
            _bounded(len(custom), "talformater")
        elif name == "xf" and path and path[-1] == "cellXfs":
            try:
                xf_formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xf_formats.append(0)
            _bounded(len(xf_formats), "celleformater")
        path.append(name)

    def end(_tag: str) -> None:
        path.pop()

    _parse(zf, part, start, end)
    dates: set[int] = set()
    for i, fid in enumerate(xf_formats):
        code = custom.get(fid) or BUILTIN_FORMATS.get(fid)
        if code and is_date_format(code):
            dates.add(i)
    return dates


def _read_xlsx(inp: _Input) -> _Table:
    try:
        zf = archives.open_checked(inp.source(), archives.XLSX, _WHAT_XLSX)
    except archives.ArchiveError as e:
        if e.limit == "broken":
            raise _not_table("et ødelagt ZIP-arkiv", "a broken ZIP archive") from None
        raise Refused(_file_problem(str(e), e.text_en, kind="archive")) from None
    try:
        names = zf.NameToInfo
        if "mimetype" in names and b"opendocument.spreadsheet" in archives.read_member(
                zf, "mimetype", archives.XLSX, _WHAT_XLSX)[:200]:
            raise _not_table("et OpenDocument-regneark (.ods)", "an OpenDocument spreadsheet (.ods)")
        wb_part, core_part = "xl/workbook.xml", None
        for _id, (typ, target) in _rels(zf, "").items() if "_rels/.rels" in names else ():
            if typ == "officeDocument":
                wb_part = target
            elif typ == "core-properties":
                core_part = target
        if wb_part not in names:
            if any(n.startswith("word/") for n in names):
                raise _not_table("et Word-dokument", "a Word document")
            raise _not_table("et ZIP-arkiv", "a ZIP archive")
        if core_part in names and _marked_with_drafts(zf, core_part):
            raise Refused(_file_problem(
                f"projektmappen er lavet med kladder ({DRAFTS_MARK}): dens Data-ark blander kladder med afsluttede "
                "interview, og importeret ville de alle stå som afsluttede — importér en projektmappe eller "
                "eksport lavet uden --med-kladder",
                f"the workbook was made with drafts ({DRAFTS_MARK}): its Data sheet mixes drafts with completed "
                "interviews, and imported they would all be completed — import one made without --med-kladder"))
        return _read_workbook(zf, wb_part)
    except Exception as e:  # noqa: BLE001 - a damaged or unusual workbook: say so rather than crash
        raise _workbook_refusal(e) from None


def _marked_with_drafts(zf: zipfile.ZipFile, core_part: str) -> bool:
    """The workbook's description (its document properties, which Excel keeps when it saves) carries
    the drafts mark that `exports.workbook` writes with --med-kladder."""
    text: list[str] = []
    inside = [False]

    def start(tag: str, _attrs: dict[str, str]) -> None:
        inside[0] = _local(tag) == "description"

    def end(_tag: str) -> None:
        inside[0] = False

    def data(chunk: str) -> None:
        if inside[0] and sum(map(len, text)) < 4000:
            text.append(chunk)

    _parse(zf, core_part, start, end, data)
    return DRAFTS_MARK in "".join(text)


def _workbook_refusal(e: BaseException) -> Refused:
    """The refusal for anything that went wrong reading a workbook: never the exception's text
    (it can quote a cell, e.g. ``could not convert string to float: '…'``)."""
    if isinstance(e, Refused):
        return e
    if isinstance(e, archives.ArchiveError):
        return Refused(_file_problem(str(e), e.text_en, kind="archive"))
    if isinstance(e, MemoryError):
        return Refused(_file_problem("projektmappen er for stor til at blive læst — del den op i flere filer",
                                      "the workbook is too big to be read — split it into several files"))
    what = "XML-fejl" if isinstance(e, (expat.ExpatError, _Broken)) else type(e).__name__
    return Refused(_file_problem(f"projektmappen kan ikke læses ({what}) — den er beskadiget eller ikke gemt af "
                                  "et regneark; åbn og gem den igen i Excel, eller gem data som CSV UTF-8",
                                  f"the workbook cannot be read ({what}) — it is damaged or not saved by a "
                                  "spreadsheet program; open and save it again in Excel, or save the data as CSV"))


def _read_workbook(zf: zipfile.ZipFile, wb_part: str) -> _Table:
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH  # openpyxl: only an XLSX file loads it

    rels = _rels(zf, wb_part)
    sheets: list[tuple[str, str]] = []
    epoch = [WINDOWS_EPOCH]

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = _local(tag)
        if name == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            if rid in rels:
                sheets.append((attrs.get("name", ""), rels[rid][1]))
                _bounded(len(sheets), "ark")
        elif name == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
            epoch[0] = MAC_EPOCH

    _parse(zf, wb_part, start)
    if not sheets:
        raise Refused(_file_problem("projektmappen har ingen ark", "the workbook has no sheets"))
    names = {n.strip().casefold() for n, _ in sheets}
    if "data" not in names and "metode" in names:  # a report's workbook without data (e.g. --publish)
        raise Refused(_file_problem(
            "projektmappen er en rapport (arket «Metode», intet «Data»-ark): den har tabeller, ikke interview — "
            "importér en eksport i bredt format (brugerblik export raw) eller en projektmappe med et «Data»-ark",
            "the workbook is a report (a «Metode» sheet, no «Data» sheet): it holds tables, not interviews — "
            "import a wide-format export (brugerblik export raw) or a workbook with a «Data» sheet"))
    sheet_name, sheet_part = next(((n, p) for n, p in sheets if n.strip().casefold() == "data"), sheets[0])
    shown_name = _show(sheet_name) or ""
    shared = _SharedStrings()
    date_styles: set[int] = set()
    for typ, target in rels.values():
        if typ == "sharedStrings" and target in zf.NameToInfo:
            shared = _shared_strings(zf, target)
        elif typ == "styles" and target in zf.NameToInfo:
            date_styles = _styles(zf, target)
    if sheet_part not in zf.NameToInfo:
        raise Refused(_file_problem(f"arket {shown_name!r} mangler i projektmappen",
                                     f"sheet {shown_name!r} is missing from the workbook"))
    rows = _guarded(_sheet_rows(zf, sheet_part, shared, date_styles, epoch[0]))
    for row_no, cells in rows:
        return _Table(header=cells, rows=rows, kind=f"xlsx {shown_name}", csv=False, header_row=row_no)
    raise Refused(Message("empty", f"arket {shown_name!r} er tomt", f"the sheet {shown_name!r} is empty", row=1))


def _guarded(rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
    """The rows, with anything that goes wrong while reading them turned into a refusal."""
    try:
        yield from rows
    except GeneratorExit:
        raise
    except Exception as e:  # noqa: BLE001 - see _workbook_refusal
        raise _workbook_refusal(e) from None


_INT_TEXT = re.compile(r"-?\d+")
_CELL_LETTERS = re.compile(r"[A-Za-z]{1,3}")


def _sheet_rows(zf: zipfile.ZipFile, part: str, shared: _SharedStrings, date_styles: set[int],
                epoch: dt.datetime) -> Iterator[tuple[int, list[object]]]:
    """The sheet's non-blank rows as (row number, cells), parsed 16 KB at a time by expat.

    The handlers are closures over local state, and the parser runs without namespace
    processing (element names are taken after any ``prefix:``): a big sheet has millions of
    cells, and this is where an XLSX import spends its time. Only the current row is held."""
    from openpyxl.utils.datetime import from_excel  # openpyxl: only an XLSX file loads it

    done: list[tuple[int, list[object]]] = []
    names: dict[str, str] = {}
    col_cache: dict[str, int] = {}
    text_cache: dict[int, str] = {}  # shared strings used lately (choice codes repeat in every row)
    buf: list[str] = []
    row_no = 0
    cells: list[object] | None = None
    next_col = col = 0
    depth = 0  # 0: outside a cell; 1: in <c>; 2: in <c>'s child …
    path: list[str] = []  # element names below <c>, for inline strings (<is><t>, <is><r><t>)
    t = "n"
    style: str | None = None
    v: str | None = None
    formula: str | None = None
    inline: list[str] | None = None
    capture = 0  # depth of the element whose text is being collected
    size = 0

    def local(tag: str) -> str:
        name = names[tag] = tag.rpartition(":")[2]
        return name

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, capture, size, inline, row_no, cells, next_col, col, t, style, v, formula
        name = names.get(tag) or local(tag)
        if depth:
            depth += 1
            path.append(name)
            if depth == 2:
                if name == "v" or name == "f":
                    capture, size = 2, 0
                    buf.clear()
                elif name == "is":
                    inline = []
            elif name == "t" and path[0] == "is" and (depth == 3 or (depth == 4 and path[1] == "r")):
                capture, size = depth, 0
                buf.clear()
            return
        if name == "c":
            depth = 1
            path.clear()
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                col = col_cache.get(letters, -1)
                if col < 0:
                    col = _col_index(letters) if _CELL_LETTERS.fullmatch(letters) else _XL_MAX_COLUMNS
                    if len(col_cache) < 20_000:
                        col_cache[letters] = col
            else:
                col = next_col
            if col >= _XL_MAX_COLUMNS:
                raise Refused(_file_problem(
                    "en celle ligger uden for regnearkets kolonner (A–XFD) — projektmappen er beskadiget",
                    "a cell lies outside the sheet's columns (A–XFD) — the workbook is damaged", row=row_no))
            next_col = col + 1
            t = attrs.get("t", "n")
            style = attrs.get("s")
            v = formula = inline = None
        elif name == "row":
            r = attrs.get("r")
            try:
                row_no = int(r) if r else row_no + 1
            except ValueError:
                row_no += 1
            cells, next_col = [], 0

    def data(text: str) -> None:
        nonlocal size
        if capture:
            buf.append(text)
            size += len(text)
            if size > _CELL_MAX_CHARS:
                raise _too_long_cell(row_no, col)

    def end(tag: str) -> None:
        nonlocal depth, capture, v, formula, cells
        if depth:
            if capture == depth:
                text = buf[0] if len(buf) == 1 else "".join(buf)
                name = path[-1]
                if name == "v":
                    v = text
                elif name == "f":
                    formula = text
                elif inline is not None:
                    inline.append(_xl_unescape(text))
                capture = 0
            depth -= 1
            if depth:
                path.pop()
                return
            if cells is None:  # a cell outside a row is not part of the table
                return
            value: object
            if t == "s" and v is not None:
                try:
                    i = int(v)
                    value = text_cache.get(i)
                    if value is None:
                        value = shared[i]
                        if len(text_cache) >= 4096:
                            text_cache.clear()
                        text_cache[i] = value
                except (ValueError, IndexError):
                    raise Refused(_file_problem(
                        "cellen henviser til en tekst, der ikke findes i projektmappen — den er beskadiget",
                        "the cell refers to a text that is not in the workbook — it is damaged",
                        row=row_no, column=col_letter(col))) from None
            else:
                value = _cell_value(t, v, formula, inline, style)
            n = len(cells)
            if col == n:
                cells.append(value)
            elif col < n:
                cells[col] = value
            else:
                cells.extend([None] * (col - n))
                cells.append(value)
            return
        if cells is not None and (names.get(tag) or local(tag)) == "row":
            if any(x is not None and (not isinstance(x, str) or x.strip()) for x in cells):
                done.append((row_no, cells))
            cells = None

    def _cell_value(t: str, v: str | None, formula: str | None, inline: list[str] | None,
                    style: str | None) -> object:
        if t == "n":
            if v is None or v == "":
                return CellError("", formula) if formula is not None else None
            try:
                num: int | float = int(v) if _INT_TEXT.fullmatch(v) else float(v)
            except ValueError:  # not a number although the cell says so: checked as the text it is
                return v
            if style is not None and date_styles:
                try:
                    if int(style) in date_styles:
                        return from_excel(num, epoch)
                except (ValueError, OverflowError, TypeError):
                    return num
            return num
        if t == "s":
            return None  # no <v>
        if t == "inlineStr":
            return "".join(inline) if inline is not None else None
        if t == "str":
            return _xl_unescape(v or "")
        if t == "b":
            return (v or "").strip() in ("1", "true")
        if t == "e":
            return CellError(v or "#ERROR", formula)
        if t == "d":
            try:
                return dt.datetime.fromisoformat((v or "").rstrip("Z"))
            except ValueError:
                return v
        if v is None or v == "":  # an unknown type: as a number cell
            return CellError("", formula) if formula is not None else None
        return v

    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _no_doctype
    p.EntityDeclHandler = _no_doctype
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, data
    with archives.open_member(zf, part, archives.XLSX, _WHAT_XLSX) as f:
        while True:
            chunk = f.read(_XML_CHUNK)
            final = not chunk
            p.Parse(chunk, final)
            if done:
                rows, done[:] = list(done), []
                yield from rows
            if final:
                return


# ---------------------------------------------------------------- validation


def is_blank_cell(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _check_one(item: Item, raw: object, unescape: bool) -> tuple[str | None, ValueProblem | None]:
    if isinstance(raw, CellError):
        da, en = raw.reason()
        return None, ValueProblem(*allowed_text(item), reason_da=da, reason_en=en)
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
    problems: list[Message]
    warnings: list[Message]
    rows: int  # non-blank data rows


# Text columns whose values repeat (worth remembering); other free text is checked cell by cell.
_REPEATING_TEXT = ("site", "interviewer")


def _validate(guide: Guide, table: _Table, *, store_ids: set[str], store_sites: Mapping[str, str],
              replace: bool, sink: Callable[[list[str | None]], None] | None = None) -> _Checked:
    """Check every row as it is read. `sink` gets each row's canonical values (in guide order)
    as long as no problem has been found; the caller discards them if one turns up later."""
    warnings: list[Message] = list(table.warnings)
    hr = table.header_row
    header = table.header
    csv_mode = table.csv

    # --- header: known, unknown, duplicate and missing columns (unnamed ones: once the rows are read)
    exact = {c: c for c in guide.codes}
    folded = {c.casefold(): c for c in guide.codes}
    colmap: dict[str, int] = {}
    heads: dict[str, str] = {}  # code -> heading as written in the file
    head_problems: dict[int, Message] = {}
    unnamed: list[int] = []
    for j, head in enumerate(header):
        text = "" if head is None else str(head).strip()
        if not text:
            unnamed.append(j)
            continue
        code = exact.get(text) or folded.get(text.casefold())
        if code is None:
            close = difflib.get_close_matches(text.casefold(), list(folded), n=1, cutoff=0.75)
            hint_da = f" — mente du {folded[close[0]]}?" if close else ""
            hint_en = f" — did you mean {folded[close[0]]}?" if close else ""
            head_problems[j] = Message(
                "unknown_column", f"ukendt kolonne{hint_da} — tilladt: spørgeguidens koder "
                f"({guide.form_id} {guide.version}: respondent_id, site, site_type, …)",
                f"unknown column{hint_en} — allowed: the guide's codes "
                f"({guide.form_id} {guide.version}: respondent_id, site, site_type, …)", row=hr,
                column=_heading(text, j))
            continue
        if code in colmap:
            head_problems[j] = Message(
                "duplicate_column", f"kolonnen står to gange (kolonne {col_letter(colmap[code])} og "
                f"{col_letter(j)}) — hver kode må kun stå én gang",
                f"the column appears twice (columns {col_letter(colmap[code])} and {col_letter(j)}) — "
                "each code may appear only once", row=hr, column=text)
            continue
        colmap[code] = j
        heads[code] = text
    if "source_id" not in folded and any(_normal_header(h) == "source_id" for h in header):
        # a file of the other sources (export raw --kilde K): one message that says how, not one per column
        return _Checked(problems=[Message(
            "other_source", "filen har kolonnen source_id: den er en fil med de andre kilders interview eller "
            "journaludtræk (export raw --kilde), ikke brugernes interview — importér den med "
            "brugerblik import --kilde sagsbehandler|kontaktperson|leder|journal FIL",
            "the file has the column source_id: it holds the other sources' interviews or case-file extracts "
            "(export raw --kilde), not the users' interviews — import it with "
            "brugerblik import --kilde sagsbehandler|kontaktperson|leder|journal FILE", row=hr, column="source_id")],
            warnings=[], rows=0)
    missing: list[Message] = []
    for code in REQUIRED_COLUMNS:
        if code not in colmap:
            missing.append(Message(
                "missing_column", "kolonnen mangler — påkrævede kolonner: " + ", ".join(REQUIRED_COLUMNS),
                "the column is missing — required columns: " + ", ".join(REQUIRED_COLUMNS), row=hr, column=code))
    for code, item in guide.items.items():
        if item.required and code not in REQUIRED_COLUMNS and code not in colmap:
            warnings.append(Message(
                "guide_required", "kolonnen mangler; spørgeguiden kræver et svar — importeres som ikke besvaret",
                "the column is missing; the guide requires an answer — imported as not answered",
                row=hr, column=code))

    # --- per column: the item, a cache of checked values, rows left blank, skip logic
    codes = guide.codes
    pos = {c: i for i, c in enumerate(codes)}
    cols = [(code, j, pos[code], guide.item(code)) for code, j in colmap.items()]
    caches: dict[str, dict[object, tuple[str | None, ValueProblem | None]] | None] = {
        code: ({} if item.type in CLOSED_TYPES or code in _REPEATING_TEXT else None) for code, _j, _p, item in cols}
    blank_rows: dict[str, array] = {code: array("q") for code, _j, _p, item in cols
                                    if item.required and code not in REQUIRED_COLUMNS}
    relevance = []
    for code, _j, p, item in cols:
        if item.relevant_ast is not None:
            refs = sorted(expr.references(item.relevant_ast))
            relevance.append((code, p, item, [pos[r] for r in refs], refs, {}, array("q")))
    header_len = len(header)
    first_filled: dict[int, int] = {}  # a column without a heading -> first row with a value in it
    rid_pos = pos["respondent_id"] if "respondent_id" in colmap else None
    site_pos = (pos["site"], pos["site_type"]) if "site" in colmap and "site_type" in colmap else None
    first_row: dict[str, int] = {}
    seen_site: dict[str, tuple[str, int]] = {}
    row_problems: list[Message] = []
    dropped = 0
    n = 0
    clean = not head_problems and not missing

    def problem(m: Message) -> None:
        nonlocal dropped
        if len(row_problems) < _MAX_PROBLEMS:
            row_problems.append(m)
        else:
            dropped += 1

    for rn, cells in table.rows:
        if (not "".join(cells).strip()) if csv_mode else all(is_blank_cell(x) for x in cells):
            continue
        n += 1
        width = len(cells)
        for j in unnamed:
            if j < width and j not in first_filled and not is_blank_cell(cells[j]):
                first_filled[j] = rn
        if width > header_len:
            for j in range(header_len, width):
                if j not in first_filled and not is_blank_cell(cells[j]):
                    first_filled[j] = rn
        canon: list[str | None] = [None] * len(codes)
        for code, j, p, item in cols:
            raw = cells[j] if j < width else None
            if raw is None or raw == "":
                value, vp = None, None
            else:
                cache = caches[code]
                if cache is not None:
                    k = raw if csv_mode else _key(raw)
                    hit = cache.get(k)
                    if hit is None:
                        hit = _check_one(item, raw, csv_mode)
                        if len(cache) < _CACHE_MAX:
                            cache[k] = hit
                    value, vp = hit
                else:
                    value, vp = _check_one(item, raw, csv_mode)
            if vp is not None:
                problem(_value_problem(rn, heads[code], raw, vp, item))
            elif value is None:
                if code in REQUIRED_COLUMNS:
                    problem(Message("required", "skal udfyldes — tilladt: " + allowed_text(item)[0],
                                    "must be filled in — allowed: " + allowed_text(item)[1],
                                    row=rn, column=heads[code], show_value=True))
                elif code in blank_rows:
                    blank_rows[code].append(rn)
            canon[p] = value

        # --- respondent ids: unique in the file, new to the store unless replace (never quoted)
        if rid_pos is not None and (rid := canon[rid_pos]) is not None:
            if rid in first_row:
                problem(Message("duplicate_id", f"står også i række {first_row[rid]} — respondent_id skal være unik",
                                f"also in row {first_row[rid]} — respondent_id must be unique",
                                row=rn, column=heads["respondent_id"]))
            else:
                first_row[rid] = rn
            if rid in store_ids and not replace:
                problem(Message("exists", "findes allerede i databasen — brug --replace for at erstatte respondenten",
                                "already in the store — use --replace to replace the respondent",
                                row=rn, column=heads["respondent_id"]))

        # --- sites: one type per site, agreeing with the store
        if site_pos is not None:
            site, stype = canon[site_pos[0]], canon[site_pos[1]]
            if site is not None and stype is not None:
                if site in store_sites:
                    if store_sites[site] != stype:
                        problem(Message(
                            "site_type", f"stedet {_show(site)} er registreret som {store_sites[site]} i databasen — "
                            f"tilladt: {store_sites[site]}",
                            f"the site {_show(site)} is registered as {store_sites[site]} in the store — "
                            f"allowed: {store_sites[site]}",
                            row=rn, column=heads["site_type"], value=stype, show_value=True))
                elif site in seen_site and seen_site[site][0] != stype:
                    problem(Message(
                        "site_type", f"stedet {_show(site)} har site_type {seen_site[site][0]} i række "
                        f"{seen_site[site][1]} — et sted har én type",
                        f"the site {_show(site)} has site_type {seen_site[site][0]} in row {seen_site[site][1]} — "
                        "a site has one type", row=rn, column=heads["site_type"], value=stype, show_value=True))
                else:
                    seen_site.setdefault(site, (stype, rn))

        # --- skip logic: a warning, never a refusal (instrument.md)
        for _code, p, item, ref_pos, refs, verdict, off in relevance:
            if canon[p] is None:
                continue
            k = tuple(canon[r] for r in ref_pos)
            ok = verdict.get(k)
            if ok is None:
                ok = expr.evaluate(item.relevant_ast, dict(zip(refs, k)))
                if len(verdict) < _CACHE_MAX:
                    verdict[k] = ok
            if not ok:
                off.append(rn)

        if sink is not None and clean and not row_problems and not dropped and not first_filled:
            sink(canon)

    # --- what only the whole file tells: unnamed columns with values, no rows, blanks, skip logic
    for j, first in first_filled.items():
        head_problems[j] = Message(
            "unnamed_column", f"kolonnen har ingen overskrift, men har værdier (fx række {first}) — "
            f"skriv koden fra spørgeguiden i række {hr} eller slet kolonnen",
            f"the column has no heading but has values (e.g. row {first}) — write the guide's code "
            f"in row {hr} or delete the column", row=hr, column=col_letter(j))
    problems = [head_problems[j] for j in sorted(head_problems)] + missing
    if not n:
        problems.append(Message("empty", "filen har ingen respondenter (kun overskriftsrækken)",
                                "the file has no respondents (only the header row)", row=hr + 1))
    problems += row_problems
    problems.sort(key=lambda m: m.row or 0)  # stable: by row, then in the order found (column order)
    if dropped:
        problems.append(Message("too_many", f"… og {dropped:,} problemer mere (de første {_MAX_PROBLEMS:,} er vist)"
                                .replace(",", "."), f"… and {dropped:,} more problems (the first "
                                f"{_MAX_PROBLEMS:,} are shown)"))
    for code, rows in blank_rows.items():
        if rows:
            k = len(rows)
            warnings.append(Message(
                "guide_required", f"{k} {'tom celle' if k == 1 else 'tomme celler'}; spørgeguiden kræver et "
                "svar — importeres som ikke besvaret",
                f"{k} blank {'cell' if k == 1 else 'cells'}; the guide requires an answer — imported as not "
                "answered", rows=tuple(rows), column=heads[code]))
    for code, _p, item, _rp, _refs, _v, off in relevance:
        if off:
            warnings.append(Message(
                "relevance", f"{len(off)} svar, selvom spørgsmålet efter guiden ikke stilles her "
                f"({item.relevant} er ikke opfyldt) — importeret alligevel",
                f"{len(off)} {'answer' if len(off) == 1 else 'answers'} although the guide does not ask the "
                "question here "
                f"({item.relevant} does not hold) — imported anyway", rows=tuple(off), column=heads[code]))
    return _Checked(problems, warnings, n)


def _store_state(s: Session) -> tuple[set[str], dict[str, str]]:
    ids = set(s.execute(select(Interview.respondent_id)).scalars())
    sites = {name: stype for name, stype in s.execute(select(Site.name, Site.site_type))}
    return ids, sites


class _Writer:
    """Rows to the store in batches of `_BATCH`, inside the caller's transaction."""

    def __init__(self, s: Session, guide: Guide, *, replace: bool, who: str | None):
        self.s, self.guide, self.replace, self.who = s, guide, replace, who
        self.batch: list[list[str | None]] = []
        self.written = 0
        self.forms: dict[str, str] | None = None   # the store's ids by form, read once (`refuse_lookalikes`)

    def add(self, row: list[str | None]) -> None:
        self.batch.append(row)
        if len(self.batch) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            frame = pd.DataFrame(self.batch, columns=self.guide.codes, dtype=object)
            self.batch = []
            if self.forms is None:
                self.forms = stored_id_forms(self.s)
            self.written += insert_wide(self.s, self.guide, frame, replace=self.replace, source="import", who=self.who,
                                        stored_forms=self.forms)


def _run(engine: Engine, guide: Guide, data: bytes | _Input, *, replace: bool, encoding: str | None, write: bool,
         who: str | None = None) -> ImportResult:
    """Read, check and (if `write` and there is no problem) store the rows: all or none."""
    result = ImportResult()
    try:
        table = read_table(data, guide, encoding)
    except Refused as r:
        result.problems.append(r.message)
        return result
    result.file_kind = table.kind
    with Session(engine) as s:
        store_ids, store_sites = _store_state(s)
        writer = _Writer(s, guide, replace=replace, who=who) if write else None
        try:
            checked = _validate(guide, table, store_ids=store_ids, store_sites=store_sites, replace=replace,
                                sink=writer.add if writer else None)
            if writer is not None and not checked.problems:
                writer.flush()
                s.commit()
                result.written = writer.written
            else:
                s.rollback()  # a check only, or a refused file: nothing stays written
        except Refused as r:  # the file broke off part way (a damaged workbook, a CSV error)
            s.rollback()
            return ImportResult(problems=[r.message], file_kind=table.kind)
        except StoreError as e:  # the store changed meanwhile (another import)
            s.rollback()
            return ImportResult(problems=[_file_problem(str(e), str(e))], file_kind=table.kind)
        except SQLAlchemyError as e:
            s.rollback()
            return ImportResult(problems=[_file_problem(
                f"databasen afviste importen ({type(e).__name__}) — måske importerer en anden lige nu; prøv igen. "
                "Intet er importeret", f"the store refused the import ({type(e).__name__}) — perhaps someone else "
                "is importing; try again. Nothing was imported")], file_kind=table.kind)
    result.problems, result.warnings, result.rows = checked.problems, checked.warnings, checked.rows
    return result


def read_path(path: str | os.PathLike) -> bytes | Message:
    """A (small) file's bytes, or the Message refusing it (a folder, too big)."""
    inp = _open_path(path)
    if isinstance(inp, Message):
        return inp
    return inp.data if inp.data is not None else inp.path.read_bytes()


def _open_path(path: str | os.PathLike) -> _Input | Message:
    """A file to import, read from disk as it is needed; a pipe or device is read into memory
    (up to the size limit). A Message refuses a folder or a file that is too big."""
    p = Path(path)
    if p.is_dir():
        return _file_problem(f"{p} er en mappe, ikke en fil", f"{p} is a folder, not a file")
    st = p.stat()  # FileNotFoundError is the caller's to report
    if st.st_size > MAX_FILE_BYTES:
        return too_big_message(st.st_size)
    if p.is_file():
        return _Input(path=p)
    with open(p, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    return too_big_message(len(data)) if len(data) > MAX_FILE_BYTES else _Input(data=data)


def check_bytes(engine: Engine, guide: Guide, data: bytes, *, replace: bool = False,
                encoding: str | None = None) -> ImportResult:
    """Check file content as `import_bytes` would, writing nothing (for a preview)."""
    return _run(engine, guide, data, replace=replace, encoding=encoding, write=False)


def check_file(engine: Engine, guide: Guide, path: str | os.PathLike, *, replace: bool = False,
               encoding: str | None = None) -> ImportResult:
    """Check a file as `import_file` would, writing nothing."""
    inp = _open_path(path)
    if isinstance(inp, Message):
        return ImportResult(problems=[inp])
    return _run(engine, guide, inp, replace=replace, encoding=encoding, write=False)


def import_bytes(engine: Engine, guide: Guide, data: bytes, *, replace: bool = False,
                 who: str | None = None, encoding: str | None = None) -> ImportResult:
    """Check and import wide-format content (CSV or XLSX bytes): all rows, or none.

    `encoding` forces the CSV's encoding (else detected: see the module docstring)."""
    return _run(engine, guide, data, replace=replace, encoding=encoding, write=True, who=who)


def import_file(engine: Engine, guide: Guide, path: str | os.PathLike, *, replace: bool = False,
                who: str | None = None, encoding: str | None = None) -> ImportResult:
    """Check and import a wide CSV/XLSX file: every row or, if anything is wrong, none.

    Returns an ImportResult: `problems` (each names row, column and what is allowed; any
    problem means nothing was written), `warnings` and the number of rows `written`.
    `encoding` forces the CSV's encoding (else detected: see the module docstring).
    """
    inp = _open_path(path)
    if isinstance(inp, Message):
        return ImportResult(problems=[inp])
    return _run(engine, guide, inp, replace=replace, encoding=encoding, write=True, who=who)


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


def xl_number(item: Item, value: str) -> int | float | None:
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


def write_xlsx(df: pd.DataFrame, guide: Guide, path: str | os.PathLike, *, drafts: bool = False) -> None:
    """Write a canonical wide frame as XLSX: sheet "Data", strings never formulas/URLs
    (`survey.files.xlsx_text`), written by `survey.files.write_atomic`. `drafts`: the frame holds
    drafts (--med-kladder): the document's description carries `DRAFTS_MARK`, and the import
    refuses the file (imported, its drafts would be completed interviews)."""
    import xlsxwriter  # only an XLSX export loads it (start-up)

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
                           "comments": f"Spørgeguide {guide.form_id} version {guide.version}"
                                       f"{'; ' + DRAFTS_MARK if drafts else ''}"})
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
                    num = xl_number(items[j], s)
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
