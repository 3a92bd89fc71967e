"""The codebook: hierarchical theme codes as data, and the researcher's decisions on suggestions.

Codes
-----
A `Code` has a stable `key` (slug, e.g. ``rytme_i_hverdagen``; used in exports, in the tagger's
output as "kode" and as the theme variable ``tema:<key>`` in double coding), a display `name`
(unique, Danish, e.g. "Rytme i hverdagen"; renaming changes only this unless a new key is
given), an optional parent (self reference; a code may have sub-codes), a `description` and
`cues`: Danish cue words/phrases, one per line. A cue matches on lemma and lower case (see
`coding.nlp`); a cue written with a leading ``=`` matches only that exact form (case-insensitive).

The seed codebook (`coding/data/codebook_seed.json`) holds the report's themes. It is there on
first use: `seed_on_first_use` (called wherever the app reads the codebook) loads it the first
time the codebook is read while it is empty — once per store (the load is recorded in the audit
trail, entity ``codebook``, code ``seed``; a researcher who later empties the codebook keeps it
empty), idempotently and safely when two processes read at the same moment (one write
transaction: SQLite ``BEGIN IMMEDIATE``, PostgreSQL an advisory lock; the second finds the codes).
`ensure_seeded` loads it into an empty codebook on request (the Kodebog page's button, tests,
the CLI tagger).

Decisions
---------
`CodeDecision` records that a researcher accepted or rejected a code for a quote or transcript
segment: target (kind + id), a snapshot of the text (training data survives later edits),
the code, the decision, which source proposed it ('regel', 'model', 'regel+model' or 'manuel'
for a code the researcher added without a suggestion), who and when. One row per
(target, code); a new decision replaces the old one.

Exchange formats
----------------
XLSX (`export_xlsx`, export only): one row per code as the CSV, plus ``niveau``.
JSON (`export_json`/`import_json`): the seed file's format, nested by "underkoder":
``{"format": "brugerblik-kodebog", "version": 1, "koder": [{"kode", "navn", "beskrivelse", "ord": [..],
"underkoder": [..]}]}``. CSV (`export_csv`/`import_csv`): one row per code, columns
``kode, navn, overkode, beskrivelse, ord, sortering`` with the cues joined by " | ", formula-safe
(a cell starting with = + - @ tab or CR gets a leading ``'``, stripped again on import:
`survey.files.csv_escape`). Both round-trip. Import merges by key (new codes created, existing
ones updated); with ``replace=True`` codes absent from the file are deleted (refused if they
carry decisions).

Every refusal raises `CodebookError` (a `StoreError`) with a Danish message.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Union

from sqlalchemy import func, inspect, or_, select
from sqlmodel import Session, SQLModel

from survey.db import exclusive_session, retrying, session_scope
from survey.files import csv_text, csv_unescape, frame_to_xlsx
from survey.models import AuditEntry, Code, CodeDecision, Quote, utcnow
from survey.privacy import refuse_for_target
from survey.store import StoreError
from survey.text import safe_text, shown, text_field
from survey.text import split_cues as text_split_cues

if TYPE_CHECKING:  # pandas is loaded only by the export that builds a frame (start-up)
    import pandas as pd

SEED_PATH = Path(__file__).resolve().parent / "data" / "codebook_seed.json"
FORMAT = "brugerblik-kodebog"
FORMAT_VERSION = 1
TARGET_KINDS = ("quote", "segment")
DECISIONS = ("accepted", "rejected")
SOURCES = ("regel", "model", "regel+model", "manuel")
CSV_COLUMNS = ("kode", "navn", "overkode", "beskrivelse", "ord", "sortering")
CUE_SEPARATOR = " | "
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class CodebookError(StoreError):
    """A refused codebook action; the message says why (Danish)."""


@dataclass(frozen=True)
class CodeEntry:
    """A code as plain data (what the tagger, exports and imports work with)."""
    key: str
    name: str
    parent_key: Optional[str] = None
    description: str = ""
    cues: tuple[str, ...] = ()
    sort_order: int = 0
    colour: Optional[str] = None  # #RRGGBB (a REFI-QDA file's); None: none of its own, or keep the store's


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers

def slugify(text: str) -> str:
    """A code key from a name: 'Økonomi og gæld' -> 'oekonomi_og_gaeld'."""
    s = text.strip().lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("é", "e"), ("ü", "u"), ("ö", "oe"), ("ä", "ae")):
        s = s.replace(a, b)
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s


def split_cues(cues: Union[str, Iterable[str], None]) -> list[str]:
    """`survey.text.split_cues`, refusing with a `CodebookError`."""
    return text_split_cues(cues, error=CodebookError)


def _check_cues(cues: list[str]) -> None:
    for c in cues:
        if "|" in c:
            raise CodebookError(f"Ordet {shown(c)} må ikke indeholde '|'.")
        if len(c) > 200:
            raise CodebookError(f"Ordet {shown(c)} er for langt ({len(c)} tegn, højst 200).")
        if c.startswith("=") and not c[1:].strip():
            raise CodebookError("Et '='-ord skal have tekst efter '='.")


def _check_key(key: str) -> str:
    key = safe_text(key).strip() if isinstance(key, str) else ""
    if not _KEY_RE.match(key) or len(key) > 80:
        raise CodebookError(f"Ugyldig kode {shown(key)}: brug små bogstaver a–z, tal og _ (fx rytme_i_hverdagen).")
    return key


_PARKED = "\t"  # prefix of a name parked during an import (see import_entries)


def _check_name(name: str) -> str:
    name = text_field(name, "Navnet", error=CodebookError)  # one line, no control characters
    if not name:
        raise CodebookError("En kode skal have et navn.")
    if len(name) > 200:
        raise CodebookError("Navnet er for langt (højst 200 tegn).")
    return name


def _description(description: object) -> str:
    return text_field(description, "Beskrivelsen", max_len=20_000, single_line=False, error=CodebookError)


# --------------------------------------------------------------------------- reading

def all_codes(s: Session) -> list[Code]:
    """Every code in tree order: parents before children, siblings by sort order then name."""
    rows = list(s.execute(select(Code)).scalars())
    children: dict[Optional[int], list[Code]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    out: list[Code] = []

    def walk(pid: Optional[int]) -> None:
        for c in sorted(children.get(pid, []), key=lambda c: (c.sort_order, c.name.lower())):
            out.append(c)
            walk(c.id)

    walk(None)
    return out


def tree(s: Session) -> list[tuple[Code, int]]:
    """(code, depth) in tree order, for display (depth 0 = top level)."""
    depth: dict[Optional[int], int] = {None: -1}
    out = []
    for c in all_codes(s):
        d = depth[c.parent_id] + 1
        depth[c.id] = d
        out.append((c, d))
    return out


def get_code(s: Session, code: Union[Code, int, str]) -> Code:
    """A code by row, id or key (or name); CodebookError if unknown."""
    if isinstance(code, Code):
        return code
    row = None
    if isinstance(code, int):
        row = s.get(Code, code) if -2**31 <= code < 2**31 else None
    else:
        key = safe_text(code)  # a look-up with NUL in it would fail on PostgreSQL
        row = s.execute(select(Code).where(Code.key == key)).scalars().first()
        if row is None:
            row = s.execute(select(Code).where(Code.name == key)).scalars().first()
    if row is None:
        raise CodebookError(f"Koden {shown(code)} findes ikke i kodebogen.")
    return row


def children_of(s: Session, code: Union[Code, int, str]) -> list[Code]:
    c = get_code(s, code)
    return sorted(s.execute(select(Code).where(Code.parent_id == c.id)).scalars(),
                  key=lambda x: (x.sort_order, x.name.lower()))


def entries(s: Session) -> list[CodeEntry]:
    """The store's codebook as plain data, in tree order."""
    codes = all_codes(s)
    by_id = {c.id: c for c in codes}
    return [CodeEntry(key=c.key, name=c.name, parent_key=by_id[c.parent_id].key if c.parent_id else None,
                      description=c.description or "", cues=tuple(c.cue_list()), sort_order=c.sort_order,
                      colour=c.colour)
            for c in codes]


