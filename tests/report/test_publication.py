"""report/publication.py: the one suppression boundary (0 < n < min_n), which n, Danish labels and
percent, the population line — and that the tables' Markdown, the figures and the workbook follow it."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from report import figures as F
from report import publication as PUB
from report import registry as R
from report.population import Cuts


def test_the_boundary_is_0_lt_n_lt_min_n():
    assert [PUB.hidden(n) for n in (0, 1, 4, 5, 6)] == [False, True, True, False, False]
    assert [PUB.hidden(n, 8) for n in (0, 7, 8)] == [False, True, False]
    assert not PUB.hidden(None) and not PUB.hidden(float("nan")) and not PUB.hidden("–")
    assert PUB.hidden(np.int64(3)) and PUB.hidden(3.0)
    assert PUB.hidden_rows([0, 2, 9]).tolist() == [False, True, False]
    # the quality map's "suppressed": not on a published map = empty (n = 0) or hidden
    assert PUB.not_on_map(np.array([0, 1, 4, 5])).tolist() == [True, True, True, False]


def test_suppress_blanks_numbers_and_writes_the_n_as_less_than_min_n():
    t = pd.DataFrame({"brugergruppe": ["andet", "etniske", "i_alt"], "n": [3, 0, 12], "ja": [1, 0, 7],
                      "andel_ja": [1 / 3, math.nan, 7 / 12], "flag": [True, False, True]})
    out = PUB.suppress(t, PUB.hidden_rows(t["n"]), 5, "n")
    assert out["n"].tolist() == ["<5", "0", "12"]
    assert out["ja"].tolist()[0] is None and out["ja"].tolist()[1:] == [0, 7]
    assert out["andel_ja"].tolist()[0] is None
    assert out["brugergruppe"].tolist() == ["andet", "etniske", "i_alt"] and out["flag"].tolist() == [True, False, True]
    assert t["n"].tolist() == [3, 0, 12]  # the input is not changed


def test_which_n():
    t41 = pd.DataFrame({"kode": ["a", "b"], "ja": [3, 1], "nej": [1, 0]})
    assert PUB.row_n("4.1", t41, 61).tolist() == [4, 1]
    assert PUB.row_n("3.1", pd.DataFrame({"alder": ["-29", "i_alt"], "antal": [2, 9]}), 9).tolist() == [9, 9]
    assert PUB.row_n("3.2", pd.DataFrame({"i_alt": [2, 3]}), 5).tolist() == [2, 3]
    assert PUB.row_n("planer", pd.DataFrame({"journaler": [4], "uoplyst": [1]}), 5).tolist() == [4]
    assert PUB.row_n("bilag_c", pd.DataFrame({"respondent_id": ["A-1"]}), 5).tolist() == [None]
    assert not PUB.hidden_rows(PUB.row_n("bilag_c", pd.DataFrame({"respondent_id": ["A-1"]}), 1)).any()


def test_the_agreement_total_is_hidden_with_any_hidden_topic():
    """7.4 over all topics: the «I alt» row sums comparisons (3 people × 4 topics = 12), so its own n
    must not publish it; shown beside a hidden topic it would also give that topic away by subtraction."""
    t = pd.DataFrame({"emne": ["a", "b", "i_alt"], "kode": ["a", "b", ""], "par": [3, 3, 6], "n": [3, 3, 6],
                      "enige": [2, 1, 3]})
    ns = PUB.row_n("enighed_alle", t, 3)
    assert ns.tolist() == [3, 3, 3] and PUB.hidden_rows(ns).all()
    t2 = t.assign(n=[9, 2, 11], par=[9, 9, 18])   # one topic hidden: the total goes with it
    assert PUB.hidden_rows(PUB.row_n("enighed_alle", t2, 9)).tolist() == [False, True, True]
    t3 = t.assign(n=[9, 0, 9], par=[9, 9, 18])    # a topic nobody answered hides nothing
    assert PUB.hidden_rows(PUB.row_n("enighed_alle", t3, 9)).tolist() == [False, False, False]
    assert PUB.row_n("enighed", t.iloc[:2], 3).tolist() == [3, 3]   # no total: each row its own n
    # a topic nobody answered: its pairs are its people («Par 1 / Mangler svar 1» is one person)
    t4 = pd.DataFrame({"emne": ["a", "b"], "kode": ["a", "b"], "par": [1, 9], "n": [0, 0], "mangler": [1, 9]})
    assert PUB.row_n("enighed", t4, 9).tolist() == [1, 9]
    assert PUB.hidden_rows(PUB.row_n("enighed", t4, 9)).tolist() == [True, False]


def test_danish_labels_and_percent(guide):
    assert PUB.pct(0.847) == "85 %" and PUB.pct(0.847, 1) == "84,7 %" and PUB.pct(math.nan) == "–"
    assert PUB.pct(None) == "–" and PUB.pct(pd.NA) == "–"
    assert PUB.da3(0.8471) == "0,847" and PUB.fmt3(-0.0001) == "0.000" and PUB.fmt3(math.nan) == ""
    assert PUB.points(0.152) == "+15,2" and PUB.points(-0.1534) == "−15,3" and PUB.points(0.0) == "0,0"
    assert PUB.group_label("etniske") == "De etniske" and PUB.group_label("i_alt") == "I alt"
    assert PUB.value_label(guide, "site_type", "vaerested") == "Værested"
    assert PUB.value_label(None, "site_type", "vaerested") == "Værested"
    assert PUB.value_label(guide, "alder", "-29") == "-29 år"
    assert PUB.value_label(guide, "tilbudstype", "ikke_besvaret") == "Ikke besvaret"
    assert PUB.site_labels("boform", "i_alt", guide) == ("Boform", "I alt boform")
    assert PUB.site_labels("i_alt", "i_alt", total_type="I alt") == ("I alt", "I alt")
    assert [PUB.status_short(s) for s in ("foreligger", "ikke_oplyst", "ingen_tilladelse", None)] == [
        "X", "-", "Ingen tilladelse", ""]
    assert PUB.journal_label("kommune") == "Kommunens journal" and PUB.topic_label("tilbud") == "Tilbuddet"
    assert PUB.probe_short(guide, "sjovt") == "Sjovt og udfordrende"


def test_the_population_line(guide):
    assert PUB.population_line(guide, None, None, 61) == "Population: alle respondenter (n = 61)."
    assert PUB.population_line(guide, "etniske", "boform", 3) == (
        "Population: brugergruppe De etniske, stedtype Boform (n = 3).")
    assert PUB.population_line(guide, None, "boform", 3, unit="brugere", lower_site=True) == (
        "Population: stedtype boform (n = 3 brugere).")
    assert PUB.population_line(guide, "etniske", None, 7, of=61) == (
        "Population: brugergruppe De etniske (n = 7 af 61 i undersøgelsen).")


@pytest.fixture
def small(guide) -> pd.DataFrame:
    """Three users in «andet» (rytme: 2 ja, 1 nej), none in «etniske» (n = 0), six ældre (n = 6)."""
    rows = ([{"brugergruppe": "andet", "rytme": v} for v in ("ja", "ja", "nej")]
            + [{"brugergruppe": "aeldre_misbrugere", "rytme": "ja"} for _ in range(6)])
    return pd.DataFrame(rows, columns=guide.codes, dtype=object)


def test_markdown_and_figures_mark_and_hide_by_the_same_rule(small, guide):
    md = R.render("fig4", small, guide, "md", probe="rytme")
    rows = {ln.split("|")[1].strip(): ln.split("|")[4].strip() for ln in md.splitlines()
            if ln.startswith(("| De ", "| Andet"))}
    assert rows["Andet"] == "3 *"             # 0 < 3 < 5: marked
    assert rows["De etniske"] == "0"          # n = 0: nothing to hide, not marked
    assert rows["De ældre misbrugere"] == "6"
    fig = F.figure("fig4", small, guide, probe="rytme", publish=True)
    shown = fig.data[0].meta["groups"]
    # Andet (3) hidden, and the smallest other group with answers (De ældre misbrugere, 6) with it, so
    # that I alt − the shown groups does not give Andet's numbers (secondary suppression)
    assert "andet" not in shown and "aeldre_misbrugere" not in shown and "etniske" in shown
    notes = " ".join(fig.layout.meta["notes"])
    assert "Udeladt, n under 5 (for få svar til offentliggørelse): Andet." in notes and "De etniske" not in notes
    assert f"{PUB.PROTECTING}: De ældre misbrugere." in notes


def test_a_published_population_under_min_n_shows_no_n(guide):
    """A reviewer found «Population: sted Amadeus (n = 4)» above a published figure and in a published
    workbook's every sheet, beside rows that said «<5»: published, a hidden population says «n under 5»."""
    line = PUB.population_line
    assert line(guide, None, None, 4, cuts=["sted Amadeus"], hide_below=5) == "Population: sted Amadeus (n under 5)."
    assert line(guide, None, None, 4, of=61, hide_below=5) == "Population: alle respondenter (n under 5 af 61 i undersøgelsen)."
    assert line(guide, None, None, 0, hide_below=5) == "Population: alle respondenter (n = 0)."  # nothing to hide
    assert line(guide, None, None, 5, hide_below=5) == "Population: alle respondenter (n = 5)."
    assert line(guide, None, None, 4) == "Population: alle respondenter (n = 4)."  # the team's own view


