"""Tables as downloadable files (XLSX, CSV) that never turn user text into formulas.

Used by the coding workbench's downloads (the codebook, the quote bank). Text from respondents
and researchers goes into cells as plain strings: in XLSX never as a formula, URL or number
(xlsxwriter with strings_to_formulas/urls/numbers off, and the rich-string guard of
`survey.wideio` for text xlsxwriter would otherwise mangle); in CSV a cell that a spreadsheet
would read as a formula gets a leading ``'`` (`survey.wideio.csv_escape`). Nothing is logged.
"""
from __future__ import annotations

import csv
import io
import numbers
from typing import Optional

import pandas as pd

class TabularError(ValueError):
    """A table that cannot be written (the message says why, Danish)."""


def frame_to_xlsx(df: pd.DataFrame, sheet: str = "Data", *, title: Optional[str] = None) -> bytes:
    """The frame as an XLSX workbook (one sheet, bold frozen header, autofilter), as bytes.

    Numbers stay numbers; every other value is written as a string (None/NaN as an empty cell)."""
    import xlsxwriter

    from survey.wideio import XLSX_MAX_CHARS, _utf16_len, _xl_fragments

    cols = [str(c) for c in df.columns]
    rows = df.astype(object).where(df.notna(), None).itertuples(index=False, name=None)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    if title:
        wb.set_properties({"title": title})
    ws = wb.add_worksheet(sheet[:31] or "Data")
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    plain = wb.add_format()
    widths = [min(60, max(10, len(c) + 2)) for c in cols]
    for j, c in enumerate(cols):
        ws.write_string(0, j, c, bold)
    n = 0
    for i, row in enumerate(rows, start=1):
        n = i
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, numbers.Number) and not isinstance(v, bool):
                ws.write_number(i, j, v)
                continue
            s = str(v)
            if _utf16_len(s) > XLSX_MAX_CHARS:
                raise TabularError(f"Række {i}, kolonne {cols[j]}: teksten er længere, end en Excel-celle kan rumme "
                                   f"({XLSX_MAX_CHARS} tegn) — hent som CSV i stedet.")
            widths[j] = min(60, max(widths[j], min(len(s), 60)))
            frags = _xl_fragments(s)
            if frags:
                ws.write_rich_string(i, j, plain, *frags, wrap)
            else:
                ws.write_string(i, j, s, wrap)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 0)
    if cols:
        ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
    wb.close()
    return buf.getvalue()


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """The frame as CSV: UTF-8 with BOM (Excel reads æøå), comma-separated, formula-safe text cells."""
    from survey.wideio import csv_escape

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([str(c) for c in df.columns])
    for row in df.astype(object).where(df.notna(), None).itertuples(index=False, name=None):
        w.writerow(["" if v is None else (v if isinstance(v, numbers.Number) and not isinstance(v, bool)
                                          else csv_escape(str(v))) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
