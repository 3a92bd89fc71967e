"""The crosstab of two coded variables (report/crosstab.py `crosstab`, `render_crosstab`, CLI
``brugerblik crosstab A B``), checked against a hand-computed fixture and the report's text.

FIXTURE (forsoergelse × arbejdsmarked, 10 respondents, by hand):

    R01 kontanthjaelp   ja            R06 foertidspension (blank)      <- left out (b blank)
    R02 kontanthjaelp   nej           R07 (blank)         ja           <- left out (a blank)
    R03 kontanthjaelp   ja            R08 pension         ""           <- left out (b blank)
    R04 foertidspension nej           R09 andet           uklart
    R05 foertidspension ikke_relevant R10 (blank)         (blank)      <- left out (both)

    rows               ja nej ikke_relevant uklart  n
    kontanthjaelp       2   1             0      0  3
    foertidspension     0   1             1      0  2
    pension             0   0             0      0  0   (listed: every value of the guide)
    andet               0   0             0      1  1
    i_alt               2   2             1      1  6   left out 4 (a blank: 2, b blank: 3)
"""
from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest

from brugerblik.cli import main
from report import crosstab as X
from report import population as P
from report import tables as T
from report.errors import TableError

NAN = float("nan")
FORS = ["kontanthjaelp", "kontanthjaelp", "kontanthjaelp", "foertidspension", "foertidspension", "foertidspension",
        None, "pension", "andet", None]
ARB = ["ja", "nej", "ja", "nej", "ikke_relevant", None, "ja", "", "uklart", NAN]

EXPECTED_CSV = """\
forsoergelse,antal_ja,antal_nej,antal_ikke_relevant,antal_uklart,n,andel_ja,andel_nej,andel_ikke_relevant,andel_uklart
kontanthjaelp,2,1,0,0,3,0.667,0.333,0.000,0.000
foertidspension,0,1,1,0,2,0.000,0.500,0.500,0.000
pension,0,0,0,0,0,,,,
andet,0,0,0,1,1,0.000,0.000,0.000,1.000
i_alt,2,2,1,1,6,0.333,0.333,0.167,0.167
"""


def make_wide(guide, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=guide.codes, dtype=object)


@pytest.fixture
def df(guide) -> pd.DataFrame:
    rows = []
    for i, (f, a) in enumerate(zip(FORS, ARB)):
        rows.append(dict(respondent_id=f"R{i + 1:02d}", site="Amadeus" if i < 5 else "Basen",
                         site_type="vaerested" if i < 5 else "boform", forsoergelse=f, arbejdsmarked=a,
                         arketype="den_aeldre" if i % 2 else "unge_misbruger"))
    return make_wide(guide, rows)


def test_hand_computed_counts_shares_and_left_out(df, guide):
    t = X.crosstab(df, guide, "forsoergelse", "arbejdsmarked")
    assert list(t.columns) == ["forsoergelse", "antal_ja", "antal_nej", "antal_ikke_relevant", "antal_uklart", "n",
                               "andel_ja", "andel_nej", "andel_ikke_relevant", "andel_uklart"]
    assert t["forsoergelse"].tolist() == ["kontanthjaelp", "foertidspension", "pension", "andet", "i_alt"]
    assert t["antal_ja"].tolist() == [2, 0, 0, 0, 2]
    assert t["antal_nej"].tolist() == [1, 1, 0, 0, 2]
    assert t["antal_ikke_relevant"].tolist() == [0, 1, 0, 0, 1]
    assert t["antal_uklart"].tolist() == [0, 0, 0, 1, 1]
    assert t["n"].tolist() == [3, 2, 0, 1, 6]
    assert t["andel_ja"].iloc[0] == pytest.approx(2 / 3)
    assert t["andel_nej"].iloc[1] == pytest.approx(0.5)
    assert math.isnan(t["andel_ja"].iloc[2])  # n = 0: no share, no error
    assert t["andel_uklart"].iloc[4] == pytest.approx(1 / 6)
    assert t.attrs["respondenter"] == 10
    assert t.attrs["udeladt"] == 4
    assert t.attrs["udeladt_a"] == 2
    assert t.attrs["udeladt_b"] == 3
    # rows add up; the total row is the column sum
    assert (t.iloc[:-1, 1:6].sum() == t.iloc[-1, 1:6]).all()


def test_csv_form(df, guide):
    assert X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", fmt="csv") == EXPECTED_CSV


