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

from coding import deidentify
from exports import raw
from survey import source_store, wideio
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
    assert raw.export_file(engine, g, masked) == 2
    assert raw.export_file(engine, g, exact, anonymised=False) == 2
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
        assert raw.export_sources(engine, "leder", out) == 1
        _clean(out.read_bytes(), "the source export")
        row = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False).iloc[0]
        assert (row["source_id"], row["informant_id"], row["site"]) == ("LE-AMA", "LE-7", "Amadeus")
        assert (row["leder_navn"], row["interviewer"]) == ("Lederens navn 1", "Interviewer 1")
        assert row["personalet"] == "[navn] har været her længe."  # the name in leder_navn (ja)
        assert row["noter"] == "Ring til [navn] på [telefon]."
        exact = tmp_path / "ledere_umaskeret.csv"
        raw.export_sources(engine, "leder", exact, anonymised=False)
        assert NAME_2 in exact.read_text(encoding="utf-8-sig")
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- guide check, quotes, anonymise

@pytest.mark.uses_sqlite  # an empty SQLite store named on purpose: `guide check` checks the guide against it too
def test_guide_check_lists_the_marks_of_every_guide_and_warns_about_unmarked_text(tmp_path, monkeypatch, capsys):
    from brugerblik.cli import main
    from survey import sources

    monkeypatch.setattr(sources, "GUIDE_DIR", leader_guide_dir(tmp_path / "guider"))
    path = another_study(tmp_path / "anden.xlsx")
    assert main(["--db", f"sqlite:///{tmp_path / 'tom.db'}", "--guide", str(path), "guide", "check"]) == 0
    out, err = capsys.readouterr()
    user, *others = out.split("\n\n")
    assert "  Identificerer direkte (ja; pseudonymiseres i eksporter): interviewer, kontaktperson_navn, foedselsdato" \
        in user.splitlines()
    assert "Pseudonym (beholdes): respondent_id, familie_id" in user
    fritekst = next(line for line in user.splitlines() if line.lstrip().startswith("Fritekst"))
    assert fritekst.endswith(", hjemmet, uden_markering") and "bydel" not in fritekst and "hverdag" in fritekst
    # each of the other sources' guides, with its own marks
    assert [o.splitlines()[0] for o in others] == [
        "Sagsbehandlerens guide (sagsbehandler.xlsx):", "Kontaktpersonens guide (kontaktperson.xlsx):",
        "Lederens guide (leder.xlsx):", "Journalens guide (journal.xlsx):"]
    assert "  Identificerer direkte (ja; pseudonymiseres i eksporter): interviewer, leder_navn" in others[2]
    assert "personalet" in others[2]
    # the text question left blank counts as fritekst, and the researcher is told (in Danish)
    assert err.splitlines() == [
        "Advarsel (anden.xlsx): 1 tekstspørgsmål uden markering i kolonnen brugerblik_identifikator regnes som "
        "fritekst og anonymiseres i eksporter: uden_markering. Skriv fritekst, ja, pseudonym eller nej."]


@pytest.fixture
def quoted_study(tmp_path, db_factory, monkeypatch):
    """Another study's users (ROWS) and a leader interview of its leader guide (leder_navn: NAME_2),
    and a user's quote naming the contact person and the leader — names found only in ja fields."""
    from sqlalchemy import select

    from survey import sources
    from survey.models import Interview, Quote

    monkeypatch.setattr(sources, "GUIDE_DIR", leader_guide_dir(tmp_path / "guider"))
    path = another_study(tmp_path / "anden.xlsx")
    guide = load_guide(path)
    url = db_factory.new()
    engine = make_engine(url)
    assert wideio.import_bytes(engine, guide, _csv(ROWS), who="test").ok
    frame = pd.DataFrame([{"source_id": "LE-AMA", "site": "Amadeus", "site_type": "vaerested", "informant_id": "LE-7",
                           "interviewer": "Anne Hansen", "leder_navn": NAME_2, "personalet": "Godt.", "noter": None}])
    text = f"{NAME_1.split()[1]} ringer tit, og {NAME_2.split()[1]} siger ja."  # Quelvask …, Oyelaran-Lund …
    with session_scope(engine) as s:
        source_store.insert_sources(s, "leder", sources.check_source_frame(frame, source_store.informant_guide("leder")))
        iv = s.execute(select(Interview).where(Interview.respondent_id == "AMA-01")).scalar_one()
        s.add(Quote(interview_id=iv.id, item_code="hverdag", text=text))
    try:
        yield {"guide": guide, "path": path, "url": url, "engine": engine, "text": text}
    finally:
        engine.dispose()


