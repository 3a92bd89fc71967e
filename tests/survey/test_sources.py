"""Issue 7, domain half: the triangulation guides, consent gating, source frames, Bilag C status,
comparing accounts, and the synthetic demo sources."""
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from survey.guide import GuideError, load_guide
from survey.sources import (COMPARE_TOPICS, EXTRA_TOPICS, GUIDE_DIR, GUIDE_FILES, INFORMANTS, SOURCE_STATUS,
                            JournalConsentError, SourceError, agreement, check_journal_allowed,
                            check_journal_frame, check_source_frame, compare_accounts, guide_for, guide_note,
                            informant_of, side_by_side, source_problems, source_status)
from survey.store import StoreError

NEW = ("sagsbehandler", "kontaktperson", "leder", "journal")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def guides():
    return {inf: guide_for(inf) for inf in INFORMANTS}


# ----------------------------------------------------------------------------- the guides

@pytest.mark.parametrize("informant", NEW)
def test_each_new_guide_loads_with_its_settings(guides, informant):
    g = guides[informant]  # load_guide: our row checks, then pyxform
    assert g.form_id == f"brugerblik_{informant}"
    assert g.version and g.title
    assert informant_of(g) == informant
    assert g.settings["brugerblik_informant"] == informant
    note = guide_note(g)
    assert "Rapporten gengiver ikke" in note  # says the questions are written from the analysis
    assert g.interview_groups(), "something for the interviewer to work through"


def test_the_user_guide_is_the_bruger_informant(guides):
    assert guides["bruger"].form_id == "brugerblik_bruger"
    assert informant_of(guides["bruger"]) == "bruger"  # no brugerblik_informant column: default


@pytest.mark.parametrize("informant", NEW)
def test_each_new_guide_converts_with_pyxform(informant):
    from pyxform.xls2xform import convert
    out = convert(xlsform=str(GUIDE_DIR / GUIDE_FILES[informant]), validate=False, pretty_print=False)
    assert "<h:title>" in out.xform and f'id="brugerblik_{informant}"' in out.xform


def test_links_respondent_or_site(guides):
    for inf in ("sagsbehandler", "kontaktperson", "journal"):
        assert guides[inf].item("respondent_id").required
        assert guides[inf].item("respondent_id").role == "meta"
    assert "respondent_id" not in guides["leder"].items
    assert guides["leder"].item("site").required and guides["leder"].item("site_type").required
    for inf in ("sagsbehandler", "kontaktperson", "leder"):
        assert guides[inf].item("informant_id").required


@pytest.mark.parametrize("code", [t[2] for t in COMPARE_TOPICS + EXTRA_TOPICS])
@pytest.mark.parametrize("informant", ("sagsbehandler", "kontaktperson"))
def test_compared_items_share_the_user_guides_codes(guides, informant, code):
    u, o = guides["bruger"].item(code), guides[informant].item(code)
    assert o.type == u.type
    assert o.choice_values() == u.choice_values()
    assert [c.label for c in o.choices] == [c.label for c in u.choices]


def test_journal_form_codes(guides):
    j = guides["journal"]
    assert j.item("kilde").choice_values() == ["kommune", "boform"]
    assert j.item("handleplan").choice_values() == ["ja", "nej"] and j.item("handleplan").required
    assert j.item("jobplan").choice_values() == ["ja", "nej"] and j.item("jobplan").required
    assert "sel_111" in j.item("handleplan_paragraf").choice_values()
    assert j.item("vurdering_udbytte").choice_values() == ["ja", "nej"]
    assert j.item("deltagere_beslutning").type == "select_multiple"
    assert j.item("deltagere_beslutning").choice_values() == ["bruger", "sagsbehandler", "kontaktperson", "andre"]
    assert j.item("lovgrundlag").choice_values() == ["sel", "lab", "andet", "uoplyst"]
    for code in ("interview_date", "handleplan_dato", "jobplan_dato", "tilbud_startdato", "seneste_notat_dato"):
        assert j.item(code).type == "date"
    assert j.item("tilbudstype").choice_values() == guides["bruger"].item("tilbudstype").choice_values()
    assert not j.is_relevant("handleplan_paragraf", {"handleplan": "nej"})
    assert j.is_relevant("handleplan_paragraf", {"handleplan": "ja"})


