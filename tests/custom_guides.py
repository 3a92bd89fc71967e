"""Guides for "another study", built in a test with openpyxl from a bundled guide (issue 12).

`another_study(path)` copies the bundled user guide and adds a section whose fields carry every
mark of the column ``brugerblik_identifikator``: a name (``ja``), a date of birth (``ja``, a closed
type), a family pseudonym (``pseudonym``), a district (``nej``), a new free-text question
(``fritekst``) and one left blank (a text question: free text by default). No code knows these
codes: whatever the exports do with them, they learn from the guide.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from survey.guide import DEFAULT_GUIDE, IDENTIFIER_COLUMN
from survey.sources import GUIDE_DIR

#: (type, name, label, mark) of the added section.
EXTRA_ROWS = [
    ("begin_group", "ekstra", "Ekstra (en anden undersøgelse)", ""),
    ("text", "kontaktperson_navn", "Kontaktpersonens navn", "ja"),
    ("date", "foedselsdato", "Fødselsdato", "ja"),
    ("text", "familie_id", "Familiens id (pseudonym)", "pseudonym"),
    ("text", "bydel", "Bydel", "nej"),
    ("text", "hjemmet", "Hvordan bor du?", "fritekst"),
    ("text", "uden_markering", "Andet, du vil fortælle", ""),
    ("end_group", "", "", ""),
]


def write_guide(src: Path, path: Path, rows, *, settings: dict[str, str] | None = None,
                drop_column: bool = False) -> Path:
    """`src` with `rows` ((type, name, label, mark) …) added at the end of its survey sheet; every
    other cell unchanged. `settings` overrides settings cells; `drop_column` removes the column
    ``brugerblik_identifikator`` altogether (a guide written before it existed)."""
    wb = load_workbook(src)
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header) if h}
    for typ, name, label, mark in rows:
        row = [None] * len(header)
        row[col["type"]], row[col["name"]], row[col["label"]] = typ, name or None, label or None
        row[col[IDENTIFIER_COLUMN]] = mark or None
        ws.append(row)
    if drop_column:
        ws.delete_cols(col[IDENTIFIER_COLUMN] + 1)
    if settings:
        st = wb["settings"]
        head = [c.value for c in st[1]]
        for k, v in settings.items():
            st.cell(2, head.index(k) + 1, v)
    wb.save(path)
    return path


def another_study(path: Path, **kw) -> Path:
    """The user guide plus `EXTRA_ROWS`, as another study's guide (own form id and version)."""
    return write_guide(DEFAULT_GUIDE, path, EXTRA_ROWS,
                       settings={"form_id": "anden_undersoegelse", "version": "1", **kw.pop("settings", {})}, **kw)


#: The leader guide's new fields for another study: the leader's name and a free-text question.
LEADER_ROWS = [
    ("begin_group", "ekstra", "Ekstra", ""),
    ("text", "leder_navn", "Lederens navn", "ja"),
    ("text", "personalet", "Fortæl om personalet", "fritekst"),
    ("end_group", "", "", ""),
]


def source_guide_dir(folder: Path) -> Path:
    """A copy of the bundled source guides in `folder` (to point `survey.sources.GUIDE_DIR` at, and edit)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for p in GUIDE_DIR.glob("*.xlsx"):
        shutil.copy(p, folder / p.name)
    return folder


def leader_guide_dir(folder: Path) -> Path:
    """A copy of the bundled source guides in `folder`, the leader guide with `LEADER_ROWS` added."""
    source_guide_dir(folder)
    write_guide(GUIDE_DIR / "leder.xlsx", folder / "leder.xlsx", LEADER_ROWS)
    return folder


# ---------------------------------------------------------------- the guide edited in the middle of a study

def edited_guide(path: Path, *edits, version: str | None = None, src: Path = DEFAULT_GUIDE) -> Path:
    """`src` with `edits` applied (each a function of the workbook: `set_cell`, `delete_row`, `swap_labels`)
    and, with `version`, a new ``settings.version``; every other cell unchanged (docs/guide.md «Når guiden
    ændres»)."""
    wb = load_workbook(src)
    for edit in edits:
        edit(wb)
    if version is not None:
        st = wb["settings"]
        st.cell(2, [c.value for c in st[1]].index("version") + 1, version)
    wb.save(path)
    return path


def _row(ws, match: dict) -> int:
    head = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if all(ws.cell(r, head.index(k) + 1).value == v for k, v in match.items()):
            return r
    raise KeyError(match)


def set_cell(sheet: str, match: dict, column: str, value):
    """An edit: on `sheet`, in the row whose cells are `match`, `column` becomes `value`."""
    def edit(wb):
        ws = wb[sheet]
        ws.cell(_row(ws, match), [c.value for c in ws[1]].index(column) + 1).value = value  # None too
    return edit


def delete_row(sheet: str, match: dict):
    """An edit: the row of `sheet` whose cells are `match` is removed."""
    return lambda wb: wb[sheet].delete_rows(_row(wb[sheet], match))


def swap_labels(list_name: str, a: str, b: str):
    """An edit: choices `a` and `b` of `list_name` trade labels (their codes stay)."""
    def edit(wb):
        ws = wb["choices"]
        col = [c.value for c in ws[1]].index("label") + 1
        ra, rb = _row(ws, {"list_name": list_name, "name": a}), _row(ws, {"list_name": list_name, "name": b})
        ws.cell(ra, col).value, ws.cell(rb, col).value = ws.cell(rb, col).value, ws.cell(ra, col).value
    return edit


def add_choice(list_name: str, name: str, label: str):
    """An edit: a new choice at the end of the choices sheet."""
    def edit(wb):
        ws = wb["choices"]
        head = [c.value for c in ws[1]]
        row = [None] * len(head)
        row[head.index("list_name")], row[head.index("name")], row[head.index("label")] = list_name, name, label
        ws.append(row)
    return edit
