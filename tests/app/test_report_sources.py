"""The Rapport page's tables from the other sources (issue 7) on the demo study: Bilag C, Oversigt
over interview, Planer (section 6.3's figures) and Enighed (7.4), as `report.registry` computes them."""
from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from report import registry as R
from survey import source_store
from survey.db import get_engine
from survey.demo import load_demo
from ui import rapport_view as RV
from tests.app.numbers import shown_frame
from tests.app.pages import rapport_table, switch

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 90


@pytest.fixture(scope="module")
def demo_url(db_factory, guide) -> str:
    url = db_factory.new()
    assert load_demo(get_engine(url), guide) == 61
    return url


@pytest.fixture
def db(demo_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", demo_url)
    return get_engine(demo_url)


def run_ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def tables_tab(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run_ok(at)
    for k, v in params.items():
        at.query_params[k] = v
    at.query_params["fane"] = "Tabeller"
    switch(at, "rapport")
    run_ok(at)
    at.session_state[RV.K_TAB] = "Tabeller"
    return run_ok(at)


def test_planer_on_the_report_page_gives_section_6_3s_figures(db):
    at = tables_tab()
    assert {R.TITLES[t] for t in R.SOURCE_TABLES} <= set(at.selectbox(key="rp_table").options)
    at.selectbox(key="rp_table").set_value("planer")
    run_ok(at)
    shown = at.dataframe[0].value
    rows = {(r["Stedtype"], r["Kilde"]): r for r in shown.to_dict("records")}
    boform, vaerested = rows[("Boform", "Kommunens journal")], rows[("Værested", "Kommunens journal")]
    assert (boform["Journaler læst"], boform["Handleplan (§ 111)"], boform["Jobplan"]) == (25, 5, 6)
    assert (vaerested["Journaler læst"], vaerested["Handleplan (§ 111)"], vaerested["Jobplan"]) == (23, 3, 8)
    # the shares are numbers (a click on the heading sorts by number), written the Danish way
    assert boform["Andel handleplan"] == pytest.approx(5 / 25) and vaerested["Andel jobplan"] == pytest.approx(8 / 23)
    text = {(r["Stedtype"], r["Kilde"]): r for r in shown_frame(at.dataframe[0]).to_dict("records")}
    assert text[("Boform", "Kommunens journal")]["Andel handleplan"] == "20,0 %"
    assert text[("Værested", "Kommunens journal")]["Andel jobplan"] == "34,8 %"
    assert any("§ 111" in c.value for c in at.caption)


def test_every_source_table_renders_in_every_mode(db, guide):
    at = tables_tab()
    f = source_store.load_all(db, guide)
    for params in ({}, {"site": "vaerested", "publish": True, "min_n": 8}):
        at.sidebar.selectbox(key=RV.K_SITE).set_value(params.get("site", ""))
        at.sidebar.toggle(key=RV.K_PUB).set_value(params.get("publish", False))
        at.sidebar.number_input(key=RV.K_MINN).set_value(params.get("min_n", 5))
        run_ok(at)
        for tid in R.SOURCE_TABLES:
            at.selectbox(key="rp_table").set_value(tid)
            run_ok(at)
            if params and tid == "bilag_c":  # a row per respondent: not in anything published
                assert not at.dataframe and "ikke med til offentliggørelse" in at.info[0].value
                assert "rp_table_csv" not in {b.key for b in at.get("download_button")}
                continue
            shown = at.dataframe[0].value
            want = R.render(tid, f["brugere"], frames=f, site_type=params.get("site"), fmt="csv").strip().split("\n")
            assert len(shown) == len(want) - 1, tid
            assert "rp_table_csv" in {b.key for b in at.get("download_button")}
    # publication: the sites with fewer than 8 users are hidden in Oversigt over interview
    at.selectbox(key="rp_table").set_value("oversigt_interview")
    run_ok(at)
    shown = shown_frame(at.dataframe[0])
    amadeus = shown[shown["Sted"] == "Amadeus"].iloc[0]
    assert amadeus["Brugere"] == "<8" and "Værested" in set(shown["Stedtype"])
    # and the table's data holds no number for it: a sort or a hidden column cannot give it away
    data = at.dataframe[0].value
    assert data[data["Sted"] == "Amadeus"].drop(columns=["Stedtype", "Sted"]).isna().all(axis=None)


def test_a_chapter_5_6_table_by_user_group_and_a_leaders_table_by_site(db, guide):
    """Issue 14: the chapter 5-6 tables «by site type and by user group» on the page — the rows
    follow the user the source is about; a leader's table has its own site, never a user group."""
    from report.population import Cuts

    at = tables_tab()
    f = source_store.load_all(db, guide)
    at.selectbox(key="rp_table").set_value("sb_rigtige_tilbud")
    run_ok(at)
    assert at.selectbox(key="rp_src_by").value is None  # by site type unless asked
    at.selectbox(key="rp_src_by").set_value("brugergruppe")
    run_ok(at)
    shown = at.dataframe[0].value
    want = R.compute("sb_rigtige_tilbud", f["brugere"], guide, frames=f, by="brugergruppe")
    assert list(shown["Brugergruppe"]) == ["Andet", "De etniske", "De psykisk påfaldende", "De unge misbrugere",
                                           "De ældre misbrugere", "I alt"]
    assert [int(v) for v in shown["n"]] == want["n"].tolist() and want["n"].iloc[-1] == want["n"][:-1].sum()
    assert any("— efter brugergruppe" in m.value for m in at.markdown)
    csv = R.render("sb_rigtige_tilbud", f["brugere"], guide, "csv", frames=f, cuts=Cuts(by="brugergruppe"))
    assert csv.splitlines()[0].startswith("brugergruppe,antal_ja")
    at.selectbox(key="rp_table").set_value("leder_deltagelse")
    run_ok(at)
    assert at.selectbox(key="rp_src_by").options == ["Stedtype", "Sted"]
    at.selectbox(key="rp_src_by").set_value("sted")
    run_ok(at)
    shown = at.dataframe[0].value
    assert len(shown) == f["leder"]["site"].nunique() + 1 and shown["Sted"].iloc[-1] == "I alt"


def test_a_source_table_whose_guide_no_longer_fits_shows_the_refusal_not_a_crash(db, tmp_path, monkeypatch):
    """docs/guide.md «Når guiden ændres»: a release whose case worker's guide swaps two labels with stored answers
    is refused (survey.guide_fit) — on the Rapport page the source table then said only «Tabellen: en uventet fejl»
    (or nothing of why); now it shows the refusal, naming the guide and the choice, and no numbers."""
    from survey import guide_fit, source_store, sources
    from tests.custom_guides import edited_guide, source_guide_dir, swap_labels

    guide_fit.forget()
    source_store.check_guides(db)   # the store has met the bundled guides (the app's first page that reads them)
    folder = source_guide_dir(tmp_path / "guider")
    edited_guide(folder / "sagsbehandler.xlsx", swap_labels("kendskab", "godt", "noget"), version="2026.2",
                 src=sources.GUIDE_DIR / "sagsbehandler.xlsx")
    monkeypatch.setattr(sources, "GUIDE_DIR", folder)   # the release is installed, and the app started anew
    guide_fit.forget()
    st.cache_data.clear()
    try:
        at = rapport_table("sb_kendskab_tilbud", TIMEOUT)
        assert not at.exception, [e.value for e in at.exception]
        shown = "\n".join(e.value for e in at.error)
        assert "sagsbehandler" in shown and "passer ikke til de interview" in shown and "'godt'" in shown, shown
        assert not at.dataframe
    finally:
        guide_fit.forget()
        st.cache_data.clear()
