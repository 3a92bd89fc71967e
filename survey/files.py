"""The one writer for every file Brugerblik writes: exports, reports, backups, field packages.

Every file the tool puts on disk — ``brugerblik export raw|spss|qdpx|package``, ``brugerblik
table``'s files, ``brugerblik report``, ``brugerblik backup``, figures, the app's downloads saved
to a folder — goes through `write_atomic`, and every CSV and XLSX cell through the one cell rule
here. One policy, no exceptions per caller:

* **Atomic.** The data is written to a temporary file in the target's own folder
  (`tempfile.mkstemp`; for a program that must create the file itself — pyreadstat, sqlite3,
  pg_dump — a file inside a private ``mkdtemp`` folder there), flushed with ``fsync`` and renamed
  over the target with `os.replace`. A reader never sees a half-written file under the real
  name, and the temporary file (or folder) is removed on any failure, also on Ctrl-C.
* **No leftovers of a killed write.** A process killed outright (SIGKILL, the OOM killer, a power
  cut) cannot remove its temporary file or folder, and that holds a (partial) copy of the data. The
  temporaries are named ``.NAME.brugerblik-XXXXXXXX.tmp`` (`TEMP_NAME`), owner-only while they exist
  (a file 0600, a folder 0700), and locked (``flock``) by their writer as long as it lives; every
  write into a folder first removes the temporaries there that are the tool's by that name, owned by
  this user, owner-only, and locked by nobody — those of a write that was killed
  (`remove_stale_temporaries`). Nothing else is ever removed.
* **Owner-only.** The result has mode ``0600`` whatever the umask (`FILE_MODE`): the store holds
  abuse, mental-health and debt histories, so an export, a backup or a package is never readable
  by the other users of a machine. Share a file deliberately (copy it, change its mode).
* **The folder must exist.** A missing target folder is refused (`FileWriteError`, Danish, naming
  the folder) — nothing is created on the user's behalf, so a typo in a path never scatters
  sensitive files into a new folder tree. A target that is a folder is refused too, and so is one
  that exists but is not a plain file (a named pipe, a device such as ``/dev/null``, a socket):
  replacing it would put a file of data where a program expects something else.
* **Formula-safe.** In CSV a text cell that a spreadsheet would read as a formula — one starting
  with ``=``, ``+``, ``-``, ``@``, tab or CR, or whose first character after any blanks and
  invisible characters (Unicode categories Zs, Cc, Cf: space, no-break space, line break,
  zero-width space, BOM, word joiner, LRM …) is ``=``, ``+``, ``-``, ``@`` or their full-width
  forms ``＝ ＋ － ＠`` (`reads_as_formula`) — gets a leading ``'`` (`csv_escape`; a cell that
  already starts with ``'`` followed by such a text, or by another ``'``, gets one more), and
  importers strip exactly one (`csv_unescape`), so the two are inverse. Numbers (``int``/``float``
  values, and the columns a caller names as numeric) are written as numbers: ``-0.125`` is a
  number, never a formula. In XLSX every text cell is written as a string (`xlsx_text`), never
  as a formula, URL or number, in a workbook opened with `XLSX_OPTIONS`; every text given to a
  chart (title, series name, axis title, data label) is literal text, never a cell reference
  (`xlsx_chart_text`).
* **Owner-only folders.** The folders Brugerblik creates for itself (the default store's data
  folder, a new SQLite store's folder, the guide cache, and their missing parents) are ``0700``
  whatever the umask (`private_folders`); folders that exist are left as they are.
* **Tables as downloads.** `frame_to_xlsx` and `frame_to_csv` turn a frame into the bytes of a
  download (the coding workbench, the sources' export) by the same cell rule.
* **Blanks are blank.** ``None``, ``NaN``, ``NaT`` and ``pd.NA`` are written as an empty cell,
  never as the text ``nan`` or ``None`` (`is_blank`).

Errors are `FileWriteError` (a `survey.store.StoreError`: the CLI prints the message and exits
with code 1).
"""
from __future__ import annotations