def test_published_figures_and_small_maps_hide_a_small_population_and_its_notes(demo_study):
    from report.population import Cuts

    wide, g = demo_study["wide"], demo_study["guide"]
    sizes = wide["site"].value_counts()
    small_site = sizes[sizes < 5].index[0]  # the demo has sites of four
    with pytest.raises(F.FigureError, match="færre end 5 respondenter"):  # published: nothing about so few
        F.figure("kvalitetskort", wide, g, publish=True, cuts=Cuts(site=small_site))
    assert f"n = {sizes[small_site]}" in F.figure("kvalitetskort", wide, g, cuts=Cuts(site=small_site)).layout.title.text
    fig = F.figure("kvalitetskort_grupper", wide, g, publish=True, cuts=Cuts(by="sted"))
    titles = [a.text for a in fig.layout.annotations if a.text and "(n " in a.text]
    for site, n in sizes.items():  # a site of 5 or more may protect a small one: its n is not shown
        want = ("(n under 5)",) if n < 5 else (f"(n = {n})", "(n ikke vist)")
        assert any(t.startswith(site) and t.endswith(want) for t in titles), (site, titles)
    assert any(t.endswith("(n ikke vist)") for t in titles)
    notes = " ".join(fig.layout.meta["notes"])
    assert not any(f"{site}:" in notes for site in sizes[sizes < 5].index)  # nothing said about a hidden site
    unpublished = " ".join(F.figure("kvalitetskort_grupper", wide, g, cuts=Cuts(by="sted")).layout.meta["notes"])
    assert unpublished != notes


