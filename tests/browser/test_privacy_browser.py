"""Issue 12 in a real browser (Debian's Chromium via Playwright; fixtures in conftest.py), at 1280×720
and 1024×768: «Samtykke og sletning» on the Kilder page (researcher) — a withdrawal by mouse, one by
keyboard only, a deletion that is first regretted («Fortryd») and then confirmed — and on «Brugere og
steder» (administrator) — the study's end date and a deletion. After every step the store is read
through survey.privacy: it is the promise, the page only shows it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from survey import auth, privacy
from survey.db import make_engine, session_scope
from survey.models import Interview
from tests.browser.conftest import shot
from tests.browser.test_danish_browser import assert_danish, settled

PW = "hemmelig-kode-1"


@pytest.fixture
def study(server, guide):
    from survey.demo import load_demo

    e = make_engine(server.db_url)
    load_demo(e, guide)
    with session_scope(e) as s:
        auth.add_user(s, "fie", "researcher", PW, full_name="Fie")
        auth.add_user(s, "adam", "admin", PW, full_name="Adam")
    yield e
    e.dispose()


def log_in(page, user: str) -> None:
    page.get_by_role("heading", name="Log ind").wait_for()
    page.get_by_role("textbox", name="Brugernavn").fill(user)
    page.get_by_role("textbox", name="Adgangskode", exact=True).fill(PW)
    page.get_by_role("button", name="Log ind").click()


def respondents(e) -> dict[str, int]:
    with session_scope(e) as s:
        return dict(s.execute(select(Interview.respondent_id, func.count()).group_by(Interview.respondent_id)).all())


def tab_to(page, selector: str, most: int = 8) -> bool:
    """Press Tab (at most `most` times) until the focus is inside `selector`."""
    inside = "s => !!document.activeElement && !!document.activeElement.closest(s)"
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(inside, selector):
            return True
    return False


def in_view_and_on_top(page, loc, where: str) -> None:
    """Scrolled to, the button is inside the viewport (to a pixel) and nothing covers its centre."""
    loc.scroll_into_view_if_needed()
    box = loc.bounding_box()
    vp = page.viewport_size
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= vp["width"] + 1 \
        and box["y"] + box["height"] <= vp["height"] + 1, f"{where}: knappen er uden for skærmen: {box} {vp}"
    on_top = loc.evaluate("""b => { const r = b.getBoundingClientRect();
        const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return !!e && (e === b || b.contains(e)); }""")
    assert on_top, f"{where}: knappen er dækket af noget andet"


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)], ids=["1280x720", "1024x768"])
def test_withdraw_and_delete_as_researcher_and_admin(study, server, browser, size):
    from playwright.sync_api import expect

    expect.set_options(timeout=20000)  # a store on PostgreSQL under load answers slower than 5 s

    e = study
    today = dt.date.today()
    base = f"http://127.0.0.1:{server.port}"
    before = respondents(e)
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="da-DK")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    tag = f"privacy_{size[0]}"

    # ---- researcher on Kilder: interview consent withdrawn by mouse (KFU-01)
    page.goto(base + "/kilder?r=KFU-01")
    log_in(page, "fie")
    rid = "KFU-01"
    form = page.locator('[data-testid="stForm"]').filter(has=page.locator(f".st-key-kilder_pv_wd_purpose_{rid}"))
    form.wait_for()
    settled(page)
    form.get_by_text("Interviewet", exact=False).first.click()
    form.get_by_role("textbox", name="Begrundelse").fill("Ringede og bad om det")
    form.get_by_role("button", name="Registrér tilbagetrækning").click()
    expect(page.get_by_text(f"Registreret: {rid} trak samtykket til")).to_be_visible()
    ws = privacy.list_withdrawals(e)
    assert [(w.respondent_id, w.purpose, w.withdrawn_on, w.reason, w.recorded_by) for w in ws] == \
        [(rid, "interview", today, "Ringede og bad om det", "fie")]
    shot(page, f"{tag}_01_mus")

    # ---- journal consent withdrawn by keyboard only (KFU-02): Tab, arrows, typing, Enter
    rid2 = "KFU-02"
    page.goto(base + f"/kilder?r={rid2}")
    form = page.locator('[data-testid="stForm"]').filter(has=page.locator(f".st-key-kilder_pv_wd_purpose_{rid2}"))
    form.wait_for()
    settled(page)
    # focus the field before the form (the picker is not used: no click), then only keys
    form.get_by_role("radio").first.focus()
    page.keyboard.press("Space")       # «Interviewet»
    page.keyboard.press("ArrowDown")   # «Journalindsigt»
    assert form.get_by_role("radio").nth(1).is_checked()
    # the date (today) is day, month and year fields (and the calendar): Tab on to the reason
    assert tab_to(page, f".st-key-kilder_pv_wd_reason_{rid2}"), "Begrundelse nås ikke med Tab"
    page.keyboard.type("Trak tilladelsen tilbage i telefonen")
    assert tab_to(page, f".st-key-kilder_pv_wd_btn_{rid2}"), "knappen nås ikke med Tab"
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Registreret: {rid2} trak samtykket til journalindsigt")).to_be_visible()
    ws = privacy.list_withdrawals(e)
    assert sorted((w.respondent_id, w.purpose, w.withdrawn_on, w.reason, w.recorded_by) for w in ws) == \
        [(rid, "interview", today, "Ringede og bad om det", "fie"),
         (rid2, "journal", today, "Trak tilladelsen tilbage i telefonen", "fie")]
    assert respondents(e) == before
    assert_danish(page, f"Kilder efter tilbagetrækning {size}")

    # ---- deletion of KFU-03: «Fortryd» first (nothing deleted), then «Ja, slet»
    rid3 = "KFU-03"
    page.goto(base + f"/kilder?r={rid3}")
    reason = page.locator(f".st-key-kilder_pv_del_reason_{rid3}").get_by_role("textbox")
    reason.wait_for()
    settled(page)
    reason.fill("Anmodning om sletning")
    reason.press("Tab")
    page.locator(f".st-key-kilder_pv_del_btn_{rid3}").get_by_role("button").click()
    yes = page.locator(f".st-key-kilder_pv_del_yes_{rid3}").get_by_role("button")
    expect(yes).to_be_visible()
    expect(page.get_by_text("Er du sikker?")).to_be_visible()
    in_view_and_on_top(page, yes, f"Kilder {size}")
    shot(page, f"{tag}_02_bekraeft")
    settled(page, title=False)  # the confirmation's run is over before «Fortryd» (a busy machine)
    page.locator(f".st-key-kilder_pv_del_no_{rid3}").get_by_role("button").click()
    expect(page.get_by_text("Er du sikker?")).to_have_count(0, timeout=20000)
    assert respondents(e) == before and privacy.list_deletions(e) == []
    settled(page, title=False)
    page.locator(f".st-key-kilder_pv_del_btn_{rid3}").get_by_role("button").click()
    expect(yes).to_be_visible(timeout=20000)
    settled(page, title=False)
    yes.click()
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="Slettet: ")).to_be_visible()
    after = respondents(e)
    gone = {r for r in before if r not in after}
    assert rid3 in gone and f"SB-{rid3}" in gone and all(r.endswith(rid3) for r in gone), gone
    assert all(after[r] == before[r] for r in after)
    stones = privacy.list_deletions(e)
    assert stones and {(t.who, t.reason) for t in stones} == {("fie", "Anmodning om sletning")}
    assert len(privacy.list_withdrawals(e)) == 2

    # ---- administrator on «Brugere og steder»: the end date, then delete AMA-01
    page.context.clear_cookies()
    page.goto(base + "/administration")
    if page.get_by_role("heading", name="Log ind").count() == 0:
        page.reload()
    log_in(page, "adam")
    page.get_by_role("tab", name="Samtykke og sletning").click()
    day = page.locator(".st-key-pv_end_date").get_by_role("textbox")
    day.wait_for()
    settled(page)
    day.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("31.12.2030")  # typed, never picked (ui.dates.typed_date)
    page.locator(".st-key-pv_end_btn").get_by_role("button").click()
    # the page reruns after saving: the tab stays open, so the confirmation is seen
    expect(page.get_by_role("tab", selected=True)).to_have_text("Samtykke og sletning")
    expect(page.get_by_text("Slutdatoen er 31.12.2030.")).to_be_visible()
    settled(page, title=False)
    expect(page.get_by_role("tab", selected=True)).to_have_text("Samtykke og sletning")
    expect(page.get_by_text("Slutdatoen er 31.12.2030.")).to_be_visible()
    with session_scope(e) as s:
        assert privacy.end_date(s) == dt.date(2030, 12, 31)
    box = page.locator(".st-key-adm_pv_rid")
    box.get_by_role("combobox").click()
    page.keyboard.type("AMA-01")
    page.keyboard.press("Enter")
    reason = page.locator(".st-key-adm_pv_del_reason_AMA-01").get_by_role("textbox")
    reason.fill("Brev om sletning")
    reason.press("Tab")
    page.locator(".st-key-adm_pv_del_btn_AMA-01").get_by_role("button").click()
    yes = page.locator(".st-key-adm_pv_del_yes_AMA-01").get_by_role("button")
    expect(yes).to_be_visible()
    in_view_and_on_top(page, yes, f"Brugere og steder {size}")
    shot(page, f"{tag}_03_admin")
    before_admin = respondents(e)
    yes.click()
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="Slettet: ")).to_be_visible()
    after = respondents(e)
    gone = {r for r in before_admin if r not in after}
    assert "AMA-01" in gone and all(r.endswith("AMA-01") for r in gone), gone
    assert all(after[r] == before_admin[r] for r in after)
    stones = privacy.list_deletions(e)
    assert {(t.who, t.reason) for t in stones} == {("fie", "Anmodning om sletning"), ("adam", "Brev om sletning")}
    assert len(privacy.list_withdrawals(e)) == 2
    assert_danish(page, f"Brugere og steder {size}")
    ctx.close()