import csv
import errno
import io
import math
import numbers
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Collection, Iterable, Optional, Sequence, Union

from survey.errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, so no temporary is ever taken for stale
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:  # pandas is imported only where a frame is handled (start-up time)
    import pandas as pd  # only a pandas value is checked against pandas (start-up)

__all__ = [
    "FILE_MODE", "FOLDER_MODE", "private_folders", "FORMULA_START", "FORMULA_SIGNS", "INVISIBLE",
    "reads_as_formula", "XLSX_OPTIONS", "XLSX_MAX_CHARS", "FileWriteError", "write_atomic", "check_target",
    "TEMP_NAME", "remove_stale_temporaries", "os_reason",
    "is_blank", "csv_escape", "csv_unescape", "csv_cell", "csv_text", "write_csv", "xlsx_text",
    "xlsx_chart_text", "xlsx_fragments", "utf16_len", "TabularError", "frame_to_xlsx", "frame_to_csv",
]

#: The mode of every file Brugerblik writes: read and write for the owner only.
FILE_MODE = 0o600
#: A CSV cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_START = frozenset("=+-@\t\r")
#: ... and so is one whose first character after any blanks and invisible characters (`INVISIBLE`)
#: is one of these: the four and their full-width forms, which spreadsheets also read as formulas.
FORMULA_SIGNS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
#: Unicode categories skipped before a formula sign: spaces (Zs: " ", no-break space), controls (Cc:
#: tab, CR, LF) and format characters (Cf: zero-width space/joiners, BOM, word joiner, LRM …).
INVISIBLE = frozenset(("Zs", "Cc", "Cf"))
#: xlsxwriter options for every workbook: a string is always a string.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell (UTF-16 code units)

Data = Union[bytes, bytearray, memoryview, str]
Writer = Callable[[Any], None]


class FileWriteError(StoreError):
    """A file that cannot be written where it was asked for (Danish message naming the place)."""


# ---------------------------------------------------------------- the one writer

def check_target(path: str | os.PathLike) -> Path:
    """The target as a Path (``~`` expanded), or FileWriteError when it cannot be written as a file:
    its folder is missing or is not a folder, the target itself is a folder, or it exists and is
    not a plain file (a named pipe, a device, a socket)."""
    p = Path(path).expanduser()
    if not p.name or p.is_dir():
        raise FileWriteError(f"{p} er en mappe; angiv et filnavn. Intet er skrevet.")
    folder = p.parent
    if not folder.exists():
        raise FileWriteError(f"Mappen {folder} findes ikke; opret den først, eller vælg en anden mappe. "
                             "Intet er skrevet.")
    if not folder.is_dir():
        raise FileWriteError(f"{folder} er ikke en mappe. Intet er skrevet.")
    try:
        st = p.stat()  # through a symbolic link: what a program reading the name would meet
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise FileWriteError(f"{p} findes og er ikke en almindelig fil (men fx en enhed eller en navngivet "
                             "pipe); vælg et andet filnavn. Intet er skrevet.")
    return p


#: The name of every temporary file or folder `write_atomic` makes: ``.NAME.brugerblik-XXXXXXXX.tmp``
#: (NAME: the first `_TEMP_NAME_CHARS` characters of the target's name; X: `tempfile`'s letters).
TEMP_NAME = re.compile(r"\..*\.brugerblik-[a-z0-9_]{8}\.tmp", re.S)
_TEMP_NAME_CHARS = 50  # 4 bytes a character at most: the name stays under NAME_MAX (255 bytes)

#: An OS error as the end of a Danish sentence (the rest: the strerror, which is English).
_REASONS = {errno.EACCES: "ingen skriveadgang til mappen", errno.EPERM: "ingen skriveadgang til mappen",
            errno.ENOSPC: "der er ikke plads på disken", errno.EDQUOT: "din diskkvote er brugt op",
            errno.EROFS: "drevet er skrivebeskyttet", errno.ENAMETOOLONG: "filnavnet er for langt",
            errno.EFBIG: "filen er for stor til drevet", errno.EIO: "skrivefejl på disken"}


