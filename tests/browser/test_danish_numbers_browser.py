"""Real browser: the Rapport page's numbers sort as numbers, and a screen reader hears the Danish text.

A table's cells are drawn on a canvas; the data table keeps a hidden accessible table (``table[role=grid]``
inside the canvas) with one ``td`` per drawn cell, in the order shown. Its text is the cell's value as
JavaScript writes it («0.847457627118644»: what a screen reader read on Enighed and, once the Rapport page's
numbers were numbers, there too); `ui.danish` gives each number cell the Danish text drawn (``aria-label``,
from `ui.common.number_table`). A click on a heading sorts (the grid offers no key for that: the keyboard
moves between the cells, and what it reaches is read here too).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, idle, press_until
from tests.browser.test_danish_browser import settled

#: the raw text of a number cell in the accessible table: JavaScript's String(number)
RAW_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
#: a number as the page writes it («7», «84,7 %», «+15,2», «0,812») or publication's marks («–», «<5»)
DANISH = re.compile(r"[+−-]?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?: %)?|–|<\d+")

CELLS = "tds => tds.map(td => [td.textContent, td.getAttribute('aria-label')])"


def column_cells(table, col: int) -> list[tuple[str, str | None]]:
    """(raw text, aria-label) of column `col` (1-based) of the drawn rows, top to bottom."""
    return [tuple(x) for x in table.locator(f'td[role="gridcell"][aria-colindex="{col}"]').evaluate_all(CELLS)]


def heading_x(page, table, col: int) -> float:
    """The x of a point on heading `col`'s name: the columns' borders found where the pointer turns into
    the resize cursor, across the heading row."""
    canvas = table.locator('canvas[data-testid="data-grid-canvas"]')
    box = canvas.bounding_box()
    borders, was = [box["x"]], None
    for x in range(int(box["x"]) + 2, int(box["x"] + box["width"]) - 2, 3):
        page.mouse.move(x, box["y"] + 17)
        cursor = canvas.evaluate("c => c.style.cursor")
        if cursor == "col-resize" and was != "col-resize":
            borders.append(x)
        was = cursor
    assert len(borders) >= col, borders
    return borders[col - 1] + 24


def spoken_problems(table) -> list[str]:
    """A drawn number cell whose screen-reader text is not the Danish number: a number with a decimal point
    read as it is («0.84…»), or an aria-label that is no Danish number. (A whole number without a text of its
    own is read as drawn: «5».)"""
    bad = []
    for raw, label in table.locator('td[role="gridcell"]').evaluate_all(CELLS):
        if label is not None and RAW_NUMBER.fullmatch(raw or "") and not DANISH.fullmatch(label):
            bad.append(f"{raw!r} læses som {label!r}")
        elif label is None and RAW_NUMBER.fullmatch(raw or "") and not raw.lstrip("-").isdigit():
            bad.append(f"{raw!r} læses som det står")
    return bad


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard"),
                                     ((1280, 720), "keyboard"), ((1024, 768), "mouse")])
def test_a_published_rapport_table_sorts_by_number_and_is_read_in_danish(demo_store, server, browser, size, by):
    """Oversigt, published: a click on «Interviewet» sorts by number (down: 61, 31, 30 … 5; as text «6» and
    «5» came first), the hidden rows («<5», «–») hold no number — they sort together, apart from every shown
    one, and say only their mark — and the shares are read «100,0 %», not «1»."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport?fane=Tabeller&offentlig=1")
    settled(page)
    choose(page, "Tabel", "Oversigt over interview", by, size)
    table = page.locator('[data-testid="stDataFrame"]').first
    expect(table.locator("th").nth(2)).to_have_text("Interviewet")
    idle(page)
    table.scroll_into_view_if_needed()
    before = column_cells(table, 3)
    assert any(label == "<5" for _, label in before) and any(label == "–" for _, label in before), before
    assert spoken_problems(table) == []
    x, y = heading_x(page, table, 3), table.bounding_box()["y"] + 17
    page.mouse.click(x, y)  # ascending
    expect(table.locator("th").nth(2)).to_have_text(re.compile("^↑"))
    first = table.locator('td[role="gridcell"][aria-colindex="3"]').first
    expect(first).to_have_attribute("aria-label", re.compile("^(<5|–)$"))  # drawn and read as sorted
    cells = column_cells(table, 3)
    numbers = [i for i, (raw, _) in enumerate(cells) if raw]
    assert numbers and numbers == list(range(numbers[0], len(cells))), cells  # the hidden rows together, first
    shown = [float(cells[i][0]) for i in numbers]
    assert shown == sorted(shown), cells
    assert all(label in ("<5", "–") for raw, label in cells if not raw), cells  # no number under them
    assert spoken_problems(table) == []
    page.mouse.click(x, y)  # descending: the totals first (as text «6» and «5» came before «61» and «31»)
    expect(table.locator("th").nth(2)).to_have_text(re.compile("^↓"))
    expect(first).to_have_attribute("aria-label", "61")
    cells = column_cells(table, 3)
    shown = [float(raw) for raw, _ in cells if raw]
    assert shown[:3] == [61, 31, 30] and shown == sorted(shown, reverse=True), cells
    assert [label for _, label in cells[:3]] == ["61", "31", "30"]
    assert spoken_problems(table) == []
    # the shares («Andel udvalgt» …, off to the right at 1024 px: the grid scrolled there) are read as shown
    share = table.locator('td[role="gridcell"][aria-colindex="7"][aria-label$=" %"]').first
    if not share.count():
        box = table.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(800, 0)
    expect(share).to_have_attribute("aria-label", re.compile(r"^\d{1,3},\d %$"))
    assert spoken_problems(table) == []
    page.mouse.wheel(-800, 0)
    expect(table.locator('td[role="gridcell"][aria-colindex="1"]').first).to_be_attached()  # back at the left
    # the keyboard: into the grid, down the rows of the sorted column — each cell reached is read in Danish
    selected = table.locator('td[role="gridcell"][aria-selected="true"]')
    press_until(page, table.locator('canvas[data-testid="data-grid-canvas"]'), "keyboard", "ArrowDown",
                lambda **kw: expect(selected).to_have_count(1, **kw))
    for col in ("2", "3"):
        page.keyboard.press("ArrowRight")
        expect(selected).to_have_attribute("aria-colindex", col)
    reached = []
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        cell = table.locator('td[role="gridcell"][aria-selected="true"]')
        expect(cell).to_have_count(1)
        reached.append((cell.text_content(), cell.get_attribute("aria-label"), cell.get_attribute("aria-colindex")))
    assert [c[2] for c in reached] == ["3", "3", "3"], reached
    assert all(label and DANISH.fullmatch(label) for _, label, _ in reached), reached
    assert [float(raw) for raw, _, _ in reached] == sorted((float(raw) for raw, _, _ in reached), reverse=True)


