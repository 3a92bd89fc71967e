"""Issue 14, saved analyses: a crosstab or a quality map for any population, named and kept with the
study; `brugerblik table mine:NAVN` prints it, the workbook has a sheet for each. On the demo study,
SQLite and PostgreSQL (db_factory)."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import delete, update

from brugerblik.cli import main
from report import quality_map, saved
from report.crosstab import crosstab, render_crosstab
from report.errors import TableError
from report.population import Cuts, population
from report.tables import to_csv
from survey import auth, store
from survey import interview as svc
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.guide import load_guide
from survey.models import SavedAnalysis


@pytest.fixture(scope="module")
def study(demo_study):
    return demo_study


@pytest.fixture
def clean(study):
    yield study
    with session_scope(study["engine"]) as s:
        s.execute(delete(SavedAnalysis))


def _cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_save_get_list_and_delete_with_the_names_rules(clean):
    e, g = clean["engine"], clean["guide"]
    got = saved.save(e, g, "  Problemer   reelt ", "krydstabel", a="problemer", b="brugergruppe",
                     cuts=Cuts(perspektiv="reelt"), who="fie")
    assert got.name == "Problemer reelt" and got.created_by == "fie"
    again = saved.get(e, "PROBLEMER REELT")  # any case, any spacing
    assert (again.kind, again.a, again.b, again.cuts.perspektiv, again.group) == (
        "krydstabel", "problemer", "brugergruppe", "reelt", None)
    with pytest.raises(saved.AnalysisError, match="Der findes allerede en analyse med navnet «Problemer reelt»"):
        saved.save(e, g, "problemer reelt", "kvalitetskort")
    saved.save(e, g, "problemer reelt", "kvalitetskort", cuts=Cuts(by="sted"), replace=True)
    assert saved.get(e, "Problemer reelt").kind == "kvalitetskort"
    saved.save(e, g, "Ældre på boformer", "kvalitetskort", group="aeldre_misbrugere", site_type="boform")
    assert [a.name for a in saved.all_analyses(e)] == ["problemer reelt", "Ældre på boformer"]
    for bad, what in (("", "intet"), ("x" * 26, "26 tegn"), ("a:b", "andre tegn"), ("=HYPERLINK(1)", "andre tegn")):
        with pytest.raises(saved.AnalysisError, match=f"1–25 tegn.*fik {what}"):
            saved.save(e, g, bad, "kvalitetskort")
    with pytest.raises(saved.AnalysisError, match="Ukendt slags analyse"):
        saved.save(e, g, "x", "tabel")
    with pytest.raises(TableError, match="kan ikke krydstabuleres"):
        saved.save(e, g, "x", "krydstabel", a="hverdag", b="gender")
    with pytest.raises(saved.AnalysisError, match="gruppering"):
        saved.save(e, g, "x", "krydstabel", a="gender", b="brugergruppe", cuts=Cuts(by="sted"))
    with pytest.raises(TableError, match="brugergruppe"):
        saved.save(e, g, "x", "kvalitetskort", group="nisser")
    with pytest.raises(auth.AuthError, match="gemme eller slette analyser"):
        saved.save(e, g, "x", "kvalitetskort", principal=auth.Principal("ida", "interviewer"))
    assert "x" not in [a.name for a in saved.all_analyses(e)]  # a refusal changes nothing
    saved.delete(e, "ÆLDRE PÅ BOFORMER")
    with pytest.raises(saved.AnalysisError, match="Ingen gemt analyse hedder «Ældre på boformer» — gemte: "
                                                  "problemer reelt"):
        saved.get(e, "Ældre på boformer")


def test_an_analysis_is_computed_on_its_own_population_from_the_store(clean):
    e, g, wide = clean["engine"], clean["guide"], clean["wide"]
    an = saved.save(e, g, "Problemer", "krydstabel", a="problemer", b="gender", site_type="boform",
                    cuts=Cuts(perspektiv="ikke_reelt"))
    pop = population(wide, None, "boform", Cuts(perspektiv="ikke_reelt"))
    assert to_csv(saved.compute(an, wide, g)) == to_csv(crosstab(pop, g, "problemer", "gender"))
    md = saved.render(an, wide, g, "md")
    assert md.startswith("# Gemt analyse «Problemer»\n\n## Krydstabel: ")
    assert f"Population: stedtype Boform, arbejdsmarkedsperspektiv ikke reelt (n = {len(pop)})." in md
    assert saved.render(an, wide, g, "csv") == render_crosstab(pop, g, "problemer", "gender", fmt="csv")
    kort = saved.save(e, g, "Kort", "kvalitetskort", cuts=Cuts(by="perspektiv"))
    t = saved.compute(kort, wide, g)
    assert t.equals(quality_map.kvalitetskort_by(wide, g, "perspektiv"))


def test_a_spec_that_cannot_be_read_is_refused_by_name_not_crashed_on(clean):
    e, g = clean["engine"], clean["guide"]
    saved.save(e, g, "Ødelagt", "kvalitetskort")
    with session_scope(e) as s:
        s.execute(update(SavedAnalysis).values(spec='{"efter": "alder", "ukendt": 1}'))
    with pytest.raises(saved.AnalysisError, match="«Ødelagt» kan ikke læses; slet den og gem den igen"):
        saved.get(e, "Ødelagt")
    assert saved.all_analyses(e) == []  # left out of the list (and the workbook), never a traceback
    saved.delete(e, "ødelagt")  # and it can be deleted, as the message says
    with pytest.raises(saved.AnalysisError, match="der er ingen gemte analyser endnu"):
        saved.get(e, "Ødelagt")


def test_the_cli_saves_prints_and_the_workbook_has_a_sheet_each(clean, tmp_path, capsys):
    url, g, wide = clean["url"], clean["guide"], clean["wide"]
    rc, out, _ = _cli(capsys, "--db", url, "analyse", "gem", "Problemer reelt", "--krydstabel", "problemer",
                      "brugergruppe", "--perspektiv", "reelt")
    assert rc == 0 and "Gemt: «Problemer reelt»" in out
    rc, out, _ = _cli(capsys, "--db", url, "analyse", "gem", "Kort pr sted", "--efter", "sted",
                      "--site-type", "boform")
    assert rc == 0
    rc, out, _ = _cli(capsys, "--db", url, "analyse", "liste")
    assert out.splitlines()[0].startswith("mine:Kort pr sted\tKvalitetskort efter sted\tPopulation: stedtype Boform")
    rc, out, err = _cli(capsys, "--db", url, "table", "mine:problemer reelt", "--format", "csv")
    pop = population(wide, cuts=Cuts(perspektiv="reelt"))
    assert rc == 0 and out == to_csv(crosstab(pop, g, "problemer", "brugergruppe"))
    rows = {r["problemer"]: r for r in csv.DictReader(io.StringIO(out))}
    assert int(rows["i_alt"]["n"]) == len(pop)
    rc, out, err = _cli(capsys, "--db", url, "table", "mine:Kort pr sted", "--group", "etniske")
    assert rc == 1 and "egen population" in err
    rc, out, err = _cli(capsys, "--db", url, "table", "mine:findes ikke")
    assert rc == 1 and "gemte: Kort pr sted, Problemer reelt" in err
    # the workbook: a sheet per analysis, on its own population (published: none, `exports.workbook`)
    xlsx = tmp_path / "r.xlsx"
    rc, _, _ = _cli(capsys, "--db", url, "report", str(xlsx), "--group", "etniske", "--publish")
    assert rc == 0 and not [n for n in openpyxl.load_workbook(xlsx).sheetnames if n.startswith("Mine ")]
    rc, _, _ = _cli(capsys, "--db", url, "report", str(xlsx), "--group", "etniske")
    assert rc == 0
    wb = openpyxl.load_workbook(xlsx)
    assert {"Mine Kort pr sted", "Mine Problemer reelt"} <= set(wb.sheetnames)
    sheet = list(wb["Mine Problemer reelt"].iter_rows(values_only=True))
    assert sheet[0][0].startswith("Gemt analyse «Problemer reelt»: Krydstabel")
    assert sheet[1][0] == f"Population: arbejdsmarkedsperspektiv reelt (n = {len(pop)})."  # not the workbook's
    body = {r[0]: r for r in sheet[4:] if r[0]}
    want = crosstab(pop, g, "problemer", "brugergruppe").set_index("problemer")
    label = g.item("problemer").choice_label
    n_col = list(sheet[3]).index("n")
    for code, r in want.iterrows():
        shown = body["I alt" if code == "i_alt" else label(code)][n_col]
        assert shown == int(r["n"]), code  # the team's own copy: every n
    meta = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r and r[0]}
    assert meta["Gemte analyser"].startswith("2, hver på sit eget ark")
    rc, out, _ = _cli(capsys, "--db", url, "analyse", "slet", "kort PR sted")
    assert rc == 0 and [a.name for a in saved.all_analyses(clean["engine"])] == ["Problemer reelt"]


def test_roles_a_report_writer_saves_an_interviewer_may_not(clean, capsys):
    e, g = clean["engine"], clean["guide"]
    saved.save(e, g, "Skribent", "kvalitetskort", principal=auth.Principal("rw", "report_writer"))
    with pytest.raises(auth.AuthError):
        saved.delete(e, "Skribent", principal=auth.Principal("ida", "interviewer"))
    assert saved.get(e, "Skribent").created_by == "rw"


def test_a_saved_analysis_counts_completed_interviews_only(db_factory, capsys):
    g = load_guide()
    url = db_factory.new()
    e = make_engine(url)
    assert load_demo(e, g) == 61
    iv = svc.start_interview(e, g, site_name="Basen", site_type="boform", interviewer="KL")
    assert svc.save_answer(e, g, iv.id, "gender", "kvinde").ok
    assert svc.save_answer(e, g, iv.id, "rytme", "ja").ok
    saved.save(e, g, "Køn", "krydstabel", a="gender", b="rytme")
    done = crosstab(store.load_wide(e, g), g, "gender", "rytme")["n"].iloc[-1]
    rc, out, err = _cli(capsys, "--db", url, "table", "mine:Køn", "--format", "csv")
    total = list(csv.DictReader(io.StringIO(out)))[-1]
    assert rc == 0 and (total["gender"], total["n"]) == ("i_alt", str(done))  # the draft left out
    assert "1 kladde er ikke talt med" in err
    rc, out, _ = _cli(capsys, "--db", url, "table", "mine:Køn", "--format", "csv", "--med-kladder")
    assert list(csv.DictReader(io.StringIO(out)))[-1]["n"] == str(done + 1)
    e.dispose()


def test_a_population_the_study_does_not_have_is_refused_at_save(clean, capsys):
    """A site or interviewer not in the study: refused when saved (nothing stored), in Danish."""
    url, e, g, wide = clean["url"], clean["engine"], clean["guide"], clean["wide"]
    rc, out, err = _cli(capsys, "--db", url, "analyse", "gem", "Væk", "--sted", "Findes ikke")
    assert rc == 1 and "Gemt" not in out and "sted" in err.lower() and saved.all_analyses(e) == []
    with pytest.raises(TableError):
        saved.save(e, g, "Væk", "kvalitetskort", cuts=Cuts(interviewer="Ingen Sådan"), wide=wide)
    assert saved.all_analyses(e) == []
    site = sorted(set(wide["site"].dropna()))[0]
    assert saved.save(e, g, "Her", "kvalitetskort", cuts=Cuts(site=site), wide=wide).cuts.site == site


def test_the_workbook_names_no_interviewer_for_a_population_that_is_gone(clean, tmp_path, capsys):
    """A saved analysis whose interviewer has left the study: its sheet says it cannot be computed,
    with no names (the refusal's own message lists the study's interviewers)."""
    url, e, g, wide = clean["url"], clean["engine"], clean["guide"], clean["wide"]
    saved.save(e, g, "Gammel", "kvalitetskort", cuts=Cuts(interviewer="Ingen Sådan"))  # saved before it left
    xlsx = tmp_path / "r.xlsx"
    assert _cli(capsys, "--db", url, "report", str(xlsx))[0] == 0
    cells = [str(v) for r in openpyxl.load_workbook(xlsx)["Mine Gammel"].iter_rows(values_only=True) for v in r if v]
    assert any(c.startswith("Kan ikke beregnes: analysens sted eller interviewer findes ikke") for c in cells)
    names = {str(v) for v in wide["interviewer"].dropna()}
    assert names and not any(n in c for n in names for c in cells)


def test_a_map_for_one_user_group_by_user_group_keeps_that_group(clean, tmp_path, capsys):
    """Group filter + grouping by user group: that group's map and I alt, as `table` prints it (not
    five empty maps for the groups the filter left out) — in `compute` and on the workbook sheet."""
    url, e, g, wide = clean["url"], clean["engine"], clean["guide"], clean["wide"]
    an = saved.save(e, g, "Etniske", "kvalitetskort", group="etniske", cuts=Cuts(by="brugergruppe"))
    t = saved.compute(an, wide, g)
    assert list(dict.fromkeys(t["brugergruppe"])) == ["etniske", "i_alt"]
    xlsx = tmp_path / "r.xlsx"
    assert _cli(capsys, "--db", url, "report", str(xlsx))[0] == 0
    rows = list(openpyxl.load_workbook(xlsx)["Mine Etniske"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Brugergruppe")
    groups = {r[0] for r in rows[head + 1:] if r[0] and r[1]}
    assert groups == {"De etniske", "I alt"}, groups