def test_case_worker_guide_skips_the_concrete_user_in_a_general_interview(guides):
    g = guides["sagsbehandler"]
    assert g.item("fokus").choice_values() == ["konkret", "generelt"]
    assert not g.is_relevant("tilbudstype", {"fokus": "generelt"})
    assert g.is_relevant("tilbudstype", {"fokus": "konkret"})
    assert not g.is_relevant("hvem_bestemte", {"fokus": "konkret", "tilbudstype": "intet_tilbud"})
    assert g.is_relevant("generelt_sigte", {"fokus": "konkret"})


def test_the_tool_writes_the_bundled_guides(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "make_guides_triangulation.py"), str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    for inf in NEW:
        fresh, bundled = load_guide(tmp_path / GUIDE_FILES[inf]), load_guide(GUIDE_DIR / GUIDE_FILES[inf])
        assert fresh.codes == bundled.codes
        assert fresh.choices == bundled.choices
        assert fresh.settings == bundled.settings


def _broken(tmp_path, informant, edit):
    dst = tmp_path / GUIDE_FILES[informant]
    shutil.copy(GUIDE_DIR / GUIDE_FILES[informant], dst)
    wb = load_workbook(dst)
    edit(wb)
    wb.save(dst)
    return dst


def _row_of(wb, code):
    for row in wb["survey"].iter_rows(min_row=2):
        if row[1].value == code:
            return row[0].row
    raise AssertionError(code)


@pytest.mark.parametrize("informant", NEW)
def test_a_broken_copy_fails_naming_sheet_and_row(tmp_path, informant):
    code = "respondent_id" if informant != "leder" else "site_type"

    def edit(wb):
        wb["survey"].cell(_row_of(wb, code), 1).value = "select_one no_such_list"
    row = _row_of(load_workbook(GUIDE_DIR / GUIDE_FILES[informant]), code)
    with pytest.raises(GuideError) as e:
        load_guide(_broken(tmp_path, informant, edit))
    assert e.value.problems == [f"ark 'survey', række {row}, kolonne 'type': listen 'no_such_list' findes ikke "
                                "på arket 'choices'"]


def test_a_broken_copy_pyxform_catches_names_the_row(tmp_path):
    def edit(wb):  # a group named like a question: passes our checks, pyxform refuses it
        for row in wb["survey"].iter_rows(min_row=2):
            if row[0].value == "begin_group" and row[1].value == "planer":
                row[1].value = "handleplan"
    with pytest.raises(GuideError) as e:
        load_guide(_broken(tmp_path, "journal", edit))
    assert len(e.value.problems) == 1 and "handleplan" in e.value.problems[0]


def test_guide_for_checks_the_informant_setting(tmp_path):
    def edit(wb):
        ws = wb["settings"]
        for c in ws[1]:
            if c.value == "brugerblik_informant":
                ws.cell(2, c.column).value = "kontaktperson"
    _broken(tmp_path, "sagsbehandler", edit)
    with pytest.raises(SourceError, match="til informanttypen 'kontaktperson', ikke 'sagsbehandler'"):
        guide_for("sagsbehandler", guide_dir=tmp_path)
    with pytest.raises(SourceError, match="Ukendt informanttype 'naboen' — tilladt: bruger, sagsbehandler"):
        guide_for("naboen")


# ----------------------------------------------------------------------------- consent gating

def test_journal_allowed_only_with_consent_ja():
    check_journal_allowed("ja")
    check_journal_allowed(" ja ", "AMA-01")


@pytest.mark.parametrize("value, found", [("nej", "svaret på spørgsmålet om journalindsigt i brugerens interview er «Nej»"),
                                          (None, "spørgsmålet om journalindsigt i brugerens interview er ikke besvaret"),
                                          ("", "er ikke besvaret"), ("  ", "er ikke besvaret"),
                                          (float("nan"), "er ikke besvaret"), ("ved_ikke", "er «ved_ikke»")])
def test_journal_refused_without_consent(value, found):
    with pytest.raises(JournalConsentError) as e:
        check_journal_allowed(value, "AMA-02")
    assert isinstance(e.value, StoreError)
    msg = str(e.value)
    assert msg.startswith("Journalen for AMA-02 må ikke åbnes: brugeren har ikke givet tilladelse til journalindsigt")
    assert f"{found}; kun «Ja» giver adgang" in msg
    assert "consent_journal" not in msg and "'nej'" not in msg   # Danish words only, never the item's code
    assert e.value.respondent_ids == ["AMA-02"]


