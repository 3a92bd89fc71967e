"""REFI-QDA project import (issue 15): ``brugerblik import projekt.qdpx`` and the Transskriptioner page.

    read_project(data)                       -> RefiProject   (checked, nothing stored)
    import_qdpx(engine, guide, data, who)    -> QdpxImportResult  (all or nothing)

A project from NVivo, MAXQDA, ATLAS.ti or QualCoder (or our own `exports.qdpx`) becomes part of
the study: its codes with their hierarchy, its text sources as the respondents' transcripts, its
coded selections (with their coders, times and memos) as coded segments. Cases and variables are
*compared* with the study, never written: the guide's answers come from the interviews.

The file is hostile until checked
---------------------------------
* The archive goes through `survey.archives` (`LIMITS`: members, total and per-member size,
  compression ratio) before anything in it is inflated. Only ``project.qde`` and the text files
  under ``sources/`` that a source names are read; nothing else in the archive is opened.
* ``project.qde`` is parsed by `exports.qdc.parse_refi_xml` (at most `MAX_QDE_BYTES` and
  `MAX_ELEMENTS` elements, counted before parsing; UTF-8, no DOCTYPE or entity, no network) and validated against the REFI-QDA ``Project.xsd`` before any of
  it is read (`exports.qdpx.validate_project`; without the schema nothing is imported). A refusal
  names the line and the element, never the file's text (the schema's quoted values are masked).
* A source's text is read only from the archive: ``plainTextPath="internal://NAME"`` with a plain
  file name (no folder, no ``..``), or inline ``PlainTextContent``. A source that points outside
  the archive (``relative://``, ``file://``, an absolute path) is skipped and reported — never
  opened. The text must be UTF-8 and within the transcript limits (`coding.transcripts`).
* Every selection must lie inside its source's text, refer to codes of the project's codebook
  and to users and notes the project has; else the import is refused naming the source's and the
  selection's numbers and lines.

Whose transcript a source is
----------------------------
A ``Case`` is a respondent: its name must be a respondent id of the study (an unknown case refuses
the import: «case nr. 3 (linje 120)»), and the text sources it refers to (``SourceRef``) become
that respondent's transcripts. A text source no case refers to belongs to the respondent whose id
its name begins with («AMA-01 – samtale», «AMA-01.txt»); a source that is neither is skipped and
reported by number. Our own export's «fritekstsvar» and «citater» sources are skipped (they are
the interview's answers and the quote bank, already in the study). Sources that are not text
(PDF, pictures, audio, video) are counted and skipped.

A source becomes a transcript through the one transcript import (`coding.transcripts`): the text
is normalised and split into speaker turns and paragraphs as any imported file, and its
interviewer turns are matched to the guide's questions (`coding.guide_links`). Its file name is
the source's name without the respondent id in front; the importer and time are the source's
``creatingUser`` and ``creationDateTime`` when given (the audit trail records who ran the import).
The same file name twice for a respondent is refused (delete the transcript first).

Selections become coded segments
--------------------------------
A selection's start and end (0-based code points into the source's text, end exclusive) are
carried through the normalisation exactly (`_normalised_offsets`), and every segment the selection
overlaps gets each of the selection's codes. A selection that is not exactly one segment is
*widened* to whole segments, and the result says how many were; one that covers no segment's text
(only a speaker label or blank lines) is counted as not placed. Each coding's coder is its
``creatingUser`` (else the selection's, else the importer); its time its ``creationDateTime``; its
memo the text of the ``Note`` its ``NoteRef`` names (and of the selection's own ``NoteRef``s),
several joined by a blank line. Our export's program user («Brugerblik (eksport)») means no coder.
A ``Coding`` of the source itself (``TextSource/Coding``: NVivo's and ATLAS.ti's coding of a whole
document) gives its code to every segment of the transcript, and the result counts those sources
apart from the selections. A memo on a whole source (``TextSource/NoteRef``) has no place in the
study (memos belong to a segment's coding): it is counted and reported, not imported.

Codes go through the one codebook import (`coding.codebook.import_entries`, merged: no code of the
study is deleted or renamed by a new one): a code keeps its key when its GUID is our export's GUID
for it, or its name is a code's of the study (case aside); else a key is made from its name. The
codebook's names are unique, a program's need not be: a second «Andet» (under another parent)
becomes «Andet (<its parent's name>)», and the result counts it.
Colours are kept (the exports write them back); a code of the study keeps its cue words, and its
description and colour where the file has none (`exports.qdc.kept_from_store`).

Round trip: a project exported with ``anonymised=False`` and imported into a store with the same
respondents and answers exports again as the same project, up to GUIDs (which name the store's
own ids): tests/exports/test_qdpx_import.py.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import os
import re
import uuid
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from coding import codebook as cb
from coding import guide_links as gl
from coding import transcripts as tr
from coding.transcripts import Segment, SegmentCode, Transcript, TranscriptError
from exports.qdc import (QdcError, existing_code_keys, first_complaint, kept_from_store, masked_complaints,
                         parse_refi_xml, walk_codes)
from exports.qdpx import EFFECTIVE_GROUP, NS, SchemaNotFound, case_variables, guid_for, validate_project
from report.population import effective_groups
from survey import archives
from survey.clock import utcnow
from survey.db import session_scope
from survey.guide import Guide
from survey.models import AuditEntry, Interview
from survey.store import StoreError, load_wide

__all__ = ["QdpxImportError", "QdpxImportResult", "RefiProject", "read_project", "import_qdpx", "LIMITS",
           "MAX_QDE_BYTES", "MAX_ELEMENTS", "MAX_FILE_BYTES"]

#: the archive: a project of a whole study (hundreds of transcripts) passes; a bomb does not
LIMITS = archives.Limits(max_members=10_000, max_total_bytes=256 * archives.MIB, max_ratio=200,
                         max_member_bytes=32 * archives.MIB)
#: project.qde itself (the XML: codes, cases, selections, notes; QualCoder's inline texts) …
MAX_QDE_BYTES = 32 * archives.MIB
#: … and its elements, counted (every «<») before lxml builds the tree: memory stays bounded
MAX_ELEMENTS = 500_000
#: the .qdpx file as uploaded or read
MAX_FILE_BYTES = 256 * archives.MIB
#: our own export's sources that are not transcripts (`exports.qdpx`)
OWN_NON_TRANSCRIPTS = (" – fritekstsvar", " – citater")
PROGRAM_USER = guid_for("user", "program")
_OTHER_SOURCES = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")
_SAFE_NAME = re.compile(r"^[^/\\\x00]{1,255}$")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


class QdpxImportError(StoreError):
    """A project that is refused (Danish message naming where and what; nothing changed)."""


@dataclass
class _Selection:
    number: int
    line: int
    start: int
    end: int
    user: Optional[str]  # user GUID
    when: Optional[str]
    notes: list[str]      # note GUIDs of the selection itself
    codings: list[tuple[str, Optional[str], Optional[str], list[str], int]]  # code GUID, user, when, notes, line
    whole: bool = False   # the source's own codings (REFI: ``TextSource/Coding``): the whole text


@dataclass
class _Source:
    number: int
    line: int
    guid: str
    name: str
    text: Optional[str]   # None: not readable from the archive (skipped, reported)
    user: Optional[str]
    when: Optional[str]
    selections: list[_Selection] = field(default_factory=list)
    notes: int = 0        # memos on the whole source (not imported: counted)


@dataclass
class RefiProject:
    """A checked project, nothing stored yet."""
    codes: list[cb.CodeEntry]
    code_keys: dict[str, str]                      # code GUID (lower) -> key
    users: dict[str, str]                          # user GUID (lower) -> name
    notes: dict[str, str]                          # note GUID (lower) -> text
    sources: list[_Source]
    cases: list[tuple[int, int, str, list[str], list[tuple[str, str]]]]  # number, line, name, source GUIDs, values
    variables: dict[str, tuple[str, str]]          # variable GUID (lower) -> (name, type)
    other_sources: int = 0                         # PDF, pictures, audio, video
    outside: list[int] = field(default_factory=list)  # text sources whose file is outside the archive


@dataclass
class QdpxImportResult:
    codes: cb.ImportResult
    codes_renamed: int = 0                                  # a name the file uses under several parents
    transcripts: list[tuple[str, int]] = field(default_factory=list)   # (respondent id, segments)
    selections: int = 0
    codings: int = 0
    widened: int = 0
    not_placed: int = 0
    memos: int = 0
    whole_sources: int = 0                                  # sources coded as a whole: every segment coded
    source_notes: int = 0                                   # memos on a whole source: not imported
    skipped: list[int] = field(default_factory=list)        # text sources of no respondent (their numbers)
    outside: list[int] = field(default_factory=list)        # text sources whose text is outside the archive
    own: int = 0                                            # our export's «fritekstsvar»/«citater» sources
    other_sources: int = 0
    values_compared: int = 0
    values_differ: int = 0
    unknown_variables: int = 0

    def lines(self) -> list[str]:
        """The Danish summary (CLI, page)."""
        c = self.codes
        out = [f"Koder: {len(c.created)} nye, {len(c.updated)} fandtes i forvejen (opdateret)"
               + (f"; {self.codes_renamed} har fået overkodens navn i parentes (samme navn under flere "
                  "overkoder, men navnene i kodebogen er entydige)" if self.codes_renamed else "") + ".",
               f"Transskriptioner: {len(self.transcripts)} (" + ", ".join(f"{r}: {n} segmenter"
                                                                           for r, n in self.transcripts[:10])
               + (" …" if len(self.transcripts) > 10 else "") + ")." if self.transcripts else
               "Transskriptioner: ingen.",
               f"Kodede markeringer: {self.selections}, som {self.codings} "
               f"kodning{'er' if self.codings != 1 else ''} af segmenter"
               + (f"; {self.memos} med memo" if self.memos else "") + "."]
        if self.whole_sources:
            out.append(f"{self.whole_sources} tekstkilde(r) var kodet som helhed; koderne er givet til alle "
                       "kildens segmenter.")
        if self.source_notes:
            out.append(f"{self.source_notes} memo(er) til en hel tekstkilde er ikke importeret (memoer hører her til "
                       "en kodning af et segment).")
        if self.widened:
            out.append(f"{self.widened} markering(er) dækkede ikke præcis ét segment og er udvidet til hele segmenter.")
        if self.not_placed:
            out.append(f"{self.not_placed} markering(er) dækkede ingen tekst i et segment (kun talermarkering eller "
                       "tomme linjer) og er ikke kodet.")
        if self.skipped:
            out.append("Sprunget over — ikke knyttet til en respondent (ingen case, og navnet begynder ikke med et "
                       f"respondent-id): tekstkilde nr. {_numbers(self.skipped)}.")
        if self.outside:
            out.append(f"Sprunget over — teksten ligger uden for projektfilen: tekstkilde nr. {_numbers(self.outside)}.")
        if self.own:
            out.append(f"{self.own} kilde(r) med fritekstsvar og citater fra Brugerblik er sprunget over (de er allerede "
                       "i undersøgelsen).")
        if self.other_sources:
            out.append(f"{self.other_sources} kilde(r), der ikke er tekst (PDF, billede, lyd, video), er sprunget over.")
        if self.values_compared or self.unknown_variables:
            out.append(f"Variabler: {self.values_compared} værdier sammenlignet med undersøgelsens svar, "
                       f"{self.values_differ} afviger; {self.unknown_variables} variabel(ler) findes ikke i "
                       "spørgeguiden. Intet er ændret i svarene (de kommer fra interviewene).")
        return out


def _numbers(ns: list[int]) -> str:
    return ", ".join(str(n) for n in ns[:20]) + (" …" if len(ns) > 20 else "")


def _refuse(text: str) -> QdpxImportError:
    return QdpxImportError(f"{text} Intet er importeret.")


# ---------------------------------------------------------------- reading

def _read_bytes(source: Union[bytes, str, os.PathLike]) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        p = Path(source)
        try:
            if p.stat().st_size > MAX_FILE_BYTES:
                raise _refuse(f"Projektfilen er for stor (højst {MAX_FILE_BYTES // archives.MIB} MB).")
            with open(p, "rb") as f:  # at most one byte more than allowed, whatever stat said
                data = f.read(MAX_FILE_BYTES + 1)
        except OSError:
            raise _refuse("Projektfilen kan ikke læses.") from None
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(f"Projektfilen er for stor (højst {MAX_FILE_BYTES // archives.MIB} MB).")
    return data


def _source_text(zf: zipfile.ZipFile, el, number: int) -> Optional[str]:
    """A text source's text from the archive (or inline); None when it lies outside the archive."""
    where = f"tekstkilde nr. {number} (linje {el.sourceline})"
    inline = el.find(_q("PlainTextContent"))
    path = (el.get("plainTextPath") or "").strip()
    if not path:
        if inline is None:
            raise _refuse(f"{where.capitalize()} har hverken plainTextPath eller PlainTextContent.")
        return inline.text or ""
    if not path.startswith("internal://"):
        return None  # relative://, file://, an absolute path: never opened
    name = path[len("internal://"):]
    if not _SAFE_NAME.match(name) or name in (".", "..") or ".." in name.split("/"):
        raise _refuse(f"{where.capitalize()} peger på en fil med et ugyldigt navn i projektet (kun et filnavn i "
                      "mappen sources er tilladt).")
    member = f"sources/{name}"
    try:
        zf.getinfo(member)
    except KeyError:
        raise _refuse(f"{where.capitalize()}: filen findes ikke i projektfilens mappe sources.") from None
    try:
        data = archives.read_member(zf, member, LIMITS, "projektfilen")
    except archives.ArchiveError as e:
        raise QdpxImportError(str(e)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError):  # a bad CRC, a cut-off or encrypted file
        raise _refuse(f"{where.capitalize()}: filen i projektet er beskadiget og kan ikke pakkes ud.") from None
    if len(data) > tr.MAX_BYTES:
        raise _refuse(f"{where.capitalize()} er for stor (højst {tr.MAX_BYTES // archives.MIB} MB pr. "
                      "transskription).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _refuse(f"{where.capitalize()} er ikke UTF-8, som REFI-QDA kræver (byte {e.start + 1}).") from None


def _int(el, attr: str, where: str) -> int:
    try:
        return int(el.get(attr))
    except (TypeError, ValueError):
        raise _refuse(f"{where.capitalize()}: {attr} skal være et helt tal.") from None


def read_project(data: Union[bytes, str, os.PathLike], existing_keys: Optional[dict[str, str]] = None) -> RefiProject:
    """Read and check a .qdpx (module doc) — nothing is stored. QdpxImportError (Danish) when refused.
    `existing_keys`: the study's code keys by GUID and name (`exports.qdc.existing_code_keys`)."""
    raw = _read_bytes(data)
    try:
        zf = archives.open_checked(raw, LIMITS, "projektfilen")
    except archives.ArchiveError as e:
        raise _refuse(f"{e}") from None
    with zf:
        try:
            zf.getinfo("project.qde")
        except KeyError:
            raise _refuse("Filen er ikke et REFI-QDA-projekt: den har ingen project.qde.") from None
        try:
            qde = archives.read_member(zf, "project.qde", LIMITS, "projektfilen")
            if qde.count(b"<") > MAX_ELEMENTS:
                raise _refuse(f"Projektfilen (project.qde) har for mange elementer (højst {MAX_ELEMENTS:,}).".replace(
                    ",", "."))
            tree = parse_refi_xml(qde, "Projektfilen (project.qde)", MAX_QDE_BYTES)
        except (QdcError, archives.ArchiveError) as e:
            raise QdpxImportError(str(e)) from None
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
            raise _refuse("Projektfilen er beskadiget (project.qde kan ikke pakkes ud).") from None
        root = tree.getroot()
        if root.tag != _q("Project"):
            raise _refuse(f"Filen er ikke et REFI-QDA-projekt: rodelementet skal være Project i navnerummet {NS}.")
        try:
            complaints = masked_complaints(validate_project(qde))
        except SchemaNotFound as e:
            raise _refuse(f"Projektet kan ikke kontrolleres: {e}") from None
        if complaints:
            raise _refuse(f"Projektfilen følger ikke REFI-QDA-skemaet (Project.xsd): {first_complaint(complaints)}.")
        try:
            book = root.find(_q("CodeBook"))
            codes, code_keys = walk_codes(book, NS, existing_keys) if book is not None else ([], {})
        except QdcError as e:
            raise QdpxImportError(str(e)) from None
        users = {(u.get("guid") or "").lower(): " ".join((u.get("name") or "").split())
                 for u in root.iter(_q("User"))}
        notes = {}
        for n in root.iter(_q("Note")):
            body = n.find(_q("PlainTextContent"))
            notes[(n.get("guid") or "").lower()] = (body.text or "").strip() if body is not None else ""
        variables = {(v.get("guid") or "").lower(): (v.get("name") or "", v.get("typeOfVariable") or "Text")
                     for v in root.iter(_q("Variable"))}
        sources: list[_Source] = []
        outside: list[int] = []
        other = 0
        sources_el = root.find(_q("Sources"))
        for el in (sources_el if sources_el is not None else ()):
            if not isinstance(el.tag, str):
                continue
            if el.tag != _q("TextSource"):
                other += el.tag.split("}")[-1] in _OTHER_SOURCES
                continue
            number = len(sources) + 1
            text = _source_text(zf, el, number)
            src = _Source(number, el.sourceline, (el.get("guid") or "").lower(), el.get("name") or "", text,
                          (el.get("creatingUser") or "").lower() or None, el.get("creationDateTime"))
            if text is None:
                outside.append(number)
            for k, sel in enumerate(el.iter(_q("PlainTextSelection")), start=1):
                where = f"markering nr. {k} i tekstkilde nr. {number} (linje {sel.sourceline})"
                a, b = _int(sel, "startPosition", where), _int(sel, "endPosition", where)
                if text is not None and not (0 <= a <= b <= len(text)):
                    raise _refuse(f"{where.capitalize()} ligger uden for kildens tekst (tilladt: 0 til {len(text)} "
                                  "tegn, start før slut).")
                codings = _codings(sel, where, code_keys)
                sel_notes = _note_refs(sel, where, notes, codings)
                src.selections.append(_Selection(k, sel.sourceline, a, b, (sel.get("creatingUser") or "").lower()
                                                 or None, sel.get("creationDateTime"), sel_notes, codings))
            where = f"tekstkilde nr. {number} (linje {el.sourceline})"
            whole = _codings(el, where, code_keys)  # codes given to the whole source
            source_notes = _note_refs(el, where, notes, whole)
            if whole:
                src.selections.append(_Selection(0, el.sourceline, 0, len(text or ""), src.user, src.when, [], whole,
                                                 whole=True))
            src.notes = len(source_notes)
            sources.append(src)
        cases = []
        cases_el = root.find(_q("Cases"))
        for i, c in enumerate(cases_el.findall(_q("Case")) if cases_el is not None else (), start=1):
            refs = [(r.get("targetGUID") or "").lower() for r in c.findall(_q("SourceRef"))]
            values = []
            for vv in c.findall(_q("VariableValue")):
                ref = vv.find(_q("VariableRef"))
                value = next((x.text or "" for x in vv if isinstance(x.tag, str) and x.tag.endswith("Value")), "")
                values.append(((ref.get("targetGUID") or "").lower() if ref is not None else "", value))
            cases.append((i, c.sourceline, " ".join((c.get("name") or "").split()), refs, values))
    return RefiProject(codes, code_keys, users, notes, sources, cases, variables, other, outside)


def _codings(parent, where: str, code_keys: dict[str, str]) -> list[tuple[str, Optional[str], Optional[str],
                                                                          list[str], int]]:
    """The ``Coding`` children of a selection or a whole source: (code GUID, user, time, note GUIDs,
    line); a code the project's codebook does not have refuses the import."""
    out = []
    for c in parent.findall(_q("Coding")):
        ref = c.find(_q("CodeRef"))
        target = (ref.get("targetGUID") or "").lower() if ref is not None else ""
        if target not in code_keys:
            raise _refuse(f"Kodning i {where} (linje {c.sourceline}) henviser til en kode, der ikke findes i "
                          "projektets kodebog.")
        out.append((target, (c.get("creatingUser") or "").lower() or None, c.get("creationDateTime"),
                    [(r.get("targetGUID") or "").lower() for r in c.findall(_q("NoteRef"))], c.sourceline))
    return out


def _note_refs(parent, where: str, notes: dict[str, str], codings: list) -> list[str]:
    """The ``NoteRef`` children of a selection or a source (their note GUIDs); a note the project
    does not have, there or on one of `codings`, refuses the import."""
    own = [(r.get("targetGUID") or "").lower() for r in parent.findall(_q("NoteRef"))]
    for g in own + [n for cd in codings for n in cd[3]]:
        if g not in notes:
            raise _refuse(f"{where[0].upper()}{where[1:]} henviser til et memo (NoteRef), der ikke findes i projektet.")
    return own


# ---------------------------------------------------------------- offsets through the normalisation

def _normalised_offsets(raw: str, offsets: list[int]) -> tuple[str, list[int]]:
    """(the text as the transcript import stores it, each offset of `raw` carried into it).

    The import (`coding.transcripts.read_transcript` of a .txt) drops `SECTION_MARK`, then
    `normalise_text` keeps every non-blank character in order; so a marker (a private-use
    character the text does not hold) put at each offset travels with the characters around it.
    Offsets are snapped by the caller (`_snap`: a start on a character, an end after one), so no
    marker sits in a blank line or trailing blanks, where it would change the normalisation."""
    present = set(raw)  # once: a text full of private-use characters costs no more than any other
    mark = next(chr(c) for c in range(0xE001, 0xF900) if chr(c) not in present)
    spots = sorted(set(offsets))
    pieces, pos = [], 0
    for o in spots:
        pieces += [raw[pos:o], mark]
        pos = o
    pieces.append(raw[pos:])
    marked = tr.normalise_text("".join(pieces).replace(tr.SECTION_MARK, ""))
    runs = marked.split(mark)
    ends, length = [], 0
    for run in runs[:-1]:
        length += len(run)
        ends.append(length)
    place = dict(zip(spots, ends))
    return "".join(runs), [place[o] for o in offsets]


def _snap(raw: str, a: int, b: int) -> tuple[int, int]:
    """A selection without its leading and trailing blanks (a start on a character, an end after one)."""
    while a < b and raw[a].isspace():
        a += 1
    while b > a and raw[b - 1].isspace():
        b -= 1
    return a, b


# ---------------------------------------------------------------- importing

def _when(text: Optional[str]) -> Optional[dt.datetime]:
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.astimezone(dt.timezone.utc) if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)  # naive: UTC