def is_empty(s: Session) -> bool:
    return (s.execute(select(func.count()).select_from(Code)).scalar() or 0) == 0


# --------------------------------------------------------------------------- editing

def _unique_checks(s: Session, key: str, name: str, exclude_id: Optional[int] = None) -> None:
    q = select(Code).where(Code.key == key)
    other = s.execute(q).scalars().first()
    if other is not None and other.id != exclude_id:
        raise CodebookError(f"Koden {key!r} findes allerede.")
    # the exact name too: SQLite's lower() folds only A–Z, so 'Ó' and 'ó' would slip past it
    other = s.execute(select(Code).where(or_(Code.name == name, func.lower(Code.name) == name.lower()))
                      ).scalars().first()
    if other is not None and other.id != exclude_id:
        raise CodebookError(f"Navnet {name!r} er allerede brugt af koden {other.key!r}.")


def _next_sort(s: Session, parent_id: Optional[int]) -> int:
    m = s.execute(select(func.max(Code.sort_order)).where(Code.parent_id == parent_id if parent_id is not None
                                                         else Code.parent_id.is_(None))).scalar()
    return 10 if m is None else int(m) + 10


def create_code(s: Session, name: str, *, key: Optional[str] = None, parent: Union[Code, int, str, None] = None,
                description: str = "", cues: Union[str, Iterable[str], None] = None,
                sort_order: Optional[int] = None) -> Code:
    """A new code. The key defaults to a slug of the name; sort order to after its siblings."""
    name = _check_name(name)
    key = _check_key(key if key else slugify(name))
    _unique_checks(s, key, name)
    parent_id = get_code(s, parent).id if parent is not None else None
    cue_list = split_cues(cues)
    _check_cues(cue_list)
    c = Code(key=key, name=name, parent_id=parent_id, description=_description(description),
             cues="\n".join(cue_list), sort_order=_next_sort(s, parent_id) if sort_order is None else int(sort_order))
    s.add(c)
    s.flush()
    return c