@pytest.fixture
def users():
    return pd.DataFrame({
        "respondent_id": ["AMA-01", "AMA-02", "BAS-01", "BAS-02"],
        "site": ["Amadeus", "Amadeus", "Basen", "Basen"],
        "site_type": ["vaerested", "vaerested", "boform", "boform"],
        "consent_journal": ["ja", "nej", None, "ja"],
        "tilbudstype": ["boform_vaerested", "intet_tilbud", "udenfor", "boform_vaerested"],
        "begrundelse": ["almen_trivsel;hverdagsrytme", None, "beskaeftigelsesrettet", "pligt_krav"],
        "hvem_bestemte": ["bruger", None, "faelles", "kontaktperson"],
        "problemer": ["psykisk", None, "sociale", "misbrug_alkohol"],
        "plan": ["ingen", None, "jobplan", "handleplan"],
    }, dtype=object)


def test_journal_frame_refused_as_a_whole_listing_every_respondent(users):
    j = pd.DataFrame({"respondent_id": ["AMA-01", "AMA-02", "BAS-01", "XXX-09"], "kilde": ["kommune"] * 4})
    with pytest.raises(JournalConsentError) as e:
        check_journal_frame(j, users)
    msg = str(e.value)
    assert "AMA-02 (svaret er «Nej»)" in msg and "BAS-01 (ikke besvaret)" in msg
    assert "kun «Ja» på spørgsmålet om journalindsigt giver adgang" in msg and "consent_journal" not in msg
    assert "ukendt respondent (intet brugerinterview, så intet samtykke): XXX-09" in msg
    assert "AMA-01" not in msg
    assert e.value.respondent_ids == ["AMA-02", "BAS-01", "XXX-09"]
    check_journal_frame(j[j["respondent_id"] == "AMA-01"], users)


def _journal_row(rid, **kw):
    return {"source_id": f"JK-{rid}", "respondent_id": rid, "kilde": "kommune", "handleplan": "nej",
            "jobplan": "nej", "vurdering_udbytte": "nej", **kw}


def test_check_source_frame_canonicalises_and_gates(guides, users):
    df = pd.DataFrame([_journal_row("AMA-01", handleplan="Ja", deltagere_beslutning="sagsbehandler; bruger")])
    out = check_source_frame(df, guides["journal"], users)
    assert list(out.columns[:2]) == ["source_id", "informant"] and out.loc[0, "informant"] == "journal"
    assert out.loc[0, "handleplan"] == "ja"
    assert out.loc[0, "deltagere_beslutning"] == "bruger;sagsbehandler"
    with pytest.raises(JournalConsentError, match="AMA-02"):
        check_source_frame(pd.DataFrame([_journal_row("AMA-02")]), guides["journal"], users)


def test_check_source_frame_collects_every_problem(guides):
    df = pd.DataFrame([
        {"source_id": "SB-1", "respondent_id": "AMA-01", "informant_id": "010190-1234", "fokus": "konkret"},
        {"source_id": "SB-1", "respondent_id": "AMA-01", "informant_id": "SAGSB-1", "fokus": "lidt"},
        {"source_id": "SB-3", "respondent_id": None, "informant_id": "SAGSB-1", "fokus": "generelt",
         "tilbudstype": "aktivering"},
    ])
    with pytest.raises(SourceError) as e:
        check_source_frame(df, guides["sagsbehandler"])
    msg = str(e.value)
    # informant_id is marked pseudonym in the guide: checked by Guide.check_value, never quoted
    assert "række 2, kolonne 'informant_id': ligner et CPR-nummer" in msg and "1234" not in msg
    assert "række 3: source_id står allerede i række 2" in msg
    assert "række 3, kolonne 'fokus': værdi lidt — tilladt: konkret, generelt" in msg
    assert "række 4, kolonne 'respondent_id': mangler (påkrævet)" in msg
    assert "række 4, kolonne 'tilbudstype': værdi aktivering — tilladt: boform_vaerested" in msg


# ----------------------------------------------------------------------------- comparing accounts

def test_agreement_rules():
    assert agreement("select_one", "a", "a") == "enige"
    assert agreement("select_one", "a", "b") == "uenige"
    assert agreement("select_one", None, "b") == "mangler"
    assert agreement("select_multiple", "a;b", "b;a") == "enige"
    assert agreement("select_multiple", "a;b", "b") == "delvist"
    assert agreement("select_multiple", "a", "b;c") == "uenige"


