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

Every other page (`PAGES`: Start, Rapport with each tab, the workbench pages, Analyser's three views,
Administration, Historik) is checked the same way at 1280×720 — our classes and the markdown and captions the
pages write — and at 1024×768 by keyboard: through the skip link, Tab reaches the main area's controls and each
is drawn differently while it has the focus (a visible focus ring; Streamlit's table toolbar and heading links
excepted, which are its own).
"""
from __future__ import annotations

import re

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


def ours_violations(page, axe, where: str, ours: str = OURS) -> list[str]:
    """axe's serious and critical violations on the page whose element is in our own markup (`ours`), and a
    skipped heading level anywhere, as lines."""
    res = axe.run(page).response
    out = []
    for v in res["violations"]:
        if v.get("impact") not in BAD and v["id"] not in ALWAYS:
            continue
        for n in v["nodes"]:
            target = n["target"][0]
            sel = target if isinstance(target, str) else target[-1]  # inside a shadow root: the innermost
            inside = v["id"] in ALWAYS or page.evaluate(
                "([t, o]) => { const e = document.querySelector(t); return !!(e && e.closest(o)); }", [sel, ours])
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


# the researchers' and the administrator's pages (the Rapport page with each tab), as the demo study shows them;
# «Start og fortsæt» is the default page, at / (its url_path «start» is Streamlit's «Siden findes ikke» dialog)
PAGES = ["", "rapport", "rapport?fane=Kort+pr.+gruppe", "rapport?fane=Tabeller", "rapport?fane=Krydstabel",
         "rapport?fane=Hent", "kilder?r=KFU-01", "kodning?r=AMA-01", "kodebog", "transskriptioner?r=AMA-01",
         "citatbank", "enighed", "matrix", "analyser", "analyser?vis=samforekomst", "analyser?vis=ordfrekvens",
         "anonymisering", "administration", "historik?r=AMA-01"]
#: the HTML our pages write themselves on these pages: our classes, and the markdown and captions they write
WRITTEN = OURS + ', [data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"]'
#: Streamlit's own focusable parts whose focus it draws faintly or not at all (not ours: docs/accessibility in
#: the report): the data table's toolbar and a heading's link icon
CHROME_FOCUS = ('[data-testid="stElementToolbar"], [data-testid="stHeaderActionElements"], '
                '[data-testid="stDataFrame"] canvas')
FOCUS_JS = """() => { const e = document.activeElement;
  if (!e || e === document.body || !e.closest('[data-testid="stMain"]') || e.tagName === 'MAIN') return null;
  document.querySelectorAll('[data-bb-kb]').forEach((x) => x.removeAttribute('data-bb-kb'));
  e.setAttribute('data-bb-kb', '1');
  const r = e.getBoundingClientRect();
  const name = (e.getAttribute('aria-label') || e.innerText || e.getAttribute('placeholder') || '').trim();
  return {what: e.tagName.toLowerCase() + ' «' + name.slice(0, 40).replace(/\\s+/g, ' ') + '»',
          chrome: !!e.closest(arguments[0]), x: r.x, y: r.y, w: r.width, h: r.height}; }"""


def keyboard_stops(page, where: str, tabs: int = 12, wanted: int = 4) -> tuple[int, list[str]]:
    """Tab from the top of the page, through the skip link: how many of the main area's controls were reached (up to `wanted`), and
    those of them whose focus cannot be seen — the control drawn with and without the focus differs nowhere."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.keyboard.press("Tab")  # the first stop: Streamlit's skip link, past the menu and the sidebar's filters
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Gå til hovedindholdet", where
    page.keyboard.press("Enter")
    reached, unseen = 0, []
    for _ in range(tabs):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS_JS.replace("arguments[0]", repr(CHROME_FOCUS)))
        if info is None or info["chrome"]:
            continue
        reached += 1
        if info["w"] > 0 and info["y"] >= 0 and info["y"] + info["h"] <= page.viewport_size["height"]:
            clip = {"x": max(0, info["x"] - 4), "y": max(0, info["y"] - 4), "width": info["w"] + 8,
                    "height": info["h"] + 8}
            focused = page.screenshot(clip=clip, animations="disabled", caret="initial")
            page.evaluate("() => document.activeElement.blur()")
            plain = page.screenshot(clip=clip, animations="disabled", caret="initial")
            page.evaluate("() => document.querySelector('[data-bb-kb]').focus()")
            if focused == plain:
                unseen.append(f"{where or '/'}: {info['what']}")
        if reached >= wanted:
            break
    return reached, unseen


def test_axe_and_the_keyboard_on_every_other_page(coded, server, browser):
    """Every other page of the app, as the coded demo study shows it (Enighed also with its comparison shown):
    axe-core at 1280×720 finds no serious or critical violation in the HTML our pages write (our classes, the
    markdown and captions) and no skipped heading level anywhere (a screen reader's list of headings showed
    «Tallene bag kortet», «Kilderne side om side» … as h4 straight under the page's h1); at 1024×768 the Tab
    key reaches the page's main controls, and each shows where the focus is (drawn differently focused)."""
    from coding import agreement as ag
    from survey.db import session_scope

    engine, _ = coded
    with session_scope(engine) as s:  # two coders' archetypes: the comparison's tables and settle rows
        for rid, a, b in (("AMA-01", "dovne", "dovne"), ("AMA-02", "etniske", "dovne"), ("AMA-03", "dovne", "dovne")):
            ag.record(s, "Forsker A", ("respondent", rid), "arketype", a)
            ag.record(s, "Forsker B", ("respondent", rid), "arketype", b)
    axe = _axe()
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(30000)
    found: list[str] = []
    unseen: list[str] = []
    for path in PAGES:
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"http://127.0.0.1:{server.port}/{path}")
        main = page.locator('[data-testid="stMain"]')
        main.get_by_role("heading", level=1).wait_for()
        idle(page)
        found += ours_violations(page, axe, path or "/", WRITTEN)
        page.set_viewport_size({"width": 1024, "height": 768})
        idle(page)
        reached, bad = keyboard_stops(page, path)
        assert reached >= 1, f"{path or '/'}: Tab nåede kun {reached} af sidens kontroller"
        unseen += bad
        if path == "enighed":
            page.set_viewport_size({"width": 1280, "height": 720})
            main.get_by_text(re.compile("Vis sammenligningen")).click()
            main.get_by_role("heading", name=re.compile("Alle kodere")).wait_for()
            idle(page)
            found += ours_violations(page, axe, "enighed (sammenligningen)", WRITTEN)
    assert not found, "axe: alvorlige fejl i vores egen markup eller overskrifter, der springer et niveau over:\n" + \
        "\n".join(found)
    assert not unseen, "fokus kan ikke ses:\n" + "\n".join(unseen)


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