def rename_code(s: Session, code: Union[Code, int, str], name: str, *, key: Optional[str] = None) -> Code:
    """New display name (and, if given, a new key; decisions follow since they reference the id)."""
    c = get_code(s, code)
    name = _check_name(name)
    new_key = _check_key(key) if key else c.key
    _unique_checks(s, new_key, name, exclude_id=c.id)
    c.name, c.key, c.updated_at = name, new_key, utcnow()
    s.add(c)
    s.flush()
    return c


def move_code(s: Session, code: Union[Code, int, str], parent: Union[Code, int, str, None], *,
              sort_order: Optional[int] = None) -> Code:
    """Put a code under another parent (None = top level). Refuses to make a cycle."""
    c = get_code(s, code)
    new_parent = get_code(s, parent) if parent is not None else None
    if new_parent is not None:
        p: Optional[Code] = new_parent
        while p is not None:
            if p.id == c.id:
                raise CodebookError(f"Koden {c.key!r} kan ikke flyttes ind under sig selv eller sine underkoder.")
            p = s.get(Code, p.parent_id) if p.parent_id is not None else None
    new_pid = new_parent.id if new_parent is not None else None
    if new_pid != c.parent_id and sort_order is None:
        sort_order = _next_sort(s, new_pid)
    c.parent_id = new_pid
    if sort_order is not None:
        c.sort_order = int(sort_order)
    c.updated_at = utcnow()
    s.add(c)
    s.flush()
    return c


def set_cues(s: Session, code: Union[Code, int, str], cues: Union[str, Iterable[str], None]) -> Code:
    """Replace the cue words/phrases (text with one per line, or a list)."""
    c = get_code(s, code)
    cue_list = split_cues(cues)
    _check_cues(cue_list)
    c.cues, c.updated_at = "\n".join(cue_list), utcnow()
    s.add(c)
    s.flush()
    return c


