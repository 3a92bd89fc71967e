"""Issue 14: every report and export counts the completed interviews; a draft is left out and the
output says so («n = 61 afsluttede interview; 1 kladde er ikke talt med»), and --med-kladder counts
it, marking what it made. The demo study (61 completed) plus one interviewer's draft with two answers.
"""
from __future__ import annotations

import csv
import re
import zipfile

import openpyxl
import pytest

from brugerblik.cli import main
from report import data as report_data
from report.publication import drafts_line
from survey import interview as svc
from survey import source_store, store
from survey.db import make_engine
from survey.demo import load_demo
from survey.guide import load_guide


@pytest.fixture(scope="module")
def study(db_factory):
    g = load_guide()
    url = db_factory.new()
    e = make_engine(url)
    assert load_demo(e, g) == 61
    iv = svc.start_interview(e, g, site_name="Basen", site_type="boform", interviewer="KL")
    for code, v in [("gender", "kvinde"), ("rytme", "ja")]:
        assert svc.save_answer(e, g, iv.id, code, v).ok
    q, msg = svc.add_quote(e, g, iv.id, "hvorfor_her", "Et citat fra en kladde.", who="KL")
    assert q is not None, msg
    yield dict(engine=e, url=url, guide=g, draft=iv)
    e.dispose()


def test_the_store_reads_completed_interviews_unless_asked(study):
    e, g, rid = study["engine"], study["guide"], study["draft"].respondent_id
    assert store.count_drafts(e) == 1
    done = store.load_wide(e, g)
    every = store.load_wide(e, g, drafts=True)
    assert len(done) == 61 and rid not in set(done["respondent_id"])
    assert len(every) == 62 and rid in set(every["respondent_id"])
    # a source interview's draft is left out the same way
    assert set(source_store.load_all(e, g)["brugere"]["respondent_id"]) == set(done["respondent_id"])


def test_the_counted_line():
    assert drafts_line(61, 2, False) == "n = 61 afsluttede interview; 2 kladder er ikke talt med."
    assert drafts_line(61, 1, False) == "n = 61 afsluttede interview; 1 kladde er ikke talt med."
    assert drafts_line(61, 0, False) == "n = 61 afsluttede interview."
    assert drafts_line(63, 2, True) == "MED KLADDER: n = 63 interview, heraf 2 kladder (ikke afsluttede)."


def test_report_data_counts_and_says_so(study):
    e, g = study["engine"], study["guide"]
    d = report_data.load(e, g)
    assert d.n_store == 61 and d.drafts_line() == "n = 61 afsluttede interview; 1 kladde er ikke talt med."
    assert "Et citat fra en kladde." not in set(d.quotes()["Citat"])
    d2 = report_data.load(e, g, drafts=True)
    assert d2.n_store == 62 and d2.drafts_line().startswith("MED KLADDER: n = 62 interview, heraf 1 kladde")
    assert d2.for_population(None, "boform").drafts  # another population of the same data keeps the choice
    assert "Et citat fra en kladde." in set(d2.quotes()["Citat"])
    # a smaller population: the line's numbers are the whole study's, and it says so (a tester read
    # «n = 60 interview, heraf 1 kladde» on Basen's sheets, where the draft was not)
    assert d.for_population(None, "boform").drafts_line() == \
        "Hele undersøgelsen: n = 61 afsluttede interview; 1 kladde er ikke talt med."
    assert d2.for_population(None, "boform").drafts_line().startswith("Hele undersøgelsen: MED KLADDER: n = 62")


def test_a_filtered_workbook_and_a_saved_analysis_say_the_drafts_line_is_the_whole_studys(study, tmp_path, capsys):
    url = study["url"]
    out = tmp_path / "basen.xlsx"
    assert main(["--db", url, "report", str(out), "--sted", "Basen", "--med-kladder"]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r and r[0]}
    assert metode["Interview talt med"].startswith("Hele undersøgelsen: MED KLADDER: n = 62 interview")
    from report import saved
    from report.population import Cuts

    saved.save(study["engine"], study["guide"], "kun boform", "kvalitetskort", site_type="boform", cuts=Cuts(),
               replace=True)
    assert main(["--db", url, "table", "mine:kun boform"]) == 0
    assert capsys.readouterr().out.rstrip().endswith(
        "Hele undersøgelsen: n = 61 afsluttede interview; 1 kladde er ikke talt med.")
    saved.delete(study["engine"], "kun boform")


