"""Issue 15, the «Analyser» page in Debian's Chromium at 1280×720 by mouse and at
1024×768 by keyboard: the saturation table and curve, a setting changed and kept in the URL over a
reload, the co-occurrence view per respondent — the numbers those of `report.saturation` and
`report.cooccurrence` on the store."""
from __future__ import annotations

import re

import pytest

from coding import service
from report import cooccurrence as CO
from survey import store
from tests.browser.conftest import choose, shot


def _next_view(page, main, current: str, view: str, by: str) -> None:
    """Choose the page's view `view` (the radio after `current`): a click on it, or the arrow key."""
    if by == "mouse":
        main.get_by_role("radiogroup").get_by_text(view, exact=True).click()
    else:
        main.get_by_role("radio", name=current).focus()
        page.keyboard.press("ArrowRight")


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_saturation_and_cooccurrence(coded, server, browser, size, by):
    from playwright.sync_api import expect

    engine, guide = coded
    codes, units = service.all_codings(engine)
    per_resp = CO.cooccurrence(codes, units, store.load_wide(engine, guide), level="respondent")
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/analyser?basis=1&forloeb=1")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Analyser")).to_be_visible()
    expect(main).to_contain_text("Mætning er ikke nået")
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_be_visible()
    grid = main.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    # the base size: 2 → the note about the base (3 codes in the first 2 interviews)
    box = main.get_by_role("spinbutton", name="Basisstørrelse (interview)")
    box.scroll_into_view_if_needed()
    bb = box.bounding_box()
    assert bb and bb["y"] >= 0 and bb["y"] + bb["height"] <= size[1], bb
    if by == "mouse":
        main.locator('[data-testid="stNumberInputStepUp"]').first.click()  # the + step of the first field
    else:
        box.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("2")
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"basis=2"))
    expect(main).to_contain_text("Basis: 3 koder i de første 2 interview")
    shot(page, f"maetning_{size[0]}")
    page.reload()  # the URL keeps the setting
    expect(main.get_by_role("spinbutton", name="Basisstørrelse (interview)")).to_have_value("2")
    # the co-occurrence view, per respondent
    _next_view(page, main, "Mætning", "Samforekomst", by)
    page.wait_for_url(re.compile(r"vis=samforekomst"))
    choose(page, "Forekommer sammen i", "samme respondent", by, size)
    page.wait_for_url(re.compile(r"niveau=respondent"))
    grid = main.locator('[data-testid="stDataFrame"]').first
    for r in per_resp.itertuples():
        expect(grid).to_contain_text(r.navn_a)
    expect(main).to_contain_text(f"{per_resp.attrs['enheder']} respondenter har mindst én kode")
    charts = main.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(1, timeout=20000)  # the saturation curve is gone once the run is over
    expect(charts).to_be_visible()
    shot(page, f"samforekomst_{size[0]}")
    # word frequency by site type
    _next_view(page, main, "Samforekomst", "Ordfrekvens", by)
    page.wait_for_url(re.compile(r"vis=ordfrekvens"))
    choose(page, "Én rangordning pr. værdi af", "Type af sted", by, size)
    page.wait_for_url(re.compile(r"efter=site_type"))
    expect(main).to_contain_text("respondentreplikker og citater", timeout=30000)  # spaCy's tables load once
    grid = main.locator('[data-testid="stDataFrame"]').filter(has_text="Værested")
    expect(grid).to_contain_text("personale (2)")  # AMA-01's turn and the quote made from it
    shot(page, f"ordfrekvens_{size[0]}")
    page.close()


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_every_coder_agreement_on_the_enighed_page(db_url, server, browser, size, by):
    """Three coders on a theme: «Alle kodere» shows Gwet's AC1 with its interval as the store gives it."""
    from playwright.sync_api import expect

    from coding import agreement as ag
    from survey.db import make_engine, session_scope
    from survey.demo import load_demo
    from survey.guide import load_guide

    engine = make_engine(db_url)
    load_demo(engine, load_guide())
    values = {"A": "1111110000", "B": "1111001000", "C": "1111100000"}
    with session_scope(engine) as s:
        for coder, vs in values.items():
            for i, v in enumerate(vs):
                ag.record(s, coder, ag.Unit("segment", str(i + 1)), "tema:struktur", v)
        want = next(c for c in ag.coefficients(s, "tema:struktur").coefficients if c.name == "Gwets AC1")
    engine.dispose()
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/enighed")
    main = page.locator('[data-testid="stMain"]')
    toggle = main.get_by_role("switch", name=re.compile("Vis sammenligningen"))
    toggle.scroll_into_view_if_needed()
    if by == "mouse":
        main.get_by_text(re.compile("Vis sammenligningen")).click()
    else:
        toggle.focus()
        page.keyboard.press("Space")
    heading = main.get_by_role("heading", name=re.compile("Alle kodere"))
    expect(heading).to_be_visible(timeout=30000)  # the run that computes both tables, on a loaded machine
    heading.scroll_into_view_if_needed()
    grid = main.locator('[data-testid="stDataFrame"]').last
    expect(grid).to_contain_text("A, B, C")
    expect(grid).to_contain_text(f"{want.low:.3f} til {want.high:.3f}".replace(".", ","))  # Danish decimals
    shot(page, f"enighed_alle_{size[0]}")
    page.close()
