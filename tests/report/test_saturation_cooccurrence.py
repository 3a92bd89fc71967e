"""Issue 15: saturation (Guest, Namey & Chen 2020) and code co-occurrence, against hand counts;
through the CLI on the coded demo study (tests/report/test_matrix.py), with the figures."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat

import pandas as pd
import pytest

from brugerblik.cli import main
from report import cooccurrence as CO
from report import saturation as SA
from report.errors import TableError
from tests.report.test_matrix import build_coded_study

D = dt.date


def _pop(rows):
    return pd.DataFrame(rows, columns=["respondent_id", "interview_date", "brugergruppe"])


# --------------------------------------------------------------------------- saturation

# nine coded interviews (held in this order; ids and dates deliberately not in the same order),
# their codes, and by hand: new codes 3 1 1 1 | 1 0 1 0 0, base (first 4) = 6 codes
SAT_CODES = {"R9": "abc", "R2": "ad", "R7": "be", "R1": "cf", "R5": "ag", "R3": "b", "R8": "h", "R4": "ab",
             "R6": "c"}
SAT_DATES = {rid: D(2024, 3, i + 1) for i, rid in enumerate(SAT_CODES)}


@pytest.fixture()
def sat():
    units = [(code, "segment", 100 * i + j, rid) for i, (rid, codes) in enumerate(SAT_CODES.items())
             for j, code in enumerate(codes)]
    units.append(("z", "quote", 999, "UDENFOR"))  # a respondent outside the population: not counted
    rows = [[rid, SAT_DATES[rid], "g"] for rid in sorted(SAT_CODES)]
    rows.append(["R0", D(2024, 1, 1), "g"])  # in the population, not coded: left out, counted
    return units, _pop(rows)


def test_saturation_hand_counted(sat):
    units, pop = sat
    t = SA.saturation(units, pop)
    assert list(t["respondent_id"]) == list(SAT_CODES)  # interview order, not id order
    assert list(t["nye_koder"]) == [3, 1, 1, 1, 1, 0, 1, 0, 0]
    assert list(t["kumulativt"]) == [3, 4, 5, 6, 7, 7, 8, 8, 8]
    assert list(t["koder"]) == [3, 2, 2, 2, 2, 1, 1, 2, 1]
    assert t.attrs["basis"] == 6 and t.attrs["ukodede"] == 1 and t.attrs["interviews"] == 9
    runs = t.attrs["forloeb"]
    assert [(r.fra, r.til, r.nye_koder) for r in runs.itertuples()] == [(5, 6, 1), (6, 7, 1), (7, 8, 1), (8, 9, 0)]
    assert [round(x, 4) for x in runs["ny_information"]] == [0.1667, 0.1667, 0.1667, 0.0]
    # the first run at or under 5 % starts at interview 8: saturation at interview 7
    assert t.attrs["maetning_ved"] == 7
    assert "Mætning nået ved interview 7" in SA.note(t) and "0,0 % af basis (6 koder" in SA.note(t)  # decimal comma


def test_saturation_settings_move_the_point(sat):
    units, pop = sat
    assert SA.saturation(units, pop, SA.Settings(taerskel=0.20)).attrs["maetning_ved"] == 4
    # base 3 (5 codes), run 3: runs 4-6 (2 new = 40 %), 5-7 (2), 6-8 (1 = 20 %), 7-9 (1)
    t = SA.saturation(units, pop, SA.Settings(basis=3, forloeb=3, taerskel=0.2))
    assert t.attrs["basis"] == 5
    assert list(t.attrs["forloeb"]["nye_koder"]) == [2, 2, 1, 1] and t.attrs["maetning_ved"] == 5
    t = SA.saturation(units, pop, SA.Settings(taerskel=0.0))  # 0 %: the run 8-9
    assert t.attrs["maetning_ved"] == 7
    t = SA.saturation(units, pop, SA.Settings(basis=8, forloeb=2))  # no whole run after the base
    assert t.attrs["maetning_ved"] is None and t.attrs["forloeb"].empty
    assert "endnu ikke et helt forløb" in SA.note(t)
    t = SA.saturation(units, pop, SA.Settings(basis=20))
    assert "For få kodede interview" in SA.note(t)
    for bad in (SA.Settings(basis=0), SA.Settings(forloeb=0), SA.Settings(taerskel=1.5)):
        with pytest.raises(TableError):
            SA.saturation(units, pop, bad)


def test_saturation_not_reached_and_undated_interviews_last(sat):
    units, pop = sat
    pop.loc[pop["respondent_id"] == "R9", "interview_date"] = None  # the first interview loses its date
    t = SA.saturation(units, pop)
    assert list(t["respondent_id"])[-1] == "R9" and list(t["respondent_id"])[0] == "R2"
    units = [u for u in units if u[3] != "R6"] + [("n1", "segment", 1, "R6"), ("n2", "segment", 2, "R4")]
    t = SA.saturation(units, _pop([[rid, SAT_DATES[rid], "g"] for rid in SAT_CODES]))
    assert t.attrs["maetning_ved"] is None and "Mætning er ikke nået" in SA.note(t)
    fig = SA.figure_saturation(t)
    assert fig.layout.meta["maetning_ved"] is None and list(fig.data[1].y) == list(t["kumulativt"])


# --------------------------------------------------------------------------- co-occurrence

CODES = [("a", "Alfa"), ("b", "Beta"), ("c", "Gamma"), ("d", "Delta")]
# R1: segment 1 {a, b}, segment 2 {a, b, c}; R2: quote 3 {a}, segment 4 {c}; R3 outside the population
CO_UNITS = [("a", "segment", 1, "R1"), ("b", "segment", 1, "R1"), ("a", "segment", 2, "R1"), ("b", "segment", 2, "R1"),
            ("c", "segment", 2, "R1"), ("a", "quote", 3, "R2"), ("c", "segment", 4, "R2"),
            ("a", "segment", 5, "R3"), ("d", "segment", 5, "R3")]
CO_POP = _pop([["R1", D(2024, 1, 1), "g"], ["R2", D(2024, 1, 2), "g"]])


def _pairs(t):
    return {(r.kode_a, r.kode_b): r.antal for r in t.itertuples()}


def test_cooccurrence_per_segment_hand_counted():
    t = CO.cooccurrence(CODES, CO_UNITS, CO_POP)
    assert _pairs(t) == {("a", "b"): 2, ("a", "c"): 1, ("b", "c"): 1}
    assert list(t["kode_a"])[:1] == ["a"] and t.iloc[0]["antal"] == 2  # most frequent first
    assert t.attrs["forekomster"] == {"a": 3, "b": 2, "c": 2} and t.attrs["enheder"] == 4
    row = t.iloc[0]
    assert (round(row["andel_af_a"], 4), row["andel_af_b"]) == (round(2 / 3, 4), 1.0)
    assert _pairs(CO.cooccurrence(CODES, CO_UNITS, CO_POP, min_count=2)) == {("a", "b"): 2}


def test_cooccurrence_per_respondent_hand_counted():
    t = CO.cooccurrence(CODES, CO_UNITS, CO_POP, level="respondent")
    assert _pairs(t) == {("a", "c"): 2, ("a", "b"): 1, ("b", "c"): 1}
    assert t.attrs["forekomster"] == {"a": 2, "b": 1, "c": 2} and t.attrs["enheder"] == 2
    with pytest.raises(TableError, match="Ukendt niveau"):
        CO.cooccurrence(CODES, CO_UNITS, CO_POP, level="ord")
    with pytest.raises(TableError, match="Mindste antal"):
        CO.cooccurrence(CODES, CO_UNITS, CO_POP, min_count=0)


def test_cooccurrence_network_is_the_table():
    t = CO.cooccurrence(CODES, CO_UNITS, CO_POP)
    fig = CO.figure_cooccurrence(t)
    assert fig.layout.meta == {"figure": "samforekomst", "kanter": 3, "knuder": 3}
    nodes = fig.data[-1]
    assert list(nodes.text) == ["Alfa", "Beta", "Gamma"] and list(nodes.customdata) == [3, 2, 2]
    again = CO.figure_cooccurrence(t)  # the seeded layout: the same picture every time
    assert list(again.data[-1].x) == list(nodes.x)


# --------------------------------------------------------------------------- the CLI on the coded demo study

@pytest.fixture(scope="module")
def url(db_factory):
    u = db_factory.new()
    e, _ = build_coded_study(u)
    e.dispose()
    return u


def test_cli_maetning_and_samforekomst(url, tmp_path, capsys):
    assert main(["--db", url, "maetning", "--basis", "1", "--forloeb", "1", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # TRE-01 (15 Feb 2006: morgen) before AMA-01 (28 Mar 2006: rytme, morgen, kontakt)
    assert [(r["respondent_id"], r["koder"], r["nye_koder"]) for r in rows] == [("TRE-01", "1", "1"),
                                                                               ("AMA-01", "3", "2")]
    fig = tmp_path / "m.html"
    assert main(["--db", url, "maetning", "--basis", "1", "--forloeb", "1", "--figur", str(fig)]) == 0
    out = capsys.readouterr()
    assert "Mætning er ikke nået" in out.out and "59 interview i populationen er endnu ikke kodet" in out.out
    assert stat.S_IMODE(os.stat(fig).st_mode) == 0o600 and b"maetning" in fig.read_bytes()
    assert main(["--db", url, "maetning", "--basis", "0"]) == 1
    assert "Basisstørrelsen" in capsys.readouterr().err
    assert main(["--db", url, "maetning", "--site-type", "boform", "--format", "csv"]) == 0
    assert [r["respondent_id"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))] == ["TRE-01"]

    assert main(["--db", url, "samforekomst", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["kode_a"], r["kode_b"], r["antal"]) for r in rows] == [("t_rytme", "t_morgen", "1")]
    assert main(["--db", url, "samforekomst", "--niveau", "respondent", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(r["kode_a"], r["kode_b"]): r["antal"] for r in rows} == {
        ("t_rytme", "t_morgen"): "1", ("t_rytme", "t_kontakt"): "1", ("t_morgen", "t_kontakt"): "1"}
    png = tmp_path / "net.png"
    assert main(["--db", url, "samforekomst", "--mindst", "2", "--figur", str(png)]) == 0
    out = capsys.readouterr()
    assert "Ingen to koder forekommer sammen" in out.out and png.read_bytes()[:4] == b"\x89PNG"
    assert main(["--db", url, "samforekomst", "--figur", str(tmp_path / "x.gif")]) == 1
    assert "Ukendt filtype" in capsys.readouterr().err


# --------------------------------------------------------------------------- word frequency

def test_word_frequency_hand_counted():
    from report import wordfreq as WF
    from survey.guide import load_guide

    g = load_guide()
    texts = [("R1", "Jeg elsker hverdagen og hverdage med rytme"), ("R2", "Hverdagen er HÅRD, 3 gange. Rytmen!"),
             ("UDENFOR", "hverdagen hverdagen hverdagen")]  # outside the population: not counted
    pop = pd.DataFrame({"respondent_id": ["R1", "R2"], "site_type": ["vaerested", "boform"]})
    t = WF.word_frequency(texts, pop, g, top=3)
    # lemmas, no stop words (jeg, og, med, er), no numbers: hverdag 2 + 1, rytme 1 + 1, then by name
    assert [(r.lemma, r.antal, r.respondenter) for r in t.itertuples()] == [
        ("hverdag", 3, 2), ("rytme", 2, 2), ("elske", 1, 1)]
    t = WF.word_frequency(texts, pop, g, by="site_type", top=2)
    got = {v: [(r.lemma, r.antal) for r in t[t["gruppe"] == v].itertuples()] for v in t.attrs["grupper"]}
    assert got == {"boform": [("gang", 1), ("hverdag", 1)], "vaerested": [("hverdag", 2), ("elske", 1)],
                   "i_alt": [("hverdag", 3), ("rytme", 2)]}
    with pytest.raises(TableError, match="Antal ord"):
        WF.word_frequency(texts, pop, g, top=0)
    fig = WF.figure_word_frequency(WF.word_frequency(texts, pop, g, top=3))
    assert fig.layout.meta["ord"] == ["hverdag", "rytme", "elske"]


def test_cli_ordfrekvens_masks_names_and_follows_a_code(url, tmp_path, capsys):
    from survey.db import make_engine, session_scope
    from survey.models import Quote
    from survey import store

    e = make_engine(url)
    with session_scope(e) as s:  # a quote naming a person: the name is never counted or shown
        iv = store.interview_by_respondent(s, "AMA-01")
        s.add(Quote(interview_id=iv.id, item_code="hverdag", text="Fatima Zahra Hansen ringer hver dag til Ahmed."))
    e.dispose()
    assert main(["--db", url, "ordfrekvens", "--top", "50", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    words = {r["lemma"]: int(r["antal"]) for r in rows if r["gruppe"] == "i_alt"}
    assert words["dag"] == 4 and words["ringe"] == 1
    assert not {"fatima", "zahra", "hansen", "ahmed"} & set(words)
    assert main(["--db", url, "ordfrekvens", "--kode", "t_kontakt", "--efter", "site_type", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "Ordfrekvens i «Kontakt»" in out and "| Nr. | Boform | Værested" in out.replace("  ", " ")
    png = tmp_path / "o.png"
    assert main(["--db", url, "ordfrekvens", "--figur", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["--db", url, "ordfrekvens", "--efter", "hverdag"]) == 1  # free text: no attribute
    assert "hverdag" in capsys.readouterr().err
