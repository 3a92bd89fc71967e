"""The report workbook (exports/workbook.py, ``brugerblik report``): every number on every table
sheet against the tables functions, charts, no formulas from user text, anonymised Data and
Citater, filters, publication suppression, frozen panes and filters, LibreOffice conversion.

The store is the demo study (61 respondents) plus, to make the checks bite:
* free text and quotes starting with ``=``, ``+``, ``-``, ``@`` and a name + CPR number;
* one respondent at a site called ``+45 Værestedet`` with no archetype, so the "Uoplyst" group
  rows appear and a site name (never masked) starts with ``+``.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.escape import unescape

from archetypes.model import GROUP_ORDER, GROUPS
from brugerblik.cli import main
from coding.anonymise import export_masker
from exports import workbook as W
from report import crosstab as X
from report import population as P
from report import publication as PUB
from report import quality_map as Q
from report import registry as R
from report import tables as T
from report.errors import TableError
from survey import source_store, store
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.models import Quote

NASTY = ['=HYPERLINK("http://x")', "+45 12 34 56 78", "@SUM(A1)", "-2+3 dage om ugen", "=1+1"]
PII = "Jeg hedder Jens Hansen og mit cpr-nummer er 010203-1234."
# XML and Excel escaping on the Data sheet (written as inline strings, see workbook._xml_string_cell)
TRICKY = {"hverdag": "  a & b <c> _x0041_ end ", "anderledes": "linje 1\nlinje 2\ttab", "fremtid": "<r>fed</r>",
          "godt_tilbud": "_x0041_x0042_ og _x005F_"}
# ... and in xlsxwriter cells (Citater): openpyxl joins rich-text runs before decoding _xHHHH_, so a
# run ending in "_x005F" + a run "_" would read wrongly in openpyxl (not in Excel): not tested here.
TRICKY_QUOTES = ["  a & b <c> _x0041_ end ", "<r>fed</r>", "_x0041_x0042_ slut", "linje 1\nlinje 2\ttab"]
ODD_SITE = "+45 Værestedet"
TABLE_SHEETS = ["Tabel 3.1", "Tabel 3.2", "Oversigt", "Figur 3.1", "Tabel 4.1", "Tabel 4.2", "Figur 4",
                "Figur 7.1", "Figur 7.2", "Figur 7.3", "Figur 7.4", "Tabel 7.2",
                "Tilfredshed (4.2)", "Lyttet til (7.1)", "Enige (7.1)", "Kvalitetskort",
                "Kvalitetskort grupper", "Krydstabel", "Krydstabel 2"]
SOURCE_SHEETS = ["Bilag C", "Oversigt interview", "Planer (6.3)", "LAB pr. person (kap. 3)", "Enighed (7.4)", "Enighed alle emner (7.4)",
                 "Enighed kontaktperson (7.4)", "Kilder (kap. 5-6)", "Kilder efter brugergruppe",
                 "Ledere og kontaktpersoner (5)"]  # issue 7; issue 14


# --------------------------------------------------------------------------- fixtures

REASON_NOTE = "Fatima Zahra Hansen gav ikke lov, ring 87 65 43 21"


@pytest.fixture(scope="module")
def engine(db_factory, guide):
    e = make_engine(db_factory.new())
    load_demo(e, guide)
    with session_scope(e) as s:
        iv = store.interview_by_respondent(s, "AMA-01")
        for code, text in (("hverdag", NASTY[0]), ("anderledes", PII), ("fremtid", NASTY[2]),
                           ("godt_tilbud", NASTY[3]), ("offentlige_bidrag", NASTY[4])):
            assert store.set_answer(s, guide, iv.id, code, text)[1] is None
        iv3 = store.interview_by_respondent(s, "AMA-02")
        for code, text in TRICKY.items():
            assert store.set_answer(s, guide, iv3.id, code, text)[1] is None
        for text in [*NASTY, PII, *TRICKY_QUOTES]:
            s.add(Quote(interview_id=iv.id, item_code="hverdag", text=text, for_report=True))
        odd = store.ensure_site(s, ODD_SITE, "vaerested")
        iv2 = store.create_interview(s, guide, odd)
        assert store.set_answer(s, guide, iv2.id, "gender", "mand")[1] is None
        assert store.set_answer(s, guide, iv2.id, "rytme", "ja")[1] is None
        iv2.status = "complete"  # a finished interview: the reports count completed ones only (issue 14)
    # a Bilag C reason whose free-text note names a person (issue 12: the workbook masks it)
    why = source_store.load_reasons(e)
    why = why[why["respondent_id"].notna()].iloc[0]
    source_store.set_source_status(e, why["kilde"], why["status"], respondent_id=why["respondent_id"],
                                   note=REASON_NOTE)
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def wide(engine, guide):
    return store.load_wide(engine, guide)


@pytest.fixture(scope="module")
def books(engine, guide, tmp_path_factory):
    """Workbooks built once: name -> (path, kwargs)."""
    d = tmp_path_factory.mktemp("books")
    specs = {"all": {}, "publish": dict(publish=True, min_n=8), "etniske": dict(group="etniske"),
             "boform": dict(site_type="boform"), "publish5": dict(publish=True)}
    out = {}
    for name, kw in specs.items():
        path = W.build_workbook(engine, guide, d / f"{name}.xlsx", **kw)
        out[name] = (path, kw)
    return out


@pytest.fixture(scope="module")
def opened(books):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = openpyxl.load_workbook(books[name][0])
        return cache[name]
    return get


# --------------------------------------------------------------------------- reading helpers

def is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def table_rows(ws) -> list[list]:
    """The data rows under the header (row 4) until the first empty row."""
    rows = []
    for row in ws.iter_rows(min_row=W.HEADER_ROW + 2, values_only=True):
        if all(v is None for v in row):
            break
        rows.append(list(row))
    return rows


def numbers_on_sheet(ws) -> int:
    return sum(1 for row in ws.iter_rows(values_only=True) for v in row if is_num(v))


def check_rows(ws, expected: list[list[float]], ns: list[int], *, publish: bool = False, min_n: int = 5) -> list[int]:
    """Every number of the table equals `expected` (NaN = "–"), row by row; suppressed rows
    (publish and 0 < n < min_n) hold no number, "–" and "<min_n", and so may a row of n = 0 (its group is
    hidden on every sheet); no number elsewhere. A row with a
    larger n may be hidden only to protect a small one (secondary suppression): no number, its n «–»,
    and named in the sheet's note. Returns those rows' indexes."""
    rows = table_rows(ws)
    assert len(rows) == len(expected), ws.title
    count = 0
    protecting = []
    for i, (row, exp, n) in enumerate(zip(rows, expected, ns)):
        got = [v for v in row if is_num(v)]
        if publish and 0 < n < min_n:
            assert got == [], (ws.title, row)
            assert f"<{min_n}" in row and W.SUPPRESSED in row, (ws.title, row)
            continue
        if publish and n == 0 and got == []:  # a row of a group hidden on every sheet (`T.hidden_parts`):
            assert f"<{min_n}" in row, (ws.title, row)  # its zeros would say all its few gave no answer
            continue
        if publish and got == [] and any(is_num(x) and not (isinstance(x, float) and math.isnan(x)) for x in exp):
            assert f"<{min_n}" not in row and W.SUPPRESSED in row, (ws.title, row)
            notes = [v for r in ws.iter_rows(values_only=True) for v in r
                     if isinstance(v, str) and v.startswith(PUB.PROTECTING)]
            assert notes, (ws.title, row)
            protecting.append(i)
            continue
        want = [x for x in exp if not (isinstance(x, float) and math.isnan(x))]
        assert got == pytest.approx(want, abs=1e-12), (ws.title, row, exp)
        assert sum(1 for v in row if v == W.SUPPRESSED) == len(exp) - len(want), (ws.title, row)
        count += len(got)
    assert numbers_on_sheet(ws) == count, f"{ws.title}: numbers outside the table"
    return protecting


def keep(t, group):
    return P.keep_group(t, group)


def expected_tables(wide, guide, group=None, site_type=None) -> dict[str, tuple[list, list]]:
    """sheet -> (rows of numbers in column order, row n), computed from the report layer."""
    pop = P.population(wide, group, site_type)
    out = {}
    t = T.tabel_3_1(pop, guide)
    total = int(t["antal"].iloc[-1])
    out["Tabel 3.1"] = ([[k, k / total] for k in t["antal"]], [total] * len(t))
    t = keep(T.tabel_3_2(pop, guide), group)
    out["Tabel 3.2"] = ([[r.kvinde, r.mand, r.i_alt] for r in t.itertuples()], list(t["i_alt"]))
    t = T.oversigt(pop, guide)
    out["Oversigt"] = ([[r.interviewet, r.udvalgt_af_personalet, r.andel_udvalgt_af_personalet, r.samtykke_givet,
                         r.andel_samtykke_givet, r.samtykke_ikke_givet, r.andel_samtykke_ikke_givet]
                        for r in t.itertuples()], list(t["interviewet"]))

    def wide_distribution(long, value_col):
        values = list(dict.fromkeys(long[value_col]))
        rows, ns = [], []
        for g in dict.fromkeys(long["brugergruppe"]):
            part = long[long["brugergruppe"] == g].set_index(value_col)
            n = int(part["n"].iloc[0])
            rows.append([*[int(part.loc[v, "antal"]) for v in values], n,
                         *[float(part.loc[v, "andel"]) for v in values]])
            ns.append(n)
        return rows, ns

    out["Figur 3.1"] = wide_distribution(keep(T.figur_3_1(pop, guide), group), "tilbudstype")
    t = T.tabel_4_1(pop, guide)
    out["Tabel 4.1"] = ([[r.ja, r.nej, r.ja + r.nej, r.ja / (r.ja + r.nej) if r.ja + r.nej else math.nan]
                         for r in t.itertuples()], list(t["ja"] + t["nej"]))
    t = T.tabel_4_2(pop, guide)
    out["Tabel 4.2"] = ([[r.ja, r.ja_vigtigt, r.nej, r.nej_vigtigt, r.ja + r.nej] for r in t.itertuples()],
                        list(t["ja"] + t["nej"]))
    order = ["rytme", "kontakt", "arbejdsmarked"]
    order += [k for k in T.tabel_4_1(pop, guide)["kode"] if k not in order]
    rows, ns = [], []
    for probe in order:
        for r in keep(T.figur_4(pop, guide, probe=probe), group).itertuples():
            rows.append([r.ja, r.nej, r.n, r.andel_ja, r.andel_ja_lav, r.andel_ja_hoej])
            ns.append(r.n)
    out["Figur 4"] = (rows, ns)
    for n in (1, 2, 3, 4):
        out[f"Figur 7.{n}"] = wide_distribution(keep(T.figur_7(pop, n, guide), group), "svar")
    for sheet, code in (("Tilfredshed (4.2)", "samlet_tilfredshed"), ("Lyttet til (7.1)", "lyttet_til"),
                        ("Enige (7.1)", "enige")):  # issue 14: the users' judgements by group
        out[sheet] = wide_distribution(keep(T.fordeling(pop, code, guide), group), "svar")
    t = T.inddragelse_tilfredshed(pop, guide)
    out["Tabel 7.2"] = ([[r["tilfreds"], r["utilfreds"], r["ikke_vurderet"], r["i_alt"], r["andel_tilfreds"]]
                         for _, r in t.iterrows()], list(t["i_alt"]))

    def map_rows(t):
        # n = 0: the proportions are "–" and so is the flag "kan skelnes fra linjen" (one more NaN)
        return [[r.n, r.udbytte, r.udbytte_lav, r.udbytte_hoej, r.vigtighed, r.vigtighed_lav, r.vigtighed_hoej, r.gap]
                + ([math.nan] if r.n == 0 else []) for r in t.itertuples()], list(t["n"])

    out["Kvalitetskort"] = map_rows(Q.kvalitetskort(pop, guide))
    rows, ns = [], []
    for g in ([group] if group else GROUP_ORDER):
        r, n = map_rows(Q.kvalitetskort(pop, guide, group=g))
        rows += r
        ns += n
    out["Kvalitetskort grupper"] = (rows, ns)
    for sheet, (a, b) in (("Krydstabel", ("forsoergelse", "arbejdsmarked")),
                          ("Krydstabel 2", ("forsoergelse", "tilbudstype"))):
        t = X.crosstab(pop, guide, a, b)
        levels = t.attrs["kolonner"]
        out[sheet] = ([[*[r[f"antal_{v}"] for v in levels], r["n"], *[r[f"andel_{v}"] for v in levels]]
                       for _, r in t.iterrows()], list(t["n"]))
    return out


def all_strings(wb) -> list[str]:
    return [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]


# --------------------------------------------------------------------------- numbers

def test_sheets_in_order(opened):
    wb = opened("all")
    assert wb.sheetnames == ["Metode", *TABLE_SHEETS, *SOURCE_SHEETS, "Citater", "Data", "Diagramdata"]
    assert all(len(name) <= 31 for name in wb.sheetnames)


@pytest.mark.parametrize("sheet", TABLE_SHEETS)
def test_every_number_matches_the_tables(opened, wide, guide, sheet):
    wb = opened("all")
    rows, ns = expected_tables(wide, guide)[sheet]
    check_rows(wb[sheet], rows, ns)


def test_layout_labels_and_headings(opened, wide):
    wb = opened("all")
    ws = wb["Tabel 3.2"]
    assert ws["A1"].value == R.TITLES["3.2"]
    assert ws["A2"].value == f"Population: alle respondenter (n = {len(wide)})."
    assert [c.value for c in ws[4]][:4] == ["Brugergruppe", "Kvinde", "Mand", "I alt"]
    assert [r[0] for r in table_rows(ws)] == ["Andet", "De etniske", "De psykisk påfaldende", "De unge misbrugere",
                                              "De ældre misbrugere", "Uoplyst", "I alt"]
    assert table_rows(wb["Tabel 3.1"])[0][0] == "-29 år"
    assert [c.value for c in wb["Tabel 4.2"][4]][:6] == ["Spørgsmål", "Ja", "Heraf vigtigt", "Nej", "Heraf vigtigt",
                                                          "n"]
    assert table_rows(wb["Tabel 4.2"])[0][0] == "Har tilbuddet givet dig en rytme i hverdagen?"
    assert table_rows(wb["Figur 7.2"])[0][0] == "Andet"
    assert "Ikke besvaret" in [c.value for c in wb["Figur 7.2"][4]]
    fig4 = table_rows(wb["Figur 4"])
    assert [r[0] for r in fig4[:1]] == ["Figur 4.1"] and fig4[0][1] == "Rytme"
    assert {r[0] for r in fig4} == {"Figur 4.1", "Figur 4.2", "Figur 4.3", "Øvrige prober"}
    ov = table_rows(wb["Oversigt"])
    assert [ODD_SITE] == [r[1] for r in ov if r[1] == ODD_SITE]
    # every table sheet carries its definition note and the shares are formatted as percent
    for name in TABLE_SHEETS:
        ws = wb[name]
        notes = [v for row in ws.iter_rows(values_only=True) for v in row
                 if isinstance(v, str) and v.startswith("Definition: ")]
        assert notes, name
    assert wb["Tabel 3.1"]["C5"].number_format == "0%"
    # the published numbers of the report (demo study) are where a reader looks for them
    t42 = {r[-1]: r[1:6] for r in table_rows(wb["Tabel 4.2"])}
    assert t42["rytme"] == [51, 39, 9, 2, 60]  # 50/39/9/2 + the odd respondent's rytme = ja
    kort = {r[-1]: r for r in table_rows(wb["Kvalitetskort"])}
    assert kort["arbejdsmarked"][2] == 57 and kort["arbejdsmarked"][3] == pytest.approx(25 / 57)


def test_crosstab_sheet_forsoergelse_arbejdsmarked(opened):
    ws = opened("all")["Krydstabel"]
    assert ws["A1"].value.startswith("Krydstabel: Forsørgelsesgrundlag × Har tilbuddet bragt dig tættere")
    rows = {r[0]: r for r in table_rows(ws)}
    assert rows["Førtidspension"][1] == 5 and rows["Førtidspension"][5] == 16  # section 4.3.3: 5 of 16
    notes = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert any(v.startswith("Ikke talt med: 1 af 62") for v in notes)  # the odd respondent has neither


def test_chart_data_matches_tables(opened, wide, guide):
    ws = opened("all")["Diagramdata"]
    cells = [list(r) for r in ws.iter_rows(values_only=True)]
    blocks = {}
    i = 0
    while i < len(cells):
        if cells[i][0] and (i == 0 or all(v is None for v in cells[i - 1])):
            title, header, j = cells[i][0], cells[i + 1], i + 2
            body = []
            while j < len(cells) and any(v is not None for v in cells[j]):
                body.append(cells[j])
                j += 1
            blocks[title] = (header, body)
            i = j
        else:
            i += 1
    head, body = blocks[f"{R.TITLES['fig7.2']} — efter brugergruppe"]
    long = T.figur_7(wide, 2, guide)
    want = [[PUB.group_label(g), *long[long["brugergruppe"] == g]["antal"].tolist()]
            for g in dict.fromkeys(long["brugergruppe"]) if g != PUB.I_ALT]
    assert [r[: len(want[0])] for r in body] == want
    head, body = blocks["Kvalitetskort"]
    k = Q.kvalitetskort(wide, guide)
    assert [r[0] for r in body] == [f"{PUB.probe_short(guide, c)} (n={n})" for c, n in zip(k["kode"], k["n"])]
    assert [r[1] for r in body] == pytest.approx(k["vigtighed"].tolist())
    assert [r[2] for r in body] == pytest.approx(k["udbytte"].tolist())
    assert [r[4] for r in body] == pytest.approx((k["vigtighed"] - k["vigtighed_lav"]).tolist())
    assert blocks["Kvalitetskort: 45-graders-linjen"][1] == [[None, 0, 0] + [None] * (len(cells[0]) - 3),
                                                            [None, 1, 1] + [None] * (len(cells[0]) - 3)]


# --------------------------------------------------------------------------- charts

def chart_xml(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]


def test_native_charts(books, opened):
    path = books["all"][0]
    charts = chart_xml(path)
    bars = [c for c in charts if "<c:barChart>" in c]
    scatters = [c for c in charts if "<c:scatterChart>" in c]
    # Figur 3.1 (i alt + by group), 12 probes, Figur 7.1–7.4, Tabel 7.2, the three judgements; the map + 5 groups
    assert len(bars) == 2 + 12 + 4 + 1 + 3
    assert len(scatters) == 1 + 5
    wb = opened("all")
    counts = {ws.title: len(ws._charts) for ws in wb.worksheets}
    assert counts["Figur 3.1"] == 2 and counts["Figur 4"] == 12 and counts["Kvalitetskort"] == 1
    assert all(counts[f"Figur 7.{n}"] == 1 for n in (1, 2, 3, 4))
    main_map = next(c for c in scatters if "Kvalitetskort: udbytte og vigtighed" in c)
    assert main_map.count("<c:ser>") == 3  # points, the 45° line, the "under the line" text
    assert "Rytme (n=60)" in main_map and "45-graders-linjen" in main_map
    assert main_map.count("<c:errBars>") == 2  # Wilson intervals in both directions
    assert '<c:max val="1"/>' in main_map and '<c:min val="0"/>' in main_map
    assert "Figur 4.1 Har tilbuddet givet dig en rytme i hverdagen?" in "".join(bars)
    assert any('<c:grouping val="percentStacked"/>' in c for c in bars)


def data_blocks(ws) -> dict[str, list[list]]:
    """The «Diagramdata» sheet's blocks: title -> its rows under the header."""
    cells = [list(r) for r in ws.iter_rows(values_only=True)]
    blocks = {}
    for i, row in enumerate(cells):
        if row[0] and (i == 0 or all(v is None for v in cells[i - 1])):
            body = []
            for r in cells[i + 2:]:
                if all(v is None for v in r):
                    break
                body.append(r)
            blocks[row[0]] = body
    return blocks


