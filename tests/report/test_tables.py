"""The report's tables as plain functions (report/tables.py, report/quality_map.py, report/registry.py),
checked against hand-computed numbers.

FIXTURE (10 respondents, computed by hand below) covers blanks (None, NaN, ""), `ikke_relevant`,
`uklart`, a researcher-given brugergruppe that differs from the rule (R05: psykisk_paafaldende
archetype coded `etniske`), eks_misbruger aged 39 (→ unge) and 40 (→ ældre), and two respondents
without a group (R08 no archetype, R10 eks_misbruger without age).

Effective groups: andet R07 | etniske R05 | psykisk 0 | unge R01 R02 | ældre R03 R04 R06 R09 |
uoplyst R08 R10.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from archetypes import effective_group
from report import counting as C
from report import population as P
from report import quality_map as Q
from report import registry as R
from report import tables as T
from report.errors import TableError

NAN = float("nan")

# id, site, site_type, selected_by_staff, consent_journal, gender, age, arketype, brugergruppe
PEOPLE = [
    ("R01", "Amadeus", "vaerested", "ja", "ja", "mand", "25", "unge_misbruger", None),
    ("R02", "Amadeus", "vaerested", "nej", "nej", "kvinde", "39", "eks_misbruger", None),
    ("R03", "Amadeus", "vaerested", None, None, "mand", "40", "eks_misbruger", None),
    ("R04", "Basen", "boform", "ja", "ja", "mand", "55", "den_aeldre", None),
    ("R05", "Basen", "boform", "ja", "ja", "kvinde", "52", "psykisk_paafaldende", "etniske"),
    ("R06", "Basen", "boform", "nej", "ja", "mand", "", "gamle_junkie", ""),
    ("R07", "Tre Ege", "boform", "ja", None, None, "30", "dovne", None),
    ("R08", "Tre Ege", "boform", "nej", "nej", "mand", "29", None, None),
    ("R09", "Tre Ege", "boform", "ja", "ja", "kvinde", "50", "eks_misbruger", None),
    ("R10", "Amadeus", "vaerested", "nej", "ja", "mand", NAN, "eks_misbruger", None),
]
# per respondent R01..R10
ANSWERS = {
    "tilbudstype": ["boform_vaerested", "udenfor", "intet_tilbud", "boform_vaerested", "andet", None,
                    "boform_vaerested", "ordinaert_arbejde", "intet_tilbud", "boform_vaerested"],
    "rytme": ["ja", "ja", "nej", "ikke_relevant", "uklart", "ja", "nej", "ja", None, "nej"],
    "rytme_vigtigt": ["ja", "nej", "ja", "ja", None, None, "uklart", "ja", None, "nej"],
    "arbejdsmarked": ["nej", "nej", "ja", "nej", "nej", "ikke_relevant", "ja", "uklart", "nej", ""],
    "arbejdsmarked_vigtigt": ["ja", "ja", "ja", "nej", None, None, "nej", "ja", "ja", None],
    "sjovt": ["ja", "ja"] + [None] * 8,
    "sjovt_vigtigt": ["ja"] + [None] * 9,
    "familie": [None, None, None, "ja", "ja", "nej", None, None, None, None],
    "familie_vigtigt": [None, None, None, "ja", "ja", "ja", None, None, None, None],
    "rigtige_mennesker": ["ja", "nej", "ved_ikke", "ja", None, "ja", None, "nej", "ja", None],
    "samarbejde": ["positivt"] + [None] * 9,
    "inddraget": ["ja", "ja", "ja", "nej", "nej", "uklart", "ja", None, "nej", "ja"],
    "samlet_tilfredshed": ["tilfreds", "tilfreds", "utilfreds", "utilfreds", "tilfreds", "ikke_vurderet", None,
                           "tilfreds", "utilfreds", "tilfreds"],
}


def make_wide(guide, rows: list[dict]) -> pd.DataFrame:
    """A wide frame like `load_wide`'s: every guide code a column, object dtype, blanks None."""
    return pd.DataFrame(rows, columns=guide.codes, dtype=object)


@pytest.fixture
def df(guide) -> pd.DataFrame:
    rows = []
    for i, (rid, site, stype, sel, consent, gender, age, arke, grp) in enumerate(PEOPLE):
        r = dict(respondent_id=rid, site=site, site_type=stype, selected_by_staff=sel, consent_journal=consent,
                 gender=gender, age=age, arketype=arke, brugergruppe=grp)
        r.update({code: vals[i] for code, vals in ANSWERS.items()})
        rows.append(r)
    return make_wide(guide, rows)


def csv_lines(text: str) -> list[str]:
    assert text.endswith("\n") and "\r" not in text
    return text.splitlines()


# --------------------------------------------------------------------------- population and group