def set_description(s: Session, code: Union[Code, int, str], description: str) -> Code:
    c = get_code(s, code)
    c.description, c.updated_at = _description(description), utcnow()
    s.add(c)
    s.flush()
    return c


def decision_count(s: Session, code: Union[Code, int, str]) -> int:
    c = get_code(s, code)
    return int(s.execute(select(func.count()).select_from(CodeDecision).where(CodeDecision.code_id == c.id)).scalar() or 0)


def usage_elsewhere(s: Session, code: Union[Code, int, str]) -> dict[str, int]:
    """Rows in other tables that reference the code (e.g. coded segments and quotes), by table name.
    Found from the schema's foreign keys, so tables added by other modules are covered too. A table
    the models know but this store does not have (no migration made it here) holds no uses."""
    c = get_code(s, code)
    out: dict[str, int] = {}
    present = set(inspect(s.connection()).get_table_names())
    for table in SQLModel.metadata.sorted_tables:
        if table.name in (Code.__tablename__, CodeDecision.__tablename__) or table.name not in present:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == Code.__tablename__ and fk.column.name == "id":
                n = s.execute(select(func.count()).select_from(table).where(fk.parent == c.id)).scalar() or 0
                if n:
                    out[table.name] = out.get(table.name, 0) + int(n)
    return out


def refuse_if_used(s: Session, c: Code, why: str, after: str) -> None:
    """`CodebookError` («Koden … `why`er brugt …`after`») when `c` is used in decisions on
    suggestions or elsewhere (coded segments, quotes …): such a code is never deleted."""
    n = decision_count(s, c)
    if n:
        raise CodebookError(f"Koden {c.key!r} {why}er brugt i {n} beslutning(er) om forslag og kan ikke slettes{after}")
    used = usage_elsewhere(s, c)
    if used:
        where = ", ".join(f"{k} i {table}" for table, k in sorted(used.items()))
        raise CodebookError(f"Koden {c.key!r} {why}er i brug ({where}) og kan ikke slettes{after}")


def delete_code(s: Session, code: Union[Code, int, str]) -> None:
    """Delete a code. Refused while it has sub-codes, recorded decisions or other uses (coded
    segments, quotes …)."""
    c = get_code(s, code)
    kids = children_of(s, c)
    if kids:
        raise CodebookError(f"Koden {c.key!r} har underkoder ({', '.join(k.key for k in kids)}); "
                            "flyt eller slet dem først.")
    refuse_if_used(s, c, "", "; omdøb den eller flyt den i stedet.")
    s.delete(c)
    s.flush()


# --------------------------------------------------------------------------- export / import

def _nested(items: Sequence[CodeEntry]) -> list[dict]:
    kids: dict[Optional[str], list[CodeEntry]] = {}
    for e in items:
        kids.setdefault(e.parent_key, []).append(e)

    def node(e: CodeEntry) -> dict:
        d = {"kode": e.key, "navn": e.name, "beskrivelse": e.description, "ord": list(e.cues),
             "sortering": e.sort_order}
        sub = [node(k) for k in kids.get(e.key, [])]
        if sub:
            d["underkoder"] = sub
        return d

    return [node(e) for e in kids.get(None, [])]


def to_document(items: Sequence[CodeEntry], **meta) -> dict:
    doc = {"format": FORMAT, "version": FORMAT_VERSION}
    doc.update({k: v for k, v in meta.items() if v})
    doc["koder"] = _nested(items)
    return doc


def export_json(s: Session) -> str:
    return json.dumps(to_document(entries(s)), ensure_ascii=False, indent=2) + "\n"