# --------------------------------------------------------------------------- secondary suppression

def test_complement_hides_the_next_shown_row_after_a_small_one():
    """Hand-computed: one block of groups adding up to a total."""
    ns = [3, 6, 5, 9, 0]
    block = [[[0], [1], [2], [3], [4]]]
    first = PUB.hidden_rows(ns)
    assert first.tolist() == [True, False, False, False, False]
    # 3 alone could be had as total − 6 − 5 − 9: the next shown row (6) is hidden too → 9 hidden; not
    # the smallest (5): a reader who knows that rule would know the hidden 5 is at most the 5 still shown
    assert PUB.complement(ns, first, block, 5).tolist() == [True, True, False, False, False]
    # min_n 8: 3, 6 and 5 are small; one more, not small (9), so that no one of them is exact
    assert PUB.complement(ns, PUB.hidden_rows(ns, 8), block, 8).tolist() == [True, True, True, True, False]
    # two small rows that reach min_n together are still exact when both are 4 (8 = 4 + 4): one more
    assert PUB.complement([4, 4, 7, 0], PUB.hidden_rows([4, 4, 7, 0]), [[[0], [1], [2], [3]]], 5).tolist() == \
        [True, True, True, False]
    # n = 0 is skipped, the order wraps; nothing small: unchanged; nothing left: as many as there are
    assert PUB.complement([6, 0, 3], PUB.hidden_rows([6, 0, 3]), [[[0], [1], [2]]], 5).tolist() == [True, False, True]
    assert PUB.complement([5, 6], PUB.hidden_rows([5, 6]), [[[0], [1]]], 5).tolist() == [False, False]
    assert PUB.complement([1, 0], PUB.hidden_rows([1, 0]), [[[0], [1]]], 5).tolist() == [True, False]
    # a row hidden on another sheet (given, not small) protects the block already
    assert PUB.complement([3, 6, 9], np.array([True, False, True]), [[[0], [1], [2]]], 5).tolist() == \
        [True, False, True]


