"""Issue 15, the Matrix page through AppTest: a code group × an attribute with the numbers of
`report.matrix`, a cell opened to read its texts, the choices kept in the URL for a reload."""
from __future__ import annotations

from tests.app.numbers import shown_frame
from tests.app.pages import open_page, run_ok, texts


def test_the_matrix_page_counts_opens_a_cell_and_keeps_the_choice_in_the_url(coded_db):
    at = open_page("matrix", kode="trivsel", egenskab="site_type")
    assert at.selectbox(key="mx_code").value == "trivsel" and at.selectbox(key="mx_attr").value == "site_type"
    t = shown_frame(at.dataframe[0]).set_index("Kode")  # the texts shown; the numbers sorted by are the codings
    assert t.loc["Kontakt", "Værested"] == "2 (1)" and t.loc["Rytme", "Boform"] == "1 (1)"
    assert t.loc["I alt", "I alt"] == "4 (2)"
    assert at.dataframe[0].value.set_index("Kode").loc["I alt", "I alt"] == 4
    # a cell opened: Kontakt × Værested gives AMA-01's segment and the quote made from it
    at.selectbox(key="mx_row").set_value("t_kontakt")
    at.selectbox(key="mx_col").set_value("vaerested")
    run_ok(at)
    cell = at.dataframe[1].value
    assert list(cell["Respondent"]) == ["AMA-01", "AMA-01"] and set(cell["Slags"]) == {"Segment", "Citat"}
    assert all("personalet" in x for x in cell["Tekst"])
    assert "2 kodning(er) fra 1 respondent(er)." in texts(at)
    # another attribute: the URL follows; a reload of it shows the same matrix
    at.selectbox(key="mx_attr").set_value("brugergruppe")
    run_ok(at)
    assert at.query_params["egenskab"] == "brugergruppe"
    again = open_page("matrix", kode="trivsel", egenskab="brugergruppe")
    assert again.dataframe[0].value.equals(at.dataframe[0].value)
    # a value the URL makes up: the defaults, no error
    odd = open_page("matrix", kode="findes_ikke", egenskab="hverdag")
    assert odd.selectbox(key="mx_attr").value == "brugergruppe" and not odd.error