def export_csv(s: Session) -> str:
    """The codebook as CSV text (columns `CSV_COLUMNS`), formula-safe: a name, description or cue
    starting with = + - @ tab or CR gets a leading ``'`` (`survey.files.csv_text`), which
    `parse_csv` strips again, so export and import round-trip."""
    rows = ([e.key, e.name, e.parent_key or "", e.description, CUE_SEPARATOR.join(e.cues), e.sort_order]
            for e in entries(s))
    return csv_text(rows, CSV_COLUMNS)


XLSX_SHEET = "Kodebog"


def export_frame(s: Session) -> "pd.DataFrame":
    """The codebook as a table in tree order: the CSV columns plus ``niveau`` (0 = top level);
    the cues joined by " | " as in the CSV; no parent = None."""
    import pandas as pd  # pandas: only the CSV/XLSX export builds a frame (start-up)

    depth: dict[Optional[str], int] = {None: -1}
    rows = []
    for e in entries(s):
        depth[e.key] = depth.get(e.parent_key, -1) + 1
        rows.append((e.key, e.name, e.parent_key, e.description, CUE_SEPARATOR.join(e.cues), e.sort_order,
                     depth[e.key]))
    return pd.DataFrame.from_records(rows, columns=[*CSV_COLUMNS, "niveau"])


def export_xlsx(s: Session) -> bytes:
    """The codebook as an XLSX workbook (sheet "Kodebog", columns as `export_frame`), as bytes.
    Text is never written as a formula (`survey.files.frame_to_xlsx`)."""
    return frame_to_xlsx(export_frame(s), XLSX_SHEET, title="Brugerblik – kodebog")


def parse_document(doc: Union[dict, list]) -> list[CodeEntry]:
    """Flatten the nested JSON form (a document or a bare list of codes) into entries, parents first."""
    if isinstance(doc, dict):
        if doc.get("format", FORMAT) != FORMAT:
            raise CodebookError(f"Ukendt format {doc.get('format')!r}; forventede {FORMAT!r}.")
        nodes = doc.get("koder")
    else:
        nodes = doc
    if not isinstance(nodes, list):
        raise CodebookError("Kodebogen skal have en liste 'koder'.")
    out: list[CodeEntry] = []

    def walk(ns: list, parent: Optional[str]) -> None:
        for i, n in enumerate(ns):
            if not isinstance(n, dict) or "navn" not in n:
                raise CodebookError(f"Hver kode skal have mindst 'navn' (fejl ved nr. {i + 1} under {parent or 'top'}).")
            key = _check_key(str(n.get("kode") or slugify(str(n["navn"]))))
            ords = n.get("ord") or []
            if isinstance(ords, str):
                ords = ords.splitlines()
            try:
                sort_order = int(n.get("sortering", (i + 1) * 10))
            except (TypeError, ValueError):
                raise CodebookError(f"Koden {key}: 'sortering' skal være et heltal, "
                                    f"ikke {str(n.get('sortering'))[:40]!r}.") from None
            out.append(CodeEntry(key=key, name=_check_name(str(n["navn"])), parent_key=parent,
                                 description=_description(n.get("beskrivelse")), cues=tuple(split_cues(ords)),
                                 sort_order=sort_order))
            walk(n.get("underkoder") or [], key)

    walk(nodes, None)
    return out


def parse_csv(text: str) -> list[CodeEntry]:
    """Entries from CSV text (`export_csv`'s columns); the formula escaping (one leading ``'``
    before = + - @ tab CR or ') is undone in every cell (`survey.files.csv_unescape`)."""
    rows = [{k: (csv_unescape(v) if isinstance(v, str) else v) for k, v in r.items()}
            for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]
    if not rows:
        return []
    missing = [c for c in ("kode", "navn") if c not in rows[0]]
    if missing:
        raise CodebookError(f"CSV-filen mangler kolonnen/kolonnerne: {', '.join(missing)} "
                            f"(forventede {', '.join(CSV_COLUMNS)}).")
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            sort_order = int(r.get("sortering") or i * 10)
        except ValueError:
            raise CodebookError(f"Linje {i}: 'sortering' skal være et heltal, ikke {r.get('sortering')!r}.") from None
        out.append(CodeEntry(key=_check_key(r.get("kode") or slugify(r.get("navn") or "")),
                             name=_check_name(r.get("navn") or ""), parent_key=(r.get("overkode") or "").strip() or None,
                             description=_description(r.get("beskrivelse")),
                             cues=tuple(split_cues((r.get("ord") or "").split("|"))), sort_order=sort_order))
    return out


