"""Issue 14, quality maps a reader can read: the Rapport page's small quality maps at 1280×720 in
Debian's Chromium — by user group (the report's) and by site (twelve panels) — have no two text
boxes that intersect (point labels, panel titles, the diagonal's and the shaded area's labels, the
legend's key and the notes) and no text outside the figure. The positions are read from the rendered
SVG, as a reader sees it."""
from __future__ import annotations

import pytest

from tests.browser.conftest import shot

#: every text the figure draws, with its box on the screen
BOXES_JS = """
(plot) => {
  const root = plot.getBoundingClientRect();
  const out = [];
  for (const el of plot.querySelectorAll('g.textpoint text, g.annotation text, g.g-gtitle text, g.legend text')) {
    const t = (el.textContent || '').trim();
    const r = el.getBoundingClientRect();
    if (!t || r.width === 0 || r.height === 0) continue;
    out.push({t: t.slice(0, 40), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
  }
  return {root: {x0: root.left, y0: root.top, x1: root.right, y1: root.bottom}, boxes: out};
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


@pytest.mark.parametrize("query,panels", [("?fane=Kort%20pr.%20gruppe", 5), ("?fane=Kort%20pr.%20gruppe&efter=sted", 12)],
                         ids=["brugergruppe", "sted"])
def test_small_quality_maps_have_no_overlapping_or_clipped_labels(demo_store, server, browser, query, panels):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport{query}")
    plot = page.locator(".js-plotly-plot").filter(has_text="udbytte og vigtighed efter")
    plot.wait_for()
    page.wait_for_function("(el) => el.querySelectorAll('g.textpoint text').length > 0", arg=plot.element_handle())
    got = plot.evaluate(BOXES_JS)
    boxes, root = got["boxes"], got["root"]
    titles = [b for b in boxes if "(n = " in b["t"]]
    assert len(titles) == panels, [b["t"] for b in titles]
    points = [b for b in boxes if b["t"].replace(",", "").replace(" ", "").isdigit()]
    assert len(points) >= panels * 3  # numbered points in every panel
    assert any(b["t"].startswith("Punkterne er nummereret") for b in boxes)  # the key
    assert overlaps(boxes) == []
    outside = [b["t"] for b in boxes if b["x0"] < root["x0"] - 1 or b["x1"] > root["x1"] + 1
               or b["y0"] < root["y0"] - 1 or b["y1"] > root["y1"] + 1]
    assert outside == []
    # the figure is drawn at its own size in the page's column: nothing is scaled down or cut off
    assert root["x1"] <= 1280 and root["x1"] - root["x0"] <= 984
    plot.scroll_into_view_if_needed()
    shot(page, f"kvalitetskort_grupper_{'sted' if 'efter' in query else 'brugergruppe'}_1280")
    page.close()