def test_enighed_reads_kappa_and_alpha_in_danish(coded, server, browser):
    """Enighed's comparison: a screen reader heard «0.8123…» in the kappa and alpha columns; it hears the
    Danish text drawn («0,812», «85,7 %»)."""
    from coding import agreement as ag
    from survey.db import session_scope

    engine, _ = coded
    with session_scope(engine) as s:
        for rid, a, b, c in (("AMA-01", "dovne", "dovne", "dovne"), ("AMA-02", "etniske", "dovne", "etniske"),
                             ("AMA-03", "dovne", "dovne", "dovne"), ("AMA-04", "etniske", "etniske", "etniske"),
                             ("BAS-01", "unge_misbruger", "dovne", "unge_misbruger")):
            for coder, v in (("Forsker A", a), ("Forsker B", b), ("Forsker C", c)):
                ag.record(s, coder, ("respondent", rid), "arketype", v)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/enighed")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_role("heading", level=1).wait_for()
    idle(page)
    main.get_by_text(re.compile("Vis sammenligningen")).click()
    main.get_by_role("heading", name=re.compile("Alle kodere")).wait_for()
    idle(page)
    tables = main.locator('[data-testid="stDataFrame"]')
    expect(tables).to_have_count(2)
    heard = []
    for i in range(2):
        t = tables.nth(i)
        t.scroll_into_view_if_needed()
        expect(t.locator('td[role="gridcell"][aria-label]').first).to_be_attached()  # read by ui.danish
        assert spoken_problems(t) == [], i
        heard += [label for _, label in t.locator('td[role="gridcell"]').evaluate_all(CELLS) if label]
    assert any(re.fullmatch(r"-?0,\d{3}", x) for x in heard), heard  # kappa, alpha, AC1: three decimals
    assert any(x.endswith(" %") for x in heard), heard               # the observed agreement
    # what the browser's accessibility tree gives a screen reader for the cells: the Danish text, no point
    cdp = page.context.new_cdp_session(page)
    names = [n.get("name", {}).get("value") or "" for n in cdp.send("Accessibility.getFullAXTree")["nodes"]
             if n.get("role", {}).get("value") == "gridcell"]
    assert names and not [x for x in names if re.fullmatch(r"-?\d+\.\d+", x)], names


