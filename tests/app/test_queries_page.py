"""Issue 15, the «Mætning og samforekomst» page through AppTest: the saturation table and note of
`report.saturation`, the co-occurrence pairs of `report.cooccurrence`, the settings kept in the
URL for a reload, and a refused setting shown as a message."""
from __future__ import annotations

import pytest

from survey.db import get_engine
from tests.app.pages import open_page, run_ok, texts
from tests.report.test_matrix import build_coded_study


@pytest.fixture(scope="module")
def coded_url(db_factory):
    url = db_factory.new()
    build_coded_study(url)[0].dispose()
    return url


@pytest.fixture
def db(coded_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", coded_url)
    return get_engine(coded_url)


def test_saturation_view_counts_and_keeps_its_settings_in_the_url(db):
    at = open_page("maetning", basis="1", forloeb="1")
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
    again = open_page("maetning", basis="2", forloeb="1")
    assert "Basis: 3 koder i de første 2 interview" in texts(again)
    odd = open_page("maetning", basis="x", vis="andet", niveau="ord")  # made-up values: the defaults
    assert odd.number_input(key="q_basis").value == 4 and odd.radio(key="q_view").value == "maetning"
    assert not odd.error and "For få kodede interview" in texts(odd)


def test_cooccurrence_view_counts_pairs_per_segment_and_per_respondent(db):
    at = open_page("maetning", vis="samforekomst")
    pairs = at.dataframe[0].value
    assert list(zip(pairs["Kode A"], pairs["Kode B"], pairs["Sammen"])) == [("Rytme", "Morgen", 1)]
    assert list(pairs["Andel af B"]) == ["50 % af 2"]
    at.selectbox(key="q_niveau").set_value("respondent")
    run_ok(at)
    assert at.query_params["niveau"] == "respondent"
    assert len(at.dataframe[0].value) == 3 and len(at.get("plotly_chart")) == 1
    at.number_input(key="q_mindst").set_value(2)
    run_ok(at)
    assert "Ingen to koder forekommer sammen mindst 2 gange." in texts(at)
