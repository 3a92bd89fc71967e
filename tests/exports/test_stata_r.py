"""Issue 15, statistics beside SPSS: Stata .dta (read back with pyreadstat: names, the SPSS export's
numbering and labels, dates, pseudonymised interviewers, text cut at Stata's limit) and the R
script that loads the CSV with factor labels (its every quoted text a closed string literal)."""
from __future__ import annotations

import ast
import math
import re
import stat

import pyreadstat
import pytest

from brugerblik.cli import main
from exports import spss, stata
from survey import store
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.guide import load_guide

SECRET = "Jeg hedder Kim Jensen, CPR 010203-1234."
LONG = "ø" * 3000  # 6,000 bytes: more than a Stata str# holds


@pytest.fixture(scope="module")
def study(tmp_path_factory, db_factory):
    d = tmp_path_factory.mktemp("stata")
    url = db_factory.new()
    guide = load_guide()
    engine = make_engine(url)
    assert load_demo(engine, guide) == 61
    with session_scope(engine) as s:
        iv = store.interview_by_respondent(s, "AMA-01")
        assert store.set_answer(s, guide, iv.id, "hverdag", SECRET, who="test")[1] is None
        assert store.set_answer(s, guide, iv.id, "rytme_note", LONG, who="test")[1] is None
        store.interview_by_respondent(s, "AMA-02").interviewer = "Anne Hansen"
    masked, plain = d / "masked.dta", d / "plain.dta"
    assert stata.export_dta(engine, guide, masked) == 61
    assert stata.export_dta(engine, guide, plain, anonymised=False) == 61
    yield dict(url=url, engine=engine, guide=guide, dir=d, masked_path=masked,
               masked=pyreadstat.read_dta(str(masked)), plain=pyreadstat.read_dta(str(plain)),
               sav=spss.build_frame(store.load_wide(engine, guide), guide, anonymised=False))
    engine.dispose()


def _row(df, rid):
    return df.index[df["respondent_id"] == rid][0]


@pytest.mark.parametrize("raw,name", [("rytme", "rytme"), ("kønsfordeling", "koensfordeling"),
                                      ("1_svar", "v_1_svar"), ("in", "v_in"), ("str12", "v_str12"),
                                      ("a-b c", "a_b_c"), ("x" * 40, "x" * 28)])
def test_stata_names(raw, name):
    assert stata.stata_name(raw, set()) == name


def test_stata_names_are_unique_and_short():
    used: set[str] = set()
    names = [stata.stata_name("problemer_" + "y" * 30, used) for _ in range(3)]
    assert len(set(names)) == 3 and all(len(n) <= stata.MAX_STATA_NAME for n in names)
    assert names[1].endswith("_2") and names[2].endswith("_3")


def test_the_same_numbering_and_labels_as_the_spss_export(study):
    data, meta = study["plain"]
    sav = study["sav"]
    assert len(data) == 61 and list(data["respondent_id"]) == sorted(data["respondent_id"])
    # every item of the guide is there under its code (the bundled guide's codes fit Stata's names)
    for col in ("tilbudstype", "samlet_tilfredshed", "brugergruppe", "brugergruppe_eff", "problemer_psykisk"):
        assert col in data.columns, col
        assert meta.variable_value_labels[col] == {int(k): v for k, v in sav.value_labels[col].items()}
        lab = sav.column_labels[col]
        assert meta.column_names_to_labels[col] == (lab if len(lab) <= 80 else lab[:79] + "…")
        want = [None if math.isnan(v) else v for v in sav.data[col]]
        got = [None if math.isnan(v) else v for v in data[col]]
        assert got == want, col
    assert meta.variable_value_labels["tilbudstype"][1] == "Tilbud på boformen/værestedet"
    assert meta.file_label == f"{study['guide'].form_id} v{study['guide'].version}"
    assert str(data.loc[0, "interview_date"])[:4].isdigit() and meta.readstat_variable_types["interview_date"] == "double"
    assert meta.original_variable_types["interview_date"].startswith("%td")


def test_anonymised_by_default_interviewer_numbered(study):
    masked, mmeta = study["masked"]
    plain, pmeta = study["plain"]
    i = _row(masked, "AMA-01")
    assert "Kim Jensen" not in masked.loc[i, "hverdag"] and "010203-1234" not in masked.loc[i, "hverdag"]
    assert plain.loc[i, "hverdag"] == SECRET
    assert "Anne Hansen" not in study["masked_path"].read_bytes().decode("latin-1")
    assert set(mmeta.variable_value_labels["interviewer"].values()) <= {f"Interviewer {n}" for n in range(1, 20)}
    assert "Anne Hansen" in pmeta.variable_value_labels["interviewer"].values()


def test_long_text_is_cut_at_statas_limit(study):
    data, _ = study["plain"]
    cell = data.loc[_row(data, "AMA-01"), "rytme_note"]
    assert len(cell.encode()) <= stata.MAX_STATA_STR_BYTES and cell.endswith("[afkortet]")
    assert LONG.startswith(cell[:-len(stata.TRUNCATED)])


def test_files_are_owner_only_and_wrong_targets_refused(study, tmp_path, capsys):
    assert stat.S_IMODE(study["masked_path"].stat().st_mode) == 0o600
    assert main(["--db", study["url"], "export", "stata", str(tmp_path / "x.csv")]) == 1
    assert "tilladt: .dta" in capsys.readouterr().err
    assert main(["--db", study["url"], "export", "stata", str(tmp_path / "mangler" / "x.dta")]) == 1
    assert not (tmp_path / "mangler").exists()
    assert main(["--db", study["url"], "export", "r", str(tmp_path / "x.txt")]) == 1
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- R

