"""Adds (or updates) the column ``brugerblik_identifikator`` on the survey sheet of the bundled guides.

The column says what identifies a person, following REDCap's "Identifier?" flag (docs/guide.md):

    ja          identifies a person directly (the interviewer's name)
    pseudonym   the study's own code for a person (respondent_id, informant_id): kept in exports
    fritekst    free text that may identify someone: masked before it leaves the team
    nej         neither (the site: an analysis variable)
    (blank)     fritekst for a text question, neither for any other type

Every text question of the bundled guides is marked explicitly: the ids and staff fields by
`MARKS`, every other text question ``fritekst``; other types stay blank. Only that column's cells
are written — every other cell, sheet and setting stays as it was (the guides' version too: the
marks change no code, value or question). Running it again changes nothing.

    python tools/mark_identifiers.py [guide.xlsx ...]   # default: every survey/guide/*.xlsx

tools/make_guide.py and tools/make_guides_triangulation.py call `mark_sheet` too, so a guide
written again from those scripts carries the same marks.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMN = "brugerblik_identifikator"

#: Marks of the meta items the bundled guides share (any other text question: fritekst).
MARKS: dict[str, str] = {
    "respondent_id": "pseudonym",  # the user's pseudonym, e.g. AMA-01 (never a name or CPR number)
    "informant_id": "pseudonym",  # the case worker's, contact person's or leader's pseudonym, e.g. SB-07
    "interviewer": "ja",  # the interviewer's (or the file reader's) name
    "site": "nej",  # the boform/værested: an analysis variable (Bilag A), kept
    "kommune": "fritekst",  # the municipality as stated: masked like free text (a town)
}


def mark_for(type_: str, name: str) -> str:
    base = (type_ or "").split()[0] if (type_ or "").strip() else ""
    if name in MARKS:
        return MARKS[name]
    return "fritekst" if base == "text" else ""


def mark_sheet(ws) -> int:
    """Write the column on an openpyxl survey sheet (after the last header); returns cells written."""
    header = [("" if c.value is None else str(c.value).strip().lower()) for c in ws[1]]
    while header and header[-1] == "":
        header.pop()
    n = 0
    if COLUMN in header:
        col = header.index(COLUMN) + 1
    else:
        col = len(header) + 1
        ws.cell(1, col, COLUMN)
        n += 1
    i_type, i_name = header.index("type") + 1, header.index("name") + 1
    for r in range(2, ws.max_row + 1):
        typ, name = ws.cell(r, i_type).value, ws.cell(r, i_name).value
        mark = mark_for(str(typ or ""), str(name or "")) if name else ""
        cell = ws.cell(r, col)
        if (cell.value or "") != mark:
            cell.value = mark or None
            n += 1
    return n


def mark_file(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    n = mark_sheet(wb["survey"])
    if n:
        wb.save(path)
    return n


if __name__ == "__main__":
    paths = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "survey" / "guide").glob("*.xlsx"))
    for p in paths:
        print(f"{p}: {mark_file(p)} celler skrevet")
