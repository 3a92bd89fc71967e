"""SPSS export: the demo study (plus a free-text answer with a name and a CPR number, and
named interviewers) written with pyreadstat and read back: names, variable and value labels,
every value against the store, masking, pseudonymised interviewers, atomic writing, CLI."""
import datetime as dt
import math

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from brugerblik.cli import main
from exports import spss
from report.population import effective_groups
from survey import store
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.guide import load_guide, multi_values

SECRET = "Jeg hedder Kim Jensen, CPR 010203-1234, og bor på Nørrebrogade 12 i Aarhus."
LONG = "æ" * 20_000  # 40,000 bytes: more than an SPSS string holds


@pytest.fixture(scope="module")
def study(tmp_path_factory, db_factory):
    """The demo study with a secret in AMA-01's free text, a long note, two named interviewers."""
    d = tmp_path_factory.mktemp("spss")
    url = db_factory.new()
    guide = load_guide()
    engine = make_engine(url)
    assert load_demo(engine, guide) == 61
    with session_scope(engine) as s:
        iv = store.interview_by_respondent(s, "AMA-01")
        assert store.set_answer(s, guide, iv.id, "hverdag", SECRET, who="test")[1] is None
        assert store.set_answer(s, guide, iv.id, "rytme_note", LONG, who="test")[1] is None
        store.interview_by_respondent(s, "AMA-02").interviewer = "Anne Hansen"
        store.interview_by_respondent(s, "AMA-03").interviewer = "Bo Nielsen"
    wide = store.load_wide(engine, guide)
    masked_path, plain_path = d / "masked.sav", d / "plain.sav"
    assert spss.export_sav(engine, guide, masked_path) == 61
    assert spss.export_sav(engine, guide, plain_path, anonymised=False) == 61
    yield dict(url=url, engine=engine, guide=guide, wide=wide, dir=d,
               masked=pyreadstat.read_sav(str(masked_path)), plain=pyreadstat.read_sav(str(plain_path)),
               masked_bytes=masked_path.read_bytes())
    engine.dispose()


