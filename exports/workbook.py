"""The report workbook (``brugerblik report OUT.xlsx [--group G] [--site-type T] [--publish]``).

One Excel workbook a report writer can publish from: a sheet per table of chapters 3, 4 and 7
laid out like the Rambøll report (Danish headings, counts and percentages, n, a note with the
definition from ``spec/method.md``), a native Excel chart for each figure, an Excel scatter
chart for the quality map, a crosstab sheet, the method, the (anonymised) data and the
(anonymised) quotes. Every number comes from the report layer (`report.tables`,
`report.quality_map`, `report.crosstab`, `report.triangulation`) — the same DataFrames the CLI and
the app print — and what is published from `report.publication`; the data come from one
`report.data.ReportData` (the Rapport page passes the one it holds). This module only lays them out.

Why xlsxwriter (and not openpyxl)
---------------------------------
* **Charts.** xlsxwriter writes complete native charts that Excel and LibreOffice render the
  same way: scatter charts with a per-point custom data label ("Rytme (n=59)"), custom error
  bars (the 95 % Wilson intervals in both directions), a second series as the 45° line,
  percent-stacked columns with the counts as labels. openpyxl's chart support lacks per-point
  custom labels and is harder to get to render identically.
* **Text stays text.** ``write_string`` writes a shared string whatever it starts with, and the
  workbook is opened with ``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers``
  off. This module never calls ``write``, ``write_formula`` or ``write_url``: every value goes
  through `_Book.put` (``write_string`` / ``write_number``, and ``write_rich_string`` for the
  rare text xlsxwriter's escaping would damage — `survey.files.xlsx_text`, the one text rule). So a quote
  such as ``=HYPERLINK("http://x")``, ``+45 12 34 56 78`` or ``@SUM(A1)`` is stored as text.
* **Output.** A write-only library made for this: freeze panes, autofilters, print set-up
  (landscape, fit to width, repeated header rows), merged notes, number formats, in-memory
  output. openpyxl is used in the tests, to read the workbook back. The file itself is written
  by `survey.files.write_atomic` (atomic, owner-only 0600), as every file Brugerblik writes.

The "Data" sheet (one row per respondent, ~90 columns) is the bulk of a large study: 10,000
respondents are ~750,000 cells, which took xlsxwriter ~10 s here. So xlsxwriter writes that
sheet's header row, column widths, frozen pane and autofilter, and the data rows are spliced in
as inline-string XML (`_data_rows_xml`) when the finished zip is copied to its final place:
strings are ``t="inlineStr"`` cells (never formulas — an inline string cannot be one), numbers of
integer/decimal items are numbers when they read back exactly (as `survey.wideio.write_xlsx`),
text is XML-escaped, control characters become Excel's ``_xHHHH_`` escapes and every "_" that
starts a literal ``_xHHHH_`` is escaped (`_xml_string_cell`). The sheet
keeps the import layout (header = the guide's codes in row 1), so ``brugerblik import`` reads
the workbook's "Data" sheet back.

Sheets
------
Metode · Tabel 3.1 · Tabel 3.2 · Oversigt · Figur 3.1 · Tabel 4.1 · Tabel 4.2 · Figur 4 (the
report's 4.1–4.3 and every other probe, with one chart each) · Figur 7.1–7.4 · Tabel 7.2 ·
Kvalitetskort · Kvalitetskort grupper · Krydstabel (``forsoergelse`` × ``arbejdsmarked``,
section 4.3.3) · Krydstabel 2 (``forsoergelse`` × ``tilbudstype``, section 3.4) · Bilag C ·
Oversigt interview · Planer (6.3) · Enighed (7.4) (the other sources, issue 7:
`report.triangulation` on the population's users and their case workers, contact persons, sites'
leaders and case files) · Citater · Data · Diagramdata.

Every table sheet has the same frame: row 1 the title, row 2 the population ("alle
respondenter" or the filters, with n), row 3 the publication note (when ``publish``), row 4 the
header (frozen with the first column, autofilter from row 4 to the last table row), then the
rows, then the notes (the definition). Counts are numbers (format ``0``), shares are the exact
proportions formatted ``0%`` (the cell holds 0.847, Excel shows 85 %). A share whose n is 0 is
shown as "–".

Charts take their numbers from the sheet "Diagramdata" (one labelled block per chart), not from
the table: a table shows suppressed rows as "–", which a chart would draw as 0. In Diagramdata
a suppressed group is simply not there.

Groups, filters, population
---------------------------
``group`` / ``site_type`` restrict the population exactly as ``brugerblik table … --group``
(`report.population.population`, the effective user group); tables by group then show that group
and "I alt". Data and Citater hold the same population. A bad code raises `WorkbookError` (a
`report.errors.TableError` and a `survey.store.StoreError`, so the CLI prints the Danish message).

Publication (``publish=True``, ``min_n`` default 5)
----------------------------------------------------
Every row of a table has an n: the respondents its percentages are computed on (group n, site
n, probe n = ja + nej, crosstab row n; for Tabel 3.1 the population). When ``0 < n < min_n`` (the
one rule, `report.publication.hidden`) the row's counts and percentages are shown as "–" and its n
as "<5" (``<min_n``); the chart data leaves the row out, the quality maps leave the point out; each
sheet says so in a note, and the Metode sheet explains the rule. Rows with n = 0 have nothing to hide
and are shown. Where rows add up to a total, the rows that protect a hidden one are hidden too
(secondary suppression, `report.publication.complement`; their n «–»). A publication edition holds
no row per respondent: no Data sheet, no Bilag C, and the Citater sheet only the quotes marked «Til
rapporten», without respondent and site (`published_quotes`; the Metode sheet says this too).

Performance (`bench/bench_report.py`, 2 cores shared with other work): the demo study (61) in
0.2 s; 10,000 generated respondents in 7.8 s (load average 1.8) to 11 s (load average 4), of
which loading the wide frame (`survey.store.load_wide`) is 4.4–8.7 s and anonymising the
~170,000 free-text cells 1.4–1.7 s; the workbook's own part (tables, charts, the 61 MB Data
sheet XML, the zip) is about 2 s.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable, Iterator, Sequence
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_range_abs
from xlsxwriter.utility import xl_col_to_name as _col_letter  # 0 → A, 26 → AA

from coding import service as coding_service
from coding.anonymise import masked_kinds_text
from archetypes.model import GROUP_ORDER, GROUPS
from report import data as report_data
from report import matrix, saved, source_items
from report import tables as T
from report.crosstab import crosstab, crosstab_base, crosstab_label, crosstab_note, published_crosstab
from report.errors import TableError
from report.population import (NO_CUTS, Cuts, group_rows, keep_group, population, pseudonymised,
                               row_column)
from report.labels import CHART_POSITIONS, interval_segments, place_labels, shared_labels, text_width
from report.publication import (BLANK_COLOUR, DEFAULT_MIN_N, I_ALT, IKKE_BESVARET, PALETTE, SUPPRESSED, UOPLYST,
                                PROTECTING, check_publishable, complement, hidden, hidden_n,
                                journal_label, population_line, probe_key, probe_number_texts,
                                probe_short, published_rows, row_n, site_labels, status_short, suppression_note,
                                value_label)
from report.quality_map import (DEFAULT_METHOD, QUADRANTS, MapMethod, centre_text, kvalitetskort_points,
                                method_text, protect_points)
from report.registry import BY_WORDS, TITLES, compute, regrouped_title
from report.triangulation import topic_name
from survey import files, wideio
from survey.clock import local_text, utcnow
from survey.guide import Guide
from survey.sources import KILDE_LABELS, KILDER
from survey.store import StoreError
from survey.wideio import xl_number

__all__ = ["WorkbookError", "DEFAULT_CROSSTABS", "SUPPRESSED", "SHEETS", "build_workbook"]

#: Crosstabs in the workbook: (a, b, the report's section).
DEFAULT_CROSSTABS: tuple[tuple[str, str, str], ...] = (
    ("forsoergelse", "arbejdsmarked", "afsnit 4.3.3"),
    ("forsoergelse", "tilbudstype", "afsnit 3.4"),
)
CHART_DATA = "Diagramdata"
HEADER_ROW = 3  # 0-based: row 4 in Excel
XLSX_MAX_CHARS = files.XLSX_MAX_CHARS
_CUT = " […forkortet]"

#: the sheet of the quality map read by another method than the report's (issue 15)
METHOD_SHEET = "Kvalitetskort metode"

#: sheet name -> Danish definition (the note under each table and the Metode sheet's list).
SHEETS: dict[str, str] = {
    "Tabel 3.1": "Respondenter pr. aldersgruppe (-29, 30-39, 40-49, 50- år; intervallerne er halvåbne: "
                 "30-39 = fra 30 til under 40). Respondenter uden alder vises som «Uoplyst» (kun når der er "
                 "nogen). Procent af alle respondenter i populationen (n = I alt).",
    "Tabel 3.2": "Respondenter pr. brugergruppe og køn. Brugergruppen er forskerens kodning eller, hvis den "
                 "mangler, standardreglen ud fra arketype og alder. «I alt» tæller alle respondenter i "
                 "rækken, også dem uden oplyst køn; n = I alt.",
    "Oversigt": "Pr. sted, grupperet efter stedtype med subtotaler: interviewede, udvalgt af personalet på "
                "forhånd (ja), tilladelse til journalindsigt givet (ja) og ikke givet (nej; tomt er ingen af "
                "delene). Procent af de interviewede på rækken (n = interviewede).",
    "Figur 3.1": "Respondenter pr. tilbudstype, i alt og pr. brugergruppe. n = alle respondenter i gruppen; "
                 "procent af n. Ubesvaret vises som «Ikke besvaret», når der er nogen.",
    "Tabel 4.1": "For hver udbytteprobe: antal ja og antal nej. «Ikke relevant», «uklart» og ubesvaret er ikke "
                 "talt med, så antallet af svar varierer fra spørgsmål til spørgsmål (rapportens fodnote 9). "
                 "n = ja + nej; andel ja = ja / n. Sorteret efter antal ja.",
    "Tabel 4.2": "Som Tabel 4.1 og: «heraf vigtigt» = respondenter med probe ja (hhv. nej), som også har svaret "
                 "ja til «Er det vigtigt for dig?». n = ja + nej.",
    "Figur 4": "For hver probe og brugergruppe: andel ja blandt ja + nej (n = ja + nej) med 95 % "
               "Wilson-interval. Figur 4.1–4.3 er rapportens (rytme, kontakt, arbejdsmarked); de øvrige "
               "prober vises på samme måde. Diagrammerne viser andelen; tallene på søjlerne er antal.",
    "Tilfredshed (4.2)": "Forskerens samlede vurdering af brugerens tilfredshed med tilbuddet (samlet_tilfredshed) "
                         "pr. brugergruppe; ikke vurderet og ubesvaret er hver sin kategori. Procent af gruppens n "
                         "(alle i gruppen).",
    "Lyttet til (7.1)": "«Er der blevet lyttet til dine holdninger?» (lyttet_til) pr. brugergruppe; ubesvaret vises "
                        "som «Ikke besvaret». Procent af gruppens n (alle i gruppen).",
    "Enige (7.1)": "«Har du og sagsbehandleren været enige?» (enige) pr. brugergruppe; ubesvaret vises som «Ikke "
                   "besvaret». Procent af gruppens n (alle i gruppen).",
    "Figur 7.1": "Fordeling af «rigtige mennesker» pr. brugergruppe; ubesvaret vises som «Ikke besvaret», som i "
                 "rapporten. n = alle respondenter i gruppen; procent af n.",
    "Figur 7.2": "Fordeling af samarbejdet med sagsbehandleren pr. brugergruppe; ubesvaret vises som «Ikke "
                 "besvaret». n = alle respondenter i gruppen; procent af n.",
    "Figur 7.3": "Fordeling af «kunne samarbejdet have været bedre» pr. brugergruppe; ubesvaret vises som «Ikke "
                 "besvaret». n = alle respondenter i gruppen; procent af n.",
    "Figur 7.4": "Fordeling af «nok med til at bestemme» pr. brugergruppe; ubesvaret vises som «Ikke besvaret». "
                 "n = alle respondenter i gruppen; procent af n.",
    "Tabel 7.2": "Krydstabel af inddragelse og samlet tilfredshed (afsnit 7.2). Respondenter uden svar på en af "
                 "de to er ikke talt med. I alt = rækkens n; andel tilfredse = tilfredse / I alt.",
    "Kvalitetskort": "For hver probe: n = respondenter med ja eller nej; udbytte (tilfredshed, y-aksen) = ja / n; "
                     "vigtighed (x-aksen) = (ja og vigtigt + nej og vigtigt) / n; gap = vigtighed − udbytte. "
                     "Punkter under 45-graders-linjen (positivt gap) er vigtige, men ikke opnået — "
                     "forbedringsområder. 95 % Wilson-intervaller; «kan skelnes fra linjen» = nej, når "
                     "intervallernes kasse rører linjen.",
    METHOD_SHEET: "Kvalitetskortet læst med en anden metode end rapportens (vælges med --reference og "
                  "--vigtighed eller på siden Rapport): trådkors ved gennemsnittene eller skalaens midtpunkter "
                  "(Martilla & James 1977) og/eller afledt vigtighed — korrelationen (phi) mellem probens udbytte "
                  "og den samlede tilfredshed, med 95 %-interval ved Fishers z. Felt: Sæt ind her, Fortsæt det "
                  "gode arbejde, Lav prioritet, Mulig overindsats; «kan skelnes fra trådkorset» = nej, når "
                  "intervallerne rører en af linjerne.",
    "Kvalitetskort grupper": "Kvalitetskortet for hver gruppe (brugergruppe, eller den gruppering, projektmappen er lavet efter), på samme skala (0–100 %) og med samme "
                             "definitioner som arket Kvalitetskort.",
    "Krydstabel": "Antal og rækkeprocent af to kodede variable; n = rækkens respondenter med svar på begge. "
                  "Tomme felter (ikke spurgt) tælles ikke med; hvor mange der er udeladt, står under tabellen.",
    "Citater": "Citater med respondent, sted, brugergruppe (den effektive), spørgsmål og temakoder. Teksten er "
               "anonymiseret.",
    "Data": "Det brede datasæt: én række pr. respondent, kolonner = spørgeguidens koder (kan importeres igen). "
            "Fritekst er anonymiseret. Kolonnen brugergruppe er forskerens kodning; tabellerne bruger den "
            "effektive gruppe (standardreglen, når feltet er tomt).",
    CHART_DATA: "Tallene bag diagrammerne, én blok pr. diagram. Undertrykte grupper og punkter er udeladt.",
    # issue 7: the other sources (report.triangulation)
    "Bilag C": "Pr. sted og respondent: hvilke kilder der foreligger (X) — kommunens og boformens journal, "
               "interview med sagsbehandler og kontaktperson — eller hvorfor ikke (rapportens ord: «Ingen "
               "sagsbehandler», «Ingen tilladelse» …; - = ikke oplyst). Journaler læses kun med brugerens "
               "tilladelse. Rækker på individniveau (pseudonymer): intet undertrykkes.",
    "Oversigt interview": "Pr. sted, med subtotal pr. stedtype: interviewede brugere, heraf med tilladelse til "
                          "journalindsigt, og brugere med hver kilde (journaler, sagsbehandler- og "
                          "kontaktpersoninterview; «konkrete» = interview om den konkrete bruger) samt antal "
                          "forskellige personer og lederinterview. n = brugere.",
    "LAB pr. person (kap. 3)": "Brugere, der selv fortæller om et tilbud (på stedet, uden for stedet eller andet; ikke "
                               "ordinært arbejde og ikke intet tilbud), og hvor mange af dem mindst én journal viser "
                               "givet efter Lov om en aktiv beskæftigelsesindsats (LAB). En person tælles én gang. "
                               "Andel LAB = givet efter LAB / brugere med et tilbud (rapportens 22 af 43).",
    "Planer (6.3)": "Journaler læst pr. brugerens stedtype og journalens kilde (kommune, boform): handleplaner "
                    "efter serviceloven § 111 og jobplaner, begge, kun jobplan og nogen plan. Andele af alle "
                    "læste journaler (n = journaler), som rapportens «5 ud af 25»; ubesvaret tælles som ikke "
                    "fundet.",
    "Enighed (7.4)": "Par af en brugers interview og et interview med brugerens sagsbehandler: enighed om "
                     "tilbuddet, formålet og hvem der bestemte, kode for kode. n = par med svar fra begge; "
                     "delvist enige = flere svar, der overlapper; andel enige = enige / n.",
}


class WorkbookError(StoreError, TableError):
    """A report workbook that cannot be built (unknown group or site type, bad min_n …)."""


# --------------------------------------------------------------------------- small helpers

def _blank_num(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


#: Every text given to xlsxwriter's chart API (titles, series names, axis titles, data labels) goes
#: through the one rule: literal text, never a cell reference (`survey.files.xlsx_chart_text`).
_chart_text = files.xlsx_chart_text


# --------------------------------------------------------------------------- the chart-data sheet

@dataclass
class _Block:
    """A labelled block on the Diagramdata sheet: refs for xlsxwriter chart series."""
    cats: list | None
    series: list[tuple[list, list]]  # (name ref, values ref)
    columns: list[list]               # one ref per data column (scatter: x, y)


class _ChartData:
    """Buffers the chart data; written as the last sheet (refs are known before it exists)."""

    def __init__(self, mark: str = "") -> None:
        self.row = 0
        self.cells: list[tuple[int, int, object, str]] = []  # row, col, value, style
        if mark:  # «MED KLADDER: …» above the blocks (issue 14: every sheet says so)
            self.cells.append((0, 0, mark, "title"))
            self.row = 2

    def _ref(self, r0: int, c0: int, r1: int | None = None, c1: int | None = None) -> list:
        return [CHART_DATA, r0, c0, r0 if r1 is None else r1, c0 if c1 is None else c1]

    def block(self, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> _Block:
        """Title row, header row, data rows; column 0 = categories, columns 1.. = series."""
        r0 = self.row
        self.cells.append((r0, 0, title, "title"))
        for j, h in enumerate(header):
            self.cells.append((r0 + 1, j, h, "header"))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.cells.append((r0 + 2 + i, j, v, "cell"))
        k = len(rows)
        self.row = r0 + 2 + k + 1
        first, last = r0 + 2, r0 + 1 + k
        cols = [self._ref(first, j, last, j) for j in range(len(header))]
        series = [(self._ref(r0 + 1, j), cols[j]) for j in range(1, len(header))]
        return _Block(cats=cols[0], series=series, columns=cols)


# --------------------------------------------------------------------------- the builder

@dataclass
class _Sheet:
    name: str
    ws: object
    first: int          # first data row (0-based)
    n_rows: int
    n_cols: int
    suppressed: list[str] = field(default_factory=list)
    notes_end: int = 0


class _Book:
    def __init__(self, wb, guide: Guide, *, group: str | None, site_type: str | None, publish: bool,
                 min_n: int, n_pop: int, counted_text: str = "", drafts: bool = False,
                 cuts: Cuts = NO_CUTS) -> None:
        self.wb, self.guide = wb, guide
        self.group, self.site_type, self.publish, self.min_n = group, site_type, publish, min_n
        #: the report's other cuts (issue 14); `by` groups the sheets by group (None: by user group)
        self.cuts, self.by = cuts, cuts.by
        #: the first column of a sheet by group, its heading, and how its values read
        self.rc = row_column(cuts.by)
        self.rc_heading = T.ROW_HEADINGS[self.rc]
        #: the guide's direct identifiers (the interviewer) as the Data sheet shows them: «Interviewer 1»
        #: (the study's: `report.data.ReportData.pseudonyms`); set once the data are loaded
        self.alias: dict[str, dict[object, str]] = {}
        #: published: the sites and groups every sheet and map hides whole (`report.tables.hidden_parts`)
        self.parts: dict[str, frozenset] = {}
        self.n_pop = n_pop
        #: what was counted (issue 14): «n = 61 afsluttede interview; 2 kladder er ikke talt med.»
        self.counted_text, self.drafts = counted_text, drafts
        self.chart_data = _ChartData(counted_text if drafts else "")
        self.sheets: list[_Sheet] = []
        self.n_charts = 0
        self._widths: dict[tuple[str, int], float] = {}
        f = wb.add_format
        self.f = {
            "title": f({"bold": True, "font_size": 13}),
            "sub": f({"italic": True, "font_color": "#444444"}),
            "warn": f({"italic": True, "font_color": "#b2182b"}),
            "header": f({"bold": True, "bg_color": "#dce6f1", "bottom": 1, "text_wrap": True, "valign": "top"}),
            "text": f({"valign": "top"}),
            "wrap": f({"text_wrap": True, "valign": "top"}),
            "count": f({"num_format": "0", "valign": "top"}),
            "share": f({"num_format": "0%", "valign": "top"}),
            "number": f({"num_format": "0.000", "valign": "top"}),
            "dash": f({"align": "right", "valign": "top"}),
            "note": f({"italic": True, "text_wrap": True, "valign": "top"}),
            "bold": f({"bold": True}),
            "key": f({"bold": True, "valign": "top"}),
            "count_left": f({"num_format": "0", "align": "left", "valign": "top"}),
            "cell": f({}),
        }
        self.f_total = {k: f({**props, "bold": True, "top": 1})
                        for k, props in (("text", {}), ("wrap", {"text_wrap": True}), ("count", {"num_format": "0"}),
                                         ("share", {"num_format": "0%"}), ("number", {"num_format": "0.000"}),
                                         ("dash", {"align": "right"}))}
        self.pct_axis = {"min": 0, "max": 1, "major_unit": 0.2, "num_format": "0%",
                         "major_gridlines": {"visible": True, "line": {"color": "#e6e6e6"}}}

    # ----------------------------------------------------------------- writing cells

    def put(self, ws, r: int, c: int, v: object, style: str = "text", total: bool = False) -> None:
        """The only way a value reaches a cell: strings as strings, numbers as numbers."""
        fmt = (self.f_total.get(style) if total else None) or self.f.get(style) or self.f["text"]
        if v is None or (isinstance(v, str) and v == ""):
            return
        if isinstance(v, (bool, np.bool_)):
            ws.write_string(r, c, "ja" if v else "nej", fmt)
        elif isinstance(v, (int, np.integer)):
            ws.write_number(r, c, int(v), fmt)
        elif isinstance(v, (float, np.floating)):
            if math.isnan(v) or math.isinf(v):
                ws.write_string(r, c, SUPPRESSED, self.f_total["dash"] if total else self.f["dash"])
            else:
                ws.write_number(r, c, float(v), fmt)
        else:
            s = str(v)
            if len(s) > XLSX_MAX_CHARS // 2 and len(s.encode("utf-16-le")) // 2 > XLSX_MAX_CHARS:
                s = s[: XLSX_MAX_CHARS // 2 - len(_CUT)] + _CUT
            # the one text rule (survey.files.xlsx_text): a string, never a formula, URL or number;
            # "<r>…</r>" and overlapping "_xHHHH_" patterns as a rich string that reads back the same
            files.xlsx_text(ws, r, c, s, fmt, plain_fmt=self.f["cell"])

    def note(self, ws, r: int, last_col: int, text: str, style: str = "note") -> int:
        """A merged, wrapped note over the table's width; returns the next row."""
        last_col = max(last_col, 5)
        width = sum(self._widths.get((ws.name, j), 10) for j in range(last_col + 1))
        lines = max(1, math.ceil(len(text) * 1.1 / max(width, 20)))
        ws.set_row(r, 15 * lines)
        ws.merge_range(r, 0, r, last_col, "", self.f[style])
        ws.write_string(r, 0, text, self.f[style])
        return r + 1

    def set_widths(self, ws, widths: Sequence[float]) -> None:
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
            self._widths[(ws.name, j)] = w

    def population_text(self) -> str:
        """The population line of every sheet; a workbook made with the drafts says so on every sheet
        (issue 14: «MED KLADDER: …»; without them the Metode sheet says how many were left out)."""
        line = population_line(self.guide, self.group, self.site_type, self.n_pop,
                               cuts=self.shown_cuts(self.cuts).words(), hide_below=self.hide_below)
        return f"{line} {self.counted_text}" if self.drafts else line

    def label(self, code: str, value: object) -> str:
        """A value as the workbook shows it: a direct identifier's pseudonym, else its Danish label."""
        return value_label(self.guide, code, self.alias.get(code, {}).get(value, value))

    def row_label(self, value: object) -> str:
        """A row of a sheet by group, as it reads: the user group's, perspektiv's, site's name, or the
        interviewer's pseudonym (never the name: the Data sheet says «Interviewer 1»)."""
        return self.label(self.rc, value)

    def shown_cuts(self, cuts: Cuts) -> Cuts:
        """The cuts as the workbook names them: an interviewer filter by its pseudonym."""
        return cuts.renamed(self.alias)

    def by_group(self, t: pd.DataFrame) -> pd.DataFrame:
        """A table by group as the sheet shows it: with a user-group filter and no other grouping,
        that group and «I alt» only."""
        return keep_group(t, self.group)  # a no-op on rows of another grouping (no brugergruppe column)

    @property
    def hide_below(self) -> int | None:
        """What a population line of this workbook hides: min_n when published (`population_line`)."""
        return self.min_n if self.publish else None

    def suppression_note(self) -> str:
        return suppression_note(self.min_n)

    def is_suppressed(self, n: object) -> bool:
        """Hidden in this workbook: publication and `report.publication.hidden` (0 < n < min_n)."""
        return self.publish and hidden(n, self.min_n)

    def hidden(self, tid: str, t: pd.DataFrame) -> np.ndarray:
        """The rows of report table `tid` this workbook hides: with publication, those with a small n and
        those that protect them (`report.publication.published_rows`), and on a sheet that counts each
        site or group, every site and group the population's published outputs hide
        (`report.tables.hidden_parts`); else none."""
        if not self.publish:
            return np.zeros(len(t), dtype=bool)
        return published_rows(tid, t, self.n_pop, self.min_n, self.parts or None)

    # ----------------------------------------------------------------- a table sheet

    def table(self, name: str, title: str, headers: Sequence[str], kinds: Sequence[str],
              rows: Sequence[Sequence[object]], ns: Sequence[object], *, totals: Iterable[int] = (),
              widths: Sequence[float] | None = None, notes: Sequence[str] = (), labels: Sequence[str] = (),
              definition: str | None = None, population: str | None = None,
              hide: Sequence[bool] | np.ndarray | None = None) -> _Sheet:
        """Title, population (the workbook's, or a saved analysis's own `population`), header (row 4),
        rows, notes. kinds: text | wrap | count | share | number | n | flag (ja/nej text that is
        hidden when suppressed). `hide`: the rows publication hides (`hidden`: with the rows that
        protect the small ones); else each row whose n in `ns` is small."""
        ws = self.wb.add_worksheet(name)
        totals = set(totals)
        ncol = len(headers)
        self.set_widths(ws, widths or [28] + [12] * (ncol - 1))
        self.put(ws, 0, 0, title, "title")
        self.put(ws, 1, 0, population or self.population_text(), "sub")
        if self.publish:
            self.put(ws, 2, 0, self.suppression_note(), "warn")
        ws.set_row(HEADER_ROW, 45)
        for j, h in enumerate(headers):
            self.put(ws, HEADER_ROW, j, h, "header")
        first = HEADER_ROW + 1
        sheet = _Sheet(name, ws, first, len(rows), ncol)
        hides = [self.is_suppressed(n) for n in ns] if hide is None else [self.publish and bool(h) for h in hide]
        protecting = []
        for i, (row, n) in enumerate(zip(rows, ns)):
            r = first + i
            tot = i in totals
            hidden_row = hides[i]
            if hidden_row:
                (sheet.suppressed if hidden(n, self.min_n) else protecting).append(
                    str(labels[i] if i < len(labels) else row[0]))
            for j, (v, kind) in enumerate(zip(row, kinds)):
                if hidden_row and kind in ("count", "share", "number", "flag"):
                    self.put(ws, r, j, SUPPRESSED, "dash", tot)
                elif hidden_row and kind == "n":
                    self.put(ws, r, j, hidden_n(n, self.min_n), "dash", tot)  # by the n the hiding used
                elif kind in ("count", "n"):
                    self.put(ws, r, j, None if v is None else int(v), "count", tot)
                elif kind in ("share", "number"):
                    self.put(ws, r, j, float("nan") if _blank_num(v) else float(v), kind, tot)
                else:
                    self.put(ws, r, j, v, "wrap" if kind == "wrap" else "text", tot)
        last = first + max(len(rows), 1) - 1
        ws.freeze_panes(HEADER_ROW + 1, 1)
        ws.autofilter(HEADER_ROW, 0, last, ncol - 1)
        r = last + 2
        for text in [*notes, f"Definition: {definition or SHEETS.get(name, '')}"]:
            if text:
                r = self.note(ws, r, ncol - 1, text)
        if sheet.suppressed:
            r = self.note(ws, r, ncol - 1, f"Undertrykt (n under {self.min_n}): {', '.join(sheet.suppressed)}.",
                          "warn")
        if protecting:
            r = self.note(ws, r, ncol - 1, f"{PROTECTING} (n vist som «{SUPPRESSED}»): {', '.join(protecting)}.",
                          "warn")
            sheet.suppressed += protecting
        sheet.notes_end = r
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, HEADER_ROW)
        ws.hide_gridlines(2)
        self.sheets.append(sheet)
        return sheet

    # ----------------------------------------------------------------- charts

    def bar_chart(self, title: str, block: _Block, *, kind: str = "column", subtype: str | None = None,
                  y_title: str = "Antal", x_title: str = "Brugergruppe", percent: bool = False,
                  colours: Sequence[str] | None = None):
        opts = {"type": kind}
        if subtype:
            opts["subtype"] = subtype
        chart = self.wb.add_chart(opts)
        colours = colours or PALETTE
        for i, (name_ref, values_ref) in enumerate(block.series):
            chart.add_series({"name": name_ref, "categories": block.cats, "values": values_ref,
                              "fill": {"color": colours[i % len(colours)]}, "border": {"none": True},
                              "data_labels": {"value": True, "font": {"size": 8}}, "gap": 60})
        chart.set_title({"name": _chart_text(title), "name_font": {"size": 11, "bold": True}})
        val_axis = {"name": _chart_text(y_title), "major_gridlines": {"visible": True, "line": {"color": "#e6e6e6"}}}
        if percent:
            val_axis |= {"num_format": "0%", "min": 0, "max": 1}
        cat_axis = {"name": _chart_text(x_title)}
        if kind == "bar":
            chart.set_x_axis(val_axis)
            chart.set_y_axis(cat_axis | {"reverse": True})
        else:
            chart.set_x_axis(cat_axis)
            chart.set_y_axis(val_axis)
        chart.set_legend({"position": "bottom"} if len(block.series) > 1 else {"none": True})
        chart.set_size({"width": 760, "height": 400})
        self.n_charts += 1
        return chart

    def map_chart(self, title: str, pts: pd.DataFrame, block_title: str, method: MapMethod = DEFAULT_METHOD,
                  numbered: bool = False, size: tuple[int, int] = (620, 560)):
        """Scatter: udbytte (y) against vigtighed (x), 0–100 %, the 45° line, labelled points with
        their n and the 95 % Wilson intervals as error bars (from cells: LibreOffice ignores
        literal error-bar values). Another `method` (issue 15): x is the derived importance (−1…1)
        when derived, and the crosshairs through the centre ``pts.attrs["centre"]`` replace the line.
        `numbered`: each point labelled with its probe's number (`report.publication.probe_numbers`; the
        small maps, whose sheet has the key). Each label's side is chosen so that labels do not run into each
        other (`map_labels`); before, every label sat to the right and close points' names ran together.
        `size`: the chart's size in px."""
        cd = self.chart_data
        xc = "afledt" if method.derived else "vigtighed"
        labels = map_labels(pts, xc, probe_number_texts(self.guide, pts["kode"]) if numbered else list(pts["tekst"]),
                            size=size, note=not method.crosshairs)

        def gap(a: object) -> float:  # an interval's arm; none (derived, n < 4) is drawn as none
            return float(a) if np.isfinite(float(a)) else 0.0

        rows = [[lab, float(x), float(y), int(n), gap(x - xl), gap(xh - x), float(y - yl), float(yh - y)]
                for lab, x, y, n, xl, xh, yl, yh in
                zip(pts["tekst"], pts[xc], pts["udbytte"], pts["n"], pts[f"{xc}_lav"],
                    pts[f"{xc}_hoej"], pts["udbytte_lav"], pts["udbytte_hoej"])]
        x_name = "Afledt vigtighed (r)" if method.derived else "Vigtighed"
        blk = cd.block(block_title, ["Punkt", x_name, "Udbytte (tilfredshed)", "n", f"{x_name} −", f"{x_name} +",
                                     "Udbytte −", "Udbytte +"], rows)
        if method.crosshairs:
            cx, cy = pts.attrs["centre"]
            x0, x1 = (-1.0, 1.0) if method.derived else (0.0, 1.0)
            line = cd.block(f"{block_title}: trådkorset", ["Punkt", "x", "y"],
                            [["", float(cx), 0.0], ["", float(cx), 1.0]])
            across = cd.block(f"{block_title}: trådkorset, vandret", ["Punkt", "x", "y"],
                              [["", x0, float(cy)], ["", x1, float(cy)]])
        else:
            line = cd.block(f"{block_title}: 45-graders-linjen", ["Punkt", "x", "y"], [["", 0.0, 0.0], ["", 1.0, 1.0]])

        def ref(col: list) -> str:
            return f"={quote_sheetname(CHART_DATA)}!{xl_range_abs(col[1], col[2], col[3], col[4])}"

        bars = {"end_style": 0, "line": {"color": "#9db3cc", "width": 0.75}}
        chart = self.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        chart.add_series({
            "name": _chart_text("Prober"), "categories": blk.columns[1], "values": blk.columns[2],
            "line": {"none": True},
            "marker": {"type": "circle", "size": 7, "fill": {"color": PALETTE[0]}, "border": {"color": PALETTE[0]}},
            # "value" on + a custom text per point: Excel and LibreOffice both show the text.
            "data_labels": {"value": True, "position": "right", "font": {"size": 8}, "custom": labels},
            "x_error_bars": {"type": "custom", "minus_values": ref(blk.columns[4]), "plus_values": ref(blk.columns[5]),
                             **bars},
            "y_error_bars": {"type": "custom", "minus_values": ref(blk.columns[6]), "plus_values": ref(blk.columns[7]),
                             **bars},
        })
        dashed = {"marker": {"type": "none"}, "line": {"color": "#555555", "dash_type": "dash", "width": 1}}
        if method.crosshairs:
            where = "gennemsnittene" if method.reference == "gennemsnit" else "skalaens midtpunkter"
            chart.add_series({"name": _chart_text(f"Trådkors ved {where}"), "categories": line.columns[1],
                              "values": line.columns[2], **dashed})
            chart.add_series({"name": _chart_text("Trådkors (vandret)"), "categories": across.columns[1],
                              "values": across.columns[2], **dashed})
            chart.set_title({"name": _chart_text(title), "name_font": {"size": 11, "bold": True}})
            chart.set_x_axis({"name": _chart_text("Afledt vigtighed (korrelation med samlet tilfredshed)"), "min": -1, "max": 1,
                              "major_unit": 0.5, "num_format": "0.0",
                              "major_gridlines": {"visible": True, "line": {"color": "#e6e6e6"}}}
                             if method.derived else {"name": _chart_text("Vigtighed"), **self.pct_axis})
            chart.set_y_axis({"name": _chart_text("Tilfredshed (udbytte)"), **self.pct_axis})
            chart.set_legend({"position": "bottom", "delete_series": [2]})
            chart.set_size({"width": size[0], "height": size[1]})
            self.n_charts += 1
            return chart
        chart.add_series({"name": _chart_text("45-graders-linjen (udbytte = vigtighed)"), "categories": line.columns[1],
                          "values": line.columns[2], **dashed})
        below = cd.block(f"{block_title}: tekst under linjen", ["Punkt", "x", "y"], [["", 0.97, 0.04]])
        chart.add_series({"name": _chart_text("Under linjen"), "categories": below.columns[1], "values": below.columns[2],
                          "marker": {"type": "none"}, "line": {"none": True},
                          "data_labels": {"value": True, "position": "left",
                                          "custom": [{"value": _chart_text(BELOW_LINE_NOTE),
                                                      "font": {"color": "#b2182b", "italic": True, "size": 8}}]}})
        chart.set_title({"name": _chart_text(title), "name_font": {"size": 11, "bold": True}})
        chart.set_x_axis({"name": _chart_text("Vigtighed"), **self.pct_axis})
        chart.set_y_axis({"name": _chart_text("Tilfredshed (udbytte)"), **self.pct_axis})
        chart.set_legend({"position": "bottom", "delete_series": [2]})
        chart.set_size({"width": size[0], "height": size[1]})
        self.n_charts += 1
        return chart


