"""Issue 14, "the report's cuts, everywhere": arbejdsmarkedsperspektiv (reelt / ikke reelt), site and
interviewer as population filters and as the grouping of every table by group and of the quality map,
with the small-cell rule. Hand-computed on a small frame, then on the demo study through the CLI."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from brugerblik.cli import main
from report import publication as PUB
from report import quality_map, registry, tables
from report.crosstab import render_crosstab
from report.errors import TableError
from report.population import Cuts, group_rows, population
from survey.db import make_engine
from survey.demo import load_demo
from survey.guide import load_guide


def frame() -> pd.DataFrame:
    """Eight respondents: perspektiv reelt ×4, ikke_reelt ×3, blank ×1; sites A (5), B (3);
    interviewers KL (6), MJ (2)."""
    rows = [
        # id, persp, site, interviewer, gender, arketype, age, rytme, rytme_vigtigt, samarbejde
        ("R1", "reelt", "Basen", "KL", "mand", "etniske", "30", "ja", "ja", "positivt"),
        ("R2", "reelt", "Basen", "KL", "kvinde", "etniske", "31", "ja", "nej", "positivt"),
        ("R3", "reelt", "Basen", "KL", "mand", "den_aeldre", "60", "nej", "ja", "negativt"),
        ("R4", "reelt", "Amadeus", "MJ", "mand", "den_aeldre", "61", "ja", "ja", None),
        ("R5", "ikke_reelt", "Basen", "KL", "kvinde", "dovne", "40", "nej", "nej", "neutralt"),
        ("R6", "ikke_reelt", "Amadeus", "MJ", "mand", "dovne", "41", "ikke_relevant", None, "positivt"),
        ("R7", "ikke_reelt", "Amadeus", "KL", "mand", "etniske", "42", "ja", "ja", "negativt"),
        ("R8", None, "Basen", "KL", "mand", "den_aeldre", "70", "ja", "nej", "positivt"),
    ]
    cols = ["respondent_id", "arbejdsmarkedsperspektiv", "site", "interviewer", "gender", "arketype", "age",
            "rytme", "rytme_vigtigt", "samarbejde"]
    df = pd.DataFrame(rows, columns=cols, dtype=object)
    df["site_type"] = ["boform" if s == "Basen" else "vaerested" for s in df["site"]]
    return df


@pytest.fixture(scope="module")
def g():
    return load_guide()


def test_the_cuts_filter_the_population_and_refuse_what_the_study_does_not_have():
    df = frame()
    assert list(population(df, cuts=Cuts(perspektiv="reelt"))["respondent_id"]) == ["R1", "R2", "R3", "R4"]
    assert list(population(df, cuts=Cuts(site="Amadeus"))["respondent_id"]) == ["R4", "R6", "R7"]
    assert list(population(df, cuts=Cuts(interviewer="MJ"))["respondent_id"]) == ["R4", "R6"]
    both = population(df, "etniske", "boform", Cuts(perspektiv="reelt", interviewer="KL"))
    assert list(both["respondent_id"]) == ["R1", "R2"]
    with pytest.raises(TableError, match=r"Ukendt sted 'Nowhere' — tilladt: Amadeus, Basen\."):
        population(df, cuts=Cuts(site="Nowhere"))
    with pytest.raises(TableError, match="Ukendt interviewer — undersøgelsen har 2 interviewer") as e:
        population(df, cuts=Cuts(interviewer="XX"))
    assert "KL" not in str(e.value) and "MJ" not in str(e.value)  # names are personal data: not in a message
    with pytest.raises(TableError, match="tilladt: reelt, ikke_reelt"):
        Cuts(perspektiv="delvist")
    with pytest.raises(TableError, match="tilladt: brugergruppe, perspektiv, sted, interviewer"):
        Cuts(by="alder")
    assert not Cuts(by="sted").filters and Cuts(site=" Basen ").site == "Basen"
    assert Cuts(perspektiv="ikke_reelt", site="Basen", interviewer="KL").words() == [
        "arbejdsmarkedsperspektiv ikke reelt", "sted Basen", "interviewer KL"]


def test_group_rows_by_each_grouping_with_uoplyst_only_when_needed():
    df = frame()
    codes, levels = group_rows(df, "perspektiv")
    assert levels == ["reelt", "ikke_reelt", "uoplyst"]
    assert [levels[c] for c in codes] == ["reelt"] * 4 + ["ikke_reelt"] * 3 + ["uoplyst"]
    codes, levels = group_rows(df, "sted")
    assert levels == ["Amadeus", "Basen"]  # by name; no one without a site
    assert [levels[c] for c in codes] == ["Basen", "Basen", "Basen", "Amadeus", "Basen", "Amadeus", "Amadeus",
                                          "Basen"]
    assert group_rows(df, "interviewer")[1] == ["KL", "MJ"]
    assert group_rows(df, None)[1] == group_rows(df)[1]  # None: by user group


def test_tables_by_perspektiv_site_and_interviewer_against_hand_counts(g):
    df = frame()
    t = tables.tabel_3_2(df, g, by="perspektiv")
    assert t.columns[0] == "arbejdsmarkedsperspektiv"
    assert t.values.tolist() == [["reelt", 1, 3, 4], ["ikke_reelt", 1, 2, 3], ["uoplyst", 0, 1, 1],
                                 ["i_alt", 2, 6, 8]]
    f4 = tables.figur_4(df, g, probe="rytme", by="sted").set_index("site")
    # Amadeus: R4 ja, R6 ikke_relevant (not counted), R7 ja -> 2 of 2; Basen: R1 R2 R8 ja, R3 R5 nej -> 3 of 5
    assert f4.loc["Amadeus", ["ja", "nej", "n"]].tolist() == [2, 0, 2]
    assert f4.loc["Basen", ["ja", "nej", "n"]].tolist() == [3, 2, 5]
    assert f4.loc["i_alt", ["ja", "nej", "n"]].tolist() == [5, 2, 7]
    f7 = tables.figur_7(df, 2, g, by="interviewer")
    mj = f7[f7["interviewer"] == "MJ"].set_index("svar")
    assert mj.loc["positivt", "antal"] == 1 and mj.loc["ikke_besvaret", "antal"] == 1 and mj["n"].iloc[0] == 2
    assert f7[f7["interviewer"] == "i_alt"]["antal"].sum() == 8


def test_one_quality_map_per_group_and_the_whole_population_last(g):
    df = frame()
    t = quality_map.kvalitetskort_by(df, g, "perspektiv")
    assert list(dict.fromkeys(t["arbejdsmarkedsperspektiv"])) == ["reelt", "ikke_reelt", "uoplyst", "i_alt"]
    r = t[(t["arbejdsmarkedsperspektiv"] == "reelt") & (t["kode"] == "rytme")].iloc[0]
    # reelt: R1 ja+vigtigt, R2 ja, R3 nej+vigtigt, R4 ja+vigtigt -> n 4, udbytte 3/4, vigtighed 3/4
    assert (r["respondenter"], r["n"], r["udbytte"], r["vigtighed"]) == (4, 4, 0.75, 0.75)
    whole = quality_map.kvalitetskort(df, g)
    last = t[t["arbejdsmarkedsperspektiv"] == "i_alt"].reset_index(drop=True)
    pd.testing.assert_frame_equal(last.drop(columns=["arbejdsmarkedsperspektiv", "respondenter"]), whole)
    csv_text = registry.render("kvalitetskort", df, g, "csv", cuts=Cuts(by="perspektiv"))
    head = next(csv.reader(io.StringIO(csv_text)))
    assert head == ["arbejdsmarkedsperspektiv", "respondenter", "kode", "spoergsmaal", "n", "udbytte", "vigtighed",
                    "gap"]
    md = registry.render("kvalitetskort", df, g, "md", cuts=Cuts(by="sted"))
    assert "### Sted: Amadeus (3 respondenter *)" in md and "### Sted: Basen (5 respondenter)" in md


def test_render_names_the_cuts_marks_small_groups_and_refuses_a_grouping_a_table_lacks(g):
    df = frame()
    md = registry.render("fig4", df, g, "md", probe="rytme", cuts=Cuts(by="sted", interviewer="KL"))
    assert "— andel ja efter sted" in md
    assert "Population: interviewer KL (n = 6)." in md
    assert "| Amadeus |  1 |   0 | 1 * |" in md and "| Basen   |  3 |   2 |   5 |" in md
    assert "Markeret med *: n under 5" in md
    md = registry.render("3.2", df, g, "md", cuts=Cuts(by="interviewer"))
    assert "| Interviewer | Kvinde | Mand | I alt |" in md and "| MJ          |      0 |    2 |   2 * |" in md
    assert "Brugergruppe = forskerens kodning" not in md  # that note is about the user-group rows
    with pytest.raises(TableError, match="Tabel 4.1 har ingen rækker pr. gruppe og kan ikke grupperes"):
        registry.render("4.1", df, g, "md", cuts=Cuts(by="sted"))
    # a filter alone is fine on any table, and the crosstab takes it too
    assert "Population: arbejdsmarkedsperspektiv ikke reelt (n = 3)." in registry.render(
        "4.1", df, g, "md", cuts=Cuts(perspektiv="ikke_reelt"))
    ct = render_crosstab(df, g, "gender", "samarbejde", fmt="md", cuts=Cuts(site="Amadeus"))
    assert "Population: sted Amadeus (n = 3)." in ct


@pytest.fixture(scope="module")
def demo(demo_study):
    return demo_study


def _cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_the_cli_cuts_and_groups_the_demo_study(demo, capsys):
    url, wide = demo["url"], demo["wide"]
    reelt = int((wide["arbejdsmarkedsperspektiv"] == "reelt").sum())
    rc, out, _ = _cli(capsys, "--db", url, "table", "3.2", "--efter", "perspektiv", "--format", "csv")
    assert rc == 0
    rows = {r["arbejdsmarkedsperspektiv"]: r for r in csv.DictReader(io.StringIO(out))}
    assert int(rows["reelt"]["i_alt"]) == reelt and int(rows["i_alt"]["i_alt"]) == len(wide)
    assert int(rows["reelt"]["i_alt"]) + int(rows["ikke_reelt"]["i_alt"]) == len(wide)  # the demo codes everyone
    rc, out, _ = _cli(capsys, "--db", url, "table", "4.1", "--perspektiv", "reelt")
    assert rc == 0 and f"Population: arbejdsmarkedsperspektiv reelt (n = {reelt})." in out
    site = wide["site"].value_counts().index[0]
    rc, out, _ = _cli(capsys, "--db", url, "kvalitetskort", "--sted", site, "--format", "md")
    assert rc == 0 and f"Population: sted {site} (n = {int((wide['site'] == site).sum())})." in out
    rc, out, err = _cli(capsys, "--db", url, "table", "4.2", "--efter", "sted")
    assert rc == 1 and out == "" and "kan ikke grupperes" in err
    rc, out, err = _cli(capsys, "--db", url, "table", "3.2", "--sted", "Findes ikke")
    assert rc == 1 and "Ukendt sted 'Findes ikke' — tilladt:" in err
    rc, out, _ = _cli(capsys, "--db", url, "table", "planer", "--perspektiv", "ikke_reelt")
    assert rc == 0 and "arbejdsmarkedsperspektiv ikke reelt" in out


def test_figures_follow_the_grouping_and_the_filters(g):
    from report import figures

    df = frame()
    fig = figures.figure("fig4.1", df, g, cuts=Cuts(by="perspektiv"))
    bar = fig.data[0]
    assert bar.meta["groups"] == ["reelt", "ikke_reelt", "uoplyst", "i_alt"]  # R8 has no perspektiv
    assert list(bar.text) == ["3 af 4", "1 af 2", "1 af 1", "5 af 7"]
    assert bar.x[0].startswith("Reelt") and fig.layout.xaxis.title.text == "Arbejdsmarkedsperspektiv"
    assert "— efter arbejdsmarkedsperspektiv" in fig.layout.title.text.replace("<br>", " ")
    pub = figures.figure("fig7.2", df, g, cuts=Cuts(by="sted"), publish=True, min_n=4)
    # Amadeus (n = 3) left out, and Basen with it: I alt − Basen would give Amadeus's numbers
    assert {tuple(t.meta["groups"]) for t in pub.data} == {("i_alt",)}
    assert any("Udeladt, n under 4" in n and "Amadeus" in n and "Basen" not in n.split(PUB.PROTECTING)[0]
               and "Basen" in n.split(PUB.PROTECTING)[1] for n in pub.layout.meta["notes"])
    maps = figures.figure("kvalitetskort_grupper", df, g, cuts=Cuts(by="interviewer", perspektiv="reelt"))
    assert maps.layout.meta["groups"] == ["KL", "MJ"] and maps.layout.meta["by"] == "interviewer"
    titles = [a.text for a in maps.layout.annotations if a.text and "(n = " in a.text]
    assert titles == ["KL (n = 3)", "MJ (n = 1)"]
    assert "arbejdsmarkedsperspektiv reelt" in maps.layout.title.text.replace("<br>", " ")
    with pytest.raises(figures.FigureError, match="kan ikke grupperes"):
        figures.figure("7.2", df, g, cuts=Cuts(by="sted"))
    with pytest.raises(figures.FigureError, match="Ukendt sted"):
        figures.figure("kvalitetskort", df, g, cuts=Cuts(site="Et andet sted"))


def test_the_workbook_filters_groups_and_says_so(demo, tmp_path, capsys):
    url, wide = demo["url"], demo["wide"]
    out = tmp_path / "r.xlsx"
    rc, _, _ = _cli(capsys, "--db", url, "report", str(out), "--efter", "sted", "--perspektiv", "reelt", "--publish")
    assert rc == 0
    wb = openpyxl.load_workbook(out)
    meta = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r and r[0]}
    pop = wide[wide["arbejdsmarkedsperspektiv"] == "reelt"]
    assert meta["Population"] == f"Population: arbejdsmarkedsperspektiv reelt (n = {len(pop)})."
    assert meta["Filter: arbejdsmarkedsperspektiv"] == "Reelt arbejdsmarkedsperspektiv"
    assert meta["Tabeller efter"] == "sted"
    rows = list(wb["Tabel 3.2"].iter_rows(values_only=True))
    assert rows[0][0].endswith("— efter sted")
    head = next(i for i, r in enumerate(rows) if r[0] == "Sted")
    body = {r[0]: r[3] for r in rows[head + 1:] if r[0] and r[3] is not None}
    counts = pop["site"].value_counts()
    for site, n in counts.items():  # published: n under 5 is shown as «<5», never the count
        # … and a site that protects a small one from «I alt» minus the others «–» (secondary suppression)
        assert body[site] == (n if n >= 5 else "<5") or (n >= 5 and body[site] == "–"), site
    assert "<5" in body.values() and "–" in body.values()
    assert body["I alt"] == len(pop)
    assert set(body) - {"I alt"} == set(counts.index)
    # one workbook, one set of hidden sites: Oversigt (sites under their site type) hides the same as
    # Tabel 3.2 (sites in one list) — else a site one sheet shows gives another's hidden one away
    over = list(wb["Oversigt"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(over) if r[0] == "Type")
    gone_over = {r[1] for r in over[head + 1:] if r[1] and r[2] in ("<5", "–")}
    assert gone_over == {s for s, v in body.items() if v in ("<5", "–")}


def test_grouping_by_user_group_with_a_group_filter_keeps_that_group_and_i_alt(g):
    df = frame()
    md = registry.render("3.2", df, g, "md", group="etniske", cuts=Cuts(by="brugergruppe"))
    assert md == registry.render("3.2", df, g, "md", group="etniske")  # --efter brugergruppe is the default
    t = registry.compute("kvalitetskort", population(df, "etniske"), g, by="brugergruppe")
    assert set(t["brugergruppe"]) > {"etniske", "i_alt"}  # compute gives every block …
    csv_text = registry.render("kvalitetskort", df, g, "csv", group="etniske", cuts=Cuts(by="brugergruppe"))
    assert {r["brugergruppe"] for r in csv.DictReader(io.StringIO(csv_text))} == {"etniske", "i_alt"}  # … render one


def test_the_workbook_never_names_an_interviewer_the_data_sheet_hides(db_factory, tmp_path, capsys):
    """The guide marks `interviewer` as a direct identifier: the Data sheet says «Interviewer 1», so a
    sheet grouped or filtered by interviewer (and a saved analysis) must say the same, never the name."""
    import zipfile

    from report import saved
    from survey import wideio

    g = load_guide()
    url = db_factory.new()
    e = make_engine(url)
    assert load_demo(e, g) == 61
    rows = ("respondent_id,site,site_type,interviewer,gender\nXYZ-01,Basen,boform,Karen Blixen,kvinde\n"
            "XYZ-02,Basen,boform,Aage Andersen,mand\n")
    assert wideio.import_bytes(e, g, rows.encode("utf-8")).written == 2
    saved.save(e, g, "Hos en interviewer", "kvalitetskort", cuts=Cuts(interviewer="Karen Blixen"))
    out = tmp_path / "r.xlsx"
    rc, _, err = _cli(capsys, "--db", url, "report", str(out), "--efter", "interviewer")
    assert rc == 0, err
    with zipfile.ZipFile(out) as z:
        blob = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    assert "Karen" not in blob and "Blixen" not in blob and "Aage" not in blob and "Demo (syntetisk)" not in blob
    wb = openpyxl.load_workbook(out)
    data = list(wb["Data"].iter_rows(values_only=True))
    col = data[0].index("interviewer")
    karen = next(r[col] for r in data[1:] if r[0] == "XYZ-01")
    rows32 = {r[0]: r[3] for r in wb["Tabel 3.2"].iter_rows(values_only=True) if r and r[0]}
    assert rows32[karen] == 1 and karen.startswith("Interviewer ")  # the same pseudonym as the Data sheet
    assert f"interviewer {karen} (n = 1)" in wb["Mine Hos en interviewer"]["A2"].value
    # the rows come in the pseudonyms' order, not the real names' (Aage, Demo, Karen): that order would
    # tell a reader who knows the team who is who
    names = [k for k in rows32 if isinstance(k, str) and k.startswith("Interviewer ")]
    assert names == ["Interviewer 1", "Interviewer 2", "Interviewer 3"]
    aage = next(r[col] for r in data[1:] if r[0] == "XYZ-02")
    assert aage != "Interviewer 1"  # numbered by the study (first interview), so the old row order was not this

    # published from the CLI (a table, a figure, a saved analysis): the same pseudonyms, never a name
    def no_names(text: str) -> None:
        assert not any(w in text for w in ("Karen", "Blixen", "Aage", "Andersen", "Demo (syntetisk)")), text

    rc, out_csv, err = _cli(capsys, "--db", url, "table", "3.2", "--efter", "interviewer", "--publish",
                            "--format", "csv")
    assert rc == 0, err
    no_names(out_csv)
    cli_rows = [r["interviewer"] for r in csv.DictReader(io.StringIO(out_csv))]
    assert cli_rows == [*names, "i_alt"]  # the workbook's pseudonyms, in their order
    # the demo's interviewer is hidden in Tabel 3.2 by interviewer (it protects the two with one interview
    # each): a population cut to it would give their two together away, so it is refused — naming no one
    # (a reviewer: `--group etniske` gave De etniske whole beside the unfiltered tables)
    for argv in (("table", "fig4", "--probe", "rytme"), ("crosstab", "gender", "rytme")):
        rc, out_md, err = _cli(capsys, "--db", url, *argv, "--interviewer", "Demo (syntetisk)", "--publish",
                               "--format", "md")
        assert rc == 1 and "kan populationen ikke afgrænses til en interviewer" in err, argv
        no_names(out_md + err)
    # one interview each: nothing is published about them (`check_publishable`), and the refusal names no one
    for argv in (("table", "fig4", "--probe", "rytme", "--interviewer", "Karen Blixen"),
                 ("crosstab", "gender", "rytme", "--interviewer", "Aage Andersen"),
                 ("table", "mine:Hos en interviewer")):
        rc, out_md, err = _cli(capsys, "--db", url, *argv, "--publish", "--format", "md")
        assert rc == 1 and "Populationen har færre end 5 respondenter" in err, argv
        no_names(out_md + err)
    fig_path = tmp_path / "f.html"
    rc, _, err = _cli(capsys, "--db", url, "figure", "fig4", "--probe", "rytme", "--efter", "interviewer",
                      "--publish", "--out", str(fig_path))
    assert rc == 0, err
    html_text = fig_path.read_text(encoding="utf-8")
    no_names(html_text)
    assert "Interviewer 3" in html_text  # the one interviewer with 59 answers: a bar under its pseudonym
    # a published workbook has no saved analysis (each its own population, its own hidden groups: beside
    # the workbook's sheets they gave hidden numbers away), and its Metode sheet says so
    rc, _, err = _cli(capsys, "--db", url, "report", str(tmp_path / "p.xlsx"), "--efter", "interviewer", "--publish")
    assert rc == 0, err
    pub = openpyxl.load_workbook(tmp_path / "p.xlsx")
    assert not [n for n in pub.sheetnames if n.startswith("Mine ")]
    metode = {r[0]: r[1] for r in pub["Metode"].iter_rows(values_only=True) if r and r[0]}
    assert metode["Gemte analyser"] == "ikke med i en udgave til offentliggørelse"
    # without --publish the research team sees the names (the Data sheet of its own workbook is masked)
    rc, out_csv, err = _cli(capsys, "--db", url, "table", "3.2", "--efter", "interviewer", "--format", "csv")
    assert "Karen Blixen" in out_csv
    e.dispose()


def test_names_are_sorted_with_their_numbers_as_numbers():
    from report.population import by_name

    names = ["Interviewer 10", "interviewer 2", "Sted B", "Interviewer 1", "sted a"]
    assert sorted(names, key=by_name) == ["Interviewer 1", "interviewer 2", "Interviewer 10", "sted a", "Sted B"]
    df = frame().assign(interviewer=["I 10", "I 2", "I 2", "I 1", "I 10", "I 1", "I 2", "I 10"])
    assert group_rows(df, "interviewer")[1] == ["I 1", "I 2", "I 10"]


def test_a_site_called_like_a_reserved_row_keeps_its_own_row(g):
    df = frame()
    df.loc[df["site"] == "Amadeus", "site"] = "i_alt"
    codes, levels = group_rows(df, "sted")
    assert levels == ["Basen", "i_alt (sted)"]
    t = tables.figur_7(df, 1, g, by="sted")
    assert t[t["site"] == "i_alt"]["n"].iloc[0] == 8 and t[t["site"] == "i_alt (sted)"]["n"].iloc[0] == 3
    md = registry.render("kvalitetskort", df, g, "md", cuts=Cuts(by="sted"))
    assert "### Sted: i_alt (sted) (3 respondenter *)" in md and "### Sted: I alt (8 respondenter)" in md


def test_one_rule_for_the_csv_columns_of_a_grouped_map_and_safe_file_names():
    from ui.rapport_view import _safe_name

    assert registry.csv_columns("kvalitetskort", "sted") == ["site", "respondenter", *quality_map.CSV_COLUMNS]
    assert registry.csv_columns("kvalitetskort") == quality_map.CSV_COLUMNS
    assert registry.csv_columns("4.1") is None
    assert _safe_name("Bo/Nord ../../x") == "bo_nord_x" and _safe_name("Værestedet i Otterup") == "vaerestedet_i_otterup"
    assert _safe_name("//") == "sted" and len(_safe_name("å" * 200)) == 30


def test_satisfaction_listened_and_agreed_by_group_as_tables_figures_and_sheets(demo, tmp_path, capsys):
    """Issue 14, users (chapters 4 and 7): samlet_tilfredshed, lyttet_til and enige by user group."""
    from report import figures

    url, wide, g = demo["url"], demo["wide"], demo["guide"]
    groups = population(wide)["brugergruppe"]
    for tid, code in tables.JUDGEMENTS.items():
        t = registry.compute(tid, wide, g).set_index(["brugergruppe", "svar"])
        for grp in ("aeldre_misbrugere", "etniske"):
            sub = wide[groups == grp]
            for v in g.item(code).choice_values():
                assert t.loc[(grp, v), "antal"] == int((sub[code] == v).sum()), (tid, grp, v)
            assert t.loc[(grp, "ikke_besvaret"), "antal"] == int(sub[code].isna().sum() + (sub[code] == "").sum())
        assert t.loc[("i_alt", g.item(code).choice_values()[0]), "n"] == len(wide)
        fig = figures.figure(tid, wide, g)
        assert fig.layout.meta["figure"] == tid and len(fig.data) == len(g.item(code).choice_values()) + 1
    # the report: «about 40 of 61» satisfied (method.md); the demo is built to say 41
    tilfreds = registry.compute("tilfredshed", wide, g)
    assert tilfreds[(tilfreds["brugergruppe"] == "i_alt") & (tilfreds["svar"] == "tilfreds")]["antal"].iloc[0] == 41
    rc, out, _ = _cli(capsys, "--db", url, "table", "lyttet", "--efter", "perspektiv")
    assert rc == 0 and "| Reelt arbejdsmarkedsperspektiv" in out and "holdninger? efter arbejdsmarkedsperspektiv (afsnit" in out
    xlsx = tmp_path / "r.xlsx"
    assert _cli(capsys, "--db", url, "report", str(xlsx))[0] == 0
    wb = openpyxl.load_workbook(xlsx)
    assert {"Tilfredshed (4.2)", "Lyttet til (7.1)", "Enige (7.1)"} <= set(wb.sheetnames)
    rows = {r[0]: r for r in wb["Tilfredshed (4.2)"].iter_rows(values_only=True) if r and r[0]}
    assert rows["I alt"][1] == 41  # Tilfreds


def test_section_4_4_typology_the_bilag_b_question_and_the_guides_introduction(demo, capsys):
    """Issue 14: the guide items section 4.4 needs (the kinds of dissatisfaction, chose it myself, how
    recent the offer is), the missing Bilag B question and «Fakta om undersøgelsen»."""
    g, wide, url = demo["guide"], demo["wide"], demo["url"]
    assert g.item("utilfreds_type").type == "select_multiple" and g.item("utilfreds_type").role == "forsker"
    assert g.item("utilfreds_type").choice_values() == ["overladt", "mangler_tilbud", "kan_ikke_klare", "jobstoette"]
    assert g.item("valgte_selv").choice_values() == ["ja", "nej"]
    assert g.item("tilbud_aktualitet").choice_values() == ["igangvaerende", "seneste_1_2_aar", "aeldre"]
    assert g.item("vigtigste_problemer").label == "Var det de vigtigste problemer, kommunen ville handle på først?"
    assert g.codes.index("vigtigste_problemer") == g.codes.index("andre_problemer_foerst") - 1  # as in Bilag B
    assert g.fakta[0].startswith("Fokus: holdninger til aktivering") and g.fakta[-1] == \
        "Interviewet vil tage omkring en time."
    # only the dissatisfied are typed (the item is relevant for them only)
    assert not g.is_relevant("utilfreds_type", {"samlet_tilfredshed": "tilfreds"})
    assert g.is_relevant("utilfreds_type", {"samlet_tilfredshed": "utilfreds"})
    typed = wide[wide["utilfreds_type"].notna()]
    assert set(typed["samlet_tilfredshed"]) == {"utilfreds"}
    t = registry.compute("4.4", wide, g).set_index("utilfreds_type")
    # the report (4.4.1): about ten users feel «syltet», five younger and five older misusers
    assert (t.loc["overladt", "n"], t.loc["overladt", "antal_unge_misbrugere"],
            t.loc["overladt", "antal_aeldre_misbrugere"]) == (10, 5, 5)
    assert t.loc["i_alt", "n"] == len(typed)
    rc, out, _ = _cli(capsys, "--db", url, "table", "4.4")
    assert rc == 0 and "| Overladt til sig selv" in out and "«I alt» tæller hver respondent én gang" in out


def test_a_small_population_marks_the_rows_the_workbook_hides_in_every_markdown_table(g):
    """Found by a tester: «table 3.1 --sted Amadeus» (n = 3 here) and «table 4.1» for it showed no «*»,
    though the workbook and the Rapport page hide those rows. The mark follows `row_n` (one rule)."""
    from report.publication import hidden_rows, row_n

    df = frame()
    for tid in ("3.1", "4.1", "4.2"):
        md = registry.render(tid, df, g, "md", cuts=Cuts(site="Amadeus"))
        pop = population(df, None, None, Cuts(site="Amadeus"))
        want = hidden_rows(row_n(tid, registry.compute(tid, pop, g), len(pop)))
        rows = [line for line in md.split("\n\n")[2].splitlines()[2:]]
        assert [line.split(" | ")[0].endswith(" *") or line.split(" | ")[0].rstrip().endswith("*")
                for line in rows] == list(want), (tid, md)
        assert ("Markeret med *: n under 5" in md) == bool(want.any())
    assert "Markeret med *" not in registry.render("3.1", df, g, "md")  # n = 8: nothing small
    # Figur 4 by interviewer: KL's 5 answers to rytme are not small, MJ's 1 is — and with MJ left out by
    # the filter, no row is marked, and no note says one is (a note under an unmarked table)
    md = registry.render("fig4", df, g, "md", probe="rytme", cuts=Cuts(by="interviewer", interviewer="KL"))
    assert " * |" not in md and "Markeret med *" not in md
    md = registry.render("fig4", df, g, "md", probe="rytme", cuts=Cuts(by="interviewer"))
    assert " * |" in md and "Markeret med *" in md
