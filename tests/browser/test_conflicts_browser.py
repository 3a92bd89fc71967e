"""Merge conflicts settled in a real browser (Debian's Chromium via Playwright, fixtures in conftest.py): an
administrator opens Administration → «Feltpakker», reads the waiting conflict (the field by its label, not
its values) and settles it — at 1280×720 by mouse, keeping the central version, and at 1024×768 by keyboard
only, taking the laptop's. The store is read afterwards: the chosen version, the audit entry under the
administrator's name, and no conflict left waiting."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey import auth, store
from survey import interview as svc
from survey.db import make_engine, session_scope
from survey.models import AuditEntry
from tests.browser.conftest import idle, shot
from tests.browser.test_privacy_browser import PW, log_in, tab_to
from tests.survey.test_conflicts_counted import make_conflict


@pytest.fixture
def waiting(server, guide, new_db_url, tmp_path):
    """The app's store with one conflict waiting (AMA-01 changed on a laptop and centrally) and an admin."""
    e = make_engine(server.db_url)
    laptop = make_engine(new_db_url())
    try:
        iid, _ = make_conflict(laptop, e, guide, tmp_path)
    finally:
        laptop.dispose()
    with session_scope(e) as s:
        auth.add_user(s, "adam", "admin", PW, full_name="Adam")
    yield e, iid
    e.dispose()


@pytest.mark.parametrize("size, by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_an_administrator_settles_a_conflict_by_mouse_or_keyboard(waiting, server, browser, guide, size, by):
    from playwright.sync_api import expect

    expect.set_options(timeout=20000)
    e, iid = waiting
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="da-DK")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    page.goto(f"http://127.0.0.1:{server.port}/administration")
    log_in(page, "adam")
    tab = page.get_by_role("tab", name="Feltpakker")
    tab.click()
    panel = page.get_by_role("tabpanel", name="Feltpakker")
    expect(panel.get_by_text("Flettekonflikter, der venter (1)")).to_be_visible()
    expect(panel.locator('[data-testid="stDataFrame"]')).to_be_visible()
    expect(panel.locator(".st-key-cf_go")).to_be_visible()
    idle(page)
    assert "77" not in panel.inner_text() and "31" not in panel.inner_text()   # values never shown
    form = page.locator('[data-testid="stForm"]').filter(has=page.locator(".st-key-cf_pick"))
    go = page.locator(".st-key-cf_go").get_by_role("button", name="Afgør konflikten")
    go.scroll_into_view_if_needed()
    bb = go.bounding_box()
    assert bb and 0 <= bb["x"] and bb["x"] + bb["width"] <= size[0] + 1 and 0 <= bb["y"] \
        and bb["y"] + bb["height"] <= size[1] + 1, bb                       # on screen at this size (to a pixel)
    if by == "mouse":
        form.get_by_role("combobox").click()
        page.get_by_role("option", name="Nr. ", exact=False).first.click()
        form.get_by_text("Behold den centrale udgave", exact=False).click()
        go.click()
        want, use = "77", "central"
    else:
        form.get_by_role("combobox").focus()
        page.keyboard.type("Nr. ")            # the list filters as one types; Enter takes the (only) match
        page.keyboard.press("Enter")
        expect(form.get_by_role("combobox")).to_have_value(re.compile(r"^Nr\. \d+: AMA-01"))   # chosen
        assert tab_to(page, ".st-key-cf_use"), "valget af udgave nås ikke med Tab"
        page.keyboard.press("ArrowDown")      # Streamlit's radio: arrows choose (none chosen: the first, then the next)
        if not form.get_by_role("radio", name="Brug feltcomputerens udgave", exact=False).is_checked():
            page.keyboard.press("ArrowDown")
        assert form.get_by_role("radio", name="Brug feltcomputerens udgave", exact=False).is_checked()
        assert tab_to(page, ".st-key-cf_go", most=6), "knappen nås ikke med Tab"
        page.keyboard.press("Enter")
        want, use = "31", "laptop"
    expect(page.get_by_text("Konflikt ", exact=False).filter(has_text="afgjort")).to_be_visible()
    expect(page.get_by_text("Ingen flettekonflikter venter", exact=False)).to_be_visible()
    expect(page.get_by_role("tab", selected=True)).to_have_text("Feltpakker")   # the tab stays open
    shot(page, f"conflicts_{size[0]}_{by}")
    assert store.count_open_conflicts(e) == 0
    assert svc.load_state(e, iid).answers["age"] == want
    with session_scope(e) as s:
        notes = [(a.who, a.note) for a in s.execute(select(AuditEntry).where(
            AuditEntry.entity == "merge", AuditEntry.interview_id == iid)).scalars()]
    assert any(who == "adam" and note.endswith(f"afgjort: {use}") for who, note in notes), notes
    ctx.close()
