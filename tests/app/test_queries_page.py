"""Issue 15, the «Analyser» page through AppTest: the saturation table and note of
`report.saturation`, the co-occurrence pairs of `report.cooccurrence`, the settings kept in the
URL for a reload, and a refused setting shown as a message."""
from __future__ import annotations

from tests.app.numbers import shown_frame
from tests.app.pages import open_page, run_ok, texts


def test_saturation_view_counts_and_keeps_its_settings_in_the_url(coded_db):
    at = open_page("analyser", basis="1", forloeb="1")
    assert at.radio(key="q_view").value == "maetning"
    assert at.number_input(key="q_basis").value == 1 and at.number_input(key="q_taerskel").value == 5
    t = at.dataframe[0].value
    # TRE-01 (15 Feb 2006: morgen) before AMA-01 (28 Mar 2006: rytme, morgen, kontakt)
    assert list(t["Respondent"]) == ["TRE-01", "AMA-01"] and list(t["Nye koder"]) == [1, 2]
    assert "Mætning er ikke nået" in texts(at) and "59 afsluttede interview er endnu ikke kodet" in texts(at)
    assert len(at.get("plotly_chart")) == 1
    at.number_input(key="q_basis").set_value(2)
    run_ok(at)
    assert at.query_params["basis"] == "2"
    assert "Basis: 3 koder i de første 2 interview. Der er endnu ikke et helt forløb" in texts(at)
    again = open_page("analyser", basis="2", forloeb="1")
    assert "Basis: 3 koder i de første 2 interview" in texts(again)
    odd = open_page("analyser", basis="x", vis="andet", niveau="ord")  # made-up values: the defaults
    assert odd.number_input(key="q_basis").value == 4 and odd.radio(key="q_view").value == "maetning"
    assert not odd.error and "For få kodede interview" in texts(odd)


def test_cooccurrence_view_counts_pairs_per_segment_and_per_respondent(coded_db):
    at = open_page("analyser", vis="samforekomst")
    pairs = at.dataframe[0].value
    assert list(zip(pairs["Kode A"], pairs["Kode B"], pairs["Sammen"])) == [("Rytme", "Morgen", 1)]
    assert list(shown_frame(at.dataframe[0])["Andel af B"]) == ["50 % af 2"] and list(pairs["Andel af B"]) == [0.5]
    at.selectbox(key="q_niveau").set_value("respondent")
    run_ok(at)
    assert at.query_params["niveau"] == "respondent"
    assert len(at.dataframe[0].value) == 3 and len(at.get("plotly_chart")) == 1
    at.number_input(key="q_mindst").set_value(2)
    run_ok(at)
    assert "Ingen to koder forekommer sammen mindst 2 gange." in texts(at)


def test_word_frequency_view_by_site_type_and_within_a_code(coded_db):
    at = open_page("analyser", vis="ordfrekvens", top="3")
    t = at.dataframe[0].value
    # all the respondents' turns and quotes: dag, personale, snakke 3 times each (AMA-01's segment and quote)
    assert list(t["I alt"]) == ["dag (3)", "personale (3)", "snakke (3)"]
    at.selectbox(key="q_efter").set_value("site_type")
    at.selectbox(key="q_kode").set_value("t_rytme")
    run_ok(at)
    assert at.query_params["efter"] == "site_type" and at.query_params["kode"] == "t_rytme"
    t = at.dataframe[0].value
    # rytme (and morgen under it): the same segment text in AMA-01 (værested) and TRE-01 (boform)
    assert list(t["Boform"]) == list(t["Værested"]) == ["give (1)", "klokke (1)", "rytme (1)"]
    assert list(t["I alt"]) == ["give (2)", "klokke (2)", "rytme (2)"]
    assert len(at.get("plotly_chart")) == 1
