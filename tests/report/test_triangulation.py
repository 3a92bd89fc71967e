"""Issue 7 tables: Bilag C, Oversigt over interview per informant type, plans (6.3), agreement (7.4)."""
import math

import pandas as pd
import pytest

from report.errors import TableError
from report.registry import SOURCE_TABLES, TABLES, TITLES, render
from report.triangulation import bilag_c, enighed_bruger_sagsbehandler, oversigt_interview, planer
from survey.sources import guide_for, source_status


def _status(rows):
    cols = ["kilde", "site_type", "site", "respondent_id", "status", "note", "source_id", "informant_id", "fokus"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols, dtype=object)


STATUS = _status([
    # kilde             type        site       rid      status                note             src          who        fokus
    ("journal_kommune", "vaerested", "Amadeus", "AMA-01", "foreligger", None, "JK-AMA-01", None, None),
    ("journal_boform", "vaerested", "Amadeus", "AMA-01", "ej_relevant", None, None, None, None),
    ("sagsbehandler", "vaerested", "Amadeus", "AMA-01", "foreligger", None, "SB-AMA-01", "S1", "konkret"),
    ("kontaktperson", "vaerested", "Amadeus", "AMA-01", "foreligger", None, "KP-AMA-01", "S1", "konkret"),
    ("journal_kommune", "vaerested", "Amadeus", "AMA-02", "ingen_tilladelse", None, None, None, None),
    ("journal_boform", "vaerested", "Amadeus", "AMA-02", "ej_relevant", None, None, None, None),
    ("sagsbehandler", "vaerested", "Amadeus", "AMA-02", "foreligger", None, "SB-AMA-02", "S1", "generelt"),
    ("kontaktperson", "vaerested", "Amadeus", "AMA-02", "ingen_kender_bruger", None, None, None, None),
    ("journal_kommune", "boform", "Tre Ege", "TRE-01", "foreligger", None, "JK-TRE-01", None, None),
    ("journal_boform", "boform", "Tre Ege", "TRE-01", "foreligger", None, "JB-TRE-01", None, None),
    ("sagsbehandler", "boform", "Tre Ege", "TRE-01", "ingen_sagsbehandler", "da pensionist", None, None, None),
    ("kontaktperson", "boform", "Tre Ege", "TRE-01", "foreligger", None, "KP-TRE-01", "K1", "konkret"),
    ("journal_kommune", "boform", "Basen", "BAS-01", "fejl_kommune", None, None, None, None),
    ("journal_boform", "boform", "Basen", "BAS-01", "foreligger", None, "JB-BAS-01", None, None),
    ("sagsbehandler", "boform", "Basen", "BAS-01", "foreligger", None, "SB-BAS-01", "S2", "konkret"),
    ("kontaktperson", "boform", "Basen", "BAS-01", "foreligger", None, "KP-BAS-01", "K2", "generelt"),
    ("leder", "boform", "Tre Ege", None, "foreligger", None, "LE-TRE", "L1", None),
    ("leder", "boform", "Basen", None, "ikke_tid", None, None, None, None),
    ("leder", "vaerested", "Amadeus", None, "foreligger", None, "LE-AMA", "L2", None),
])

WIDE = pd.DataFrame({
    "respondent_id": ["AMA-01", "AMA-02", "TRE-01", "BAS-01", "BAS-02"],
    "site": ["Amadeus", "Amadeus", "Tre Ege", "Basen", "Basen"],
    "site_type": ["vaerested", "vaerested", "boform", "boform", "boform"],
    "consent_journal": ["ja", "nej", "ja", "ja", None],
    "tilbudstype": ["boform_vaerested", "udenfor", "boform_vaerested", "andet", "intet_tilbud"],
    "begrundelse": ["almen_trivsel;hverdagsrytme", "pligt_krav", "hverdagsrytme", None, None],
    "hvem_bestemte": ["bruger", "sagsbehandler", "kontaktperson", "faelles", None],
}, dtype=object)


def test_bilag_c_hand_fixture():
    t = bilag_c(STATUS)
    assert list(t.columns) == ["site_type", "site", "respondent_id", "journal_kommune", "journal_boform",
                               "sagsbehandler", "kontaktperson", "noter"]
    assert t.values.tolist() == [
        ["boform", "Basen", "BAS-01", "fejl_kommune", "foreligger", "foreligger", "foreligger", None],
        ["boform", "Tre Ege", "TRE-01", "foreligger", "foreligger", "ingen_sagsbehandler", "foreligger",
         "Interview kommune: da pensionist"],
        ["vaerested", "Amadeus", "AMA-01", "foreligger", "ej_relevant", "foreligger", "foreligger",
         "Interview kontaktperson: samme person som sagsbehandleren"],
        ["vaerested", "Amadeus", "AMA-02", "ingen_tilladelse", "ej_relevant", "foreligger", "ingen_kender_bruger",
         None],
    ]