def os_reason(e: OSError) -> str:
    """Why an OS call failed, in Danish where the error is a common one (else its own text)."""
    return _REASONS.get(e.errno or 0) or e.strerror or type(e).__name__


def _lock(fd: int) -> bool:
    """Take the writer's lock on an open temporary (False: somebody holds it)."""
    if fcntl is None:  # pragma: no cover - not POSIX
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _same(path: str, fd: int) -> bool:
    """Whether the name `path` still names the file or folder open as `fd` (not removed meanwhile)."""
    try:
        a, b = os.stat(path, follow_symlinks=False), os.fstat(fd)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _new_temporary(folder: Path, name: str, *, as_folder: bool) -> tuple[str, int]:
    """A new temporary file (mode 0600) or folder (0700) in `folder` named by `TEMP_NAME`, and an
    open descriptor of it holding the writer's lock: a temporary of a live writer is never taken for
    a stale one (`remove_stale_temporaries` removes only what it can lock, and the writer checks
    that its name was not removed between making it and locking it)."""
    prefix = f".{name[:_TEMP_NAME_CHARS]}.brugerblik-"
    for _ in range(100):
        if as_folder:
            path = tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=folder)  # mode 0700
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except FileNotFoundError:  # removed as stale before it was locked: make another
                continue
        else:
            fd, path = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)  # mode 0600
        if _lock(fd) and _same(path, fd):
            return path, fd
        os.close(fd)  # being removed as stale, or gone: make another
    raise FileWriteError(f"Kunne ikke lave en midlertidig fil i {folder}. Intet er ændret.")  # pragma: no cover


def remove_stale_temporaries(folder: str | os.PathLike) -> list[str]:
    """Remove the temporaries a killed write of this tool left in `folder`; returns their names.

    Only an entry that is all of: named by `TEMP_NAME`, a plain file or a folder (never a link),
    owned by this user, owner-only (no bit for group or others), and locked by no live writer.
    Whatever cannot be read or removed is left (best effort: the write goes on)."""
    if fcntl is None:  # pragma: no cover - without locks a live writer's temporary cannot be told apart
        return []
    try:
        names = [n for n in os.listdir(folder) if TEMP_NAME.fullmatch(n)]
    except OSError:
        return []
    removed = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:  # a link (O_NOFOLLOW), gone meanwhile, not ours to read
            continue
        try:
            st = os.fstat(fd)
            if (st.st_uid != os.geteuid() or st.st_mode & 0o077
                    or not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))):
                continue
            if not _lock(fd) or not _same(path, fd):  # a live writer's, or replaced meanwhile
                continue
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(path)  # never follows a link inside
            else:
                os.unlink(path)
            removed.append(name)
        except OSError:  # pragma: no cover - best effort
            continue
        finally:
            os.close(fd)
    return removed


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(p: str | os.PathLike) -> None:
    try:
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            os.unlink(p)
    except FileNotFoundError:
        pass
    except OSError:  # pragma: no cover - best effort; the original error is what matters
        pass