def map_chart_labels(xml: str) -> tuple[str, list[tuple[str | None, str]]]:
    """(the chart's title, per point of its first series: (the label's text or None when deleted, its side
    r/t/b/l — a label without a side of its own takes the series' «r»))."""
    title = re.search(r"<c:title>.*?<a:t>([^<]*)</a:t>", xml, re.S).group(1)
    first = xml[xml.index("<c:dLbls>"):xml.index("</c:dLbls>")]
    out = []
    for one in re.findall(r"<c:dLbl>(.*?)</c:dLbl>", first, re.S):
        text = re.search(r"<a:t>([^<]*)</a:t>", one)
        side = re.search(r'<c:dLblPos val="(\w)"/>', one)
        out.append((None if "<c:delete val=\"1\"/>" in one else unescape(text.group(1)), side.group(1) if side else "r"))
    return title, out


def label_problems(title: str, labels: list[tuple[str | None, str]], pts: list[list], size: tuple[int, int],
                   derived: bool, texts: list[str]) -> list[str]:
    """What is wrong with one workbook map's labels: a spot (points at one place) without exactly one label,
    a label that is not the spot's texts joined, or two labels whose boxes meet — measured with a rough font
    (0.62 em a character, 8 pt) on the chart's plot area, x in percent or (`derived`) the correlation −1…1."""
    px_x, px_y = (size[0] - 75) / (2 if derived else 100), (size[1] - 115) / 100
    font = 8 * 96 / 72
    spots: dict[tuple, list[int]] = {}
    for i, r in enumerate(pts):
        spots.setdefault((round(r[1], 6), round(r[2], 6)), []).append(i)
    found, boxes = [], []
    if len(labels) != len(pts):
        return [f"{title}: {len(labels)} etiketter til {len(pts)} punkter"]
    for members in spots.values():
        shown = [labels[i] for i in members if labels[i][0] is not None]
        if len(shown) != 1:
            found.append(f"{title}: {len(shown)} etiketter på ét sted")
            continue
        text, side = shown[0]
        if text != ", ".join(texts[i] for i in members):
            found.append(f"{title}: «{text}» er ikke {[texts[i] for i in members]}")
        x, y = pts[members[0]][1] * (1 if derived else 100) * px_x, pts[members[0]][2] * 100 * px_y
        tw, th, gap = 0.62 * font * len(text), font * 1.2, 6
        boxes.append((text, {"r": (x + gap, y - th / 2, x + gap + tw, y + th / 2),
                             "l": (x - gap - tw, y - th / 2, x - gap, y + th / 2),
                             "t": (x - tw / 2, y + gap, x + tw / 2, y + gap + th),
                             "b": (x - tw / 2, y - gap - th, x + tw / 2, y - gap)}[side]))
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            (ta, p), (tb, q) = boxes[a], boxes[b]
            if min(p[2], q[2]) - max(p[0], q[0]) > 1 and min(p[3], q[3]) - max(p[1], q[1]) > 1:
                found.append(f"{title}: «{ta}» og «{tb}» overlapper")
    return found