#: the note in the corner of a map drawn with the 45° line (`_Book.map_chart`)
BELOW_LINE_NOTE = "Under linjen: vigtigt, men ikke opnået"


def map_labels(pts: pd.DataFrame, xc: str, texts: Sequence[str], *, size: tuple[int, int] = (620, 560),
               note: bool = True) -> list[dict]:
    """Each point's custom data label in a workbook map of `size` px, in `pts`' order: its text (`texts`:
    «Rytme (n=59)», or the probe's number) and its position (right, above, below or left: what a chart's
    label can take), chosen by `report.labels.place_labels` as the page's maps choose theirs — apart from the
    other labels, the markers, the error bars and (`note`) the «Under linjen» note in the lower right corner.
    Points on the same spot share one label (`report.labels.shared_labels`); the others' labels are deleted."""
    derived = xc == "afledt"
    fx = 1.0 if derived else 100.0
    xs, ys = [float(v) * fx for v in pts[xc]], [float(v) * 100 for v in pts["udbytte"]]
    shown = shared_labels(xs, ys, list(texts))
    lead = [i for i, t in enumerate(shown) if t]
    plot_w, plot_h = size[0] - 75, size[1] - 115  # the plot area inside title, axes and legend (measured roughly)
    px_x, px_y, font = plot_w / (2.0 if derived else 100.0), plot_h / 100.0, 8 * 96 / 72
    obstacles = []
    if note:  # right-aligned at x = 97 %, y = 4 %, in two lines (LibreOffice and Excel wrap it)
        half = BELOW_LINE_NOTE.rsplit(" ", 2)[0]
        w = text_width(half, font) / px_x
        obstacles.append((97.0 - w, 0.0, 100.0, 4.0 + 2 * 1.25 * font / px_y))
    placed = place_labels([xs[i] for i in lead], [ys[i] for i in lead], [shown[i] for i in lead],
                          px_x=px_x, px_y=px_y, size=font, marker=9, lo=0.0, hi=100.0,
                          x_range=(-1.0, 1.0) if derived else (0.0, 100.0), obstacles=obstacles,
                          segments=interval_segments(pts, derived), chart=True)
    out: list[dict] = [{"delete": True} for _ in shown]
    for i, where in zip(lead, placed):
        out[i] = {"value": _chart_text(shown[i]), "position": CHART_POSITIONS.get(where, "right")}
    return out