def test_compare_accounts_hand_fixture(guides):
    user = {"tilbudstype": "boform_vaerested", "begrundelse": "almen_trivsel;hverdagsrytme",
            "hvem_bestemte": "bruger"}
    cw = {"tilbudstype": "Tilbud på boformen/værestedet", "begrundelse": "hverdagsrytme"}
    rows = compare_accounts(user, cw, guides["bruger"], guides["sagsbehandler"])
    assert [(r["emne"], r["brugerens_svar"], r["sagsbehandlerens_svar"], r["vurdering"]) for r in rows] == [
        ("tilbud", "boform_vaerested", "boform_vaerested", "enige"),
        ("formaal", "almen_trivsel;hverdagsrytme", "hverdagsrytme", "delvist"),
        ("hvem_bestemte", "bruger", None, "mangler"),
    ]
    assert rows[1]["brugerens_svar_label"] == "Almen trivsel, Hverdagsrytme"
    assert rows[0]["emne_label"] == "Tilbuddet"
    cw2 = {"tilbudstype": "udenfor", "begrundelse": "beskaeftigelsesrettet", "hvem_bestemte": "faelles",
           "plan": "jobplan"}
    rows = compare_accounts(user | {"plan": "ingen"}, cw2, guides["bruger"], guides["sagsbehandler"],
                            topics=["tilbud", "formaal", "hvem_bestemte", "plan"])
    assert [r["vurdering"] for r in rows] == ["uenige", "uenige", "uenige", "uenige"]


def test_compare_accounts_refuses_what_cannot_be_compared(guides):
    with pytest.raises(SourceError, match="Sagsbehandlerens svar på 'tilbudstype': 'aktivering'"):
        compare_accounts({}, {"tilbudstype": "aktivering"}, guides["bruger"], guides["sagsbehandler"])
    with pytest.raises(SourceError, match="findes ikke i spørgeguiden brugerblik_leder"):
        compare_accounts({}, {}, guides["bruger"], guides["leder"])
    with pytest.raises(SourceError, match="Ukendt emne 'vejret'"):
        compare_accounts({}, {}, guides["bruger"], guides["sagsbehandler"], topics=["vejret"])


# ----------------------------------------------------------------------------- Bilag C status

@pytest.fixture
def frames():
    return {
        "journal": pd.DataFrame([_journal_row("AMA-01"), _journal_row("BAS-02", handleplan="ja"),
                                 _journal_row("BAS-02", source_id="JB-BAS-02", kilde="boform")]),
        "sagsbehandler": pd.DataFrame([{"source_id": "SB-AMA-01", "respondent_id": "AMA-01",
                                        "informant_id": "SAGSB-1", "fokus": "konkret",
                                        "tilbudstype": "boform_vaerested", "begrundelse": "hverdagsrytme",
                                        "hvem_bestemte": "faelles", "plan": "ingen"}]),
        "kontaktperson": pd.DataFrame([{"source_id": "KP-AMA-01", "respondent_id": "AMA-01",
                                        "informant_id": "SAGSB-1", "fokus": "konkret"},
                                       {"source_id": "KP-BAS-01", "respondent_id": "BAS-01",
                                        "informant_id": "KONTAKT-1", "fokus": "konkret"}]),
        "leder": pd.DataFrame([{"source_id": "LE-AMA", "site": "Amadeus", "site_type": "vaerested",
                                "informant_id": "LEDER-AMA"}]),
    }


REASONS = pd.DataFrame([
    {"kilde": "sagsbehandler", "respondent_id": "BAS-02", "status": "ingen_sagsbehandler", "note": "da pensionist"},
    {"kilde": "leder", "site": "Basen", "status": "ikke_tid"},
])


