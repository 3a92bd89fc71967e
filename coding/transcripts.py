"""Interview transcripts: import, speaker turns and paragraphs, and theme coding of segments.

Also holds the table for theme codes on quotes (`QuoteCode`, used by `coding.quotebank`), so
every table of this part is defined in `survey.models` (the one models module).

Nothing here imports Streamlit. Every function takes an explicit SQLModel Session (the caller
commits, e.g. with `survey.db.session_scope`) and raises `TranscriptError` (a
`survey.store.StoreError`; unknown codes raise `coding.codebook.CodebookError`, also a
StoreError) with a Danish message fit to show the user. Nothing here logs transcript text,
memos or file names; log lines carry only ids and counts.

Import
------
`import_transcript(s, respondent, source, filename, who)` attaches a file to one respondent
(`respondent` is the pseudonymous respondent id, e.g. ``AMA-03``, or the interview's uuid).
Allowed types, by the file name's extension:

* ``.txt`` — UTF-16 with BOM; else UTF-8 (with or without BOM) — a file with any valid UTF-8
  character must be valid UTF-8 throughout, or it is refused naming the line and byte (never
  silently re-read as something else); only a file with no UTF-8 character at all is read as
  Windows-1252 (cp1252);
* ``.md``  — read as .txt, then markup stripped minimally: heading marks (a heading becomes its
  own paragraph and ends the current speaker's turn), emphasis ``**x**``/``*x*``/``__x__``/``_x_``,
  inline code, links ``[tekst](url)`` → ``tekst``, images, block-quote ``>`` and list markers,
  horizontal rules, HTML comments and a leading YAML front matter block;
* ``.vtt`` / ``.srt`` (issue 15) — subtitle files as offline transcription tools write them,
  read as .txt and parsed with webvtt-py / pysrt: one paragraph per cue, stored as
  «[start --> end] label: text», so each segment keeps its speaker and times. A WebVTT voice is a
  label only when it is a role word or a numbered speaker; any other voice (likely a name) is
  dropped. A file no parser accepts, or with no cue, is refused;
* ``.docx`` — the body's paragraphs (and table rows) in document order via python-docx, each
  paragraph a paragraph of the transcript; a table row whose first cell is just a speaker label
  becomes ``label: rest``. Before python-docx sees it, the archive is checked against
  `survey.archives.DOCX` and its XML is counted (at most `MAX_DOCX_ELEMENTS` elements, no
  DOCTYPE): a zip bomb is refused with a Danish message, not read.

The stored `Transcript.text` is the *normalised* text: Unicode NFC (so "å" typed on a Mac
equals "å" from Windows), Windows/old-Mac line ends made ``\\n``, control characters removed,
trailing blanks on each line dropped, runs of blank lines collapsed to one, leading/trailing
blank lines dropped. Segment offsets index this text exactly:
``transcript.text[seg.start:seg.end] == seg.text``.

Refused (nothing written): another extension (message names the file and the allowed types),
a .txt/.md whose content is binary or another format (a PDF, a zip/Word file), an empty file (or
one with no text), a file over `MAX_BYTES` (5 MB) or with more than
`MAX_CHARS` characters of text, a file that cannot be decoded/opened, an unknown respondent,
and a second transcript with the same file name for the same respondent unless
``replace=True`` (which deletes the old one with its segments and codings).

Speaker turns
-------------
A turn starts at a line beginning with a speaker label followed by a colon (case-insensitive,
optional blanks before and after the label and before the colon, an optional number after the
label for group interviews such as ``B2:``, an optional time stamp such as ``[00:12:03]``
before it):

* interviewer ``I``: ``I``, ``Int``, ``Interviewer``, ``Intervieweren``
* respondent ``B``: ``B``, ``Bruger``, ``Brugeren``, ``Borger``, ``R``, ``Resp``,
  ``Respondent``, ``IP`` (interviewperson), ``Interviewperson``, ``Informant``

(see `SPEAKER_LABELS`), or a speaker numbered by a transcription tool — ``S01``, ``SPEAKER_00``,
``Speaker 1``, ``Taler 1`` (noScribe, aTrain) — whose role is not known (speaker ``''``). The label
(and time stamp) is not part of the segment text; the raw label as written is kept in
`Segment.label`. Times (issue 15): a time stamp before the label, or a bracketed one alone at the
start of a line («[00:01:30] …», which starts a new paragraph of the same turn), is the
segment's `Segment.t_start` in seconds; a range «[a --> b]» also gives `t_end`, otherwise a timed
segment ends where the next timed one starts. A time of day in running text ("10:30 kom jeg")
is no time stamp. A turn continues over the following lines until
the next label line. A turn of several paragraphs (blank-line separated) gives one segment per
paragraph, all with the turn's speaker. Text before the first label, and every paragraph of a
text without labels, is a segment with speaker ``''`` (unknown).

Coding
------
`SegmentCode` links a segment to one or more codebook codes. **The memo belongs to the
segment-code pair** (why *this* code applies to *this* passage — what theme analysis reads
next to the passage). `code_segment(s, segment, codes, memo, who)` gives every code of the call
the same memo; ``memo=None`` leaves the memo of codes already on the segment unchanged,
``memo=""`` clears it; `set_memo` edits one pair. `QuoteCode` is the same for quotes (no memo).

Suggestions (`coding.nlp`): `suggestion_targets` picks the segments to suggest codes for — by
default (`SUGGEST_DEFAULT`, ``"bruger"``) only the respondent's own turns (speaker ``B``), never
the interviewer's questions; in a transcript with no known speaker at all every segment (nobody
can tell whose words they are); with ``"alle"`` every segment. Pass their `SegmentView.text` to
the tagger; to store an accepted
suggestion call ``code_segment(..., source="regel"|"model"|"regel+model")``, which also
records an *accepted* `coding.codebook.CodeDecision` (training data). `uncode_segment` turns
an existing decision for that pair into *rejected*, so the training data follows the
researcher's latest view. A rejected suggestion that was never applied is recorded by the page
with `coding.codebook.record_decision` directly.

Deleting
--------
`delete_transcript` removes the transcript, its segments and their codings (also in the
database: foreign keys ``ON DELETE CASCADE``, so deleting an interview removes its transcripts).
`CodeDecision` rows are kept (they are text snapshots). Segment and transcript ids are never
reused (SQLite ``AUTOINCREMENT``), so a kept decision or double-coding value
(`coding.agreement`, unit ``("segment", id)``) can never attach to a later segment.
A code in use cannot be deleted from the codebook (foreign key); `code_usage` counts its uses.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from sqlalchemy import case, delete, func, select
from sqlmodel import Session

from coding.codebook import SOURCES, Code, CodeDecision, CodebookError, all_codes, get_code, record_decision
from survey.clock import aware
from survey.db import get_by_id
from survey.models import AuditEntry, Interview, Quote, QuoteCode, Segment, SegmentCode, Site, Transcript, utcnow
from survey.consent import exportable
from survey.privacy import refuse_for_target, refuse_if_withdrawn
from survey.store import StoreError, interview_by_respondent
from survey.text import first_bad_bytes, utf8_or_cp1252
from xml.parsers import expat
from survey import archives

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_CHARS = 5_000_000
MAX_MEMO = 20_000
MAX_DOCX_ELEMENTS = 1_000_000  # XML elements in a .docx (see _check_docx)
ALLOWED_TYPES = (".txt", ".md", ".docx", ".vtt", ".srt")
SPEAKERS = {"I": "Interviewer", "B": "Bruger", "": "Ukendt"}
# label as written (lower case, without number) -> speaker
SPEAKER_LABELS: dict[str, str] = {
    "i": "I", "int": "I", "interviewer": "I", "intervieweren": "I",
    "b": "B", "bruger": "B", "brugeren": "B", "borger": "B", "r": "B", "resp": "B", "respondent": "B",
    "ip": "B", "interviewperson": "B", "informant": "B",
}
TranscriptSource = Union[str, Path, bytes, bytearray]
CodeLike = Union[Code, int, str]


class TranscriptError(StoreError):
    """A refused transcript or coding action; the message says why (Danish)."""


# --------------------------------------------------------------------------- tables


# --------------------------------------------------------------------------- plain views

@dataclass(frozen=True)
class CodingView:
    """One code on a segment (or quote): the code, the memo and who/when."""
    code_id: int
    key: str
    name: str
    memo: Optional[str]
    who: Optional[str]
    at: Optional[dt.datetime]


@dataclass(frozen=True)
class SegmentView:
    id: int
    transcript_id: int
    idx: int
    speaker: str          # I | B | ''
    speaker_name: str     # Interviewer | Bruger | Ukendt
    label: str
    text: str
    start: int
    end: int
    codes: tuple[CodingView, ...] = ()
    t_start: Optional[float] = None  # seconds into the recording (a timed transcript), else None
    t_end: Optional[float] = None

    @property
    def code_keys(self) -> list[str]:
        return [c.key for c in self.codes]

    @property
    def time_text(self) -> str:
        """«00:01:02–00:01:09» (or «00:01:02», or '' without times)."""
        if self.t_start is None:
            return ""
        return clock_text(self.t_start) + (f"–{clock_text(self.t_end)}" if self.t_end is not None else "")


def clock_text(seconds: float) -> str:
    """hh:mm:ss of a time in seconds (rounded down to the second)."""
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


SUGGEST_SCOPES = {"bruger": "Brugerens tale", "alle": "Al tale (også intervieweren)"}
SUGGEST_DEFAULT = "bruger"


def suggestion_targets(segments: Sequence[SegmentView], scope: str = SUGGEST_DEFAULT,
                       *, any_known: Optional[bool] = None) -> list[SegmentView]:
    """The segments to suggest codes for (see module doc): ``"bruger"`` the respondent's own turns
    (speaker ``B``) — or every segment when no segment of the transcript has a known speaker;
    ``"alle"`` every segment. `any_known`: whether the whole transcript has known speakers (pass
    it when `segments` is one page of it); by default worked out from `segments`."""
    if scope not in SUGGEST_SCOPES:
        raise TranscriptError(f"Ukendt valg for forslag {scope!r} — tilladt: {', '.join(SUGGEST_SCOPES)}.")
    if scope == "alle":
        return list(segments)
    known = any(g.speaker for g in segments) if any_known is None else any_known
    return [g for g in segments if g.speaker == "B"] if known else list(segments)


@dataclass(frozen=True)
class TranscriptInfo:
    id: int
    interview_id: str
    respondent_id: str
    filename: str
    fmt: str
    imported_at: Optional[dt.datetime]
    imported_by: Optional[str]
    n_chars: int
    n_segments: int
    n_labelled: int       # segments with a known speaker (0: the text had no speaker labels)
    n_coded: int          # segments with at least one code


@dataclass(frozen=True)
class CodedSegment:
    """A segment carrying a given code, with where it comes from (for theme analysis)."""
    segment_id: int
    transcript_id: int
    filename: str
    respondent_id: str
    interview_id: str
    site: Optional[str]
    site_type: Optional[str]
    idx: int
    speaker: str
    text: str
    code_key: str         # the code found (a sub-code when include_subcodes=True)
    code_name: str
    memo: Optional[str]
    who: Optional[str]
    at: Optional[dt.datetime]


# --------------------------------------------------------------------------- reading files

def _size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")


def _decode(data: bytes, filename: str) -> str:
    """Text of a .txt/.md file: UTF-16 with BOM, else the rule of `survey.text.utf8_or_cp1252` —
    a file with any valid UTF-8 character (or a UTF-8 BOM) must be valid UTF-8 throughout (else it
    is refused, naming the line and byte), and only a file with none is read as Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TranscriptError(f"Filen {filename!r} kan ikke læses som UTF-16-tekst.") from None
    if data.startswith(b"%PDF"):
        raise TranscriptError(f"Filen {filename!r} er en PDF-fil, ikke tekst. Gem dokumentet som .docx eller .txt.")
    if b"\x00" in data:
        raise TranscriptError(f"Filen {filename!r} ser ikke ud til at være en tekstfil (den indeholder binære data). "
                              "Gem den som ren tekst (UTF-8) eller som .docx.")
    if data.startswith(b"PK\x03\x04"):
        raise TranscriptError(f"Filen {filename!r} ser ud til at være et Word-dokument eller en zip-fil, ikke tekst. "
                              "Giv den endelsen .docx, hvis det er et Word-dokument.")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    codec, bad = utf8_or_cp1252(data, bom)
    if bom and codec == "cp1252":  # a UTF-8 byte-order mark: UTF-8 or nothing
        codec, bad = "utf-8", first_bad_bytes(data, "utf-8", bom)
    if bad is not None:
        first = bad[0]
        line = data.count(b"\n", 0, first) + 1
        where = f"byte nr. {first + 1} (linje {line}, 0x{data[first]:02X})"
        if codec == "utf-8":
            raise TranscriptError(f"Filen {filename!r} er UTF-8, men {where} er ikke gyldig UTF-8; den læses ikke "
                                  "som et andet tegnsæt. Ret tegnet, og gem filen igen som UTF-8.")
        raise TranscriptError(f"Filen {filename!r} kan ikke læses som tekst (hverken UTF-8 eller Windows-1252: "
                              f"{where}). Gem den som UTF-8.")
    return data[bom:].decode(codec)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