def import_entries(s: Session, items: Sequence[CodeEntry], *, replace: bool = False) -> ImportResult:
    """Create or update codes by key; with `replace`, delete the codes absent from `items`.

    Everything is checked before anything changes (duplicates, unknown parents, names taken by
    other codes, cycles, and — with replace — codes to delete that carry decisions), so a refused
    import leaves the codebook as it was."""
    keys = [e.key for e in items]
    key_count = Counter(keys)
    dupes = sorted(k for k, n in key_count.items() if n > 1)
    if dupes:
        raise CodebookError(f"Koden/koderne {', '.join(dupes)} står mere end én gang.")
    name_count = Counter(e.name.lower() for e in items)
    dn = sorted({e.name for e in items if name_count[e.name.lower()] > 1})
    if dn:
        raise CodebookError(f"Navnet/navnene {', '.join(dn)} står mere end én gang.")
    known = set(keys)
    existing = {c.key: c for c in s.execute(select(Code)).scalars()}
    by_id = {c.id: c for c in existing.values()}
    for e in items:
        _check_cues(list(e.cues))
        if e.parent_key and e.parent_key not in known and (replace or e.parent_key not in existing):
            raise CodebookError(f"Koden {e.key!r} har overkoden {e.parent_key!r}, som ikke findes"
                                + (" i filen." if replace else "."))
        for c in existing.values():
            if c.key not in known and c.name.lower() == e.name.lower():
                raise CodebookError(f"Navnet {e.name!r} er allerede brugt af koden {c.key!r}.")
    # the parent of every code after the import, to refuse cycles up front
    final_parent = {c.key: (by_id[c.parent_id].key if c.parent_id in by_id else None)
                    for c in existing.values() if not (replace and c.key not in known)}
    final_parent.update({e.key: e.parent_key for e in items})
    for k in final_parent:
        seen, p = {k}, final_parent[k]
        while p is not None:
            if p in seen:
                raise CodebookError(f"Koden {k!r} ville komme til at ligge under sig selv.")
            seen.add(p)
            p = final_parent.get(p)
    to_delete = [c for c in existing.values() if replace and c.key not in known]
    for c in to_delete:
        refuse_if_used(s, c, "er ikke i filen, men ", ".")

    result = ImportResult()
    # names may be swapped between codes in one import: park the changing names first (under a
    # name no real one can have: names are whitespace-normalised, so none starts with a tab;
    # not NUL, which PostgreSQL text cannot hold)
    for e in items:
        c = existing.get(e.key)
        if c is not None and c.name != e.name:
            c.name = f"{_PARKED}{c.id}"
            s.add(c)
    s.flush()
    for e in items:
        c = existing.get(e.key)
        if c is None:
            c = existing[e.key] = Code(key=e.key, name=e.name)
            result.created.append(e.key)
        elif (c.name.startswith(_PARKED) or c.description != e.description or c.cues != "\n".join(e.cues)
              or c.sort_order != e.sort_order or (e.colour is not None and c.colour != e.colour)):
            result.updated.append(e.key)
        c.name, c.description, c.cues, c.sort_order = e.name, e.description, "\n".join(e.cues), e.sort_order
        if e.colour is not None:  # a file without colours (CSV, JSON) leaves a code's colour as it is
            c.colour = e.colour
        c.updated_at = utcnow()
        s.add(c)
    s.flush()
    for e in items:
        c = existing[e.key]
        pid = existing[e.parent_key].id if e.parent_key else None
        if c.parent_id != pid:
            c.parent_id = pid
            s.add(c)
            if e.key not in result.created and e.key not in result.updated:
                result.updated.append(e.key)
    s.flush()
    if to_delete:
        doomed = {c.key for c in to_delete}
        for c in reversed(all_codes(s)):  # children before parents
            if c.key in doomed:
                s.delete(c)
                s.flush()
                result.deleted.append(c.key)
    return result


