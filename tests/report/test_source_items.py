"""Issue 14, chapters 5 and 6: the other sources' answers by site type (`report.source_items`),
against hand counts on small frames, and through the CLI and the registry on the demo study."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from brugerblik.cli import main
from report import registry, source_items
from report.errors import TableError
from report.population import Cuts
from survey import source_store

USERS = pd.DataFrame({"respondent_id": ["B1", "B2", "V1", "V2", "X1"],
                      "site": ["Basen", "Basen", "Amadeus", "Amadeus", None],
                      "site_type": ["boform", "boform", "vaerested", "vaerested", None]}, dtype=object)


def test_a_case_workers_item_by_the_users_site_type_single_and_multiple_choice():
    sb = pd.DataFrame({"source_id": ["s1", "s2", "s3", "s4", "s5"], "respondent_id": ["B1", "B2", "V1", "V2", "X1"],
                       "rigtige_tilbud": ["ja", "nej", "ja", None, "ved_ikke"],
                       "begrundelse": ["hverdagsrytme;almen_trivsel", "hverdagsrytme", None, "pligt_krav", "almen_trivsel"]},
                      dtype=object)
    t = source_items.compute("sb_rigtige_tilbud", {"sagsbehandler": sb}, USERS).set_index("site_type")
    assert list(t.index) == ["boform", "vaerested", "uoplyst", "i_alt"]  # X1 has no site type
    assert (t.loc["boform", "antal_ja"], t.loc["boform", "antal_nej"], t.loc["boform", "n"]) == (1, 1, 2)
    assert (t.loc["vaerested", "antal_ja"], t.loc["vaerested", "n"]) == (1, 1)  # V2 blank: not counted
    assert t.loc["i_alt", "n"] == 4 and t.loc["i_alt", "andel_ja"] == 0.5
    t = source_items.compute("sb_begrundelse", {"sagsbehandler": sb}, USERS).set_index("site_type")
    # boform: B1 (rytme, trivsel), B2 (rytme) -> rytme 2 of 2, trivsel 1 of 2: shares over 100 % together
    assert (t.loc["boform", "antal_hverdagsrytme"], t.loc["boform", "antal_almen_trivsel"], t.loc["boform", "n"]) == (
        2, 1, 2)
    assert t.loc["i_alt", "n"] == 4 and t.loc["i_alt", "antal_almen_trivsel"] == 2
    body, notes = source_items.markdown_body("sb_begrundelse", t.reset_index())
    assert "Flere svar pr. kilde" in " ".join(notes) and "| Boform" in body


def test_leaders_by_their_own_site_type_and_untouched_case_files():
    leder = pd.DataFrame({"source_id": ["l1", "l2", "l3"], "site": ["Basen", "Amadeus", "Solvang"],
                          "site_type": ["boform", "vaerested", "vaerested"],
                          "deltagelse": ["krav", "frivilligt", "frivilligt"]}, dtype=object)
    t = source_items.compute("leder_deltagelse", {"leder": leder}, USERS).set_index("site_type")
    assert (t.loc["boform", "antal_krav"], t.loc["vaerested", "antal_frivilligt"], t.loc["i_alt", "n"]) == (1, 2, 3)
    assert "uoplyst" not in t.index  # only when there is one
    journal = pd.DataFrame({"source_id": ["j1", "j2", "j3", "j4"], "respondent_id": ["B1", "B2", "V1", "V2"],
                            "interview_date": ["2007-03-01", "2007-03-01", "2007-03-01", "2007-03-01"],
                            "seneste_notat_dato": ["2006-03-01", "2006-03-02", None, "2005-01-01"]}, dtype=object)
    t = source_items.compute("journal_uroert", {"journal": journal}, USERS).set_index("site_type")
    # B1: 365 days -> untouched; B2: 364 -> touched; V1: no date -> not counted; V2: two years
    assert (t.loc["boform", "antal_ja"], t.loc["boform", "antal_nej"]) == (1, 1)
    assert (t.loc["vaerested", "antal_ja"], t.loc["vaerested", "n"]) == (1, 1)
    assert source_items.heading("journal_uroert", "antal_ja") == "Ikke rørt i et år+"
    # no case file read yet (no date columns): counted as none, not a crash
    t = source_items.compute("journal_uroert", {"journal": pd.DataFrame({"respondent_id": ["B1"]}, dtype=object)},
                             USERS).set_index("site_type")
    assert (t.loc["i_alt", "n"], t.loc["i_alt", "antal_ja"]) == (0, 0)
    assert source_items.heading("leder_deltagelse", "andel_krav").endswith("(%)")


@pytest.fixture(scope="module")
def demo(demo_study):
    return demo_study


def test_every_source_item_table_on_the_demo_through_the_cli(demo, capsys):
    frames = source_store.load_all(demo["engine"], demo["guide"])
    for tid, (informant, code, title) in source_items.SOURCE_ITEMS.items():
        assert main(["--db", demo["url"], "table", tid, "--format", "csv"]) == 0, tid
        out = capsys.readouterr().out
        rows = {r["site_type"]: r for r in csv.DictReader(io.StringIO(out))}
        frame = frames[informant]
        if code != "uroert":  # every source with an answer is counted once in I alt
            answered = frame[code].notna() & (frame[code] != "")
            assert int(rows["i_alt"]["n"]) == int(answered.sum()), tid
        assert int(rows["i_alt"]["n"]) > 0, tid  # the demo has data for every table
    # the journals' legal basis: I alt's LAB count is the files with lovgrundlag = lab
    rc = main(["--db", demo["url"], "table", "journal_lovgrundlag", "--format", "csv"])
    total = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))[-1]
    assert rc == 0 and int(total["antal_lab"]) == int((frames["journal"]["lovgrundlag"] == "lab").sum())
    # a filter narrows the sources to the population's users (and their sites' leaders)
    md = registry.render("sb_fokus", frames["brugere"], demo["guide"], "md", frames=frames,
                         cuts=Cuts(perspektiv="reelt"))
    assert "Population: arbejdsmarkedsperspektiv reelt" in md and "| I alt" in md


def test_agreement_over_every_shared_topic_with_the_case_worker_and_the_contact_person(demo, capsys, tmp_path):
    """Issue 14, 7.4: the user's account against the case worker's and the contact person's over all
    the topics the guides share, with a total over all comparisons."""
    from report import triangulation as TR
    from survey.sources import agreement, guide_for

    frames = source_store.load_all(demo["engine"], demo["guide"])
    users = frames["brugere"]
    gu = guide_for("bruger")
    for tid, informant in (("enighed_alle", "sagsbehandler"), ("enighed_kontaktperson", "kontaktperson")):
        t = registry.compute(tid, users, demo["guide"], frames=frames)
        go = guide_for(informant)
        codes = [c for _, _, c in TR.shared_topics(gu, go)]
        assert len(codes) >= 6 and {"tilbudstype", "begrundelse", "hvem_bestemte"} <= set(codes)
        assert list(t["kode"][:-1]) == codes and t["emne"].iloc[-1] == "i_alt"
        # hand count for one topic: pairs of a user and an interview about them, compared code by code
        other = frames[informant]
        by_id = users.set_index("respondent_id")
        tally = {"enige": 0, "delvist": 0, "uenige": 0, "mangler": 0}
        for _, r in other.iterrows():
            if r["respondent_id"] in by_id.index:
                a = gu.check_value("hvem_bestemte", by_id.loc[r["respondent_id"], "hvem_bestemte"])[0]
                b = go.check_value("hvem_bestemte", r["hvem_bestemte"])[0]
                tally[agreement("select_one", a, b)] += 1
        row = t[t["kode"] == "hvem_bestemte"].iloc[0]
        assert (row["enige"], row["uenige"], row["mangler"]) == (tally["enige"], tally["uenige"], tally["mangler"])
        total = t.iloc[-1]
        assert total["n"] == t["n"][:-1].sum() and total["enige"] == t["enige"][:-1].sum()
        assert abs(total["andel_enige"] - total["enige"] / total["n"]) < 1e-9
    rc = main(["--db", demo["url"], "table", "enighed_kontaktperson"])
    out = capsys.readouterr().out
    assert rc == 0 and "| I alt (alle emner)" in out and "brugerens kontaktperson" in out
    # the workbook: a sheet each, the total last
    import openpyxl

    assert main(["--db", demo["url"], "report", str(tmp_path / "r.xlsx")]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    rows = [r for r in wb["Enighed kontaktperson (7.4)"].iter_rows(values_only=True) if r and r[0]]
    total = registry.compute("enighed_kontaktperson", users, demo["guide"], frames=frames).iloc[-1]
    last = next(r for r in rows if r[0] == "I alt (alle emner)")
    assert (last[2], last[3]) == (total["n"], total["enige"])
    # published for one population (perspektiv ikke reelt): a hidden topic row hides the total (no numbers from fewer than min_n
    # people, none recoverable by subtraction)
    # (Basen, which protects Amadeus, is hidden whole and so refused as a population: see test_publication)
    assert main(["--db", demo["url"], "report", str(tmp_path / "p.xlsx"), "--publish", "--sted", "Basen"]) == 1
    assert "kan populationen ikke afgrænses til et sted" in capsys.readouterr().err
    assert main(["--db", demo["url"], "report", str(tmp_path / "p.xlsx"), "--publish", "--perspektiv", "ikke_reelt"]) == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")["Enighed alle emner (7.4)"]
    body = [r for r in ws.iter_rows(values_only=True) if r and r[0] and r[2] is not None and r[0] != "Emne"]
    assert body and any(r[2] == "<5" for r in body[:-1]) and body[-1][0] == "I alt (alle emner)"
    # hidden because a topic's people are fewer than 5 (the n publication uses): «<5»
    assert body[-1][1:] == ("–", "<5", "–", "–", "–", "–", "–")
    assert any(isinstance(v, str) and v.startswith("Undertrykt (n under 5)") and "I alt (alle emner)" in v
               for r in ws.iter_rows(values_only=True) for v in r)
    # the report's three topics stay as they were
    assert list(registry.compute("enighed", users, demo["guide"], frames=frames)["emne"]) == [
        "tilbud", "formaal", "hvem_bestemte"]


def test_the_workbook_has_every_source_item_table_on_one_sheet(demo, tmp_path, capsys):
    import openpyxl

    assert main(["--db", demo["url"], "report", str(tmp_path / "r.xlsx")]) == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Kilder (kap. 5-6)"]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r and r[6]]
    assert {r[6] for r in rows} == set(source_items.SOURCE_ITEMS)
    frames = source_store.load_all(demo["engine"], demo["guide"])
    t = registry.compute("journal_lovgrundlag", frames["brugere"], demo["guide"], frames=frames)
    lab = next(r for r in rows if r[6] == "journal_lovgrundlag" and r[1] == "I alt"
               and r[2] == source_items.label("journal_lovgrundlag", "lab"))
    total = t[t["site_type"] == "i_alt"].iloc[0]
    assert (lab[3], lab[4]) == (total["antal_lab"], total["n"])


def test_a_source_about_a_user_follows_the_users_group_a_leader_its_own_site():
    """Issue 14: chapters 5-6 «by site type and by user group». Hand counts: the case workers'
    interviews about B1 (unge) and V1 (etniske), one about a user outside the population (uoplyst)."""
    users = USERS.assign(brugergruppe=["unge_misbrugere", "aeldre_misbrugere", "etniske", "etniske", None],
                         arbejdsmarkedsperspektiv=["reelt", "ikke_reelt", "reelt", None, None])
    cw = pd.DataFrame({"source_id": ["s1", "s2", "s3", "s4"], "respondent_id": ["B1", "V1", "V2", "ZZ"],
                       "rigtige_tilbud": ["ja", "nej", "ja", "ja"]}, dtype=object)
    t = source_items.compute("sb_rigtige_tilbud", {"sagsbehandler": cw}, users, by="brugergruppe")
    rows = t.set_index("brugergruppe")
    assert list(t["brugergruppe"]) == ["andet", "etniske", "psykisk_paafaldende", "unge_misbrugere",
                                       "aeldre_misbrugere", "uoplyst", "i_alt"]
    assert (rows.loc["etniske", "antal_ja"], rows.loc["etniske", "antal_nej"], rows.loc["etniske", "n"]) == (1, 1, 2)
    assert (rows.loc["unge_misbrugere", "n"], rows.loc["aeldre_misbrugere", "n"], rows.loc["uoplyst", "n"]) == (1, 0, 1)
    assert rows.loc["i_alt", "n"] == 4
    t = source_items.compute("sb_rigtige_tilbud", {"sagsbehandler": cw}, users, by="perspektiv")
    assert list(t["arbejdsmarkedsperspektiv"]) == ["reelt", "uoplyst", "i_alt"] and t["n"].tolist() == [2, 2, 4]
    body, notes = source_items.markdown_body("sb_rigtige_tilbud", t)
    assert body.startswith("| Arbejdsmarkedsperspektiv") and "Reelt arbejdsmarkedsperspektiv" in body
    leder = pd.DataFrame({"source_id": ["l1", "l2"], "site": ["Basen", "Amadeus"], "site_type": ["boform", "vaerested"],
                          "deltagelse": ["krav", "frivilligt"]}, dtype=object)
    t = source_items.compute("leder_deltagelse", {"leder": leder}, users, by="sted")
    assert list(t["site"]) == ["Amadeus", "Basen", "i_alt"] and t["antal_krav"].tolist() == [0, 1, 1]
    with pytest.raises(TableError, match="Lederinterviewene handler om et sted.*tilladt: sted"):
        source_items.compute("leder_deltagelse", {"leder": leder}, users, by="brugergruppe")
    with pytest.raises(TableError, match="tilladt: brugergruppe, perspektiv, sted"):
        source_items.compute("sb_rigtige_tilbud", {"sagsbehandler": cw}, users, by="interviewer")


def test_chapter_5_6_by_user_group_through_the_cli_and_the_workbook(demo, tmp_path, capsys):
    import openpyxl

    frames = source_store.load_all(demo["engine"], demo["guide"])
    rc = main(["--db", demo["url"], "table", "journal_lovgrundlag", "--efter", "brugergruppe", "--format", "csv"])
    out = capsys.readouterr().out
    want = registry.compute("journal_lovgrundlag", frames["brugere"], demo["guide"], frames=frames, by="brugergruppe")
    got = list(csv.DictReader(io.StringIO(out)))
    assert rc == 0 and [r["brugergruppe"] for r in got] == want["brugergruppe"].tolist()
    assert [int(r["antal_lab"]) for r in got] == want["antal_lab"].tolist()
    assert int(got[-1]["antal_lab"]) == int((frames["journal"]["lovgrundlag"] == "lab").sum())
    assert main(["--db", demo["url"], "table", "leder_sigte", "--efter", "brugergruppe"]) == 1
    assert "Lederinterviewene handler om et sted" in capsys.readouterr().err
    assert main(["--db", demo["url"], "report", str(tmp_path / "r.xlsx")]) == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Kilder efter brugergruppe"]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r and r[6]]
    assert {r[6] for r in rows} == {t for t, (inf, _, _) in source_items.SOURCE_ITEMS.items() if inf != "leder"}
    lab = {r[1]: r for r in rows if r[6] == "journal_lovgrundlag" and r[2] == source_items.label("journal_lovgrundlag", "lab")}
    for _, r in want.iterrows():
        assert (lab[source_items.row_label("brugergruppe", r["brugergruppe"])][3:5]) == (r["antal_lab"], r["n"])


def test_the_legal_basis_per_person_hand_counted_and_the_reports_22_of_43():
    """Chapter 3's «Ud af de 43 personer der har fået et tilbud … de 22 er givet med henvisning til
    LAB», per person: one file saying LAB is enough, two count once; no file, no LAB."""
    from report import triangulation as TR

    users = USERS.assign(tilbudstype=["boform_vaerested", "udenfor", "andet", "ordinaert_arbejde", "intet_tilbud"])
    journal = pd.DataFrame({"respondent_id": ["B1", "B1", "V1", "V2", "X1"],
                            "kilde": ["kommune", "boform", "kommune", "kommune", "kommune"],
                            "lovgrundlag": ["lab", "lab", "sel", "lab", "lab"]}, dtype=object)
    t = TR.lab_personer(journal, users).set_index("site_type")
    # B1 (offer, two LAB files) counts once; B2 (offer, no file); V1 (offer, SEL); V2 ordinary work and
    # X1 no offer are not among those with an offer
    assert t.loc["boform", ["med_tilbud", "med_journal", "lab"]].tolist() == [2, 1, 1]
    assert t.loc["vaerested", ["med_tilbud", "med_journal", "lab"]].tolist() == [1, 1, 0]
    assert t.loc["i_alt", ["med_tilbud", "med_journal", "lab"]].tolist() == [3, 2, 1]
    assert abs(t.loc["i_alt", "andel_lab"] - 1 / 3) < 1e-12 and t.loc["i_alt", "andel_lab_journal"] == 0.5


def test_the_demo_gives_the_reports_22_of_43_under_lab(demo, tmp_path, capsys):
    import openpyxl

    rc = main(["--db", demo["url"], "table", "lab_personer", "--format", "csv"])
    rows = {r["site_type"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rc == 0 and (rows["i_alt"]["med_tilbud"], rows["i_alt"]["lab"]) == ("43", "22")
    assert main(["--db", demo["url"], "report", str(tmp_path / "r.xlsx")]) == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["LAB pr. person (kap. 3)"]
    total = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "I alt")
    assert (total[1], total[3]) == (43, 22)


def test_leaders_and_contact_persons_side_by_side_hand_counted(demo, tmp_path, capsys):
    """Chapter 5: the leaders (by their own site type) and the contact persons (by the site type of the
    user each interview is about) on the same item, their rows interleaved under each site type."""
    leder = pd.DataFrame({"source_id": ["l1", "l2", "l3"], "site": ["Basen", "Amadeus", "Solvang"],
                          "site_type": ["boform", "vaerested", "vaerested"],
                          "deltagelse": ["krav", "frivilligt", "begge"]}, dtype=object)
    kp = pd.DataFrame({"source_id": ["k1", "k2", "k3", "k4"], "respondent_id": ["B1", "B2", "V1", "X1"],
                       "deltagelse": ["krav", "krav", "frivilligt", None]}, dtype=object)
    t = source_items.side_by_side("leder_kp_deltagelse", {"leder": leder, "kontaktperson": kp}, USERS)
    assert list(zip(t["site_type"], t["informant"])) == [
        ("boform", "leder"), ("boform", "kontaktperson"), ("vaerested", "leder"), ("vaerested", "kontaktperson"),
        ("uoplyst", "kontaktperson"), ("i_alt", "leder"), ("i_alt", "kontaktperson")]
    rows = {(a, b): r for a, b, r in zip(t["site_type"], t["informant"], t.to_dict("records"))}
    assert (rows[("boform", "kontaktperson")]["antal_krav"], rows[("boform", "kontaktperson")]["n"]) == (2, 2)
    assert (rows[("vaerested", "leder")]["antal_begge"], rows[("vaerested", "leder")]["n"]) == (1, 2)
    assert rows[("uoplyst", "kontaktperson")]["n"] == 0  # X1 has no site type, and no answer
    assert (rows[("i_alt", "kontaktperson")]["n"], rows[("i_alt", "leder")]["antal_krav"]) == (3, 1)
    # on the demo: the same numbers as the two one-source tables, through the CLI and the workbook
    import openpyxl

    frames = source_store.load_all(demo["engine"], demo["guide"])
    rc = main(["--db", demo["url"], "table", "leder_kp_deltagelse", "--format", "csv"])
    got = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    lead = registry.compute("leder_deltagelse", frames["brugere"], demo["guide"], frames=frames)
    kpt = registry.compute("kp_deltagelse", frames["brugere"], demo["guide"], frames=frames)
    assert rc == 0 and [int(r["n"]) for r in got if r["informant"] == "leder"] == lead["n"].tolist()
    assert [int(r["n"]) for r in got if r["informant"] == "kontaktperson"] == kpt["n"].tolist()
    assert main(["--db", demo["url"], "report", str(tmp_path / "r.xlsx")]) == 0
    capsys.readouterr()
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Ledere og kontaktpersoner (5)"]
    body = [r for r in ws.iter_rows(min_row=5, values_only=True) if r and r[7] == "leder_kp_deltagelse"]
    total_kp = next(r for r in body if r[1] == "I alt" and r[2] == "Kontaktpersoner"
                    and r[3] == source_items.label("leder_kp_deltagelse", "krav"))
    assert (total_kp[4], total_kp[5]) == (int(kpt.iloc[-1]["antal_krav"]), int(kpt.iloc[-1]["n"]))


def test_publication_hides_a_row_on_the_people_behind_it_not_its_files():
    """Review of issue 15: one user can have two case files (kommune and boform); a row's n counts
    files, so a row of 6 files from 3 people was published with a minimum n of 5."""
    from report.publication import hidden_rows, row_n

    users = pd.DataFrame({"respondent_id": ["A", "B", "C"], "site": ["Basen"] * 3, "site_type": ["boform"] * 3},
                         dtype=object)
    files = pd.DataFrame({"source_id": [f"j{i}" for i in range(6)], "respondent_id": ["A", "A", "B", "B", "C", "C"],
                          "kilde": ["journal_kommune", "journal_boform"] * 3,
                          "lovgrundlag": ["lov_107", "lov_110", "lov_107", "lov_107", "lov_110", None]}, dtype=object)
    tid = next(k for k, v in source_items.SOURCE_ITEMS.items() if v[0] == "journal" and v[1] == "lovgrundlag")
    t = source_items.compute(tid, {"journal": files}, users).set_index("site_type")
    assert (t.loc["boform", "n"], t.loc["boform", "personer"]) == (5, 3)  # 5 answered files from 3 people
    ns = row_n(tid, t.reset_index(), 3)
    assert list(ns)[:1] == [3] and hidden_rows(ns, 5)[0]


def test_a_row_stands_on_the_fewer_of_its_users_and_the_staff_who_answered():
    """A reviewer: a site's one contact person answering about five users was published as a row of five
    (its `personer` counted the users) — one identifiable staff member's answers. `personer` is the fewer
    of the users and the staff who answered (`informant_id`); a blank id counts as a person of its own."""
    users = pd.DataFrame({"respondent_id": [f"B{i}" for i in range(6)], "site": ["Basen"] * 6,
                          "site_type": ["boform"] * 6}, dtype=object)
    kp = pd.DataFrame({"source_id": [f"k{i}" for i in range(6)], "respondent_id": [f"B{i}" for i in range(6)],
                       "informant_id": ["KP-1"] * 5 + [None], "deltagelse": ["frivilligt"] * 6}, dtype=object)
    t = source_items.compute("kp_deltagelse", {"kontaktperson": kp}, users).set_index("site_type")
    # six users; the staff: KP-1 and one without an id (counted as one more, never as nobody)
    assert (t.loc["boform", "n"], t.loc["boform", "personer"]) == (6, 2)
    text = registry.render("kp_deltagelse", users, None, "csv", frames={"kontaktperson": kp}, publish=True)
    rows = {r["site_type"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["boform"]["n"] == "<5" and rows["boform"]["antal_frivilligt"] == ""
    # five contact persons about five users: a row of five
    kp5 = kp.assign(informant_id=[f"KP-{i}" for i in range(6)])
    t = source_items.compute("kp_deltagelse", {"kontaktperson": kp5}, users).set_index("site_type")
    assert t.loc["boform", "personer"] == 6
    # a leader speaks for a site: one a row, by their ids
    leder = pd.DataFrame({"source_id": ["l1", "l2"], "site": ["Basen", "Basen"], "site_type": ["boform"] * 2,
                          "informant_id": ["L-1", "L-1"], "deltagelse": ["krav", "krav"]}, dtype=object)
    t = source_items.compute("leder_deltagelse", {"leder": leder}, users).set_index("site_type")
    assert t.loc["boform", "personer"] == 1
