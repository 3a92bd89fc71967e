"""Issue 15, matrix coding: theme codes × a coded attribute, against hand counts on the demo study
with a small codebook, two transcripts and a quote; through the CLI (CSV and Markdown)."""
from __future__ import annotations

import csv
import io

import pytest

from brugerblik.cli import main
from coding import codebook, quotebank
from coding import transcripts as tr
from report import matrix as MX
from report.errors import TableError
from report.population import effective_groups
from survey import store
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.guide import load_guide

TEXT = ("I: Hvordan er din dag?\nB: Jeg står op klokken syv, det giver rytme.\n"
        "I: Og kontakten?\nB: Jeg snakker med personalet hver dag.\n")


def build_coded_study(url: str):
    """The demo study and: codes trivsel with sub-codes rytme and kontakt (rytme with its own
    sub-code morgen); AMA-01's transcript: segment 1 rytme + morgen, segment 3 kontakt; TRE-01's
    transcript: segment 1 morgen; a quote of AMA-01 coded kontakt. Returns (engine, guide)."""
    g = load_guide()
    e = make_engine(url)
    assert load_demo(e, g) == 61
    with session_scope(e) as s:
        codebook.create_code(s, "Trivsel", key="trivsel")
        codebook.create_code(s, "Rytme", key="t_rytme", parent="trivsel")
        codebook.create_code(s, "Morgen", key="t_morgen", parent="t_rytme")
        codebook.create_code(s, "Kontakt", key="t_kontakt", parent="trivsel")
        a = tr.import_transcript(s, "AMA-01", TEXT.encode(), "ama.txt", who="Ida")
        b = tr.import_transcript(s, "TRE-01", TEXT.encode(), "tre.txt", who="Ida")
        segs_a = tr.segments_for(s, a.id)
        segs_b = tr.segments_for(s, b.id)
        tr.code_segment(s, segs_a[1].id, ["t_rytme", "t_morgen"], who="Ida")
        tr.code_segment(s, segs_a[3].id, ["t_kontakt"], who="Ida")
        tr.code_segment(s, segs_b[1].id, ["t_morgen"], who="Ida")
        q = tr.quote_from_segment(s, segs_a[3].id, who="Ida", copy_codes=False)
        quotebank.code_quote(s, q.id, ["t_kontakt"], who="Ida")
    return e, g


@pytest.fixture(scope="module")
def study(db_factory):
    url = db_factory.new()
    e, g = build_coded_study(url)
    wide = store.load_wide(e, g)
    yield dict(url=url, engine=e, guide=g, wide=wide)
    e.dispose()


def test_a_code_group_by_site_type_hand_counted(study):
    from coding import service

    g, wide = study["guide"], study["wide"]
    name, rows, units = service.matrix_units(study["engine"], "trivsel")
    assert name == "Trivsel" and rows == [("t_rytme", "Rytme"), ("t_kontakt", "Kontakt")]
    t = MX.matrix(rows, units, wide, g, "site_type").set_index("kode")
    # Rytme: AMA-01's segment (rytme + morgen: once) and TRE-01's (morgen, under rytme)
    assert (t.loc["t_rytme", "kodninger_vaerested"], t.loc["t_rytme", "kodninger_boform"]) == (1, 1)
    assert (t.loc["t_rytme", "kodninger_i_alt"], t.loc["t_rytme", "respondenter_i_alt"]) == (2, 2)
    # Kontakt: AMA-01's segment and the quote: two codings, one respondent
    assert (t.loc["t_kontakt", "kodninger_vaerested"], t.loc["t_kontakt", "respondenter_vaerested"]) == (2, 1)
    assert t.loc["t_kontakt", "kodninger_boform"] == 0
    # I alt: four units (the AMA-01 segment coded rytme and the one coded kontakt are different)
    assert (t.loc["i_alt", "kodninger_i_alt"], t.loc["i_alt", "respondenter_i_alt"]) == (4, 2)
    assert t.loc["i_alt", "kodninger_ikke_besvaret"] == 0


def test_one_code_without_sub_codes_is_its_own_row_and_the_population_filters(study):
    g, wide = study["guide"], study["wide"]
    from coding import service

    _, rows, units = service.matrix_units(study["engine"], "t_kontakt")
    assert rows == [("t_kontakt", "Kontakt")]
    grp = effective_groups(wide[wide["respondent_id"] == "AMA-01"])[0]
    t = MX.matrix(rows, units, wide, g, "brugergruppe").set_index("kode")
    assert t.loc["t_kontakt", f"kodninger_{grp}"] == 2
    other = wide[wide["respondent_id"] != "AMA-01"]
    t2 = MX.matrix(rows, units, other, g, "brugergruppe")
    assert t2["kodninger_i_alt"].tolist() == [0, 0] and t2.attrs["udenfor"] == 2
    with pytest.raises(TableError, match="kan ikke krydstabuleres"):
        MX.matrix(rows, units, wide, g, "hverdag")  # free text is no attribute


