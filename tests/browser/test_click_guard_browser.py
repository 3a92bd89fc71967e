"""A second click on the spot of a navigation click is not an answer (ui/clickguard.py), in Chromium.

Found by a tester at 1280×720: «Næste →» clicked, then clicked again at the same spot 0.4–1.2 s
later — the next section had scrolled to the top and put an answer option under the pointer, and
the second click recorded it; a second Enter skipped a whole section. Each test reads the store.

The mouse test builds the situation on purpose, so it cannot pass for want of an option under the
pointer: it finds where an option of «Udbytte» lies when that section is at the top, and scrolls
«Aktivering» so that its «Udbytte →» button is on that very spot (it checks that this was possible).
Then the same clicks are made with the guard switched off in the page (``window.__bbGuard`` set
before the app's script runs), and the answer is recorded: the defect, reproduced.
"""
from __future__ import annotations

import re
import time

import pytest

from survey import interview as svc
from tests.browser.conftest import idle, shot
from ui.clickguard import SAVE_GAP_MS
from tests.browser.test_field_trust_browser import new_interview, store  # noqa: F401 — `store` is a fixture

GUARD_OFF = "window.__bbGuard = {active() { return false; }, quiet() {}, swallowed: 0};"


def _section(page) -> str:
    return re.search(r"afsnit=([^&]+)", page.url).group(1)


def _open(page, base: str, iid: str, section: str) -> None:
    page.goto(f"{base}/interview?iv={iid}&afsnit={section}")
    idle(page)
    page.locator(".st-key-nav_next button").wait_for()
    page.wait_for_timeout(800)


def _spot_over_an_option(page, base: str, iid: str, size) -> tuple[float, float, str]:
    """Scroll «Aktivering» so that its «Udbytte →» button covers a spot where an answer option of
    «Udbytte» will be once that section is drawn at the top; (x, y, the option's row)."""
    _open(page, base, iid, "udbytte")
    opts = page.evaluate("""() => [...document.querySelectorAll('.bbg-opt')].map(e => {
        const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height, e.closest('.bbg-row').dataset.row]; })""")
    _open(page, base, iid, "aktivering")
    nxt = page.locator(".st-key-nav_next button")
    nxt.scroll_into_view_if_needed()
    b = nxt.bounding_box()
    # options the button's middle third can cover, reachable by scrolling the page up (the button moves down)
    fits = [o for o in opts if o[0] + 4 < b["x"] + b["width"] * 2 / 3 and o[0] + o[2] - 4 > b["x"] + b["width"] / 3
            and b["y"] + b["height"] / 2 <= o[1] + o[3] / 2 <= size[1] - b["height"] / 2 - 4]
    assert fits, f"no option of Udbytte can lie under «Udbytte →» at {size}: {b}, {opts[:6]}"
    o = min(fits, key=lambda o: o[1])
    page.mouse.move(b["x"] + 5, b["y"] + 5)
    page.mouse.wheel(0, (b["y"] + b["height"] / 2) - (o[1] + o[3] / 2))
    page.wait_for_timeout(500)
    b = nxt.bounding_box()
    x = min(max(b["x"] + 6, o[0] + 6), o[0] + o[2] - 6)
    y = b["y"] + b["height"] / 2
    assert abs(y - (o[1] + o[3] / 2)) < o[3] / 2 - 2, (y, o)  # the button is over the option's row
    return x, y, o[4]


def _twice(page, x: float, y: float, gap: float) -> None:
    page.mouse.click(x, y)
    time.sleep(gap)
    page.mouse.click(x, y)
    idle(page)
    page.wait_for_timeout(1500)


def _twice_on_the_drawn_section(page, x: float, y: float, gap: float) -> None:
    """The guard off: the second click `gap` after the first — or, on a machine slower than that, as soon as
    the next section is under the spot (before that, the click reaches no option; on PostgreSQL on a slow
    machine the next section took more than 1 s to draw, and the demonstration recorded nothing)."""
    t0 = time.monotonic()
    page.mouse.click(x, y)
    page.wait_for_function(f"() => !!document.elementFromPoint({x}, {y})?.closest('.bbg-opt')", polling=20)
    time.sleep(max(0.0, gap - (time.monotonic() - t0)))
    page.mouse.click(x, y)
    idle(page)
    page.wait_for_timeout(1500)