def _distinct_names(entries: list[cb.CodeEntry]) -> tuple[list[cb.CodeEntry], int]:
    """A QDA program allows one name under several parents («Andet» under two themes), the codebook
    does not: a later one is named «Andet (<its parent's name>)» («… 2» …). Returns (entries, renamed)."""
    names = {e.key: e.name for e in entries}
    seen: set[str] = set()
    out, renamed = [], 0
    for e in entries:
        name = e.name
        if name.casefold() in seen:
            base = f"{name} ({names[e.parent_key]})" if e.parent_key in names else name
            name, k = base[:200], 2
            while name.casefold() in seen:
                name = f"{base[:190]} {k}"
                k += 1
            renamed += 1
            e = dataclasses.replace(e, name=name)
        seen.add(name.casefold())
        out.append(e)
    return out, renamed


def _owner(project: RefiProject, rids: set[str]) -> tuple[dict[str, str], list[int], int]:
    """source GUID → respondent id; the numbers of text sources of no respondent; our own non-transcripts."""
    owner: dict[str, str] = {}
    for number, line, name, refs, _ in project.cases:
        if name not in rids:
            raise _refuse(f"Case nr. {number} (linje {line}) er ikke en respondent i undersøgelsen: en case skal "
                          "hedde som et respondent-id (fx AMA-01).")
        for g in refs:
            if owner.get(g, name) != name:
                raise _refuse(f"En tekstkilde hører til to cases (case nr. {number}, linje {line}); en "
                              "transskription hører til én respondent.")
            owner[g] = name
    skipped, own = [], 0
    for src in project.sources:
        if src.name.endswith(OWN_NON_TRANSCRIPTS):  # a case may refer to it: not a transcript all the same
            own += 1
            owner.pop(src.guid, None)
            continue
        if src.guid in owner or src.text is None:
            continue
        rid = _rid_of_name(src.name, rids)
        if rid is not None:
            owner[src.guid] = rid
        else:
            skipped.append(src.number)
    return owner, skipped, own


