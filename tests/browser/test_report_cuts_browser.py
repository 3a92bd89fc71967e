"""Issue 14's cuts in a real browser (Debian's Chromium via Playwright; fixtures in conftest.py): on the
demo study, the Rapport page's «Arbejdsmarkedsperspektiv» filter and «Grupper efter» — by mouse at
1280×720, by keyboard at 1024×768 — change the population line and the small quality maps, keep the
choice in the URL and survive a reload."""
from __future__ import annotations

import re

import pytest

from report.population import Cuts, population
from survey import store
from tests.browser.conftest import choose, shot


def _choose(page, label, option: str, by: str, size) -> None:
    choose(page, label, option, by, size, area="stSidebar")


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_perspektiv_filter_and_grouping_by_site(demo_store, guide, server, browser, size, by):
    from playwright.sync_api import expect

    wide = store.load_wide(demo_store, guide)
    persp, label = ("reelt", "Reelt") if by == "mouse" else ("ikke_reelt", "Ikke reelt")
    pop = population(wide, cuts=Cuts(perspektiv=persp))
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("n = 61 af 61")
    _choose(page, re.compile("Arbejdsmarkeds\u00ad?perspektiv"), label, by, size)
    want = "ikke reelt" if persp == "ikke_reelt" else "reelt"
    expect(main).to_contain_text(f"Population: arbejdsmarkedsperspektiv {want} (n = {len(pop)} af 61")
    page.wait_for_url(re.compile(rf"perspektiv={persp}"))
    _choose(page, "Grupper efter", "Sted", by, size)
    page.wait_for_url(re.compile(r"efter=sted"))
    expect(main).to_contain_text("Et kort pr. sted: fanen «Kort pr. gruppe»")
    tab = main.get_by_role("tab", name="Kort pr. gruppe")
    if by == "mouse":
        tab.click()
    else:  # the tab list by keyboard: focus the open tab, the arrow key to the next one
        main.get_by_role("tab", name="Kvalitetskort").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
    expect(main.get_by_role("heading", name="Efter sted")).to_be_visible()
    sites = sorted(set(pop["site"]), key=str.casefold)
    first = f"{sites[0]} (n = {int((pop['site'] == sites[0]).sum())})"
    expect(main.locator(".js-plotly-plot").filter(has_text=first).first).to_be_visible()
    shot(page, f"rapport_cuts_{size[0]}")
    page.reload()  # the URL keeps both choices
    expect(main).to_contain_text(f"Population: arbejdsmarkedsperspektiv {want} (n = {len(pop)} af 61")
    expect(main.get_by_role("heading", name="Efter sted")).to_be_visible()
    page.close()