def test_r_strings_are_closed_literals_whatever_the_text():
    for text in ['Hvad "siger" du?', 'x"); system("rm -rf /"); #', "a\\b", "linje\nto\ttab\x07", "æøå – «»"]:
        lit = stata.r_string(text)
        # R's escapes here (\\, \", \n, \r, \t, \xNN) are also Python's: one literal that reads back exactly
        assert ast.literal_eval(lit) == text and lit.startswith('"') and lit.endswith('"')
        assert "\n" not in lit


def test_the_r_script_loads_the_csv_with_the_guides_labels(study, tmp_path, capsys):
    g = study["guide"]
    out = tmp_path / "data.csv"
    assert main(["--db", study["url"], "export", "r", str(out)]) == 0
    assert "R-scriptet" in capsys.readouterr().out
    script = tmp_path / "data.R"
    assert stat.S_IMODE(script.stat().st_mode) == 0o600 and stat.S_IMODE(out.stat().st_mode) == 0o600
    raw = tmp_path / "raw.csv"
    assert main(["--db", study["url"], "export", "raw", str(raw)]) == 0
    assert out.read_bytes() == raw.read_bytes()  # the CSV is the raw export
    text = script.read_text(encoding="utf-8")
    assert 'read.csv("data.csv", fileEncoding = "UTF-8-BOM", colClasses = "character"' in text
    lines = text.splitlines()
    for code, item in g.items.items():
        col = f'd[["{code}"]]'
        assert f'attr({col}, "label") <- {stata.r_string(item.label)}' in lines, code
        if item.type == "select_one" and item.choices:
            line = next(ln for ln in lines if ln.startswith(f"{col} <- bb_faktor("))
            lits = [ast.literal_eval(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', line)]
            n = len(item.choice_values())
            assert lits[2:2 + n] == item.choice_values()  # after the code, twice (d[["x"]] <- bb_faktor(d[["x"]]
            assert lits[2 + n:] == [item.choice_label(v) for v in item.choice_values()]
        elif item.type in ("integer", "decimal"):
            assert f"{col} <- as.numeric({col})" in lines
        elif item.type == "date":
            assert f"{col} <- as.Date({col})" in lines
        else:
            assert f"{col} <- bb_uden_apostrof({col})" in lines
    # parentheses and quotes balance: nothing a label holds can leave its string
    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    assert body.count("(") == body.count(")") and '"' * 3 not in body


def test_no_text_of_the_guide_can_start_a_line_of_r_code():
    """Review of issue 15: the comment line only replaced \\n; R's readLines also ends a line at \\r."""
    import dataclasses

    from survey.guide import load_guide

    g = load_guide()
    evil = dataclasses.replace(g, title='Undersøgelse\rsystem("id > /tmp/pwned") #\u2028x\x85y')
    script = stata.r_script(evil, "data.csv")
    first = script.split("\n")[0]
    assert first.startswith("# Brugerblik: Undersøgelse system(")
    assert not any(ch in first for ch in "\r\u2028\x85")
    assert all(not line.lstrip().startswith("system(") for line in script.replace("\r", "\n").splitlines())


def test_the_r_script_strips_the_csv_guard_as_the_importer_does():
    """The R script's ``bb_uden_apostrof`` is `survey.files.csv_unescape` as a PCRE (checked here with
    the `regex` module, which reads \\p{…} as PCRE does; PCRE's \\x{FF1D} is its \\uFF1D); its ASCII
    fallback does the same for ASCII text."""
    regex = pytest.importorskip("regex")
    from survey import files

    pcre = re.sub(r"\\x\{([0-9A-F]{4})\}", r"\\u\1", stata.R_UNESCAPE)
    assert pcre != stata.R_UNESCAPE

    texts = ["=1", " =1", "   =1+1", "\xa0=1", "\n=1", "\u200b=1", "\ufeff=1", "\u2060=1", "\u200e=1",
             "\uff1d1+1", "\uff0b1+1", "\uff0d2", "\uff20SUM(1)", "\tfane", "\rcr", "-2", "'=1", "' =1",
             "Basen", " Basen", "a=1", "'a", "'", "", "\u200bBasen", "x\uff0d2", "''", "'\u3000-1"]
    for t in texts:
        for cell in {t, files.csv_escape(t)}:
            expected = files.csv_unescape(cell)
            assert regex.sub(pcre, "", cell) == expected, repr(cell)
            if cell.isascii():
                assert regex.sub(stata.R_UNESCAPE_ASCII, "", cell) == expected, repr(cell)


def test_a_date_no_interview_has_is_a_missing_stata_date_and_the_file_reads_back(study, tmp_path):
    """A tester: when no interview had a date, the date column was written as empty text marked %td, and
    pyreadstat (like Stata) could not read the file back."""
    guide = study["guide"]
    df = store.load_wide(study["engine"], guide).head(3).copy()
    df["interview_date"] = None
    data, labels, values, formats, label = stata.stata_frame(df, guide, anonymised=False)
    path = tmp_path / "uden_datoer.dta"
    pyreadstat.write_dta(data, str(path), file_label=label, column_labels=labels, version=15,
                         variable_value_labels=values, variable_format=formats)
    back, meta = pyreadstat.read_dta(str(path))
    assert len(back) == 3 and back["interview_date"].isna().all()
    assert meta.original_variable_types["interview_date"] == "%td"
    assert list(back["respondent_id"]) == list(df["respondent_id"])