def _rid_of_name(name: str, rids: set[str]) -> Optional[str]:
    """The respondent id a source's name begins with («AMA-01 – samtale», «AMA-01.txt», «AMA-01 interview»)."""
    stem = " ".join(name.split())
    low = stem.lower()
    for ext in (*tr.ALLOWED_TYPES, ".rtf", ".doc", ".odt", ".pdf"):
        if low.endswith(ext):
            stem = stem[:-len(ext)]
            break
    for candidate in (stem, re.split(r"\s+[–-]\s+|\s+", stem)[0]):
        if candidate in rids:
            return candidate
    return None


def _filename(src: _Source, rid: str) -> str:
    name = " ".join(src.name.split())
    for sep in (" – ", " - "):
        if name.startswith(rid + sep):
            name = name[len(rid) + len(sep):]
            break
    name = name.replace("/", "_").replace("\\", "_").strip() or f"kilde {src.number}"
    return name[:255]


def _compare_variables(project: RefiProject, engine: Engine, guide: Guide, result: QdpxImportResult) -> None:
    """Count the cases' values that differ from the study's answers (never written)."""
    values = [(name, vals) for _, _, name, _, vals in project.cases if vals]
    if not values:
        return
    df = load_wide(engine, guide, drafts=True)
    df = df.assign(**{EFFECTIVE_GROUP: list(effective_groups(df))})
    rows = {r["respondent_id"]: r for r in df.to_dict("records")}
    ours = {name: get for _, name, _, _, get in case_variables(guide, df)}
    unknown = set()
    for rid, vals in values:
        row = rows.get(rid)
        for vguid, text in vals:
            name, typ = project.variables.get(vguid, ("", "Text"))
            if name not in ours:
                unknown.add(name)
                continue
            if row is None:
                continue
            want = ours[name](row)
            result.values_compared += 1
            result.values_differ += not _same(want, text, typ)
    result.unknown_variables = len(unknown)


