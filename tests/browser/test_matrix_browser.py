"""Issue 15, the Matrix page in Debian's Chromium: a code group × user group, at 1280×720 by mouse
and at 1024×768 by keyboard — the numbers are `report.matrix`'s on the store, a cell opened shows
its texts, and a reload keeps the choice."""
from __future__ import annotations

import re

import pytest

from coding import service
from report import matrix as MX
from survey import store
from tests.browser.conftest import choose, shot


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_matrix_by_user_group_and_a_cell_opened(coded, server, browser, size, by):
    from playwright.sync_api import expect

    engine, guide = coded
    wide = store.load_wide(engine, guide)
    _, rows, units = service.matrix_units(engine, "trivsel")
    t = MX.matrix(rows, units, wide, guide, "site_type").set_index("kode")
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/matrix")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Matrixkodning")).to_be_visible()
    choose(page, "Egenskab ved respondenterne", "Type af sted", by, size)
    page.wait_for_url(re.compile(r"egenskab=site_type"))
    want = f"{t.loc['t_kontakt', 'kodninger_vaerested']} ({t.loc['t_kontakt', 'respondenter_vaerested']})"
    grid = main.locator('[data-testid="stDataFrame"]').first
    # 2 (1): the segment and the quote, one respondent — drawn, and what a screen reader hears for the cell
    # whose number (2, what a click on the heading sorts by) is under it
    row = grid.locator("tbody tr").filter(has=page.locator('td[role="gridcell"]', has_text=re.compile("^Kontakt$")))
    expect(row.locator(f'td[role="gridcell"][aria-label="{want}"]').first).to_be_attached()
    choose(page, "Række (kode)", "Kontakt", by, size)
    choose(page, "Kolonne", "Værested", by, size)
    expect(main).to_contain_text("2 kodning(er) fra 1 respondent(er).")
    expect(main.locator('[data-testid="stDataFrame"]').nth(1)).to_be_visible()
    shot(page, f"matrix_{size[0]}")
    page.reload()  # the URL keeps the attribute
    expect(main.get_by_role("combobox", name="Egenskab ved respondenterne")).to_have_value(re.compile("Type af sted"))
    page.close()