@pytest.mark.parametrize("gap", [0.4, 1.0])
def test_a_second_click_on_next_records_nothing_and_moves_one_section(server, store, browser, gap):
    base = f"http://127.0.0.1:{server.port}"
    size = (1280, 720)
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="da-DK")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    iid = new_interview(store)
    x, y, row = _spot_over_an_option(page, base, iid, size)
    _twice(page, x, y, gap)
    shot(page, f"guard_next_{gap}")
    assert _section(page) == "udbytte"  # one section on, not two
    under = page.evaluate(f"() => document.elementFromPoint({x}, {y})?.closest('.bbg-opt')?.dataset.value ?? null")
    assert under is not None, "an answer option is under the spot now"
    assert page.evaluate("() => window.__bbGuard.swallowed") == 1
    assert svc.load_state(store, iid).answers == {}, "the second click recorded an answer"
    # the guard is over once the page has settled: the same spot, clicked on purpose, answers
    page.wait_for_timeout(1500)
    page.mouse.click(x, y)
    deadline = time.monotonic() + 10
    while row not in svc.load_state(store, iid).answers and time.monotonic() < deadline:
        time.sleep(0.1)
    assert svc.load_state(store, iid).answers.get(row) == under
    ctx.close()

    # the same clicks without the guard: the defect the tester found
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="da-DK")
    ctx.add_init_script(GUARD_OFF)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    iid = new_interview(store)
    x, y, row = _spot_over_an_option(page, base, iid, size)
    _twice_on_the_drawn_section(page, x, y, gap)
    deadline = time.monotonic() + 5
    while not svc.load_state(store, iid).answers and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(svc.load_state(store, iid).answers) == [row]
    ctx.close()


def test_a_quick_click_elsewhere_goes_through(server, store, browser):
    """The guard only swallows the navigation click's own spot: an interviewer who goes straight on to
    the first question is not slowed down (1024×768, the first option clicked 0.3 s after the section)."""
    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="da-DK")
    page.set_default_timeout(20000)
    iid = new_interview(store)
    _open(page, base, iid, "aktivering")
    page.locator(".st-key-nav_next button").click()
    page.wait_for_url(re.compile(r"afsnit=udbytte"))
    page.locator('.bbg-row[data-row="arbejdsmarked"] .bbg-answer .bbg-opt').first.wait_for()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__bbGuard.active()")  # still settling …
    page.locator('.bbg-row[data-row="arbejdsmarked"] .bbg-answer').get_by_text("Ja", exact=True).click()
    deadline = time.monotonic() + 10
    while "arbejdsmarked" not in svc.load_state(store, iid).answers and time.monotonic() < deadline:
        time.sleep(0.1)
    assert svc.load_state(store, iid).answers == {"arbejdsmarked": "ja"}  # … yet the click went through
    assert page.evaluate("() => window.__bbGuard.swallowed") == 0


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_the_keyboard_a_second_enter_moves_no_further_and_tab_goes_to_the_first_question(server, store, browser,
                                                                                          size):
    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="da-DK")
    page.set_default_timeout(20000)
    iid = new_interview(store)
    _open(page, base, iid, "om_dig")
    page.locator(".st-key-nav_next button").focus()
    page.keyboard.press("Enter")
    time.sleep(0.15)
    page.keyboard.press("Enter")  # a hurried second press, while the app works on the first
    idle(page)
    page.wait_for_timeout(1500)
    assert _section(page) == "aktivering"
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.textContent]")
    assert focused[0] == "H3" and "Aktivering" in focused[1], focused
    page.keyboard.press("Tab")  # the first question's first option, not the sidebar
    first = page.evaluate("() => document.activeElement.closest('[class*=\"st-key-q_\"]')?.className ?? ''")
    assert "st-key-q_" in first, first
    # Space acts on release: the guard lets the press that started it through
    page.locator(".st-key-nav_next button").focus()
    page.keyboard.press(" ")
    idle(page)
    page.wait_for_url(re.compile(r"afsnit=(?!aktivering)"))
    assert _section(page) != "aktivering"
    assert svc.load_state(store, iid).answers == {}


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_a_quick_tap_on_next_right_after_typing_moves_on_and_the_text_is_saved(server, store, browser, size):
    """A tester's quick tap (mouse down and up within a few ms, as a touchpad taps) on «Udbytte →» right
    after typing in a text field did nothing: the text's save and the button's click reached Streamlit
    in the same instant, and it ran only the save. The click is now passed on a moment later."""
    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="da-DK")
    page.set_default_timeout(20000)
    iid = new_interview(store)
    _open(page, base, iid, "aktivering")
    box = page.locator('textarea[data-code="tilbud_indhold"]')
    box.click()
    page.keyboard.type("Vi lavede mad sammen", delay=5)
    nxt = page.locator(".st-key-nav_next button")
    nxt.scroll_into_view_if_needed()
    b = nxt.bounding_box()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    # how long after the text's save the click came, seen by a listener after the guard's (a click the guard
    # passes on later never reaches it)
    page.evaluate("""() => { window.__tapGap = null; window.addEventListener('click', (e) => {
        if (e.detail > 0 && window.__tapGap === null && window.__bbSave && window.__bbSave.lastFlush)
            window.__tapGap = Date.now() - window.__bbSave.lastFlush; }, true); }""")
    page.mouse.down()
    page.mouse.up()  # no pause: a tap
    page.wait_for_url(re.compile(r"afsnit=udbytte"), timeout=10000)
    deadline = time.monotonic() + 10
    while svc.load_state(store, iid).answers.get("tilbud_indhold") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert svc.load_state(store, iid).answers == {"tilbud_indhold": "Vi lavede mad sammen"}
    replayed, gap = page.evaluate("() => [window.__bbGuard.replayed, window.__tapGap]")
    # the tap came within the save's instant and was passed on — or, on a loaded machine, Playwright's «up» came
    # later than that (CI: the click was not passed on, and need not be: it was not in the save's instant)
    assert replayed == 1 or (replayed is None and gap is not None and gap >= SAVE_GAP_MS), (replayed, gap)


