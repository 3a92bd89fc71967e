"""Published, a crosstab whose rows are a grouping's groups hides the groups Tabel 3.2 hides for the
same population (`report.crosstab.published_crosstab_rows`), and a hidden row's n is «<5» only when it is
small itself (`report.publication.hidden_n`). A tester read Tabel 3.2's hidden «Andet» (the row that
protects a «<5» group) in `crosstab brugergruppe gender --publish` beside it."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from report import publication as PUB
from report import registry
from report.crosstab import render_crosstab
from report.population import Cuts


@pytest.fixture(scope="module")
def wide_with_one_unknown(demo_study) -> pd.DataFrame:
    """The demo study and one respondent with no user group and no perspektiv (Tabel 3.2: «Uoplyst» 1)."""
    wide = demo_study["wide"]
    extra = wide.iloc[[0]].copy()
    extra["respondent_id"] = "ZZZ-01"
    extra["arketype"] = None
    extra["brugergruppe"] = None
    extra["arbejdsmarkedsperspektiv"] = None
    return pd.concat([wide, extra], ignore_index=True)


def _rows(text: str, key: str | None = None) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    key = key or next(iter(rows[0]))
    return {r[key]: r for r in rows}


@pytest.mark.parametrize("a, by", [("brugergruppe", None), ("arbejdsmarkedsperspektiv", "perspektiv")])
def test_a_published_crosstab_by_group_hides_what_tabel_3_2_hides(demo_study, wide_with_one_unknown, a, by):
    g = demo_study["guide"]
    t32 = _rows(registry.render("3.2", wide_with_one_unknown, g, "csv", cuts=Cuts(by=by), publish=True))
    gone = {k for k, r in t32.items() if r["i_alt"] in ("–", "<5") and k != "uoplyst"}
    assert gone, "Tabel 3.2 hides a group to protect «Uoplyst» (1 respondent)"
    xt = _rows(render_crosstab(wide_with_one_unknown, g, a, "gender", fmt="csv", publish=True))
    for k in gone:
        assert xt[k]["n"] == "–" and xt[k]["antal_kvinde"] == "" and xt[k]["antal_mand"] == "", xt[k]
    # the working edition hides nothing
    assert all(r["n"] not in ("–", "<5") for r in
               _rows(render_crosstab(wide_with_one_unknown, g, a, "gender", fmt="csv")).values())


def test_a_hidden_sites_row_nobody_answered_is_n_under_5_as_in_the_workbook(demo_study):
    """A site of one respondent who answered no probe: published, its Figur 4 row is hidden with the site,
    and its n is «<5» as the workbook shows it (`hidden_n`) — «–» (the mark of a row that is not small)
    beside the site's «<5» in Tabel 3.2 told that nobody there answered."""
    g = demo_study["guide"]
    wide = demo_study["wide"]
    one = pd.DataFrame([{c: None for c in wide.columns}])
    one[["respondent_id", "site", "site_type"]] = ["ENE-01", "Enestedet", "vaerested"]
    df = pd.concat([wide, one], ignore_index=True)
    fig4 = _rows(registry.render("fig4", df, g, "csv", probe="rytme", cuts=Cuts(by="sted"), publish=True),
                 "site")
    assert fig4["Enestedet"]["n"] == "<5" and fig4["Enestedet"]["ja"] == ""
    assert _rows(registry.render("3.2", df, g, "csv", cuts=Cuts(by="sted"), publish=True))["Enestedet"]["i_alt"] == "<5"
    md = registry.render("fig4", df, g, "md", probe="rytme", cuts=Cuts(by="sted"), publish=True)
    assert "Enestedet (n <5)" in md
    assert PUB.hidden_n(0) == "<5" and list(PUB.shown_small([0, 3, 5, 7])) == [True, True, False, False]


def test_a_published_csv_rounds_the_shown_rows_as_the_working_edition_does(demo_study):
    """A tester: once a row was hidden, the table's float columns became objects and the shown rows printed
    0.8181818181818182 where the working edition printed 0.818."""
    g = demo_study["guide"]
    wide = demo_study["wide"]
    work = _rows(render_crosstab(wide, g, "brugergruppe", "rytme", fmt="csv"))
    pub = _rows(render_crosstab(wide, g, "brugergruppe", "rytme", fmt="csv", publish=True, min_n=8))
    assert any(r["n"] in ("<8", "–") for r in pub.values()), "min_n 8 hides some groups"
    shown = [k for k, r in pub.items() if r["n"] not in ("<8", "–") and k not in ("uoplyst", "i_alt")]
    assert shown
    for k in shown:
        assert pub[k] == work[k]
        assert all(len(v.split(".")[1]) == 3 for c, v in pub[k].items() if c.startswith("andel_") and v)


def test_published_groups_as_rows_get_an_uoplyst_row_and_i_alt_gives_no_hidden_group_away(demo_study,
                                                                                         wide_with_one_unknown):
    """A reviewer: «I alt» (without the one respondent with no group) minus the shown rows gave the hidden
    «Andet» back (1 kvinde, 4 mænd). Published, those without a group are the row «Uoplyst», as in Tabel 3.2:
    «I alt» is Tabel 3.2's, and two rows are hidden (Uoplyst for its n, Andet to protect it)."""
    g = demo_study["guide"]
    xt = _rows(render_crosstab(wide_with_one_unknown, g, "brugergruppe", "gender", fmt="csv", publish=True))
    t32 = _rows(registry.render("3.2", wide_with_one_unknown, g, "csv", publish=True))
    assert xt["uoplyst"]["n"] == "<5" and xt["uoplyst"]["antal_mand"] == ""
    assert int(xt["i_alt"]["n"]) == len(wide_with_one_unknown) == int(t32["i_alt"]["i_alt"])
    hidden_rows = [k for k, r in xt.items() if r["n"] in ("<5", "–")]
    assert len(hidden_rows) >= 2  # the total minus the shown rows is a sum of two or more
    md = render_crosstab(wide_with_one_unknown, g, "brugergruppe", "gender", publish=True)
    assert "Uden brugergruppe: under 5, i rækken «Uoplyst»." in md and "1 tomme" not in md


def test_published_groups_as_columns_are_refused_while_groups_are_hidden(demo_study, wide_with_one_unknown):
    from report.errors import TableError

    g = demo_study["guide"]
    with pytest.raises(TableError, match="kan brugergruppe ikke være kolonner"):
        render_crosstab(wide_with_one_unknown, g, "gender", "brugergruppe", publish=True)
    with pytest.raises(TableError, match="kan brugergruppe ikke være kolonner") as e:
        registry.render("4.4", wide_with_one_unknown, g, "md", publish=True)
    assert "brugerblik crosstab brugergruppe utilfreds_type --publish" in str(e.value)  # what to do instead
    # nothing hidden (the demo study): published as before; the working edition is unchanged
    assert "Andet" in registry.render("4.4", demo_study["wide"], g, "md", publish=True, min_n=1)
    assert _rows(render_crosstab(wide_with_one_unknown, g, "gender", "brugergruppe", fmt="csv"))["kvinde"]["antal_andet"] == "1"
