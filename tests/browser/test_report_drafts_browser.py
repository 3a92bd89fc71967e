"""Issue 14 in a real browser (Debian's Chromium via Playwright; fixtures in conftest.py): with the
demo's 61 completed interviews and one interviewer's draft in the store, the Rapport page counts the
61 and says the draft is left out; «Medtag kladder» — by mouse at 1280×720, by keyboard at 1024×768 —
counts it, marks the page and keeps the choice in the URL for a reload."""
from __future__ import annotations

import re

import pytest

from survey import interview as svc
from survey.db import make_engine
from tests.browser.conftest import shot


@pytest.fixture
def draft_store(db_url, guide):
    from survey.demo import load_demo

    engine = make_engine(db_url)
    assert load_demo(engine, guide) == 61
    iv = svc.start_interview(engine, guide, site_name="Basen", site_type="boform", interviewer="KL")
    for code, v in (("gender", "kvinde"), ("rytme", "ja")):
        assert svc.save_answer(engine, guide, iv.id, code, v).ok
    yield engine
    engine.dispose()


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_medtag_kladder_counts_the_draft_and_marks_the_page(draft_store, server, browser, size, by):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("n = 61 afsluttede interview; 1 kladde er ikke talt med.")
    expect(main).to_contain_text("n = 61 af 61")
    expect(main).not_to_contain_text("MED KLADDER")
    toggle = page.locator('[data-testid="stSidebar"]').get_by_role("switch", name="Medtag kladder")
    toggle.scroll_into_view_if_needed()
    box = toggle.locator("xpath=ancestor::label[1]").bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= size[1], box  # on screen at this size
    if by == "mouse":
        page.get_by_text("Medtag kladder", exact=True).click()
    else:
        toggle.focus()  # as a Tab would land on it; then the space bar, as a person switches it
        page.keyboard.press("Space")
    expect(main).to_contain_text("MED KLADDER: n = 62 interview, heraf 1 kladde")
    expect(main).to_contain_text("n = 62 af 62")
    expect(toggle).to_be_checked()
    page.wait_for_url(re.compile(r"kladder=1"))
    shot(page, f"rapport_med_kladder_{size[0]}")
    page.reload()  # the URL keeps the choice
    expect(main).to_contain_text("MED KLADDER: n = 62 interview")
    page.close()