def test_complement_hides_units_whole_and_protects_a_hidden_subtotal():
    # a group's rows (one per answer) are one unit
    ns = [3, 3, 8, 8, 9, 9]
    out = PUB.complement(ns, np.array([True, False, False, False, False, False]), [[[0, 1], [2, 3], [4, 5]]], 5)
    assert out.tolist() == [True, True, True, True, False, False]
    # sites under two site types, the subtotals a block of their own (Oversigt): site type B is small
    # (4) → A (11) hidden too; A's sites (5, 6) would give A back → its smallest site is hidden as well
    #        0:A1 1:A2 2:A  3:B1 4:B  5:I alt
    ns = [5, 6, 11, 4, 4, 15]
    blocks = [[[0], [1]], [[3]], [[2], [4]]]
    totals = [2, 4, 5]
    out = PUB.complement(ns, PUB.hidden_rows(ns), blocks, 5, totals)
    assert out.tolist() == [True, False, True, True, True, False]


def test_table_blocks_read_the_report_tables_structure(guide):
    oversigt = pd.DataFrame({"site_type": ["boform", "boform", "boform", "vaerested", "vaerested", "i_alt"],
                             "site": ["A1", "A2", "i_alt", "B1", "i_alt", "i_alt"], "interviewet": [5, 6, 11, 4, 4, 15]})
    blocks, totals = PUB.table_blocks(oversigt)
    assert sorted(zip(map(str, blocks), totals)) == sorted([("[[2], [4]]", 5), ("[[0], [1]]", 2), ("[[3]]", 4)])
    assert PUB.published_rows("oversigt", oversigt, 15).tolist() == [True, False, True, True, True, False]
    # a distribution: one block per probe code, a group's rows one unit, «I alt» the total
    fig = pd.DataFrame({"kode": ["k"] * 6, "brugergruppe": ["andet", "andet", "etniske", "etniske", "i_alt", "i_alt"],
                        "svar": ["ja", "nej"] * 3, "antal": [1, 2, 4, 3, 5, 5], "n": [3, 3, 7, 7, 10, 10]})
    assert PUB.table_blocks(fig) == ([[[0, 1], [2, 3]]], [4])  # the first I alt row stands for the total
    assert PUB.published_rows("fig7.1", fig, 10).tolist() == [True, True, True, True, False, False]
    # a table whose rows do not split one population (probes, topics): no blocks
    assert PUB.table_blocks(pd.DataFrame({"kode": ["a", "b"], "ja": [1, 9], "nej": [1, 9]})) == ([], [])
    # a crosstab splits its row variable's respondents — unless it is a multiple choice (rows overlap)
    xt = pd.DataFrame({"forsoergelse": ["a", "b", "c", "i_alt"], "n": [3, 6, 9, 18]})
    xt.attrs.update(a="forsoergelse", flervalg_a=False)
    assert PUB.published_rows("krydstabel", xt, 18).tolist() == [True, True, False, False]
    xt.attrs.update(flervalg_a=True)
    assert PUB.published_rows("krydstabel", xt, 18).tolist() == [True, False, False, False]