def test_source_status_hand_fixture(users, frames):
    st = source_status(users, frames, REASONS)
    got = {(r.kilde, r.respondent_id or r.site): (r.status, r.note) for r in st.itertuples()}
    assert got == {
        ("journal_kommune", "BAS-01"): ("ingen_tilladelse", "samtykke ikke registreret"),
        ("journal_boform", "BAS-01"): ("ingen_tilladelse", "samtykke ikke registreret"),
        ("sagsbehandler", "BAS-01"): ("ikke_oplyst", None),
        ("kontaktperson", "BAS-01"): ("foreligger", None),
        ("journal_kommune", "BAS-02"): ("foreligger", None),
        ("journal_boform", "BAS-02"): ("foreligger", None),
        ("sagsbehandler", "BAS-02"): ("ingen_sagsbehandler", "da pensionist"),
        ("kontaktperson", "BAS-02"): ("ikke_oplyst", None),
        ("journal_kommune", "AMA-01"): ("foreligger", None),
        ("journal_boform", "AMA-01"): ("ej_relevant", None),
        ("sagsbehandler", "AMA-01"): ("foreligger", None),
        ("kontaktperson", "AMA-01"): ("foreligger", None),
        ("journal_kommune", "AMA-02"): ("ingen_tilladelse", None),
        ("journal_boform", "AMA-02"): ("ej_relevant", None),
        ("sagsbehandler", "AMA-02"): ("ikke_oplyst", None),
        ("kontaktperson", "AMA-02"): ("ikke_oplyst", None),
        ("leder", "Basen"): ("ikke_tid", None),
        ("leder", "Amadeus"): ("foreligger", None),
    }
    assert list(st["respondent_id"][:4]) == ["BAS-01"] * 4          # boform first, then by site and id
    assert st.loc[(st.kilde == "sagsbehandler") & (st.respondent_id == "AMA-01"), "informant_id"].item() == "SAGSB-1"
    assert set(st["status"]) <= set(SOURCE_STATUS)


def test_reasons_are_checked(users, frames):
    bad = pd.DataFrame([{"kilde": "journal_boform", "respondent_id": "BAS-02", "status": "ikke_tid"},
                        {"kilde": "nabo", "respondent_id": "BAS-02", "status": "ikke_tid"}])
    with pytest.raises(SourceError) as e:
        source_status(users, frames, bad)
    msg = str(e.value)
    assert "række 2, kolonne 'status': 'ikke_tid' for journal_boform — tilladt: ej_relevant, ingen_tilladelse" in msg
    assert "række 3, kolonne 'kilde': 'nabo'" in msg


def test_source_problems(users, frames):
    frames = dict(frames)
    frames["journal"] = pd.concat([frames["journal"], pd.DataFrame([_journal_row("AMA-02")])])
    frames["sagsbehandler"] = pd.concat([frames["sagsbehandler"], pd.DataFrame([
        {"source_id": "SB-BAS-01", "respondent_id": "BAS-01", "informant_id": "SAGSB-2", "fokus": "generelt"},
        {"source_id": "SB-XXX", "respondent_id": "XXX-01", "informant_id": "SAGSB-2", "fokus": "generelt"}])])
    reasons = pd.concat([REASONS, pd.DataFrame([
        {"kilde": "journal_kommune", "respondent_id": "AMA-01", "status": "fejl_kommune"},
        {"kilde": "sagsbehandler", "respondent_id": "AMA-01", "status": "ingen_tilladelse"}])])
    got = source_problems(users, frames, reasons)
    assert "JK-AMA-02: journal for AMA-02 uden tilladelse til journalindsigt (svaret på spørgsmålet om journalindsigt i brugerens interview er «Nej»)" in got
    assert any(p.startswith("Advarsel: SB-BAS-01: sagsbehandlerinterview om BAS-01") for p in got)
    assert "SB-XXX: ukendt respondent 'XXX-01' (intet brugerinterview)" in got
    assert any("AMA-01, Journaloplysninger kommune: kilden foreligger, men der er også angivet årsagen "
               "«Fejl i oplyst kommune»" in p for p in got)
    assert len(got) == 5, got


def test_side_by_side(users, frames, guides):
    t = side_by_side("AMA-01", users, frames, guides)
    assert list(t["emne"]) == ["tilbud", "formaal", "hvem_bestemte", "problemer", "plan"]
    row = t.set_index("emne")
    assert row.loc["tilbud", "bruger"] == "Tilbud på boformen/værestedet"
    assert row.loc["tilbud", "sagsbehandler_vurdering"] == "enige"
    assert row.loc["formaal", "sagsbehandler_vurdering"] == "delvist"
    assert row.loc["hvem_bestemte", "sagsbehandler"] == "I fællesskab"
    assert row.loc["hvem_bestemte", "sagsbehandler_vurdering"] == "uenige"
    assert row.loc["tilbud", "journal_kommune"] is None                      # blank in the file
    assert row.loc["tilbud", "journal_kommune_vurdering"] == "mangler"
    assert row.loc["tilbud", "journal_boform_vurdering"] is None             # no boform file
    assert row.loc["hvem_bestemte", "journal_kommune_vurdering"] is None     # file: who took part, no verdict
    with pytest.raises(SourceError, match="Ukendt respondent 'NOPE'"):
        side_by_side("NOPE", users, frames, guides)