def _same(want: object, text: str, typ: str) -> bool:
    if want is None or (isinstance(want, float) and want != want):
        return not (text or "").strip()
    if typ in ("Integer", "Float"):
        try:
            return abs(float(want) - float(text)) < 1e-9
        except (TypeError, ValueError):
            return False
    if typ == "Date":
        return str(want)[:10] == (text or "").strip()[:10]
    return str(want).strip() == (text or "").strip()


def import_qdpx(engine: Engine, guide: Guide, data: Union[bytes, str, os.PathLike], who: Optional[str]
                ) -> QdpxImportResult:
    """Import a REFI-QDA project into the study in one transaction (module doc); QdpxImportError
    (Danish, naming where and what) when refused — then nothing is changed."""
    with session_scope(engine) as s:
        known = existing_code_keys(s)
        rids = set(s.execute(select(Interview.respondent_id)).scalars())
    project = read_project(data, known)
    owner, skipped, own = _owner(project, rids)
    matcher = gl.matcher_for(guide)  # spaCy's tables load before the write transaction
    result = QdpxImportResult(cb.ImportResult(), skipped=skipped, outside=list(project.outside), own=own,
                              other_sources=project.other_sources)
    result.source_notes = sum(src.notes for src in project.sources if owner.get(src.guid) and src.text is not None)
    with session_scope(engine) as s:
        entries, result.codes_renamed = _distinct_names(project.codes)
        try:
            result.codes = cb.import_entries(s, kept_from_store(entries, cb.entries(s)), replace=False)
        except StoreError as e:
            raise _refuse(f"Projektets kodebog kan ikke flettes ind: {masked_complaints([str(e)])[0]}") from None
        code_ids = {key: c.id for key, c in ((c.key, c) for c in s.execute(select(cb.Code)).scalars())}
        for src in project.sources:
            rid = owner.get(src.guid)
            if rid is None or src.text is None:
                continue
            t_id = _import_source(s, src, rid, project, code_ids, who, result)
            gl.link_transcript(s, t_id, matcher)  # the interviewer's turns and the guide's questions, as any import
    _compare_variables(project, engine, guide, result)
    return result