def test_a_second_press_on_next_at_the_same_place_after_the_run_moves_no_further(server, store, browser):
    """A reviewer: once the guard let a second press on the control that armed it through when it was still at
    its place after the run (for a refused start: the page did not move), «Næste →» of a section as tall as the
    last — the same key, the same place — would have moved on a second section. Only a start button is let
    through: here the next section's «Næste →» is put on the first one's place (a transform) and pressed while
    the guard's quiet time lasts; the page stays on the section it moved to."""
    base = f"http://127.0.0.1:{server.port}"
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="da-DK")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    iid = new_interview(store)
    for _attempt in range(3):  # a loaded machine can spend the quiet time before the second press: again
        _open(page, base, iid, "aktivering")
        nxt = page.locator(".st-key-nav_next button")
        nxt.scroll_into_view_if_needed()
        b = nxt.bounding_box()
        x, y = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
        page.mouse.click(x, y)
        page.wait_for_function("() => !window.__bbGuard.working()", polling=20)
        assert _section(page) == "udbytte"
        moved = page.evaluate(f"""() => {{ const e = document.querySelector('.st-key-nav_next');
            const r = e.getBoundingClientRect();
            e.style.transform = `translate(${{{b['x']} - r.x}}px, ${{{b['y']} - r.y}}px)`;
            const n = e.querySelector('button').getBoundingClientRect(); return [n.x, n.y]; }}""")
        if page.evaluate("() => window.__bbGuard.left()") < 400:
            continue
        assert abs(moved[0] - b["x"]) < 1 and abs(moved[1] - b["y"]) < 1, (moved, b)
        swallowed = page.evaluate("() => window.__bbGuard.swallowed")
        page.mouse.click(x, y)
        idle(page)
        page.wait_for_timeout(800)
        assert _section(page) == "udbytte", "the second press on «Næste →» moved on a second section"
        assert page.evaluate("() => window.__bbGuard.swallowed") == swallowed + 1
        break
    else:
        pytest.fail("the guard's quiet time was over before the second press, three times")
    assert svc.load_state(store, iid).answers == {}
    ctx.close()