def test_the_maps_labels_never_run_into_each_other(books, opened, guide, engine, tmp_path):
    """The workbook's quality maps — the main map, one per user group, and the map by another method
    (derived importance, −1…1; crosshairs): every label is drawn on its own side of its point (right, above,
    below, left), so that no two labels' boxes meet; before, every label sat to the right and close points'
    names ran together («Bolig (n=32)» over «Faglige evner»). Points on one spot have one label with all their
    texts; the small maps carry the probes' numbers, and their sheet the key."""
    derived = W.build_workbook(engine, guide, tmp_path / "afledt.xlsx",
                               method=Q.map_method("gennemsnit", "afledt"))
    crosshairs = W.build_workbook(engine, guide, tmp_path / "midt.xlsx", method=Q.map_method("midtpunkt", None))
    wanted = {}  # chart title -> (book, Diagramdata block, size, derived x, numbered)
    for grp in GROUP_ORDER:
        label = PUB.group_label(grp)
        wanted[f"Kvalitetskort: {label}"] = (books["all"][0], f"Kvalitetskort — {label}", (520, 470), False, True)
    wanted["Kvalitetskort: udbytte og vigtighed"] = (books["all"][0], "Kvalitetskort", (620, 560), False, False)
    wanted["Kvalitetskort: afledt vigtighed"] = (derived, W.METHOD_SHEET, (620, 560), True, False)
    wanted["Kvalitetskort: trådkors"] = (crosshairs, W.METHOD_SHEET, (620, 560), False, False)
    short = {PUB.probe_short(guide, c): c for c in PUB.probe_numbers(guide)}
    found, checked = [], set()
    for path in {w[0] for w in wanted.values()}:
        blocks = data_blocks(openpyxl.load_workbook(path)["Diagramdata"])
        for xml in (c for c in chart_xml(path) if "<c:scatterChart>" in c):
            title, labels = map_chart_labels(xml)
            book, block, size, is_derived, numbered = wanted[title]
            if book != path:
                continue
            pts = blocks[block]
            names = [r[0] for r in pts]  # «Rytme (n=59)»
            texts = (PUB.probe_number_texts(guide, [short[n.split(" (n=")[0]] for n in names]) if numbered
                     else names)
            found += label_problems(title, labels, pts, size, is_derived, texts)
            checked.add(title)
    assert found == []
    assert checked == set(wanted)
    notes = [v for row in opened("all")["Kvalitetskort grupper"].iter_rows(values_only=True) for v in row
             if isinstance(v, str)]
    assert PUB.probe_key(guide) in notes and PUB.probe_key(guide).startswith("Punkterne er nummereret: 1 ")