def test_effective_group_matches_the_rule_function_row_by_row(df):
    got = P.effective_groups(df).tolist()
    assert got == ["unge_misbrugere", "unge_misbrugere", "aeldre_misbrugere", "aeldre_misbrugere", "etniske",
                   "aeldre_misbrugere", "andet", None, "aeldre_misbrugere", None]
    expected = [effective_group(b or None, a, None if isinstance(x, float) else x)
                for b, a, x in zip(df["brugergruppe"], df["arketype"], df["age"])]
    assert got == expected


def test_population_adds_effective_group_and_filters_on_it(df):
    before = df.copy()
    pop = P.population(df)
    assert len(pop) == 10 and pop["brugergruppe"].tolist()[4] == "etniske"
    assert pop["brugergruppe"].tolist()[:3] == ["unge_misbrugere", "unge_misbrugere", "aeldre_misbrugere"]
    assert P.population(df, group="unge_misbrugere")["respondent_id"].tolist() == ["R01", "R02"]
    # the rule would make R05 psykisk påfaldende; the researcher's coding wins
    assert P.population(df, group="psykisk_paafaldende").empty
    assert P.population(df, group="etniske")["respondent_id"].tolist() == ["R05"]
    assert P.population(df, site_type="boform")["respondent_id"].tolist() == ["R04", "R05", "R06", "R07", "R08",
                                                                              "R09"]
    assert P.population(df, group="aeldre_misbrugere", site_type="vaerested")["respondent_id"].tolist() == ["R03"]
    pd.testing.assert_frame_equal(df, before)  # input untouched


def test_population_refuses_unknown_codes(df):
    with pytest.raises(TableError, match="Ukendt brugergruppe 'unge'.*tilladt: andet, etniske, psykisk_paafaldende, "
                                         "unge_misbrugere, aeldre_misbrugere"):
        P.population(df, group="unge")
    with pytest.raises(TableError, match="stedtype 'herberg'.*boform, vaerested"):
        P.population(df, site_type="herberg")


# --------------------------------------------------------------------------- chapter 3

def test_tabel_3_1(df, guide):
    t = T.tabel_3_1(df)
    assert list(t.columns) == ["alder", "antal"]
    assert list(zip(t["alder"], t["antal"])) == [("-29", 2), ("30-39", 2), ("40-49", 1), ("50-", 3),
                                                 ("uoplyst", 2), ("i_alt", 10)]
    assert csv_lines(R.render("3.1", df, guide, fmt="csv")) == [
        "alder,antal", "-29,2", "30-39,2", "40-49,1", "50-,3", "uoplyst,2", "i_alt,10"]


def test_tabel_3_1_omits_uoplyst_when_zero(df, guide):
    known = df[df["age"].isin(["25", "39", "40", "29"])]
    assert csv_lines(R.render("3.1", known, guide)) == ["alder,antal", "-29,2", "30-39,1", "40-49,1", "50-,0",
                                                        "i_alt,4"]


def test_tabel_3_2(df, guide):
    t = T.tabel_3_2(df)
    assert list(t.columns) == ["brugergruppe", "kvinde", "mand", "i_alt"]
    assert csv_lines(R.render("3.2", df, guide, fmt="csv")) == [
        "brugergruppe,kvinde,mand,i_alt",
        "andet,0,0,1",              # R07 has no gender: counted in i_alt only
        "etniske,1,0,1",            # R05 by the researcher's coding
        "psykisk_paafaldende,0,0,0",
        "unge_misbrugere,1,1,2",    # R01, R02 (eks_misbruger aged 39)
        "aeldre_misbrugere,1,3,4",  # R03 (eks_misbruger aged 40), R04, R06, R09
        "uoplyst,0,2,2",            # R08 no archetype, R10 eks_misbruger without age
        "i_alt,3,6,10",
    ]


def test_tabel_3_2_for_one_group_keeps_that_row_and_the_total(df, guide):
    assert csv_lines(R.render("3.2", df, guide, group="aeldre_misbrugere")) == [
        "brugergruppe,kvinde,mand,i_alt", "aeldre_misbrugere,1,3,4", "i_alt,1,3,4"]


def test_oversigt(df, guide):
    t = T.oversigt(df)
    assert csv_lines(R.render("oversigt", df, guide)) == [
        "site_type,site,interviewet,udvalgt_af_personalet,samtykke_givet,samtykke_ikke_givet,"
        "andel_udvalgt_af_personalet,andel_samtykke_givet,andel_samtykke_ikke_givet",
        "boform,Basen,3,2,3,0,0.667,1.000,0.000",
        "boform,Tre Ege,3,2,1,1,0.667,0.333,0.333",
        "boform,i_alt,6,4,4,1,0.667,0.667,0.167",
        "vaerested,Amadeus,4,1,2,1,0.250,0.500,0.250",
        "vaerested,i_alt,4,1,2,1,0.250,0.500,0.250",
        "i_alt,i_alt,10,5,6,2,0.500,0.600,0.200",
    ]
    assert t["interviewet"].dtype == np.int64
    assert csv_lines(R.render("oversigt", df, guide, site_type="vaerested"))[1:] == [
        "vaerested,Amadeus,4,1,2,1,0.250,0.500,0.250", "vaerested,i_alt,4,1,2,1,0.250,0.500,0.250",
        "i_alt,i_alt,4,1,2,1,0.250,0.500,0.250"]