def write_atomic(path: str | os.PathLike, data_or_writer: Data | Writer, *, by_name: bool = False) -> Path:
    """Write a file the one way Brugerblik writes files (see module doc); returns its Path.

    `data_or_writer` is the content (``bytes``; a ``str`` is written as UTF-8) or a function
    that writes it:

    * ``writer(f)`` — gets a binary file object opened on the temporary file (seekable, so a
      `zipfile.ZipFile` or a `csv` writer over an `io.TextIOWrapper` can write into it);
    * with ``by_name=True``, ``writer(tmp_path)`` — gets the Path of a file that does not exist
      yet (its name ends as the target's), inside a new private (0700) folder in the target folder,
      and must create it there (for
      programs that only take a file name: pyreadstat, sqlite3, pg_dump). Other files the program
      leaves beside it (a journal) are removed with the folder.

    The result is owner-only (`FILE_MODE`), fsync'ed and renamed into place; on any failure the
    target is left as it was and nothing else remains. Raises FileWriteError for a missing
    folder, a target that is a folder, or an OS error while writing (no space, no permission).
    """
    target = check_target(path)
    folder = target.parent
    tmp: str | None = None
    private: str | None = None
    lock: int | None = None
    try:
        remove_stale_temporaries(folder)
        if by_name:
            if not callable(data_or_writer):
                raise TypeError("by_name=True kræver en funktion, der skriver filen.")
            private, lock = _new_temporary(folder, target.name, as_folder=True)  # mode 0700
            # a short name (the target's ending kept): a program's own files beside it (SQLite's
            # -journal) stay under NAME_MAX when the target's name is long
            tmp = os.path.join(private, "fil" + target.suffix[-20:])
            data_or_writer(Path(tmp))
            if not os.path.isfile(tmp):
                raise FileWriteError(f"{target} blev ikke skrevet (programmet lavede ingen fil). Intet er ændret.")
            os.chmod(tmp, FILE_MODE)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        else:
            tmp, fd = _new_temporary(folder, target.name, as_folder=False)  # mode 0600
            lock = os.dup(fd)  # the lock lasts until the rename, after the file is closed
            with os.fdopen(fd, "wb") as f:
                os.chmod(tmp, FILE_MODE)  # mkstemp's mode already; set once more so the policy is explicit
                if callable(data_or_writer):
                    data_or_writer(f)
                elif isinstance(data_or_writer, str):
                    f.write(data_or_writer.encode("utf-8"))
                elif isinstance(data_or_writer, (bytes, bytearray, memoryview)):
                    f.write(data_or_writer)
                else:
                    raise TypeError(f"write_atomic: bytes, str eller en funktion, ikke {type(data_or_writer).__name__}.")
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(folder)
    except OSError as e:
        raise FileWriteError(f"Kunne ikke skrive {target}: {os_reason(e)}. Intet er ændret.") from e
    finally:
        if tmp is not None:
            _remove(tmp)
        if private is not None:
            _remove(private)
        if lock is not None:
            os.close(lock)
    return target


# ---------------------------------------------------------------- cells

def is_blank(v: object) -> bool:
    """None, NaN (float or numpy), NaT, pd.NA: a cell with nothing in it. ``""`` is blank too."""
    if v is None or (isinstance(v, str) and v == ""):
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
        try:
            return bool(v != v)  # numpy floating NaN
        except (TypeError, ValueError):
            return False
    mod = type(v).__module__
    if mod.startswith("pandas"):
        import pandas as pd  # only a pandas value is checked against pandas (start-up)

        return v is pd.NA or v is pd.NaT
    return False


def _is_number(v: object) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def reads_as_formula(text: str) -> bool:
    """True when a spreadsheet could read the CSV cell `text` as a formula: it starts with one of
    `FORMULA_START`, or its first character after any blanks and invisible characters (Unicode
    categories Zs, Cc, Cf: ``" =1"``, ``"\\xa0=1"``, ``"\\n=1"``, ``"\\u200b=1"``, ``"\\ufeff=1"``)
    is one of `FORMULA_SIGNS` (also full-width: ``"＝1+1"``, ``"－2"``, ``"＠SUM(1)"``)."""
    return _formula_from(text, 0)


def _formula_from(text: str, start: int) -> bool:
    """`reads_as_formula(text[start:])`, without copying the text."""
    if start >= len(text):
        return False
    if text[start] in FORMULA_START:
        return True
    for i in range(start, len(text)):
        ch = text[i]
        if ch in FORMULA_SIGNS:
            return True
        if unicodedata.category(ch) not in INVISIBLE:
            return False
    return False


def _quoted(text: str) -> bool:
    """`text` starts with a ``'`` that `csv_escape` put there (or would double): one before a text
    that reads as a formula or before another ``'``."""
    return len(text) > 1 and text[0] == "'" and (text[1] == "'" or _formula_from(text, 1))


def csv_escape(text: str) -> str:
    """Protect a CSV cell from being read as a formula (see module doc): a leading ``'`` before a
    text that `reads_as_formula`, and one more before a text that already starts with such a ``'``."""
    if reads_as_formula(text) or _quoted(text):
        return "'" + text
    return text


