"""Two defects a tester found on the researchers' pages in Chromium (fixtures in conftest.py; the demo study in
an open store, the sidebar open):

* Transskriptioner: «Acceptér» pressed with the keyboard took its own suggestion row away, and the focus fell
  to the page's body — the coder had to tab from the top of the page again. Now the focus goes to the next
  suggestion's «Acceptér», else the segment's next control («Kod med»); after «Afvis» to the next
  suggestion, after «Fortryd» to the same row's «Acceptér» (`ui.workbench.KEEP_FOCUS_JS`). The store holds
  what a press always stored: the code, accepted, by the coder, from the rule.
* At 1024×768 (and 1280×720) no label is cut: Kodning's judgements sat in three fixed columns
  («Arbejdsmarkedsper|spektiv» broken inside the word, the value «Ikke reelt ar…» clipped), a transcript
  segment's last row clipped «Til citatba…» and the memo's placeholder. Measured in the DOM (`CUT_JS`): a
  text that needs more room than its box has, a field's value or placeholder wider than the field, a word
  broken inside itself because it is wider than its line.
"""
from __future__ import annotations

import pytest

from coding import service
from tests.browser.conftest import idle, shot

#: the user's two turns each get two rule suggestions from the seeded codebook (the interviewer's none)
TRANSCRIPT = """I: Hvordan går din hverdag?
B: Jeg har fået en rytme i hverdagen, og jeg er sammen med andre mennesker her.
I: Og sagsbehandleren?
B: Min sagsbehandler har sluppet mig, jeg føler mig syltet.
"""

#: where a label's text does not show whole in `scope` (a list of what and how much room it lacks)
CUT_JS = """
(scope) => {
  const out = [];
  const canvas = document.createElement('canvas').getContext('2d');
  const shown = (el) => { const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  for (const el of scope.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const cs = getComputedStyle(el);
    if (el.tagName === 'INPUT') {
      if (['hidden', 'file', 'checkbox', 'radio'].includes(el.type)) continue;
      canvas.font = cs.font;
      const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      if (el.value && el.scrollWidth > el.clientWidth + 1)
        out.push(`value «${el.value}»: ${el.scrollWidth} px in ${el.clientWidth}`);
      else if (!el.value && el.placeholder && canvas.measureText(el.placeholder).width > room + 1)
        out.push(`placeholder «${el.placeholder}»: ${Math.ceil(canvas.measureText(el.placeholder).width)} px in ${Math.floor(room)}`);
      continue;
    }
    const clips = cs.textOverflow === 'ellipsis' || (cs.whiteSpace === 'nowrap' && ['hidden', 'clip'].includes(cs.overflowX));
    if (clips && (el.innerText || '').trim() && el.scrollWidth > el.clientWidth + 1)
      out.push(`clipped «${el.innerText.trim().slice(0, 60)}»: ${el.scrollWidth} px in ${el.clientWidth}`);
  }
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || !shown(p) || p.closest('textarea, [data-testid="stIconMaterial"]')) continue;
    const re = /[^\\s\\u00ad\\-\\u2010\\u2013\\u2014\\/]+/g;  // a word: a break after a hyphen or a slash is a wrap
    for (let m = re.exec(n.textContent); m; m = re.exec(n.textContent)) {
      if (m[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1) out.push(`word broken «${m[0]}» in «${(p.innerText || '').trim().slice(0, 60)}»`);
    }
  }
  return out;
}
"""

ACTIVE_JS = """() => { const a = document.activeElement;
  if (!a || a === document.body) return 'body';
  const c = a.closest('[data-testid="stElementContainer"]');
  return (c && [...c.classList].find((k) => k.startsWith('st-key-'))) || a.tagName; }"""


def respondent_iid(engine, rid: str) -> str:
    from archetypes import service as coding_service

    return next(r.interview_id for r in coding_service.respondents(engine) if r.respondent_id == rid)