def test_figur_3_1(df, guide):
    t = T.figur_3_1(df, guide)
    assert list(t.columns) == ["brugergruppe", "tilbudstype", "antal", "andel", "n"]
    cats = ["boform_vaerested", "udenfor", "ordinaert_arbejde", "andet", "intet_tilbud", "ikke_besvaret"]
    groups = ["andet", "etniske", "psykisk_paafaldende", "unge_misbrugere", "aeldre_misbrugere", "uoplyst", "i_alt"]
    assert len(t) == len(cats) * len(groups)
    wide = t.pivot(index="brugergruppe", columns="tilbudstype", values="antal").loc[groups, cats]
    assert wide.to_numpy().tolist() == [
        [1, 0, 0, 0, 0, 0],  # andet: R07
        [0, 0, 0, 1, 0, 0],  # etniske: R05
        [0, 0, 0, 0, 0, 0],  # psykisk: nobody
        [1, 1, 0, 0, 0, 0],  # unge: R01, R02
        [1, 0, 0, 0, 2, 1],  # ældre: R04; R03, R09; R06 blank
        [1, 0, 1, 0, 0, 0],  # uoplyst: R10; R08
        [4, 1, 1, 1, 2, 1],  # i alt
    ]
    n = t.drop_duplicates("brugergruppe").set_index("brugergruppe")["n"]
    assert n.loc[groups].tolist() == [1, 1, 0, 2, 4, 2, 10]
    lines = csv_lines(R.render("fig3.1", df, guide))
    assert lines[0] == "brugergruppe,tilbudstype,antal,andel,n"
    assert "psykisk_paafaldende,udenfor,0,,0" in lines          # n = 0: share blank
    assert "aeldre_misbrugere,intet_tilbud,2,0.500,4" in lines
    assert "i_alt,boform_vaerested,4,0.400,10" in lines
    assert lines[-1] == "i_alt,ikke_besvaret,1,0.100,10"


def test_figur_3_1_lists_blanks_only_when_there_are_any(df, guide):
    answered = df[df["tilbudstype"].notna()]
    assert "ikke_besvaret" not in set(T.figur_3_1(answered, guide)["tilbudstype"])
    assert len(T.figur_3_1(answered, guide)) == 7 * 5


# --------------------------------------------------------------------------- chapter 4

PROBE_ORDER_41 = ["rytme", "arbejdsmarked", "sjovt", "familie",  # 4, then three ties at 2 in guide order
                  "mod", "bolig", "kontakt", "sundhed", "skrive_laese", "faglige_evner", "virksomheder",
                  "jobsoegning"]


def test_tabel_4_1(df, guide):
    t = T.tabel_4_1(df, guide)
    assert list(t.columns) == ["kode", "spoergsmaal", "ja", "nej"]
    assert t["kode"].tolist() == PROBE_ORDER_41
    assert t[["ja", "nej"]].to_numpy().tolist()[:5] == [[4, 3], [2, 5], [2, 0], [2, 1], [0, 0]]
    lines = csv_lines(R.render("4.1", df, guide, fmt="csv"))
    assert lines[:3] == ["kode,spoergsmaal,ja,nej",
                         "rytme,Har tilbuddet givet dig en rytme i hverdagen?,4,3",
                         "arbejdsmarked,Har tilbuddet bragt dig tættere på arbejdsmarkedet?,2,5"]
    assert lines[-1] == "jobsoegning,Har tilbuddet lært dig at søge job?,0,0"
    assert ('kontakt,"Har tilbuddet givet dig tættere kontakter til andre mennesker, eller har du fået nogle '
            'venner gennem tilbuddet?",0,0') in lines


def test_tabel_4_2(df, guide):
    t = T.tabel_4_2(df, guide)
    assert list(t.columns) == ["kode", "spoergsmaal", "ja", "ja_vigtigt", "nej", "nej_vigtigt"]
    assert t["kode"].tolist() == PROBE_ORDER_41
    assert t[["ja", "ja_vigtigt", "nej", "nej_vigtigt"]].to_numpy().tolist()[:4] == [
        [4, 2, 3, 1],   # rytme: ja R01 R02 R06 R08 (vigtigt R01 R08); nej R03 R07 R10 (vigtigt R03)
        [2, 1, 5, 3],   # arbejdsmarked: ja R03 R07 (R03); nej R01 R02 R04 R05 R09 (R01 R02 R09)
        [2, 1, 0, 0],   # sjovt
        [2, 2, 1, 1],   # familie
    ]
    lines = csv_lines(R.render("4.2", df, guide))
    assert lines[:2] == ["kode,spoergsmaal,ja,ja_vigtigt,nej,nej_vigtigt",
                         "rytme,Har tilbuddet givet dig en rytme i hverdagen?,4,2,3,1"]


