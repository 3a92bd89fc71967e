"""Issue 14, quality maps a reader can read — and the Rapport page's other figures — at laptop sizes
(1280×720 by mouse, 1024×768 by keyboard) in Debian's Chromium: the small quality maps by user group
(the report's), by arbejdsmarkedsperspektiv and by site (twelve panels), the single map and a figure of
bars by site have no two text boxes that intersect (point labels, panel titles, the diagonal's and the
shaded area's labels, the legend, the notes, the axes' ticks and titles) and no text outside the figure,
which lies inside the page's column. The positions are read from the rendered SVG, as a reader sees
them. At 1024×768 the column is about 664 px: figures laid out for about 930 px were laid out again at
that width, and the panels' titles ran into each other, the title and the notes were cut off and the
labels collided (`ui.rapport_view.PAGE_WIDTH`)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import choose, open_tab, shot

SIZES = [((1280, 720), "mouse"), ((1024, 768), "keyboard")]

#: every text a Plotly figure draws: point labels, annotations (notes, leader labels), titles, legend, ticks, axis
#: titles (also the small maps' panels' axes), the bars' numbers
TEXTS = ('g.textpoint text, g.annotation text, g.g-gtitle text, g.legend text, g.xtick text, g.ytick text, '
         'g.g-xtitle text, g.g-ytitle text, text.bartext, [class^="g-x"][class$="title"] text, '
         '[class^="g-y"][class$="title"] text')

#: every text the figure draws, with its box on the screen; the figure's box and the page's column
BOXES_JS = """
(plot) => {
  const root = plot.getBoundingClientRect();
  const column = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  const out = [];
  for (const el of plot.querySelectorAll('%s')) {
""" % TEXTS + """    const t = (el.textContent || '').trim();
    const r = el.getBoundingClientRect();
    if (!t || r.width === 0 || r.height === 0) continue;
    out.push({t: t.slice(0, 80), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
  }
  return {root: {x0: root.left, y0: root.top, x1: root.right, y1: root.bottom},
          column: {x0: column.left, x1: column.right}, boxes: out};
}
"""


def overlaps(boxes: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
                    and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack):
                out.append((a["t"], b["t"]))
    return out


def readable(plot) -> list[dict]:
    """The figure's texts, asserted apart, inside the figure, and the figure inside the column."""
    got = plot.evaluate(BOXES_JS)
    boxes, root, column = got["boxes"], got["root"], got["column"]
    assert overlaps(boxes) == [], overlaps(boxes)
    outside = [b["t"] for b in boxes if b["x0"] < root["x0"] - 1 or b["x1"] > root["x1"] + 1
               or b["y0"] < root["y0"] - 1 or b["y1"] > root["y1"] + 1]
    assert outside == [], outside
    assert column["x0"] - 1 <= root["x0"] and root["x1"] <= column["x1"] + 1, (root, column)
    return boxes


@pytest.mark.parametrize("size,by", SIZES, ids=["1280", "1024"])
@pytest.mark.parametrize("grouping,panels", [(None, 5), ("Arbejdsmarkedsperspektiv", 2), ("Sted", 12)],
                         ids=["brugergruppe", "perspektiv", "sted"])
def test_small_quality_maps_have_no_overlapping_or_clipped_labels(demo_store, server, browser, grouping, panels,
                                                                  size, by):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport")
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("n = 61 af 61")
    if grouping:
        choose(page, "Grupper efter", grouping, by, size, area="stSidebar")
        page.wait_for_url(re.compile(r"efter="))
    open_tab(page, "Kort pr. gruppe", by)
    plot = page.locator(".js-plotly-plot").filter(has_text="udbytte og vigtighed efter")
    expect(plot).to_have_count(1, timeout=30000)
    page.wait_for_function("(el) => el.querySelectorAll('g.textpoint text').length > 0", arg=plot.element_handle())
    boxes = readable(plot)
    titles = [b for b in boxes if re.search(r"\(n = \d+\)$", b["t"])]
    assert len(titles) == panels, [b["t"] for b in titles]
    points = [b for b in boxes if b["t"].replace(",", "").replace(" ", "").isdigit() and b["x1"] - b["x0"] < 60]
    assert len(points) >= panels * 3  # numbered points in every panel
    assert any(b["t"].startswith("Punkterne er nummereret") for b in boxes)  # the key
    assert any(b["t"].startswith("Kvalitetskort: udbytte og vigtighed") for b in boxes)  # the title
    assert any(b["t"].startswith("45°-linje") for b in boxes)  # the legend
    plot.scroll_into_view_if_needed()
    shot(page, f"kvalitetskort_grupper_{(grouping or 'brugergruppe').lower()}_{size[0]}")
    page.close()


@pytest.mark.parametrize("size,by", SIZES, ids=["1280", "1024"])
def test_the_single_map_and_the_bars_by_site_fit_the_column(demo_store, server, browser, size, by):
    """The quality map (Kvalitetskort) and Figur 4 by site with intervals (Tabeller): at 1024×768 the notes ran
    out of the map, and the bars' title and notes out of the figure at both sizes, the axis title «Sted» into
    the notes under the upright site names."""
    from playwright.sync_api import expect

    from report import registry

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport?intervaller=1")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("n = 61 af 61")
    plot = main.locator(".js-plotly-plot").filter(has_text="Kvalitetskort: udbytte og vigtighed")
    expect(plot).to_have_count(1, timeout=30000)
    page.wait_for_function("(el) => el.querySelectorAll('g.textpoint text').length > 0", arg=plot.element_handle())
    boxes = readable(plot)
    assert any(b["t"].startswith("Udbytte (y) = andel ja") for b in boxes)  # the notes, inside
    choose(page, "Grupper efter", "Sted", by, size, area="stSidebar")
    page.wait_for_url(re.compile(r"efter=sted"))
    open_tab(page, "Tabeller", by)
    choose(page, "Tabel", registry.TITLES["fig4"], by, size)
    plot = main.locator(".js-plotly-plot").filter(has_text="efter sted")
    expect(plot).to_have_count(1, timeout=30000)
    expect(plot.locator("g.xtick text")).to_have_count(13, timeout=30000)  # twelve sites and «I alt»
    boxes = readable(plot)
    assert any(b["t"].startswith("Søjlens højde") for b in boxes)
    assert sum(b["t"] == "Sted" for b in boxes) == 1
    plot.scroll_into_view_if_needed()
    shot(page, f"figur4_efter_sted_{size[0]}")
    page.close()