def test_hidden_units_count_the_people_in_no_part_as_hidden():
    assert PUB.hidden_units({"a": 3, "b": 6, "c": 9}) == {"a", "b"}
    assert PUB.hidden_units({"a": 7, "b": 6, "c": 9}) == set()
    assert PUB.hidden_units({"a": 7, "b": 6, "c": 9}, outside=2) == {"a"}  # the 2 in no part: the next (wraps)
    assert PUB.hidden_units({"a": 7, "b": 6}, outside=5) == set()


@pytest.mark.parametrize("min_n", [5, 8])
def test_no_published_table_gives_a_hidden_row_away_by_subtraction(min_n, guide):
    """Every table of the registry on the demo study, for the whole population and grouped by site and by
    perspektiv: in each block, every small row is hidden, and with it at least one row that is not small
    (so the hidden add up to at least min_n and no one of them is exact), unless nothing is left."""
    from survey.demo import build_demo_frame

    wide = build_demo_frame(guide)
    checked = 0
    for by in (None, "sted", "perspektiv"):
        for tid in R.RESPONDENT_TABLES:
            if tid == "fig4" or (by is not None and tid not in R.BY_TABLES):
                continue
            t = R.compute(tid, wide, guide, by=by, min_n=min_n)
            ns = PUB.row_n(tid, t, len(wide))
            hide = PUB.published_rows(tid, t, len(wide), min_n)
            assert not (PUB.hidden_rows(ns, min_n) & ~hide).any(), tid
            blocks, _ = PUB.table_blocks(t)
            for units in blocks:
                unit_n = [max(int(ns[i]) for i in u) for u in units]
                hid = [n for u, n in zip(units, unit_n) if hide[u].any() and n > 0]
                rest = [n for u, n in zip(units, unit_n) if not hide[u].any() and n > 0]
                # a small one hidden: with one that is not small (so none is exact), or nothing left to hide
                assert not hid or any(n >= min_n for n in hid) or not rest, (tid, by, unit_n, hid)
                assert not hid or sum(hid) >= min_n or not rest, (tid, by, unit_n, hid)
                checked += bool(hid)
    assert checked > 20  # the demo has small rows to protect


def test_table_and_crosstab_publish_on_the_cli_hide_what_the_workbook_hides(guide):
    """``brugerblik table ID --publish`` and ``crosstab --publish`` (CSV and Markdown): the rows of
    `published_rows`, a small one marked «(n <5)», the ones protecting it with every number «–»."""
    import csv
    import io

    from report.crosstab import render_crosstab
    from survey.demo import build_demo_frame

    wide = build_demo_frame(guide)
    rows = {r["site"]: r for r in csv.DictReader(io.StringIO(R.render("oversigt", wide, guide, "csv", publish=True)))}
    assert rows["Solvang"]["interviewet"] == "<5" and rows["Amadeus"]["interviewet"] == "<5"
    # the next site of each site type protects them
    assert rows["St. Dannesbo"]["interviewet"] == "–" and rows["Linie 14"]["interviewet"] == "–"
    assert rows["St. Dannesbo"]["samtykke_givet"] == "" and rows["KFUM Kollegium"]["interviewet"] == "5"
    plain = {r["site"]: r for r in csv.DictReader(io.StringIO(R.render("oversigt", wide, guide, "csv")))}
    assert plain["Basen"]["interviewet"] == "5" and plain["Solvang"]["interviewet"] == "4"  # without: all shown
    md = R.render("oversigt", wide, guide, "md", publish=True)
    line = {ln.split("|")[2].strip(): [c.strip() for c in ln.split("|")[3:-1]] for ln in md.splitlines()
            if ln.startswith("| ") and ln.count("|") > 4}
    assert line["Solvang (n <5)"] == ["–"] * 4 and line["St. Dannesbo"] == ["–"] * 4
    # Basen (5) too: it protects Amadeus in the flat Tabel 3.2 by site, and every output hides the same
    # sites (`report.tables.sites_hidden`)
    assert line["Basen"] == ["–"] * 4 and line["KFUM Kollegium"][0] == "5"
    assert "så et lille tal ikke kan regnes ud af totalen" in md and "Markeret med *" not in md
    # a distribution drawn one line per group
    md = R.render("fig7.1", wide, guide, "md", publish=True, min_n=6)
    assert "| Andet (n <6) " in md and "De etniske (n <6)" not in md
    assert any(ln.startswith("| De etniske ") and ln.count("–") == 5 for ln in md.splitlines())  # protecting
    # the crosstab: Andet (5) small at min_n 6, one of the groups of 7 protects it
    xt = render_crosstab(wide, guide, "brugergruppe", "tilbudstype", "csv", publish=True, min_n=6)
    ns = {r["brugergruppe"]: r["n"] for r in csv.DictReader(io.StringIO(xt))}
    assert ns["andet"] == "<6" and ns["etniske"] == "–" and ns["psykisk_paafaldende"] == "7"
    assert "| Andet (n <6)" in render_crosstab(wide, guide, "brugergruppe", "tilbudstype", publish=True, min_n=6)
    # a population under min_n: nothing at all (its zero rows would tell the groups of the few in it)
    from report.errors import TableError

    with pytest.raises(TableError, match="færre end 5 respondenter") as e:
        R.render("3.1", wide, guide, "md", publish=True, cuts=Cuts(site="Amadeus"))
    assert "4" not in str(e.value)


