"""Identifiers marked in the guide drive every de-identified export (issue 12).

Another study's guide, built here with openpyxl (tests/custom_guides.py), adds a name and a date
of birth marked ``ja``, a family pseudonym, a district marked ``nej``, a new free-text question
marked ``fritekst`` and one left blank. No code names these fields; the wide CSV and XLSX, SPSS,
REFI-QDA, the report workbook and a source export made with it must pseudonymise the names and
dates of birth ("Kontaktpersonens navn 1"), mask the free text, keep the pseudonyms and the
district — and an import message never shows a refused date of birth. On SQLite and PostgreSQL
(the `db_factory` of tests/conftest.py).
"""
from __future__ import annotations

import csv
import io
import logging
import zipfile

import openpyxl
import pandas as pd
import pytest

from survey import deidentify, source_store, wideio
from survey.db import make_engine, session_scope
from survey.guide import load_guide
from tests.custom_guides import another_study, leader_guide_dir

NAME_1, NAME_2 = "Tiberon Quelvask", "Marguerite Oyelaran-Lund"
CPR = "010203-1234"
BIRTH = "1980-02-03"
HOME = f"Jeg bor hos {NAME_1} i kælderen, mit CPR er {CPR}."
OTHER = f"{NAME_2.split()[0]} kommer hver tirsdag med maden."
ROWS = [
    {"respondent_id": "AMA-01", "site": "Amadeus", "site_type": "vaerested", "interviewer": "Anne Hansen",
     "age": "44", "kontaktperson_navn": NAME_1, "foedselsdato": BIRTH, "familie_id": "FAM-7", "bydel": "Vestbyen",
     "hjemmet": HOME, "uden_markering": OTHER, "hverdag": f"{NAME_1} ringer tit."},
    {"respondent_id": "AMA-02", "site": "Amadeus", "site_type": "vaerested", "interviewer": "Bo Nielsen",
     "age": "51", "kontaktperson_navn": NAME_2, "foedselsdato": "1975-11-30", "familie_id": "FAM-8",
     "bydel": "Østbyen", "hjemmet": "En lejlighed.", "uden_markering": None, "hverdag": None},
]
SECRETS = [NAME_1, "Tiberon", "Quelvask", NAME_2, "Marguerite", "Oyelaran", CPR, BIRTH, "Anne Hansen", "Bo Nielsen"]


def _csv(rows: list[dict]) -> bytes:
    cols = list(rows[0])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    w.writerows([["" if r[c] is None else r[c] for c in cols] for r in rows])
    return buf.getvalue().encode("utf-8")


def _clean(data: bytes | str, where: str) -> None:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{where} holds {leaked}"


@pytest.fixture(scope="module")
def study(tmp_path_factory, db_factory):
    d = tmp_path_factory.mktemp("identifiers")
    guide = load_guide(another_study(d / "anden.xlsx"))
    engine = make_engine(db_factory.new())
    result = wideio.import_bytes(engine, guide, _csv(ROWS), who="test")
    assert result.ok, [str(p) for p in result.problems]
    yield {"guide": guide, "engine": engine, "dir": d}
    engine.dispose()


def _check_frame(df: pd.DataFrame) -> None:
    """What every de-identified export holds, as a frame of the guide's codes (str cells)."""
    by = df.set_index("respondent_id")
    assert list(by["kontaktperson_navn"]) == ["Kontaktpersonens navn 1", "Kontaktpersonens navn 2"]
    assert list(by["foedselsdato"]) == ["Fødselsdato 1", "Fødselsdato 2"]
    assert list(by["interviewer"]) == ["Interviewer 1", "Interviewer 2"]
    assert list(by["familie_id"]) == ["FAM-7", "FAM-8"] and list(by["bydel"]) == ["Vestbyen", "Østbyen"]
    assert list(by["site"]) == ["Amadeus", "Amadeus"] and [str(a) for a in by["age"]] == ["44", "51"]
    # the new free-text question and the unmarked one are masked; the names in the ja field are
    # masked wherever free text mentions them
    assert by.loc["AMA-01", "hjemmet"] == "Jeg bor hos [navn] i kælderen, mit CPR er [cpr]."
    assert by.loc["AMA-01", "uden_markering"] == "[navn] kommer hver tirsdag med maden."
    assert by.loc["AMA-01", "hverdag"] == "[navn] ringer tit."
    assert by.loc["AMA-02", "hjemmet"] == "En lejlighed."


