"""Small domain helpers the coding workbench pages need: the codebook as XLSX, formula-safe
table downloads, and the respondent list of the coding pages."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from archetypes import coding
from coding import codebook as cb
from survey.files import TabularError, frame_to_csv, frame_to_xlsx
from survey import store
from survey.db import session_scope


def _sheet(data: bytes, name: str | None = None) -> list[list]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[name] if name else wb.active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_codebook_xlsx_has_every_code_in_tree_order_with_cues_and_level(engine):
    with session_scope(engine) as s:
        cb.ensure_seeded(s)
        cb.create_code(s, "Testtema", key="test_tema", cues=["=formel", "rytmen"], description="=SUM(A1:A2)")
        cb.create_code(s, "Under", key="test_under", parent="test_tema")
        data = cb.export_xlsx(s)
        want = cb.entries(s)
    rows = _sheet(data, cb.XLSX_SHEET)
    assert rows[0] == [*cb.CSV_COLUMNS, "niveau"]
    body = rows[1:]
    assert [r[0] for r in body] == [e.key for e in want]
    by_key = {r[0]: r for r in body}
    assert by_key["test_tema"][1:5] == ["Testtema", None, "=SUM(A1:A2)", "=formel | rytmen"]
    assert by_key["test_under"][2] == "test_tema" and by_key["test_under"][6] == 1
    assert by_key["rytme_i_hverdagen"][2] == "udbytte" and by_key["udbytte"][6] == 0
    # text that looks like a formula is a string, never a formula
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for row in wb[cb.XLSX_SHEET].iter_rows() for c in row if c.value == "=SUM(A1:A2)"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_frame_to_xlsx_and_csv_keep_text_as_text():
    df = pd.DataFrame({"Citat": ["=HYPERLINK(\"x\")", "<r>rå</r>", "æøå _x0041_ tekst", None],
                       "Nr": [1, 2, 3, 4]})
    rows = _sheet(frame_to_xlsx(df, "Citater"), "Citater")
    assert rows == [["Citat", "Nr"], ["=HYPERLINK(\"x\")", 1], ["<r>rå</r>", 2], ["æøå _x0041_ tekst", 3], [None, 4]]
    text = frame_to_csv(df).decode("utf-8")
    assert text.startswith("\ufeffCitat,Nr\r\n")
    assert "'=HYPERLINK" in text and "æøå _x0041_ tekst,3" in text


def test_frame_to_xlsx_refuses_a_cell_excel_cannot_hold():
    with pytest.raises(TabularError, match="Excel-celle"):
        frame_to_xlsx(pd.DataFrame({"t": ["x" * 40_000]}))


def test_respondents_lists_every_interview_with_site_and_coded_archetype(engine, guide):
    with session_scope(engine) as s:
        ege = store.ensure_site(s, "Tre Ege", "boform")
        ama = store.ensure_site(s, "Amadeus", "vaerested")
        b = store.create_interview(s, guide, ege)
        a = store.create_interview(s, guide, ama)
        coding.set_arketype(s, guide, b.id, "den_aeldre", who="Forsker")
    with session_scope(engine) as s:
        rows = coding.respondents(s)
    assert [r.respondent_id for r in rows] == sorted([a.respondent_id, b.respondent_id])
    by = {r.respondent_id: r for r in rows}
    assert by[b.respondent_id].arketype == "den_aeldre" and by[b.respondent_id].site_type == "boform"
    assert by[a.respondent_id].arketype is None and by[a.respondent_id].site == "Amadeus"
    assert by[a.respondent_id].interview_id == a.id and by[a.respondent_id].status == "draft"


def test_a_code_can_be_deleted_when_a_model_table_pointing_at_codes_is_missing_from_the_store(engine):
    """Models registered in this process (e.g. by another module or a test) whose table this store
    does not have cannot hold uses of a code: deleting it must not fail on the missing table."""
    from sqlalchemy import Column, ForeignKey, Integer, Table
    from sqlmodel import SQLModel

    name = "test_ui_support_missing_usage"
    if name not in SQLModel.metadata.tables:
        Table(name, SQLModel.metadata, Column("id", Integer, primary_key=True),
              Column("code_id", Integer, ForeignKey("codebook_code.id")))
    try:
        with session_scope(engine) as s:
            cb.create_code(s, "Til sletning", key="til_sletning")
            assert cb.usage_elsewhere(s, "til_sletning") == {}
            cb.delete_code(s, "til_sletning")
        with session_scope(engine) as s:
            assert "til_sletning" not in [e.key for e in cb.entries(s)]
    finally:
        SQLModel.metadata.remove(SQLModel.metadata.tables[name])