# --------------------------------------------------------------------------- text, formulas, anonymisation

def test_no_cell_holds_a_formula(books):
    for name, (path, _) in books.items():
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (name, ws.title, c.coordinate, c.value)
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                if n.startswith("xl/worksheets/sheet"):
                    assert not re.search(r"<f[ >]", z.read(n).decode("utf-8")), (name, n)


def test_user_text_starting_with_formula_characters_is_text(opened, engine):
    wb = opened("all")
    mask = export_masker(engine)
    data = {c.value: c for row in wb["Data"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    quotes = {c.value: c for row in wb["Citater"].iter_rows(min_row=5) for c in row if isinstance(c.value, str)}
    for text in NASTY:
        masked = mask(text)
        assert masked in quotes and quotes[masked].data_type == "s", text
    for text in (NASTY[0], NASTY[2], NASTY[3], NASTY[4]):  # the free-text answers
        assert mask(text) == text and data[text].data_type == "s"
    assert mask(NASTY[1]) == "[telefon]"  # a phone number is masked, and still text
    site_cells = [c for row in wb["Oversigt"].iter_rows() for c in row if c.value == ODD_SITE]
    assert site_cells and all(c.data_type == "s" for c in site_cells)
    assert ODD_SITE in data and data[ODD_SITE].data_type == "s"


def test_data_and_quotes_are_anonymised(books, opened):
    wb = opened("all")
    texts = all_strings(wb)
    assert not any("010203-1234" in t or "Jens Hansen" in t for t in texts)
    assert "Jeg hedder [navn] og mit cpr-nummer er [cpr]." in texts
    assert any(t == "Jeg hedder [navn] og mit cpr-nummer er [cpr]." for t in
               (c.value for row in wb["Citater"].iter_rows() for c in row))
    with zipfile.ZipFile(books["all"][0]) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert b"010203-1234" not in raw and "Jens Hansen".encode() not in raw
    # Bilag C's notes are anonymised like the quotes (issue 12)
    assert b"Zahra" not in raw and b"87 65 43 21" not in raw
    notes = [c.value for row in wb["Bilag C"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("[navn] gav ikke lov, ring [telefon]" in v for v in notes)
    # interviewer names (the guide marks them ja) are pseudonymised "Interviewer N"; pseudonyms and
    # site names are kept (analysis variables)
    data = wb["Data"]
    head = [c.value for c in data[1]]
    shown = {data.cell(r, head.index("interviewer") + 1).value for r in range(2, data.max_row + 1)} - {None}
    assert shown and all(re.fullmatch(r"Interviewer \d+", v) for v in shown)
    assert data.cell(2, 1).value == "AMA-01" and data.cell(2, 2).value == "Amadeus"


def test_data_sheet_escaping(opened, engine):
    ws = opened("all")["Data"]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "AMA-02")
    mask = export_masker(engine)
    for code, text in TRICKY.items():
        assert mask(text) == text  # nothing here to anonymise: the escaping alone is tested
        cell = row[head.index(code)]
        # openpyxl leaves Excel's _xHHHH_ escapes in inline strings as they are (it decodes them
        # only in shared strings); Excel, LibreOffice and survey.wideio decode them.
        assert cell.data_type == "s" and unescape(cell.value) == text, (code, cell.value)
    quotes = [c.value for row in opened("all")["Citater"].iter_rows(min_row=5) for c in row]
    for text in TRICKY_QUOTES:  # xlsxwriter-written (shared or rich) strings: openpyxl decodes them
        assert text in quotes, text


def test_data_sheet_is_the_wide_frame(opened, wide, guide):
    ws = opened("all")["Data"]
    assert [c.value for c in ws[1]] == guide.codes
    assert ws.max_row == len(wide) + 1
    got = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    w = wide.set_index("respondent_id")
    for rid in ("AMA-01", "BAS-03", "VAE-01"):
        for code, v in zip(guide.codes[1:], got[rid][1:]):
            want = w.loc[rid, code]
            if code in ("interviewer", "hverdag", "anderledes", "fremtid", "godt_tilbud", "offentlige_bidrag",
                        "hvorfor_her") or guide.item(code).type == "text":
                continue  # masked free text: checked above
            if want is None:
                assert v is None, (rid, code)
            elif guide.item(code).type in ("integer", "decimal"):
                assert v == float(want), (rid, code)
            else:
                assert v == want, (rid, code)


def test_data_sheet_reimports(books, guide, wide, tmp_path, new_db_url):
    from survey import wideio

    e = make_engine(new_db_url())
    try:
        res = wideio.import_file(e, guide, books["all"][0])
        assert not res.problems, [p.format() for p in res.problems]
        again = store.load_wide(e, guide)
        assert sorted(again["respondent_id"]) == sorted(wide["respondent_id"])
        mask = export_masker(e)
        row = again.set_index("respondent_id").loc["AMA-02"]
        for code, text in TRICKY.items():
            assert row[code] == mask(text), code
        for tid in ("3.1", "3.2", "4.2", "fig7.2", "7.2", "kvalitetskort"):
            assert R.RESPONDENT_TABLES[tid](again, guide=guide).equals(R.RESPONDENT_TABLES[tid](wide, guide=guide)), tid
    finally:
        e.dispose()


# --------------------------------------------------------------------------- filters, publication

def test_filter_group(opened, wide, guide):
    wb = opened("etniske")
    exp = expected_tables(wide, guide, group="etniske")
    for sheet in TABLE_SHEETS:
        rows, ns = exp[sheet]
        check_rows(wb[sheet], rows, ns)
    assert [r[0] for r in table_rows(wb["Tabel 3.2"])] == ["De etniske", "I alt"]
    assert table_rows(wb["Tabel 3.1"])[-1][1] == 7
    assert wb["Tabel 3.1"]["A2"].value == "Population: brugergruppe De etniske (n = 7)."
    assert wb["Data"].max_row == 7 + 1
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r[0]}
    assert metode["Filter: brugergruppe"] == GROUPS["etniske"].name and metode["Respondenter i populationen"] == 7


def test_filter_site_type(opened, wide, guide):
    wb = opened("boform")
    exp = expected_tables(wide, guide, site_type="boform")
    for sheet in TABLE_SHEETS:
        rows, ns = exp[sheet]
        check_rows(wb[sheet], rows, ns)
    assert table_rows(wb["Tabel 3.1"])[-1][1] == 31  # Oversigt over interview: 31 at the boformer
    assert wb["Data"].max_row == 31 + 1
    assert {r[2] for r in wb["Data"].iter_rows(min_row=2, values_only=True)} == {"boform"}
    # the quotes are AMA-01's (a værested): filtered out
    assert [r for r in wb["Citater"].iter_rows(min_row=5, values_only=True) if any(r)] == []


def test_publish_suppresses_small_n(opened, wide, guide):
    wb = opened("publish")
    exp = expected_tables(wide, guide)
    for sheet in TABLE_SHEETS:
        rows, ns = exp[sheet]
        check_rows(wb[sheet], rows, ns, publish=True, min_n=8)
    f72 = {r[0]: r for r in table_rows(wb["Figur 7.2"])}
    assert f72["Andet"][6] == "<8" and f72["Andet"][1] == W.SUPPRESSED
    # Andet 5, De etniske 7, De psykisk påfaldende 7 are under 8; the next group protects them (its n «–»)
    assert f72["De unge misbrugere"][6] == W.SUPPRESSED and f72["De ældre misbrugere"][6] == 28
    note = wb["Figur 7.2"]["A3"].value
    assert "færre end 8" in note and "«<8»" in note
    supp = [v for row in wb["Figur 7.2"].iter_rows(values_only=True) for v in row
            if isinstance(v, str) and v.startswith("Undertrykt (n under 8)")]
    assert supp and "Andet" in supp[0] and "De etniske" in supp[0]
    # the charts leave the suppressed groups out
    cd = [r[0] for r in wb["Diagramdata"].iter_rows(values_only=True)]
    start = cd.index(f"{R.TITLES['fig7.2']} — efter brugergruppe")
    block = cd[start + 2: cd.index(None, start)]
    assert block == ["De ældre misbrugere"]
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r[0]}
    assert "undertrykt" in metode["Til offentliggørelse"] and metode["Mindste n (min_n)"] == 8


def test_publish_default_min_n_hides_map_points(opened, wide, guide, books):
    """Published, the small maps hide each point with n under 5, and — because a probe's points over the
    groups add up to the whole population's (and the people with no group are in no map) — enough of
    the smallest other points that the hidden ones of a probe add up to at least 5 (secondary
    suppression, `report.publication.complement`)."""
    wb = opened("publish5")
    rows = table_rows(wb["Kvalitetskort grupper"])
    charts = chart_xml(books["publish5"][0])
    hidden_pts = {(r[0], r[-1]) for r in rows if r[2] in ("<5", W.SUPPRESSED)}
    maps = {grp: Q.kvalitetskort(wide, guide, group=grp) for grp in GROUP_ORDER}
    grouped = P.population(wide, None, None)["brugergruppe"].isin(GROUP_ORDER)
    outside = Q.kvalitetskort(P.population(wide, None, None)[~grouped.to_numpy()], guide)
    seen = set()
    for probe in [p.code for p in guide.probes]:
        ns = {grp: int(t.set_index("kode").loc[probe, "n"]) for grp, t in maps.items()}
        out_n = int(outside.set_index("kode").loc[probe, "n"]) if len(outside) else 0
        hid = [grp for grp in GROUP_ORDER if (PUB.group_label(grp), probe) in hidden_pts]
        assert {g for g, n in ns.items() if 0 < n < 5} <= set(hid), probe  # every small point hidden
        mass = sum(ns[g] for g in hid) + out_n
        others = [ns[g] for g in GROUP_ORDER if g not in hid and ns[g] > 0]
        # nothing hidden, or the hidden add up to at least 5, or nothing left to hide
        assert (not hid and out_n == 0) or mass >= 5 or not others, (probe, ns, hid)
        if any(0 < ns[g] < 5 for g in hid):  # with at least one that is not small (the people in no map count)
            assert any(ns[g] >= 5 for g in hid) or out_n >= 5 or not others, (probe, ns, hid)
        if any(ns[g] >= 5 for g in hid):
            seen.add("protecting")
            for r in rows:
                if r[-1] == probe and r[0] in {PUB.group_label(g) for g in hid if ns[g] >= 5}:
                    assert r[2] == W.SUPPRESSED and r[3] == W.SUPPRESSED  # its n is not «<5»: it is not small
    for grp, t in maps.items():
        label = PUB.group_label(grp)
        shown = [(c, n) for c, n in zip(t["kode"], t["n"]) if n > 0 and (label, c) not in hidden_pts]
        chart = [c for c in charts if f"Kvalitetskort: {label}<" in c]
        if not shown:  # demo: "Andet" has no probe with n >= 5 — no map, and a note says so
            assert chart == []
            notes = [v for row in wb["Kvalitetskort grupper"].iter_rows(values_only=True) for v in row
                     if isinstance(v, str) and v.startswith("Intet kvalitetskort for:")]
            assert notes and label in notes[0]
            seen.add("none")
            continue
        # the points drawn are the chart's data (its block on «Diagramdata»), their labels the probes' numbers
        drawn = [r[0] for r in data_blocks(wb["Diagramdata"])[f"Kvalitetskort — {label}"]]
        assert sorted(drawn) == sorted(f"{PUB.probe_short(guide, c)} (n={n})" for c, n in shown)
        numbers = [int(x) for text, _ in map_chart_labels(chart[0])[1] if text for x in text.split(", ")]
        assert sorted(numbers) == sorted(PUB.probe_numbers(guide)[c] for c, _ in shown)
        if len(shown) < len(t):
            seen.add("mixed")
    assert seen == {"none", "mixed", "protecting"}  # every case occurs in the demo


def test_frozen_panes_and_autofilters(opened):
    wb = opened("all")
    for name in TABLE_SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "B5", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A4:"), name
        last = int(re.search(r"\d+$", ws.auto_filter.ref).group())
        assert last == 4 + len(table_rows(ws)), name
    assert wb["Data"].freeze_panes == "B2" and wb["Data"].auto_filter.ref.startswith("A1:")
    assert wb["Citater"].freeze_panes == "A5" and wb["Citater"].auto_filter.ref.startswith("A4:")
    assert wb["Metode"].freeze_panes == "A2"


def test_method_sheet(opened, guide):
    wb = opened("all")
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r[0]}
    assert metode["Spørgeguide"] == f"{guide.form_id}, version {guide.version}"
    # local time with the zone named (issue 14)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \(Europe/Copenhagen, UTC\+0[12]:00\)", metode["Dannet"])
    assert metode["Interview talt med"] == "n = 62 afsluttede interview."  # the demo's 61 and VAE-01
    assert metode["Filter: brugergruppe"] == "alle" and metode["Filter: stedtype"] == "alle"
    assert metode["Respondenter i populationen"] == 62
    assert metode["Antal citater"] == len(NASTY) + 1 + len(TRICKY_QUOTES)
    assert metode["Til offentliggørelse"].startswith("Nej")
    for sheet in TABLE_SHEETS:
        assert sheet in metode and len(metode[sheet]) > 40, sheet
    assert "ikke spurgt" in metode["Tomme felter"]