def csv_unescape(text: str) -> str:
    """Inverse of `csv_escape`: strip one leading ' before a text that reads as a formula
    (`reads_as_formula`) or before another '."""
    return text[1:] if _quoted(text) else text


def csv_cell(v: object, *, plain: bool = False, verbatim: Collection[str] = ()) -> str:
    """One CSV cell: blank → ``""``; a number as written by Python; text escaped (`csv_escape`)
    unless `plain` (a column the caller knows holds numbers or dates written as text, e.g.
    ``"-0.125"``) or the text is one of `verbatim` (constants the caller itself defines, never
    data: a table's age band ``-29``, which a spreadsheet reads as a number, not a formula)."""
    if is_blank(v):
        return ""
    if _is_number(v):
        if isinstance(v, float) and math.isinf(v):
            return csv_escape(str(v))  # "-inf" is no number to a spreadsheet
        return str(v)
    s = str(v)
    return s if plain or s in verbatim else csv_escape(s)


def _rows_of(data: Any, header: Sequence[object] | None) -> tuple[list[object] | None, Iterable[Sequence[object]]]:
    """(header, rows) from a DataFrame (header = its columns unless given) or an iterable of rows."""
    if hasattr(data, "itertuples") and hasattr(data, "columns"):
        cols = list(data.columns) if header is None else list(header)
        return cols, data.itertuples(index=False, name=None)
    return (list(header) if header is not None else None), data


def _plain_index(header: Sequence[object] | None, plain: Iterable[object]) -> set[int]:
    """Positions of the columns not to escape: given by name (in `header`) or by position."""
    plain = list(plain)
    idx: set[int] = set()
    names = [str(h) for h in header] if header is not None else []
    for p in plain:
        if isinstance(p, int) and not isinstance(p, bool):
            idx.add(p)
        elif str(p) in names:
            idx.update(i for i, n in enumerate(names) if n == str(p))
    return idx


def _write_csv_rows(f: IO[str], data: Any, header: Sequence[object] | None, plain: Iterable[object],
                    lineterminator: str, verbatim: Collection[str] = ()) -> int:
    cols, rows = _rows_of(data, header)
    keep = _plain_index(cols, plain)
    verbatim = frozenset(verbatim)
    # The csv module quotes a cell with a line break only if the break is in its line terminator
    # (a lone CR would end the row for every reader when rows end in "\n"), so each row is
    # formatted with CRLF — every CR and LF inside a cell quoted — and then given `lineterminator`.
    line = io.StringIO()
    w = csv.writer(line, lineterminator="\r\n")

    def put(cells: list[str]) -> None:
        line.seek(0)
        line.truncate()
        w.writerow(cells)
        f.write(line.getvalue()[:-2] + lineterminator)

    if cols is not None:
        put([csv_cell(c) for c in cols])
    n = 0
    for row in rows:
        put([csv_cell(v, plain=j in keep, verbatim=verbatim) for j, v in enumerate(row)])
        n += 1
    return n


def csv_text(data: Any, header: Sequence[object] | None = None, *, plain: Iterable[object] = (),
             verbatim: Collection[str] = (), lineterminator: str = "\n") -> str:
    """CSV text of a DataFrame or of rows (with `header` first, if given): every text cell
    escaped (`csv_escape`), blanks empty, numbers as numbers. `plain` names the columns (by
    name or position) whose text is numbers or dates that must not get a ``'`` (e.g. a table's
    proportions already formatted as ``"-0.125"``); `verbatim` as in `csv_cell`."""
    buf = io.StringIO()
    _write_csv_rows(buf, data, header, plain, lineterminator, verbatim)
    return buf.getvalue()


def write_csv(path: str | os.PathLike, data: Any, header: Sequence[object] | None = None, *,
              plain: Iterable[object] = (), bom: bool = True, lineterminator: str = "\r\n") -> int:
    """Write `data` (as `csv_text`) to `path` with `write_atomic`: UTF-8 (with a BOM by default,
    so Excel reads æøå), CRLF line ends by default. Streams the rows. Returns the number of rows."""
    count = [0]

    def write(f) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False)
        try:
            count[0] = _write_csv_rows(text, data, header, plain, lineterminator)
            text.flush()
        finally:
            text.detach()  # the binary file stays open for write_atomic's fsync

    write_atomic(path, write)
    return count[0]


