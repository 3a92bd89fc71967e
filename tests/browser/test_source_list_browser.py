"""The start page's «Igangværende interviews» with other informants' drafts (issue 7): a source's id is
longer than a user's («JB-AMA-01-3»), and the resume link's label was cut without an ellipsis — at
1280×720 three journal drafts about one user all read «JB-AMA-01», and the draft «JK-AMA-01-2» read as
the completed «JK-AMA-01» (a hostile tester). Every id is shown whole, and the link chosen by mouse at
1280×720 and by keyboard at 1024×768 opens that draft."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import idle, shot

PW = "en-lang-adgangskode-7"
CLIPPED = """host => [...host.querySelectorAll('[data-testid="stPageLink-NavLink"] span')]
                 .filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.innerText)"""


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_every_drafts_id_is_shown_whole_and_its_link_opens_it(db_url, demo_store, server, browser, size, by):
    from playwright.sync_api import expect

    from survey import auth
    from survey import source_store as ss
    from survey.db import session_scope

    with session_scope(demo_store) as s:  # signed in: the sidebar takes its room, as in use
        auth.add_user(s, "fie", "researcher", PW, full_name="Fie")
    drafts = [ss.start_source_interview(demo_store, "journal", respondent_id="AMA-01", kilde=k, interviewer="KL")
              for k in ("boform", "boform", "boform", "kommune")]
    drafts.append(ss.start_source_interview(demo_store, "sagsbehandler", respondent_id="AMA-01", interviewer="KL"))
    ids = [d.respondent_id for d in drafts]
    assert ids == ["JB-AMA-01", "JB-AMA-01-2", "JB-AMA-01-3", "JK-AMA-01-2", "SB-AMA-01-2"]

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/")
    page.get_by_role("heading", name="Log ind").wait_for()
    page.get_by_role("textbox", name="Brugernavn").fill("fie")
    page.get_by_role("textbox", name="Adgangskode", exact=True).fill(PW)
    page.get_by_role("button", name="Log ind").click()
    listing = page.locator(".st-key-open_list")
    listing.wait_for()
    # the listing's rows are drawn after its container (on CI's loaded machine the links were not there yet)
    expect(listing.get_by_role("link")).to_have_count(len(ids), timeout=30000)
    idle(page)
    shot(page, f"source_list_{size[0]}")
    assert listing.evaluate(CLIPPED) == []  # no label wider than the room it is given
    links = listing.get_by_role("link")
    shown = [t.replace("play_arrow", "").strip() for t in links.all_inner_texts()]
    assert sorted(shown) == sorted(ids), shown
    for rid in ids:  # each id readable on the screen: the whole label inside its column
        label = listing.get_by_role("link", name=re.compile(rf"{re.escape(rid)}$")).locator("p")
        label.scroll_into_view_if_needed()
        box, cell = label.bounding_box(), label.locator("xpath=ancestor::*[@data-testid='stColumn'][1]").bounding_box()
        assert box["x"] >= cell["x"] - 1 and box["x"] + box["width"] <= cell["x"] + cell["width"] + 1, (rid, box, cell)

    want = drafts[2]  # «JB-AMA-01-3», the one that read «JB-AMA-01»
    link = listing.get_by_role("link", name=re.compile(rf"{re.escape(want.respondent_id)}$"))
    if by == "mouse":
        link.click()
    else:
        link.focus()
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"iv={want.id}"))
    page.get_by_text(f"{want.respondent_id} — Journaludtræk om AMA-01", exact=False).first.wait_for()
    page.close()
