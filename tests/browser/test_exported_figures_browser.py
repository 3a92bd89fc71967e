"""The figures as they leave the tool — the SVG `brugerblik figur` and the workbook's images are drawn from —
at their own width (`report.figures.figure(shown=None)`, the publication's layout), read as a reader sees
them: every figure id with the report's groups, and each figure that can be grouped by site (twelve sites)
and by interviewer. No two text boxes intersect (titles, legend, notes, ticks, axis titles, bar numbers,
point labels) and no text lies outside the figure. The Rapport page's own layout at laptop sizes is
tests/browser/test_quality_map_labels_browser.py; this is the files'. The SVG comes from kaleido
(Chromium) and is opened in Chromium, which measures its texts."""
from __future__ import annotations

import pytest

from tests.browser.conftest import _require_browser
from tests.browser.test_quality_map_labels_browser import TEXTS, overlaps

#: every text the exported SVG draws, with its box, and the SVG's own box
SVG_BOXES_JS = """
() => {
  const svg = document.querySelector('svg');
  const root = svg.getBoundingClientRect();
  const out = [];
  for (const el of svg.querySelectorAll('%s')) {
""" % TEXTS + """    const t = (el.textContent || '').trim();
    const r = el.getBoundingClientRect();
    if (!t || r.width === 0 || r.height === 0) continue;
    out.push({t: t.slice(0, 80), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
  }
  return {root: {x0: root.left, y0: root.top, x1: root.right, y1: root.bottom}, boxes: out};
}
"""


@pytest.fixture(scope="module")
def page():
    _require_browser()
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = b.new_page(viewport={"width": 1600, "height": 1200})
        yield pg
        b.close()


@pytest.fixture(scope="module")
def demo(guide):
    from survey.demo import build_demo_frame

    return build_demo_frame(guide)


def _cases():
    from report import figures as F

    out = [(fid, None) for fid in F.FIGURE_IDS]
    out += [(fid, by) for by in ("sted", "interviewer") for fid in F.FIGURE_IDS if fid in F.GROUPED_FIGURES]
    return out


def test_every_exported_figure_has_its_texts_apart_and_inside(page, demo, guide):
    """One test over all figures (the exporter's Chromium starts once): each case's failures are collected and
    reported together, by figure id and grouping — the texts' first 80 characters are the guide's labels and the
    demo's site names, no answer."""
    from report import figures as F
    from report import population as P

    bad: dict[str, object] = {}
    checked = 0
    for fid, by in _cases():
        kw = {"probe": guide.probes[0].code} if fid == "fig4" else {}
        fig = F.figure(fid, demo, guide, cuts=P.Cuts(by=by), **kw)
        svg = F.to_image_bytes(fig, "svg").decode("utf-8")
        page.set_content(f"<!doctype html><html><body style='margin:0'>{svg}</body></html>")
        got = page.evaluate(SVG_BOXES_JS)
        boxes, root = got["boxes"], got["root"]
        assert len(boxes) >= 5, (fid, by, boxes)  # the title, the ticks, the notes: the selector finds the texts
        pairs = overlaps(boxes)
        outside = [b["t"] for b in boxes if b["x0"] < root["x0"] - 1 or b["x1"] > root["x1"] + 1
                   or b["y0"] < root["y0"] - 1 or b["y1"] > root["y1"] + 1]
        if pairs or outside:
            bad[f"{fid} efter {by or 'standard'}"] = {"overlap": pairs[:5], "outside": outside[:5]}
        checked += 1
    assert checked == len(_cases()) and checked >= 15 + 2 * 13
    assert bad == {}, bad
