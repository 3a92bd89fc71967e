"""Every file and every CSV the tool writes, on the demo study with formula-like site names (issue 11):
formula-safe over every table id, owner-only for every writer, blanks written as blanks, and SPSS
errors that never quote a value.

Runs on SQLite and — with BRUGERBLIK_TEST_DB — on PostgreSQL (one demo store for the module).
"""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from brugerblik.cli import main
from coding import codebook as cb
from exports import qdpx, raw, spss, workbook
from report import figures
from report import population as P
from report import registry as R
from report import tables as T
from survey import source_store, store
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.store import load_wide

#: Site names a spreadsheet would run as formulas if a CSV cell started with them.
FORMULA_SITES = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
FORMULA_CODE = '=HYPERLINK("http://x","klik")'
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@pytest.fixture(scope="module")
def study(db_factory, guide):
    """The demo study, four of its sites renamed to formula-like names, a code named like a formula."""
    e = make_engine(db_factory.new())
    assert load_demo(e, guide) == 61
    with session_scope(e) as s:
        sites = {x.name: x for x in store.list_sites(s)}
        for old, new in zip(["Amadeus", "Basen", "Linie 14", "Solvang"], FORMULA_SITES):
            store.rename_site(s, sites[old].id, new, who="test")
        cb.ensure_seeded(s)
        cb.create_code(s, FORMULA_CODE, key="formel", description="+45 12 34 56 78", cues=["@SUM(A1)", "-1+1"])
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def url(study) -> str:
    return study.url.render_as_string(hide_password=False)


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def unsafe(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would read as a formula: starting with = + - @ tab CR, not escaped with
    a leading ', and not a plain number (a table's "-29" band or a negative share is a number)."""
    return [c for row in rows for c in row
            if c and c[0] in "=+-@\t\r" and not _PLAIN_NUMBER.fullmatch(c)]


# ---------------------------------------------------------------- CSV: every table id

TABLE_IDS = list(R.TABLES)
WITH_SITES = {"oversigt", "bilag_c", "oversigt_interview"}  # the tables that list the sites by name


@pytest.mark.parametrize("tid", TABLE_IDS)
def test_every_table_csv_from_the_cli_is_formula_safe(study, url, guide, tid, capsys):
    argv = ["--db", url, "table", tid, "--format", "csv"] + (["--probe", "rytme"] if tid == "fig4" else [])
    assert main(argv) == 0
    rows = cells(capsys.readouterr().out)
    assert len(rows) > 1 and unsafe(rows) == []
    if tid in WITH_SITES:
        flat = {c for row in rows for c in row}
        assert {"'" + name for name in FORMULA_SITES} <= flat, tid
        assert not any(name in flat for name in FORMULA_SITES), tid


@pytest.mark.parametrize("tid", TABLE_IDS)
def test_every_table_rendered_for_the_app_is_formula_safe(study, guide, tid):
    """The Rapport page's downloads: `report.tables.to_csv` / `report.registry.render`, by site type
    too."""
    wide = load_wide(study, guide)
    for site_type in (None, "vaerested"):
        if tid in R.SOURCE_TABLES:
            frames = source_store.load_all(study, guide)
            pop = frames.pop("brugere")
            if site_type:
                pop = P.population(pop, None, site_type)
                frames = source_store.restrict(frames, pop)
            out = R.render(tid, pop, guide, fmt="csv", frames=frames)
        else:
            out = R.render(tid, wide, guide, fmt="csv", site_type=site_type,
                           probe="rytme" if tid == "fig4" else None)
        assert unsafe(cells(out)) == [], (tid, site_type)


def test_crosstab_and_table_3_1_keep_their_age_bands(study, url, capsys):
    assert main(["--db", url, "crosstab", "age", "gender", "--format", "csv"]) == 0
    rows = cells(capsys.readouterr().out)
    assert unsafe(rows) == [] and [r[0] for r in rows[1:5]] == ["-29", "30-39", "40-49", "50-"]


def test_a_table_cell_that_is_text_is_escaped_even_in_a_number_like_column():
    t = pd.DataFrame({"site": FORMULA_SITES + ["Basen"], "n": [1, 2, -3, 4, 5], "gap": [-0.5, 0.25, 0, 1, None]})
    rows = cells(T.to_csv(t))
    assert [r[0] for r in rows[1:]] == ["'" + s for s in FORMULA_SITES] + ["Basen"]
    assert [r[1] for r in rows[1:]] == ["1", "2", "-3", "4", "5"]
    assert [r[2] for r in rows[1:]] == ["-0.500", "0.250", "0.000", "1.000", ""]


# ---------------------------------------------------------------- the codebook's CSV

def test_the_codebook_csv_export_is_formula_safe_and_round_trips(study, new_db_url):
    with session_scope(study) as s:
        text = cb.export_csv(s)
        before = cb.entries(s)
    rows = cells(text)
    assert unsafe(rows) == []
    (row,) = [r for r in rows if r[0] == "formel"]
    assert row[1] == "'" + FORMULA_CODE and row[3] == "'+45 12 34 56 78" and row[4].startswith("'@SUM(A1)")
    e2 = make_engine(new_db_url())
    try:
        with session_scope(e2) as s:
            cb.import_csv(s, text)
        with session_scope(e2) as s:
            assert cb.entries(s) == before and cb.get_code(s, "formel").name == FORMULA_CODE
    finally:
        e2.dispose()


# ---------------------------------------------------------------- XLSX: text, never a formula

def test_no_xlsx_the_tool_writes_holds_a_formula(study, guide, tmp_path):
    workbook.build_workbook(study, guide, tmp_path / "rapport.xlsx")
    raw.export_file(study, guide, tmp_path / "data.xlsx")
    with session_scope(study) as s:
        (tmp_path / "kodebog.xlsx").write_bytes(cb.export_xlsx(s))
    for name in ("rapport.xlsx", "data.xlsx", "kodebog.xlsx"):
        book = openpyxl.load_workbook(tmp_path / name)
        formulas = [(ws.title, c.coordinate) for ws in book.worksheets for row in ws.iter_rows() for c in row
                    if c.data_type == "f"]
        assert formulas == [], name
        texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str)}
        assert (FORMULA_CODE in texts) if name == "kodebog.xlsx" else set(FORMULA_SITES) <= texts, name


# ---------------------------------------------------------------- every writer: owner-only, atomic

def test_every_file_the_tool_writes_is_owner_only(study, guide, tmp_path, url, capsys):
    old = os.umask(0)  # the most permissive umask: the policy must not depend on it
    try:
        raw.export_file(study, guide, tmp_path / "raw.csv")
        raw.export_file(study, guide, tmp_path / "raw.xlsx")
        raw.export_sources(study, "journal", tmp_path / "journal.csv")
        raw.export_sources(study, "leder", tmp_path / "leder.xlsx")
        spss.export_sav(study, guide, tmp_path / "data.sav")
        qdpx.export_qdpx(study, guide, tmp_path / "data.qdpx", validate=False)
        workbook.build_workbook(study, guide, tmp_path / "rapport.xlsx")
        figures.write_figure("kvalitetskort", load_wide(study, guide), guide, tmp_path / "kort.html")
        assert main(["--db", url, "export", "raw", str(tmp_path / "cli.csv")]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    written = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert written == {n: 0o600 for n in ("raw.csv", "raw.xlsx", "journal.csv", "leder.xlsx", "data.sav",
                                         "data.qdpx", "rapport.xlsx", "kort.html", "cli.csv")}


def test_spss_writes_through_a_private_folder_and_leaves_nothing_on_failure(study, guide, tmp_path, monkeypatch):
    import pyreadstat

    target = tmp_path / "data.sav"
    target.write_bytes(b"old")
    seen = []

    def failing(df, path, **kw):
        seen.append((Path(path).parent.parent, Path(path).parent.stat().st_mode & 0o777, Path(path).exists()))
        Path(path).write_bytes(b"half")
        raise pyreadstat.ReadstatError("Kunne ikke skrive: Jens Hansen 010190-1234")

    monkeypatch.setattr(pyreadstat, "write_sav", failing)
    with pytest.raises(spss.SpssExportError) as e:
        spss.export_sav(study, guide, target)
    assert "Jens" not in str(e.value) and "010190" not in str(e.value)
    assert seen == [(tmp_path, 0o700, False)]  # a new file in a private folder beside the target
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["data.sav"]


# ---------------------------------------------------------------- blanks are blanks

BLANK_WORDS = {"nan", "none", "nat", "<na>", "null"}


@pytest.mark.parametrize("kilde", [None, *source_store.SOURCE_INFORMANTS])
def test_the_anonymised_csv_writes_blanks_as_blanks(study, url, tmp_path, kilde, capsys):
    masked, exact = tmp_path / "maskeret.csv", tmp_path / "umaskeret.csv"
    extra = ["--kilde", kilde] if kilde else []
    assert main(["--db", url, "export", "raw", *extra, str(masked)]) == 0
    assert main(["--db", url, "export", "raw", *extra, "--umaskeret", str(exact)]) == 0
    capsys.readouterr()
    m = cells(masked.read_text("utf-8-sig"))
    x = cells(exact.read_text("utf-8-sig"))
    assert [c for row in m for c in row if c.strip().lower() in BLANK_WORDS] == []
    assert len(m) == len(x) > 1
    blanks_m = [(i, j) for i, row in enumerate(m) for j, c in enumerate(row) if c == ""]
    blanks_x = [(i, j) for i, row in enumerate(x) for j, c in enumerate(row) if c == ""]
    assert blanks_m == blanks_x  # masking keeps every blank blank and fills none


# ---------------------------------------------------------------- SPSS errors never quote the value

@pytest.mark.parametrize("code, value, allowed", [
    ("age", "Jens Hansen 010190-1234", "heltal"),
    ("age", '=HYPERLINK("http://x")', "heltal"),
    ("interview_date", "i går hos Jens Hansen", "dato ÅÅÅÅ-MM-DD"),
])
def test_spss_refuses_a_bad_value_naming_case_and_variable_never_the_value(guide, code, value, allowed):
    df = pd.DataFrame([{"respondent_id": "010190-1234", "site": "Basen", "site_type": "boform"},
                       {"respondent_id": "Jens-H", "site": "Basen", "site_type": "boform", code: value}])
    with pytest.raises(spss.SpssExportError) as e:
        spss.build_frame(df, guide)
    msg = str(e.value)
    assert f"variabel {code}" in msg and "Case 2" in msg and allowed in msg
    for secret in ("Jens", "010190", "1234", "HYPERLINK", "går"):
        assert secret not in msg
