"""Accessibility of the interview page's own markup, checked by axe-core in Chromium at 1280×720.

Every section of an interview — the interview's own fields, each section of the guide (the probe grid in
«3. Udbytte»), the quotes and the finish — is checked with axe-core (the PyPI package
axe-playwright-python, which ships it). The test fails on a serious or critical violation whose element is
in our own markup: the components of ui/static (free text, choices, the probe grid, conflicts, the «Gemmer …»
pill) and the HTML the pages write themselves (the save status, questions, hints, refusals: classes bb-…/bbg…).
Streamlit's own chrome has violations we cannot fix; they are not counted here. A heading level skipped
(axe: heading-order, moderate) is counted wherever it is: our pages write every heading after Streamlit's title. The states that change colours
are drawn for real: a chosen option in the grid with its «vigtigt?» question, the focus on it, a refused number
with the red status.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import CI, idle, item, saves, wait_saved

OURS = ('[class^="bb-"], [class*=" bb-"], [class^="bbg"], [class*=" bbg"], #bb-pending, #bb-offline')
COMPONENTS = ".bb-text, .bb-choice, .bbg"
BAD = ("serious", "critical")
ALWAYS = ("heading-order",)  # counted at any impact, on any element: the pages write their headings themselves


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        msg = "Python-pakken axe-playwright-python mangler (pip install -e '.[test]')"
        if CI:
            pytest.fail("Browsertesten SKAL køre i CI: " + msg, pytrace=False)
        pytest.skip(msg)
    return Axe()


def ours_violations(page, axe, where: str) -> list[str]:
    """axe's serious and critical violations on the page whose element is in our own markup, as lines."""
    res = axe.run(page).response
    out = []
    for v in res["violations"]:
        if v.get("impact") not in BAD and v["id"] not in ALWAYS:
            continue
        for n in v["nodes"]:
            target = n["target"][0]
            sel = target if isinstance(target, str) else target[-1]  # inside a shadow root: the innermost
            inside = v["id"] in ALWAYS or page.evaluate(
                "([t, o]) => { const e = document.querySelector(t); return !!(e && e.closest(o)); }", [sel, OURS])
            if inside:
                out.append(f"{where}: {v['id']} ({v['impact']}) {n['target']} — {n['html'][:160]} — "
                           f"{(n.get('failureSummary') or '').strip()[:300]}")
    return out


def test_axe_finds_no_serious_violation_in_our_markup_on_any_interview_section(server, browser, guide):
    from survey import interview as svc
    from survey.db import make_engine

    axe = _axe()
    e = make_engine(server.db_url)
    iid = svc.start_interview(e, guide, site_name="Basen", site_type="boform", interviewer="KL").id
    e.dispose()
    sections = ["_om"] + [s.name for s in svc.sections(guide)] + ["_citater", "_afslut"]
    assert "udbytte" in sections

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(30000)
    base = f"http://127.0.0.1:{server.port}/interview?iv={iid}&afsnit="
    found: list[str] = []
    for sec in sections:
        page.goto(base + sec)
        page.locator(".bb-status").wait_for()
        idle(page)
        if sec not in ("_citater", "_afslut"):
            page.locator(COMPONENTS).first.wait_for()  # our components are drawn: the check is not of an empty page
        if sec == "udbytte":
            # a chosen answer (white on blue), the «vigtigt?» question it opens, and the keyboard focus on it
            opt = page.locator('.bbg-row[data-row="rytme"] .bbg-answer .bbg-opt').first
            n0 = saves(page)
            opt.click()
            wait_saved(page, n0, "rytme i hverdagen")
            # the save is said to a screen reader: the status it could see was hidden while «Gemmer …» showed
            page.wait_for_function("() => { const r = document.getElementById('bb-sr');"
                                   " return !!r && r.textContent === 'Gemt' && r.getAttribute('role') === 'status'; }")
            box = page.locator("#bb-sr").bounding_box()
            assert box is None or (box["width"] <= 1 and box["height"] <= 1)   # read, not shown
            page.locator('.bbg-row[data-row="rytme"] .bbg-imp').wait_for()
            opt.focus()
        if sec == "om_dig":
            # a refused number: the red status and the message under the field
            age = item(page, iid, "age").locator("input")
            age.fill("fyrre")
            age.press("Tab")
            page.locator('.bb-mainstatus[data-state="error"]').wait_for()
            page.locator(".bb-field-err:not([hidden])").first.wait_for()
            idle(page)
        found += ours_violations(page, axe, sec)
        # each «Ryd» is named with its question (axe does not ask for it; a screen reader going from button to
        # button otherwise hears «Ryd» and not which answer it clears)
        names = page.locator(".bb-clear").evaluate_all("bs => bs.map((b) => b.getAttribute('aria-label') || '')")
        assert all(n.startswith("Ryd svaret: ") and len(n) > len("Ryd svaret: ") for n in names), (sec, names)
        assert len(set(names)) == len(names), (sec, names)
    assert not found, "axe: alvorlige fejl i vores egen markup:\n" + "\n".join(found)