# --------------------------------------------------------------------------- the sheets

def _ns(bk: _Book, tid: str, t: pd.DataFrame) -> list:
    """Each row's n, as publication decides it (`report.publication.row_n`)."""
    return list(row_n(tid, t, bk.n_pop))


def _distribution_rows(long: pd.DataFrame, value_col: str) -> tuple[list[str], list[str], dict]:
    rc = T.row_col(long)
    values = list(dict.fromkeys(long[value_col]))
    groups = list(dict.fromkeys(long[rc]))
    idx = {(g, v): (int(a), float(s), int(n)) for g, v, a, s, n in
           zip(long[rc], long[value_col], long["antal"], long["andel"], long["n"])}
    return groups, values, idx


def _distribution_sheet(bk: _Book, tid: str, name: str, title: str, long: pd.DataFrame, code: str, value_col: str,
                        *, overall_chart: bool = False) -> None:
    g = bk.guide
    groups, values, idx = _distribution_rows(long, value_col)
    rc = T.row_col(long)
    hidden_groups = set(long[rc][bk.hidden(tid, long)])
    labels = [value_label(g, code, v) for v in values]
    headers = [bk.rc_heading, *labels, "n", *[f"{lab} (%)" for lab in labels]]
    kinds = ["text"] + ["count"] * len(values) + ["n"] + ["share"] * len(values)
    rows, ns = [], []
    for grp in groups:
        n = idx[(grp, values[0])][2]
        rows.append([bk.row_label(grp), *[idx[(grp, v)][0] for v in values], n,
                     *[idx[(grp, v)][1] for v in values]])
        ns.append(n)
    sheet = bk.table(name, title, headers, kinds, rows, ns, totals=[len(groups) - 1],
                     widths=[24] + [11] * len(values) + [7] + [11] * len(values),
                     hide=[grp in hidden_groups for grp in groups])
    colours = [BLANK_COLOUR if v == IKKE_BESVARET else PALETTE[i % len(PALETTE)] for i, v in enumerate(values)]
    def drawn(grp: str) -> bool:  # n = 0: nothing to draw; suppressed: left out
        return idx[(grp, values[0])][2] > 0 and grp not in hidden_groups

    shown = [grp for grp in groups if grp != I_ALT and drawn(grp)]
    col = len(headers) + 1
    at = HEADER_ROW
    if overall_chart and drawn(I_ALT):
        blk = bk.chart_data.block(f"{title} — i alt", ["Tilbudstype", "Antal"],
                                  [[lab, idx[(I_ALT, v)][0]] for v, lab in zip(values, labels)])
        chart = bk.bar_chart(f"{title} — i alt", blk, kind="bar", x_title="", y_title="Antal respondenter")
        sheet.ws.insert_chart(at, col, chart)
        at += 21
    if shown:
        words = f"efter {BY_WORDS[bk.by or 'brugergruppe']}"
        blk = bk.chart_data.block(f"{title} — {words}", [bk.rc_heading, *labels],
                                  [[bk.row_label(grp), *[idx[(grp, v)][0] for v in values]] for grp in shown])
        chart = bk.bar_chart(f"{title} — {words}" if overall_chart else title, blk, colours=colours)
        sheet.ws.insert_chart(at, col, chart)


