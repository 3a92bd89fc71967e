"""`brugerblik import` and `brugerblik export raw`: exit codes and the lines the user reads."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from brugerblik.cli import main
from survey import store
from survey.db import dispose_all, get_engine, session_scope
from survey.models import AuditEntry

HEADER = ["respondent_id", "site", "site_type", "gender", "age", "hvorfor_her", "loennet_arbejde", "aktiveret",
          "tilbudstype", "consent_journal", "problemer"]
GOOD = [["AMA-01", "Amadeus", "vaerested", "mand", "45", "Fællesskabet", "ja", "ja", "boform_vaerested", "ja",
         "sociale;psykisk"],
        ["TRE-01", "Tre Ege", "boform", "kvinde", "38", "=Et sted at bo", "nej", "ja", "udenfor", "nej", ""]]


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",",
         encoding: str = "utf-8") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return str(path)


@pytest.fixture
def db(db_url):
    yield db_url
    dispose_all()


def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_import_a_good_file(db, tmp_path, capsys, guide):
    path = _csv(tmp_path / "data.csv", GOOD)
    code, out, err = run(capsys, "--db", db, "import", path)
    assert (code, out, err) == (0, [f"Importerede 2 respondenter fra {path}."], [])
    wide = store.load_wide(get_engine(db), guide)
    assert list(wide["respondent_id"]) == ["AMA-01", "TRE-01"]
    assert wide.loc[1, "hvorfor_her"] == "=Et sted at bo"


def test_import_prints_every_problem_in_danish_and_writes_nothing(db, tmp_path, capsys, guide):
    rows = [GOOD[0][:4] + ["fyrre"] + GOOD[0][5:],
            GOOD[1][:3] + ["x"] + GOOD[1][4:10] + ["gaeld;hjemloes"],
            ["AMA-01"] + GOOD[1][1:]]
    code, out, err = run(capsys, "--db", db, "import", _csv(tmp_path / "bad.csv", rows))
    assert code == 1 and out == []
    assert err == [
        "række 2, kolonne age: værdi «…skjult» — tilladt: heltal 16–110",  # letters in a number: hidden
        "række 3, kolonne gender: værdi x — tilladt: kvinde, mand",
        "række 3, kolonne problemer: værdi gaeld;hjemloes — ukendt valg 'hjemloes' — tilladt: en eller flere af "
        "sociale, misbrug_alkohol, misbrug_stoffer, psykisk, ensomhed, indordne, gaeld, spil, adskilt af ;",
        "række 4, kolonne respondent_id: står også i række 2 — respondent_id skal være unik",  # ids never shown
        "4 problem(er); intet er importeret."]
    assert store.load_wide(get_engine(db), guide).empty


def test_import_problems_in_english(db, tmp_path, capsys):
    rows = [GOOD[0][:4] + ["200"] + GOOD[0][5:]]
    code, _out, err = run(capsys, "--db", db, "import", "--lang", "en",
                          _csv(tmp_path / "bad.csv", rows, delimiter=";", encoding="cp1252"))
    assert code == 1
    assert err == ["The file was read as Windows-1252 (cp1252) because it has no valid UTF-8 character at all — "
                   "check that æ, ø and å came out right; otherwise save it as CSV UTF-8 or give its encoding with "
                   "--encoding",
                   "row 2, column age: value 200 — allowed: whole number 16–110",
                   "1 problem(s); nothing was imported."]


def test_missing_columns_and_cpr_like_ids(db, tmp_path, capsys):
    path = _csv(tmp_path / "bad.csv", [["1201851234", "40"]], header=["respondent_id", "age"])
    code, _out, err = run(capsys, "--db", db, "import", "--lang", "en", path)
    assert code == 1
    warnings = [e for e in err if "the guide requires an answer" in e]  # printed first; they do not block
    assert len(warnings) == 6  # hvorfor_her, gender, loennet_arbejde, aktiveret, tilbudstype, consent_journal
    err = err[len(warnings):]
    assert err[:2] == ["row 1, column site: the column is missing — required columns: respondent_id, site, site_type",
                       "row 1, column site_type: the column is missing — required columns: respondent_id, site, "
                       "site_type"]
    assert err[2].startswith("row 2, column respondent_id: looks like a CPR number")  # the id is never shown
    assert "1234" not in "\n".join(err)
    assert err[-1] == "3 problem(s); nothing was imported."


def test_warnings_go_to_stderr_and_do_not_block(db, tmp_path, capsys):
    rows = [GOOD[0][:8] + ["intet_tilbud"] + GOOD[0][9:] + ["bruger"]]
    code, out, err = run(capsys, "--db", db, "import", _csv(tmp_path / "d.csv", rows, header=HEADER + ["hvem_bestemte"]))
    assert code == 0 and out == [f"Importerede 1 respondenter fra {tmp_path / 'd.csv'}."]
    assert err == ["række 2, kolonne hvem_bestemte: 1 svar, selvom spørgsmålet efter guiden ikke stilles her "
                   "(${tilbudstype} != 'intet_tilbud' er ikke opfyldt) — importeret alligevel"]


def test_existing_ids_need_replace_which_is_audited(db, tmp_path, capsys, guide):
    path = _csv(tmp_path / "data.csv", GOOD)
    assert run(capsys, "--db", db, "import", path)[0] == 0
    changed = _csv(tmp_path / "changed.csv", [GOOD[0][:4] + ["46"] + GOOD[0][5:]])
    code, _out, err = run(capsys, "--db", db, "import", changed)
    assert code == 1
    assert err == ["række 2, kolonne respondent_id: findes allerede i databasen — brug --replace for "
                   "at erstatte respondenten", "1 problem(er); intet er importeret."]
    assert store.load_wide(get_engine(db), guide).loc[0, "age"] == "45"
    code, out, _err = run(capsys, "--db", db, "import", "--replace", "--who", "forsker1", changed)
    assert code == 0 and out == [f"Importerede 1 respondenter fra {changed}."]
    assert store.load_wide(get_engine(db), guide).loc[0, "age"] == "46"
    with session_scope(get_engine(db)) as s:
        audit = s.execute(select(AuditEntry)).scalars().all()
        assert [(a.entity, a.who, a.note) for a in audit] == [("import", "forsker1", "AMA-01 erstattet ved import")]


def test_site_type_conflict(db, tmp_path, capsys):
    assert run(capsys, "--db", db, "import", _csv(tmp_path / "a.csv", GOOD))[0] == 0
    row = ["NY-1", "Tre Ege", "vaerested"] + GOOD[1][3:]
    code, _out, err = run(capsys, "--db", db, "import", "--lang", "en", _csv(tmp_path / "b.csv", [row]))
    assert code == 1
    assert err[0] == ("row 2, column site_type: value vaerested — the site Tre Ege is registered as boform in the "
                      "store — allowed: boform")


@pytest.mark.parametrize("content, first", [
    (b"", "række 1: filen er tom"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Filen er hverken CSV eller XLSX (den ligner et PNG-billede)"),
])
def test_empty_and_binary_files(db, tmp_path, capsys, content, first):
    p = tmp_path / "x.csv"
    p.write_bytes(content)
    code, out, err = run(capsys, "--db", db, "import", str(p))
    assert code == 1 and out == [] and err[0].startswith(first) and err[-1] == "1 problem(er); intet er importeret."


def test_missing_file(db, tmp_path, capsys):
    code, _out, err = run(capsys, "--db", db, "import", str(tmp_path / "nej.csv"))
    assert code == 1 and err == [f"Filen findes ikke: {tmp_path / 'nej.csv'}"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_then_import_into_a_new_store(tmp_path, capsys, guide, suffix, new_db_url):
    a, b = new_db_url(), new_db_url()
    try:
        assert run(capsys, "--db", a, "import", _csv(tmp_path / "d.csv", GOOD))[0] == 0
        out_file = str(tmp_path / f"raw.{suffix}")
        code, out, err = run(capsys, "--db", a, "export", "raw", out_file, "--umaskeret")
        assert (code, out, err) == (0, [f"Eksporterede 2 respondenter til {out_file} (umaskeret fritekst)."], [])
        assert run(capsys, "--db", b, "import", out_file)[0] == 0
        assert store.load_wide(get_engine(b), guide).equals(store.load_wide(get_engine(a), guide))
        if suffix == "xlsx":
            ws = openpyxl.load_workbook(out_file)["Data"]
            cell = ws.cell(row=3, column=guide.codes.index("hvorfor_her") + 1)
            assert (cell.value, cell.data_type) == ("=Et sted at bo", "s")
        else:
            text = Path(out_file).read_text(encoding="utf-8-sig")
            assert text.splitlines()[0] == ",".join(guide.codes)
            assert "'=Et sted at bo" in text
    finally:
        dispose_all()


def test_export_to_an_unknown_file_type(db, tmp_path, capsys):
    code, out, err = run(capsys, "--db", db, "export", "raw", str(tmp_path / "raw.json"))
    assert code == 1 and out == []
    assert err == [f"Ukendt filtype '.json' for {tmp_path / 'raw.json'} — tilladt: .csv eller .xlsx"]


def test_raw_export_anonymises_free_text_by_default(tmp_path, capsys, db_url):
    """Issue 4: masking is on by default in every export; --umaskeret keeps the exact text."""
    from survey import store
    from survey.db import make_engine, session_scope
    from survey.guide import load_guide
    import pandas as pd

    guide = load_guide()
    db = db_url
    engine = make_engine(db)
    row = {"respondent_id": "AMA-01", "site": "Amadeus", "site_type": "vaerested", "interviewer": "Anne Hansen",
           "hvorfor_her": "Min mentor Kim Jensen ringer på 12 34 56 78, mit CPR er 010190-1234.",
           "age": "44"}
    with session_scope(engine) as s:
        store.insert_wide(s, guide, pd.DataFrame([row], dtype=object))
    masked, exact = tmp_path / "m.csv", tmp_path / "e.csv"
    assert run(capsys, "--db", db, "export", "raw", str(masked))[0] == 0
    assert run(capsys, "--db", db, "export", "raw", str(exact), "--umaskeret")[0] == 0
    m = pd.read_csv(masked, dtype=str, encoding="utf-8-sig")
    e = pd.read_csv(exact, dtype=str, encoding="utf-8-sig")
    assert m.loc[0, "hvorfor_her"] == "Min mentor [navn] ringer på [telefon], mit CPR er [cpr]."
    assert m.loc[0, "interviewer"] == "Interviewer 1"  # marked ja in the guide: pseudonymised (issue 12)
    assert (m.loc[0, "respondent_id"], m.loc[0, "site"], m.loc[0, "age"]) == ("AMA-01", "Amadeus", "44")
    assert e.loc[0, "hvorfor_her"] == row["hvorfor_her"] and e.loc[0, "interviewer"] == "Anne Hansen"