def test_bilag_c_refuses_unknown_status_and_missing_columns():
    bad = STATUS.copy()
    bad.loc[0, "status"] = "syg"
    with pytest.raises(TableError, match="Ukendt status 'syg' — tilladt: foreligger, ej_relevant"):
        bilag_c(bad)
    with pytest.raises(TableError, match="mangler kolonne"):
        bilag_c(STATUS.drop(columns=["status"]))


def test_oversigt_interview_hand_fixture():
    t = oversigt_interview(STATUS, WIDE)
    cols = ["site_type", "site", "brugere", "samtykke_givet", "journal_kommune", "journal_boform", "sagsbehandler",
            "sagsbehandler_konkret", "sagsbehandlere", "kontaktperson", "kontaktperson_konkret", "kontaktpersoner",
            "leder"]
    assert list(t.columns) == cols
    assert t.values.tolist() == [
        ["boform", "Basen", 2, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0],
        ["boform", "Tre Ege", 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1],
        ["boform", "i_alt", 3, 2, 1, 2, 1, 1, 1, 2, 1, 2, 1],
        ["vaerested", "Amadeus", 2, 1, 1, 0, 2, 1, 1, 1, 1, 1, 1],
        ["vaerested", "i_alt", 2, 1, 1, 0, 2, 1, 1, 1, 1, 1, 1],
        ["i_alt", "i_alt", 5, 3, 2, 2, 3, 2, 2, 3, 2, 3, 2],     # persons: S1, S2 / S1, K1, K2
    ]


def _j(rid, kilde, hp, jp):
    return {"source_id": f"J{kilde[0].upper()}-{rid}", "respondent_id": rid, "kilde": kilde, "handleplan": hp,
            "jobplan": jp}


def test_planer_hand_fixture():
    journal = pd.DataFrame([_j("TRE-01", "kommune", "ja", "ja"), _j("BAS-01", "kommune", "nej", "ja"),
                            _j("BAS-02", "kommune", "nej", None), _j("TRE-01", "boform", "ja", "nej"),
                            _j("AMA-01", "kommune", "nej", "nej"), _j("ZZZ-01", "kommune", "ja", "nej")])
    t = planer(journal, WIDE)
    assert list(t.columns) == ["site_type", "kilde", "journaler", "handleplan", "jobplan", "begge", "kun_jobplan",
                               "nogen_plan", "uoplyst", "andel_handleplan", "andel_jobplan", "andel_nogen_plan"]
    counts = t.iloc[:, :9].values.tolist()
    assert counts == [
        ["boform", "kommune", 3, 1, 2, 1, 1, 2, 1],
        ["boform", "boform", 1, 1, 0, 0, 0, 1, 0],
        ["vaerested", "kommune", 1, 0, 0, 0, 0, 0, 0],
        ["uoplyst", "kommune", 1, 1, 0, 0, 0, 1, 0],
        ["i_alt", "kommune", 5, 2, 2, 1, 1, 3, 1],
        ["i_alt", "boform", 1, 1, 0, 0, 0, 1, 0],
    ]
    assert t.loc[0, "andel_nogen_plan"] == pytest.approx(2 / 3)
    empty = planer(journal[:0], WIDE)
    assert empty["journaler"].sum() == 0 and math.isnan(empty.loc[0, "andel_handleplan"])
    with pytest.raises(TableError, match="Ukendt kilde 'amt' i journaludtrækket — tilladt: kommune, boform"):
        planer(pd.DataFrame([_j("TRE-01", "amt", "ja", "ja")]), WIDE)


def test_enighed_hand_fixture():
    cw = pd.DataFrame([
        {"source_id": "SB-AMA-01", "respondent_id": "AMA-01", "tilbudstype": "boform_vaerested",
         "begrundelse": "hverdagsrytme", "hvem_bestemte": "faelles"},                                   # =, delvist, ≠
        {"source_id": "SB-AMA-02", "respondent_id": "AMA-02", "tilbudstype": "udenfor",
         "begrundelse": "pligt_krav", "hvem_bestemte": "sagsbehandler"},                                # =, =, =
        {"source_id": "SB-TRE-01", "respondent_id": "TRE-01", "tilbudstype": "intet_tilbud"},           # ≠, -, -
        {"source_id": "SB-XXX-01", "respondent_id": "XXX-01", "tilbudstype": "udenfor"},                # no user
    ], dtype=object)
    t = enighed_bruger_sagsbehandler(WIDE, cw)
    assert list(t.columns) == ["emne", "kode", "par", "n", "enige", "delvist", "uenige", "mangler", "andel_enige"]
    assert t.iloc[:, :8].values.tolist() == [
        ["tilbud", "tilbudstype", 3, 3, 2, 0, 1, 0],
        ["formaal", "begrundelse", 3, 2, 1, 1, 0, 1],
        ["hvem_bestemte", "hvem_bestemte", 3, 2, 1, 0, 1, 1],
    ]
    assert t["andel_enige"].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 2])
    bad = cw.copy()
    bad.loc[0, "hvem_bestemte"] = "naboen"
    with pytest.raises(TableError, match="Ugyldigt svar på 'hvem_bestemte' for AMA-01"):
        enighed_bruger_sagsbehandler(WIDE, bad)
    with pytest.raises(TableError, match="findes ikke i spørgeguiden brugerblik_leder"):
        enighed_bruger_sagsbehandler(WIDE, cw, guide_cw=guide_for("leder"))