def _sheet_3_1(bk: _Book, pop: pd.DataFrame) -> None:
    t = T.with_shares("3.1", T.tabel_3_1(pop, bk.guide))
    rows = [[value_label(bk.guide, "alder", r.alder), r.antal, r.andel] for r in t.itertuples()]
    bk.table("Tabel 3.1", TITLES["3.1"], ["Alder", "Antal", "Procent"], ["text", "count", "share"], rows,
             _ns(bk, "3.1", t), totals=[len(rows) - 1], widths=[16, 10, 10])


def _sheet_3_2(bk: _Book, pop: pd.DataFrame) -> None:
    t = bk.by_group(T.tabel_3_2(pop, bk.guide, by=bk.by))
    rows = [[bk.row_label(r[bk.rc]), r["kvinde"], r["mand"], r["i_alt"]] for _, r in t.iterrows()]
    bk.table("Tabel 3.2", regrouped_title(TITLES["3.2"], bk.by), [bk.rc_heading, "Kvinde", "Mand", "I alt"],
             ["text", "count", "count", "n"], rows, _ns(bk, "3.2", t), totals=[len(rows) - 1], widths=[26, 10, 10, 10],
             hide=bk.hidden("3.2", t))


def _sheet_oversigt(bk: _Book, pop: pd.DataFrame) -> None:
    g = bk.guide
    t = T.oversigt(pop, g)
    rows = []
    for r in t.itertuples():
        typ, site = site_labels(r.site_type, r.site, g, total_type="I alt")
        rows.append([typ, site, r.interviewet, r.udvalgt_af_personalet, r.andel_udvalgt_af_personalet,
                     r.samtykke_givet, r.andel_samtykke_givet, r.samtykke_ikke_givet, r.andel_samtykke_ikke_givet])
    totals = [i for i, r in enumerate(t.itertuples()) if r.site == I_ALT]
    bk.table("Oversigt", TITLES["oversigt"],
             ["Type", "Sted", "Antal brugere interviewet", "Heraf udvalgt af personalet på forhånd", "Andel udvalgt",
              "Har givet tilladelse til journalindsigt", "Andel med tilladelse", "Har ikke givet tilladelse",
              "Andel uden tilladelse"],
             ["text", "text", "n", "count", "share", "count", "share", "count", "share"], rows, _ns(bk, "oversigt", t),
             totals=totals, widths=[12, 24, 13, 15, 10, 15, 11, 13, 11],
             labels=[f"{row[0]}: {row[1]}" for row in rows], hide=bk.hidden("oversigt", t))


def _sheet_fig3_1(bk: _Book, pop: pd.DataFrame) -> None:
    t = bk.by_group(T.figur_3_1(pop, bk.guide, by=bk.by))
    _distribution_sheet(bk, "fig3.1", "Figur 3.1", regrouped_title(TITLES["fig3.1"], bk.by), t, "tilbudstype", "tilbudstype",
                        overall_chart=True)


def _sheet_4_1(bk: _Book, pop: pd.DataFrame) -> None:
    t = T.with_shares("4.1", T.tabel_4_1(pop, bk.guide))
    n = _ns(bk, "4.1", t)
    rows = [[r.spoergsmaal, r.ja, r.nej, r.n, r.andel_ja, r.kode] for r in t.itertuples()]
    bk.table("Tabel 4.1", TITLES["4.1"], ["Spørgsmål", "Ja", "Nej", "n", "Andel ja", "Kode"],
             ["wrap", "count", "count", "n", "share", "text"], rows, n, widths=[60, 8, 8, 8, 10, 16],
             labels=list(t["kode"]))


def _sheet_4_2(bk: _Book, pop: pd.DataFrame) -> None:
    t = T.with_shares("4.2", T.tabel_4_2(pop, bk.guide))
    n = _ns(bk, "4.2", t)
    rows = [[r.spoergsmaal, r.ja, r.ja_vigtigt, r.nej, r.nej_vigtigt, r.n, r.kode] for r in t.itertuples()]
    bk.table("Tabel 4.2", TITLES["4.2"],
             ["Spørgsmål", "Ja", "Heraf vigtigt", "Nej", "Heraf vigtigt", "n", "Kode"],
             ["wrap", "count", "count", "count", "count", "n", "text"], rows, n, widths=[60, 8, 10, 8, 10, 8, 16],
             labels=list(t["kode"]))


def fig4_order(guide: Guide, pop: pd.DataFrame) -> list[tuple[str, str]]:
    """(probe, figure label): the report's Figur 4.1–4.3 first, then the other probes in Tabel 4.1
    order (by ja)."""
    report = {probe: fid.replace("fig", "Figur ") for fid, (probe, _) in T.REPORT_FIG4.items()}
    codes = [p.code for p in guide.probes]
    first = [p for p in report if p in codes]
    rest = [k for k in T.tabel_4_1(pop, guide)["kode"] if k not in report]
    return [(p, report[p]) for p in first] + [(p, "Øvrige prober") for p in rest]


