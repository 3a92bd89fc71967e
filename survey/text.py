"""Text as every store can hold it: one cleaning rule for every free-text field (issue 6).

PostgreSQL refuses NUL (``\\x00``) in text and neither database driver can encode a lone UTF-16
surrogate (``\\ud800``), so a value with either would fail at the database with an error the user
cannot read. The rule is the interview's (`survey.interview._sanitise` + `survey.guide.clean_text`,
which answers and quotes go through): lone surrogates become U+FFFD, control characters other
than tab and newline are removed, Windows line ends become ``\\n``. `text_field` adds the checks
a field needs (type, length, single line) and raises the module's own `StoreError` subclass with
a Danish message.
"""
from __future__ import annotations

import codecs
import re
from numbers import Number
from typing import Callable, Iterable, Iterator, Optional, Union

from survey.guide import clean_text
from survey.errors import StoreError


def safe_text(raw: object) -> str:
    """`raw` (None → "") as text a database can store: no lone surrogates, no control characters
    except tab and newline."""
    if raw is None:
        return ""
    return clean_text(raw if isinstance(raw, str) else str(raw))


def shown(raw: object, limit: int = 40) -> str:
    """A value quoted in a message: cleaned and cut, so a message stays short and printable."""
    t = " ".join(safe_text(raw).split())
    return repr(t if len(t) <= limit else t[:limit] + "…")


def text_field(raw: object, what: str, *, max_len: Optional[int] = None, single_line: bool = True,
               error: type[StoreError] = StoreError) -> str:
    """A text field's value: text (numbers are taken as written; other types are refused),
    cleaned by `safe_text`, one line with single spaces when `single_line`, stripped; longer
    than `max_len` is refused. Raises `error` with a Danish message naming `what`."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        if isinstance(raw, bool) or not isinstance(raw, Number):
            raise error(f"{what} skal være tekst (fik {type(raw).__name__}).")
        raw = str(raw)
    t = safe_text(raw)
    t = " ".join(t.split()) if single_line else t.strip()
    if max_len is not None and len(t) > max_len:
        raise error(f"{what} er for lang ({len(t)} tegn, højst {max_len}).")
    return t


# ---------------------------------------------------------------- encodings of text files

#: One valid UTF-8 multi-byte sequence (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
PIECE = 1 << 20
#: Bytes in pieces: (offset in the file, the piece), in order — a file is checked without being held.
Pieces = Iterable[tuple[int, Union[bytes, memoryview]]]


def pieces_of(data: Union[bytes, bytearray, memoryview], start: int = 0) -> Iterator[tuple[int, memoryview]]:
    """`data` from `start` in 1 MiB pieces (views, no copies)."""
    mv = memoryview(data)
    for pos in range(start, len(mv), PIECE):
        yield pos, mv[pos:pos + PIECE]


def first_bad_bytes(data: Union[bytes, Pieces], codec: str, start: int = 0) -> Optional[tuple[int, int]]:
    """(first, end) byte offsets of the first bytes `codec` cannot decode, or None. `data` is bytes
    (checked from `start`) or pieces; nothing decoded is kept, so a big file costs no memory."""
    pieces = pieces_of(data, start) if isinstance(data, (bytes, bytearray, memoryview)) else data
    dec = codecs.getincrementaldecoder(codec)("strict")
    end = start
    for pos, piece in pieces:
        pending = len(dec.getstate()[0])
        try:
            dec.decode(piece, False)
        except UnicodeDecodeError as e:
            return pos - pending + e.start, pos - pending + e.end
        end = pos + len(piece)
    pending = len(dec.getstate()[0])
    try:
        dec.decode(b"", True)
    except UnicodeDecodeError as e:  # the file ends inside a character
        return end - pending + e.start, end - pending + e.end
    return None


def utf8_or_cp1252(data: Union[bytes, Callable[[], Pieces]], start: int = 0
                   ) -> tuple[str, Optional[tuple[int, int]]]:
    """The encoding rule for text files without a UTF-16 byte-order mark, from `start` (after a
    UTF-8 BOM, if the caller saw one): ("utf-8", None) when the bytes are valid UTF-8;
    ("utf-8", (first, end)) — refuse — when they hold a valid UTF-8 multi-byte sequence (æ, ø, å
    …) but also an invalid byte; ("cp1252", None) only when there is no valid UTF-8 multi-byte
    sequence at all (read as Windows-1252, and say so); ("cp1252", (first, end)) — refuse — when
    even Windows-1252 cannot read a byte. Never a silent re-read of a UTF-8 file as something else.

    `data` is bytes, or a function giving the file's pieces afresh (it may be read twice)."""
    pieces = (lambda: pieces_of(data, start)) if isinstance(data, (bytes, bytearray, memoryview)) else data
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    ascii_only, multi, bad = True, False, None
    tail, end = b"", start
    for pos, piece in pieces():
        b = bytes(piece)
        end = pos + len(b)
        if ascii_only and b.isascii():
            continue
        ascii_only = False
        if not multi and UTF8_MULTI.search(tail + b):  # a sequence may straddle two pieces
            multi = True
        tail = b[-3:]
        if bad is None:
            pending = len(dec.getstate()[0])
            try:
                dec.decode(b, False)
            except UnicodeDecodeError as e:
                bad = (pos - pending + e.start, pos - pending + e.end)
        if bad is not None and multi:
            break
    if ascii_only:
        return "utf-8", None
    if bad is None:
        pending = len(dec.getstate()[0])
        try:
            dec.decode(b"", True)
        except UnicodeDecodeError as e:
            bad = (end - pending + e.start, end - pending + e.end)
    if bad is None or multi:
        return "utf-8", bad
    return "cp1252", first_bad_bytes(pieces(), "cp1252")


def split_cues(cues: Union[str, Iterable[str], None], *, error: type[Exception] = StoreError) -> list[str]:
    """Cue words/phrases: one per line (or an iterable), trimmed, inner whitespace collapsed,
    blanks dropped, duplicates (case-insensitive) dropped; order kept. Anything else: `error`."""
    if cues is None:
        return []
    if isinstance(cues, str):
        items = cues.splitlines()
    elif isinstance(cues, (list, tuple, set, frozenset)) or (isinstance(cues, Iterable) and not isinstance(
            cues, (bytes, bytearray, dict))):
        items = list(cues)
    else:
        raise error(f"Ordene skal være tekst med ét ord eller udtryk pr. linje (fik {type(cues).__name__}).")
    out, seen = [], set()
    for c in items:
        c = " ".join(safe_text(c).split())  # no control characters: PostgreSQL refuses NUL
        if c and c.lower() not in seen:
            seen.add(c.lower())
            out.append(c)
    return out