def test_cli_table_counts_completed_and_med_kladder_counts_the_draft(study, capsys):
    url = study["url"]
    assert main(["--db", url, "table", "3.1", "--format", "csv"]) == 0
    out = capsys.readouterr()
    total = out.out.splitlines()[-1]
    assert out.err.strip() == "n = 61 afsluttede interview; 1 kladde er ikke talt med."  # CSV stays data
    assert main(["--db", url, "table", "3.1", "--format", "csv", "--med-kladder"]) == 0
    out2 = capsys.readouterr()
    assert out2.err.strip().startswith("MED KLADDER: n = 62 interview")
    n_done = sum(int(x) for x in total.split(",")[1:] if x.isdigit())
    n_all = sum(int(x) for x in out2.out.splitlines()[-1].split(",")[1:] if x.isdigit())
    assert n_all == n_done + 1  # the draft (a woman, boform) is counted only with --med-kladder
    assert main(["--db", url, "table", "3.1"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("n = 61 afsluttede interview; 1 kladde er ikke talt med.")


def test_cli_export_leaves_the_draft_out_unless_asked(study, tmp_path, capsys):
    url, rid = study["url"], study["draft"].respondent_id
    f1, f2 = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["--db", url, "export", "raw", str(f1)]) == 0
    out = capsys.readouterr().out
    assert "Eksporterede 61 respondenter" in out and "1 kladde (ikke afsluttet interview) er ikke eksporteret" in out
    assert main(["--db", url, "export", "raw", str(f2), "--med-kladder"]) == 0
    out = capsys.readouterr().out
    assert "Eksporterede 62 respondenter" in out and "MED KLADDER" in out
    ids1 = {r["respondent_id"] for r in csv.DictReader(f1.open(encoding="utf-8-sig"))}
    ids2 = {r["respondent_id"] for r in csv.DictReader(f2.open(encoding="utf-8-sig"))}
    assert rid not in ids1 and ids2 == ids1 | {rid}


def test_workbook_says_what_it_counted_and_marks_every_sheet_with_drafts(study, tmp_path, capsys):
    url = study["url"]
    plain, with_drafts = tmp_path / "r.xlsx", tmp_path / "rk.xlsx"
    assert main(["--db", url, "report", str(plain)]) == 0
    assert main(["--db", url, "report", str(with_drafts), "--med-kladder"]) == 0
    assert "MED KLADDER" in capsys.readouterr().out
    wb = openpyxl.load_workbook(plain, read_only=True)
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r and r[0]}
    assert metode["Interview talt med"] == "n = 61 afsluttede interview; 1 kladde er ikke talt med."
    assert not any("MED KLADDER" in str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)
                   for c in r if c)
    wb2 = openpyxl.load_workbook(with_drafts, read_only=True)
    metode2 = {r[0]: r[1] for r in wb2["Metode"].iter_rows(values_only=True) if r and r[0]}
    assert metode2["Interview talt med"].startswith("MED KLADDER: n = 62 interview")
    for name in ("Tabel 3.1", "Tabel 4.2", "Kvalitetskort"):
        cells = [str(c) for r in wb2[name].iter_rows(values_only=True) for c in r if c]
        assert any("MED KLADDER" in c for c in cells), name
    # every sheet (a tester found Data and Diagramdata without it): Diagramdata in its first row; Data keeps
    # the wide format (codes in row 1, to import again) and says it in a note on A1 and in print
    assert str(next(wb2["Diagramdata"].iter_rows(values_only=True))[0]).startswith("MED KLADDER: n = 62")
    full = openpyxl.load_workbook(with_drafts)  # not read-only: notes and print headers
    data = full["Data"]
    assert data["A1"].value == "respondent_id" and data["A1"].comment.text.startswith("MED KLADDER: n = 62")
    assert "MED KLADDER: n = 62" in data.oddHeader.left.text
    assert data.max_row == 63  # the header and the 62 interviews: no row added
    for name in ("Data", "Diagramdata"):  # without the drafts: neither mark
        ws = openpyxl.load_workbook(plain)[name]
        assert ws["A1"].comment is None and not (ws.oddHeader.left.text or "")
    # the charts still read their blocks: the mark moved every block, and every reference, two rows down
    def refs(path):
        with zipfile.ZipFile(path) as z:
            xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
        return [int(m) for m in re.findall(r"Diagramdata'?!\$[A-Z]+\$(\d+)", xml)]

    assert min(refs(with_drafts)) == min(refs(plain)) + 2
    head = [list(r) for r in openpyxl.load_workbook(plain)["Diagramdata"].iter_rows(max_row=4, values_only=True)]
    moved = [list(r) for r in wb2["Diagramdata"].iter_rows(min_row=3, max_row=6, values_only=True)]
    assert [r[:len(h)] for r, h in zip(moved, head)][:2] == head[:2]  # the first block's title and header


