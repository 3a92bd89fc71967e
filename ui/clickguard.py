"""A second click on the spot of a navigation click is not an answer (found in a real browser).

An interviewer clicks «Start interview» or «Næste →», and — out of habit or because the page is
slow to react — clicks again at the same spot. By then the page has changed under the pointer: the
interview's first section, or the next section scrolled to the top, and there is an answer option
exactly where the button was. The second click recorded an answer nobody gave («Den ældre», «Både
handleplan og jobplan», «familie = nej»), or skipped a whole section.

What this does (a small script, installed once per browser tab, `inject()` on every rerun):

* A click on a navigation control — the start pages' «Start interview» (``start_btn``,
  ``start_src_btn``), the section buttons and the sidebar's section list (keys ``nav_…``), a link that
  jumps to a question (``q=`` in its address) — *arms* the guard at that spot.
* While the app works on that click (Streamlit's script run, and 250 ms after it so a page switch's
  second run counts too) and for `QUIET_MS` after, a press within `RADIUS` px of the spot in the
  main area is swallowed: every pointer and mouse event of it, before any of the page's own
  handlers (capture phase on the window). A click anywhere else goes through at once, so a quick
  interviewer who moves on to the first question is never slowed down. Once the run is over, a press
  on the start button that armed the guard, still at the same place, goes through: the page did not
  move, so it does what it says (a tester's second click on a refused «Start journaludtræk» — the
  consent to journal access was «nej» — did nothing for 1.5 s). Only a start button: «Næste» stays
  where it was when the next section is as tall, and a second press there would skip a section.
* The keyboard: while the app works on a navigation made with Enter or Space, a second Enter or
  Space on a button, an option or a link is swallowed (it would move on again). When the new
  section is drawn, `ui.interview_view.focus_script` puts the focus on its heading, so the next Tab
  goes to its first question.

Why our own: no Streamlit setting or component guards against a repeated click; a capture-phase
listener is the one place that sees a click before React and Brugerblik's own components.
"""
from __future__ import annotations

import streamlit as st

RADIUS = 40        # px around the navigation click: a re-click of the same spot, not the next question
QUIET_MS = 1200    # after the new page is drawn: shorter than reading a question
SETTLE_MS = 250    # the script run is over for this long: a page switch's second run has begun by then
SAVE_GAP_MS = 40   # a navigation click this soon after a typed text was sent …
REPLAY_MS = 80     # … is passed on this much later (in one instant, Streamlit kept only the text's rerun)