def test_the_cli_prints_the_matrix(study, capsys):
    rc = main(["--db", study["url"], "matrix", "trivsel", "site_type", "--format", "csv"])
    out = capsys.readouterr().out
    rows = {r["kode"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rc == 0 and rows["t_kontakt"]["kodninger_vaerested"] == "2" and rows["i_alt"]["respondenter_i_alt"] == "2"
    rc = main(["--db", study["url"], "matrix", "trivsel", "site_type", "--site-type", "boform"])
    out = capsys.readouterr().out
    assert rc == 0 and "## Matrixkodning: Trivsel × " in out and "| Kontakt" in out
    assert "kodning(er) fra respondenter uden for populationen" in out  # AMA-01's, outside boform
    assert main(["--db", study["url"], "matrix", "findes_ikke", "site_type"]) == 1
    assert capsys.readouterr().err.strip()


def test_the_workbook_has_the_matrix_by_user_group_and_hides_small_cells_when_published(study, tmp_path, capsys):
    import openpyxl

    g, wide = study["guide"], study["wide"]
    grp = effective_groups(wide[wide["respondent_id"] == "AMA-01"])[0]
    from report.publication import value_label

    for publish in (False, True):
        out = tmp_path / f"r{int(publish)}.xlsx"
        assert main(["--db", study["url"], "report", str(out), *(["--publish"] if publish else [])]) == 0
        capsys.readouterr()
        ws = openpyxl.load_workbook(out)["Matrixkodning"]
        rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r and r[0] == "Trivsel"]
        kontakt = next(r for r in rows if r[1] == "Kontakt" and r[2] == value_label(g, "brugergruppe", grp))
        # two codings from one respondent: shown to the team, hidden for publication (1 < 5)
        assert kontakt[3:5] == (("–", "<5") if publish else (2, 1))
        total = next(r for r in rows if r[1] == "I alt" and r[2] == "I alt")
        assert total[3:5] == (("–", "<5") if publish else (4, 2))


def test_a_withdrawal_leaves_the_cached_data_and_every_coding_query_at_once(db_factory):
    """Review of issue 15: a withdrawal must change the store's fingerprint (the pages' caches) and
    the coding queries must leave the respondent out even before the cache is renewed."""
    from coding import service
    from report.data import store_revision
    from survey import privacy

    url = db_factory.new()
    e, g = build_coded_study(url)
    before = store_revision(e)
    _, rows, units = service.matrix_units(e, "trivsel")
    assert "AMA-01" in {u[3] for u in units}
    privacy.withdraw(e, "AMA-01", "interview", reason="Ønsker ikke at deltage", who="Fie")
    assert store_revision(e) != before
    _, rows, units = service.matrix_units(e, "trivsel")
    assert {u[3] for u in units} == {"TRE-01"}
    assert {u[3] for u in service.all_codings(e)[1]} == {"TRE-01"}
    assert {rid for rid, _ in service.respondent_texts(e)} == {"TRE-01"}
    seg_ids = [("segment", i) for _, k, i, rid in service.all_codings(e)[1]]
    assert all(rid == "TRE-01" for _, _, rid, _ in service.unit_texts(e, seg_ids))
    e.dispose()


def test_codings_on_the_group_code_itself_get_their_own_row(db_factory):
    """Review of issue 15: a segment coded with the group «Trivsel» itself was in no row and not in I alt."""
    from coding import service

    url = db_factory.new()
    e, g = build_coded_study(url)
    with session_scope(e) as s:
        segs = tr.segments_for(s, respondent="TRE-01")
        tr.code_segment(s, segs[3].id, ["trivsel"], who="Ida")
    name, rows, units = service.matrix_units(e, "trivsel")
    assert rows == [("t_rytme", "Rytme"), ("t_kontakt", "Kontakt"), ("trivsel", "Trivsel")]
    t = MX.matrix(rows, units, store.load_wide(e, g), g, "site_type").set_index("kode")
    assert t.loc["trivsel", "kodninger_boform"] == 1
    assert (t.loc["i_alt", "kodninger_i_alt"], t.loc["i_alt", "respondenter_i_alt"]) == (5, 2)
    e.dispose()
