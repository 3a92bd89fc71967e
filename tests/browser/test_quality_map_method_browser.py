"""Issue 15's quality-map method in a real browser (Debian's Chromium via Playwright; fixtures in
conftest.py): on the demo study, the Rapport page's «Metode» — by mouse at 1280×720, by keyboard at
1024×768 — draws the crosshairs and the quadrants, says what the method means and where the centre
is, keeps the choice in the URL through a reload, and goes back to the report's map."""
from __future__ import annotations

import re

import pytest

from report import quality_map as Q
from survey import store
from tests.browser.conftest import choose, shot


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_the_map_by_crosshairs_and_derived_importance(demo_store, guide, server, browser, size, by):
    from playwright.sync_api import expect

    wide = store.load_wide(demo_store, guide)
    method = Q.map_method("gennemsnit", "afledt")
    cx, cy = Q.kvalitetskort_points(wide, guide, method=method).attrs["centre"]
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("n = 61 af 61")
    plot = main.locator(".js-plotly-plot").first
    expect(plot).to_contain_text("45°-linje")
    choose(page, "Metode", "Trådkors ved gennemsnittene, afledt vigtighed", by, size)
    page.wait_for_url(re.compile(r"metode=gennemsnit-afledt"))
    box = main.locator('[data-testid="stAlertContentInfo"]')
    expect(box).to_contain_text(Q.centre_text(cx, cy, method))
    expect(box).to_contain_text("Afledt vigtighed")
    expect(plot).to_contain_text("Trådkors ved gennemsnittene")
    expect(plot).to_contain_text("Sæt ind her")
    expect(plot).to_contain_text("Afledt vigtighed (korrelation med samlet tilfredshed)")
    expect(plot).not_to_contain_text("45°-linje")
    # the whole map fits the main area's width at this size (nothing cut off at the right)
    pb, mb = plot.bounding_box(), main.bounding_box()
    assert pb and mb and pb["x"] >= mb["x"] - 1 and pb["x"] + pb["width"] <= size[0] + 1, (pb, mb, size)
    shot(page, f"rapport_metode_kort_{size[0]}")
    grid = main.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    expect(grid).to_be_visible()
    shot(page, f"rapport_metode_{size[0]}")
    page.reload()  # the URL keeps the method
    expect(main.locator('[data-testid="stAlertContentInfo"]')).to_contain_text(Q.centre_text(cx, cy, method))
    expect(main.locator(".js-plotly-plot").first).to_contain_text("Trådkors ved gennemsnittene")
    # back to the report's map: the parameter leaves the URL, the 45° line is back
    choose(page, "Metode", "Rapportens: 45°-linjen, angivet vigtighed", by, size)
    expect(main.locator(".js-plotly-plot").first).to_contain_text("45°-linje")
    page.wait_for_url(lambda u: "metode=" not in u)
    expect(main.locator('[data-testid="stAlertContentInfo"]')).to_have_count(0)
    page.close()