def test_figur_4(df, guide):
    t = T.figur_4(df, guide, "rytme")
    assert list(t.columns) == ["kode", "brugergruppe", "n", "ja", "nej", "andel_ja", "andel_ja_lav", "andel_ja_hoej"]
    assert t[["brugergruppe", "n", "ja", "nej"]].to_numpy().tolist() == [
        ["andet", 1, 0, 1], ["etniske", 0, 0, 0], ["psykisk_paafaldende", 0, 0, 0], ["unge_misbrugere", 2, 2, 0],
        ["aeldre_misbrugere", 2, 1, 1], ["uoplyst", 2, 1, 1], ["i_alt", 7, 4, 3]]
    lo, hi = C.wilson(4, 7)
    assert t.iloc[-1]["andel_ja"] == pytest.approx(4 / 7)
    assert (t.iloc[-1]["andel_ja_lav"], t.iloc[-1]["andel_ja_hoej"]) == pytest.approx((lo, hi))
    assert math.isnan(t.iloc[1]["andel_ja"]) and math.isnan(t.iloc[1]["andel_ja_lav"])
    lines = csv_lines(R.render("fig4", df, guide, probe="rytme"))
    assert lines[0] == "kode,brugergruppe,n,ja,nej,andel_ja,andel_ja_lav,andel_ja_hoej"
    assert lines[2] == "rytme,etniske,0,0,0,,,"
    assert lines[4] == "rytme,unge_misbrugere,2,2,0,1.000,0.342,1.000"
    assert lines[-1] == "rytme,i_alt,7,4,3,0.571,0.250,0.842"
    assert csv_lines(R.render("fig4", df, guide, probe="rytme", group="unge_misbrugere"))[1:] == [
        "rytme,unge_misbrugere,2,2,0,1.000,0.342,1.000", "rytme,i_alt,2,2,0,1.000,0.342,1.000"]


def test_kvalitetskort(df, guide):
    k = Q.kvalitetskort(df, guide).set_index("kode")
    assert list(k.index) == [p.code for p in guide.probes]  # guide order
    assert k.loc["arbejdsmarked", ["n", "ja", "nej", "ja_vigtigt", "nej_vigtigt"]].tolist() == [7, 2, 5, 1, 3]
    assert k.loc["arbejdsmarked", "udbytte"] == pytest.approx(2 / 7)
    assert k.loc["arbejdsmarked", "vigtighed"] == pytest.approx(4 / 7)
    assert k.loc["arbejdsmarked", "gap"] == pytest.approx(2 / 7)
    assert k.loc["rytme", "gap"] == pytest.approx(-1 / 7)
    assert k.loc[["arbejdsmarked", "rytme", "sjovt", "mod", "familie"], "suppressed"].tolist() == [
        False, False, True, True, True]
    assert k.loc["mod", "n"] == 0 and k.loc[["mod"], ["udbytte", "vigtighed", "gap", "udbytte_lav"]].isna().all(axis=None)
    lo, hi = C.wilson(2, 7)
    assert (k.loc["arbejdsmarked", "udbytte_lav"], k.loc["arbejdsmarked", "udbytte_hoej"]) == pytest.approx((lo, hi))
    assert Q.kvalitetskort(df, guide, min_n=2).set_index("kode").loc["sjovt", "suppressed"] == np.False_
    lines = csv_lines(R.render("kvalitetskort", df, guide, fmt="csv"))
    assert lines[:5] == ["kode,spoergsmaal,n,udbytte,vigtighed,gap",
                         "arbejdsmarked,Har tilbuddet bragt dig tættere på arbejdsmarkedet?,7,0.286,0.571,0.286",
                         "rytme,Har tilbuddet givet dig en rytme i hverdagen?,7,0.571,0.429,-0.143",
                         "sjovt,Har tilbuddet været sjovt og udfordrende?,2,1.000,0.500,-0.500",
                         "mod,Har tilbuddet givet dig mod på tilværelsen?,0,,,"]
    assert "familie,Har tilbuddet været med til at give dig en bedre kontakt til din familie?,3,0.667,1.000,0.333" \
        in lines


def test_kvalitetskort_for_one_group(df, guide):
    # ældre: R03 R04 R06 R09
    k = Q.kvalitetskort(df, guide, group="aeldre_misbrugere").set_index("kode")
    assert k.loc["rytme", ["n", "ja", "ja_vigtigt", "nej_vigtigt"]].tolist() == [2, 1, 0, 1]
    lines = csv_lines(R.render("kvalitetskort", df, guide, group="aeldre_misbrugere"))
    assert lines[1] == "arbejdsmarked,Har tilbuddet bragt dig tættere på arbejdsmarkedet?,3,0.333,0.667,0.333"
    assert lines[2] == "rytme,Har tilbuddet givet dig en rytme i hverdagen?,2,0.500,0.500,0.000"
    with pytest.raises(TableError, match="brugergruppe"):
        Q.kvalitetskort(df, guide, group="ingen")