#: an interval as the map's table writes it: «12,3 %–45,6 %»
INTERVAL = re.compile(r"\d{1,3},\d %–\d{1,3},\d %")


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_the_maps_interval_column_sorts_by_its_lower_end(demo_store, server, browser, size):
    """The quality map's «Udbytte 95 %» (intervals on): a click on the heading sorts by the interval's lower
    end (as text «9,5 %–…» came after «10,2 %–…»); each cell drawn and reached from the keyboard is read as
    the interval it shows, never as the raw number under it («0.095…»)."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport?intervaller=1")
    settled(page)
    table = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first
    heads = table.locator("th")
    expect(heads.nth(4)).to_have_text("Udbytte 95 %")  # Probe, Spørgsmål, n, Udbytte, Udbytte 95 %
    idle(page)
    table.scroll_into_view_if_needed()
    x, y = heading_x(page, table, 5), table.bounding_box()["y"] + 17
    page.mouse.click(x, y)  # ascending
    expect(heads.nth(4)).to_have_text(re.compile("^↑"))
    first = table.locator('td[role="gridcell"][aria-colindex="5"]').first
    expect(first).to_have_attribute("aria-label", INTERVAL)
    cells = column_cells(table, 5)
    lows = [float(raw) for raw, _ in cells if raw]
    assert len(lows) >= 5 and lows == sorted(lows), cells
    assert all(label and INTERVAL.fullmatch(label) for raw, label in cells if raw), cells
    said = [float(label.split(" %")[0].replace(",", ".")) / 100 for raw, label in cells if raw]
    assert said == pytest.approx(lows, abs=0.0005)  # each text says the number it sorts by
    assert min(said) < 0.1 <= max(said), said        # both sides of «10 %»: as text they sorted wrong
    # the keyboard: into the grid, to the column, down its rows — each cell is read as its interval
    selected = table.locator('td[role="gridcell"][aria-selected="true"]')
    press_until(page, table.locator('canvas[data-testid="data-grid-canvas"]'), "keyboard", "ArrowDown",
                lambda **kw: expect(selected).to_have_count(1, **kw))
    for col in ("2", "3", "4", "5"):
        page.keyboard.press("ArrowRight")
        expect(selected).to_have_attribute("aria-colindex", col)
    reached = []
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        expect(selected).to_have_count(1)
        reached.append((selected.text_content(), selected.get_attribute("aria-label")))
    assert all(INTERVAL.fullmatch(label or "") for _, label in reached), reached
    assert [float(raw) for raw, _ in reached] == sorted(float(raw) for raw, _ in reached), reached