_QUOTE_MARK = re.compile(r"^[ \t]{0,3}(>[ \t]?)+")
_LIST_MARK = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_CODE = re.compile(r"`([^`\n]+)`")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])")
# internal (a private-use character): marks a markdown heading, which ends the current turn; removed before storing
SECTION_MARK = "\ue000"


def _strip_markdown(text: str) -> str:
    """Markdown to plain text, minimally (see module doc). Headings are marked as section starts."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _FRONT_MATTER.sub("", text)
    text = _HTML_COMMENT.sub("", text)
    out: list[str] = []
    lines = text.split("\n")
    for line in lines:
        if _SETEXT.match(line) and out and out[-1].strip() and not out[-1].startswith(SECTION_MARK):
            # the previous line was a setext heading ("Titel" underlined with === or ---)
            out[-1:] = ["", SECTION_MARK + out[-1], ""]
            continue
        if _RULE.match(line):
            out.append("")
            continue
        m = _HEADING.match(line)
        if m:
            out.extend(["", SECTION_MARK + m.group(1), ""])
            continue
        line = _QUOTE_MARK.sub("", line)
        line = _LIST_MARK.sub(r"\1", line)
        line = _IMAGE.sub(r"\1", line)
        line = _LINK.sub(r"\1", line)
        line = _CODE.sub(r"\1", line)
        line = _STRONG.sub(r"\2", line)
        line = _EM_STAR.sub(r"\1", line)
        line = _EM_UNDER.sub(r"\1", line)
        line = _ESCAPE.sub(r"\1", line)
        out.append(line)
    return "\n".join(out)


def _check_docx(data: bytes, filename: str) -> None:
    """Refuse a .docx before python-docx reads it: the archive against `survey.archives.DOCX`
    (members, declared size, compression ratio), then every XML part streamed through expat —
    no DOCTYPE, at most `MAX_DOCX_ELEMENTS` elements in all — so the tree python-docx/lxml builds
    stays well under 1 GiB (about 350 bytes an element)."""


    cant_open = (f"Filen {filename!r} kan ikke åbnes som Word-dokument (.docx). "
                 "Er den gemt i et andet format? Gem den som .docx eller .txt.")
    try:
        zf = archives.open_checked(data, archives.DOCX, f"Word-filen {filename!r}")
    except archives.ArchiveError as e:
        raise TranscriptError(cant_open if e.limit == "broken" else str(e)) from None
    count = 0

    def start(_name, _attrs) -> None:
        nonlocal count
        count += 1
        if count > MAX_DOCX_ELEMENTS:
            raise TranscriptError(f"Word-filen {filename!r} afvises: den har over {MAX_DOCX_ELEMENTS:,} XML-elementer "
                                  "(en transskription af et langt interview har omkring 100.000). Gem den som .txt, "
                                  "eller del den op.".replace(",", "."))

    def doctype(*_args) -> None:
        raise TranscriptError(cant_open)

    with zf:
        try:
            for info in zf.infolist():
                if not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                p = expat.ParserCreate()
                p.StartElementHandler = start
                p.StartDoctypeDeclHandler = doctype
                p.EntityDeclHandler = doctype
                with archives.open_member(zf, info.filename, archives.DOCX, f"Word-filen {filename!r}") as f:
                    while chunk := f.read(1 << 16):
                        p.Parse(chunk, False)
                p.Parse(b"", True)
        except archives.ArchiveError as e:
            raise TranscriptError(str(e)) from None
        except TranscriptError:
            raise
        except Exception:  # a broken zip or XML part: python-docx could not read it either
            raise TranscriptError(cant_open) from None


def _docx_text(data: bytes, filename: str) -> str:
    _check_docx(data, filename)
    try:
        import docx  # python-docx: only a .docx transcript loads it
        from docx.table import Table  # python-docx
        from docx.text.paragraph import Paragraph  # python-docx
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise TranscriptError("Word-filer (.docx) kan ikke læses: pakken python-docx mangler.") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:
        raise TranscriptError(f"Filen {filename!r} kan ikke åbnes som Word-dokument (.docx). "
                              "Er den gemt i et andet format? Gem den som .docx eller .txt.") from None
    paragraphs: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    t = cell.text.strip()
                    if t and (not cells or cells[-1] != t):  # merged cells repeat their text
                        cells.append(t)
                if len(cells) >= 2 and _LABEL_ONLY.match(cells[0]):
                    paragraphs.append(f"{cells[0].rstrip(':').strip()}: {' '.join(cells[1:])}")
                elif cells:
                    paragraphs.append(" ".join(cells))
    return "\n\n".join(p for p in paragraphs if p.strip())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # keeps \t and \n


def normalise_text(text: str) -> str:
    """The stored form of a transcript's text (see module doc). Keeps SECTION_MARK."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _CONTROL.sub("", text).replace("\ufeff", "")
    lines = [ln.rstrip() for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if not ln.strip():
            if out and out[-1] != "":
                out.append("")
        else:
            out.append(ln)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def check_filename(filename: str) -> str:
    """The file's type (its lower-case extension) if allowed, else TranscriptError naming the file."""
    name = Path(str(filename).replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_TYPES:
        hint = " Gem dokumentet som .docx eller .txt." if suffix in (".doc", ".rtf", ".odt", ".pages", ".pdf") else ""
        raise TranscriptError(f"Filen {name!r} kan ikke importeres: kun {', '.join(ALLOWED_TYPES[:-1])} og "
                              f"{ALLOWED_TYPES[-1]} er tilladt (fik {suffix or 'ingen endelse'}).{hint}")
    return suffix


def read_transcript(data: bytes, filename: str) -> tuple[str, str, list[int]]:
    """(fmt, normalised text, section starts) of a file's bytes; TranscriptError if refused."""
    name = Path(filename).name
    suffix = check_filename(name)
    if len(data) > MAX_BYTES:
        raise TranscriptError(f"Filen {name!r} er for stor ({_size_text(len(data))}); højst "
                              f"{_size_text(MAX_BYTES)} pr. transskription. Del den op i flere filer.")
    if not data.strip():
        raise TranscriptError(f"Filen {name!r} er tom.")
    fmt = suffix.lstrip(".")
    if fmt == "docx":
        raw = _docx_text(data, name).replace(SECTION_MARK, "")
    else:
        raw = _decode(data, name).replace(SECTION_MARK, "")
        if fmt == "md":
            raw = _strip_markdown(raw)
        elif fmt in ("vtt", "srt"):
            raw = _subtitle_text(raw, fmt, name)
    marked = normalise_text(raw)
    text, sections = _take_section_marks(marked)
    if not text.strip():
        raise TranscriptError(f"Filen {name!r} er tom (den indeholder ingen tekst).")
    if len(text) > MAX_CHARS:
        raise TranscriptError(f"Filen {name!r} indeholder for meget tekst ({len(text):,} tegn; højst "
                              f"{MAX_CHARS:,}). Del den op i flere filer.".replace(",", "."))
    return fmt, text, sections


def _take_section_marks(marked: str) -> tuple[str, list[int]]:
    out, sections = [], []
    pos = 0
    for ch in marked:
        if ch == SECTION_MARK:
            sections.append(pos)
        else:
            out.append(ch)
            pos += 1
    return "".join(out), sections


# --------------------------------------------------------------------------- splitting

_LABEL_WORDS = "|".join(sorted(SPEAKER_LABELS, key=len, reverse=True))
# a time stamp: [00:12:03], (12:03), 00:12:03.250, or a range [00:00:01.000 --> 00:00:04.500]
_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_RANGE = rf"(?P<t0>{_TS})(?:[ \t]*(?:-->|–|-)[ \t]*(?P<t1>{_TS}))?"
_TIME = rf"(?:\[?\(?{_RANGE}\)?\]?[ \t]*)"
# speakers numbered by a transcription tool (noScribe "S01", aTrain/WhisperX "SPEAKER_00",
# "Speaker 1", "Taler 1"): a turn of a speaker whose role is not known ('')
_GENERIC = r"(?:SPEAKER_|Speaker[ \t]?|Taler[ \t]?|S)\d{1,2}"
_LABEL_RE = re.compile(rf"^[ \t]*{_TIME}?(?P<label>(?P<word>{_LABEL_WORDS})(?:[ \t]?\d{{1,2}})?|{_GENERIC})[ \t]*:"
                       rf"[ \t]*", re.IGNORECASE)
# a line that starts with a time stamp in brackets and no speaker label: a new timed paragraph
_TIMED_RE = re.compile(rf"^[ \t]*[\[(]{_RANGE}[\])][ \t]*")
_LABEL_ONLY = re.compile(rf"^(?:{_LABEL_WORDS})(?:[ \t]?\d{{1,2}})?[ \t]*:?$", re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    """A segment before it is stored: speaker, raw label, [start, end) into the text, and where
    it is in the recording (seconds; None when the text has no time stamp for it)."""
    speaker: str
    label: str
    start: int
    end: int
    t_start: Optional[float] = None
    t_end: Optional[float] = None


def seconds(stamp: Optional[str]) -> Optional[float]:
    """Seconds of a time stamp ("00:12:03", "12:03", "00:00:01,250"); None if none or impossible."""
    if not stamp:
        return None
    parts = stamp.replace(",", ".").split(":")
    try:
        nums = [float(x) for x in parts]
    except ValueError:
        return None
    if len(nums) == 2:
        nums.insert(0, 0.0)
    h, m, sec = nums
    if m >= 60 or sec >= 60:
        return None
    return round(h * 3600 + m * 60 + sec, 3)


def split_segments(text: str, section_starts: Iterable[int] = ()) -> list[Piece]:
    """Speaker turns and paragraphs of a normalised text (see module doc). Pure function.

    `section_starts`: offsets of lines (markdown headings) that end the current turn; the line
    itself and what follows up to the next label get speaker ''.
    """
    sections = set(section_starts)
    pieces: list[Piece] = []
    speaker, label = "", ""
    para_start: Optional[int] = None  # start of the current paragraph piece's text
    para_end = 0
    t0: Optional[float] = None  # the current paragraph's time stamp (and end, if it gave one)
    t1: Optional[float] = None

    def close() -> None:
        nonlocal para_start, t0, t1
        if para_start is not None:
            s, e = para_start, para_end
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                pieces.append(Piece(speaker, label, s, e, t0, t1))
        para_start = None
        t0 = t1 = None

    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        line_end = n if nl < 0 else nl
        line = text[pos:line_end]
        if not line.strip():
            close()  # blank line: paragraph break, the turn goes on
        else:
            m = _LABEL_RE.match(line)
            timed = None if m else _TIMED_RE.match(line)
            if pos in sections:
                close()
                speaker, label = "", ""
                para_start = pos
            elif m:
                close()
                label = m.group("label")
                speaker = SPEAKER_LABELS[m.group("word").lower()] if m.group("word") else ""
                t0, t1 = seconds(m.group("t0")), seconds(m.group("t1"))
                para_start = pos + m.end()
            elif timed:  # a time stamp without a label: a new paragraph of the same turn
                close()
                t0, t1 = seconds(timed.group("t0")), seconds(timed.group("t1"))
                para_start = pos + timed.end()
            elif para_start is None:
                para_start = pos
            para_end = line_end
        if nl < 0:
            break
        pos = nl + 1
    close()
    return _end_times(pieces)


def _end_times(pieces: list[Piece]) -> list[Piece]:
    """A timed piece without an end ends where the next timed piece starts (if that is later)."""
    out = list(pieces)
    nxt: Optional[float] = None
    for i in range(len(out) - 1, -1, -1):
        p = out[i]
        if p.t_start is not None:
            if p.t_end is None and nxt is not None and nxt >= p.t_start:
                out[i] = Piece(p.speaker, p.label, p.start, p.end, p.t_start, nxt)
            nxt = p.t_start
    return out


def _voice_label(voice: Optional[str]) -> str:
    """A WebVTT voice as a speaker label: a known role word or a numbered speaker ("Speaker 1");
    any other voice — most likely a person's name — is left out, never stored."""
    v = " ".join((voice or "").split())
    if not v:
        return ""
    if re.fullmatch(rf"(?:{_LABEL_WORDS})(?:[ \t]?\d{{1,2}})?|{_GENERIC}", v, re.IGNORECASE):
        return v
    return ""


def _subtitle_text(raw: str, fmt: str, name: str) -> str:
    """A WebVTT or SRT file as transcript text: one paragraph per cue, «[start --> end] label:
    text», so the splitting keeps each cue's times and speaker. Parsed with webvtt-py / pysrt."""
    cues: list[tuple[str, str, str, str]] = []  # (start, end, label, text)
    if fmt == "vtt":
        import webvtt  # only a WebVTT import needs it (start-up time)

        try:
            captions = list(webvtt.from_buffer(io.StringIO(raw)))
        except Exception as e:  # webvtt-py's own errors (MalformedFileError, MalformedCaptionError …)
            raise TranscriptError(f"Filen {name!r} er ikke en gyldig WebVTT-fil ({type(e).__name__}). "
                                  "Eksportér den igen fra transskriptionsprogrammet.") from None
        for c in captions:
            cues.append((c.start, c.end, _voice_label(getattr(c, "voice", None)), c.text))
    else:
        import pysrt  # only an SRT import needs it (start-up time)

        try:
            items = pysrt.from_string(raw, error_handling=pysrt.ERROR_RAISE)
        except Exception as e:  # pysrt.Error and the value errors of a broken time line
            raise TranscriptError(f"Filen {name!r} er ikke en gyldig SRT-fil ({type(e).__name__}). "
                                  "Eksportér den igen fra transskriptionsprogrammet.") from None
        for it in items:
            cues.append((str(it.start), str(it.end), "", it.text_without_tags))
    if not cues:
        raise TranscriptError(f"Filen {name!r} indeholder ingen tekster med tidskoder.")
    out = []
    for start, end, label, text in cues:
        body = " ".join(text.split())
        if body:
            out.append(f"[{start} --> {end}] {label + ': ' if label else ''}{body}")
    return "\n\n".join(out)


# --------------------------------------------------------------------------- import / delete

def resolve_interview(s: Session, respondent: Union[str, Interview]) -> Interview:
    """The interview of a respondent id (e.g. AMA-03) or an interview uuid; TranscriptError if unknown."""
    if isinstance(respondent, Interview):
        return respondent
    key = str(respondent or "").strip()
    if not key:
        raise TranscriptError("Vælg respondenten, som transskriptionen hører til.")
    iv = interview_by_respondent(s, key) or s.get(Interview, key)
    if iv is None:
        raise TranscriptError(f"Respondenten {key!r} findes ikke. "
                              "Opret interviewet først, eller tjek respondent-id'et.")
    return iv


def _read_source(source: TranscriptSource, filename: Optional[str]) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not filename:
            raise TranscriptError("Filnavnet mangler (det bestemmer filtypen: .txt, .md eller .docx).")
        name = Path(str(filename).replace("\\", "/")).name
        check_filename(name)
        return bytes(source), name
    p = Path(source)
    name = Path(str(filename).replace("\\", "/")).name if filename else p.name
    check_filename(name)
    try:
        size = p.stat().st_size
    except OSError:
        raise TranscriptError(f"Filen {name!r} findes ikke eller kan ikke læses.") from None
    if size > MAX_BYTES:
        raise TranscriptError(f"Filen {name!r} er for stor ({_size_text(size)}); højst "
                              f"{_size_text(MAX_BYTES)} pr. transskription. Del den op i flere filer.")
    try:
        return p.read_bytes(), name
    except OSError:
        raise TranscriptError(f"Filen {name!r} kan ikke læses.") from None


def import_transcript(s: Session, interview_or_respondent_id: Union[str, Interview], path_or_bytes: TranscriptSource,
                      filename: Optional[str] = None, who: Optional[str] = None, *,
                      replace: bool = False) -> TranscriptInfo:
    """Import a .txt/.md/.docx transcript for a respondent and split it into segments.

    `path_or_bytes`: a path, or the file's bytes (an upload) with `filename` giving its name
    and type. Everything is checked before anything is written; on a TranscriptError the
    session is untouched. Returns the new transcript's summary.
    """
    data, name = _read_source(path_or_bytes, filename)
    iv = resolve_interview(s, interview_or_respondent_id)
    refuse_if_withdrawn(s, iv)  # issue 12: no transcript of a respondent who withdrew consent
    fmt, text, sections = read_transcript(data, name)
    pieces = split_segments(text, sections)
    if not pieces:
        raise TranscriptError(f"Filen {name!r} indeholder ingen tekst ud over talermarkeringer.")
    if len(name) > 255:
        stem, suffix = Path(name).stem, Path(name).suffix
        name = stem[:255 - len(suffix)] + suffix
    old = s.execute(select(Transcript).where(Transcript.interview_id == iv.id, Transcript.filename == name)
                    ).scalars().first()
    if old is not None and not replace:
        raise TranscriptError(f"Respondent {iv.respondent_id} har allerede en transskription med filnavnet {name!r}. "
                              "Vælg 'erstat' for at erstatte den (dens kodning slettes).")
    now = utcnow()
    if old is not None:
        delete_transcript(s, old.id, who=who, _note="erstattet ved ny import")
    t = Transcript(interview_id=iv.id, filename=name, fmt=fmt, text=text, imported_at=now, imported_by=who)
    s.add(t)
    s.flush()
    s.execute(Segment.__table__.insert(), [
        dict(transcript_id=t.id, idx=i, speaker=p.speaker, label=p.label[:40], text=text[p.start:p.end],
             start=p.start, end=p.end, t_start=p.t_start, t_end=p.t_end) for i, p in enumerate(pieces)])
    s.add(AuditEntry(interview_id=iv.id, entity="transcript", code=str(t.id), old_value=None, new_value=name,
                     who=who, at=now, note=f"transskription importeret ({fmt}, {len(pieces)} segmenter)"))
    s.flush()
    log.info("transskription %s importeret til interview %s: %d segmenter", t.id, iv.id, len(pieces))
    return _info(s, t, iv)


def delete_transcript(s: Session, transcript_id: int, who: Optional[str] = None, *, _note: str = "") -> None:
    """Delete a transcript with its segments and their codings (audited on the interview)."""
    t = s.get(Transcript, transcript_id)
    if t is None:
        raise TranscriptError(f"Transskription {transcript_id} findes ikke.")
    seg_ids = select(Segment.id).where(Segment.transcript_id == t.id)
    n_codes = s.execute(select(func.count()).select_from(SegmentCode).where(SegmentCode.segment_id.in_(seg_ids))
                        ).scalar_one()
    s.execute(delete(SegmentCode).where(SegmentCode.segment_id.in_(seg_ids)))
    s.execute(delete(Segment).where(Segment.transcript_id == t.id))
    s.add(AuditEntry(interview_id=t.interview_id, entity="transcript", code=str(t.id), old_value=t.filename,
                     new_value=None, who=who, at=utcnow(),
                     note=f"transskription slettet{', ' + _note if _note else ''} ({n_codes} kodninger fjernet)"))
    s.delete(t)
    s.flush()


# --------------------------------------------------------------------------- reading the store

def _info(s: Session, t: Transcript, iv: Optional[Interview] = None) -> TranscriptInfo:
    iv = iv or s.get(Interview, t.interview_id)
    n, n_lab = s.execute(select(func.count(), func.coalesce(func.sum(case((Segment.speaker != "", 1), else_=0)), 0))
                         .where(Segment.transcript_id == t.id)).one()
    n_coded = s.execute(select(func.count(func.distinct(SegmentCode.segment_id)))
                        .join(Segment, Segment.id == SegmentCode.segment_id)
                        .where(Segment.transcript_id == t.id)).scalar_one()
    return TranscriptInfo(t.id, t.interview_id, iv.respondent_id if iv else "", t.filename, t.fmt,
                          aware(t.imported_at), t.imported_by, len(t.text), int(n), int(n_lab), int(n_coded))


def get_transcript(s: Session, transcript_id: int) -> Transcript:
    t = s.get(Transcript, transcript_id)
    if t is None:
        raise TranscriptError(f"Transskription {transcript_id} findes ikke.")
    return t


def list_transcripts(s: Session, respondent: Union[str, Interview, None] = None) -> list[TranscriptInfo]:
    """Transcripts of one respondent (id or interview uuid), or all, by respondent and import time."""
    q = select(Transcript, Interview).join(Interview, Interview.id == Transcript.interview_id)
    if respondent is not None:
        q = q.where(Transcript.interview_id == resolve_interview(s, respondent).id)
    rows = s.execute(q.order_by(Interview.respondent_id, Transcript.imported_at, Transcript.id)).all()
    return [_info(s, t, iv) for t, iv in rows]


def _get_segment(s: Session, segment_id: Union[int, str, Segment]) -> Segment:
    if isinstance(segment_id, Segment):
        return segment_id
    seg = get_by_id(s, Segment, segment_id)
    if seg is None:
        raise TranscriptError(f"Segment {segment_id!r} findes ikke (er transskriptionen slettet?).")
    return seg


def get_segment(s: Session, segment_id: Union[int, str]) -> SegmentView:
    seg = _get_segment(s, segment_id)
    return segment_views(s, [seg])[0]


def _code_order(s: Session) -> dict[int, int]:
    return {c.id: i for i, c in enumerate(all_codes(s))}


def segment_views(s: Session, segs: Sequence[Segment]) -> list[SegmentView]:
    ids = [g.id for g in segs]
    codings: dict[int, list[CodingView]] = {}
    if ids:
        order = _code_order(s)
        rows = s.execute(select(SegmentCode, Code).join(Code, Code.id == SegmentCode.code_id)
                         .where(SegmentCode.segment_id.in_(ids))).all()
        for sc, c in sorted(rows, key=lambda r: order.get(r[1].id, 1 << 30)):
            codings.setdefault(sc.segment_id, []).append(
                CodingView(c.id, c.key, c.name, sc.memo, sc.who, aware(sc.at)))
    return [SegmentView(g.id, g.transcript_id, g.idx, g.speaker, SPEAKERS.get(g.speaker, g.speaker), g.label, g.text,
                        g.start, g.end, tuple(codings.get(g.id, ())), g.t_start, g.t_end) for g in segs]


def segments_for(s: Session, transcript_id: Optional[int] = None, *,
                 respondent: Union[str, Interview, None] = None) -> list[SegmentView]:
    """The segments of one transcript, or of every transcript of a respondent (id or interview
    uuid), in order, each with its codes (codebook order) and memos."""
    if (transcript_id is None) == (respondent is None):
        raise TranscriptError("Angiv enten en transskription eller en respondent.")
    q = select(Segment)
    if transcript_id is not None:
        get_transcript(s, transcript_id)
        q = q.where(Segment.transcript_id == transcript_id).order_by(Segment.idx)
    else:
        iv = resolve_interview(s, respondent)
        q = (q.join(Transcript, Transcript.id == Segment.transcript_id).where(Transcript.interview_id == iv.id)
             .order_by(Transcript.imported_at, Transcript.id, Segment.idx))
    return segment_views(s, list(s.execute(q).scalars()))


# --------------------------------------------------------------------------- coding

def resolve_codes(s: Session, codes: Union[CodeLike, Iterable[CodeLike], None], *, required: bool = True) -> list[Code]:
    """Codes by row, id, key or name (one or several), duplicates dropped; unknown → CodebookError."""
    if codes is None:
        items: list[CodeLike] = []
    elif isinstance(codes, (Code, int, str)):
        items = [codes]
    else:
        items = list(codes)
    out: list[Code] = []
    for c in items:
        if isinstance(c, str) and not c.strip():
            continue
        code = get_code(s, c.strip() if isinstance(c, str) else c)
        if all(code.id != o.id for o in out):
            out.append(code)
    if required and not out:
        raise TranscriptError("Vælg mindst én kode.")
    return out


def memo_text(memo: Optional[str]) -> Optional[str]:
    """A memo as stored (normalised like a transcript); TranscriptError when over `MAX_MEMO`."""
    if memo is None:
        return None
    m = normalise_text(str(memo)).replace(SECTION_MARK, "")
    if len(m) > MAX_MEMO:
        raise TranscriptError(f"Memoet er for langt ({len(m)} tegn; højst {MAX_MEMO}).")
    return m


def check_source(source: Optional[str]) -> None:
    if source is not None and source not in SOURCES:
        raise CodebookError(f"Ukendt kilde {source!r} — tilladt: {', '.join(SOURCES)}.")


def code_segment(s: Session, segment_id: Union[int, str], codes: Union[CodeLike, Iterable[CodeLike]],
                 memo: Optional[str] = None, who: Optional[str] = None, *,
                 source: Optional[str] = None) -> SegmentView:
    """Put one or more codes on a segment, each with `memo` (see module doc: None keeps an
    existing memo, "" clears it). Coding again with a code already there updates memo/who/at.
    With `source` ('regel', 'model', 'regel+model', 'manuel') an accepted CodeDecision is recorded
    too. All codes are checked before anything is written."""
    seg = _get_segment(s, segment_id)
    refuse_for_target(s, "segment", seg.id)  # issue 12
    code_rows = resolve_codes(s, codes)
    m = memo_text(memo)
    check_source(source)
    now = utcnow()
    for c in code_rows:
        row = s.get(SegmentCode, (seg.id, c.id))
        if row is None:
            row = SegmentCode(segment_id=seg.id, code_id=c.id, memo=m or None)
        elif m is not None:
            row.memo = m or None
        row.who, row.at = who, now
        s.add(row)
        if source is not None:
            record_decision(s, "segment", seg.id, c, "accepted", source=source, who=who, text=seg.text)
    s.flush()
    return segment_views(s, [seg])[0]


def set_memo(s: Session, segment_id: Union[int, str], code: CodeLike, memo: Optional[str],
             who: Optional[str] = None) -> SegmentView:
    """Edit the memo of one code on a segment (blank clears it)."""
    seg = _get_segment(s, segment_id)
    refuse_for_target(s, "segment", seg.id)  # issue 12
    c = resolve_codes(s, code)[0]
    row = s.get(SegmentCode, (seg.id, c.id))
    if row is None:
        raise TranscriptError(f"Segment {seg.id} er ikke kodet med {c.name!r}.")
    row.memo, row.who, row.at = memo_text(memo or "") or None, who, utcnow()
    s.add(row)
    s.flush()
    return segment_views(s, [seg])[0]


def turn_decisions_to_rejected(s: Session, kind: str, target_id: int, code_ids: Iterable[int],
                                who: Optional[str]) -> None:
    for cid in code_ids:
        d = s.execute(select(CodeDecision).where(CodeDecision.target_kind == kind,
                                                 CodeDecision.target_id == str(target_id),
                                                 CodeDecision.code_id == cid)).scalars().first()
        if d is not None and d.decision != "rejected":
            d.decision, d.who, d.at = "rejected", who, utcnow()
            s.add(d)


def uncode_segment(s: Session, segment_id: Union[int, str], codes: Union[CodeLike, Iterable[CodeLike], None] = None,
                   who: Optional[str] = None) -> SegmentView:
    """Remove codes from a segment (None: all its codes). An existing suggestion decision for a
    removed code becomes 'rejected'. Removing a code that is not there is not an error."""
    seg = _get_segment(s, segment_id)
    q = delete(SegmentCode).where(SegmentCode.segment_id == seg.id)
    if codes is None:
        ids = list(s.execute(select(SegmentCode.code_id).where(SegmentCode.segment_id == seg.id)).scalars())
    else:
        ids = [c.id for c in resolve_codes(s, codes)]
        q = q.where(SegmentCode.code_id.in_(ids))
    present = set(s.execute(select(SegmentCode.code_id).where(SegmentCode.segment_id == seg.id,
                                                              SegmentCode.code_id.in_(ids))).scalars())
    s.execute(q)
    turn_decisions_to_rejected(s, "segment", seg.id, present, who)
    s.flush()
    return segment_views(s, [seg])[0]


def descendants(s: Session, code: Code) -> list[Code]:
    """The code and all its sub-codes (tree order)."""
    kids: dict[Optional[int], list[Code]] = {}
    for c in all_codes(s):
        kids.setdefault(c.parent_id, []).append(c)
    out, stack = [], [code]
    while stack:
        c = stack.pop(0)
        out.append(c)
        stack[0:0] = kids.get(c.id, [])
    return out


def codings_for_code(s: Session, code: CodeLike, *, include_subcodes: bool = False) -> list[CodedSegment]:
    """Every segment carrying `code` (with `include_subcodes`, or any of its sub-codes), across
    all respondents, ordered by respondent, transcript and position: the basis of theme analysis."""
    c = resolve_codes(s, code)[0]
    targets = descendants(s, c) if include_subcodes else [c]
    ids = [t.id for t in targets]
    rows = s.execute(
        select(SegmentCode, Segment, Transcript.filename, Interview.respondent_id, Interview.id, Site.name,
               Site.site_type, Code.key, Code.name)
        .join(Segment, Segment.id == SegmentCode.segment_id)
        .join(Transcript, Transcript.id == Segment.transcript_id)
        .join(Interview, Interview.id == Transcript.interview_id)
        .join(Site, Site.id == Interview.site_id, isouter=True)
        .join(Code, Code.id == SegmentCode.code_id)
        .where(SegmentCode.code_id.in_(ids))
        .order_by(Interview.respondent_id, Transcript.imported_at, Transcript.id, Segment.idx, Code.key)).all()
    return [CodedSegment(seg.id, seg.transcript_id, fn, rid, iid, site, stype, seg.idx, seg.speaker, seg.text,
                         key, name, sc.memo, sc.who, aware(sc.at))
            for sc, seg, fn, rid, iid, site, stype, key, name in rows]


def coded_units(s: Session, code: CodeLike) -> tuple[list[Code], list[tuple[str, str, int, str]]]:
    """Matrix coding's rows and units (issue 15): the code's rows — its sub-codes when it has any
    (a code group; then the group's own code as a last row when something is coded with it), else
    the code itself — and every coded unit under them: (the row's key,
    ``segment`` | ``quote``, the unit's id, its respondent), a unit coded with a row's code or any
    code below it. One unit counts once per row however many of the row's codes it carries."""
    c = resolve_codes(s, code)[0]
    rows = [k for k in all_codes(s) if k.parent_id == c.id] or [c]
    row_of: dict[int, str] = {}
    for r in rows:
        for d in descendants(s, r):
            row_of[d.id] = r.key
    if rows != [c]:  # codings on the group's own code: a last row of their own (review of issue 15)
        direct = s.execute(select(func.count()).select_from(SegmentCode).where(SegmentCode.code_id == c.id)
                           ).scalar_one() + s.execute(select(func.count()).select_from(QuoteCode)
                                                      .where(QuoteCode.code_id == c.id)).scalar_one()
        if direct:
            rows = [*rows, c]
            row_of[c.id] = c.key
    seg = s.execute(
        select(SegmentCode.code_id, Segment.id, Interview.respondent_id)
        .join(Segment, Segment.id == SegmentCode.segment_id)
        .join(Transcript, Transcript.id == Segment.transcript_id)
        .join(Interview, Interview.id == Transcript.interview_id)
        .where(SegmentCode.code_id.in_(list(row_of)), exportable(Interview))).all()
    quo = s.execute(
        select(QuoteCode.code_id, Quote.id, Interview.respondent_id)
        .join(Quote, Quote.id == QuoteCode.quote_id)
        .join(Interview, Interview.id == Quote.interview_id)
        .where(QuoteCode.code_id.in_(list(row_of)), exportable(Interview))).all()
    units = {(row_of[cid], "segment", uid, rid) for cid, uid, rid in seg}
    units |= {(row_of[cid], "quote", uid, rid) for cid, uid, rid in quo}
    return rows, sorted(units, key=lambda u: (u[0], u[1], u[2]))


def all_codings(s: Session) -> list[tuple[str, str, int, str]]:
    """Every coding as applied (issue 15: saturation and co-occurrence): (the code's key,
    ``segment`` | ``quote``, the unit's id, its respondent), sorted. A code group counts only
    where it was applied itself (not through its sub-codes)."""
    key_of = {c.id: c.key for c in all_codes(s)}
    seg = s.execute(
        select(SegmentCode.code_id, Segment.id, Interview.respondent_id)
        .join(Segment, Segment.id == SegmentCode.segment_id)
        .join(Transcript, Transcript.id == Segment.transcript_id)
        .join(Interview, Interview.id == Transcript.interview_id).where(exportable(Interview))).all()
    quo = s.execute(
        select(QuoteCode.code_id, Quote.id, Interview.respondent_id)
        .join(Quote, Quote.id == QuoteCode.quote_id)
        .join(Interview, Interview.id == Quote.interview_id).where(exportable(Interview))).all()
    units = {(key_of[cid], "segment", uid, rid) for cid, uid, rid in seg if cid in key_of}
    units |= {(key_of[cid], "quote", uid, rid) for cid, uid, rid in quo if cid in key_of}
    return sorted(units)


def respondent_texts(s: Session, code: Optional[CodeLike] = None) -> list[tuple[str, str]]:
    """What the respondents said (issue 15: word frequency): (respondent id, text) of every
    transcript segment that is the respondent's turn (speaker ``B``, or not marked) and of every
    quote; with `code`, only the segments and quotes coded with it or a code below it."""
    if code is not None:
        _rows, units = coded_units(s, code)
        seen = sorted({(k, i) for _, k, i, _ in units})
        return [(rid, text) for _, _, rid, text in unit_texts(s, seen)]
    seg = s.execute(select(Interview.respondent_id, Segment.text)
                    .join(Transcript, Transcript.id == Segment.transcript_id)
                    .join(Interview, Interview.id == Transcript.interview_id)
                    .where(Segment.speaker.in_(("B", "")), exportable(Interview))
                    .order_by(Segment.transcript_id, Segment.idx)).all()
    quo = s.execute(select(Interview.respondent_id, Quote.text).join(Interview, Interview.id == Quote.interview_id)
                    .where(exportable(Interview)).order_by(Quote.id)).all()
    return [(rid, text) for rid, text in [*seg, *quo] if text]


def unit_texts(s: Session, units: Sequence[tuple[str, int]]) -> list[tuple[str, int, str, str]]:
    """The texts of coded units ((``segment`` | ``quote``, id) as `coded_units` gives them): (kind,
    id, respondent, text) in the order asked; a unit that no longer exists is left out."""
    seg_ids = [i for k, i in units if k == "segment"]
    quo_ids = [i for k, i in units if k == "quote"]
    found: dict[tuple[str, int], tuple[str, str]] = {}
    if seg_ids:
        for sid, text, rid in s.execute(
                select(Segment.id, Segment.text, Interview.respondent_id)
                .join(Transcript, Transcript.id == Segment.transcript_id)
                .join(Interview, Interview.id == Transcript.interview_id)
                .where(Segment.id.in_(seg_ids), exportable(Interview))):
            found[("segment", sid)] = (rid, text)
    if quo_ids:
        for qid, text, rid in s.execute(select(Quote.id, Quote.text, Interview.respondent_id)
                                        .join(Interview, Interview.id == Quote.interview_id)
                                        .where(Quote.id.in_(quo_ids), exportable(Interview))):
            found[("quote", qid)] = (rid, text)
    return [(k, i, *found[(k, i)]) for k, i in units if (k, i) in found]


def code_usage(s: Session, code: CodeLike) -> dict[str, int]:
    """How many segments and quotes carry the code ({'segmenter': n, 'citater': m}); a code in use
    cannot be deleted from the codebook."""
    c = resolve_codes(s, code)[0]
    n_seg = s.execute(select(func.count()).select_from(SegmentCode).where(SegmentCode.code_id == c.id)).scalar_one()
    n_q = s.execute(select(func.count()).select_from(QuoteCode).where(QuoteCode.code_id == c.id)).scalar_one()
    return {"segmenter": int(n_seg), "citater": int(n_q)}


# --------------------------------------------------------------------------- segment -> quote

TRANSCRIPT_ITEM = "transskription"  # Quote.item_code of a quote taken from a transcript


def segment_quote(s: Session, segment_id: Union[int, str]) -> Optional[int]:
    """The id of the quote already made of the whole segment (the same interview, from a transcript, the
    segment's text), or None."""
    seg = _get_segment(s, segment_id)
    t = s.get(Transcript, seg.transcript_id)
    return s.execute(select(Quote.id).where(Quote.interview_id == t.interview_id, Quote.item_code == TRANSCRIPT_ITEM,
                                            Quote.text == seg.text.strip()).order_by(Quote.id)).scalars().first()


def quote_from_segment(s: Session, segment_id: Union[int, str], who: Optional[str] = None, *,
                       start: Optional[int] = None, end: Optional[int] = None,
                       item_code: str = TRANSCRIPT_ITEM, copy_codes: bool = True,
                       for_report: bool = False) -> Quote:
    """Put a segment (or the part `[start:end)` of its text) in the quote bank as a Quote of the
    respondent's interview; the segment's codes are copied to the quote unless `copy_codes` is
    False. `item_code` defaults to "transskription" (shown as "Fra transskription")."""
    seg = _get_segment(s, segment_id)
    a = 0 if start is None else int(start)
    b = len(seg.text) if end is None else int(end)
    if not (0 <= a < b <= len(seg.text)):
        raise TranscriptError("Det valgte udsnit ligger ikke inden for segmentets tekst.")
    text = seg.text[a:b].strip()
    if not text:
        raise TranscriptError("Citatet er tomt.")
    t = s.get(Transcript, seg.transcript_id)
    iv = s.get(Interview, t.interview_id)
    refuse_if_withdrawn(s, iv)  # issue 12
    now = utcnow()
    q = Quote(interview_id=iv.id, item_code=(item_code or TRANSCRIPT_ITEM)[:100], text=text,
              for_report=bool(for_report), created_at=now, updated_at=now, created_by=who)
    s.add(q)
    s.flush()
    if copy_codes:
        for cid in s.execute(select(SegmentCode.code_id).where(SegmentCode.segment_id == seg.id)).scalars():
            s.add(QuoteCode(quote_id=q.id, code_id=cid, who=who, at=now))
    s.add(AuditEntry(interview_id=iv.id, entity="quote", code=q.item_code, old_value=None, new_value=text,
                     who=who, at=now, note=f"citat fra transskription {t.id}, segment {seg.id}"))
    s.flush()
    return q