MASKED_QUOTE = "[navn] ringer tit, og [navn] siger ja."


def test_the_quote_banks_export_masks_the_names_in_fields_marked_ja(quoted_study):
    from coding.anonymise import Anonymiser
    from coding.quotebank import export_quotes, quote_bank

    g, engine = quoted_study["guide"], quoted_study["engine"]
    # the study's names alone (sites, interviewers, the mask list) do not know these two
    assert "Quelvask" in Anonymiser.from_store(engine).mask(quoted_study["text"])
    with session_scope(engine) as s:
        df = export_quotes(s, g)
        rows = quote_bank(s, g, anonymised=True)
    assert list(df["Citat"]) == [MASKED_QUOTE] and [r.text for r in rows] == [MASKED_QUOTE]
    _clean(df.to_csv(), "the quote export")
    # the rule of the de-identified exports, over every stored ja field (users' and leaders' guides)
    assert set(deidentify.stored_identifier_names(engine, g)) >= {NAME_1, "Quelvask", NAME_2, "Oyelaran-Lund",
                                                                  "Anne Hansen"}


def test_the_workbooks_citater_sheet_masks_the_names_in_fields_marked_ja_of_every_guide(quoted_study, tmp_path):
    """The workbook's «Citater» takes the quote bank's rule: the leader's name (leder_navn, marked ja
    in the leader guide only) is masked there too, not only the users' interviewers."""
    from exports.workbook import build_workbook

    out = build_workbook(quoted_study["engine"], quoted_study["guide"], tmp_path / "rapport.xlsx")
    rows = [[c for c in r if c is not None] for r in openpyxl.load_workbook(out, read_only=True)["Citater"]
            .iter_rows(values_only=True)]
    assert any(MASKED_QUOTE in r for r in rows)
    with zipfile.ZipFile(out) as z:
        _clean(b"".join(z.read(n) for n in z.namelist()), "the workbook")


def test_brugerblik_anonymise_masks_the_names_in_fields_marked_ja(quoted_study, monkeypatch, capsys):
    from brugerblik.cli import main
    from survey.db import dispose_url

    monkeypatch.setattr("sys.stdin", io.StringIO(quoted_study["text"] + "\n"))
    try:
        assert main(["--db", quoted_study["url"], "--guide", str(quoted_study["path"]), "anonymise", "-"]) == 0
    finally:
        dispose_url(quoted_study["url"])
    out, err = capsys.readouterr()
    assert out == MASKED_QUOTE + "\n" and err == ""


def test_logs_hold_no_value_of_a_field_marked_ja_or_fritekst(quoted_study, caplog, capsys, tmp_path):
    """Logging at DEBUG while the quotes are exported and masked, the guides checked and a source
    exported: no name from a ja field and no free text in the log."""
    from brugerblik.cli import main
    from coding.quotebank import export_quotes
    from survey.db import dispose_url

    caplog.set_level(logging.DEBUG)
    g, engine, url = quoted_study["guide"], quoted_study["engine"], quoted_study["url"]
    with session_scope(engine) as s:
        export_quotes(s, g)
        export_quotes(s, g, anonymised=False)
    raw.export_sources(engine, "leder", tmp_path / "ledere.csv")
    raw.export_file(engine, g, tmp_path / "raa.csv")
    try:
        assert main(["--db", url, "--guide", str(quoted_study["path"]), "guide", "check"]) == 0
    finally:
        dispose_url(url)
    capsys.readouterr()
    assert "citater eksporteret" in caplog.text  # the log was captured
    _clean(caplog.text, "the log")
    assert quoted_study["text"] not in caplog.text and "Oyelaran" not in caplog.text