def test_markdown_has_labels_percentages_n_and_left_out_note(df, guide):
    md = X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", fmt="md")
    assert md.startswith("## Krydstabel: Forsørgelsesgrundlag × "
                         "Har tilbuddet bragt dig tættere på arbejdsmarkedet?")
    assert "Population: alle respondenter (n = 10)." in md
    assert "| Kontanthjælp" in md and "| Førtidspension" in md and "Ikke relevant" in md
    assert "2 (67 %)" in md and "| I alt" in md
    assert "Ikke talt med: 4 af 10 respondenter" in md
    assert "forsoergelse: 2 tomme" in md and "arbejdsmarked: 3 tomme" in md


def test_filters_change_n(df, guide):
    boform = X.crosstab(P.population(df, site_type="boform"), guide, "forsoergelse", "arbejdsmarked")
    assert int(boform["n"].iloc[-1]) == 1  # R06..R10: only R09 has both
    csv_text = X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", fmt="csv", site_type="boform")
    assert csv_text.splitlines()[-1].startswith("i_alt,0,0,0,1,1,")
    # group: R01 R03 R05 R07 R09 are unge (unge_misbruger), the others ældre (den_aeldre)
    unge = X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", fmt="csv", group="unge_misbrugere")
    assert unge.splitlines()[-1].startswith("i_alt,2,0,1,1,4,")
    md = X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", group="unge_misbrugere")
    assert "brugergruppe De unge misbrugere (n = 5)" in md


def test_banded_age_and_effective_group(guide):
    rows = [dict(respondent_id="A", age="25", gender="mand", arketype="den_aeldre"),            # -29, ældre
            dict(respondent_id="B", age="30", gender="kvinde", arketype="eks_misbruger"),       # 30-39, unge
            dict(respondent_id="C", age="39", gender="mand", arketype="eks_misbruger"),         # 30-39, unge
            dict(respondent_id="D", age="40", gender="mand", arketype="eks_misbruger"),         # 40-49, ældre
            dict(respondent_id="E", age="50", gender="kvinde", brugergruppe="etniske"),         # 50-, etniske
            dict(respondent_id="F", age=None, gender="mand", arketype="dovne"),                 # no age, andet
            dict(respondent_id="G", age="77", gender="mand")]                                   # no group
    df = make_wide(guide, rows)
    t = X.crosstab(df, guide, "age", "gender")
    assert t["age"].tolist() == ["-29", "30-39", "40-49", "50-", "i_alt"]
    assert t["antal_kvinde"].tolist() == [0, 1, 0, 1, 2]
    assert t["antal_mand"].tolist() == [1, 1, 1, 1, 4]
    assert t.attrs["udeladt"] == 1 and t.attrs["udeladt_a"] == 1
    g = X.crosstab(df, guide, "brugergruppe", "age")
    assert g["brugergruppe"].tolist() == ["andet", "etniske", "psykisk_paafaldende", "unge_misbrugere",
                                          "aeldre_misbrugere", "i_alt"]
    assert g["n"].tolist() == [0, 1, 0, 2, 2, 5]  # F: no age; G: no group
    assert g.attrs["udeladt_a"] == 1 and g.attrs["udeladt_b"] == 1 and g.attrs["udeladt"] == 2
    assert g.loc[3, "antal_30-39"] == 2 and g.loc[4, "antal_-29"] == 1 and g.loc[4, "antal_40-49"] == 1
    md = X.render_crosstab(df, guide, "age", "brugergruppe")
    assert "| 30-39 år" in md and "De unge misbrugere" in md


def test_value_outside_guide_is_its_own_level_and_codes_never_clash(guide):
    df = make_wide(guide, [dict(respondent_id="A", arbejdsmarked="ja", fremtid_fokus="arbejdsmarked"),
                           dict(respondent_id="B", arbejdsmarked="gammel_kode", fremtid_fokus="hverdag")])
    t = X.crosstab(df, guide, "arbejdsmarked", "fremtid_fokus")
    assert t["arbejdsmarked"].tolist() == ["ja", "nej", "ikke_relevant", "uklart", "gammel_kode", "i_alt"]
    assert "arbejdsmarked" in t.columns and "antal_arbejdsmarked" in t.columns
    assert t.columns.is_unique
    assert t.loc[4, "antal_hverdag"] == 1 and t.loc[0, "antal_arbejdsmarked"] == 1


def test_agrees_with_inddragelse_tilfredshed(df, guide):
    rows = [dict(respondent_id=f"X{i}", inddraget=a, samlet_tilfredshed=b) for i, (a, b) in enumerate(
        [("ja", "tilfreds"), ("ja", "tilfreds"), ("ja", "utilfreds"), ("nej", "tilfreds"), ("uklart", None),
         (None, "tilfreds"), ("nej", "ikke_vurderet")])]
    d = make_wide(guide, rows)
    x = X.crosstab(d, guide, "inddraget", "samlet_tilfredshed")
    t = T.inddragelse_tilfredshed(d, guide)
    for v in ("tilfreds", "utilfreds", "ikke_vurderet"):
        assert x[f"antal_{v}"].tolist() == t[v].tolist()
    assert x["n"].tolist() == t["i_alt"].tolist()
    assert x["andel_tilfreds"].fillna(-1).tolist() == t["andel_tilfreds"].fillna(-1).tolist()


