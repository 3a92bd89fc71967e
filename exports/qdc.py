"""The REFI-QDA codebook exchange (issue 15): ``brugerblik export qdc FILE.qdc`` and ``brugerblik
import FILE.qdc`` — the codebook alone, as NVivo, MAXQDA, ATLAS.ti and QualCoder write it
(namespace ``urn:QDA-XML:codebook:1.0``: ``CodeBook`` → ``Codes`` → nested ``Code`` elements
with ``guid``, ``name``, ``isCodable``, ``color`` and a ``Description``; ``Sets`` are not used).

Export: every code in tree order, its GUID the same as in the .qdpx export (`exports.qdpx.guid_for`
of the code's key: the same code has the same GUID in both files), its description; the colours
of the .qdpx export (one per top-level code). Written atomic and owner-only (`survey.files`).

Import — the file is hostile until checked:

* at most `MAX_BYTES` (2 MB, the codebook import's limit) and `MAX_CODES` codes, nested at most
  `MAX_DEPTH` deep — checked before and while parsing;
* no DOCTYPE (no entity can expand), no network, entities never resolved (lxml);
* the root must be ``CodeBook`` in the REFI namespace; every ``Code`` needs a ``guid`` and a
  ``name``; when the REFI ``Project.xsd`` is available (the one `exports.qdpx` validates with) the
  codes are validated against its ``CodeType``: the file's ``Codes`` are checked inside a minimal
  project, and a complaint is refused with its line;
* then the codes go through the one path every codebook import takes
  (`coding.codebook.import_entries`: names, keys, the tree, a code in use never deleted), all or
  nothing. A refusal names the line or the code's position, never quotes its text.

A code's key is the one it already has in the store when its GUID is that code's GUID (a round
trip keeps keys) or, else, when a code of the store has its name (case aside); else made from its name (`coding.codebook.slugify`, ``_2`` … on a clash).
A code's colour (``#RRGGBB``) is kept (issue 15) and written back by both exports; ``isCodable``
is read but not kept (every code can be coded). A merge keeps what the file has no place for:
a code's cue words, and its description and colour when the file gives none (`kept_from_store`).
"""
from __future__ import annotations

import copy
import dataclasses
import io
import os
import re
from pathlib import Path

from lxml import etree
from sqlalchemy.engine import Engine

from coding import codebook as cb
from exports.qdpx import COLOURS, MAX_COMPLAINTS, NS as PROJECT_NS, SchemaNotFound, guid_for, validate_project
from survey import files
from survey.db import session_scope
from survey.store import StoreError

__all__ = ["NS", "MAX_BYTES", "MAX_CODES", "MAX_DEPTH", "QdcError", "build_qdc", "parse_qdc", "export_qdc",
           "import_qdc", "parse_refi_xml", "walk_codes", "masked_complaints", "existing_code_keys", "kept_from_store"]

NS = "urn:QDA-XML:codebook:1.0"
_RGB = re.compile(r"^#[0-9A-F]{6}$")
MAX_BYTES = cb.MAX_IMPORT_BYTES
MAX_CODES = 5_000
MAX_DEPTH = 20


class QdcError(StoreError):
    """A codebook file that cannot be written or read (Danish message; nothing changed)."""


def build_qdc(entries: list[cb.CodeEntry], origin: str = "Brugerblik") -> bytes:
    """The codebook document for `entries` (tree order, parents before children)."""
    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS})
    root.set("origin", origin)
    codes = etree.SubElement(root, f"{{{NS}}}Codes")
    kids: dict[str | None, list[cb.CodeEntry]] = {}
    for e in entries:
        kids.setdefault(e.parent_key, []).append(e)

    def add(parent, e: cb.CodeEntry, colour: str) -> None:
        colour = e.colour or colour  # its own (from a REFI-QDA file), else its top-level code's
        el = etree.SubElement(parent, f"{{{NS}}}Code", guid=guid_for("code", e.key), name=e.name,
                              isCodable="true", color=colour)
        if e.description:
            etree.SubElement(el, f"{{{NS}}}Description").text = e.description
        for k in kids.get(e.key, []):
            add(el, k, colour)

    for i, e in enumerate(kids.get(None, [])):
        add(codes, e, COLOURS[i % len(COLOURS)])
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def export_qdc(engine: Engine, path: str | os.PathLike) -> int:
    """Write the store's codebook to FILE.qdc; returns the number of codes."""
    p = Path(path)
    if p.suffix.lower() != ".qdc":
        raise QdcError(f"Ukendt filtype {p.suffix or '(ingen)'!r} for {path} — tilladt: .qdc")
    files.check_target(p)
    with session_scope(engine) as s:
        entries = cb.entries(s)
    data = build_qdc(entries)
    files.write_atomic(p, lambda tmp: tmp.write_bytes(data), by_name=True)
    return len(entries)


