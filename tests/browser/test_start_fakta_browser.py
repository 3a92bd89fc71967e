"""Issue 14: «Fakta om undersøgelsen» (Bilag B's introduction, from the guide) on the start page, opened
by mouse at 1280×720 and by keyboard at 1024×768 before an interview begins."""
from __future__ import annotations

import pytest

from survey.guide import load_guide
from tests.browser.conftest import shot


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_the_interviewer_reads_the_facts_before_the_interview(db_url, server, browser, size, by):
    from playwright.sync_api import expect

    fakta = load_guide().fakta
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/")  # the start page
    main = page.locator('[data-testid="stMain"]')
    summary = main.get_by_text("Fakta om undersøgelsen", exact=False).first
    summary.wait_for()
    box = summary.bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= size[1], box  # above the fold
    expect(main.get_by_text(fakta[0][:40], exact=False)).not_to_be_visible()
    if by == "mouse":
        summary.click()
    else:
        page.locator('[data-testid="stExpander"] summary').first.focus()
        page.keyboard.press("Enter")
    for line in (fakta[0], fakta[-1]):
        expect(main.get_by_text(line[:40], exact=False)).to_be_visible()
    page.wait_for_timeout(1500)  # and it stays open (no rerun closes it)
    expect(main.get_by_text(fakta[0][:40], exact=False)).to_be_visible()
    shot(page, f"start_fakta_{size[0]}")
    page.close()
