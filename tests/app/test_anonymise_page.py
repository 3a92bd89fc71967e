"""Issue 12 on the Anonymisering page (AppTest, on the demo study; SQLite or PostgreSQL): per quote,
which spans were masked and why (list or rule), and the study's never-mask list — added from a
span or typed, removed again — with what is stored checked through the domain API."""
from __future__ import annotations

import re

import pytest

from archetypes import coding
from coding import anonymise as an
from survey.db import get_engine, session_scope
from survey.demo import load_demo
from survey.models import Quote
from tests.app.pages import open_page, run_ok, texts

QUOTE = "Min kone Fatima Zahra Hansen og lange peter ringer fra 12 34 56 78 om 01.02.03-1234."


@pytest.fixture
def db(db_url, monkeypatch, guide):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    e = get_engine(db_url)
    assert load_demo(e, guide) == 61
    return e


@pytest.fixture
def quote(db):
    with session_scope(db) as s:
        q = Quote(interview_id=next(r.interview_id for r in coding.respondents(s) if r.respondent_id == "AMA-01"),
                  item_code="hvorfor_her", text=QUOTE, created_by="KL")
        s.add(q)
        s.flush()
        return q.id


def why(at, key: str = "quote") -> list[str]:
    """The «Hvorfor maskeret» lines of one side-by-side view, without markup."""
    return [re.sub(r"<[^>]+>", "", m.value) for m in at.markdown if f"bb-why-{key}" in m.value]


def masked(at, key: str) -> str:
    return re.sub(r"<[^>]+>", "", "\n".join(m.value for m in at.markdown if f"bb-masked-{key}" in m.value))


def test_each_quote_shows_why_each_span_was_masked(db, quote):
    at = open_page("anonymisering")
    at.selectbox(key="an_quote").set_value(quote)
    run_ok(at)
    assert "Min kone [navn] og [navn] ringer fra [telefon] om [cpr]." in masked(at, "quote")
    lines = why(at)
    assert lines == [
        "Fatima Zahra Hansen → [navn] fornavn (names-dataset: MA) + fornavn (Faker da_DK) + efternavn (Faker da_DK)",
        "lange peter → [navn] kælenavn: fornavn (Faker da_DK)",
        "12 34 56 78 → [telefon] telefonnummer (8 cifre)",
        "01.02.03-1234 → [cpr] CPR-mønster",
    ]
    assert "Hvorfor maskeret" in texts(at)
    # a name or place can be put on the never-mask list from its line; numbers cannot
    keys = sorted(b.key for b in at.button if (b.key or "").startswith("an_keep_quote_"))
    assert keys == ["an_keep_quote_0", "an_keep_quote_1"]


def test_never_mask_a_word_from_the_quote_and_take_it_back(db, quote):
    at = open_page("anonymisering")
    at.selectbox(key="an_quote").set_value(quote)
    run_ok(at)
    at.button(key="an_keep_quote_1").click()  # «lange peter»
    run_ok(at)
    with session_scope(db) as s:
        kept = an.list_keep_terms(s)
        assert [(t.term, t.kind, t.added_by) for t in kept] == [("lange peter", "behold", "Forsker A")]
        assert an.list_mask_terms(s) == []  # the always-mask list is another list
    assert "«lange peter» maskeres ikke længere i undersøgelsen." in texts(at)
    assert "Min kone [navn] og lange peter ringer" in masked(at, "quote")
    # the export masks the same way
    assert an.export_masker(db)(QUOTE).startswith("Min kone [navn] og lange peter ringer")
    at.button(key=f"an_keep_rm_{kept[0].id}").click()
    run_ok(at)
    with session_scope(db) as s:
        assert an.list_keep_terms(s) == []
    assert "Min kone [navn] og [navn] ringer" in masked(at, "quote")


def test_never_mask_list_typed_in_with_danish_messages(db):
    at = open_page("anonymisering")
    at.text_area(key="an_text").input("Vi mødtes på biblioteket hos Ion Popescu.")
    run_ok(at)
    assert "Vi mødtes på biblioteket hos [navn]." in masked(at, "text")
    at.text_input(key="an_keep_term").input("Ion Popescu")
    at.button(key="an_keep_add").click()
    run_ok(at)
    with session_scope(db) as s:
        assert [t.term for t in an.list_keep_terms(s)] == ["Ion Popescu"]
    assert "«Ion Popescu» maskeres aldrig i undersøgelsen." in texts(at)
    assert "Vi mødtes på biblioteket hos Ion Popescu." in masked(at, "text")
    assert at.text_input(key="an_keep_term").value == ""
    # twice, or a word on the always-mask list: refused with the reason
    at.text_input(key="an_keep_term").input("Ion Popescu")
    at.button(key="an_keep_add").click()
    run_ok(at)
    assert "står allerede på listen over ord, der aldrig maskeres" in "\n".join(e.value for e in at.error)
    at.text_input(key="an_term").input("Zorblax")
    at.button(key="an_add").click()
    run_ok(at)
    at.text_input(key="an_keep_term").input("Zorblax")
    at.button(key="an_keep_add").click()
    run_ok(at)
    assert "står allerede på listen over navne og steder, der altid maskeres" in "\n".join(e.value for e in at.error)
    with session_scope(db) as s:
        assert [t.term for t in an.list_keep_terms(s)] == ["Ion Popescu"]
        assert [t.term for t in an.list_mask_terms(s)] == ["Zorblax"]