def open_page(browser, server, path: str, size, coder: str | None = None):
    """`path` at `size`, the sidebar open (as the tester had it), the script run over: (page, main)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(30000)
    page.goto(f"http://127.0.0.1:{server.port}{path}")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", level=1)).to_be_visible()
    sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
    assert sidebar and sidebar["width"] >= 200, sidebar  # the sidebar is open
    if coder:
        idle(page)  # the first run over before the name is sent (without this wait one run showed AMA-01, not ?r=)
        field = page.locator('[data-testid="stSidebar"]').get_by_label("Kodet af", exact=True)
        field.fill(coder)
        field.press("Enter")
    idle(page)
    return page, main


def focus_goes_to(page, key: str, what: str) -> None:
    try:
        page.wait_for_function(f"() => ({ACTIVE_JS})() === 'st-key-{key}'", timeout=10000)
    except Exception:
        raise AssertionError(f"efter {what} er fokus på {page.evaluate(ACTIVE_JS)!r}, ikke på st-key-{key}") from None


@pytest.mark.parametrize("size,key", [((1024, 768), "Enter"), ((1280, 720), "Space")])
def test_the_focus_stays_in_the_suggestions_after_accepter_by_keyboard(demo_store, guide, server, browser, size, key):
    from playwright.sync_api import expect

    from coding import codebook as cb
    from coding import transcripts as tr
    from survey.db import session_scope

    engine = demo_store
    service.seed_codebook(engine)
    info = service.import_transcript(engine, respondent_iid(engine, "AMA-02"), TRANSCRIPT.encode(), "fokus.txt",
                                     "Ida", guide=guide)
    first, second = (g.id for g in service.segments_for(engine, info.id) if g.speaker == "B")
    page, main = open_page(browser, server, "/transskriptioner?r=AMA-02", size, coder="Bo")
    expect(main.get_by_role("combobox", name="Transskription")).to_have_value("fokus.txt · 4 segmenter, 0 kodet")

    def press(button_key: str) -> None:
        idle(page)
        button = main.locator(f".st-key-{button_key} button")
        button.scroll_into_view_if_needed()
        button.focus()
        page.keyboard.press(key)

    press(f"tr_s_{first}_acc_rytme_i_hverdagen")
    expect(main.locator(f".st-key-tr_un_{first}_rytme_i_hverdagen")).to_be_visible()  # «✔ Rytme …» and «Fjern»
    focus_goes_to(page, f"tr_s_{first}_acc_socialt_samvaer", "«Acceptér» (Rytme i hverdagen)")
    shot(page, f"fokus_accepter_{size[0]}")
    page.keyboard.press(key)  # the focused «Acceptér»: the keyboard goes on from where it is
    expect(main.locator(f".st-key-tr_un_{first}_socialt_samvaer")).to_be_visible()
    focus_goes_to(page, f"tr_codes_{first}", "the segment's last «Acceptér»")  # the segment's «Kod med»
    press(f"tr_s_{second}_rej_sagsbehandler")
    expect(main.locator(f".st-key-tr_s_{second}_undo_sagsbehandler")).to_be_visible()
    focus_goes_to(page, f"tr_s_{second}_acc_syltet_af_systemet", "«Afvis»")
    press(f"tr_s_{second}_undo_sagsbehandler")
    focus_goes_to(page, f"tr_s_{second}_acc_sagsbehandler", "«Fortryd»")
    page.keyboard.press("Tab")  # and on by Tab: the same row's «Afvis»
    assert page.evaluate(ACTIVE_JS) == f"st-key-tr_s_{second}_rej_sagsbehandler"
    # what a press stores is unchanged: the codes, accepted by the coder, from the rule; the undone rejection gone
    with session_scope(engine) as s:
        assert tr.get_segment(s, first).code_keys == ["rytme_i_hverdagen", "socialt_samvaer"]
        decided = cb.decisions_for(s, "segment", first)
        assert {k: (d.decision, d.source, d.who) for k, d in decided.items()} == {
            "rytme_i_hverdagen": ("accepted", "regel", "Bo"), "socialt_samvaer": ("accepted", "regel", "Bo")}
        assert tr.get_segment(s, second).code_keys == []
        assert cb.decisions_for(s, "segment", second) == {}
    page.close()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_no_label_is_cut_on_kodning_and_transskriptioner(demo_store, guide, server, browser, size):
    from playwright.sync_api import expect

    from archetypes import service as coding_service

    engine = demo_store
    # every judgement of AMA-01 set to its longest choice (the widest value a select must show)
    iid = respondent_iid(engine, "AMA-01")
    view = coding_service.coding_view(engine, guide, iid)
    longest = {code: max(choices, key=lambda c: len(c[1])) for code, choices in view.judgement_choices.items()}
    for code, (value, _) in longest.items():
        coding_service.set_judgement(engine, guide, iid, code, value, who="Ida")
    service.seed_codebook(engine)
    info = service.import_transcript(engine, respondent_iid(engine, "AMA-02"), TRANSCRIPT.encode(), "fokus.txt",
                                     "Ida", guide=guide)
    first = next(g.id for g in service.segments_for(engine, info.id) if g.speaker == "B")
    service.accept_suggestion(engine, "segment", first, "rytme_i_hverdagen", "Ida", source="regel")  # a coded row
    cut = {}
    page, main = open_page(browser, server, "/kodning?r=AMA-01", size)
    for code, (_, label) in longest.items():  # drawn (not the placeholders shown while a widget's code loads)
        expect(main.get_by_role("combobox", name=view.judgements[code].label, exact=True)).to_have_value(label)
    idle(page)
    shot(page, f"etiketter_kodning_{size[0]}")
    cut["Kodning"] = main.evaluate(CUT_JS)
    page.close()
    page, main = open_page(browser, server, "/transskriptioner?r=AMA-02", size)
    expect(main.get_by_role("button", name="Til citatbanken")).to_have_count(4)
    expect(main.get_by_role("textbox", name="Memo")).to_have_count(5)  # the coded row's and each segment's
    expect(main.get_by_role("button", name="Acceptér")).to_have_count(3)
    idle(page)
    shot(page, f"etiketter_transskriptioner_{size[0]}")
    cut["Transskriptioner"] = main.evaluate(CUT_JS)
    page.close()
    assert cut == {"Kodning": [], "Transskriptioner": []}