def test_empty_store_and_empty_population(guide, tmp_path, engine, new_db_url):
    e = make_engine(new_db_url())
    try:
        wb = openpyxl.load_workbook(W.build_workbook(e, guide, tmp_path / "empty.xlsx", publish=True))
    finally:
        e.dispose()
    assert "Data" not in wb.sheetnames  # a publication edition has no row per respondent
    assert table_rows(wb["Tabel 3.1"])[-1][:3] == ["I alt", 0, W.SUPPRESSED]
    assert sum(len(ws._charts) for ws in wb.worksheets) == 0  # nothing to draw
    assert [r for r in wb["Citater"].iter_rows(min_row=5, values_only=True) if any(r)] == []
    # a filter that leaves nobody: the same, with the filter named
    wb = openpyxl.load_workbook(W.build_workbook(engine, guide, tmp_path / "none.xlsx", group="psykisk_paafaldende",
                                                 site_type="boform"))  # the demo has none
    assert wb["Tabel 3.1"]["A2"].value == ("Population: brugergruppe De psykisk påfaldende, stedtype Boform "
                                           "(n = 0).")
    assert wb["Data"].max_row == 1 and table_rows(wb["Tabel 3.2"])[-1][:4] == ["I alt", 0, 0, 0]
    assert sum(len(ws._charts) for ws in wb.worksheets) == 0