def _sheet_fig4(bk: _Book, pop: pd.DataFrame) -> None:
    g = bk.guide
    rows, ns, labels, blocks, hide = [], [], [], [], []
    totals = []
    for probe, fig in fig4_order(g, pop):
        t = bk.by_group(T.figur_4(pop, g, probe=probe, by=bk.by))
        # hidden before the column is renamed: the sites and groups hidden everywhere are found by its name
        t = t.assign(skjult=bk.hidden("fig4", t)).rename(columns={bk.rc: "gruppe"})
        hide += list(t["skjult"])
        start = len(rows)
        for r in t.itertuples():
            if r.gruppe == I_ALT:
                totals.append(len(rows))
            rows.append([fig, probe_short(g, probe), bk.row_label(r.gruppe), r.ja, r.nej, r.n, r.andel_ja,
                         r.andel_ja_lav, r.andel_ja_hoej, probe])
            ns.append(r.n)
            labels.append(f"{probe_short(g, probe)}: {bk.row_label(r.gruppe)}")
        blocks.append((probe, fig, t, start))
    sheet = bk.table("Figur 4", f"Figur 4.1–4.3 og alle prober: andel ja efter {BY_WORDS[bk.by or 'brugergruppe']}",
                     ["Figur", "Probe", bk.rc_heading, "Ja", "Nej", "n", "Andel ja", "95 % nedre", "95 % øvre",
                      "Kode"],
                     ["text", "text", "text", "count", "count", "n", "share", "share", "share", "text"], rows, ns,
                     totals=totals, widths=[13, 20, 22, 7, 7, 7, 9, 9, 9, 15], labels=labels, hide=hide)
    col0 = 11
    k = 0
    for probe, fig, t, _ in blocks:
        shown = [r for r in t.itertuples() if r.gruppe != I_ALT and r.n > 0 and not r.skjult]
        if not shown:
            continue
        if fig.startswith("Figur 4."):
            title = next(tt for fid, (p, tt) in T.REPORT_FIG4.items() if p == probe)
        else:
            title = f"{g.item(probe).label} (n = ja + nej)"
        blk = bk.chart_data.block(f"Figur 4 — {probe}", [bk.rc_heading, "Ja", "Nej"],
                                  [[bk.row_label(r.gruppe), int(r.ja), int(r.nej)] for r in shown])
        chart = bk.bar_chart(title, blk, subtype="percent_stacked", y_title="Andel af ja + nej", percent=False,
                             colours=[PALETTE[0], "#c6dbef"])
        chart.set_y_axis({"name": _chart_text("Andel af ja + nej"), "num_format": "0%",
                          "major_gridlines": {"visible": True, "line": {"color": "#e6e6e6"}}})
        chart.set_size({"width": 560, "height": 340})
        sheet.ws.insert_chart(HEADER_ROW + (k // 2) * 18, col0 + (k % 2) * 9, chart)
        k += 1


def _sheet_fig7(bk: _Book, pop: pd.DataFrame, n: int) -> None:
    t = bk.by_group(T.figur_7(pop, n, bk.guide, by=bk.by))
    code = T.FIG7_CODES[n]
    _distribution_sheet(bk, f"fig7.{n}", f"Figur 7.{n}", regrouped_title(TITLES[f"fig7.{n}"], bk.by), t, code, "svar")


#: the judgements' sheet names (issue 14)
JUDGEMENT_SHEETS = {"tilfredshed": "Tilfredshed (4.2)", "lyttet": "Lyttet til (7.1)", "enige": "Enige (7.1)"}


def _sheet_judgement(bk: _Book, pop: pd.DataFrame, tid: str) -> None:
    code = T.JUDGEMENTS[tid]
    t = bk.by_group(T.fordeling(pop, code, bk.guide, by=bk.by))
    _distribution_sheet(bk, tid, JUDGEMENT_SHEETS[tid], regrouped_title(TITLES[tid], bk.by), t, code, "svar")


def _sheet_7_2(bk: _Book, pop: pd.DataFrame) -> None:
    g = bk.guide
    t = T.inddragelse_tilfredshed(pop, g)
    cols = [c for c in t.columns if c not in ("inddraget", "i_alt", "andel_tilfreds")]
    rows = [[value_label(g, "inddraget", r["inddraget"]), *[int(r[c]) for c in cols], int(r["i_alt"]),
             r["andel_tilfreds"]] for _, r in t.iterrows()]
    headers = ["Inddraget", *[value_label(g, "samlet_tilfredshed", c) for c in cols], "I alt", "Andel tilfredse"]
    hide = bk.hidden("7.2", t)
    sheet = bk.table("Tabel 7.2", TITLES["7.2"], headers, ["text", *["count"] * len(cols), "n", "share"], rows,
                     _ns(bk, "7.2", t), totals=[len(rows) - 1], widths=[16] + [11] * len(cols) + [9, 12], hide=hide)
    shown = [(lab, row) for lab, row, n, h in zip(t["inddraget"], rows, t["i_alt"], hide)
             if lab != I_ALT and n > 0 and not h]
    if shown:
        blk = bk.chart_data.block(TITLES["7.2"], headers[: len(cols) + 1], [row[: len(cols) + 1] for _, row in shown])
        chart = bk.bar_chart(TITLES["7.2"], blk, x_title="Inddraget i beslutningen", y_title="Antal")
        sheet.ws.insert_chart(HEADER_ROW, len(headers) + 1, chart)


def _map_rows(bk: _Book, t: pd.DataFrame, panel: str | None) -> tuple[list, list, list]:
    """The rows of a quality-map sheet from `report.quality_map.kvalitetskort_points`."""
    rows, labels = [], []
    for r in t.itertuples():
        row = [] if panel is None else [panel]
        row += [r.label, r.n, r.udbytte, r.udbytte_lav, r.udbytte_hoej, r.vigtighed, r.vigtighed_lav,
                r.vigtighed_hoej, r.gap, SUPPRESSED if r.tom else ("nej" if r.krydser else "ja"), r.kode]
        if panel is None:
            row.insert(1, r.spoergsmaal)
        rows.append(row)
        labels.append(r.label if panel is None else f"{panel}: {r.label}")
    return rows, _ns(bk, "kvalitetskort", t), labels


_MAP_HEADERS = ["n", "Udbytte", "95 % nedre", "95 % øvre", "Vigtighed", "95 % nedre", "95 % øvre", "Gap",
                "Kan skelnes fra linjen", "Kode"]
_MAP_KINDS = ["n", "share", "share", "share", "share", "share", "share", "share", "flag", "text"]


def _map_points(bk: _Book, t: pd.DataFrame) -> pd.DataFrame:
    """The points a map chart draws: not empty, not hidden for publication (``suppressed``: small, or
    protecting another group's point — `report.quality_map.protect_points`)."""
    keep = t["n"].to_numpy() > 0
    if bk.publish:
        keep &= ~t["suppressed"].to_numpy(bool)
    return t[keep]


def _map_hide(t: pd.DataFrame) -> np.ndarray:
    """The rows of a map's sheet publication hides: ``suppressed`` points with answers."""
    return t["suppressed"].to_numpy(bool) & (t["n"].to_numpy() > 0)


def _group_maps(bk: _Book, pop: pd.DataFrame, parts: dict, gone: Collection[object] = ()) -> dict:
    """`kvalitetskort_points` of each part of `pop` (``i_alt``: the whole), published with the points
    that protect small ones (`report.quality_map.protect_points`; the people in no part are a hidden
    part) and the parts hidden whole (`gone`: the groups every published output hides,
    `report.tables.hidden_parts`)."""
    maps = {k: kvalitetskort_points(part, bk.guide, min_n=bk.min_n) for k, part in parts.items()}
    if not bk.publish:
        return maps
    inside = pd.Index([]).append([part.index for k, part in parts.items() if k != I_ALT])
    rest = pop[~pop.index.isin(inside)]
    return protect_points(maps, bk.min_n, kvalitetskort_points(rest, bk.guide, min_n=bk.min_n) if len(rest) else None,
                          gone)


def _sheet_map(bk: _Book, pop: pd.DataFrame) -> None:
    t = kvalitetskort_points(pop, bk.guide, min_n=bk.min_n)
    rows, ns, labels = _map_rows(bk, t, None)
    sheet = bk.table("Kvalitetskort", TITLES["kvalitetskort"], ["Probe", "Spørgsmål", *_MAP_HEADERS],
                     ["text", "wrap", *_MAP_KINDS], rows, ns, labels=labels,
                     widths=[18, 44, 7, 9, 9, 9, 9, 9, 9, 8, 11, 15],
                     notes=["Diagrammet: hvert punkt er en probe med sit n; de tynde linjer er 95 % "
                            "Wilson-intervaller i "
                            "begge retninger; den stiplede linje er 45-graders-linjen. Punkter under linjen er "
                            "vigtige, men ikke opnået (forbedringsområder)."])
    pts = _map_points(bk, t)
    if len(pts):
        chart = bk.map_chart("Kvalitetskort: udbytte og vigtighed", pts, "Kvalitetskort")
        sheet.ws.insert_chart(HEADER_ROW, len(rows[0]) + 1, chart)


def _sheet_map_method(bk: _Book, pop: pd.DataFrame, method: MapMethod) -> None:
    """The quality map read by another method than the report's (issue 15): beside the sheet
    Kvalitetskort (which stays the report's), the method's columns — derived importance with its
    interval, the quadrant, whether the point can be told from the crosshairs — and its chart."""
    t = kvalitetskort_points(pop, bk.guide, min_n=bk.min_n, method=method)
    headers = ["Probe", "Spørgsmål", "n", "Udbytte", "95 % nedre", "95 % øvre", "Vigtighed (angivet)"]
    kinds = ["text", "wrap", "n", "share", "share", "share", "share"]
    widths = [18, 44, 7, 9, 9, 9, 10]
    if method.derived:
        headers += ["n (afledt)", "Afledt vigtighed (r)", "95 % nedre (Fisher)", "95 % øvre (Fisher)"]
        kinds += ["count", "number", "number", "number"]
        widths += [9, 10, 10, 10]
    headers += ["Felt", "Kan skelnes fra trådkorset", "Kode"]
    kinds += ["flag", "flag", "text"]
    widths += [22, 12, 15]
    rows, labels = [], []
    for r in t.itertuples():
        row = [r.label, r.spoergsmaal, r.n, r.udbytte, r.udbytte_lav, r.udbytte_hoej, r.vigtighed]
        if method.derived:
            row += [r.afledt_n, r.afledt, r.afledt_lav, r.afledt_hoej]
        quadrant = QUADRANTS.get(r.kvadrant) if isinstance(r.kvadrant, str) else None
        row += [quadrant or SUPPRESSED, SUPPRESSED if r.tom else ("nej" if r.krydser else "ja"), r.kode]
        rows.append(row)
        labels.append(r.label)
    cx, cy = t.attrs.get("centre", (float("nan"), float("nan")))
    has_centre = bool(np.isfinite(cx) and np.isfinite(cy))
    centre = centre_text(cx, cy, method)
    sheet = bk.table(METHOD_SHEET, f"{TITLES['kvalitetskort']} — anden metode", headers, kinds, rows,
                     _ns(bk, "kvalitetskort", t), labels=labels, widths=widths,
                     notes=[f"Metode: {method_text(method)}", centre,
                            "Arket Kvalitetskort viser rapportens kort (45-graders-linjen, angivet vigtighed)."])
    keep = np.array([not tom and n > 0 and not bk.is_suppressed(n) for n, tom in zip(t["n"], t["tom"])], dtype=bool)
    pts = t[keep]
    pts.attrs = dict(t.attrs)
    if len(pts) and has_centre:
        chart = bk.map_chart("Kvalitetskort: " + ("afledt vigtighed" if method.derived else "trådkors"), pts,
                             METHOD_SHEET, method)
        sheet.ws.insert_chart(HEADER_ROW, len(headers) + 1, chart)


def map_method_words(method: MapMethod) -> str:
    """The Metode sheet's line on the quality map's method."""
    if method.is_default:
        return "Rapportens: " + method_text(method)
    return (f"Arket Kvalitetskort følger rapporten (45-graders-linjen, angivet vigtighed). Arket «{METHOD_SHEET}» "
            f"læser kortet anderledes: {method_text(method)}")


def _sheet_map_groups(bk: _Book, pop: pd.DataFrame) -> None:
    if bk.by in (None, "brugergruppe"):  # the user group filter keeps that group (as every table)
        groups = [bk.group] if bk.group else list(GROUP_ORDER)
        parts = {grp: population(pop, group=grp) for grp in groups}
    else:
        codes, levels = group_rows(pop, bk.by)
        parts = {lv: pop[codes == i] for i, lv in enumerate(levels) if lv != UOPLYST}
    rows, ns, labels, per_group, empty, hide = [], [], [], [], [], []
    gone = bk.parts.get(bk.rc, frozenset())  # published: hidden whole, its rows of n = 0 too
    for grp, t in _group_maps(bk, pop, parts, gone).items():
        r, n, lab = _map_rows(bk, t, bk.row_label(grp))
        rows += r
        ns += n
        labels += lab
        hide += [bool(h) or grp in gone for h in _map_hide(t)]
        pts = _map_points(bk, t)
        if len(pts):
            per_group.append((grp, pts))
        else:
            empty.append(bk.row_label(grp))
    notes = []
    if empty:  # published: small, empty, or hidden to protect another group's point (a reviewer: not all small)
        why = (f"n under {bk.min_n} eller 0, eller er skjult, så et lille tal ikke kan regnes ud" if bk.publish
               else "n = 0")
        notes.append(f"Intet kvalitetskort for: {', '.join(empty)} (alle prober har {why}).")
    if per_group:  # the maps' points carry the probes' numbers
        notes.append(probe_key(bk.guide))
    sheet = bk.table("Kvalitetskort grupper", f"Kvalitetskort pr. {BY_WORDS[bk.by or 'brugergruppe']}",
                     [bk.rc_heading, "Probe", *_MAP_HEADERS], ["text", "text", *_MAP_KINDS], rows, ns, labels=labels,
                     widths=[22, 18, 7, 9, 9, 9, 9, 9, 9, 8, 11, 15], notes=notes, hide=hide)
    for k, (grp, pts) in enumerate(per_group):
        chart = bk.map_chart(f"Kvalitetskort: {bk.row_label(grp)}", pts, f"Kvalitetskort — {bk.row_label(grp)}",
                             numbered=True, size=(520, 470))
        sheet.ws.insert_chart(HEADER_ROW + (k // 2) * 25, 13 + (k % 2) * 9, chart)


def _sheet_crosstab(bk: _Book, pop: pd.DataFrame, name: str, a: str, b: str, section: str, *,
                    title: str | None = None, population: str | None = None) -> None:
    g = bk.guide
    if bk.publish:  # groups as rows with «Uoplyst»; groups as columns refused when some are hidden (TableError)
        t, hide = published_crosstab(pop, g, a, b, bk.min_n)
    else:
        t, hide = crosstab(pop, g, a, b), None
    levels = t.attrs["kolonner"]
    col_labels = [crosstab_label(g, b, v) for v in levels]
    label_a = g.item(a).label
    label_b = g.item(b).label
    rows = [[crosstab_label(g, a, r[a]), *[int(r[f"antal_{v}"]) for v in levels], int(r["n"]),
             *[r[f"andel_{v}"] for v in levels]] for _, r in t.iterrows()]
    title = title or f"Krydstabel: {label_a} × {label_b}" + (f" (jf. {section})" if section else "")
    bk.table(name, title, [label_a, *col_labels, "n", *[f"{lab} (%)" for lab in col_labels]],
             ["text", *["count"] * len(levels), "n", *["share"] * len(levels)], rows, _ns(bk, "krydstabel", t),
             totals=[len(rows) - 1], widths=[26] + [11] * len(levels) + [7] + [11] * len(levels),
             # published: also the groups Tabel 3.2 hides when the rows are user groups or perspektiv, whatever
             # the workbook's own grouping (the CLI's and the page's crosstab hide them the same way)
             hide=hide if bk.publish else bk.hidden("krydstabel", t),
             notes=[f"Rækker: {a} ({label_a}). Kolonner: {b} ({label_b}).", crosstab_base(t, g),
                    crosstab_note(t, bk.hide_below)],
             definition=SHEETS["Krydstabel"], population=population)


#: a saved analysis whose site or interviewer the study no longer has (no names: the sheet leaves the study)
UNAVAILABLE = ("Kan ikke beregnes: analysens sted eller interviewer findes ikke længere i undersøgelsen. "
               "Slet analysen, eller gem den igen med en population, der findes.")


def _sheet_saved(bk: _Book, wide: pd.DataFrame, an: saved.Analysis) -> None:
    """A saved analysis (issue 14) on a sheet of its own, «Mine NAVN», computed on its own population
    (not the workbook's filter). Only in the working edition: a publication edition has none
    (`build_workbook`)."""
    g = bk.guide
    name = f"Mine {an.name}"
    title = f"Gemt analyse «{an.name}»: {an.describe(g)}"
    try:
        pop = pseudonymised(saved.population_of(an, wide), bk.alias)
    except TableError:  # a site or interviewer the study no longer has: the sheet says so, without
        ws = bk.wb.add_worksheet(name)  # the message (it lists the study's real interviewers' names)
        bk.put(ws, 0, 0, title, "title")
        bk.put(ws, 1, 0, UNAVAILABLE, "warn")
        return
    population = population_line(g, an.group, an.site_type, len(pop), cuts=bk.shown_cuts(an.cuts).words(),
                                 hide_below=bk.hide_below)
    if an.kind == "krydstabel":
        _sheet_crosstab(bk, pop, name, an.a, an.b, "", title=title, population=population)
        return
    by = an.cuts.by
    if by is None:
        parts = {None: pop}
    else:
        codes, levels = group_rows(pop, by)
        parts = {lv: pop[codes == i] for i, lv in enumerate(levels)
                 if not (an.group and by == "brugergruppe" and lv != an.group)}  # as `report.population.keep_group`
        parts[I_ALT] = pop
    rc = row_column(by) if by else None
    rows, ns, labels, hide = [], [], [], []
    for level, t in _group_maps(bk, pop, parts).items():
        r, n, lab = _map_rows(bk, t, bk.label(rc, level) if rc else None)
        rows += r
        ns += n
        labels += lab
        hide += list(_map_hide(t))
    head = [T.ROW_HEADINGS[rc]] if rc else []
    kinds = ["text"] if rc else []
    head += ["Probe"] if rc else ["Probe", "Spørgsmål"]
    kinds += ["text"] if rc else ["text", "wrap"]
    bk.table(name, title, [*head, *_MAP_HEADERS], [*kinds, *_MAP_KINDS], rows, ns, labels=labels,
             widths=([22, 18] if rc else [18, 44]) + [7, 9, 9, 9, 9, 9, 9, 8, 11, 15],
             definition=SHEETS["Kvalitetskort"], population=population, hide=hide)


# --------------------------------------------------------------------------- the other sources (issue 7)

def _sheets_triangulation(bk: _Book, pop: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> None:
    """Bilag C, Oversigt over interview, Planer (6.3) and Enighed (7.4) for the population's users, from
    `report.triangulation` (the numbers `brugerblik table bilag_c|oversigt_interview|planer|enighed` prints)."""
    g = bk.guide

    def place(site_type: str, site: str) -> tuple[str, str]:
        return site_labels(site_type, site, g, total_type="I alt")

    def table(tid: str) -> pd.DataFrame:
        return compute(tid, pop, g, frames=frames)

    if not bk.publish:  # a row per respondent: never in a publication edition (`INDIVIDUAL_TABLES`)
        t = table("bilag_c")
        rows = [[*place(r.site_type, r.site), r.respondent_id, *[status_short(getattr(r, k)) for k in KILDER],
                 r.noter or ""] for r in t.itertuples()]
        bk.table("Bilag C", TITLES["bilag_c"], ["Stedtype", "Sted", "Bruger-id", *[KILDE_LABELS[k] for k in KILDER],
                                                   "Noter"],
                 ["text", "text", "text", "wrap", "wrap", "wrap", "wrap", "wrap"], rows, _ns(bk, "bilag_c", t),
                 widths=[11, 20, 10, 22, 22, 22, 22, 44])

    t = table("oversigt_interview")
    rows = [[*place(r.site_type, r.site), r.brugere, r.samtykke_givet, r.journal_kommune, r.journal_boform,
             r.sagsbehandler, r.sagsbehandler_konkret, r.sagsbehandlere, r.kontaktperson, r.kontaktperson_konkret,
             r.kontaktpersoner, r.leder] for r in t.itertuples()]
    bk.table("Oversigt interview", TITLES["oversigt_interview"],
             ["Type", "Sted", "Brugere interviewet", "Tilladelse til journalindsigt", "Journal kommune",
              "Journal boform", "Sagsbehandler-interview", "Heraf om den konkrete bruger", "Sagsbehandlere (personer)",
              "Kontaktperson-interview", "Heraf om den konkrete bruger", "Kontaktpersoner (personer)", "Leder"],
             ["text", "text", "n", *["count"] * 10], rows, _ns(bk, "oversigt_interview", t),
             totals=[i for i, r in enumerate(t.itertuples()) if r.site == I_ALT],
             widths=[11, 22] + [12] * 11, labels=[f"{r[0]}: {r[1]}" for r in rows],
             hide=bk.hidden("oversigt_interview", t))

    t = table("planer")
    rows = []
    for r in t.itertuples():
        rows.append([value_label(g, "site_type", r.site_type), journal_label(r.kilde), r.journaler,
                     r.handleplan, r.andel_handleplan, r.jobplan, r.andel_jobplan, r.begge, r.kun_jobplan,
                     r.nogen_plan, r.andel_nogen_plan, r.uoplyst])
    bk.table("Planer (6.3)", TITLES["planer"],
             ["Brugere af", "Kilde", "Journaler læst", "Handleplan (§ 111)", "Andel handleplan", "Jobplan",
              "Andel jobplan", "Begge", "Kun jobplan", "Nogen plan", "Andel nogen plan", "Uden svar"],
             ["text", "text", "n", "count", "share", "count", "share", "count", "count", "count", "share", "count"],
             rows, _ns(bk, "planer", t), totals=[i for i, r in enumerate(t.itertuples()) if r.site_type == I_ALT],
             widths=[12, 18] + [11] * 10, labels=[f"{r[0]}: {r[1]}" for r in rows], hide=bk.hidden("planer", t))

    t = table("lab_personer")
    rows = [[value_label(g, "site_type", r.site_type), r.med_tilbud, r.med_journal, r.lab, r.andel_lab,
             r.andel_lab_journal] for r in t.itertuples()]
    bk.table("LAB pr. person (kap. 3)", TITLES["lab_personer"],
             ["Brugere af", "Brugere med et tilbud", "Heraf med journal", "Givet efter LAB", "Andel LAB",
              "Andel LAB af dem med journal"], ["text", "n", "count", "count", "share", "share"], rows,
             _ns(bk, "lab_personer", t), totals=[i for i, r in enumerate(t.itertuples()) if r.site_type == I_ALT],
             widths=[12] + [14] * 5, definition=SHEETS["LAB pr. person (kap. 3)"], hide=bk.hidden("lab_personer", t))

    for tid, sheet in (("enighed", "Enighed (7.4)"), ("enighed_alle", "Enighed alle emner (7.4)"),
                       ("enighed_kontaktperson", "Enighed kontaktperson (7.4)")):
        t = table(tid)
        rows = [[topic_name(r.emne, r.kode), r.par, r.n, r.enige, r.delvist, r.uenige, r.mangler, r.andel_enige]
                for r in t.itertuples()]
        bk.table(sheet, TITLES[tid],
                 ["Emne", "Par", "n (svar fra begge)", "Enige", "Delvist enige", "Uenige", "Mangler svar",
                  "Andel enige"],
                 ["text", "count", "n", "count", "count", "count", "count", "share"], rows, _ns(bk, "enighed", t),
                 widths=[26] + [11] * 7, totals=[len(rows) - 1] if tid != "enighed" and rows else (),
                 definition=SHEETS["Enighed (7.4)"] if tid == "enighed" else ENIGHED_ALL_DEFINITION)


def _sheet_source_items(bk: _Book, pop: pd.DataFrame, frames: dict[str, pd.DataFrame], by: str | None = None) -> None:
    """Chapters 5 and 6 (issue 14): every table of `report.source_items` on one sheet, long — one row
    per table, row and value (filter on the first column in Excel); n per row for publication. By
    site type, or (`by`) by the grouping of the user each source is about: the leaders' tables,
    which speak for a site, are left out of that sheet."""
    rows, ns, labels, totals, hide = [], [], [], [], []
    tids = [t for t in source_items.SOURCE_ITEMS if by is None or by in _source_groupings(t)]
    for tid in tids:
        t = keep_group(compute(tid, pop, bk.guide, frames=frames, by=by), bk.group)  # a group: its row, I alt
        rc = source_items.row_of(t)
        levels = t.attrs.get("kolonner", [])
        people = row_n(tid, t, bk.n_pop)  # the people behind a row (`report.publication.row_n`)
        for (_, r), h, k in zip(t.iterrows(), bk.hidden(tid, t), people):
            where = source_items.row_label(rc, r[rc])
            for v in levels:
                if r[rc] == I_ALT:
                    totals.append(len(rows))
                rows.append([TITLES[tid], where, source_items.label(tid, v), int(r[f"antal_{v}"]), int(r["n"]),
                             r[f"andel_{v}"], tid])
                ns.append(k)
                hide.append(h)
                labels.append(f"{tid}: {where}")
    if by is None:
        sheet, title, head, definition = ("Kilder (kap. 5-6)", "De andre kilder efter stedtype (kapitel 5 og 6)",
                                          "Stedtype", SOURCE_ITEMS_DEFINITION)
    else:
        words = BY_WORDS[by]
        sheet = f"Kilder efter {'arbejdsmarked' if by == 'perspektiv' else words}"
        title = f"De andre kilder efter brugerens {words} (kapitel 5 og 6)"
        head = T.ROW_HEADINGS[row_column(by)]
        definition = SOURCE_ITEMS_BY_DEFINITION.format(words=words)
    bk.table(sheet, title, ["Tabel", head, "Svar", "Antal", "n", "Andel", "Tabel-id"],
             ["wrap", "text", "text", "count", "n", "share", "text"], rows, ns, totals=totals, labels=labels,
             widths=[46, 22 if by else 12, 34, 8, 7, 9, 20], definition=definition, hide=hide)


def _source_groupings(tid: str) -> tuple[str, ...]:
    """The groupings table `tid` has beside site type (`report.source_items`)."""
    return source_items.LEADER_BY if source_items.SOURCE_ITEMS[tid][0] == "leder" else source_items.SOURCE_BY


def _sheet_matrix(bk: _Book, pop: pd.DataFrame, groups: list) -> None:
    """Matrix coding (issue 15, `report.matrix`): every top-level code with codings, its rows by user
    group (or by the workbook's perspektiv grouping) — one row per code and group; n = respondents,
    so publication hides a cell that comes from fewer than min_n people."""
    if not groups:
        return
    attribute = "arbejdsmarkedsperspektiv" if bk.by == "perspektiv" else "brugergruppe"
    rows, ns, labels, totals, blocks, block_totals = [], [], [], [], [], []
    for name, code_rows, units in groups:
        t = matrix.matrix(code_rows, units, pop, bk.guide, attribute)
        for _, r in t.iterrows():
            parts, total = [], None  # a code's groups add up to its «I alt»: one block (secondary suppression)
            for v in t.attrs["kolonner"]:
                if r["kode"] == I_ALT or v == I_ALT:
                    totals.append(len(rows))
                if v == I_ALT:
                    total = len(rows)
                else:
                    parts.append([len(rows)])
                where = value_label(bk.guide, attribute, v)
                rows.append([name, r["navn"], where, int(r[f"kodninger_{v}"]), int(r[f"respondenter_{v}"])])
                ns.append(int(r[f"respondenter_{v}"]))
                labels.append(f"{name}: {r['navn']}, {where}")
            blocks.append(parts)
            block_totals.append(total)
    hide = complement(ns, np.array([bk.is_suppressed(n) for n in ns], dtype=bool), blocks, bk.min_n, block_totals)
    head = T.ROW_HEADINGS.get(attribute, "Arbejdsmarkedsperspektiv")
    bk.table("Matrixkodning", f"Matrixkodning: temakoder efter {head.lower()}",
             ["Kodegruppe", "Kode", head, "Kodninger", "Respondenter"], ["text", "text", "text", "count", "n"],
             rows, ns, totals=totals, labels=labels, widths=[24, 28, 24, 11, 12], definition=MATRIX_DEFINITION,
             hide=hide)


MATRIX_DEFINITION = ("Kodninger = segmenter af transskriptioner og citater med kodens egen kode eller en kode under "
                     "den, fra respondenter i populationen; respondenter = forskellige respondenter, de kommer fra. "
                     "Rækkerne er kodegruppens underkoder og I alt (en kodning med flere af gruppens koder tælles "
                     "én gang). Samme tal som brugerblik matrix KODE brugergruppe.")


def _sheet_side_by_side(bk: _Book, pop: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> None:
    """Chapter 5 (issue 14): the leaders and the contact persons side by side on the items both guides
    ask (`report.source_items.SIDE_BY_SIDE`), long like «Kilder (kap. 5-6)», with the informant."""
    rows, ns, labels, totals, hide = [], [], [], [], []
    for tid in source_items.SIDE_BY_SIDE:
        t = compute(tid, pop, bk.guide, frames=frames)
        people = row_n(tid, t, bk.n_pop)
        for (_, r), h, k in zip(t.iterrows(), bk.hidden(tid, t), people):
            where, who = source_items.row_label("site_type", r["site_type"]), source_items.SIDE_LABELS[r["informant"]]
            for v in t.attrs.get("kolonner", []):
                if r["site_type"] == I_ALT:
                    totals.append(len(rows))
                rows.append([TITLES[tid], where, who, source_items.label(tid, v), int(r[f"antal_{v}"]), int(r["n"]),
                             r[f"andel_{v}"], tid])
                ns.append(k)
                hide.append(h)
                labels.append(f"{tid}: {where}, {who}")
    bk.table("Ledere og kontaktpersoner (5)", "Lederne og kontaktpersonerne side om side (kapitel 5)",
             ["Tabel", "Stedtype", "Informant", "Svar", "Antal", "n", "Andel", "Tabel-id"],
             ["wrap", "text", "text", "text", "count", "n", "share", "text"], rows, ns, totals=totals, labels=labels,
             widths=[40, 12, 16, 34, 8, 7, 9, 20], definition=SIDE_BY_SIDE_DEFINITION, hide=hide)


SIDE_BY_SIDE_DEFINITION = ("De spørgsmål, leder- og kontaktpersonguiden stiller med de samme svarmuligheder, talt pr. "
                           "interview: lederne efter deres eget steds type, kontaktpersonerne efter stedet for den "
                           "bruger, interviewet handler om. n = interview med svar; andel = antal / n. Samme tal som "
                           "brugerblik table <Tabel-id>.")
SOURCE_ITEMS_DEFINITION = ("Hver tabel er ét spørgsmål fra én kildes spørgeguide, talt pr. kilde (et interview eller "
                           "en journal), med rækker efter stedtype: lederens eget sted, ellers stedet for den bruger, "
                           "kilden handler om. n = rækkens kilder med svar; andel = antal / n. Flere svar pr. kilde "
                           "tælles én gang pr. svar. Samme tal som brugerblik table <Tabel-id>.")
SOURCE_ITEMS_BY_DEFINITION = ("Som arket Kilder (kap. 5-6), men med rækker efter {words} for den bruger, kilden "
                              "handler om (en bruger uden for populationen: Uoplyst). Ledernes tabeller er ikke med: "
                              "en leder taler for et sted, ikke for en bruger. Samme tal som brugerblik table "
                              "<Tabel-id> --efter.")
ENIGHED_ALL_DEFINITION = ("Brugerens eget svar og den anden informants (sagsbehandleren eller kontaktpersonen) på "
                          "hvert spørgsmål, de to spørgeguider har fælles, sammenlignet kode for kode; «I alt» "
                          "lægger alle emners sammenligninger sammen (et par tælles én gang pr. emne).")


#: what a publication edition's Citater sheet leaves out: who said it and where (a site of four
#: users and a quote name a person as surely as a table row of n = 1)
PUBLISHED_QUOTES_DROP = ("Respondent", "Sted")


def published_quotes(quotes: pd.DataFrame) -> pd.DataFrame:
    """The quotes of a publication edition: those marked «Til rapporten», without respondent and site."""
    keep = quotes["Til rapporten"] == "ja" if "Til rapporten" in quotes.columns else slice(None)
    return quotes[keep].drop(columns=[c for c in PUBLISHED_QUOTES_DROP if c in quotes.columns]).reset_index(drop=True)


def _sheet_quotes(bk: _Book, quotes: pd.DataFrame) -> None:
    if bk.publish:
        quotes = published_quotes(quotes)
    ws = bk.wb.add_worksheet("Citater")
    cols = list(quotes.columns)
    widths = {"Citat-id": 8, "Respondent": 12, "Sted": 18, "Stedtype": 10, "Brugergruppe": 22,
              "Spørgsmålskode": 16, "Spørgsmål": 30, "Citat": 70, "Temakoder": 26, "Til rapporten": 10}
    bk.set_widths(ws, [widths.get(c, 14) for c in cols])
    bk.put(ws, 0, 0, "Citater", "title")
    bk.put(ws, 1, 0, bk.population_text() + f" Citater: {len(quotes)}.", "sub")
    bk.put(ws, 2, 0, f"Teksten er anonymiseret ({masked_kinds_text()})."
           + (" Udgave til offentliggørelse: kun citater markeret «Til rapporten», uden respondent og sted."
              if bk.publish else ""), "warn" if bk.publish else "sub")
    ws.set_row(HEADER_ROW, 30)
    for j, c in enumerate(cols):
        bk.put(ws, HEADER_ROW, j, c, "header")
    for i, row in enumerate(quotes.itertuples(index=False, name=None), start=HEADER_ROW + 1):
        for j, v in enumerate(row):
            if cols[j] == "Citat-id" and v is not None and not isinstance(v, str):
                bk.put(ws, i, j, int(v), "count")
            else:
                style = "wrap" if cols[j] in ("Citat", "Spørgsmål") else "text"
                bk.put(ws, i, j, None if v is None else str(v), style)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(quotes), 1), len(cols) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, HEADER_ROW)


def _sheet_method(bk: _Book, ws, *, n_store: int, built: dt.datetime, crosstabs: Sequence[tuple[str, str, str]],
                  n_quotes: int, analyses: Sequence[str] = (), map_method: MapMethod = DEFAULT_METHOD,
                  conflicts_text: str = "") -> None:
    g = bk.guide
    bk.set_widths(ws, [30, 110])
    bk.put(ws, 0, 0, "Brugerblik — rapport: tabeller, figurer og kvalitetskort", "title")
    bk.put(ws, 1, 0, g.title, "sub")
    publish = (bk.suppression_note() + " Arket Data (de enkelte svar) og Bilag C (én række pr. respondent) er ikke "
               "med i en udgave til offentliggørelse, og arket Citater viser kun citater markeret «Til rapporten», "
               "uden respondent og "
               "sted; dan projektmappen uden --publish for arbejdsmaterialet. «I alt»-rækker vises; i stedet "
               "er den næste række i samme total også skjult (sekundær undertrykkelse), så de skjulte "
               "tilsammen har n på mindst " + str(bk.min_n) + " og ikke kan regnes ud af totalen alene. Et sted "
               "eller en gruppe, der er skjult på ét ark, er skjult på alle. De gemte analyser er ikke med: de "
               "har hver sin population, og ved siden af arkene her kunne de give skjulte tal væk (vis en for "
               "sig med brugerblik table mine:NAVN --publish)." if bk.publish else
               f"Nej — arbejdsmateriale til forskergruppen; intet er undertrykt. Små grupper (n under {bk.min_n}) "
               "skal undertrykkes, før tal vises uden for forskergruppen (brugerblik report … --publish).")
    pairs: list[tuple[str, object]] = [
        ("Spørgeguide", f"{g.form_id}, version {g.version}"),
        ("Dannet", local_text(built)),  # local time, the zone named (issue 14)
        ("Interview talt med", bk.counted_text),
        *([("Flettekonflikter", conflicts_text)] if conflicts_text else []),
        ("Population", bk.population_text()),
        ("Filter: brugergruppe", GROUPS[bk.group].name if bk.group else "alle"),
        ("Filter: stedtype", value_label(g, "site_type", bk.site_type) if bk.site_type else "alle"),
        ("Filter: arbejdsmarkedsperspektiv",
         value_label(g, "arbejdsmarkedsperspektiv", bk.cuts.perspektiv) if bk.cuts.perspektiv else "alle"),
        ("Filter: sted", bk.cuts.site or "alle"),
        ("Filter: interviewer", bk.shown_cuts(bk.cuts).interviewer or "alle"),
        ("Tabeller efter", BY_WORDS[bk.by or "brugergruppe"]),
        ("Respondenter i populationen", f"under {bk.min_n}" if bk.publish and hidden(bk.n_pop, bk.min_n) else bk.n_pop),
        ("Respondenter i databasen", n_store),
        ("Antal citater", n_quotes),
        ("Gemte analyser", (f"{len(analyses)}, hver på sit eget ark med sin egen population: {', '.join(analyses)}"
                            if analyses else "ikke med i en udgave til offentliggørelse" if bk.publish
                            else "ingen (gem en på siden Rapport eller med brugerblik analyse gem)")),
        ("Til offentliggørelse", publish),
        ("Mindste n (min_n)", bk.min_n),
        ("Tomme felter", "Tomt betyder ikke spurgt / ikke registreret og tælles aldrig med — undtagen i Figur 3.1 "
                         "og 7.1–7.4, hvor ubesvaret vises som «Ikke besvaret», som i rapporten."),
        ("Brugergruppe", "Den effektive gruppe: forskerens kodning, ellers standardreglen ud fra arketype (og "
                         "alder for eks-misbrugere: under 40 → de unge). Uden gruppe: «Uoplyst»."),
        ("Procenter", "Cellerne indeholder de præcise andele (fx 0,847) og vises afrundet (85 %). Procent er af "
                      "rækkens n. En andel med n = 0 vises som «–»."),
        ("Intervaller", "95 % Wilson-intervaller (score-interval) for andele."),
        ("Kvalitetskortets metode", map_method_words(map_method)),
        ("Anonymisering", f"Fritekst i arkene Data og Citater er anonymiseret: {masked_kinds_text()}; "
                          "undersøgelsens egne navne er [navn] eller [sted]. Respondent-id er et pseudonym. Felter, der identificerer en person "
                          "(spørgeguidens brugerblik_identifikator = ja, fx interviewer), er pseudonymiseret: "
                          "Interviewer 1, 2 … — undersøgelsens numre (efter hvornår personens første interview blev "
                          "startet, ikke efter navn): samme person har samme nummer i alle ark, tabeller og eksporter."),
        ("Formler", "Projektmappen indeholder ingen formler: al tekst — også tekst, der begynder med =, +, - "
                    "eller @ — er gemt som tekst."),
        ("Krydstabeller", "; ".join(f"{a} × {b}" + (f" ({s})" if s else "") for a, b, s in crosstabs) or "ingen"),
        ("Kilde", "Definitionerne følger spec/method.md (Rambøll-rapportens kapitel 3, 4 og 7)."),
    ]
    r = 3
    for key, value in pairs:
        bk.put(ws, r, 0, key, "key")
        if isinstance(value, (int, np.integer)):
            bk.put(ws, r, 1, int(value), "count_left")
        else:
            bk.put(ws, r, 1, value, "wrap")
            ws.set_row(r, 15 * max(1, math.ceil(len(str(value)) / 120)))
        r += 1
    r += 1
    bk.put(ws, r, 0, "Ark", "header")
    bk.put(ws, r, 1, "Indhold og definition", "header")
    header = r
    r += 1
    for sheet in [s.name for s in bk.sheets] + ["Citater", *(() if bk.publish else ("Data",)), CHART_DATA]:
        key = "Krydstabel" if sheet.startswith("Krydstabel") else sheet
        text = SHEETS.get(key, "")
        supp = next((s.suppressed for s in bk.sheets if s.name == sheet), [])
        if supp:
            text += f" Undertrykt her: {len(supp)} række(r)."
        bk.put(ws, r, 0, sheet, "text")
        bk.put(ws, r, 1, text, "wrap")
        ws.set_row(r, 15 * max(1, math.ceil(len(text) / 120)))
        r += 1
    ws.freeze_panes(1, 0)
    ws.autofilter(header, 0, r - 1, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.activate()


def _write_chart_data(bk: _Book) -> None:
    ws = bk.wb.add_worksheet(CHART_DATA)
    bk.set_widths(ws, [34, 14, 14, 14, 14, 14, 14, 14])
    for r, c, v, style in bk.chart_data.cells:
        if isinstance(v, (float, np.floating)) and not _blank_num(v):
            bk.put(ws, r, c, float(v), "number")
        else:
            bk.put(ws, r, c, v, {"title": "bold", "header": "header"}.get(style, "text"))
    ws.freeze_panes(0, 1)


# --------------------------------------------------------------------------- the Data sheet

_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_X_START = re.compile(r"_(?=x[0-9a-fA-F]{4}_)")  # an "_" that starts an Excel escape _xHHHH_
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def _xml_string_cell(s: str) -> str:
    """The end of a ``<c r="A2`` element for an inline string: always text, never a formula.

    XML-escaped; control characters written as Excel's ``_xHHHH_`` escapes and a literal
    ``_xHHHH_`` protected by escaping its "_" (also when two share an underscore, where
    xlsxwriter's escaping loses text); leading/trailing blanks kept; longer than a cell can
    hold: cut, with a marker."""
    if len(s) > XLSX_MAX_CHARS // 2 and len(s.encode("utf-16-le")) // 2 > XLSX_MAX_CHARS:
        s = s[: XLSX_MAX_CHARS // 2 - len(_CUT)] + _CUT
    if "_x" in s:  # every such "_" becomes _x005F_, overlapping ones too ("_x0041_x0042_")
        s = _X_START.sub("_x005F_", s)
    if _SPECIAL.search(s) is not None:
        s = _CTRL.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if s[:1].isspace() or s[-1:].isspace() else ""
    return f'" t="inlineStr"><is><t{space}>{s}</t></is></c>'


def _column_fragments(values: Sequence[object], item) -> list[str | None]:
    """Per cell of one column: the end of its ``<c>`` element, None for a blank cell."""
    def blank(v: object) -> bool:
        return v is None or v == "" or (isinstance(v, float) and math.isnan(v))

    if item is None or item.type == "text":  # free text: (nearly) every value distinct
        return [None if blank(v) else _xml_string_cell(str(v)) for v in values]
    cache: dict[object, str | None] = {}
    numeric = item.type in ("integer", "decimal")
    for v in dict.fromkeys(values):
        if blank(v):
            cache[v] = None
            continue
        num = xl_number(item, str(v)) if numeric else None  # the number rule of the wide XLSX export
        cache[v] = f'"><v>{num:.16G}</v></c>' if num is not None else _xml_string_cell(str(v))
    return [cache[v] for v in values]


def _data_rows_xml(df: pd.DataFrame, guide: Guide, chunk: int = 500) -> Iterator[str]:
    """``<row>`` elements for rows 2.. of the Data sheet, in chunks of `chunk` rows.

    Built column by column (choices and numbers are converted once per distinct value), then
    joined row by row."""
    codes = list(df.columns)
    frame = df.astype(object)
    cols = [_column_fragments(frame[c].tolist(), guide.item(c) if c in guide.items else None) for c in codes]
    starts = [f'<c r="{_col_letter(j)}' for j in range(len(codes))]
    buf: list[str] = []
    for i, frags in enumerate(zip(*cols)):
        rs = str(i + 2)
        parts = ['<row r="', rs, '">']
        for start, frag in zip(starts, frags):
            if frag is not None:
                parts += (start, rs, frag)
        parts.append("</row>")
        buf.append("".join(parts))
        if len(buf) >= chunk:
            yield "".join(buf)
            buf = []
    if buf:
        yield "".join(buf)


def _data_sheet_header(bk: _Book, df: pd.DataFrame) -> None:
    """The Data sheet as xlsxwriter sees it: header, widths, pane, filter (rows are spliced in)."""
    g = bk.guide
    ws = bk.wb.add_worksheet("Data")
    codes = list(df.columns)
    for j, code in enumerate(codes):
        ws.write_string(0, j, code, bk.f["bold"])
        it = g.item(code) if code in g.items else None
        ws.set_column(j, j, 40 if it is not None and it.type == "text" and it.role != "meta"
                      else max(10, min(len(code) + 2, 24)))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(len(df), 1), len(codes) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    if bk.drafts:  # the sheet's rows are the wide format (no row above the codes): a note on A1, and in print
        ws.write_comment(0, 0, bk.counted_text, {"visible": False, "x_scale": 2, "y_scale": 1.5})
        ws.set_header("&L" + bk.counted_text.replace("&", "&&"))


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _sheet_part(zin: zipfile.ZipFile, sheet_name: str) -> str:
    """The zip part of the sheet called `sheet_name` (from workbook.xml and its rels)."""
    wb = ET.fromstring(zin.read("xl/workbook.xml"))
    rid = next(s.get(f"{{{_NS['r']}}}id") for s in wb.iter(f"{{{_NS['m']}}}sheet") if s.get("name") == sheet_name)
    rels = ET.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iter(f"{{{_NS['rel']}}}Relationship") if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _finish(xlsx: bytes, out: Path, data_rows: Iterable[str], dim_ref: str) -> None:
    """Write the workbook to `out` with `survey.files.write_atomic` (atomic, owner-only 0600, the
    folder must exist), splicing the Data sheet's rows in."""
    zin = zipfile.ZipFile(io.BytesIO(xlsx))
    part = _sheet_part(zin, "Data")

    def write(f) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename != part:  # a fresh ZipInfo: writestr changes the one it is given
                    zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), data, zipfile.ZIP_DEFLATED)
                    continue
                xml = data.decode("utf-8")
                head, tail = xml.split("</sheetData>", 1)
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dim_ref}"/>', head, count=1)
                zi = zipfile.ZipInfo(part, date_time=info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                # the big part: fast deflate (attribute renamed in Python 3.13)
                setattr(zi, "compress_level" if hasattr(zi, "compress_level") else "_compresslevel", 1)
                with zout.open(zi, "w", force_zip64=True) as fh:
                    fh.write(head.encode("utf-8"))
                    for chunk in data_rows:
                        fh.write(chunk.encode("utf-8"))
                    fh.write(("</sheetData>" + tail).encode("utf-8"))

    files.write_atomic(out, write)


# --------------------------------------------------------------------------- entry point

def build_workbook(engine, guide: Guide, out_path: str | os.PathLike, group: str | None = None,
                   site_type: str | None = None, publish: bool = False, min_n: int = DEFAULT_MIN_N, *,
                   crosstabs: Sequence[tuple[str, str, str]] = DEFAULT_CROSSTABS,
                   now: dt.datetime | None = None, data: report_data.ReportData | None = None,
                   drafts: bool = False, cuts: Cuts | None = None, method: MapMethod = DEFAULT_METHOD) -> Path:
    """Write the report workbook for the population (`group`, `site_type`) to `out_path`.

    `publish` suppresses every row/point with 0 < n < `min_n` (see module doc). `crosstabs`
    are (a, b, section) triples, one sheet each ("Krydstabel", "Krydstabel 2", …). `data` is the
    report's data already loaded (`report.data.load`, e.g. the Rapport page's): its wide frame and
    sources are used for this population instead of loading the store again. Only completed
    interviews are counted unless `drafts` (or `data` was loaded with them); the Metode sheet and
    every sheet's population line say which (issue 14). The file is
    written by `survey.files.write_atomic`: atomically (temporary file in the same folder, then
    renamed), owner-only (0600); a missing folder is refused before any work. Returns the path.
    Raises `WorkbookError` for an unknown group/site type, a bad `min_n` or crosstab code.
    `method` (issue 15): the quality map read by another method as well, on its own sheet
    (`_sheet_map_method`); the Metode sheet says which.
    """
    group, site_type, cuts = group or None, site_type or None, cuts or NO_CUTS
    try:
        min_n = int(min_n)
    except (TypeError, ValueError):
        raise WorkbookError(f"Mindste n skal være et helt tal (fik {min_n!r}).") from None
    if min_n < 1:
        raise WorkbookError(f"Mindste n skal være mindst 1 (fik {min_n}).")
    out = Path(out_path)
    if out.suffix.lower() != ".xlsx":
        raise WorkbookError("Rapporten skrives som Excel-projektmappe: filnavnet skal ende på .xlsx "
                            f"(fik {out.name}).")
    out = files.check_target(out)  # the folder must exist: refused before the work, not after
    try:
        if data is None:
            data = report_data.load(engine, guide, group, site_type, drafts=drafts, cuts=cuts)
        else:
            data = data.for_population(group, site_type, cuts)
        pop = data.pop
        if publish:  # nothing for a population under min_n (`report.publication.check_publishable`), nor one cut
            check_publishable(len(pop), min_n)  # to a part the population without the cut hides
            T.check_published_filters(data.wide, guide, group, site_type, cuts, min_n)
        for a, b, _ in crosstabs:
            crosstab(pop.iloc[:0], guide, a, b)
    except TableError as e:
        raise WorkbookError(str(e)) from None
    # de-identified as the guide marks the fields (survey.deidentify); the quotes' anonymiser also
    # masks the names in the fields marked ja (the interviewers)
    masked = data.masked()
    alias = data.pseudonyms()  # the study's, as the Data sheet (`masked`), the CLI and every export number them
    quotes = data.quotes()
    # issue 7: the other sources about the population's users; Bilag C's notes anonymised (issue 12)
    sources = data.sources_deidentified()

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {**files.XLSX_OPTIONS, "in_memory": True})
    built = now or utcnow()
    wb.set_properties({"title": "Brugerblik — rapport", "subject": guide.title, "author": "Brugerblik",
                       "comments": f"Spørgeguide {guide.form_id} version {guide.version}; "
                                   f"{'til offentliggørelse' if publish else 'arbejdsmateriale'}"
                                   f"{'; ' + wideio.DRAFTS_MARK if data.drafts else ''}",
                       "created": built})
    bk = _Book(wb, guide, group=group, site_type=site_type, publish=publish, min_n=min_n, n_pop=len(pop),
               counted_text=data.drafts_line(), drafts=data.drafts, cuts=cuts)
    bk.alias = alias
    pop = pseudonymised(pop, alias)
    bk.parts = T.hidden_parts(pop, guide, bk.by, min_n) if publish else {}
    method_ws = wb.add_worksheet("Metode")
    _sheet_3_1(bk, pop)
    _sheet_3_2(bk, pop)
    _sheet_oversigt(bk, pop)
    _sheet_fig3_1(bk, pop)
    _sheet_4_1(bk, pop)
    _sheet_4_2(bk, pop)
    _sheet_fig4(bk, pop)
    for n in sorted(T.FIG7_CODES):
        _sheet_fig7(bk, pop, n)
    _sheet_7_2(bk, pop)
    for tid in T.JUDGEMENTS:
        _sheet_judgement(bk, pop, tid)
    _sheet_map(bk, pop)
    if not method.is_default:
        _sheet_map_method(bk, pop, method)
    _sheet_map_groups(bk, pop)
    for i, (a, b, section) in enumerate(crosstabs):
        _sheet_crosstab(bk, pop, "Krydstabel" if i == 0 else f"Krydstabel {i + 1}", a, b, section)
    # issue 14: every saved analysis, its own sheet — not in a publication edition: each has a population of
    # its own, with its own hidden sites and groups, and beside this workbook's sheets it gave hidden ones
    # away (a reviewer: Solvang's answers from «Mine» boform + «Mine» St. Dannesbo and the sheets by site)
    analyses = saved.all_analyses(engine) if engine is not None and not publish else []
    for an in analyses:
        _sheet_saved(bk, data.wide, an)
    _sheets_triangulation(bk, pop, sources)
    _sheet_source_items(bk, pop, sources)
    src_by = bk.by if bk.by in source_items.SOURCE_BY else "brugergruppe"
    _sheet_source_items(bk, pop, sources, src_by)  # «by site type and by user group» (issue 14)
    _sheet_side_by_side(bk, pop, sources)
    _sheet_matrix(bk, pop, coding_service.matrix_all(engine) if engine is not None else [])
    _sheet_quotes(bk, quotes)
    if not publish:  # a publication edition holds no row per respondent (a reviewer: HIGH)
        _data_sheet_header(bk, masked)
    _write_chart_data(bk)
    _sheet_method(bk, method_ws, n_store=data.n_store, built=built, crosstabs=crosstabs, n_quotes=len(quotes),
                  conflicts_text=data.conflicts_line(),
                  analyses=[f"Mine {an.name}" for an in analyses], map_method=method)
    wb.close()
    if publish:
        files.write_atomic(out, buf.getvalue())
        return out
    dim = f"A1:{_col_letter(len(masked.columns) - 1)}{len(masked) + 1}"
    _finish(buf.getvalue(), out, _data_rows_xml(masked, guide), dim)
    return out