def _schema_complaints(root) -> list[str]:
    """The REFI Project.xsd's complaints about the file's codes (checked inside a minimal project);
    [] when valid or when the schema is not installed."""
    project = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS}, name="qdc", origin="qdc")
    book = etree.SubElement(etree.SubElement(project, f"{{{PROJECT_NS}}}CodeBook"), f"{{{PROJECT_NS}}}Codes")
    found = root.find(f"{{{NS}}}Codes")
    codes = copy.deepcopy(found) if found is not None else None  # the file's own tree is left as it is
    for el in (codes.iter() if codes is not None else ()):
        if isinstance(el.tag, str) and el.tag.startswith(f"{{{NS}}}"):
            el.tag = f"{{{PROJECT_NS}}}" + el.tag[len(NS) + 2:]
    for child in list(codes if codes is not None else ()):
        book.append(child)
    try:
        complaints = validate_project(etree.tostring(project))
    except SchemaNotFound:
        return []
    return masked_complaints(complaints)


#: an attribute in a REFI-QDA document (``name = "…"``); a legitimate project has a few per element
_ATTRIBUTE = re.compile(rb"=\s*[\"']")
MAX_ATTRIBUTES = 1_000_000


def parse_refi_xml(data: bytes, noun: str, max_bytes: int):
    """The parsed tree of a REFI-QDA XML document (a codebook or a project's ``project.qde``),
    hostile until checked: at most `max_bytes`, UTF-8 (not UTF-16 or binary), no DOCTYPE, ENTITY
    declaration or entity reference, no network, comments and processing instructions dropped.
    `noun` names the file in the Danish refusal («Kodebogsfilen», «Projektfilen»); QdcError."""
    if len(data) > max_bytes:
        raise QdcError(f"{noun} er for stor ({len(data) / 1048576:.1f} MB; højst "
                       f"{max_bytes // 1048576} MB). Intet er importeret.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) or b"\x00" in data[:4096]:
        raise QdcError(f"{noun} er ikke skrevet i UTF-8, som REFI-QDA kræver (den er UTF-16 eller binær). "
                       "Intet er importeret.")
    doctype = (f"{noun} har en DOCTYPE eller ENTITY-erklæring, som en REFI-QDA-fil ikke har. "
               "Intet er importeret.")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise QdcError(doctype)
    # a parsed attribute costs ~0.5 KB, and the schema's check one complaint per attribute it does not
    # allow (a tester's 110 KB project of 4 million attributes took 3 GB): counted before parsing
    if any(n > MAX_ATTRIBUTES for n, _ in enumerate(_ATTRIBUTE.finditer(data), start=1)):  # stops at the limit
        raise QdcError(f"{noun} har for mange attributter (højst {MAX_ATTRIBUTES:,}).".replace(",", ".")
                       + " Intet er importeret.")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        tree = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as e:
        if "depth" in str(e).lower():  # libxml2's limit without huge_tree: 256 levels
            raise QdcError(f"{noun} er indlejret for dybt (linje {e.lineno}; højst 256 niveauer). "
                           "Intet er importeret.") from None
        raise QdcError(f"{noun} er ikke velformet XML (linje {e.lineno}). Intet er importeret.") from None
    # whatever the encoding said: no document type, no entity declaration and no entity reference
    if (tree.docinfo.doctype or tree.docinfo.internalDTD is not None
            or any(isinstance(el, etree._Entity) for el in tree.getroot().iter())):
        raise QdcError(doctype)
    return tree


#: libxml2's schema complaints (English), in Danish; what they quote is already masked ('…')
_DANISH_COMPLAINTS = [
    (r"^(linje \d+: )?Element '…', attribute '…': ", r"\1elementet '…', attributten '…': "),
    (r"^(linje \d+: )?Element '…': ", r"\1elementet '…': "),
    (r"The attribute '…' is required but missing\.", "en påkrævet attribut ('…') mangler."),
    (r"The attribute '…' is not allowed\.", "attributten '…' er ikke tilladt."),
    (r"This element is not expected\.", "elementet er ikke ventet her."),
    (r"Missing child element\(s\)\.", "der mangler underelementer."),
    (r"Expected is one of", "Ventet er et af"),
    (r"Expected is", "Ventet er"),
    (r"'…' is not a valid value of the (atomic|list|union) type '…'\.", "'…' er ikke en gyldig værdi af typen '…'."),
    (r"\[facet '…'\] The value '…' is not accepted by the pattern '…'\.", "værdien '…' passer ikke til mønsteret '…'."),
    (r"\[facet '…'\] The value '…' is not an element of the set \{[^}]*\}\.", "værdien '…' er ikke en af de tilladte."),
    (r"Character content other than whitespace is not allowed because the content type is '…'\.",
     "tekst er ikke tilladt her (kun underelementer)."),
    (r"Character content is not allowed, because the content type is empty\.", "elementet skal være tomt."),
    (r"No match found for key-sequence \[[^]]*\] of keyref '…'\.", "en henvisning peger på noget, der ikke findes."),
    (r"Duplicate key-sequence \[[^]]*\] in unique identity-constraint '…'\.", "en værdi, der skal være entydig, står to gange."),
]


def masked_complaints(complaints: list[str]) -> list[str]:
    """The schema's complaints without what they quote, in Danish where we know libxml2's words:
    they quote the offending value (a code's or a case's name may be anything), never shown."""
    out = []
    for c in complaints:
        c = re.sub(r"'[^']*'", "'…'", c)
        c = re.sub(r"\{urn:[^}]*\}", "", c)   # the namespace of the schema's own element names
        for pattern, danish in _DANISH_COMPLAINTS:
            c = re.sub(pattern, danish, c)
        out.append(c)
    return out


def first_complaint(complaints: list[str]) -> str:
    """The schema's first complaint and how many more («… (og 2 fejl mere)»); a flood, cut at
    `MAX_COMPLAINTS`, says «mindst»."""
    more = len(complaints) - 1
    if more <= 0:
        return complaints[0]
    return f"{complaints[0]} (og {'mindst ' if len(complaints) >= MAX_COMPLAINTS else ''}{more} fejl mere)"


def walk_codes(container, ns: str, existing_keys: dict[str, str] | None = None
               ) -> tuple[list[cb.CodeEntry], dict[str, str]]:
    """The ``Code`` elements under `container` (namespace `ns`: a codebook's or a project's) as
    codebook entries, parents first, and each code's GUID (lower case) → its key. Keys: the store's
    code by GUID, else by name (``navn:<name, case-folded>`` in `existing_keys`), else made from the
    name. QdcError (Danish, naming the line) for a code without guid or name, a GUID twice, too many
    codes or too deep a tree."""
    existing_keys = existing_keys or {}
    n = sum(1 for _ in container.iter(f"{{{ns}}}Code"))
    if n > MAX_CODES:
        raise QdcError(f"Kodebogen har {n} koder; højst {MAX_CODES}. Intet er importeret.")
    # a code that matches by GUID keeps its key, before any code that only matches by name
    by_guid = {existing_keys[g] for g in ((c.get("guid") or "").strip().lower()
                                          for c in container.iter(f"{{{ns}}}Code")) if g in existing_keys}
    taken = set(existing_keys.values())
    seen_guid: dict[str, int] = {}
    used: set[str] = set()
    out: list[cb.CodeEntry] = []
    keys: dict[str, str] = {}

    def walk(el, parent_key: str | None, depth: int) -> None:
        for i, c in enumerate(el.findall(f"{{{ns}}}Code"), start=1):
            where = f"kode nr. {len(out) + 1} (linje {c.sourceline})"
            if depth > MAX_DEPTH:
                raise QdcError(f"Kodebogen er nestet mere end {MAX_DEPTH} niveauer ({where}). Intet er importeret.")
            guid, name = (c.get("guid") or "").strip(), " ".join((c.get("name") or "").split())
            if not guid or not name:
                raise QdcError(f"{where.capitalize()} mangler guid eller name. Intet er importeret.")
            if guid.lower() in seen_guid:
                raise QdcError(f"Kodebogen har samme guid to gange (linje {seen_guid[guid.lower()]} og "
                               f"{c.sourceline}); hver kode skal have sin egen. Intet er importeret.")
            seen_guid[guid.lower()] = c.sourceline
            key = existing_keys.get(guid.lower())
            fresh = False
            if key is None:
                named = existing_keys.get("navn:" + name.casefold())
                fresh = named is None or named in by_guid
                key = (cb.slugify(name) or "kode") if fresh else named
            base, k = key, 2
            # a new code never takes the key of a code of the store it is not (it would rename that one)
            while key in used or (fresh and key in taken):
                key = f"{base[:76]}_{k}"
                k += 1
            used.add(key)
            keys[guid.lower()] = key
            desc = c.find(f"{{{ns}}}Description")
            colour = (c.get("color") or "").strip().upper()
            out.append(cb.CodeEntry(key=key, name=name, parent_key=parent_key,
                                    description=(desc.text or "").strip() if desc is not None else "",
                                    sort_order=i,  # the file's order among siblings is kept
                                    colour=colour if _RGB.match(colour) else None))
            walk(c, key, depth + 1)

    codes = container.find(f"{{{ns}}}Codes")
    walk(codes if codes is not None else container, None, 1)
    return out, keys


def parse_qdc(data: bytes, existing_keys: dict[str, str] | None = None) -> list[cb.CodeEntry]:
    """The codes of a .qdc document as codebook entries (parents first); QdcError (Danish) when the
    file is not a REFI codebook or breaks a limit. `existing_keys`: the store's codes' keys by GUID
    (lower case) and by ``navn:<name, case-folded>``."""
    root = parse_refi_xml(data, "Kodebogsfilen", MAX_BYTES).getroot()
    if root.tag != f"{{{NS}}}CodeBook":
        raise QdcError(f"Filen er ikke en REFI-QDA-kodebog: rodelementet skal være CodeBook i navnerummet {NS}. "
                       "Intet er importeret.")
    out, _ = walk_codes(root, NS, existing_keys)
    complaints = _schema_complaints(root)
    if complaints:
        raise QdcError(f"Kodebogen følger ikke REFI-QDA-skemaet: {first_complaint(complaints)}. Intet er importeret.")
    return out


def kept_from_store(items: list[cb.CodeEntry], have: list[cb.CodeEntry]) -> list[cb.CodeEntry]:
    """A REFI file's codes as they merge into the study: what REFI-QDA has no place for — a code's
    cue words — and what the file leaves out — a description, a colour — are kept from the study's
    code of the same key, so a merge never wipes them."""
    by_key = {e.key: e for e in have}
    out = []
    for e in items:
        old = by_key.get(e.key)
        if old is not None:
            e = dataclasses.replace(e, cues=old.cues, description=e.description or old.description,
                                    colour=e.colour or old.colour)
        out.append(e)
    return out


def existing_code_keys(s) -> dict[str, str]:
    """The store's codes' keys by their export GUID (lower case) and by ``navn:<name, case-folded>``."""
    have = cb.entries(s)
    known = {guid_for("code", e.key).lower(): e.key for e in have}
    known.update({"navn:" + e.name.casefold(): e.key for e in have})
    return known


def import_qdc(engine: Engine, path: str | os.PathLike, *, replace: bool = False) -> cb.ImportResult:
    """Import FILE.qdc into the codebook in one transaction (see the module doc)."""
    p = Path(path)
    if p.stat().st_size > MAX_BYTES:  # before it is read
        raise QdcError(f"Kodebogsfilen er for stor (højst {MAX_BYTES // 1048576} MB). Intet er importeret.")
    with open(p, "rb") as f:  # at most one byte more than allowed, whatever stat said (a pipe, a device)
        data = f.read(MAX_BYTES + 1)
    with session_scope(engine) as s:
        return cb.import_entries(s, kept_from_store(parse_qdc(data, existing_code_keys(s)), cb.entries(s)),
                                 replace=replace)