# --------------------------------------------------------------------------- errors, atomic write, CLI

def test_bad_filters_and_arguments(engine, guide, tmp_path):
    with pytest.raises(W.WorkbookError, match="unge_misbrugere"):
        W.build_workbook(engine, guide, tmp_path / "x.xlsx", group="nisser")
    with pytest.raises(TableError, match="boform"):
        W.build_workbook(engine, guide, tmp_path / "x.xlsx", site_type="slot")
    with pytest.raises(W.WorkbookError, match="mindst 1"):
        W.build_workbook(engine, guide, tmp_path / "x.xlsx", min_n=0)
    with pytest.raises(W.WorkbookError, match=".xlsx"):
        W.build_workbook(engine, guide, tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write(engine, guide, tmp_path, monkeypatch):
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")

    def boom(*a, **k):
        yield "<row"
        raise RuntimeError("disk full")

    monkeypatch.setattr(W, "_data_rows_xml", boom)
    with pytest.raises(RuntimeError):
        W.build_workbook(engine, guide, out)
    assert out.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]
    monkeypatch.undo()
    W.build_workbook(engine, guide, out)
    assert zipfile.is_zipfile(out) and sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]
    assert (out.stat().st_mode & 0o777) == 0o600  # owner-only, as every file the tool writes (survey.files)