def test_render_csv_md_and_refusals():
    frames = {"journal": pd.DataFrame([_j("TRE-01", "kommune", "ja", "nej")])}
    csv = render("planer", WIDE, frames=frames)
    assert csv.splitlines()[1] == "boform,kommune,1,1,0,0,0,1,0,1.000,0.000,1.000"
    md = render("planer", WIDE, frames=frames, fmt="md")
    assert md.startswith("## Handleplaner og jobplaner i journalerne (afsnit 6.3)")
    assert "| Boform     | Kommunens journal |" in md
    md = render("bilag_c", WIDE, frames=frames, fmt="md", site_type="boform")
    assert "Population: stedtype boform (n = 3 brugere)." in md and "AMA-01" not in md
    assert "| Tre Ege         | TRE-01    | X " in md
    assert render("oversigt_interview", WIDE, frames={}).splitlines()[-1].startswith("i_alt,i_alt,5,3,0,")
    assert render("enighed", WIDE, frames={}).splitlines()[1] == "tilbud,tilbudstype,0,0,0,0,0,0,"
    with pytest.raises(TableError, match="Ukendt tabel 'bilag_d' — tilladt: bilag_c, oversigt_interview, planer"):
        render("bilag_d", WIDE, frames={})
    with pytest.raises(TableError, match="Ukendt format 'xls'"):
        render("planer", WIDE, frames={}, fmt="xls")
    with pytest.raises(TableError, match="Ukendt stedtype 'hospital' — tilladt: boform, vaerested"):
        render("planer", WIDE, frames={}, site_type="hospital")
    assert set(TITLES) == set(TABLES)


# ----------------------------------------------------------------------------- the demo: section 6.3

@pytest.fixture(scope="module")
def demo():
    from survey.demo_sources import build_demo_sources
    return build_demo_sources()


def test_demo_reproduces_section_6_3_through_planer(demo):
    t = planer(demo["journal"], demo["brugere"]).set_index(["site_type", "kilde"])
    boform = t.loc[("boform", "kommune")]
    # "hver 5. sag … § 111-handleplaner. I 20 ud af 25 sager … ikke … handleplaner"
    assert (boform["journaler"], boform["handleplan"]) == (25, 5)
    # "Jobplaner findes i 6 af de 25 … I 4 af de 6 tilfælde … ikke … handleplan … plan i 9 af de 25 sager"
    assert (boform["jobplan"], boform["kun_jobplan"], boform["nogen_plan"]) == (6, 4, 9)
    drop_in = t.loc[("vaerested", "kommune")]
    # "3 ud af 23 … jobplaner – nemlig 8 ud af 23. Heraf har de 7 ingen handleplan, hvorfor 10 …"
    assert (drop_in["journaler"], drop_in["handleplan"], drop_in["jobplan"]) == (23, 3, 8)
    assert (drop_in["kun_jobplan"], drop_in["nogen_plan"]) == (7, 10)
    assert drop_in["andel_nogen_plan"] > 2 / 5                  # "lidt mere end 2 ud af 5"
    own = t.loc[("boform", "boform")]
    assert own["andel_handleplan"] == pytest.approx(3 / 5, abs=0.02)   # "3 ud af 5 beboere"
    assert own["jobplan"] <= 1                                          # "stort set kun i kommunernes journaler"
    assert ("vaerested", "boform") not in t.index
    assert t["uoplyst"].sum() == 0


def test_demo_tables_render(demo):
    csv = render("oversigt_interview", demo["brugere"], frames=demo)
    assert csv.splitlines()[-1] == "i_alt,i_alt,61,57,48,24,34,17,28,47,42,21,12"
    b = bilag_c(source_status(demo["brugere"], demo, demo["aarsager"]))
    assert len(b) == 61 and b["respondent_id"].is_unique
    assert b.set_index("respondent_id").loc["SST-01", "noter"] == "Interview kontaktperson: samme person som " \
                                                                   "sagsbehandleren"
    e = enighed_bruger_sagsbehandler(demo["brugere"], demo["sagsbehandler"]).set_index("emne")
    assert e.loc["tilbud", "par"] == 34 and e.loc["tilbud", "n"] == 17
    # 7.4: agreement on the offer, less on what it is for
    assert e.loc["tilbud", "andel_enige"] > e.loc["formaal", "andel_enige"]
    for tid in SOURCE_TABLES:
        for fmt in ("csv", "md"):
            assert render(tid, demo["brugere"], frames=demo, fmt=fmt, site_type="vaerested")