# ---------------------------------------------------------------- XLSX: text is text

_XL_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def utf16_len(s: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def _xl_escape_like_xlsxwriter(s: str) -> str:
    """What xlsxwriter does to a shared string before writing it (see its xmlwriter.py)."""
    s = re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", s)
    s = re.sub(r"([\x00-\x08\x0b-\x1f])", lambda m: f"_x{ord(m.group(1)):04X}_", s)
    return s.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _xl_unescape(s: str) -> str:
    """How a reader undoes Excel's _xHHHH_ escaping."""
    return _XL_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


def xlsx_fragments(s: str) -> list[str] | None:
    """Fragments for a string xlsxwriter cannot write as a plain string, else None.

    xlsxwriter writes a string of the form "<r>…</r>" as raw rich-text XML, and its
    _xHHHH_ escaping loses text when two such patterns share an underscore. Such strings are
    written as a rich string whose fragments start at every "_", so no fragment holds a
    pattern; readers join the fragments back into the same text.
    """
    if not ((s.startswith("<r>") and s.endswith("</r>"))
            or ("_x" in s and _xl_unescape(_xl_escape_like_xlsxwriter(s)) != s)):
        return None
    cuts = sorted({0, 1, len(s)} | {i for i, ch in enumerate(s) if ch == "_"})
    return [s[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


def xlsx_text(ws, row: int, col: int, s: str, fmt=None, *, plain_fmt) -> int:
    """Write `s` into a cell as text — never a formula, URL or number, whatever it starts with —
    with xlsxwriter's ``write_string`` (or ``write_rich_string`` for the text its escaping would
    damage, see `xlsx_fragments`; `plain_fmt` is an empty format, ``workbook.add_format()``, for
    the fragments). Use in a workbook opened with `XLSX_OPTIONS`. The caller checks the length
    (`XLSX_MAX_CHARS`). Returns xlsxwriter's status (0 = written)."""
    frags = xlsx_fragments(s)
    if frags:
        return ws.write_rich_string(row, col, plain_fmt, *frags, *((fmt,) if fmt is not None else ()))
    return ws.write_string(row, col, s, fmt) if fmt is not None else ws.write_string(row, col, s)


#: xlsxwriter's own test (chart.py, ``_process_names`` and custom data labels) for "this chart text is a
#: cell reference": a title, series name, axis title or data label matching it is written as ``<c:f>``.
_XL_CHART_REF = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")
#: U+2060 WORD JOINER: invisible, zero width; put after the "!" of a text that would read as a reference.
_WORD_JOINER = "\u2060"


def xlsx_chart_text(s: object) -> str:
    """Text for xlsxwriter's chart API — a chart title, series name, axis title or custom data
    label — as literal text, never a cell reference, rendered as it is.

    xlsxwriter reads any string matching ``^=?[^!]+!\\$?[A-Z]+\\$?\\d+`` there as a reference
    (a site named ``Data!A2 test`` gave ``<c:f>Kvalitetskort: Data!A2 test``) and a list as a
    ``[sheet, row, col]`` reference; so the result is always a ``str``, and a word joiner (U+2060,
    invisible) goes after the first ``!`` of a text that matches (the match can only start there:
    ``[^!]+`` stops at the first ``!``). A leading ``=`` alone is no reference and is kept. Cell
    references that are meant (a series' ``name`` as a list into the chart data) are not text and
    do not go through here."""
    s = "" if s is None else str(s)
    if _XL_CHART_REF.match(s):
        i = s.index("!") + 1
        s = s[:i] + _WORD_JOINER + s[i:]
    return s


# ----------------------------------------------------------------------------- tables as downloads
# (the coding workbench's downloads, the sources' XLSX export): bytes for a download button; a file
# on disk is written with `write_atomic`.

class TabularError(ValueError):
    """A table that cannot be written (the message says why, Danish)."""


def frame_to_xlsx(df: pd.DataFrame, sheet: str = "Data", *, title: Optional[str] = None) -> bytes:
    """The frame as an XLSX workbook (one sheet, bold frozen header, autofilter), as bytes.

    Numbers stay numbers; every other value is written as a string (None/NaN as an empty cell)."""
    import xlsxwriter  # only the commands and pages that write a workbook load it

    cols = [str(c) for c in df.columns]
    rows = df.astype(object).itertuples(index=False, name=None)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {**XLSX_OPTIONS, "in_memory": True})
    if title:
        wb.set_properties({"title": title})
    ws = wb.add_worksheet(sheet[:31] or "Data")
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    plain = wb.add_format()
    widths = [min(60, max(10, len(c) + 2)) for c in cols]
    for j, c in enumerate(cols):
        xlsx_text(ws, 0, j, c, bold, plain_fmt=plain)
    n = 0
    for i, row in enumerate(rows, start=1):
        n = i
        for j, v in enumerate(row):
            if is_blank(v):
                continue
            if isinstance(v, numbers.Number) and not isinstance(v, bool) and not isinstance(v, complex) \
                    and math.isfinite(v):
                ws.write_number(i, j, v)
                continue
            s = str(v)
            if utf16_len(s) > XLSX_MAX_CHARS:
                raise TabularError(f"Række {i}, kolonne {cols[j]}: teksten er længere, end en Excel-celle kan rumme "
                                   f"({XLSX_MAX_CHARS} tegn) — hent som CSV i stedet.")
            widths[j] = min(60, max(widths[j], min(len(s), 60)))
            xlsx_text(ws, i, j, s, wrap, plain_fmt=plain)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 0)
    if cols:
        ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
    wb.close()
    return buf.getvalue()


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """The frame as CSV: UTF-8 with BOM (Excel reads æøå), comma-separated, CRLF, formula-safe text
    cells and blanks as empty cells (`survey.csv_text`)."""
    return ("\ufeff" + csv_text(df, [str(c) for c in df.columns], lineterminator="\r\n")).encode("utf-8")


#: The mode of every folder Brugerblik creates: owner only (`private_folders`).
FOLDER_MODE = 0o700


def private_folders(folder: str | os.PathLike) -> Path:
    """Create `folder` and the parents of it that are missing, each owner-only (`FOLDER_MODE`)
    whatever the umask; returns it as a Path. Folders that exist already (``~/.local``, the folder
    itself) are left as they are. For the folders Brugerblik makes for itself — the default
    store's data folder, a new SQLite store's folder, the guide cache; an export's folder is never
    created (`check_target`)."""
    folder = Path(folder).expanduser()
    missing = []
    d = folder
    while not d.exists():
        missing.append(d)
        if d.parent == d:
            break
        d = d.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another process: not ours to change
            continue
        os.chmod(d, FOLDER_MODE)  # mkdir's mode is cut by the umask
    return folder


def private_store(path: Path) -> None:
    """A SQLite store is owner-only, as every file the tool writes (`survey.files`): the folders it
    creates for it 0700 and the file 0600 whatever the umask, and a store (or its -wal, -shm,
    -journal) readable by others is made owner-only when opened — it holds abuse, mental-health and
    debt histories (found by a hostile tester: 0644 under the default umask, 0666/0777 under 0000). Only the
    others' bits are cleared: a store its owner made read-only (0444) stays so (0400), never writable again.
    SQLite gives the -wal and -shm files the store's own mode. A team shares PostgreSQL, not a file."""
    private_folders(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for f in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        try:
            st = f.stat()
            if st.st_mode & 0o077 and st.st_uid == os.getuid():
                # the others' bits go; the owner's stay: a store made read-only (0444) stays read-only (0400)
                os.chmod(f, stat.S_IMODE(st.st_mode) & 0o700)
        except OSError:  # not there, or not ours to change: SQLite says what it cannot open
            continue