def test_cli_report_publish(engine, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "rapport.xlsx"
    assert main(["--db", url, "report", str(out), "--publish"]) == 0
    assert "Skrev" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert wb["Tabel 3.1"]["A3"].value.startswith("Til offentliggørelse")
    assert main(["--db", url, "report", str(tmp_path / "g.xlsx"), "--group", "nisser"]) == 1
    assert "unge_misbrugere" in capsys.readouterr().err


# --------------------------------------------------------------------------- LibreOffice

@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_to_pdf(books, tmp_path):
    src = books["publish5"][0]
    profile = tmp_path / "lo-profile"
    res = subprocess.run(["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                          "pdf", "--outdir", str(tmp_path), str(src)], capture_output=True, text=True, timeout=180)
    pdf = tmp_path / (Path(src).stem + ".pdf")
    assert res.returncode == 0, res.stderr
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 50_000


# --------------------------------------------------------------------------- the quality map's method (issue 15)

def test_the_maps_method_has_its_own_sheet_and_the_metode_sheet_says_which(engine, guide, wide, tmp_path, capsys,
                                                                            opened):
    # the default: the report's map only, and the Metode sheet says it is the report's
    plain = {r[0]: r[1] for r in opened("all")["Metode"].iter_rows(values_only=True) if r[0]}
    assert plain["Kvalitetskortets metode"].startswith("Rapportens: 45°-linjen")
    assert W.METHOD_SHEET not in opened("all").sheetnames
    # another method, from the CLI
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "metode.xlsx"
    assert main(["--db", url, "report", str(out), "--reference", "gennemsnit", "--vigtighed", "afledt"]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(out)
    names = wb.sheetnames
    assert names.index(W.METHOD_SHEET) == names.index("Kvalitetskort") + 1
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r[0]}
    assert "Arket Kvalitetskort følger rapporten" in metode["Kvalitetskortets metode"]
    assert "Trådkors ved gennemsnittene" in metode["Kvalitetskortets metode"]
    assert "Afledt vigtighed" in metode["Kvalitetskortets metode"] and W.METHOD_SHEET in metode
    method = Q.map_method("gennemsnit", "afledt")
    want = Q.kvalitetskort_points(wide, guide, method=method).set_index("kode")
    ws = wb[W.METHOD_SHEET]
    head = [c.value for c in ws[W.HEADER_ROW + 1]]
    got = {r[head.index("Kode")]: dict(zip(head, r)) for r in table_rows(ws)}
    assert set(got) == set(want.index)
    for code, r in want.iterrows():
        row = got[code]
        assert row["n"] == r["n"] and row["n (afledt)"] == r["afledt_n"]
        assert row["Afledt vigtighed (r)"] == pytest.approx(r["afledt"])
        assert row["Felt"] == Q.QUADRANTS[r["kvadrant"]]
        assert row["Kan skelnes fra trådkorset"] == ("nej" if r["krydser"] else "ja")
    notes = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert Q.centre_text(*want.attrs["centre"], method) in notes
    # its chart: the points and the two crosshair lines, x from −1 to 1
    scatters = [c for c in chart_xml(out) if "<c:scatterChart>" in c]
    mine = next(c for c in scatters if "Trådkors ved gennemsnittene" in c)
    assert mine.count("<c:ser>") == 3 and '<c:min val="-1"/>' in mine and "45-graders-linjen" not in mine
    # refused before anything is written: the 45° line with derived importance
    bad = tmp_path / "bad.xlsx"
    assert main(["--db", url, "report", str(bad), "--reference", "diagonal", "--vigtighed", "afledt"]) == 1
    assert "45°-linjen giver ikke mening" in capsys.readouterr().err and not bad.exists()


def test_cli_kvalitetskort_reads_the_map_by_another_method(engine, guide, wide, capsys):
    import csv
    import io

    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kvalitetskort", "--vigtighed", "afledt"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    want = Q.kvalitetskort(wide, guide, method=Q.map_method(None, "afledt")).set_index("kode")
    assert list(rows[0])[-5:] == ["afledt_n", "afledt", "afledt_lav", "afledt_hoej", "kvadrant"]
    for r in rows:
        assert float(r["afledt"]) == pytest.approx(want.loc[r["kode"], "afledt"], abs=5e-4)
        assert r["kvadrant"] == want.loc[r["kode"], "kvadrant"]
    assert main(["--db", url, "kvalitetskort", "--reference", "midtpunkt", "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert "Trådkorset: vigtighed 50,0 %, udbytte 50,0 %." in md and "| Felt" in md
    assert main(["--db", url, "kvalitetskort", "--reference", "diagonal", "--vigtighed", "afledt"]) == 1
    assert "vælg reference gennemsnit eller midtpunkt" in capsys.readouterr().err
    assert main(["--db", url, "kvalitetskort"]) == 0
    assert "kvadrant" not in capsys.readouterr().out.splitlines()[0]


def test_cli_kvalitetskort_publish_and_min_n_as_the_figure_does(engine, guide, wide, capsys):
    """--publish leaves out the points with n under --min-n in CSV and Markdown (found by a tester: only
    --out honoured them), and Markdown names them and stars the small n by the same --min-n."""
    import csv
    import io

    url = engine.url.render_as_string(hide_password=False)
    argv = ["--db", url, "kvalitetskort", "--min-n", "10", "--group", "etniske", "--publish"]
    assert main(argv) == 1  # 7 users under min_n 10: nothing published about them
    assert "færre end 10 respondenter" in capsys.readouterr().err
    # De etniske (7) protects Andet (5) in Tabel 3.2 at min_n 7: a population of De etniske alone would give
    # Andet away beside the unfiltered tables, so it is refused (a reviewer)
    assert main(["--db", url, "kvalitetskort", "--min-n", "7", "--group", "etniske", "--publish"]) == 1
    assert "kan populationen ikke afgrænses til en brugergruppe" in capsys.readouterr().err
    for group, min_n in (("etniske", 5), (None, 58)):  # (a group hidden at a larger min_n: refused, above)
        want = Q.kvalitetskort(wide, guide, group, min_n=min_n)
        kept, small = set(want.loc[~want["suppressed"], "kode"]), want.loc[want["suppressed"], "kode"].tolist()
        assert small, "each case leaves something out"
        argv = ["--db", url, "kvalitetskort", "--min-n", str(min_n)] + (["--group", group] if group else [])
        assert main(argv + ["--publish"]) == 0
        assert {r["kode"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))} == kept
        assert main(argv) == 0  # without --publish: every point with an answer
        assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 12
        assert main(argv + ["--publish", "--format", "md"]) == 0
        md = capsys.readouterr().out
        rows = [line for line in md.splitlines() if line.startswith("| Har ")]
        assert len(rows) == len(kept) and not any(" * |" in r for r in rows)
        assert f"Udeladt, n under {min_n} (for få svar til offentliggørelse): " in md
        assert main(argv + ["--format", "md"]) == 0
        rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| Har ")]
        assert sum(" * |" in r for r in rows) == sum(0 < n < min_n for n in want["n"])


def test_cli_figure_draws_the_map_by_another_method_and_refuses_it_for_other_figures(engine, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "kort.html"
    assert main(["--db", url, "figure", "kvalitetskort", "--out", str(out), "--reference", "midtpunkt"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "ved skalaens midtpunkter" in html and '"reference":"midtpunkt"' in html.replace(" ", "")
    capsys.readouterr()
    for argv in (["figure", "fig3.1", "--out", str(tmp_path / "f.html"), "--vigtighed", "afledt"],
                 ["kvalitetskort", "--efter", "perspektiv", "--out", str(tmp_path / "g.html"), "--reference",
                  "gennemsnit"]):
        assert main(["--db", url, *argv]) == 1
        assert "gælder kun det enkelte kvalitetskort" in capsys.readouterr().err
    assert not (tmp_path / "f.html").exists() and not (tmp_path / "g.html").exists()


def test_a_publication_edition_has_no_row_per_respondent(books, opened):
    """A reviewer found the --publish workbook carrying every respondent's answers (Data) and each quote's
    respondent and site (Citater), beside tables that hide those sites as «<5». The publication edition has
    no Data sheet and only the quotes marked «Til rapporten», without respondent and site."""
    pub, work = opened("publish5"), opened("all")
    assert "Data" not in pub.sheetnames and "Data" in work.sheetnames
    # Bilag C too: a row per respondent would count every site the tables hide (a reviewer)
    assert "Bilag C" not in pub.sheetnames and "Bilag C" in work.sheetnames
    assert [s for s in work.sheetnames if s not in ("Data", "Bilag C")] == pub.sheetnames
    head = [c.value for c in pub["Citater"][W.HEADER_ROW + 1]]
    assert "Respondent" not in head and "Sted" not in head and "Citat" in head and "Brugergruppe" in head
    work_head = [c.value for c in work["Citater"][W.HEADER_ROW + 1]]
    work_rows = [dict(zip(work_head, r)) for r in work["Citater"].iter_rows(min_row=W.HEADER_ROW + 2, values_only=True)
                 if any(r)]
    pub_rows = [dict(zip(head, r)) for r in pub["Citater"].iter_rows(min_row=W.HEADER_ROW + 2, values_only=True)
                if any(r)]
    assert pub_rows and pub_rows == [{k: v for k, v in r.items() if k in head} for r in work_rows
                                     if r["Til rapporten"] == "ja"]
    data_head = [c.value for c in work["Data"][1]]
    ids = {str(r[data_head.index("respondent_id")]) for r in work["Data"].iter_rows(min_row=2, values_only=True)}
    assert len(ids) > 60
    strings = {c.value for ws in pub.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert not ids & strings  # no respondent id anywhere
    metode = {r[0]: r[1] for r in pub["Metode"].iter_rows(values_only=True) if r[0]}
    assert "Arket Data (de enkelte svar) og Bilag C (én række pr. respondent) er ikke med" in \
        metode["Til offentliggørelse"] and "Data" not in metode and "Bilag C" not in metode
    assert os.stat(books["publish5"][0]).st_mode & 0o777 == 0o600


def test_published_quotes_keep_only_those_for_the_report():
    q = pd.DataFrame({"Citat-id": [1, 2], "Respondent": ["AMA-01", "AMA-02"], "Sted": ["Amadeus", "Amadeus"],
                      "Citat": ["a", "b"], "Til rapporten": ["ja", "nej"]})
    assert W.published_quotes(q).to_dict("records") == [{"Citat-id": 1, "Citat": "a", "Til rapporten": "ja"}]


def test_a_small_population_is_not_published_and_a_published_workbook_shows_n_from_min_n(engine, guide, wide, tmp_path):
    """A reviewer: «--publish --sted Basen --group unge_misbrugere» printed «(n = 1)» on every sheet and in
    the Metode sheet. Published, a population under min_n is refused (at first it said «n under 5», but
    its tables still told the few's groups by their zero rows); the team's own copy keeps n."""
    sizes = wide["site"].value_counts()
    site = sizes[sizes < 5].index[0]
    # published, nothing is made for a population under min_n: its tables' zero rows would tell the few's
    # groups and answers (`report.publication.check_publishable`); the refusal gives no n
    with pytest.raises(W.WorkbookError, match="færre end 5 respondenter") as e:
        W.build_workbook(engine, guide, tmp_path / "p.xlsx", publish=True, cuts=P.Cuts(site=site))
    assert str(sizes[site]) not in str(e.value) and not (tmp_path / "p.xlsx").exists()
    # a population of at least min_n says its n
    big = next(s for s in sizes[sizes >= 5].index if s not in T.hidden_parts(wide, guide).get("site", ()))
    pub = openpyxl.load_workbook(W.build_workbook(engine, guide, tmp_path / "b.xlsx", publish=True,
                                                  cuts=P.Cuts(site=big)))
    assert f"(n = {sizes[big]})" in pub["Tabel 3.2"]["A2"].value
    work = openpyxl.load_workbook(W.build_workbook(engine, guide, tmp_path / "w.xlsx", cuts=P.Cuts(site=site)))
    assert f"(n = {sizes[site]})" in work["Tabel 3.2"]["A2"].value


# --------------------------------------------------------------------------- chart texts are text

#: site names that xlsxwriter's chart API read as cell references (``^=?[^!]+!\$?[A-Z]+\$?\d+``)
REF_SITES = ["Data!A2 test", "=cmd|' /C calc'!A0 sted11", "Diagramdata!$B$3", "=Ark1!A1"]
_CHART_DATA_REF = re.compile(r"'?Diagramdata'?!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?")


def test_a_site_named_like_a_cell_reference_is_chart_text_not_a_reference(db_factory, guide, tmp_path):
    """Found by a hostile tester: with ``--efter sted`` a site named ``Data!A2 test`` gave the chart
    title ``<c:f>Kvalitetskort: Data!A2 test</c:f>`` — a reference to another sheet, not text (and
    xlsxwriter warned «Unknown worksheet reference»). Every text given to the chart API goes through
    `survey.files.xlsx_chart_text`: the only references in the charts are the chart data's own cells,
    and each title shows the name as typed (a word joiner, invisible, after its «!»)."""
    e = make_engine(db_factory.new())
    try:
        load_demo(e, guide)
        ids = list(store.load_wide(e, guide)["respondent_id"])
        with session_scope(e) as s:
            for k, name in enumerate(REF_SITES):
                site = store.ensure_site(s, name, "vaerested")
                for rid in ids[k::len(REF_SITES) + 2]:
                    store.interview_by_respondent(s, rid).site_id = site.id
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = W.build_workbook(e, guide, tmp_path / "w.xlsx", cuts=P.Cuts(by="sted"))
    finally:
        e.dispose()
    assert not [w for w in caught if "reference" in str(w.message)]
    charts = chart_xml(path)
    refs = [f for c in charts for f in re.findall(r"<c:f>([^<]*)</c:f>", c)]
    assert refs and all(_CHART_DATA_REF.fullmatch(unescape(f)) for f in refs), [f for f in refs
                                                                                if not _CHART_DATA_REF.fullmatch(f)]
    titles = {unescape(t).replace("\u2060", "") for c in charts for t in re.findall(r"<a:t>([^<]*)</a:t>", c)}
    for name in REF_SITES:
        assert f"Kvalitetskort: {name}" in titles


@pytest.mark.parametrize("text", [*REF_SITES, "Kvalitetskort: Data!A2 test", "Ark!$A$1", "x!XFD1048576 y"])
def test_xlsx_chart_text_never_matches_xlsxwriters_reference_test(text):
    from xlsxwriter import chart

    out = W._chart_text(text)
    assert out.replace("\u2060", "") == text and isinstance(out, str)
    assert not re.match(r"^=?[^!]+!\$?[A-Z]+\$?\d+", out)
    c = chart.Chart()
    assert c._process_names(out, None) == (out, None)  # xlsxwriter's own test: a name, no formula


def test_a_published_crosstab_by_user_group_hides_tabel_3_2s_hidden_groups_whatever_the_grouping(
        engine, guide, wide, tmp_path):
    """A tester's HIGH on the CLI and the page (fixed in report.crosstab.published_crosstab_rows): a
    published crosstab whose rows are user groups showed the group Tabel 3.2 hides to protect «Uoplyst».
    The workbook grouped by site (its own hidden parts are sites) hides the same groups as the CLI."""
    import csv
    import io

    t32 = {r["brugergruppe"]: r for r in csv.DictReader(io.StringIO(R.render("3.2", wide, guide, "csv",
                                                                               publish=True)))}
    gone = {k for k, r in t32.items() if r["i_alt"] in ("–", "<5") and k != "uoplyst"}
    assert gone, "the fixture's respondent without a group makes Tabel 3.2 hide a group"
    cli = {r["brugergruppe"]: r for r in csv.DictReader(io.StringIO(
        X.render_crosstab(wide, guide, "brugergruppe", "gender", fmt="csv", publish=True)))}
    assert all(cli[k]["n"] == "–" for k in gone)
    path = W.build_workbook(engine, guide, tmp_path / "kryds.xlsx", publish=True, cuts=P.Cuts(by="sted"),
                            crosstabs=(("brugergruppe", "gender", ""),))
    ws = openpyxl.load_workbook(path, read_only=True)["Krydstabel"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True) if r and r[0]}
    for k in gone:
        row = rows[X.crosstab_label(guide, "brugergruppe", k)]
        assert row[3] == "–" and row[1] in (None, "", "–") and row[2] in (None, "", "–"), row
    # the groups as columns: refused while groups are hidden (the row's n minus the shown columns gives them)
    with pytest.raises(TableError, match="kan brugergruppe ikke være kolonner"):
        W.build_workbook(engine, guide, tmp_path / "kolonner.xlsx", publish=True,
                         crosstabs=(("gender", "brugergruppe", ""),))
    assert not (tmp_path / "kolonner.xlsx").exists()