def open_crosstab_name(page, server):
    """The Rapport page's Krydstabel tab (arbejdsmarkedsperspektiv reelt) with no saved analysis yet: the main
    area and the field «Navn på analysen», scrolled into view."""
    from playwright.sync_api import expect

    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport?fane=Krydstabel&perspektiv=reelt")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Ingen gemte analyser endnu")
    name = main.get_by_role("textbox", name="Navn på analysen")
    name.scroll_into_view_if_needed()
    return main, name


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_save_a_crosstab_as_an_analysis(demo_store, guide, server, browser, size, by):
    """Issue 14's saved analyses: a name typed and the form sent by a click or by Enter; the store
    holds the analysis with the page's population, and the list below shows it."""
    from playwright.sync_api import expect

    from report import saved

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    main, name = open_crosstab_name(page, server)
    bb = name.bounding_box()
    assert bb and 0 <= bb["y"] and bb["y"] + bb["height"] <= size[1], bb
    if by == "mouse":
        name.click()
        page.keyboard.type("Forsørgelse reelt")
        main.get_by_role("button", name="Gem analysen").click()
    else:
        name.focus()
        page.keyboard.type("Forsørgelse reelt")
        page.keyboard.press("Enter")  # the form sends on Enter
    expect(main).to_contain_text("Gemt: «Forsørgelse reelt»")
    an = saved.get(demo_store, "forsørgelse reelt")
    assert (an.kind, an.a, an.b, an.cuts.perspektiv) == ("krydstabel", "forsoergelse", "arbejdsmarked", "reelt")
    expect(main).to_contain_text("Population: arbejdsmarkedsperspektiv reelt (n = ")
    # the saved analysis is shown as a table of its own below the crosstab (a grid, not Markdown)
    expect(main.locator('[data-testid="stDataFrame"]')).to_have_count(2)
    grid = main.locator('[data-testid="stDataFrame"]').nth(1)
    grid.scroll_into_view_if_needed()
    expect(grid).to_be_visible()
    shot(page, f"rapport_gemt_{size[0]}")
    page.close()


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_published_oversigt_says_which_rows_protect_the_small_ones(demo_store, guide, server, browser, size, by):
    """Secondary suppression in the browser: «Til offentliggørelse» switched on (a click, or Space on
    the focused switch), the table Oversigt over interview chosen; the page says that rows are hidden
    both for their own small n and so that a small number cannot be worked out from the total, the
    whole line readable at this width; «Til offentliggørelse» survives a reload."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport?fane=Tabeller")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("n = 61 af 61")
    toggle = page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(
        has_text="Til offentliggørelse")
    toggle.scroll_into_view_if_needed()
    bb = toggle.bounding_box()
    assert bb and bb["y"] >= 0 and bb["y"] + bb["height"] <= size[1], bb  # on screen at this size
    if by == "mouse":
        toggle.get_by_text("Til offentliggørelse", exact=True).click()
    else:
        toggle.locator("input").focus()
        page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"offentlig=1"))
    choose(page, "Tabel", "Oversigt over interview", by, size)
    info = main.locator('[data-testid="stAlert"]').filter(has_text="så et lille tal ikke kan regnes ud af totalen")
    expect(info).to_be_visible()
    # Solvang, Amadeus, the two that protect them in their site types, and Basen, which protects Amadeus in
    # the flat list of sites: every output hides the same sites (`report.tables.sites_hidden`)
    expect(info).to_contain_text("5 række(r) er skjult")
    box = info.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= size[0], box
    shot(page, f"rapport_secondary_{size[0]}")
    page.reload()  # the URL keeps «Til offentliggørelse» (the table's choice is the page's)
    expect(page.locator('[data-testid="stSidebar"]').get_by_role("switch", name="Til offentliggørelse")).to_be_checked()
    choose(page, "Tabel", "Oversigt over interview", by, size)
    expect(main.locator('[data-testid="stAlert"]').filter(has_text="5 række(r) er skjult")).to_be_visible()
    page.close()


def _switch_publish(page, by: str) -> None:
    """«Til offentliggørelse» switched by a click on its label, or by Space on the focused switch."""
    toggle = page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(
        has_text="Til offentliggørelse")
    toggle.scroll_into_view_if_needed()
    if by == "mouse":
        toggle.get_by_text("Til offentliggørelse", exact=True).click()
    else:
        toggle.locator("input").focus()
        page.keyboard.press("Space")


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_published_the_page_shows_interviewers_by_pseudonym(demo_store, guide, server, browser, size, by):
    """Grouped by interviewer, Figur 3.1 names the demo's interviewer in the research team's own view;
    with «Til offentliggørelse» (a click, or Space on the focused switch) the bars, the table and the
    page say «Interviewer 1» — the workbook's pseudonym — and no name, also after a reload."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport?fane=Tabeller&efter=interviewer")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("n = 61 af 61")
    choose(page, "Tabel", "Figur 3.1 Hvilken type aktivitet er der blevet tilbudt?", by, size)
    plot = main.locator(".js-plotly-plot").first
    expect(plot).to_contain_text("syntetisk")  # the tick wraps «Demo<br>(syntetisk)»
    _switch_publish(page, by)
    page.wait_for_url(re.compile(r"offentlig=1"))
    expect(plot).to_contain_text("Interviewer 1")
    expect(main).not_to_contain_text("syntetisk")
    shot(page, f"rapport_pseudonym_{size[0]}")
    page.reload()
    choose(page, "Tabel", "Figur 3.1 Hvilken type aktivitet er der blevet tilbudt?", by, size)
    expect(main.locator(".js-plotly-plot").first).to_contain_text("Interviewer 1")
    expect(main).not_to_contain_text("syntetisk")
    page.close()


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_a_small_population_to_be_published_shows_nothing_and_says_why(demo_store, guide, server, browser, size, by):
    """Amadeus (4 users) with «Til offentliggørelse»: the page says, readable at this width, that nothing
    is published about fewer than 5 and shows no tab, map or table; switched off (a click, or Space on
    the focused switch), the research team's own view is back."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport?offentlig=1&sted=Amadeus")
    main = page.locator('[data-testid="stMain"]')
    warn = main.locator('[data-testid="stAlert"]').filter(has_text="Populationen har færre end 5 respondenter")
    expect(warn).to_be_visible()
    box = warn.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= size[0], box
    expect(main.locator(".js-plotly-plot")).to_have_count(0)
    expect(main.get_by_role("tab")).to_have_count(0)
    shot(page, f"rapport_lille_population_{size[0]}")
    _switch_publish(page, by)
    expect(main).to_contain_text("sted Amadeus (n = 4 af 61")
    expect(main.locator(".js-plotly-plot").first).to_be_visible()
    expect(warn).to_have_count(0)
    page.close()


LONG_NAME = "Forsørgelse reelt for brugere på bosteder"   # 41 characters: more than saved.NAME_MAX


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_a_pasted_name_over_the_limit_is_refused_never_cut(demo_store, guide, server, browser, size, by):
    """A tester pasted a 41-character name into «Navn på analysen»: the field's maxlength cut it to 25 without a
    word, and the analysis was saved under a name nobody typed. Now the field says the limit, takes the whole
    text, and saving refuses it in Danish naming the limit; nothing is stored, the text stays to be shortened.
    Pasted from the clipboard (ctrl+V) by keyboard; by mouse a click and the text inserted as a paste does."""
    from playwright.sync_api import expect

    from report import saved

    assert len(LONG_NAME) > saved.NAME_MAX
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]},
                              permissions=["clipboard-read", "clipboard-write"])
    page = ctx.new_page()
    main, name = open_crosstab_name(page, server)
    if by == "mouse":
        name.click()
        page.keyboard.insert_text(LONG_NAME)
        expect(name).to_have_value(LONG_NAME)                 # the whole text, not cut
        main.get_by_role("button", name="Gem analysen").click()
    else:
        page.evaluate("t => navigator.clipboard.writeText(t)", LONG_NAME)
        name.focus()
        page.keyboard.press("Control+V")
        expect(name).to_have_value(LONG_NAME)
        page.keyboard.press("Enter")                          # the form sends on Enter
    refusal = main.locator('[data-testid="stAlertContentError"]')
    expect(refusal).to_contain_text(f"Navnet på en analyse skal være 1–{saved.NAME_MAX} tegn")
    expect(refusal).to_contain_text(f"fik {len(LONG_NAME)} tegn")
    expect(name).to_have_value(LONG_NAME)                     # kept, to be shortened
    expect(main).to_contain_text("Ingen gemte analyser endnu")
    assert saved.all_analyses(demo_store) == []               # nothing stored, under no name
    expect(main).to_contain_text(f"Navn på analysen (højst {saved.NAME_MAX} tegn)")   # the limit is said
    shot(page, f"rapport_navn_for_langt_{size[0]}")
    ctx.close()
