"""Issue 12 in a real browser (Debian's Chromium via Playwright, 1280×720; fixtures in conftest.py):
on Anonymisering a researcher sees, for a quote, which spans were masked and why, puts a nickname on
the study's never-mask list from its line, sees the masked quote change, and takes it off the list
again. The store is read afterwards: it is the promise, the page only shows it."""
from __future__ import annotations

import pytest

from coding import anonymise as an
from survey.db import make_engine, session_scope
from tests.browser.conftest import shot

QUOTE = "Min kone Fatima Zahra Hansen og lange peter ringer fra 12 34 56 78 om 01.02.03-1234."


@pytest.fixture
def quote_store(db_url, guide):
    from archetypes import coding
    from survey.demo import load_demo
    from survey.models import Quote

    engine = make_engine(db_url)
    assert load_demo(engine, guide) == 61
    with session_scope(engine) as s:
        iid = next(r.interview_id for r in coding.respondents(s) if r.respondent_id == "AMA-01")
        q = Quote(interview_id=iid, item_code="hvorfor_her", text=QUOTE, created_by="KL")
        s.add(q)
        s.flush()
        qid = q.id
    yield engine, qid
    engine.dispose()


def test_why_a_quote_was_masked_and_never_mask_a_word(quote_store, server, browser):
    from playwright.sync_api import expect

    engine, qid = quote_store
    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(20000)
    page.goto(base + "/anonymisering")
    coder = page.locator('[data-testid="stSidebar"]').get_by_label("Kodet af", exact=True)
    coder.fill("Forsker A")
    coder.press("Enter")
    box = page.get_by_role("combobox", name="Citat")
    box.click()
    page.keyboard.type(f"citat {qid} ")
    page.keyboard.press("Enter")

    masked = page.locator(".bb-masked-quote")
    expect(masked).to_contain_text("Min kone [navn] og [navn] ringer fra [telefon] om [cpr].")
    why = page.locator(".bb-why-quote")
    expect(why).to_have_count(4)
    expect(why.nth(0)).to_contain_text("Fatima Zahra Hansen → [navn] fornavn (names-dataset: MA)")
    expect(why.nth(1)).to_contain_text("lange peter → [navn] kælenavn: fornavn (Faker da_DK)")
    expect(why.nth(3)).to_contain_text("01.02.03-1234 → [cpr] CPR-mønster")
    page.locator(".st-key-an_keep_quote_1").scroll_into_view_if_needed()
    shot(page, "anonymisering_01_hvorfor")

    # «Maskér aldrig» on the nickname's line: on the study's list, and the quote is masked without it
    page.locator(".st-key-an_keep_quote_1").get_by_role("button", name="Maskér aldrig").first.click()
    expect(masked).to_contain_text("Min kone [navn] og lange peter ringer")
    expect(page.get_by_text("«lange peter» maskeres ikke længere i undersøgelsen.")).to_be_visible()
    with session_scope(engine) as s:
        kept = an.list_keep_terms(s)
        assert [(t.term, t.added_by) for t in kept] == [("lange peter", "Forsker A")]
    page.locator(f".st-key-an_keep_rm_{kept[0].id}").scroll_into_view_if_needed()
    shot(page, "anonymisering_02_aldrig")

    # «Fjern» on the never-mask list: masked again
    page.locator(f".st-key-an_keep_rm_{kept[0].id}").get_by_role("button", name="Fjern").first.click()
    expect(masked).to_contain_text("Min kone [navn] og [navn] ringer")
    with session_scope(engine) as s:
        assert an.list_keep_terms(s) == []
    page.close()