def _blank(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


def _row(df, rid):
    return df.index[df["respondent_id"] == rid][0]


def test_one_case_per_respondent_in_respondent_order(study):
    data, _ = study["plain"]
    assert len(data) == 61
    assert list(data["respondent_id"]) == list(study["wide"]["respondent_id"])


def test_variable_names_follow_the_guide_with_one_dummy_per_choice(study):
    data, meta = study["plain"]
    g = study["guide"]
    expected = []
    for code, it in g.items.items():
        if it.type == "select_multiple":
            expected += [f"{code}_{v}" for v in it.choice_values()]
        else:
            expected.append(code)
        if code == "brugergruppe":
            expected.append("brugergruppe_eff")
    assert list(data.columns) == expected
    assert all(len(n.encode()) <= 64 and n[0].isalpha() for n in data.columns)


def test_variable_labels_come_from_the_guide_and_are_unique(study):
    _, meta = study["plain"]
    labels = meta.column_names_to_labels
    assert labels["gender"] == "Køn"
    assert labels["rytme"] == "Har tilbuddet givet dig en rytme i hverdagen?"
    assert labels["rytme_vigtigt"] == "Er det vigtigt for dig? (rytme_vigtigt)"
    assert labels["problemer_misbrug_alkohol"] == "Problemer, brugeren nævner (indfang): Misbrug af alkohol"
    assert labels["brugergruppe_eff"].startswith("Brugergruppe (effektiv")
    assert len(set(labels.values())) == len(labels)


def test_value_labels_number_the_choices_from_one_in_guide_order(study):
    _, meta = study["plain"]
    g = study["guide"]
    vl = meta.variable_value_labels
    assert vl["gender"] == {1: "Kvinde", 2: "Mand"}
    assert vl["rytme"] == {1: "Ja", 2: "Nej", 3: "Ikke relevant", 4: "Uklart"}
    for code, it in g.items.items():
        if it.type == "select_one" and code != "interviewer":
            assert vl[code] == {i: c.label for i, c in enumerate(it.choices, start=1)}, code
    assert vl["brugergruppe_eff"] == vl["brugergruppe"]
    assert vl["problemer_spil"] == {0: "Ikke valgt", 1: "Valgt"}
    # the numbering is written into the file's documents too
    assert "probe_svar: 1 = ja, 2 = nej, 3 = ikke_relevant, 4 = uklart" in meta.notes


def test_types_formats_and_measures(study):
    _, meta = study["plain"]
    fmt, measure = meta.original_variable_types, meta.variable_measure
    assert fmt["interview_date"] == "DATE11"
    assert fmt["age"] == "F3.0" and measure["age"] == "scale"
    assert fmt["gender"] == "F1.0" and measure["gender"] == "nominal"
    assert fmt["hverdag"].startswith("A") and fmt["respondent_id"].startswith("A")
    assert meta.readstat_variable_types["gender"] == "double"


def test_every_value_equals_the_store(study):
    data, meta = study["plain"]
    g, wide = study["guide"], study["wide"]
    for i, row in enumerate(wide.to_dict("records")):
        out = data.iloc[i]
        assert out["respondent_id"] == row["respondent_id"]
        for code, it in g.items.items():
            v = None if _blank(row[code]) else row[code]
            if code == "interviewer":
                assert meta.variable_value_labels[code][out[code]] == v
            elif it.type == "select_one":
                if v is None:
                    assert math.isnan(out[code]), (row["respondent_id"], code)
                else:
                    assert it.choices[int(out[code]) - 1].value == v, (row["respondent_id"], code)
            elif it.type == "select_multiple":
                for c in it.choice_values():
                    got = out[f"{code}_{c}"]
                    if v is None:
                        assert math.isnan(got)
                    else:
                        assert got == (1.0 if c in multi_values(v) else 0.0)
            elif it.type in ("integer", "decimal"):
                assert (math.isnan(out[code]) if v is None else out[code] == float(v)), (row["respondent_id"], code)
            elif it.type == "date":
                assert out[code] == (dt.date.fromisoformat(v) if v else None) or (v is None and pd.isna(out[code]))
            elif code == "rytme_note" and v == LONG:
                continue  # cut to SPSS's limit, see below
            else:
                assert out[code] == ("" if v is None else v), (row["respondent_id"], code)


def test_several_respondents_spot_checks(study):
    data, meta = study["plain"]
    wide = study["wide"]
    for rid in ("AMA-01", "AMA-02", wide["respondent_id"].iloc[-1]):
        r, w = data.iloc[_row(data, rid)], wide.iloc[_row(wide, rid)]
        assert r["age"] == int(w["age"])
        assert meta.variable_value_labels["gender"][r["gender"]] == {"kvinde": "Kvinde", "mand": "Mand"}[w["gender"]]
        assert r["site"] == w["site"]


def test_blank_is_system_missing(study):
    data, _ = study["plain"]
    wide = study["wide"]
    blank = wide["arbejdsrytme"].isna()
    assert blank.any()
    assert data.loc[blank.to_numpy(), "arbejdsrytme"].isna().all()
    assert data.loc[~blank.to_numpy(), "arbejdsrytme"].notna().all()


def test_effective_group_is_the_tables_group(study):
    data, meta = study["plain"]
    eff = effective_groups(study["wide"])
    labels = {v: k for k, v in meta.variable_value_labels["brugergruppe_eff"].items()}
    g = study["guide"].item("brugergruppe")
    expected = [np.nan if e is None else labels[g.choice_label(e)] for e in eff]
    np.testing.assert_array_equal(data["brugergruppe_eff"].to_numpy(), np.array(expected, dtype=float))
    # the stored brugergruppe is mostly blank in the demo (the rule decides): both are kept
    assert data["brugergruppe"].isna().sum() > 0 and data["brugergruppe_eff"].notna().all()


def test_free_text_is_masked_by_default(study):
    masked, _ = study["masked"]
    plain, _ = study["plain"]
    i = _row(masked, "AMA-01")
    assert plain.loc[i, "hverdag"] == SECRET
    assert masked.loc[i, "hverdag"] == "Jeg hedder [navn], CPR [cpr], og bor på [adresse] i [sted]."
    raw = study["masked_bytes"]
    for secret in (b"Kim Jensen", b"010203-1234", "Nørrebrogade".encode()):
        assert secret not in raw
    assert masked.loc[i, "respondent_id"] == "AMA-01" and masked.loc[i, "site"] == plain.loc[i, "site"]


def test_interviewers_are_pseudonymised_when_anonymised(study):
    masked, mmeta = study["masked"]
    plain, pmeta = study["plain"]
    labels = mmeta.variable_value_labels["interviewer"]
    assert set(labels.values()) == {"Interviewer 1", "Interviewer 2", "Interviewer 3"}
    assert b"Anne Hansen" not in study["masked_bytes"] and b"Demo (syntetisk)" not in study["masked_bytes"]
    assert set(pmeta.variable_value_labels["interviewer"].values()) == {"Demo (syntetisk)", "Anne Hansen",
                                                                        "Bo Nielsen"}
    # same numbers in both files; different people keep different numbers
    np.testing.assert_array_equal(masked["interviewer"], plain["interviewer"])
    a, b = (masked.loc[_row(masked, r), "interviewer"] for r in ("AMA-02", "AMA-03"))
    assert a != b and mmeta.column_names_to_labels["interviewer"] == "Interviewer (pseudonym)"


def test_text_longer_than_an_spss_string_is_cut_and_documented(study):
    data, meta = study["plain"]
    cell = data.loc[_row(data, "AMA-01"), "rytme_note"]
    assert len(cell.encode()) <= spss.MAX_STRING_BYTES and cell.endswith("[afkortet]")
    assert LONG.startswith(cell[:-len(spss.TRUNCATED)])
    assert any("AMA-01/rytme_note" in n for n in meta.notes)
    assert all(len(n.encode()) <= 80 for n in meta.notes)


def test_documents_say_whether_text_is_anonymised(study):
    assert any("anonymiseret" in n for n in study["masked"][1].notes)
    assert any("IKKE anonymiseret" in n for n in study["plain"][1].notes)
    assert study["plain"][1].file_label.startswith(study["guide"].form_id)


@pytest.mark.parametrize("raw, name", [
    ("age", "age"), ("by", "v_by"), ("TO", "v_TO"), ("1x", "v_1x"), ("_x", "x"), ("x-y", "x_y"),
    ("x.", "x"), ("æble_på", "aeble_paa"), ("a b", "a_b"), ("q" * 80, "q" * 64),
])
def test_spss_names(raw, name):
    assert spss.spss_name(raw) == name


def test_spss_names_are_unique_ignoring_case():
    used: set[str] = set()
    assert [spss.spss_name(n, used) for n in ("Alder", "alder", "ALDER", "q" * 70, "q" * 64)] == \
        ["Alder", "alder_2", "ALDER_3", "q" * 64, "q" * 62 + "_2"]


def test_labels_are_cut_at_a_character_boundary():
    assert spss._cut_bytes("ø" * 200, 120) == "ø" * 58 + "…"
    assert len(spss._cut_bytes("ø" * 200, 120).encode()) <= 120
    assert spss._cut_bytes("kort", 120) == "kort"


def test_other_file_types_are_refused(study, tmp_path):
    with pytest.raises(spss.SpssExportError, match=r"\.sav"):
        spss.export_sav(study["engine"], study["guide"], tmp_path / "x.csv")


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(study, tmp_path, monkeypatch):
    target = tmp_path / "gammel.sav"
    target.write_bytes(b"old")

    def boom(*a, **k):
        open(a[1], "wb").write(b"half")
        raise RuntimeError("disk fuld")

    monkeypatch.setattr(pyreadstat, "write_sav", boom)
    with pytest.raises(RuntimeError):
        spss.export_sav(study["engine"], study["guide"], target, anonymised=False)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["gammel.sav"]


def test_cli_export_spss(study, tmp_path, capsys):
    out = tmp_path / "cli.sav"
    assert main(["--db", study["url"], "export", "spss", str(out)]) == 0
    assert "61 respondenter" in capsys.readouterr().out
    data, meta = pyreadstat.read_sav(str(out))
    assert len(data) == 61 and meta.variable_value_labels["gender"] == {1: "Kvinde", 2: "Mand"}
    assert main(["--db", study["url"], "export", "spss", str(tmp_path / "u.sav"), "--umaskeret"]) == 0
    assert pyreadstat.read_sav(str(tmp_path / "u.sav"))[0].loc[0, "hverdag"] == SECRET


def test_an_empty_store_gives_an_empty_file_with_every_variable(engine, guide, tmp_path):
    assert spss.export_sav(engine, guide, tmp_path / "tom.sav") == 0
    data, meta = pyreadstat.read_sav(str(tmp_path / "tom.sav"))
    assert len(data) == 0 and "brugergruppe_eff" in data.columns
    assert meta.variable_value_labels["gender"] == {1: "Kvinde", 2: "Mand"}
