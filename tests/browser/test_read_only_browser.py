"""A store that cannot be written, in Chromium (tests/app/test_read_only_store.py for the CLI and the pages):
the start page lists and offers as always; «Start interview» by mouse at 1280×720 and by keyboard at 1024×768
says in Danish that the store cannot be written — no traceback, no «uventet fejl», no English — and the Rapport
page's table by interviewer shows the study's pseudonyms. The store is read afterwards: nothing was written.
Runs in the PostgreSQL run too (browser_on_pg): there the refusal comes from a read-only transaction, which the
pages must tell from any other error as SQLite's read-only file.
"""
from __future__ import annotations

import pytest

from tests.app.test_read_only_store import READ_ONLY, assert_unwritten, read_only_demo
from tests.browser.conftest import Server, _free_port, _require_browser, idle, shot

pytestmark = pytest.mark.browser_on_pg


@pytest.fixture
def ro_server(tmp_path, db_url, guide):
    _require_browser()
    url, path, _ = read_only_demo(db_url, guide)
    srv = Server(_free_port(), url, tmp_path / "streamlit.log")
    srv.start()
    yield srv
    srv.kill()
    assert_unwritten(url, path)


@pytest.mark.parametrize("size, by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_a_start_on_a_read_only_store_is_refused_in_danish_and_the_report_still_reads(ro_server, browser, size, by):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{ro_server.port}/")
    idle(page)
    who = page.locator(".st-key-start_interviewer input")
    btn = page.locator(".st-key-start_btn button")
    if by == "mouse":
        who.click()
        page.keyboard.type("KL")
        page.keyboard.press("Tab")
        idle(page)
        btn.scroll_into_view_if_needed()
        btn.click()
    else:
        who.focus()
        page.keyboard.type("KL")
        page.keyboard.press("Enter")
        idle(page)
        btn.focus()
        page.keyboard.press("Enter")
    refusal = page.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]', has_text=READ_ONLY)
    expect(refusal).to_be_visible()
    idle(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Traceback" not in main and "uventet fejl" not in main and "readonly" not in main, main[:600]
    assert "iv=" not in page.url
    shot(page, f"read_only_start_{size[0]}")
    # the report's table by interviewer, published: the study's numbers, given for this page only
    page.goto(f"http://127.0.0.1:{ro_server.port}/rapport?fane=Tabeller&efter=interviewer&offentlig=1")
    idle(page)
    expect(page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first).to_be_visible(timeout=90000)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Traceback" not in main and "uventet fejl" not in main and READ_ONLY not in main, main[:600]
    page.close()
