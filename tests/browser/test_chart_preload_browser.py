"""The Rapport page starts loading the charts' code while its script runs (issue 14's first map): Streamlit's
frontend asks for its Plotly chunk (4.7 MB) only when a chart's element arrives, after the page's data is read;
the page asks for it at once (ui.common.PRELOAD_CHARTS_JS), on the same URL, so the chunk is fetched once and the
frontend's own lazy import finds it loaded. Debian's Chromium via Playwright (fixtures in conftest.py)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import open_tab, shot


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_rapport_loads_the_chart_code_before_any_chart_and_only_once(demo_store, server, browser, size, by):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    chunks: list[tuple[str, int]] = []
    page.on("response", lambda r: chunks.append((r.url, r.status)) if "/PlotlyChart." in r.url else None)
    # the «Hent» tab draws no chart: without the preload no Plotly code is asked for here
    page.goto(f"http://127.0.0.1:{server.port}/rapport?fane=Hent")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Projektmappe (Excel)")).to_be_visible()
    expect(main.locator(".js-plotly-plot")).to_have_count(0)
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some((e) => e.name.includes('/PlotlyChart.') && e.responseEnd > 0)")
    assert [s for _, s in chunks] == [200], chunks
    # the map's tab then draws its chart from the code already loaded: no second request
    open_tab(page, "Kvalitetskort", by)
    expect(main.locator(".js-plotly-plot").first).to_be_visible()
    expect(main.locator(".js-plotly-plot .scatterlayer .point").first).to_be_attached()
    shot(page, f"rapport_preloaded_map_{size[0]}")
    assert len(chunks) == 1, chunks
    assert page.evaluate("() => performance.getEntriesByType('resource')"
                         ".filter((e) => e.name.includes('/PlotlyChart.')).length") == 1
    page.close()


def test_the_chunk_the_page_preloads_is_the_one_streamlit_ships():
    """The preload names the installed Streamlit's own chunk (a renamed chunk would make it fetch nothing useful)."""
    import re
    from pathlib import Path

    import streamlit as st

    from ui.common import chart_code_file

    name = chart_code_file()
    assert name and re.fullmatch(r"PlotlyChart\.[\w-]+\.js", name), name
    static = Path(st.__file__).parent / "static"
    html = (static / "index.html").read_text()
    (main,) = re.findall(r'<script type="module"[^>]* src="\./(static/js/index\.[\w-]+\.js)"', html)
    assert f"./{name}" in (static / main).read_text()  # the frontend's lazy import of the chart, relative to its main script
