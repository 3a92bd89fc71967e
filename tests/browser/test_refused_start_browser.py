"""A deliberate second click after a refused start does what it says (ui/clickguard.py), in Chromium.

Found by a tester: «Start journaludtræk» for a user whose consent to journal access is «nej» is refused on
the start page (nothing changes but the red message); a second click on the same button within about 1.5 s
did nothing at all — the click guard, armed by the first click, swallowed it as a re-click on a page that had
moved. The page had not moved: the button was still there, under the pointer. Now a click on the very
navigation button that armed the guard, still at its spot, goes through (a click that lands on something
else there — the next page — is still swallowed: tests/browser/test_click_guard_browser.py). By mouse at
1280×720 and by keyboard at 1024×768; the store is read after each.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from survey import interview as svc
from survey.db import make_engine, session_scope
from survey.guide import load_guide
from survey.models import Interview
from tests.browser.conftest import idle, shot

REFUSED = "har ikke givet tilladelse til journalindsigt"


@pytest.fixture
def refused_user(server):
    e = make_engine(server.db_url)
    g = load_guide()
    info = svc.start_interview(e, g, site_name="Amadeus", site_type="vaerested", interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))
    assert svc.save_answer(e, g, info.id, "consent_journal", "nej").ok
    yield e, info
    e.dispose()


def journals(e) -> int:
    with session_scope(e) as s:
        return s.execute(select(func.count()).select_from(Interview).where(Interview.informant == "journal")).scalar()


def refusals(page) -> int:
    return page.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]').count()


@pytest.mark.parametrize("size, by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_a_second_click_after_a_refused_start_is_not_swallowed(server, browser, refused_user, size, by):
    from playwright.sync_api import expect

    e, info = refused_user
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/")
    idle(page)
    page.locator(".st-key-start_informant").get_by_text("Journaludtræk").click()
    user = page.locator(".st-key-start_src_user")
    user.wait_for()
    user.click()
    page.keyboard.type(info.respondent_id)
    page.get_by_role("option", name=info.respondent_id).first.click()
    expect(page.get_by_text(REFUSED).first).to_be_visible()
    btn = page.locator(".st-key-start_src_btn button")
    btn.scroll_into_view_if_needed()
    idle(page)
    main_errors = page.locator('[data-testid="stMain"] [data-testid="stAlertContainer"]', has_text="må ikke åbnes")
    expect(main_errors).to_have_count(1)                      # the warning under the user's choice
    page.evaluate("""() => { window.__bbRuns = 0; const a = document.querySelector('[data-testid="stApp"]');
        new MutationObserver(() => { if (a.dataset.testScriptState === 'running') window.__bbRuns += 1; })
            .observe(a, {attributes: true, attributeFilter: ['data-test-script-state']}); }""")
    b = btn.bounding_box()
    x, y = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2

    def press() -> None:
        if by == "mouse":
            page.mouse.click(x, y)                            # a real click at the button's spot
        else:
            btn.focus()
            page.keyboard.press("Enter")

    press()
    page.wait_for_function("() => window.__bbRuns > 0")
    expect(main_errors).to_have_count(2)                      # refused: the warning and the start's refusal
    shot(page, f"refused_start_{size[0]}")
    # a deliberate second press once the refusal is drawn and the app is done with it, within the guard's quiet
    # time (on a loaded machine the time may be gone before the press: then the press was a first one, again)
    for _ in range(5):
        runs = page.evaluate("() => window.__bbRuns")
        page.wait_for_function("() => !window.__bbGuard.working()")
        quiet = page.evaluate("() => window.__bbGuard.left()")
        b2 = btn.bounding_box()
        assert abs(b2["x"] - b["x"]) < 2 and abs(b2["y"] - b["y"]) < 2, (b, b2)   # the button did not move
        press()
        page.wait_for_function(f"() => window.__bbRuns > {runs}", timeout=10000)   # it did what it says
        if quiet > 300:
            break
    else:
        raise AssertionError("the second press never came within the guard's quiet time")
    idle(page)
    expect(main_errors).to_have_count(2)
    assert page.evaluate("() => window.__bbGuard.swallowed") == 0
    assert journals(e) == 0                                   # nothing started, either time
    page.close()