@pytest.mark.parametrize("a,b,needle", [
    ("nisser", "arbejdsmarked", "Ukendt variabel 'nisser'"),
    ("hverdag", "forsoergelse", "fritekst"),
    ("skoleaar", "forsoergelse", "uden intervaller"),
    ("forsoergelse", "forsoergelse", "to forskellige"),
])
def test_refused_variables_name_the_code_and_list_allowed(df, guide, a, b, needle):
    with pytest.raises(TableError) as e:
        X.crosstab(df, guide, a, b)
    msg = str(e.value)
    assert needle in msg
    if "forskellige" not in needle:
        assert "tilladt:" in msg and "forsoergelse" in msg and "arbejdsmarked" in msg and "age" in msg
        offered = [c.strip(" .") for c in msg.split("tilladt:")[1].split(",")]
        assert "problemer" in offered and "hverdag" not in offered  # multiple choice offered (issue 14), text not
        assert offered == X.crosstab_variables(guide)


def test_render_refuses_bad_format_group_and_site_type(df, guide):
    with pytest.raises(TableError, match="format"):
        X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", fmt="xlsx")
    with pytest.raises(TableError, match="unge_misbrugere"):
        X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", group="nisser")
    with pytest.raises(TableError, match="boform"):
        X.render_crosstab(df, guide, "forsoergelse", "arbejdsmarked", site_type="slot")


def test_empty_frame(guide):
    t = X.crosstab(make_wide(guide, []), guide, "forsoergelse", "arbejdsmarked")
    assert t["n"].tolist() == [0, 0, 0, 0, 0]
    assert X.crosstab_note(t).startswith("Alle 0")


# --------------------------------------------------------------------------- the demo study and the CLI

# ---------------------------------------------------------------- multiple choice (issue 14)

def _multi(guide) -> pd.DataFrame:
    """Five respondents: problemer as the interchange format writes it (``;``), one blank, one with a
    space between values and one value the guide lacks; forsoergelse and inddraget single-valued."""
    rows = [
        dict(respondent_id="R1", problemer="sociale;gaeld", forsoergelse="kontanthjaelp", inddraget="ja"),
        dict(respondent_id="R2", problemer="gaeld", forsoergelse="kontanthjaelp", inddraget="nej"),
        dict(respondent_id="R3", problemer="sociale psykisk", forsoergelse="foertidspension", inddraget="ja"),
        dict(respondent_id="R4", problemer=None, forsoergelse="foertidspension", inddraget="ja"),
        dict(respondent_id="R5", problemer="sociale;ukendt_vaerdi", forsoergelse=None, inddraget="ja"),
    ]
    return make_wide(guide, rows)


def test_a_multiple_choice_as_rows_counts_each_respondent_once_per_value(guide):
    x = X.crosstab(_multi(guide), guide, "problemer", "forsoergelse").set_index("problemer")
    # R5 has no forsoergelse and R4 no problemer: left out. sociale: R1 (kontant), R3 (førtid)
    assert (x.loc["sociale", "antal_kontanthjaelp"], x.loc["sociale", "antal_foertidspension"]) == (1, 1)
    assert x.loc["sociale", "n"] == 2 and x.loc["sociale", "andel_kontanthjaelp"] == 0.5
    assert (x.loc["gaeld", "antal_kontanthjaelp"], x.loc["gaeld", "n"]) == (2, 2)   # R1 and R2
    assert x.loc["psykisk", "n"] == 1 and x.loc["ensomhed", "n"] == 0                # every value listed
    assert x.loc["ukendt_vaerdi", "n"] == 0  # R5's value outside the guide is a row of its own, after the guide's
    assert list(x.index)[-2:] == ["ukendt_vaerdi", "i_alt"]
    # I alt: R1, R2, R3 once each — not the sum of the rows (2 + 2 + 1 = 5)
    assert x.loc["i_alt", "n"] == 3 and x.loc["i_alt", "antal_kontanthjaelp"] == 2
    assert sum(x.loc[v, "n"] for v in guide.item("problemer").choice_values()) == 5
    t = X.crosstab(_multi(guide), guide, "problemer", "forsoergelse")
    assert (t.attrs["udeladt"], t.attrs["udeladt_a"], t.attrs["udeladt_b"]) == (2, 1, 1)
    assert t.attrs["flervalg_a"] and not t.attrs["flervalg_b"]


