"""Real browser (issue 10.9): every page of the app is Danish where the user looks.

`streamlit run serve.py` (from the repository root, so the project's .streamlit/config.toml is read)
on the demo study in an open store (no users: every page is shown), driven by Debian's Chromium
at 1280×720 with an English browser language (the harder case: Streamlit's widgets follow the
browser). On every page, and in the states a user meets — a typed date out of range (the app has
no date picker: every date is typed), a select box with no match, a file refused — the visible text (``innerText`` plus the
``aria-label``, ``title``, ``placeholder`` and ``aria-valuetext`` of visible elements) must not
hold any of `ENGLISH`: Streamlit's own strings, collected by looking at the pages. Uploading a PDF
where a transcript is expected gives the Danish refusal, and the store is read afterwards:
nothing was stored.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey.db import make_engine, session_scope
from tests.browser.conftest import shot

VIEWPORT = {"width": 1280, "height": 720}

# Streamlit's English as seen on Brugerblik's pages in Chromium 1280×720 (an English browser),
# with the menu, an uploader and its error, the date picker, a select box's search open
ENGLISH = [
    # page chrome, developer menu and footer
    "Skip to main content", "Made with Streamlit", "Rerun", "Clear cache", "Record", "Deploy", "Main menu",
    "App pages", "Sidebar", "Link to heading", "Help for", "Running", "Stopping", "Connecting", "Settings",
    "Page not found", "does not seem to exist", "main page", "Open", "Close", "Dismiss",
    # uploader
    "Drag and drop", "Browse files", "Limit", "per file", "files are not allowed", "or smaller", "Upload",
    "Add files", "Remove",
    # date input and its calendar
    "Choose a date", "Choose date", "Use arrow keys", "Previous month", "Next month", "Selected Date",
    "outside allowed range", "Please select", "Error", "Today", "selected", "Empty",
    "day,", "month,", "year,", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "January", "February", "March", "April", "May", "June", "July", "October",
    # select boxes, multiselects, inputs
    "Collapse sidebar", "Expand sidebar", "sidebar", "progress",
    "Choose an option", "Choose options", "No results", "No options", "options available", "Press Enter",
    "Clear all", "Clear value", "Show password", "Hide password", "Increment", "Decrement",
    # data tables and figures
    "Fullscreen", "Search", "Download as CSV", "Show/hide columns", "Download plot", "Autoscale",
    "Reset axes", "Zoom in", "Zoom out", "Box Select", "Lasso Select", "Produced with Plotly",
]
_ENGLISH_RE = re.compile("|".join(rf"(?<![\w]){re.escape(w)}(?![\w])" if w[-1].isalnum() else
                                  rf"(?<![\w]){re.escape(w)}" for w in ENGLISH))

# innerText (without Material icon ligatures such as "upload_file": icons, not words) and the
# attributes a screen reader or a tooltip shows, of elements that are on screen
VISIBLE_TEXT = """() => {
  const out = [];
  const icons = new Set([...document.querySelectorAll('[data-testid="stIconMaterial"]')]
                        .map(e => (e.textContent || '').trim()));
  for (const line of document.body.innerText.split('\\n')) {
    if (!icons.has(line.trim())) out.push(line);
  }
  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder],[aria-valuetext]')) {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if ((r.width === 0 && r.height === 0) || cs.visibility === 'hidden' || cs.display === 'none') continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'aria-valuetext']) {
      const v = el.getAttribute(a);
      if (v) out.push(a + ': ' + v);
    }
  }
  return out.join('\\n');
}"""


def english_in(text: str) -> list[str]:
    return sorted({line.strip() for line in text.split("\n") if _ENGLISH_RE.search(line)})


def settled(page, *, title: bool = True) -> None:
    """Wait until the script run is over and the page has drawn its title (and the translation has run)."""
    page.wait_for_function("""() => { const a = document.querySelector('[data-test-script-state]');
        return a && a.getAttribute('data-test-script-state') === 'notRunning'
               && a.getAttribute('data-test-connection-state') === 'CONNECTED'; }""", timeout=30000)
    if title:
        page.locator('[data-testid="stMain"] :is(h1, h2, h3)').first.wait_for(timeout=20000)
    page.wait_for_timeout(700)


def assert_danish(page, where: str) -> str:
    text = page.evaluate(VISIBLE_TEXT)
    bad = english_in(text)
    if bad:
        shot(page, f"engelsk_{re.sub(r'[^a-z0-9]+', '_', where.lower())}")
    assert not bad, f"engelsk tekst på {where}: {bad}"
    return text


@pytest.fixture
def demo_store(db_url, guide):
    """The demo study in the store the server uses (open: no users), and a transcript for AMA-01."""
    from archetypes import coding
    from coding import transcripts as tr
    from survey.demo import load_demo
    from pathlib import Path

    engine = make_engine(db_url)
    assert load_demo(engine, guide) == 61
    data = (Path(__file__).resolve().parents[1] / "coding" / "data" / "interview_dansk.txt").read_bytes()
    with session_scope(engine) as s:
        ids = {r.respondent_id: r.interview_id for r in coding.respondents(s)}
        tr.import_transcript(s, ids["AMA-01"], data, "interview.txt", "Forsker A")
    yield engine, ids
    engine.dispose()


def _transcripts(engine, iid: str) -> tuple[int, int]:
    from coding import transcripts as tr
    from survey.models import AuditEntry

    with session_scope(engine) as s:
        n = len(tr.list_transcripts(s, iid))
        audit = s.execute(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.interview_id == iid, AuditEntry.entity == "transcript")).scalar_one()
    return n, audit


def test_every_page_is_danish(demo_store, server, browser):
    from ui.access import PAGE_SPECS

    engine, ids = demo_store
    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport=VIEWPORT, locale="en-US")
    page.set_default_timeout(20000)

    # no developer menu, no deploy button: Streamlit's toolbar is off for users (.streamlit/config.toml)
    page.goto(base + "/")
    settled(page)
    assert page.locator('[data-testid="stMainMenu"]').count() == 0
    assert page.locator('[data-testid="stAppDeployButton"]:visible').count() == 0
    assert "Gå til hovedindholdet" in page.evaluate("() => document.body.innerText")  # the skip link, Danish

    # labels a screen reader says though nothing shows them (found by a tester): the interview page's sidebar
    # button («Collapse sidebar», drawn when the pointer is over the sidebar), and under a Danish browser the
    # open calendar's «Choose date, december 2026»
    labels_js = "() => [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))"
    da = browser.new_page(viewport=VIEWPORT, locale="da-DK")
    da.goto(base + f"/interview?iv={ids['AMA-01']}")
    settled(da)
    da.locator('[data-testid="stSidebar"]').hover()
    da.locator('[data-testid="stSidebarCollapseButton"] button').wait_for(state="attached")
    da.wait_for_timeout(300)
    labels = da.evaluate(labels_js)
    assert "Fold sidepanelet sammen" in labels and not english_in("\n".join(labels)), english_in("\n".join(labels))
    da.goto(base + "/")
    settled(da)
    # no date picker is left in the app (every date is typed: ui.dates.typed_date), so no calendar's labels
    assert da.locator('[data-testid="stDateInput"]').count() == 0
    da.close()

    first = PAGE_SPECS[0]
    seen = []
    for spec in PAGE_SPECS:
        url = base + ("/" if spec is first else f"/{spec.url_path}")
        if spec.url_path == "interview":
            url += f"?iv={ids['AMA-01']}"
        elif spec.url_path in ("kodning", "transskriptioner", "historik", "kilder"):
            url += "?r=AMA-01"
        page.goto(url)
        settled(page)
        shot(page, f"side_{spec.url_path}")
        assert_danish(page, spec.title)
        seen.append(spec.title)
    assert len(seen) == len(PAGE_SPECS)

    # a page that does not exist: Streamlit's notice, in Danish
    page.goto(base + "/findes-ikke")
    settled(page, title=False)
    page.get_by_text("Siden findes ikke. Startsiden vises i stedet.").wait_for()
    assert_danish(page, "en side, der ikke findes")

    # the start page's typed date: a date in the future is refused under the field, in Danish
    page.goto(base + "/")
    settled(page)
    date = page.locator(".st-key-start_date").get_by_role("textbox")
    date.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("01.01.2031")
    page.keyboard.press("Tab")
    page.get_by_text("Interviewdato: datoen ligger uden for det tilladte — tilladt: 01.01.2000 til").wait_for()
    assert_danish(page, "en dato i fremtiden")
    shot(page, "dato_fremtid")

    # a select box searched for something that is not there
    page.goto(base + "/kodning")
    settled(page)
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.keyboard.type("zzzz")
    page.wait_for_timeout(700)
    assert "Ingen resultater" in assert_danish(page, "en søgning uden resultat")
    page.keyboard.press("Escape")

    # a PDF where a transcript is expected: refused at once, in Danish; nothing stored
    before = _transcripts(engine, ids["AMA-02"])
    page.goto(base + "/transskriptioner?r=AMA-02")
    settled(page)
    uploader = page.locator('[data-testid="stFileUploader"]').first
    assert "Tilladt: .txt, .md, .docx, .vtt eller .srt · højst 5 MB." in page.evaluate("() => document.body.innerText")
    with page.expect_file_chooser() as chooser:
        uploader.get_by_role("button", name="Vælg fil").click()
    chooser.value.set_files(files=[{"name": "rapport.pdf", "mimeType": "application/pdf",
                                    "buffer": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"}])
    refusal = "Filen «rapport.pdf» kan ikke bruges her: kun .txt, .md, .docx, .vtt eller .srt er tilladt (filen er .pdf)."
    page.get_by_text(refusal).wait_for()
    settled(page)
    shot(page, "upload_pdf")
    assert_danish(page, "en afvist PDF")
    page.get_by_role("button", name="Importér", exact=True).click()
    settled(page)
    assert page.get_by_text(refusal).count() >= 1
    assert_danish(page, "import af en afvist PDF")
    assert _transcripts(engine, ids["AMA-02"]) == before == (0, 0)

    # the same for the codebook's import
    page.goto(base + "/kodebog")
    settled(page)
    page.get_by_text("Importér en kodebog (JSON eller CSV)").click()
    uploader = page.locator('[data-testid="stFileUploader"]').first
    with page.expect_file_chooser() as chooser:
        uploader.get_by_role("button", name="Vælg fil").click()
    chooser.value.set_files(files=[{"name": "kodebog.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}])
    page.get_by_text("Filen «kodebog.pdf» kan ikke bruges her: kun .json eller .csv er tilladt").wait_for()
    settled(page)
    assert_danish(page, "en afvist kodebog")
    page.close()

    # the login form, once the store has users (typing shows Streamlit's "Press Enter …" hint)
    from survey import auth

    with session_scope(engine) as s:
        auth.add_user(s, "mette", "admin", "en-lang-adgangskode-1")
    page = browser.new_page(viewport=VIEWPORT, locale="en-US")
    page.goto(base + "/")
    settled(page)
    page.get_by_label("Brugernavn", exact=True).fill("mette")
    page.get_by_label("Adgangskode", exact=True).fill("forkert")
    page.wait_for_timeout(500)
    shot(page, "login")
    assert_danish(page, "Log ind")
    page.get_by_role("button", name="Log ind").click()
    settled(page)
    assert_danish(page, "et forkert login")
    page.close()


def test_a_researchers_first_use_codebook_suggestions_and_one_selected_respondent(demo_store, server, browser):
    """Issue 10.10 in the browser: the seed codebook is there on the first visit (no button), suggestions
    are for the respondent's own turns by default, and the respondent chosen on Kodning is the one
    Enighed and Historik open on when the researcher goes there through the menu."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from coding import codebook as cb

    engine, ids = demo_store
    with session_scope(engine) as s:
        assert cb.is_empty(s)                                     # nothing loaded before the first visit
    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(20000)
    page.goto(base + "/kodebog")
    page.get_by_text("Udbytte af tilbuddet").first.wait_for()
    assert page.get_by_text("Kodebogen er tom").count() == 0
    with session_scope(engine) as s:
        assert not cb.is_empty(s)
    page.goto(base + "/transskriptioner?r=AMA-01")
    scope = page.get_by_role("radiogroup", name="Forslag til")
    scope.wait_for()
    assert scope.get_by_role("radio", name="Brugerens tale").is_checked()
    # choose AMA-03 on Kodning, then go to Enighed and Historik by the menu (same session, no ?r=)
    page.goto(base + "/kodning")
    coder = page.locator('[data-testid="stSidebar"]').get_by_label("Kodet af", exact=True)  # Enighed asks who
    coder.fill("Forsker A")
    coder.press("Enter")
    box = page.get_by_role("combobox").first
    for attempt in range(3):  # once more if the rerun the name started closed the list first (a loaded machine)
        box.click()
        page.keyboard.type("AMA-03")
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("() => location.search.includes('r=AMA-03')", timeout=8000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    for section, path in (("Kodning", "enighed"), ("Administration", "historik")):
        page.locator("header").get_by_text(section, exact=True).first.click()   # the top menu's group
        page.locator(f'a[href$="/{path}"]').first.click()                          # and its page
        page.wait_for_function("(p) => location.pathname.endsWith('/' + p) && location.search.includes('r=AMA-03')",
                               arg=path)
        page.get_by_role("combobox").first.wait_for()
        shown = page.get_by_role("combobox").first.evaluate(
            "e => (e.value || '') + ' ' + (e.closest('[data-testid=\"stSelectbox\"]') || e.parentElement).innerText")
        assert "AMA-03" in shown, (path, shown)