# --------------------------------------------------------------------------- chapter 7

def test_figur_7_1_shows_blanks_as_their_own_category(df, guide):
    t = T.figur_7(df, 1, guide)
    assert list(t.columns) == ["kode", "brugergruppe", "svar", "antal", "andel", "n"]
    wide = t.pivot(index="brugergruppe", columns="svar", values="antal")
    groups = ["andet", "etniske", "psykisk_paafaldende", "unge_misbrugere", "aeldre_misbrugere", "uoplyst", "i_alt"]
    assert wide.loc[groups, ["ja", "nej", "ved_ikke", "ikke_besvaret"]].to_numpy().tolist() == [
        [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0], [1, 1, 0, 0], [3, 0, 1, 0], [0, 1, 0, 1], [4, 2, 1, 3]]
    lines = csv_lines(R.render("fig7.1", df, guide))
    assert lines[0] == "kode,brugergruppe,svar,antal,andel,n"
    assert lines[1] == "rigtige_mennesker,andet,ja,0,0.000,1"
    assert lines[-4:] == ["rigtige_mennesker,i_alt,ja,4,0.400,10", "rigtige_mennesker,i_alt,nej,2,0.200,10",
                          "rigtige_mennesker,i_alt,ved_ikke,1,0.100,10",
                          "rigtige_mennesker,i_alt,ikke_besvaret,3,0.300,10"]


def test_figur_7_always_lists_ikke_besvaret(df, guide):
    answered = df[df["rigtige_mennesker"].notna()]
    t = T.figur_7(answered, 1, guide)
    tot = t[t["brugergruppe"] == "i_alt"].set_index("svar")["antal"]
    assert tot.to_dict() == {"ja": 4, "nej": 2, "ved_ikke": 1, "ikke_besvaret": 0}


def test_figur_7_2_to_7_4(df, guide):
    t = R.RESPONDENT_TABLES["fig7.2"](df, guide=guide)
    tot = t[t["brugergruppe"] == "i_alt"].set_index("svar")["antal"]
    assert tot.to_dict() == {"positivt": 1, "neutralt": 0, "negativt": 0, "ingen_vurdering": 0, "ikke_besvaret": 9}
    t3 = T.figur_7(df, 3, guide)
    assert t3["kode"].iloc[0] == "kunne_vaere_bedre"
    tot3 = t3[t3["brugergruppe"] == "i_alt"].set_index("svar")["antal"]
    assert tot3.to_dict() == {"ja": 0, "nej": 0, "ikke_besvaret": 10}
    assert set(T.figur_7(df, 4, guide)["svar"]) == {"ja", "nej", "delvist", "ikke_besvaret"}
    with pytest.raises(TableError):
        T.figur_7(df, 5, guide)


def test_inddragelse_tilfredshed(df, guide):
    t = T.inddragelse_tilfredshed(df, guide)
    assert csv_lines(R.render("7.2", df, guide)) == [
        "inddraget,tilfreds,utilfreds,ikke_vurderet,i_alt,andel_tilfreds",
        "ja,3,1,0,4,0.750",      # R01 R02 R10 | R03 (R07 has no satisfaction: not counted)
        "nej,1,2,0,3,0.333",     # R05 | R04 R09
        "uklart,0,0,1,1,0.000",  # R06
        "i_alt,4,3,1,8,0.500",   # R08 has no inddraget: not counted
    ]
    assert t["i_alt"].tolist() == [4, 3, 1, 8]


# --------------------------------------------------------------------------- Wilson

