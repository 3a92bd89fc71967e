"""The interviewer's and the researcher's screens at laptop sizes (1280×720 and 1024×768), in Debian's Chromium:
the floating save status never covers the menu at the top or the sidebar (a tester found «Administration» hidden
under «✔ Gemt» at 1024×768)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import idle, item, open_tab, press_until, saves, shot, wait_saved

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


# every line break on the page that falls inside a word (between two letters or digits) with no hyphen shown: a
# soft hyphen (U+00AD) shows one, and so does `hyphens: auto` under lang="da"; as lines, [] when none
BROKEN_WORDS = """() => {
  const out = [], word = (c) => /[\\p{L}\\p{N}]/u.test(c || '');
  const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const r = document.createRange();
  let n;
  while ((n = tw.nextNode())) {
    const el = n.parentElement, t = n.nodeValue;
    if (!el || !t || t.trim().length < 2 || el.closest('script, style')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    const hyphenated = cs.hyphens === 'auto' && (el.closest('[lang]') || {}).lang === 'da';
    let top = null;
    for (let i = 0; i < t.length; i++) {
      r.setStart(n, i); r.setEnd(n, i + 1);
      const b = r.getClientRects()[0];
      if (!b || b.width === 0) continue;
      if (top !== null && b.top > top + 2 && word(t[i]) && word(t[i - 1]) && !hyphenated)
        out.push(t.slice(Math.max(0, i - 20), i) + '|' + t.slice(i, i + 20));
      top = b.top;
    }
  }
  return out;
}"""

# the open list's choices whose text is wider than the box it is shown in once chosen (an <input>: one line,
# the rest cut off); [[choice, px needed, px there] …] and the choices measured
CUT_CHOICES = """(input) => {
  const s = getComputedStyle(input), c = document.createElement('canvas').getContext('2d');
  c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  const room = input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  const opts = [...document.querySelectorAll('[role="listbox"] [role="option"]')].map((o) => o.innerText.trim());
  return {cut: opts.map((t) => [t, Math.ceil(c.measureText(t).width), Math.floor(room)])
                    .filter(([, w, r]) => w > r), seen: opts};
}"""


@pytest.mark.parametrize("size,by", SIZES)
def test_the_reports_filters_show_their_choices_whole_and_no_word_breaks_inside(demo_store, server, browser, size,
                                                                                  by):
    """Rapport: each filter's choice fits its box (the sidebar showed «Arbejdsmarkedspe» and «De psykisk
    påfal» at 1024×768), and no text on any tab breaks inside a word without a hyphen."""
    from playwright.sync_api import expect

    from tests.browser.conftest import choose

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/rapport")
    main, side = page.locator('[data-testid="stMain"]'), page.locator('[data-testid="stSidebar"]')
    expect(main).to_contain_text("n = 61 af 61")
    idle(page)
    expect(side.locator('input[role="combobox"]')).to_have_count(6)
    names = side.locator('input[role="combobox"]').evaluate_all("es => es.map((e) => e.getAttribute('aria-label'))")
    cut, seen = cut_choices(page, side, names, by)
    assert {"Arbejdsmarkedsperspektiv", "De psykisk påfaldende", "Alle brugergrupper"} <= set(seen), seen
    assert not cut, f"valg, der skæres af i sidepanelets felter: {cut}"
    choose(page, "Grupper efter", "Arbejdsmarkedsperspektiv", by, size, area="stSidebar")
    page.wait_for_url(re.compile(r"efter=perspektiv"))
    for tab in ("Kvalitetskort", "Kort pr. gruppe", "Tabeller", "Krydstabel", "Hent"):
        open_tab(page, tab, by)
        expect(main.get_by_role("tabpanel")).to_be_visible()
        assert page.evaluate(BROKEN_WORDS) == [], (tab, page.evaluate(BROKEN_WORDS))
    shot(page, f"rapport_labels_{size[0]}")
    page.close()


def cut_choices(page, area, names, by: str) -> tuple[list, list]:
    """Each named box in `area` opened by mouse or keyboard: (its choices cut off once chosen, as [box, choice, px
    needed, px there], every choice seen)."""
    from playwright.sync_api import expect

    cut, seen = [], []
    for name in names:
        box = area.get_by_role("combobox", name=name, exact=True)
        box.scroll_into_view_if_needed()
        press_until(page, box, by, "ArrowDown", lambda **kw: expect(page.get_by_role("listbox")).to_be_visible(**kw))
        got = box.evaluate(CUT_CHOICES)
        cut += [[name.replace("\u00ad", ""), *c] for c in got["cut"]]
        seen += got["seen"]
        page.keyboard.press("Escape")
        expect(page.get_by_role("listbox")).to_have_count(0)
    return cut, seen


@pytest.mark.parametrize("size,by", SIZES)
def test_the_reports_table_and_crosstab_boxes_show_their_choices_whole(demo_store, server, browser, size, by):
    """Rapport: the table's and the crosstab's boxes in the main column (a tester at 1024×768: side by side, «Tabel»
    cut 4 of its 11 titles, «Rækker» and «Kolonner» 7 and 9 of 13 variables — their codes at the end lost)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    main = page.locator('[data-testid="stMain"]')
    cut, seen = [], []
    for tab, names in (("Tabeller", ["Tabel"]), ("Krydstabel", ["Rækker", "Kolonner"])):
        page.goto(f"http://127.0.0.1:{server.port}/rapport?fane={tab}")
        expect(main).to_contain_text("n = 61 af 61")
        expect(main.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
        idle(page)
        got = cut_choices(page, main, names, by)
        cut += got[0]
        seen += got[1]
    assert len(seen) >= 11 + 2 * 13, seen
    assert not cut, f"valg, der skæres af i felterne: {cut}"
    page.close()


@pytest.mark.parametrize("size,by", SIZES)
def test_the_kilder_side_by_side_is_read_whole_without_scrolling_sideways(demo_store, server, browser, size, by):
    """Kilder: all six columns (KFU-01 has every source) on the screen, their words whole — the data grid cut its
    cells and scrolled sideways at 1024×768."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}/kilder?r=KFU-01")
    main = page.locator('[data-testid="stMain"]')
    heading = main.get_by_role("heading", name="Kilderne side om side")
    expect(heading).to_be_visible()
    table = main.locator('[data-testid="stTable"]').filter(has_text="Boformens journal")
    expect(table).to_have_count(1)
    if by == "mouse":
        page.mouse.move(size[0] / 2, size[1] / 2)
        page.mouse.wheel(0, 400)
    else:
        table.locator("td").first.scroll_into_view_if_needed()
    heads = table.locator("th").all_inner_texts()
    assert [h.strip() for h in heads if h.strip()] == ["Emne", "Brugeren selv", "Sagsbehandleren", "Kontaktpersonen",
                                                       "Kommunens journal", "Boformens journal"], heads
    fits = table.evaluate("""(t) => { const m = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
        const b = t.querySelector('table').getBoundingClientRect();
        return [t.scrollWidth <= t.clientWidth + 1, b.left >= m.left, b.right <= m.right, b.right - b.left]; }""")
    assert fits[:3] == [True, True, True], fits
    expect(table).to_contain_text("✘ uenig")
    assert page.evaluate(BROKEN_WORDS) == [], page.evaluate(BROKEN_WORDS)
    shot(page, f"kilder_side_by_side_{size[0]}")
    page.close()