#: The largest codebook file imported (JSON or CSV); the seed codebook is a few kilobytes.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


def _check_size(n: int) -> None:
    if n > MAX_IMPORT_BYTES:
        raise CodebookError(f"Kodebogsfilen er for stor ({n / 1048576:.1f} MB; højst "
                            f"{MAX_IMPORT_BYTES // 1048576} MB). Intet er importeret.".replace(".", ",", 1))


def import_json(s: Session, text: Union[str, bytes, dict, list], *, replace: bool = False) -> ImportResult:
    if isinstance(text, (str, bytes)):
        _check_size(len(text))
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:  # the parser's own message is English: only where it stopped
            raise CodebookError(f"Filen er ikke gyldig JSON (fejl i linje {e.lineno}, kolonne {e.colno}).") from None
        except UnicodeDecodeError:
            raise CodebookError("Filen er ikke tekst i UTF-8. Gem kodebogen som JSON i UTF-8.") from None
    else:
        doc = text
    return import_entries(s, parse_document(doc), replace=replace)


def import_csv(s: Session, text: Union[str, bytes], *, replace: bool = False) -> ImportResult:
    _check_size(len(text))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CodebookError("Filen er ikke tekst i UTF-8. Gem kodebogen som CSV i UTF-8.") from None
    return import_entries(s, parse_csv(text), replace=replace)


def import_file(s: Session, path: Union[str, Path], *, replace: bool = False) -> ImportResult:
    p = Path(path)
    _check_size(p.stat().st_size)  # before it is read
    try:
        data = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CodebookError("Filen er ikke tekst i UTF-8. Gem kodebogen i UTF-8.") from None
    if p.suffix.lower() == ".csv":
        return import_csv(s, data, replace=replace)
    return import_json(s, data, replace=replace)


# --------------------------------------------------------------------------- seed

def load_seed(path: Union[str, Path, None] = None) -> list[CodeEntry]:
    """The seed codebook (the report's themes) as entries, without touching a store."""
    p = Path(path) if path else SEED_PATH
    return parse_document(json.loads(p.read_text(encoding="utf-8")))


SEED_ENTITY, SEED_CODE = "codebook", "seed"  # the audit entry that records a seed load
_SEED_LOCK = 7417302  # PostgreSQL advisory lock: one seeding transaction at a time


def seeded_before(s: Session) -> bool:
    """True once the seed codebook has been loaded into this store (its audit entry)."""
    q = select(AuditEntry.id).where(AuditEntry.entity == SEED_ENTITY, AuditEntry.code == SEED_CODE).limit(1)
    return s.execute(q).first() is not None


def ensure_seeded(s: Session, path: Union[str, Path, None] = None, *, who: Optional[str] = None) -> int:
    """Load the seed codebook when the store's codebook is empty (recorded in the audit trail).
    Returns the number of codes created (0: the codebook had codes)."""
    if not is_empty(s):
        return 0
    n = len(import_entries(s, load_seed(path)).created)
    s.add(AuditEntry(interview_id=None, entity=SEED_ENTITY, code=SEED_CODE, old_value=None,
                     new_value=f"{n} koder", who=who, at=utcnow(), note="kodebogen oprettet med rapportens temaer"))
    s.flush()
    return n


