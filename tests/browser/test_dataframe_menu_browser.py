"""Real browser: a data table's column menu is Danish (found by a usability tester).

A click on a column heading of any `st.dataframe` (Rapport's «Tallene bag kortet», Kilder, Historik,
Administration, Kodning's Ændringslog …) opens Streamlit's column menu, which was all English: «Sort
ascending», «Statistics», «Autosize», «Pin column», «Hide column», and under «Statistics» «Values»,
«Distinct», «Minimum length» … The file uploader's hidden field was read aloud as «file upload».
`ui.danish` translates them; this opens the menu and its statistics on the report page at 1024×768.
"""
from __future__ import annotations

from tests.browser.test_danish_browser import VISIBLE_TEXT, settled

ENGLISH_MENU = ["Sort ascending", "Sort descending", "Statistics", "Autosize", "Pin column", "Hide column",
                "Copy column name", "Dataframe column menu", "Values", "Distinct", "Minimum length",
                "Maximum length", "Average length"]


def test_column_menu_and_statistics_are_danish(demo_store, server, browser):
    base = f"http://127.0.0.1:{server.port}"
    page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="en-US")
    page.set_default_timeout(30000)
    page.goto(base + "/rapport")
    settled(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    # the menu button (⋮) at the right end of the first column's heading, drawn on the canvas when the
    # pointer is over the heading: tried from the right (a click on the heading's name sorts instead)
    for dx in range(150, 60, -6):
        page.mouse.move(box["x"] + dx, box["y"] + 18)
        page.wait_for_timeout(150)
        page.mouse.click(box["x"] + dx, box["y"] + 18)
        page.wait_for_timeout(400)
        if page.get_by_role("menuitem", name="Statistik").count():
            break
    page.get_by_role("menuitem", name="Statistik").wait_for()
    page.get_by_role("menuitem", name="Statistik").hover()
    page.get_by_text("Forskellige", exact=True).wait_for()
    page.wait_for_timeout(300)
    text = page.evaluate(VISIBLE_TEXT)
    for danish in ("Sortér stigende", "Sortér faldende", "Tilpas bredden", "Fastgør kolonnen", "Skjul kolonnen",
                   "Værdier", "Korteste", "Længste"):
        assert danish in text, danish
    assert not [w for w in ENGLISH_MENU if w in text], text
    # the uploader's hidden file field (Kodebog's import)
    page.goto(base + "/kodebog")
    settled(page)
    page.get_by_text("Importér en kodebog (JSON eller CSV)").click()
    page.locator('input[type="file"]').first.wait_for(state="attached")
    page.wait_for_timeout(300)
    assert page.locator('input[type="file"]').first.get_attribute("aria-label") == "Filfelt"
