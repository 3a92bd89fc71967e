"""Issue 15, transcripts linked to the guide, in Debian's Chromium at 1280×720 by mouse and at
1024×768 by keyboard: a transcript imported with its interviewer turns matched to the guide, one
turn corrected, the suggestions confirmed, and everything said after the rytme probe coded with one
click — read back from the store."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from coding import service
from coding import transcripts as tr
from survey.db import session_scope
from tests.browser.conftest import choose, idle, shot
from tests.coding.test_guide_links import TRANSCRIPT


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_a_turn_corrected_suggestions_confirmed_and_coded_by_question(demo_store, server, browser, guide, size, by):
    from playwright.sync_api import expect

    engine = demo_store
    service.seed_codebook(engine)
    rid = "AMA-01"
    iid = next(r.interview_id for r in service_respondents(engine) if r.respondent_id == rid)
    info = service.import_transcript(engine, iid, TRANSCRIPT.encode(), "guidet.txt", "Ida", guide=guide)
    page, main = open_as_coder(browser, server, rid, size, "Bo")
    expect(main).to_contain_text("3 af 6 interviewerture er koblet til et spørgsmål", timeout=30000)  # a loaded CI
    # every turn shows its question: the suggestion in a box on the interviewer's, the question on the answer
    expect(main).to_contain_text("spørgsmål: Har tilbuddet givet dig en rytme i hverdagen?")
    turns = {t.segment.text[:6]: t.segment.id for t in service.question_turns(engine, info.id)}
    turn = main.locator(f".st-key-tr_seg_{turns['Tak fo']}")
    for attempt in range(3):  # once more if the rerun the coder's name started closed the list first
        box = turn.get_by_role("combobox", name="Spørgsmål i guiden (forslag)")
        box.scroll_into_view_if_needed()
        bb = box.bounding_box()
        assert bb and bb["y"] >= 0 and bb["y"] + bb["height"] <= size[1], bb  # on screen at this size
        if by == "mouse":
            box.click()
            page.get_by_role("option", name="uden for guiden", exact=True).click()
        else:
            box.focus()
            page.keyboard.type("uden for")
            page.keyboard.press("Enter")
        try:
            expect(turn).to_contain_text("bekræftet af Bo", timeout=10000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    press(page, main.get_by_role("button", name="Bekræft alle forslag"), by)
    expect(main).to_contain_text("5 forslag er bekræftet")
    shot(page, f"spoergsmaal_{size[0]}")
    # code by question: the expander, the question, the code, the button
    main.get_by_text("Kod efter spørgsmål (alle transskriptioner)").click()
    pick(page, "Svarene på spørgsmålet", "Har tilbuddet givet dig en rytme i hverdagen? — 2 afsnit i 1 transskriptioner",
         by, size)
    pick(page, "Kod dem med", "Udbytte af tilbuddet › Rytme i hverdagen", by, size)
    press(page, main.get_by_role("button", name="Kod alle afsnit under spørgsmålet"), by)
    expect(main).to_contain_text("2 afsnit er kodet med «Rytme i hverdagen»")
    shot(page, f"kod_efter_spoergsmaal_{size[0]}")
    with session_scope(engine) as s:
        stored = {g.text[:6]: (g.question, g.question_by) for g in s.execute(
            select(tr.Segment).where(tr.Segment.transcript_id == info.id, tr.Segment.speaker == "I")).scalars()}
        coded = [g.text for g in tr.segments_for(s, info.id) if "rytme_i_hverdagen" in g.code_keys]
    assert stored["Tak fo"] == ("", "Bo")
    assert all(by_ == "Bo" for _, by_ in stored.values())
    assert coded == ["Ja, jeg står op hver dag nu.", "Meget vigtigt."]


def open_as_coder(browser, server, rid: str, size, coder: str):
    """A new page at `size` on Transskriptioner for `rid`, the coder's name given in the sidebar: (page, main)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/transskriptioner?r={rid}")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Transskriptioner")).to_be_visible()
    field = page.locator('[data-testid="stSidebar"]').get_by_label("Kodet af", exact=True)
    field.fill(coder)
    field.press("Enter")
    return page, main


def pick(page, label: str, option: str, by: str, size) -> None:
    """`choose`, once more if a rerun that was still under way closed the list before the option was
    taken (a loaded machine); the choice is checked to be shown."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    box = page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label)
    expect(box).to_be_visible()
    for attempt in range(3):
        try:
            page.set_default_timeout(10000)
            choose(page, label, option, by, size)
            expect(box).to_have_value(option, timeout=10000)
            # typed but not taken (Enter before the list had the option) shows the same text until the
            # box is left: leave it, and the choice must still be there
            box.evaluate("e => e.blur()")
            expect(box).to_have_value(option, timeout=5000)
            return
        except (PlaywrightTimeout, AssertionError):
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
        finally:
            page.set_default_timeout(30000)


def press(page, button, by: str) -> None:
    """A button by a click ("mouse") or by focus and Enter ("keyboard"), once the rerun that the last
    choice started is over (the choice then is the app's, not only the box's)."""
    idle(page)
    button.scroll_into_view_if_needed()
    if by == "mouse":
        button.click()
    else:
        button.focus()
        page.keyboard.press("Enter")


def service_respondents(engine):
    from archetypes import coding  # the workbench's respondent list (ids and interview ids)

    with session_scope(engine) as s:
        return coding.respondents(s)