def test_wilson_known_values():
    # hand computation for k=50, n=59: centre (p + z²/2n)/(1 + z²/n), half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n)
    p, n, z = 50 / 59, 59, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert C.wilson(50, 59) == pytest.approx((centre - half, centre + half))
    assert C.wilson(50, 59) == pytest.approx((0.7348, 0.9176), abs=1e-4)
    assert C.wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert C.wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert C.wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    lo, hi = C.wilson(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


def test_wilson_agrees_with_scipy_and_is_vectorised():
    stats = pytest.importorskip("scipy.stats")
    ks, ns = np.array([0, 1, 3, 25, 29, 50, 7]), np.array([5, 5, 14, 57, 57, 59, 45])
    lo, hi = C.wilson(ks, ns, z=stats.norm.ppf(0.975))
    for k, n, a, b in zip(ks, ns, lo, hi):
        ci = stats.binomtest(int(k), int(n)).proportion_ci(method="wilson")
        assert (a, b) == pytest.approx((ci.low, ci.high), abs=1e-9)


# --------------------------------------------------------------------------- the published 61

PUBLISHED_42 = {  # Tabel 4.2: ja, ja_vigtigt, nej, nej_vigtigt
    "rytme": (50, 39, 9, 2), "kontakt": (40, 28, 14, 2), "sjovt": (36, 28, 20, 11), "mod": (35, 29, 16, 10),
    "arbejdsmarked": (25, 17, 32, 12), "faglige_evner": (24, 11, 26, 6), "bolig": (16, 10, 16, 6),
    "sundhed": (15, 3, 27, 8), "familie": (10, 8, 34, 22), "virksomheder": (7, 1, 38, 5),
    "skrive_laese": (6, 3, 33, 7), "jobsoegning": (3, 1, 42, 5),
}
PUBLISHED_32 = {"andet": (1, 4), "etniske": (1, 6), "psykisk_paafaldende": (2, 5), "unge_misbrugere": (5, 9),
                "aeldre_misbrugere": (0, 28)}  # kvinde, mand
PUBLISHED_31 = {"-29": 6, "30-39": 19, "40-49": 20, "50-": 16}
PUBLISHED_OVERSIGT = [  # site, type, interviewed, selected by staff, consent given, consent refused
    ("St. Dannesbo", "boform", 7, 6, 7, 0), ("KFUM Kollegium", "boform", 5, 5, 5, 0), ("Møltrup", "boform", 5, 5, 5, 0),
    ("Tre Ege", "boform", 5, 5, 5, 0), ("Basen", "boform", 5, 3, 4, 0), ("Solvang", "boform", 4, 4, 4, 0),
    ("Amadeus", "vaerested", 4, 1, 3, 1), ("Linie 14", "vaerested", 5, 4, 5, 0), ("Regnbuen", "vaerested", 5, 2, 4, 1),
    ("Livsværkstederne", "vaerested", 5, 5, 5, 0), ("Solstrålen", "vaerested", 5, 3, 5, 0),
    ("Værestedet i Otterup", "vaerested", 6, 0, 5, 1),
]
PUBLISHED_31_TILBUD = {"boform_vaerested": 32, "udenfor": 8, "ordinaert_arbejde": 2, "andet": 3, "intet_tilbud": 16}


def _column(spec: list[tuple[object, int]], n: int = 61) -> list[object]:
    out = [v for v, k in spec for _ in range(k)]
    assert len(out) <= n
    return out + [None] * (n - len(out))


@pytest.fixture
def published(guide) -> pd.DataFrame:
    """61 respondents built mechanically to reproduce the report's published counts."""
    n = 61
    cols: dict[str, list[object]] = {"respondent_id": [f"P{i:02d}" for i in range(1, n + 1)]}
    for code, (ja, ja_v, nej, nej_v) in PUBLISHED_42.items():
        rest = n - ja - nej
        cols[code] = _column([("ja", ja), ("nej", nej), ("ikke_relevant", rest // 2), ("uklart", rest - rest // 2)])
        cols[code + "_vigtigt"] = _column([("ja", ja_v), ("nej", ja - ja_v), ("ja", nej_v), ("uklart", nej - nej_v),
                                           ("ja", rest)])  # importance of ikke_relevant/uklart never counts
    cols["brugergruppe"] = _column([(g, k + m) for g, (k, m) in PUBLISHED_32.items()])
    cols["gender"] = _column([(s, k) for k, m in PUBLISHED_32.values() for s, k in (("kvinde", k), ("mand", m))])
    cols["age"] = _column([("25", 6), ("35", 19), ("45", 20), ("65", 16)])
    sites = [(site, t, i, sel, ja, nej) for site, t, i, sel, ja, nej in PUBLISHED_OVERSIGT]
    cols["site"] = _column([(s[0], s[2]) for s in sites])
    cols["site_type"] = _column([(s[1], s[2]) for s in sites])
    sel, consent = [], []
    for _, _, i, s, ja, nej in sites:
        sel += ["ja"] * s + ["nej"] * (i - s)
        consent += ["ja"] * ja + ["nej"] * nej + [None] * (i - ja - nej)
    cols["selected_by_staff"], cols["consent_journal"] = sel, consent
    cols["tilbudstype"] = _column(list(PUBLISHED_31_TILBUD.items()))
    # section 7.2: 42 involved (37 satisfied, 5 not), 11 not involved (4 satisfied, 7 not), 8 unclear/blank
    cols["inddraget"] = _column([("ja", 42), ("nej", 11), ("uklart", 5)])
    cols["samlet_tilfredshed"] = _column([("tilfreds", 37), ("utilfreds", 5), ("tilfreds", 4), ("utilfreds", 7),
                                          ("ikke_vurderet", 5)])
    rows = [{c: v[i] for c, v in cols.items()} for i in range(n)]
    return make_wide(guide, rows)


def test_published_tabel_4_1_and_4_2(published, guide):
    t41 = T.tabel_4_1(published, guide)
    assert t41["kode"].tolist() == list(PUBLISHED_42)  # the report's order is by ja
    assert t41[["ja", "nej"]].to_numpy().tolist() == [[v[0], v[2]] for v in PUBLISHED_42.values()]
    t42 = T.tabel_4_2(published, guide)
    assert [tuple(r) for r in t42[["ja", "ja_vigtigt", "nej", "nej_vigtigt"]].to_numpy().tolist()] == \
        list(PUBLISHED_42.values())
    lines = csv_lines(R.render("4.2", published, guide))
    assert lines[1] == "rytme,Har tilbuddet givet dig en rytme i hverdagen?,50,39,9,2"
    assert lines[9] == ("familie,Har tilbuddet været med til at give dig en bedre kontakt til din familie?,"
                        "10,8,34,22")


def test_published_kvalitetskort(published, guide):
    k = Q.kvalitetskort(published, guide).set_index("kode")
    assert k.loc["rytme", "n"] == 59 and k.loc["arbejdsmarked", "n"] == 57
    assert k.loc["rytme", "udbytte"] == pytest.approx(50 / 59)
    assert k.loc["rytme", "vigtighed"] == pytest.approx(41 / 59)
    assert k.loc["arbejdsmarked", "udbytte"] == pytest.approx(25 / 57)
    assert k.loc["arbejdsmarked", "vigtighed"] == pytest.approx(29 / 57)
    assert not k["suppressed"].any()
    lines = csv_lines(R.render("kvalitetskort", published, guide))
    assert "rytme,Har tilbuddet givet dig en rytme i hverdagen?,59,0.847,0.695,-0.153" in lines
    assert "arbejdsmarked,Har tilbuddet bragt dig tættere på arbejdsmarkedet?,57,0.439,0.509,0.070" in lines
    assert (k.loc["rytme", "udbytte_lav"], k.loc["rytme", "udbytte_hoej"]) == pytest.approx((0.7348, 0.9176),
                                                                                           abs=1e-4)


def test_published_chapter_3(published, guide):
    assert csv_lines(R.render("3.2", published, guide)) == [
        "brugergruppe,kvinde,mand,i_alt", "andet,1,4,5", "etniske,1,6,7", "psykisk_paafaldende,2,5,7",
        "unge_misbrugere,5,9,14", "aeldre_misbrugere,0,28,28", "i_alt,9,52,61"]
    assert csv_lines(R.render("3.1", published, guide)) == [
        "alder,antal", "-29,6", "30-39,19", "40-49,20", "50-,16", "i_alt,61"]
    ov = T.oversigt(published).set_index(["site_type", "site"])
    cols = ["interviewet", "udvalgt_af_personalet", "samtykke_givet", "samtykke_ikke_givet"]
    for site, t, *nums in PUBLISHED_OVERSIGT:
        assert ov.loc[(t, site), cols].tolist() == nums
    # the report prints 31 28 30 1 for boform; its own rows give 0 refusals (Basen: one blank)
    assert ov.loc[("boform", "i_alt"), cols].tolist() == [31, 28, 30, 0]
    assert ov.loc[("vaerested", "i_alt"), cols].tolist() == [30, 15, 27, 3]
    assert ov.loc[("i_alt", "i_alt"), cols].tolist() == [61, 43, 57, 3]
    f31 = T.figur_3_1(published, guide)
    tot = f31[f31["brugergruppe"] == "i_alt"].set_index("tilbudstype")["antal"]
    assert tot.to_dict() == PUBLISHED_31_TILBUD


def test_published_section_7_2(published, guide):
    lines = csv_lines(R.render("7.2", published, guide))
    assert lines[1:3] == ["ja,37,5,0,42,0.881", "nej,4,7,0,11,0.364"]


# --------------------------------------------------------------------------- render, errors, edge cases

def test_every_table_renders_csv_and_markdown(df, guide):
    for tid in R.RESPONDENT_TABLES:
        kw = {"probe": "rytme"} if tid == "fig4" else {}
        csv = R.render(tid, df, guide, fmt="csv", **kw)
        frame = R.RESPONDENT_TABLES[tid](df, guide=guide, **kw)
        assert csv.splitlines()[0] == ",".join(R.CSV_COLUMNS.get(tid, list(frame.columns)))
        assert len(csv.splitlines()) == len(frame) + 1
        md = R.render(tid, df, guide, fmt="md", **kw)
        assert md.startswith("## ") and "| " in md and "n = 10" in md


def test_markdown_uses_danish_labels(df, guide):
    md = R.render("3.1", df, guide, fmt="md")
    assert "## Tabel 3.1 Alder" in md and "| -29 år" in md and "| Uoplyst" in md and "| I alt" in md
    md = R.render("3.2", df, guide, fmt="md", group="aeldre_misbrugere")
    assert "De ældre misbrugere" in md and "Population: brugergruppe De ældre misbrugere (n = 4)" in md
    md = R.render("fig7.1", df, guide, fmt="md")
    assert "Ikke besvaret" in md and "Ved ikke" in md and "4 (40 %)" in md
    md = R.render("kvalitetskort", df, guide, fmt="md")
    assert "0,286" in md and "2 *" in md and "Markeret med *" in md
    md = R.render("oversigt", df, guide, fmt="md")
    assert "I alt boform" in md and "Værested" in md


def test_unknown_table_group_probe_and_format_are_refused_in_danish(df, guide):
    with pytest.raises(TableError, match=r"Ukendt tabel '9\.9' — tilladt: 3\.1, 3\.2, oversigt, fig3\.1, 4\.1, 4\.2, "
                                         r"4\.4, fig4, fig7\.1, fig7\.2, fig7\.3, fig7\.4, 7\.2, tilfredshed, lyttet, enige, "
                                         r"kvalitetskort"):
        R.render("9.9", df, guide)
    with pytest.raises(TableError, match="Ukendt brugergruppe 'x' — tilladt: andet, etniske"):
        R.render("3.2", df, guide, group="x")
    with pytest.raises(TableError, match="Ukendt probe 'rytmen' — tilladt: arbejdsmarked, rytme, sjovt"):
        R.render("fig4", df, guide, probe="rytmen")
    with pytest.raises(TableError, match="kræver en probe.*tilladt: arbejdsmarked"):
        R.render("fig4", df, guide)
    with pytest.raises(TableError, match="Ukendt format 'xlsx' — tilladt: csv, md"):
        R.render("3.1", df, guide, fmt="xlsx")
    with pytest.raises(TableError, match="stedtype"):
        R.render("3.1", df, guide, site_type="herberg")


def test_empty_population_gives_zeros_and_blanks(df, guide):
    empty = df.iloc[:0]
    assert csv_lines(R.render("3.1", empty, guide)) == ["alder,antal", "-29,0", "30-39,0", "40-49,0", "50-,0",
                                                        "i_alt,0"]
    assert csv_lines(R.render("3.2", empty, guide))[-1] == "i_alt,0,0,0"
    assert csv_lines(R.render("oversigt", empty, guide))[1:] == ["i_alt,i_alt,0,0,0,0,,,"]
    assert csv_lines(R.render("kvalitetskort", empty, guide))[1] == \
        "arbejdsmarked,Har tilbuddet bragt dig tættere på arbejdsmarkedet?,0,,,"
    assert csv_lines(R.render("7.2", empty, guide))[-1] == "i_alt,0,0,0,0,"
    # a group nobody belongs to, and a frame without any columns at all
    assert csv_lines(R.render("fig4", df, guide, probe="rytme", group="psykisk_paafaldende"))[1:] == [
        "rytme,psykisk_paafaldende,0,0,0,,,", "rytme,i_alt,0,0,0,,,"]
    for tid in R.RESPONDENT_TABLES:
        kw = {"probe": "rytme"} if tid == "fig4" else {}
        for frame in (empty, pd.DataFrame()):
            for fmt in ("csv", "md"):
                assert R.render(tid, frame, guide, fmt=fmt, **kw)


@pytest.mark.parametrize("dtype", ["str", "string"])
def test_string_dtypes_and_nan_blanks_give_the_same_tables(df, guide, dtype):
    other = df.astype(dtype)
    for tid in R.RESPONDENT_TABLES:
        kw = {"probe": "rytme"} if tid == "fig4" else {}
        assert R.render(tid, other, guide, **kw) == R.render(tid, df, guide, **kw), tid


def test_pd_na_in_an_object_frame_is_blank(df, guide):
    other = df.copy()
    other.loc[other["rytme"].isna(), "rytme"] = pd.NA
    other.loc[other["brugergruppe"].isna(), "brugergruppe"] = pd.NA
    assert R.render("4.2", other, guide) == R.render("4.2", df, guide)
    assert R.render("3.2", other, guide) == R.render("3.2", df, guide)


def test_registry_functions_are_the_public_ones(df, guide):
    assert R.RESPONDENT_TABLES["3.1"] is T.tabel_3_1 and R.RESPONDENT_TABLES["4.2"] is T.tabel_4_2
    assert R.RESPONDENT_TABLES["kvalitetskort"] is Q.kvalitetskort and R.RESPONDENT_TABLES["7.2"] is T.inddragelse_tilfredshed
    pd.testing.assert_frame_equal(R.RESPONDENT_TABLES["fig7.3"](df, guide=guide), T.figur_7(df, 3, guide))


def test_cli_prints_the_table_from_the_store(engine, guide, df, capsys, tmp_path):
    from brugerblik.cli import main
    from survey import store
    from survey.db import session_scope

    clean = df.astype(object).where(df.notna() & df.ne(""), None)
    with session_scope(engine) as s:
        store.insert_wide(s, guide, clean)
    url = engine.url.render_as_string(hide_password=False)  # str() would mask a PostgreSQL password
    assert main(["--db", url, "table", "3.2", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "i_alt,3,6,10"
    assert main(["--db", url, "kvalitetskort", "--format", "csv", "--group", "aeldre_misbrugere"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "rytme,Har tilbuddet givet dig en rytme i hverdagen?,2,0.500,0.500,0.000"
    assert main(["--db", url, "table", "nope"]) == 1
    assert "Ukendt tabel 'nope'" in capsys.readouterr().err