def test_the_cli_takes_publish_for_tables_crosstabs_and_saved_analyses(demo_study, capsys):
    from brugerblik.cli import main
    from report import saved

    url = demo_study["url"]
    assert main(["--db", url, "table", "oversigt", "--publish", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "boform,Solvang,<5," in out and "boform,St. Dannesbo,–," in out and "vaerested,Linie 14,–," in out
    assert main(["--db", url, "table", "planer", "--publish", "--min-n", "24"]) == 0  # a source table
    out = capsys.readouterr().out
    assert "(n <24)" in out and "Til offentliggørelse" in out
    assert main(["--db", url, "crosstab", "brugergruppe", "tilbudstype", "--publish", "--min-n", "6"]) == 0
    assert "| Andet (n <6)" in capsys.readouterr().out
    saved.save(demo_study["engine"], demo_study["guide"], "grupper", "krydstabel", a="brugergruppe", b="tilbudstype",
               replace=True)
    assert main(["--db", url, "table", "mine:grupper", "--publish", "--min-n", "6"]) == 0
    out = capsys.readouterr().out
    assert "| Andet (n <6)" in out
    # the analysis's name is the team's word (a name given after an interviewer would decode the pseudonyms)
    assert "grupper»" not in out and out.startswith("# Gemt analyse: Krydstabel: ")
    assert main(["--db", url, "table", "mine:grupper"]) == 0
    assert "(n <6)" not in capsys.readouterr().out


def test_what_a_second_reviewer_recovered_from_published_outputs_is_gone(demo_study, guide, capsys):
    """A hostile reviewer of the secondary suppression recovered small numbers from: Bilag C (a row per
    respondent) in a published workbook, the crosstab's note («Alle 4 respondenter …»), the group sizes
    above the published maps per site («I alt (30 respondenter)» beside the shown sites), and a saved
    analysis's population line on the page."""
    import csv
    import io

    from brugerblik.cli import main
    from report import crosstab as X
    from report import saved
    from report.errors import TableError
    from survey.demo import build_demo_frame

    wide = build_demo_frame(guide)
    with pytest.raises(TableError, match="Bilag C .* ikke med til offentliggørelse"):
        R.render("bilag_c", wide, guide, "csv", frames={}, publish=True)
    amadeus = X.crosstab(wide[wide["site"] == "Amadeus"], guide, "brugergruppe", "tilbudstype")
    assert "4" not in X.crosstab_note(amadeus, 5) and "4 respondenter" in X.crosstab_note(amadeus)
    with pytest.raises(TableError, match="færre end 5 respondenter"):  # published: nothing about so few
        X.render_crosstab(wide, guide, "brugergruppe", "tilbudstype", cuts=Cuts(site="Amadeus"), publish=True)
    # the maps per site of the værested: Amadeus (4) hidden, and one more site's size, so that «I alt»
    # minus the sizes shown does not give Amadeus's
    text = R.render("kvalitetskort", wide, guide, "csv", site_type="vaerested", cuts=Cuts(by="sted"), publish=True)
    sizes = {r["site"]: r["respondenter"] for r in csv.DictReader(io.StringIO(text))}
    assert "Amadeus" not in sizes or sizes["Amadeus"] == "<5"
    shown = sum(int(v) for k, v in sizes.items() if k != "i_alt" and v.isdigit())
    assert sizes["i_alt"] == "30" and 30 - shown >= 5 + 4  # what is left for the hidden sites is not Amadeus's 4
    md = R.render("kvalitetskort", wide, guide, "md", site_type="vaerested", cuts=Cuts(by="sted"), publish=True)
    heads = [ln for ln in md.splitlines() if ln.startswith("### ")]
    assert "### Sted: I alt (30 respondenter)" in heads and not any("Amadeus (4" in h for h in heads)
    assert sum(int(h.split("(")[-1].split()[0]) for h in heads if "respondenter)" in h and "I alt" not in h) == shown
    an = saved.Analysis(name="x", kind="kvalitetskort", cuts=Cuts(site="Amadeus"))
    assert saved.population_text(an, guide, 4, 5) == "Population: sted Amadeus (n under 5)."
    assert saved.population_text(an, guide, 4) == "Population: sted Amadeus (n = 4)."
    assert main(["--db", demo_study["url"], "table", "bilag_c", "--publish"]) == 1
    assert "ikke med til offentliggørelse" in capsys.readouterr().err


def test_every_published_output_by_site_hides_the_same_sites(demo_study, guide, tmp_path):
    """One set of hidden sites for a population (`report.tables.sites_hidden`): the Oversigt (sites in
    their site types) and every table, figure and map by site hide the same sites, whether made by the
    CLI, the figures, the Rapport page or the workbook — a site one output shows could give another
    output's hidden one away (a reviewer: the CLI's and the figures' maps by site chose their own)."""
    import csv
    import io

    import openpyxl

    from exports.workbook import build_workbook
    from report import tables as T
    from ui import rapport_view as RV

    wide = demo_study["wide"]
    gone = T.sites_hidden(wide, guide, 5)
    # Amadeus and Solvang are small (4); the Oversigt protects them with the next site of each type, the
    # flat Tabel 3.2 with the next site by name: together, one set
    assert gone == {"Amadeus", "Solvang", "Linie 14", "St. Dannesbo", "Basen"}
    by_site = Cuts(by="sted")

    def hidden_in(tid: str, col: str, cuts: Cuts | None = None) -> set:
        text = R.render(tid, wide, guide, "csv", cuts=cuts, publish=True)
        return {r["site"] for r in csv.DictReader(io.StringIO(text)) if r[col] in ("<5", "–")}

    assert hidden_in("oversigt", "interviewet") == gone
    assert hidden_in("3.2", "i_alt", by_site) == gone
    assert hidden_in("fig3.1", "n", by_site) == gone
    assert hidden_in("tilfredshed", "n", by_site) == gone
    text = R.render("fig4", wide, guide, "csv", probe="rytme", cuts=by_site, publish=True)
    assert gone <= {r["site"] for r in csv.DictReader(io.StringIO(text)) if r["n"] in ("<5", "–")}
    # the maps per site (CLI): no point of a hidden site, and its size not shown
    text = R.render("kvalitetskort", wide, guide, "csv", cuts=by_site, publish=True)
    shown = {r["site"] for r in csv.DictReader(io.StringIO(text))}
    assert not shown & gone and shown
    # the figures: the bars and the small maps
    fig = F.figure("fig3.1", wide, guide, cuts=by_site, publish=True)
    drawn = {g for tr in fig.data for g in (tr.meta or {}).get("groups", [])}
    assert drawn and not drawn & gone
    fig = F.figure("kvalitetskort_grupper", wide, guide, cuts=by_site, publish=True)
    titles = {a.text.split(" (")[0]: a.text for a in fig.layout.annotations if " (n" in (a.text or "")}
    for site in gone:
        assert "n = " not in titles[site], titles[site]
    assert "(n = 5)" in titles["KFUM Kollegium"]
    # the Rapport page's published table
    pub, n_hidden = RV.published("3.2", R.compute("3.2", wide, guide, by="sted"), RV.Filters(publish=True), wide, guide)
    assert set(pub["site"][pub["i_alt"].isin(["<5", "–"])]) == gone and n_hidden == len(gone)
    # the workbook, by site and not: the same sites (Figur 4 too: it renames its column, a reviewer found it
    # hiding none of them)
    for by in (by_site, None):
        out = tmp_path / f"r{bool(by)}.xlsx"
        build_workbook(demo_study["engine"], guide, out, publish=True, cuts=by)
        wb = openpyxl.load_workbook(out)
        over = {r[1] for r in wb["Oversigt"].iter_rows(min_row=5, values_only=True) if r[2] in ("<5", "–")}
        assert over == gone, by
        if by:
            flat = {r[0] for r in wb["Tabel 3.2"].iter_rows(min_row=5, values_only=True) if r[3] in ("<5", "–")}
            assert flat == gone
            fig4 = [r for r in wb["Figur 4"].iter_rows(min_row=5, values_only=True) if r[2] in gone]
            assert fig4 and all(r[5] in ("<5", "–") and r[3] == "–" for r in fig4)
            data = {r[0] for r in wb["Diagramdata"].iter_rows(values_only=True) if r and isinstance(r[0], str)}
            assert not data & gone


def test_a_group_hidden_everywhere_hides_its_rows_of_n_0_too(guide):
    """A reviewer: «Interviewer 1: 0 ja, 0 nej» in a published Figur 4, beside Tabel 3.2's «<5» for the
    same interviewer, told that all of those few gave no answer. A group the size table hides
    (`report.tables.hidden_parts`) is hidden in every table, with its rows of n = 0."""
    import csv
    import io

    from report import tables as T

    wide = pd.DataFrame({
        "respondent_id": [f"R{i}" for i in range(12)], "site": ["Basen"] * 12, "site_type": ["boform"] * 12,
        "interviewer": ["KL"] * 5 + ["MJ"] * 5 + ["PO"] * 2,
        "gender": ["mand"] * 12, "arketype": ["den_aeldre"] * 12, "age": ["60"] * 12,
        # PO's two answered no rytme question: their n is 0
        "rytme": ["ja"] * 5 + ["nej"] * 5 + ["ikke_relevant"] * 2,
    }, dtype=object)
    by = Cuts(by="interviewer")
    assert T.hidden_parts(wide, guide, "interviewer", 5)["interviewer"] == {"PO", "KL"}  # PO small, KL next (wraps)
    plain = {r["interviewer"]: r for r in csv.DictReader(io.StringIO(R.render("fig4", wide, guide, "csv", probe="rytme",
                                                                              cuts=by)))}
    assert plain["PO"]["n"] == "0"  # the team's own view
    text = R.render("fig4", wide, guide, "csv", probe="rytme", cuts=by, publish=True)
    rows = {r["interviewer"]: r for r in csv.DictReader(io.StringIO(text))}
    # PO (2 people) is small in Tabel 3.2 and hidden, with the next interviewer protecting it; PO's zeros too
    sizes = {r["interviewer"]: r["i_alt"] for r in csv.DictReader(io.StringIO(
        R.render("3.2", wide, guide, "csv", cuts=by, publish=True)))}
    hidden_ones = {k for k, v in sizes.items() if v in ("<5", "–")}
    assert hidden_ones == {"Interviewer 3", "Interviewer 1"}  # published: PO and KL by their pseudonyms
    for name in hidden_ones:
        assert rows[name]["n"] in ("<5", "–") and rows[name]["ja"] == "", (name, rows[name])
    assert "0" not in {rows[k]["n"] for k in hidden_ones}
    fig = F.figure("fig4", wide, guide, probe="rytme", cuts=by, publish=True)
    drawn = {g for tr in fig.data for g in (tr.meta or {}).get("groups", [])} | {
        str(x).split("<br>")[0] for tr in fig.data for x in (tr.x if tr.x is not None else [])}
    assert not drawn & hidden_ones