def _import_source(s: Session, src: _Source, rid: str, project: RefiProject, code_ids: dict[str, int],
                   who: Optional[str], result: QdpxImportResult) -> int:
    """One text source as a transcript of `rid` with its coded segments; returns the transcript's id."""
    where = f"Tekstkilde nr. {src.number} (linje {src.line})"
    name = _filename(src, rid)
    iv = s.execute(select(Interview).where(Interview.respondent_id == rid)).scalars().first()
    if s.execute(select(Transcript.id).where(Transcript.interview_id == iv.id, Transcript.filename == name)).first():
        raise _refuse(f"{where}: respondent {rid} har allerede en transskription med samme navn. Slet den først, "
                      "hvis den skal erstattes.")
    spans = [_snap(src.text, sel.start, sel.end) for sel in src.selections]
    try:  # under a name of its own (a .txt: the text is plain), renamed below
        info = tr.import_transcript(s, iv, src.text.encode("utf-8"), f"refi-{uuid.uuid4().hex}.txt", who)
    except StoreError as e:  # TranscriptError, a withdrawn consent …: the reason, never the file's name
        raise _refuse(f"{where} kan ikke blive en transskription af {rid}: "
                      f"{masked_complaints([str(e)])[0].replace(' Intet er importeret.', '')}") from None
    t = s.get(Transcript, info.id)
    text, placed = _normalised_offsets(src.text, [o for a, b in spans if b > a for o in (a, b)])
    placed_iter = iter(placed)
    placed_spans = [(next(placed_iter), next(placed_iter)) if b > a else None for a, b in spans]
    if text != t.text:  # cannot happen while normalise_text only drops and joins blanks; refuse rather than guess
        raise _refuse(f"{where}: markeringernes placering kan ikke overføres til den gemte tekst.")
    t.filename = name
    audit = s.execute(select(AuditEntry).where(AuditEntry.interview_id == iv.id, AuditEntry.entity == "transcript",
                                               AuditEntry.code == str(t.id))).scalars().first()
    if audit is not None:  # the import's own line: the real name, and where it came from
        audit.new_value, audit.note = name, f"{audit.note}; fra et REFI-QDA-projekt (tekstkilde nr. {src.number})"
        s.add(audit)
    creator = project.users.get(src.user or "") if src.user and src.user != PROGRAM_USER else None
    t.imported_by = creator or who
    t.imported_at = _when(src.when) or t.imported_at
    s.add(t)
    segs = list(s.execute(select(Segment).where(Segment.transcript_id == t.id).order_by(Segment.idx)).scalars())
    starts = [g.start for g in segs]
    result.transcripts.append((rid, len(segs)))
    memos: dict[tuple[int, str], list[str]] = defaultdict(list)
    rows: dict[tuple[int, int], SegmentCode] = {}
    for sel, span in zip(src.selections, placed_spans):
        if not sel.codings:
            continue
        a, b = span if span is not None else (0, 0)
        hit = []
        if b > a:  # segments are disjoint and in order: from the last one starting before a
            i = max(bisect.bisect_right(starts, a) - 1, 0)
            while i < len(segs) and segs[i].start < b:
                if segs[i].end > a:
                    hit.append(segs[i])
                i += 1
        if sel.whole:  # the source coded as a whole: every segment with text, counted apart
            result.whole_sources += bool(hit)
        else:
            result.selections += 1
            if not hit:
                result.not_placed += 1
                continue
            if len(hit) != 1 or (hit[0].start, hit[0].end) != (a, b):
                result.widened += 1
        for code_guid, user, when, note_refs, _ in sel.codings:
            key = project.code_keys[code_guid]
            uid = user or sel.user
            coder = project.users.get(uid) if uid and uid != PROGRAM_USER else None
            at = _when(when) or _when(sel.when) or utcnow()
            texts = [project.notes[n] for n in note_refs + sel.notes if project.notes.get(n)]
            for g in hit:
                row = rows.get((g.id, code_ids[key]))  # a new transcript: only the rows made here
                if row is None:
                    row = rows[(g.id, code_ids[key])] = SegmentCode(segment_id=g.id, code_id=code_ids[key])
                    result.codings += 1
                row.who, row.at = coder if coder is not None else (row.who or who), at
                for m in texts:
                    if m not in memos[(g.id, key)]:
                        memos[(g.id, key)].append(m)
    for (seg_id, key), texts in memos.items():
        try:
            rows[(seg_id, code_ids[key])].memo = tr.memo_text("\n\n".join(texts))
        except TranscriptError:
            raise _refuse(f"{where}: et memo er længere end {tr.MAX_MEMO} tegn.") from None
        result.memos += 1
    s.add_all(rows.values())
    s.flush()
    return t.id