def seed_on_first_use(engine, path: Union[str, Path, None] = None) -> int:
    """The first read of an empty codebook loads the seed codebook (see module doc). Returns the
    number of codes created: 0 when the codebook has codes or was seeded before (also when another
    process seeded it a moment ago). Call it before reading the codebook; a read-only check when
    nothing is to be done."""
    with session_scope(engine) as s:
        if not is_empty(s) or seeded_before(s):
            return 0

    def load() -> int:
        # one loader at a time (survey.db.exclusive_session); the check then sees what another committed
        with exclusive_session(engine, _SEED_LOCK) as s:
            if not is_empty(s) or seeded_before(s):
                return 0
            return ensure_seeded(s, path)

    return retrying(load, conflicts=True)


# --------------------------------------------------------------------------- decisions

def record_decision(s: Session, target_kind: str, target_id: Union[str, int], code: Union[Code, int, str],
                    decision: str, *, source: str = "manuel", who: Optional[str] = None,
                    text: Optional[str] = None) -> CodeDecision:
    """Accept or reject a code for a quote or segment. For quotes the text defaults to the quote's."""
    if target_kind not in TARGET_KINDS:
        raise CodebookError(f"Ukendt type {target_kind!r} — tilladt: {', '.join(TARGET_KINDS)}.")
    if decision not in DECISIONS:
        raise CodebookError(f"Ukendt beslutning {decision!r} — tilladt: {', '.join(DECISIONS)}.")
    if source not in SOURCES:
        raise CodebookError(f"Ukendt kilde {source!r} — tilladt: {', '.join(SOURCES)}.")
    c = get_code(s, code)
    tid = str(target_id).strip()
    if not tid:
        raise CodebookError("Beslutningen mangler et id for citatet/segmentet.")
    refuse_for_target(s, target_kind, tid)  # issue 12: nothing new about a respondent who withdrew consent
    if text is None and target_kind == "quote":
        try:
            q = s.get(Quote, int(tid))
        except ValueError:
            q = None
        if q is None:
            raise CodebookError(f"Citatet {tid!r} findes ikke.")
        text = q.text
    if text is None or not str(text).strip():
        raise CodebookError("Beslutningen mangler teksten (et øjebliksbillede af citatet/segmentet).")
    row = s.execute(select(CodeDecision).where(CodeDecision.target_kind == target_kind,
                                               CodeDecision.target_id == tid,
                                               CodeDecision.code_id == c.id)).scalars().first()
    if row is None:
        row = CodeDecision(target_kind=target_kind, target_id=tid, code_id=c.id, text=str(text), decision=decision)
    row.text, row.decision, row.source, row.who, row.at = str(text), decision, source, who, utcnow()
    s.add(row)
    s.flush()
    return row


def remove_decision(s: Session, target_kind: str, target_id: Union[str, int], code: Union[Code, int, str]) -> bool:
    c = get_code(s, code)
    row = s.execute(select(CodeDecision).where(CodeDecision.target_kind == target_kind,
                                               CodeDecision.target_id == str(target_id),
                                               CodeDecision.code_id == c.id)).scalars().first()
    if row is None:
        return False
    s.delete(row)
    s.flush()
    return True


def decisions_for(s: Session, target_kind: str, target_id: Union[str, int]) -> dict[str, CodeDecision]:
    """{code key: decision row} for one quote/segment."""
    rows = s.execute(select(CodeDecision, Code.key).join(Code, Code.id == CodeDecision.code_id)
                     .where(CodeDecision.target_kind == target_kind, CodeDecision.target_id == str(target_id)))
    return {k: d for d, k in rows.all()}


def labelled_texts(s: Session) -> list[tuple[str, dict[str, int]]]:
    """Training data from the decisions: [(text, {code key: 1 accepted / 0 rejected})], one entry per
    distinct text (decisions on identical texts are merged, the latest decision per code wins)."""
    rows = s.execute(select(CodeDecision, Code.key).join(Code, Code.id == CodeDecision.code_id)
                     .order_by(CodeDecision.at, CodeDecision.id)).all()
    by_text: dict[str, dict[str, int]] = {}
    for d, key in rows:
        t = " ".join(d.text.split())
        if t:
            by_text.setdefault(t, {})[key] = 1 if d.decision == "accepted" else 0
    return list(by_text.items())
