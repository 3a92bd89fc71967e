"""Tables as downloadable files (XLSX, CSV) that never turn user text into formulas.

Used by the coding workbench's downloads (the codebook, the quote bank). Text from respondents
and researchers goes into cells as plain strings: in XLSX never as a formula, URL or number
(`survey.files.xlsx_text` in a workbook opened with `survey.files.XLSX_OPTIONS`); in CSV a cell
that a spreadsheet would read as a formula gets a leading ``'`` (`survey.files.csv_text`). Blanks
(None, NaN, pd.NA) are empty cells. These return bytes (the app's download buttons); a file on
disk is written with `survey.files.write_atomic`. Nothing is logged.
"""
from __future__ import annotations

import io
import math
import numbers
from typing import Optional

import pandas as pd

from survey import files


class TabularError(ValueError):
    """A table that cannot be written (the message says why, Danish)."""


def frame_to_xlsx(df: pd.DataFrame, sheet: str = "Data", *, title: Optional[str] = None) -> bytes:
    """The frame as an XLSX workbook (one sheet, bold frozen header, autofilter), as bytes.

    Numbers stay numbers; every other value is written as a string (None/NaN as an empty cell)."""
    import xlsxwriter

    cols = [str(c) for c in df.columns]
    rows = df.astype(object).itertuples(index=False, name=None)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {**files.XLSX_OPTIONS, "in_memory": True})
    if title:
        wb.set_properties({"title": title})
    ws = wb.add_worksheet(sheet[:31] or "Data")
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    plain = wb.add_format()
    widths = [min(60, max(10, len(c) + 2)) for c in cols]
    for j, c in enumerate(cols):
        files.xlsx_text(ws, 0, j, c, bold, plain_fmt=plain)
    n = 0
    for i, row in enumerate(rows, start=1):
        n = i
        for j, v in enumerate(row):
            if files.is_blank(v):
                continue
            if isinstance(v, numbers.Number) and not isinstance(v, bool) and not isinstance(v, complex) \
                    and math.isfinite(v):
                ws.write_number(i, j, v)
                continue
            s = str(v)
            if files.utf16_len(s) > files.XLSX_MAX_CHARS:
                raise TabularError(f"Række {i}, kolonne {cols[j]}: teksten er længere, end en Excel-celle kan rumme "
                                   f"({files.XLSX_MAX_CHARS} tegn) — hent som CSV i stedet.")
            widths[j] = min(60, max(widths[j], min(len(s), 60)))
            files.xlsx_text(ws, i, j, s, wrap, plain_fmt=plain)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 0)
    if cols:
        ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
    wb.close()
    return buf.getvalue()


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """The frame as CSV: UTF-8 with BOM (Excel reads æøå), comma-separated, CRLF, formula-safe text
    cells and blanks as empty cells (`survey.files.csv_text`)."""
    return ("\ufeff" + files.csv_text(df, [str(c) for c in df.columns], lineterminator="\r\n")).encode("utf-8")