# ----------------------------------------------------------------------------- the demo's sources

@pytest.fixture(scope="module")
def demo():
    from survey.demo_sources import build_demo_sources
    return build_demo_sources()


def test_demo_sources_are_synthetic_deterministic_and_checked(demo, guides):
    from survey.demo_sources import build_demo_sources
    again = build_demo_sources()
    for k in ("sagsbehandler", "kontaktperson", "leder", "journal", "aarsager"):
        assert "SYNTETISKE" in demo[k].attrs["syntetisk"]
        pd.testing.assert_frame_equal(demo[k], again[k])
    for inf in NEW:
        df = demo[inf]
        assert list(df.columns) == ["source_id", "informant"] + guides[inf].codes
        assert (df["informant"] == inf).all() and df["source_id"].is_unique
        assert set(df["interviewer"]) == {"Demo (syntetisk)"}
        pd.testing.assert_frame_equal(check_source_frame(df, guides[inf]), df, check_dtype=False)


def test_demo_files_only_with_consent(demo):
    consent = dict(zip(demo["brugere"]["respondent_id"], demo["brugere"]["consent_journal"]))
    assert all(consent[r] == "ja" for r in demo["journal"]["respondent_id"])
    check_journal_frame(demo["journal"], demo["brugere"])
    assert source_problems(demo["brugere"], demo, demo["aarsager"]) == []


def test_demo_counts_of_chapters_5_and_6(demo):
    sb, kp = demo["sagsbehandler"], demo["kontaktperson"]
    assert len(sb) == 34 and sb["informant_id"].nunique() == 28           # chapter 6
    assert (sb["fokus"] == "konkret").sum() == 17                           # "omkring halvdelen" general
    konkret = sb[sb["tilbudstype"].notna() & (sb["tilbudstype"] != "intet_tilbud")]
    assert konkret["hvem_bestemte"].value_counts().to_dict() == {"faelles": len(konkret) - 2, "sagsbehandler": 1,
                                                                 "bruger": 1}
    assert (konkret["rigtige_tilbud"] == "nej").sum() == 2                  # 6.2
    assert (kp["fokus"] == "konkret").sum() == 42 and len(kp) == 47         # chapter 5 + footnote 12
    assert kp["informant_id"].nunique() == 21
    assert len(demo["leder"]) == 12
    st = source_status(demo["brugere"], demo, demo["aarsager"])
    bilag_c_words = {"fejl_kommune", "ingen_tilladelse", "ingen_sagsbehandler", "sag_flyttet",
                     "ordinaer_pensionist", "foerer_ikke_journal", "ikke_tid", "kontaktperson_syg"}
    assert bilag_c_words <= set(st["status"])
    solvang = st[(st.respondent_id == "SLV-02")].set_index("kilde")["status"].to_dict()
    assert solvang == {"journal_kommune": "fejl_kommune", "journal_boform": "foreligger",
                       "sagsbehandler": "fejl_kommune", "kontaktperson": "foreligger"}


@pytest.mark.parametrize("value", ["ВAS-05", "KP-1.", "-KP1", "Ка-1", "KP 1"])
def test_a_source_or_informant_id_follows_the_one_pseudonym_rule(value):
    """The same rule as a respondent's id (`survey.guide.is_pseudonym`): another script's look-alike letter
    («В» is Cyrillic) or a dash or dot at either end is refused, without quoting the value."""
    from survey.sources import SourceError, check_pseudonym

    with pytest.raises(SourceError) as e:
        check_pseudonym(value, "informant_id")
    assert value not in str(e.value) and "latinske bogstaver" in str(e.value)


def test_a_source_id_in_full_width_letters_is_stored_in_their_ordinary_form():
    from survey.sources import check_pseudonym

    assert check_pseudonym("ＫＰ-1", "source_id") == "KP-1"
    assert check_pseudonym(" SB_AMA.01 ", "source_id") == "SB_AMA.01"
