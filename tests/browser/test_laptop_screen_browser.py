"""The interviewer's and the researcher's screens at laptop sizes (1280×720 and 1024×768), in Debian's Chromium:
the floating save status never covers the menu at the top or the sidebar (a tester found «Administration» hidden
under «✔ Gemt» at 1024×768)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import idle, item, saves, shot, wait_saved

SIZES = [((1280, 720), "mouse"), ((1024, 768), "keyboard")]

# every visible entry of the menu at the top and every link, button and label of the sidebar that the save status
# (the server's «✔ Gemt …» and the page's «Gemmer …» / «Skriver …») overlaps, as lines; [] when none
COVERED = """() => {
  const shown = (e) => { const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                         return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const pills = [...document.querySelectorAll('.bb-mainstatus, #bb-pending')].filter(shown);
  const under = [...document.querySelectorAll(
      '[data-testid="stHeader"] :is(a, button, [role="tab"], [role="link"]), ' +
      '[data-testid="stSidebar"] :is(a, button, label, input, textarea, [role="radio"], [role="link"])')].filter(shown);
  const out = [];
  for (const p of pills) {
    const a = p.getBoundingClientRect();
    for (const e of under) {
      const b = e.getBoundingClientRect();
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
        out.push(`${p.className || p.id} «${p.innerText.slice(0, 30)}» over ${e.tagName} «${(e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 30)}»`);
    }
  }
  return out;
}"""


def covered(page) -> list[str]:
    return page.evaluate(COVERED)


def assert_nothing_covered(page, when: str) -> None:
    """At rest (the status is placed when the menu or the sidebar changes size): nothing under the save status."""
    try:
        page.wait_for_function(f"() => ({COVERED})().length === 0", timeout=10000)
    except Exception:
        raise AssertionError(f"{when}: statusen dækker {covered(page)}") from None


@pytest.mark.parametrize("size,by", SIZES)
def test_the_save_status_covers_no_menu_entry_and_nothing_in_the_sidebar(server, browser, guide, size, by):
    from playwright.sync_api import expect

    from survey import interview as svc
    from survey.db import make_engine

    e = make_engine(server.db_url)
    iid = svc.start_interview(e, guide, site_name="Basen", site_type="boform", interviewer="KL").id
    e.dispose()
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/interview?iv={iid}&afsnit=udbytte")
    page.locator(".bb-mainstatus").wait_for()
    page.locator(".bbg").wait_for()
    idle(page)
    # a store without users: every menu shows, the administrator's last
    admin = page.locator('[data-testid="stHeader"]').get_by_role("button", name="Administration")
    expect(admin).to_be_visible()
    assert_nothing_covered(page, "siden vist")

    # a save: «✔ Gemt hh:mm:ss» and what, the longest the pill gets
    n0 = saves(page)
    opt = page.locator('.bbg-row[data-row="rytme"] .bbg-answer .bbg-opt').first
    if by == "mouse":
        opt.click()
    else:
        opt.focus()
        page.keyboard.press("j")
    wait_saved(page, n0, "rytme i hverdagen")
    assert_nothing_covered(page, "efter et gemt svar")

    # typing: «Skriver … gemmes om lidt» while the text waits; measured while it is shown
    text = item(page, iid, "udbytte_aabent").locator("textarea")
    n0 = saves(page)
    if by == "mouse":
        text.click()
    else:
        text.focus()
    page.keyboard.type("Jeg kommer op om morgenen")
    shown = page.wait_for_function(f"""() => {{ const p = document.getElementById('bb-pending');
        return p && !p.hidden && p.getBoundingClientRect().width > 0 ? {{cover: ({COVERED})()}} : null; }}""")
    assert shown.json_value()["cover"] == [], shown.json_value()
    wait_saved(page, n0, "Hvad får/fik du ud af tilbuddet?")

    # the sidebar closed and opened again: the menu moves left and back, the status with it
    page.locator('[data-testid="stSidebar"]').hover()
    close = page.locator('[data-testid="stSidebarCollapseButton"] button')
    if by == "mouse":
        close.click()
    else:
        close.focus()
        page.keyboard.press("Enter")
    page.wait_for_function("""() => document.querySelector('[data-testid="stSidebar"]')
                                  ?.getAttribute('data-collapsed') === 'true'""")
    assert_nothing_covered(page, "sidepanelet lukket")
    reopen = page.locator('[data-testid="stExpandSidebarButton"]')
    if by == "mouse":
        reopen.click()
    else:
        reopen.focus()
        page.keyboard.press("Enter")
    page.wait_for_function("""() => document.querySelector('[data-testid="stSidebar"]')
                                  ?.getAttribute('data-collapsed') === 'false'""")
    expect(admin).to_be_visible()
    assert_nothing_covered(page, "sidepanelet åbnet igen")
    shot(page, f"save_status_clear_of_menu_{size[0]}")
    page.close()