JS = """<script>
(function () {
  if (window.__bbGuard) return;
  const RADIUS = %(radius)d, QUIET_MS = %(quiet)d, SETTLE_MS = %(settle)d, MAX_PENDING_MS = 15000;
  const SAVE_GAP_MS = %(save_gap)d, REPLAY_MS = %(replay)d;
  const NAV = '.st-key-start_btn, .st-key-start_src_btn, [class*="st-key-nav_"], a[href*="q="]';
  const MAIN = '[data-testid="stMain"]';
  const KEYS = 'button, a, label, [role="radio"], [role="button"], [role="checkbox"], input[type="radio"], '
             + 'input[type="checkbox"]';
  let at = null, pending = false, since = 0, idleSince = 0, until = 0, timer = null;
  const G = window.__bbGuard = {
    active: () => pending || Date.now() < until,
    working: () => pending,   // the app works on the navigation click (a press on its spot is swallowed)
    left: () => Math.max(0, until - Date.now()),   // ms of the quiet time after it
    quiet: () => { if (at || pending) until = Math.max(until, Date.now() + QUIET_MS); },
    swallowed: 0,
  };
  function scriptState() {
    const a = document.querySelector('[data-testid="stApp"]');
    return a ? a.dataset.testScriptState : '';
  }
  function watch() {
    const now = Date.now();
    if (scriptState() === 'running') idleSince = 0;
    else if (!idleSince) idleSince = now;
    if ((idleSince && now - idleSince >= SETTLE_MS) || now - since > MAX_PENDING_MS) {
      pending = false;
      until = now + QUIET_MS;
      timer = null;
      return;
    }
    timer = setTimeout(watch, 50);
  }
  // the navigation control that armed the guard (its key) and where it was: after the app's run, a press on
  // that very control, still there, does what it says (a refused start: «Start journaludtræk» without consent)
  let armed = null;
  function keyOf(host) {
    return host ? Array.from(host.classList).find((c) => c.startsWith('st-key-')) || host.tagName : null;
  }
  function spot(host) { const r = host.getBoundingClientRect(); return {key: keyOf(host), x: r.x, y: r.y}; }
  // only a start button: a refused start leaves it in place, a start that works leaves the page; «Næste» stays
  // at its place when the next section is as tall, and a second press there would move on a second section
  const REPEATABLE = ['st-key-start_btn', 'st-key-start_src_btn'];
  function stillThere(e) {
    if (!armed || !REPEATABLE.includes(armed.key)) return false;
    const host = e.target && e.target.closest ? e.target.closest(NAV) : null;
    if (!host) return false;
    const now = spot(host);
    return now.key === armed.key && Math.abs(now.x - armed.x) < 2 && Math.abs(now.y - armed.y) < 2;
  }
  function arm(x, y, host) {
    armed = host ? spot(host) : null;
    at = (x === null) ? null : {x: x, y: y};
    pending = true; since = Date.now(); idleSince = 0;
    if (!timer) timer = setTimeout(watch, 50);
  }
  function near(e) {
    return at !== null && Math.abs(e.clientX - at.x) <= RADIUS && Math.abs(e.clientY - at.y) <= RADIUS;
  }
  function inMain(e) { return !!(e.target && e.target.closest && e.target.closest(MAIN)); }
  function swallow(e) { e.preventDefault(); e.stopImmediatePropagation(); }
  // A navigation click that comes with a typed text's save (the press left the field: ui/static/queue.js
  // flushed it a few ms before) is passed on a moment later. Sent in the same instant, Streamlit ran
  // the text's rerun and dropped the button's: a tester's quick tap after typing did nothing.
  function delayed(e) {
    const save = window.__bbSave;
    if (!(save && save.lastFlush && Date.now() - save.lastFlush < SAVE_GAP_MS)) return false;
    const host = e.target.closest(NAV);
    const key = host && Array.from(host.classList).find((c) => c.startsWith('st-key-'));
    if (!key || host.tagName === 'A') return false;
    swallow(e);
    setTimeout(() => {
      const b = document.querySelector('.' + key + ' button');
      if (b && !b.disabled) b.click();
    }, REPLAY_MS);
    return true;
  }
  for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click', 'dblclick', 'auxclick']) {
    window.addEventListener(type, function (e) {
      // swallowed: a press on the spot while the app works on the click, or after it on something else there
      if (G.active() && near(e) && inMain(e) && (pending || !stillThere(e))) {
        swallow(e);
        if (type === 'click') G.swallowed += 1;
        return;
      }
      if (type === 'click' && e.detail > 0 && e.target.closest && e.target.closest(NAV)) {
        arm(e.clientX, e.clientY, e.target.closest(NAV));
        if (delayed(e)) G.replayed = (G.replayed || 0) + 1;
      }
    }, true);
  }
  let armKey = null;  // the key that armed the guard: its own release goes through (Space acts on it)
  function key(e) {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const t = e.target && e.target.closest ? e.target : null;
    if (!t) return;
    if (e.type === 'keyup' && armKey === e.key) { armKey = null; return; }
    if (pending && t.closest(KEYS) && !t.closest('textarea, input[type="text"], input[type="number"]')) {
      swallow(e);
      return;
    }
    if (e.type === 'keydown' && !e.repeat && t.closest(NAV)) { arm(null, null); armKey = e.key; }
  }
  window.addEventListener('keydown', key, true);
  window.addEventListener('keyup', key, true);
})();
</script>""" % {"radius": RADIUS, "quiet": QUIET_MS, "settle": SETTLE_MS, "save_gap": SAVE_GAP_MS, "replay": REPLAY_MS}


def inject() -> None:
    """The guard (installs itself once per tab; cheap on every rerun)."""
    st.html(JS, unsafe_allow_javascript=True)