def test_a_multiple_choice_as_columns_gives_shares_of_the_row_that_can_pass_100(guide):
    x = X.crosstab(_multi(guide), guide, "inddraget", "problemer").set_index("inddraget")
    # inddraget ja with an answer to problemer: R1, R3, R5 -> sociale 3 of 3, gaeld 1, psykisk 1
    assert x.loc["ja", "n"] == 3 and x.loc["ja", "antal_sociale"] == 3 and x.loc["ja", "andel_sociale"] == 1.0
    assert x.loc["ja", "antal_gaeld"] == 1 and x.loc["ja", "antal_psykisk"] == 1
    shares = [x.loc["ja", f"andel_{v}"] for v in t_levels(x)]
    assert sum(shares) > 1.0  # a respondent in several columns
    assert x.loc["nej", "n"] == 1 and x.loc["i_alt", "n"] == 4


def t_levels(x: pd.DataFrame) -> list[str]:
    return [c[len("andel_"):] for c in x.columns if c.startswith("andel_")]


def test_two_multiple_choices_and_the_markdown_states_the_base(guide):
    d = _multi(guide)
    d["begrundelse"] = ["pligt_krav;almen_trivsel", "almen_trivsel", None, "almen_trivsel", "hverdagsrytme"]
    x = X.crosstab(d, guide, "problemer", "begrundelse").set_index("problemer")
    # sociale: R1 (pligt_krav, almen_trivsel), R5 (hverdagsrytme); R3 has no begrundelse
    assert x.loc["sociale", "n"] == 2 and x.loc["sociale", "antal_almen_trivsel"] == 1
    assert x.loc["sociale", "antal_hverdagsrytme"] == 1 and x.loc["i_alt", "n"] == 3
    md = X.render_crosstab(d, guide, "forsoergelse", "problemer")
    label = guide.item("problemer").label
    assert f"«{label}» har flere svar pr. respondent" in md and "mere end 100 %" in md
    md = X.render_crosstab(d, guide, "problemer", "forsoergelse")
    assert "rækkerne overlapper, og «I alt» tæller hver respondent én gang" in md
    plain = X.render_crosstab(d, guide, "forsoergelse", "inddraget")
    assert "flere svar" not in plain


@pytest.fixture(scope="module")
def db(db_factory):
    url = db_factory.new()
    assert main(["--db", url, "demo", "--if-empty"]) == 0
    return url


def run(db, capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["--db", db, *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_csv_reproduces_section_4_3_3_and_3_4(db, capsys):
    rc, out, _ = run(db, capsys, "crosstab", "forsoergelse", "arbejdsmarked", "--format", "csv")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    by = {r["forsoergelse"]: r for r in rows}
    # "Ud af de 16 førtidspensionister, vi har interviewet, oplever 5, at de er kommet tættere på arbejdsmarkedet"
    assert by["foertidspension"]["antal_ja"] == "5" and by["foertidspension"]["n"] == "16"
    assert by["i_alt"]["antal_ja"] == "25" and by["i_alt"]["n"] == "61"
    assert [r["forsoergelse"] for r in rows][-1] == "i_alt"
    rc, out, _ = run(db, capsys, "crosstab", "forsoergelse", "tilbudstype", "--format", "csv")
    by = {r["forsoergelse"]: r for r in csv.DictReader(io.StringIO(out))}
    # section 3.4: "6 ud af de 16 førtidspensionister (37,5 procent) har ikke fået noget tilbud"
    assert by["foertidspension"]["antal_intet_tilbud"] == "6" and by["foertidspension"]["andel_intet_tilbud"] == "0.375"


def test_cli_markdown_default_and_filters(db, capsys):
    rc, out, _ = run(db, capsys, "crosstab", "forsoergelse", "arbejdsmarked")
    assert rc == 0 and out.startswith("## Krydstabel") and "| Førtidspension" in out
    rc, out, _ = run(db, capsys, "crosstab", "forsoergelse", "arbejdsmarked", "--format", "csv",
                     "--site-type", "boform")
    assert rc == 0 and out.splitlines()[-1].split(",")[5] == "31"


def test_cli_bad_code_exit_1_lists_allowed(db, capsys):
    rc, out, err = run(db, capsys, "crosstab", "forsoergelse", "nisser")
    assert rc == 1 and out == ""
    assert "nisser" in err and "tilladt:" in err and "arbejdsmarked" in err and "tilbudstype" in err
    rc, _, err = run(db, capsys, "crosstab", "hverdag", "forsoergelse", "--format", "csv")
    assert rc == 1 and "fritekst" in err
    rc, _, err = run(db, capsys, "crosstab", "forsoergelse", "arbejdsmarked", "--group", "nisser")
    assert rc == 1 and "unge_misbrugere" in err