# the researchers' and the administrator's pages (the Rapport page with each tab), as the demo study shows them
PAGES = ["start", "rapport", "rapport?fane=Kort+pr.+gruppe", "rapport?fane=Tabeller", "rapport?fane=Krydstabel",
         "rapport?fane=Hent", "kilder?r=KFU-01", "kodning?r=AMA-01", "kodebog", "transskriptioner?r=AMA-01",
         "citatbank", "enighed", "matrix", "analyser", "anonymisering", "administration", "historik?r=AMA-01"]


def test_axe_finds_no_skipped_heading_level_on_the_other_pages(coded, server, browser):
    """Every page's sections follow its title one level down (h1, h2, h3): a screen reader's list of headings
    showed «Tallene bag kortet», «Kilderne side om side» … as h4 straight under the page's h1."""
    axe = _axe()
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(30000)
    found: list[str] = []
    for path in PAGES:
        page.goto(f"http://127.0.0.1:{server.port}/{path}")
        page.locator('[data-testid="stMain"]').get_by_role("heading", level=1).wait_for()
        idle(page)
        found += [f for f in ours_violations(page, axe, path) if f.startswith(f"{path}: heading-order ")]
    assert not found, "axe: overskrifter springer et niveau over:\n" + "\n".join(found)


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_what_a_screen_reader_hears_names_what_is_seen(server, browser, guide, size, by):
    """The probe grid's quote button shows «❝ 2» and is named «❝ 2 citater: <question>» (WCAG 2.5.3: the name
    contains the visible text; it was «Citater: …»). A required question's star is not read («*»); the question
    says «(påkrævet)» and its field is aria-required."""
    import re

    from playwright.sync_api import expect

    from survey import interview as svc
    from survey.db import make_engine

    e = make_engine(server.db_url)
    iid = svc.start_interview(e, guide, site_name="Basen", site_type="boform", interviewer="KL").id
    for text in ("Jeg står op hver dag.", "Nu har jeg en grund til at komme ud."):
        assert svc.add_quote(e, guide, iid, "rytme_note", text)[0] is not None
    e.dispose()
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    base = f"http://127.0.0.1:{server.port}/interview?iv={iid}&afsnit="

    page.goto(base + "udbytte")
    rytme = "Har tilbuddet givet dig en rytme i hverdagen?"
    two = page.get_by_role("button", name=f"❝ 2 citater: {rytme}", exact=True)
    expect(two).to_be_visible()
    expect(two).to_have_text("❝ 2")
    none = page.get_by_role("button", name="❝ Citater: Har tilbuddet været sjovt og udfordrende?", exact=True)
    expect(none).to_have_text("❝")
    names = page.locator(".bbg-quote").evaluate_all(
        "bs => bs.map((b) => [b.textContent.trim(), b.getAttribute('aria-label') || ''])")
    assert names and all(n.startswith(t) for t, n in names), names  # every one: the name begins with what is seen
    if by == "mouse":
        two.click()
    else:
        two.focus()
        page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()  # the question's two quotes, to read and correct
    expect(dialog.locator("textarea").first).to_have_value("Jeg står op hver dag.")
    page.keyboard.press("Escape")

    page.goto(base + "om_dig")
    question = page.locator(".bb-q").filter(has_text="Hvorfor er du her").first
    expect(question).to_be_visible()
    heard = question.aria_snapshot()
    assert "påkrævet" in heard and "*" not in heard, heard
    field = item(page, iid, "hvorfor_her").get_by_role("textbox")
    expect(field).to_have_attribute("aria-required", "true")
    gender = item(page, iid, "gender").get_by_role("radiogroup")
    expect(gender).to_have_attribute("aria-required", "true")
    # the star is still seen
    expect(question.locator(".bb-req")).to_have_text("*")
    expect(question.locator(".bb-req")).to_be_visible()
    if by == "keyboard":  # reached by Tab, the field is announced with its question
        field.focus()
        expect(field).to_be_focused()
        expect(field).to_have_accessible_name(re.compile("Hvorfor er du her"))
    else:
        field.click()
        expect(field).to_be_focused()
    page.close()