def test_the_marks_decide_what_a_de_identified_frame_holds(study):
    from survey.store import load_wide

    g = study["guide"]
    wide = load_wide(study["engine"], g)
    assert {"Tiberon Quelvask", "Tiberon", "Quelvask", "Anne Hansen", "Anne", "Hansen"} <= set(
        deidentify.identifier_names([(wide, g)]))
    _check_frame(deidentify.deidentify(wide, g, study["engine"]))
    assert deidentify.pseudonym_prefix(g.item("hjemmet")) == "Hvordan bor du"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_raw_export(study, suffix):
    g, engine, d = study["guide"], study["engine"], study["dir"]
    masked, exact = d / f"masked{suffix}", d / f"exact{suffix}"
    assert wideio.export_file(engine, g, masked) == 2
    assert wideio.export_file(engine, g, exact, anonymised=False) == 2
    if suffix == ".csv":
        df = pd.read_csv(masked, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        _clean(masked.read_bytes(), "the CSV")
    else:
        df = pd.read_excel(masked, dtype=str, keep_default_na=False)
        with zipfile.ZipFile(masked) as z:
            _clean(b"".join(z.read(n) for n in z.namelist()), "the XLSX")
    assert list(df.columns) == g.codes  # the layout of the unmasked export: no column dropped
    _check_frame(df)
    back = (pd.read_csv(exact, dtype=str, encoding="utf-8-sig", keep_default_na=False) if suffix == ".csv"
            else pd.read_excel(exact, dtype=str, keep_default_na=False)).set_index("respondent_id")
    assert back.loc["AMA-01", "hjemmet"] == HOME and back.loc["AMA-01", "kontaktperson_navn"] == NAME_1
    assert str(back.loc["AMA-01", "foedselsdato"])[:10] == BIRTH


def test_spss(study):
    pyreadstat = pytest.importorskip("pyreadstat")
    from exports import spss

    g, engine, d = study["guide"], study["engine"], study["dir"]
    assert spss.export_sav(engine, g, d / "m.sav") == 2
    _clean((d / "m.sav").read_bytes(), "the .sav")
    data, meta = pyreadstat.read_sav(str(d / "m.sav"))
    for code, prefix in (("kontaktperson_navn", "Kontaktpersonens navn"), ("foedselsdato", "Fødselsdato"),
                         ("interviewer", "Interviewer")):
        assert meta.variable_value_labels[code] == {1.0: f"{prefix} 1", 2.0: f"{prefix} 2"}, code
        assert list(data[code]) == [1.0, 2.0]
    assert list(data["familie_id"]) == ["FAM-7", "FAM-8"] and list(data["bydel"]) == ["Vestbyen", "Østbyen"]
    assert data.loc[0, "hjemmet"] == "Jeg bor hos [navn] i kælderen, mit CPR er [cpr]."
    assert data.loc[0, "uden_markering"] == "[navn] kommer hver tirsdag med maden."
    assert spss.export_sav(engine, g, d / "u.sav", anonymised=False) == 2
    udata, umeta = pyreadstat.read_sav(str(d / "u.sav"))
    assert set(umeta.variable_value_labels["kontaktperson_navn"].values()) == {NAME_1, NAME_2}
    assert udata.loc[0, "hjemmet"] == HOME


def test_qdpx(study):
    from exports import qdpx

    g, engine, d = study["guide"], study["engine"], study["dir"]
    assert qdpx.export_qdpx(engine, g, d / "m.qdpx") == 2
    with zipfile.ZipFile(d / "m.qdpx") as z:
        parts = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    _clean("".join(parts.values()), "the .qdpx")
    xml = parts["project.qde"]
    for v in ("Kontaktpersonens navn 1", "Fødselsdato 2", "Interviewer 1", "FAM-7", "Vestbyen"):
        assert f">{v}<" in xml, v
    texts = "".join(v for n, v in parts.items() if n.startswith("sources/"))
    assert "Hvordan bor du? (hjemmet)\nJeg bor hos [navn] i kælderen, mit CPR er [cpr]." in texts
    assert "(uden_markering)\n[navn] kommer hver tirsdag med maden." in texts
    assert "FAM-7" not in texts and "Vestbyen" not in texts  # variables, not free text


def test_workbook(study):
    from exports.workbook import build_workbook

    g, engine, d = study["guide"], study["engine"], study["dir"]
    out = build_workbook(engine, g, d / "rapport.xlsx")
    with zipfile.ZipFile(out) as z:
        _clean(b"".join(z.read(n) for n in z.namelist()), "the workbook")
    ws = openpyxl.load_workbook(out, read_only=True)["Data"]
    rows = list(ws.iter_rows(values_only=True))
    _check_frame(pd.DataFrame([["" if v is None else str(v) for v in r] for r in rows[1:]], columns=rows[0]))


def test_import_messages_and_logs_never_show_a_value_marked_ja(study, caplog):
    caplog.set_level(logging.DEBUG)
    g, engine = study["guide"], study["engine"]
    bad = [{**ROWS[0], "respondent_id": "AMA-09", "foedselsdato": "1980-02-31", "age": "200"}]
    result = wideio.check_bytes(engine, g, _csv(bad))
    msgs = [p.format("da") for p in result.problems]
    assert "række 2, kolonne foedselsdato: værdi «…skjult» — tilladt: dato ÅÅÅÅ-MM-DD" in msgs
    assert any(m.startswith("række 2, kolonne age: værdi 200 — ") for m in msgs)  # an unmarked one is shown
    assert "1980-02-31" not in "\n".join(msgs) + caplog.text
    _clean("\n".join(msgs) + caplog.text, "the messages and logs")


def test_source_export_of_another_studys_leader_guide(tmp_path, db_factory, monkeypatch):
    from survey import sources

    monkeypatch.setattr(sources, "GUIDE_DIR", leader_guide_dir(tmp_path / "guider"))
    g = source_store.informant_guide("leder")
    assert g.identifier_codes(pseudonyms=False) == ["interviewer", "leder_navn"]
    engine = make_engine(db_factory.new())
    try:
        frame = pd.DataFrame([{"source_id": "LE-AMA", "site": "Amadeus", "site_type": "vaerested",
                               "informant_id": "LE-7", "interviewer": "Anne Hansen", "leder_navn": NAME_2,
                               "personalet": f"{NAME_2} har været her længe.",
                               "noter": "Ring til Oyelaran-Lund på 12 34 56 78."}])
        with session_scope(engine) as s:
            assert source_store.insert_sources(s, "leder", sources.check_source_frame(frame, g)) == 1
        out = tmp_path / "ledere.csv"
        assert source_store.export_sources(engine, "leder", out) == 1
        _clean(out.read_bytes(), "the source export")
        row = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False).iloc[0]
        assert (row["source_id"], row["informant_id"], row["site"]) == ("LE-AMA", "LE-7", "Amadeus")
        assert (row["leder_navn"], row["interviewer"]) == ("Lederens navn 1", "Interviewer 1")
        assert row["personalet"] == "[navn] har været her længe."  # the name in leder_navn (ja)
        assert row["noter"] == "Ring til [navn] på [telefon]."
        exact = tmp_path / "ledere_umaskeret.csv"
        source_store.export_sources(engine, "leder", exact, anonymised=False)
        assert NAME_2 in exact.read_text(encoding="utf-8-sig")
    finally:
        engine.dispose()