def test_a_figure_made_with_drafts_says_so_in_its_title(study, tmp_path, capsys):
    url = study["url"]
    plain, marked = tmp_path / "k.html", tmp_path / "km.html"
    assert main(["--db", url, "figure", "kvalitetskort", "--out", str(plain)]) == 0
    assert main(["--db", url, "figure", "kvalitetskort", "--out", str(marked), "--med-kladder"]) == 0
    out = capsys.readouterr().out
    assert "n = 61 afsluttede interview; 1 kladde er ikke talt med." in out and "MED KLADDER: n = 62" in out
    assert "MED KLADDER" not in plain.read_text(encoding="utf-8")
    assert "MED KLADDER" in marked.read_text(encoding="utf-8")  # in the title (JSON: «·» escaped)


def test_refi_qda_and_the_quote_bank_download_leave_the_drafts_quote_out_unless_asked(study):
    from coding import service
    from exports import qdpx

    e, g, text = study["engine"], study["guide"], "Et citat fra en kladde."
    assert not any(text in t for t in qdpx.build_project(e, g).files.values())
    assert any(text in t for t in qdpx.build_project(e, g, drafts=True).files.values())
    assert text not in set(service.export_quotes(e, g)["Citat"])
    assert text in set(service.export_quotes(e, g, drafts=True)["Citat"])


def test_a_workbook_made_with_drafts_is_refused_on_import(study, tmp_path, capsys, db_factory):
    """Its Data sheet is the importable wide format, but it mixes the drafts in: imported, every row
    would be a completed interview. The import refuses it by its description (the document
    properties Excel keeps) and writes nothing; the same workbook made without drafts is not refused
    for that."""
    from survey import wideio

    url, g = study["url"], study["guide"]
    plain, with_drafts = tmp_path / "r.xlsx", tmp_path / "rk.xlsx"
    assert main(["--db", url, "report", str(plain)]) == 0
    assert main(["--db", url, "report", str(with_drafts), "--med-kladder"]) == 0
    capsys.readouterr()
    fresh = make_engine(db_factory.new())
    try:
        got = wideio.import_file(fresh, g, with_drafts)
        assert not got.ok and got.written == 0 and len(store.load_wide(fresh, g, drafts=True)) == 0
        text = " ".join(p.text_da for p in got.problems)
        assert "lavet med kladder (MED KLADDER)" in text and "--med-kladder" in text
        other = wideio.import_file(fresh, g, plain)
        assert not any("MED KLADDER" in p.text_da for p in other.problems)
    finally:
        fresh.dispose()


def test_a_raw_xlsx_export_with_drafts_is_refused_on_import_and_the_command_says_what_each_file_carries(
        study, tmp_path, capsys, db_factory):
    """A reviewer imported `export raw X.xlsx --med-kladder` into a new store: the draft became a
    completed interview. The XLSX now carries the mark (its description); a CSV cannot, and the
    command says not to import it again."""
    from survey import wideio

    url, g = study["url"], study["guide"]
    with_drafts, plain, csv_drafts = tmp_path / "k.xlsx", tmp_path / "p.xlsx", tmp_path / "k.csv"
    assert main(["--db", url, "export", "raw", str(with_drafts), "--med-kladder", "--umaskeret"]) == 0
    assert "Projektmappens beskrivelse bærer mærket, og import afviser den" in capsys.readouterr().out
    assert main(["--db", url, "export", "raw", str(csv_drafts), "--med-kladder"]) == 0
    assert "En CSV-fil kan ikke bære mærket" in capsys.readouterr().out
    assert main(["--db", url, "export", "raw", str(plain), "--umaskeret"]) == 0
    capsys.readouterr()
    fresh = make_engine(db_factory.new())
    try:
        got = wideio.import_file(fresh, g, with_drafts)
        assert not got.ok and got.written == 0 and "MED KLADDER" in got.problems[0].text_da
        again = wideio.import_file(fresh, g, plain)
        assert again.ok and again.written == 61, [p.text_da for p in again.problems][:3]
    finally:
        fresh.dispose()
