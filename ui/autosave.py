"""Brugerblik's own input components (issue 10): the probe grid and free text that saves while typed.

Why our own (Streamlit's components v2, inline JS, no build step) rather than a maintained one:
no component on PyPI gives a radio grid whose every label records exactly its own option, arrow
keys that move without saving, single-key answers that move focus on, *and* a text field that saves
on a timer and when the page is hidden. The JavaScript is in ui/static (queue.js is shared).

The browser never sends a change as a one-off trigger: each change is queued with a sequence
number and the whole unacknowledged queue is the component's *state* (a rerun interrupted by the
next change cannot drop one). `apply_queue` applies each (tab, seq) once, in order, through
`survey.interview.save_answer` with the version the tab saw (`base`), and the next render carries
`acked`, so the browser forgets what is stored. A save from a stale view becomes a conflict the
interviewer settles («Behold» / «Brug mit»); both values are in the audit trail. Each change carries the
page digest of the guide its component was drawn with (``gd``, `guide_data`); one from a page drawn with
another guide than the one in use is not applied nor acknowledged, and the page asks for «Genindlæs siden»
(`refuse_stale`, `reload_guide`; docs/guide.md «Når guiden ændres»).
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import streamlit as st

from dataclasses import dataclass, field

from survey import interview as svc
from survey.guide import MAX_TEXT, TYPED_DATE_FORM, Guide, Item, page_digest, shown_date
from ui.autosave_http import author_mark
from ui.common import (DONE, acks_json, engine, guide, hms, in_fragment_run, lead_in, log, principal, safe_callback,
                       stop_for_guide, unexpected, username, wkey)

_STATIC = Path(__file__).resolve().parent / "static"
_QUEUE_JS = (_STATIC / "queue.js").read_text(encoding="utf-8")

SEEN = "_bb_seen"            # (interview, tab id, code) -> (version, value) that tab now shows
CONFLICTS = "_bb_conflicts"  # interview id -> code -> svc.Conflict
ERRORS = "_bb_errors"        # interview id -> code -> (Danish message, the refused text as typed)
STALE = "_bb_guide_stale"    # interview id -> the page digest of a change refused as drawn with another guide
RELOADED = "_bb_guide_reloaded"  # interview id -> page digests the interviewer has reloaded past («Genindlæs siden»)
MAX_ITEMS = 200              # a queue longer than this is cut (a tab cannot flood the store)
MARKS = "_marks_{}"          # interview id -> each section's (done, started), as the sidebar last drew them
BODY_FRAGMENT = "bb_section"   # the interview page's save status and current section (ui/interview_view.py)
NAV_FRAGMENT = "bb_sections"   # the sidebar's section list: progress, marks, navigation

GRID_CSS = """
.bbg-wrap { container-type: inline-size; }
.bbg { display: grid; grid-template-columns: minmax(11rem, 1fr) max-content max-content minmax(7rem, 13rem) 2.8rem;
       column-gap: 0.9rem; font-size: 0.9rem; }
.bbg-row { display: grid; grid-template-columns: subgrid; grid-column: 1 / -1;
           align-items: center; padding: 0.2rem 0.1rem; border-bottom: 1px solid #e3e5ea; }
.bbg-legend { grid-column: 1 / -1; }
.bbg-row > div { min-width: 0; overflow: hidden; }
.bbg-row > .bb-conflict { grid-column: 1 / -1; overflow: visible; }
.bbg-row:focus-within { background: #eef3ff; }
.bbg-head { border-bottom: 1px solid #c9ccd3; font-weight: 700; font-size: 0.8rem; color: #3d4250; }
.bbg-label { line-height: 1.25; }
.bbg-hint { color: #545966; font-size: 0.78rem; font-style: italic; line-height: 1.15; }
.bbg-group { display: flex; flex-wrap: wrap; gap: 0.15rem; }
.bbg-group[hidden] { display: none; }
.bbg-opt { display: inline-flex; align-items: center; gap: 0.25rem; padding: 0.22rem 0.45rem; border-radius: 0.4rem;
           border: 1px solid transparent; cursor: pointer; user-select: none; white-space: nowrap; color: #1f2330; }
.bbg-opt:hover { background: #e7ebf5; }
.bbg-opt:focus { outline: 2px solid #1f4fd1; outline-offset: 0; }
.bbg-opt[aria-checked="true"] { background: #1f4fd1; color: #fff; border-color: #1f4fd1; }
.bbg-opt[aria-checked="true"] kbd { color: #fff; border-color: #c9d4ff; }
/* the focus on a chosen option: its blue outline alone merged with its blue face (the same as not focused) */
.bbg-opt[aria-checked="true"]:focus { box-shadow: inset 0 0 0 2px #fff; }
.bbg-opt[aria-disabled="true"] { cursor: default; }
.bbg-dot { width: 0.7rem; height: 0.7rem; border-radius: 50%; border: 2px solid currentColor; box-sizing: border-box; }
.bbg-opt[aria-checked="true"] .bbg-dot { background: #fff; }
.bbg-opt kbd { font: 600 0.7rem ui-monospace, monospace; color: #4a4f5c; border: 1px solid #b7bcc7; border-radius: 0.2rem;
               padding: 0 0.2rem; }
.bbg-na { color: #5b5f6a; font-size: 0.8rem; }
.bbg-na[hidden] { display: none; }
.bbg-n .bb-autotext { width: 100%; box-sizing: border-box; font: inherit; padding: 0.25rem 0.45rem;
                     border: 1px solid #b7bcc7; border-radius: 0.4rem; }
.bbg-n .bb-autotext:focus { outline: 2px solid #1f4fd1; outline-offset: 0; border-color: #1f4fd1; }
.bbg-quote { font: inherit; padding: 0.2rem 0.4rem; border: 1px solid #b7bcc7; border-radius: 0.4rem; background: #fff;
             cursor: pointer; white-space: nowrap; }
.bbg-legend { color: #3d4250; font-size: 0.8rem; padding-top: 0.4rem; }
.bbg-readonly .bbg-opt { cursor: default; }
@container (max-width: 760px) {
  .bbg { grid-template-columns: 1fr max-content; }
  .bbg-row { row-gap: 0.2rem; }
  .bbg-q { grid-column: 1 / -1; }
  .bbg-head { display: none; }
  .bbg-n { grid-column: 1 / 2; }
}
"""

TEXT_CSS = """
.bb-text .bb-autotext { width: 100%; box-sizing: border-box; font: inherit; font-size: 0.95rem; padding: 0.45rem 0.6rem;
                        border: 1px solid #b7bcc7; border-radius: 0.5rem; background: #fff; color: #1f2330; }
.bb-text textarea.bb-autotext { resize: vertical; min-height: 5.2rem; }
.bb-text .bb-number, .bb-text .bb-date { max-width: 14rem; }
.bb-text .bb-autotext:focus { outline: 2px solid #1f4fd1; outline-offset: 0; border-color: #1f4fd1; }
.bb-text .bb-autotext:disabled { background: #f3f4f6; color: #3d4250; }
"""

CONFLICT_CSS = """
.bb-conflict { background: #fff4e5; border: 1px solid #c76a00; border-radius: 0.4rem; padding: 0.35rem 0.6rem; margin: 0.2rem 0; }
.bb-conflict[hidden] { display: none; }
.bb-conf-line { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; color: #5a3000; }
.bb-conf-line button { font: inherit; font-size: 0.85rem; padding: 0.15rem 0.5rem; border-radius: 0.3rem; border: 1px solid #8a4b00;
                       background: #fff; cursor: pointer; }
"""

_grid = st.components.v2.component(
    "bb_probegrid", js=_QUEUE_JS + (_STATIC / "probegrid.js").read_text(encoding="utf-8"),
    css=GRID_CSS + CONFLICT_CSS, isolate_styles=False)
CHOICE_CSS = """
.bb-choice { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem; }
.bb-choice-group { display: flex; flex-wrap: wrap; gap: 0.25rem 0.35rem; }
.bb-copt { display: inline-flex; align-items: center; gap: 0.4rem; padding: 0.3rem 0.65rem; border-radius: 0.5rem;
           border: 1px solid #b7bcc7; background: #fff; color: #1f2330; cursor: pointer; user-select: none; font-size: 0.95rem; }
.bb-copt:hover { background: #eef1f8; }
.bb-copt:focus { outline: 2px solid #1f4fd1; outline-offset: 1px; }
.bb-copt[aria-checked="true"] { background: #1f4fd1; border-color: #1f4fd1; color: #fff; }
.bb-copt .bb-dot { width: 0.75rem; height: 0.75rem; border-radius: 50%; border: 2px solid currentColor; box-sizing: border-box; }
.bb-copt .bb-box { width: 0.75rem; height: 0.75rem; border-radius: 0.15rem; border: 2px solid currentColor; box-sizing: border-box; }
.bb-copt[aria-checked="true"] .bb-dot, .bb-copt[aria-checked="true"] .bb-box { background: #fff; }
.bb-readonly .bb-copt { cursor: default; }
.bb-clear { font: inherit; font-size: 0.85rem; color: #3d4250; background: none; border: none; text-decoration: underline;
            cursor: pointer; padding: 0.2rem 0.3rem; }
.bb-clear[hidden] { display: none; }
.bb-field-err { color: #b3261e; font-size: 0.9rem; font-weight: 600; margin-top: 0.2rem; }
.bb-field-err[hidden] { display: none; }
"""

_choice = st.components.v2.component(
    "bb_autochoice", js=_QUEUE_JS + (_STATIC / "autochoice.js").read_text(encoding="utf-8"),
    css=CHOICE_CSS + CONFLICT_CSS, isolate_styles=False)
_text = st.components.v2.component(
    "bb_autotext", js=_QUEUE_JS + (_STATIC / "autotext.js").read_text(encoding="utf-8"),
    css=TEXT_CSS + CONFLICT_CSS + CHOICE_CSS, isolate_styles=False)


# ---------------------------------------------------------------- the interview on this rerun, and what was saved

SAVED = "_saved"
INFORMANT = "_informant_{}"  # session key: the informant type of an interview (issue 7), set by the page


def iv_guide(iid: str) -> Guide:
    """The guide interview `iid` is taken with: the users' guide, or its informant type's (issue 7:
    case worker, contact person, leader, case file). A broken guide file, or one that does not fit the stored
    interviews of its type (`survey.guide_fit`), stops the page with its message."""
    inf = st.session_state.get(INFORMANT.format(iid))
    if inf is None:
        info = svc.find(engine(), iid)
        inf = info.informant if info is not None else "bruger"
        st.session_state[INFORMANT.format(iid)] = inf
    if inf == "bruger":
        return guide()
    from survey.guide import GuideError  # noqa: PLC0415 (sources are loaded only for their interviews)
    from survey.source_store import informant_guide  # loaded when used (start-up time of the app's first page)
    from survey.sources import SourceError  # loaded when used (start-up time of the app's first page)

    try:
        return informant_guide(inf, engine())  # refused when it does not fit its stored interviews
    except (GuideError, SourceError) as e:
        stop_for_guide(e)
        raise


@dataclass
class Ctx:
    """What the item renderers need about the interview on this rerun."""
    guide: Guide
    state: svc.InterviewState
    quotes_by_item: dict[str, list[svc.QuoteView]] = field(default_factory=dict)

    @property
    def iid(self) -> str:
        return self.state.info.id

    @property
    def editable(self) -> bool:
        return self.state.info.editable

    def value(self, code: str) -> str | None:
        return self.state.context().get(code)


def load_ctx(iid: str) -> Ctx:
    """The interview as the page draws it now: its guide, its state (one read) and quotes by item."""
    state = svc.load_state(engine(), iid)
    qb: dict[str, list[svc.QuoteView]] = {}
    for q in state.quotes:
        qb.setdefault(q.item_code, []).append(q)
    return Ctx(iv_guide(iid), state, qb)


# ---------------------------------------------------------------- callbacks (run before the rerun)

def bump_saves() -> int:
    return (st.session_state.get(SAVED) or {}).get("n", 0) + 1


def mark_saved(iid: str, what: str, at: dt.datetime | None) -> None:
    st.session_state[SAVED] = {"iid": iid, "at": at, "what": what, "error": None, "n": bump_saves()}


def mark_refused(iid: str, what: str, message: str) -> None:
    st.session_state[SAVED] = {"iid": iid, "at": None, "what": what, "error": message, "n": bump_saves()}


# ---------------------------------------------------------------- a page drawn with another guide

def guide_data(ctx: Ctx) -> dict:
    """What each of our components carries of the guide it is drawn with (ui/static/queue.js stamps each change
    with ``gd``): its `page_digest`, and ``accept`` — the digests of pages this tab has reloaded past with
    «Genindlæs siden» (`reload_guide`), whose held changes the page now sends again as this guide's, to be
    checked by it like any change."""
    return {"gd": page_digest(ctx.guide), "accept": sorted((st.session_state.get(RELOADED) or {}).get(ctx.iid, ()))}


def refuse_stale(iid: str, drawn: object) -> None:
    """A change from a page drawn with another guide (`svc.drawn_with` said no): nothing was stored; the page
    shows why and what to press instead of its fields (`guide_changed`), and keeps the change. The status names
    no question: the new guide's text for it is not what the page showed."""
    st.session_state.setdefault(STALE, {})[iid] = str(drawn)[:64]
    mark_refused(iid, "Din seneste ændring", svc.GUIDE_CHANGED)


def guide_changed(iid: str) -> bool:
    """Was a change of this tab refused because its page was drawn with another guide (until «Genindlæs siden»)?"""
    return iid in (st.session_state.get(STALE) or {})


def reload_guide(iid: str) -> None:
    """«Genindlæs siden» (`guide_changed`): the page is drawn with the guide in use, and the changes held in it
    are sent again as made there — each checked by that guide through the one path every save takes."""
    drawn = (st.session_state.get(STALE) or {}).pop(iid, None)
    if drawn:
        st.session_state.setdefault(RELOADED, {}).setdefault(iid, set()).add(drawn)
    saved = st.session_state.get(SAVED) or {}
    if saved.get("error") == svc.GUIDE_CHANGED:
        st.session_state.pop(SAVED, None)



# ---------------------------------------------------------------- the sidebar follows a save

def sidebar_marks(g: Guide, state: svc.InterviewState) -> tuple[tuple[bool, bool], ...]:
    """What the sidebar's section list shows that an answer can change: each section's (done, started).
    (Its quote count follows on its next draw: a quote is saved in the quotes dialog, which must rerun
    itself, and a keyed rerun would replace that.)"""
    return tuple((s.done, s.started) for s in svc.section_status(g, state.context()))


def follow_marks(iid: str) -> None:
    """After a save (in a widget callback): when a section became done or started (or no longer is), rerun
    the sidebar's section list together with the section — the two keyed fragments — and never the whole
    app. A full rerun while answers are being given remounts the section's components (the focus goes,
    and the keys pressed then are lost) and, racing the next save's rerun, can blank the page (seen in
    Chromium on a loaded machine: «Cannot set a node at a delta path»)."""
    try:
        marks = sidebar_marks(iv_guide(iid), svc.load_state(engine(), iid))
    except Exception as e:  # the save itself is done and reported; the marks follow on the next draw
        log.error("sektionsmærker for et interview: %s", type(e).__name__)
        return
    key = MARKS.format(iid)
    before = st.session_state.get(key)
    st.session_state[key] = marks
    if before is not None and before != marks:
        st.rerun([BODY_FRAGMENT, NAV_FRAGMENT])


def answer_callback(fn):
    """A widget callback that saves something of interview `iid` (its first argument): `safe_callback`,
    then `follow_marks`."""
    safe = safe_callback(fn)

    @functools.wraps(fn)
    def wrapper(iid: str, *args, **kwargs):
        safe(iid, *args, **kwargs)
        follow_marks(iid)
    return wrapper


# ---------------------------------------------------------------- applying a tab's queue

def _base(raw, fallback: tuple[int, str | None]) -> tuple[int, str | None]:
    try:
        v, val = raw
        return int(v or 0), (None if val is None or val == "" else str(val))
    except (TypeError, ValueError):
        return fallback


def answer_label(g: Guide, code: str) -> str:
    """What was saved, as the status says it: a probe row's importance or note names its probe."""
    probe = svc.row_probes(g).get(code)
    return f"{probe.label} · {svc.label_of(g, code)}" if probe else svc.label_of(g, code)


@answer_callback
def on_queue(iid: str, key: str) -> None:
    """A component's queue changed (its on-change callback, before the rerun)."""
    apply_queue(iid, key)


@safe_callback
def apply_queue(iid: str, key: str) -> bool:
    """Apply the new items of one component's queue (its on-change callback, before the rerun; and again
    after the mount, where it finds nothing new unless a callback was missed). True if it applied any."""
    state = st.session_state.get(key) or {}
    try:
        queue = state.get("queue")
    except AttributeError:
        queue = getattr(state, "queue", None)
    if not isinstance(queue, dict):
        return False
    cid = str(queue.get("cid") or "")[:40]
    items = queue.get("items") or []
    if not isinstance(items, list) or not cid:
        return False
    done: dict = st.session_state.setdefault(DONE, {})
    seen: dict = st.session_state.setdefault(SEEN, {})
    conflicts: dict = st.session_state.setdefault(CONFLICTS, {}).setdefault(iid, {})
    last = done.get((key, cid), 0)
    g = iv_guide(iid)
    for it in items[:MAX_ITEMS]:
        if not isinstance(it, dict):
            continue
        try:
            seq = int(it.get("seq"))
        except (TypeError, ValueError):
            continue
        if seq <= last:
            continue
        code = str(it.get("code") or "")
        if not svc.drawn_with(g, it.get("gd")):
            # drawn with another guide (docs/guide.md «Når guiden ændres»): not stored, not acknowledged — this
            # change and the ones after it stay in the page, which says so; sent again after «Genindlæs siden»
            refuse_stale(iid, it.get("gd"))
            break
        last = seq
        if it.get("by") not in (None, author_mark(username())):
            # another user's change (the page holds those until that user signs in again here): never stored
            # under this name
            mark_refused(iid, answer_label(g, code) if code in g.items else "Svar",
                         "Ikke gemt: ændringen er lavet af en anden bruger end den, der er logget ind.")
            continue
        try:
            _apply_item(g, iid, key, cid, code, it, seen, conflicts)
        except Exception as e:  # noqa: BLE001 - one change that fails must not hold back the ones after it
            # (a tester pasted 5,000 digits: the error repeated on every rerun and a later «13» was never
            # stored). This change is refused, the field says so, and the queue goes on.
            log.error("fejl i en ændring: %s", type(e).__name__)
            message = unexpected(e, "Ikke gemt: en uventet fejl. Prøv igen; genindlæs siden, hvis det bliver ved.")
            if code in g.items:
                value = it.get("value")
                st.session_state.setdefault(ERRORS, {}).setdefault(iid, {})[code] = (
                    message, None if value is None else str(value)[:MAX_TEXT + 1])
            mark_refused(iid, answer_label(g, code) if code in g.items else "Svar", message)
    applied = last != done.get((key, cid), 0)
    done[(key, cid)] = last
    return applied


def _apply_item(g: Guide, iid: str, key: str, cid: str, code: str, it: dict, seen: dict, conflicts: dict) -> None:
    """One change of a component's queue (`apply_queue`): a quote, a kept answer or a saved one."""
    if code.startswith(QUOTE_PREFIXES):
        _apply_quote(g, iid, key, code, it)
        return
    if code not in g.items:
        mark_refused(iid, "Svar", "Ikke gemt: ukendt spørgsmål.")
        return
    value = it.get("value")
    value = None if value is None or value == "" else str(value)[:MAX_TEXT + 1]
    kind = it.get("kind") or "save"
    base = _base(it.get("base"), (0, None))
    if it.get("chain"):  # what this session saw stored last; after a restart the store's word (`chained_base`)
        prev = it.get("prev")
        base = seen[(iid, cid, code)] if (iid, cid, code) in seen else svc.chained_base(
            engine(), g, iid, code, base, None if prev is None or prev == "" else str(prev)[:MAX_TEXT + 1])
    if kind == "keep":
        svc.keep_theirs(engine(), iid, code, value, who=username())
        conflicts.pop(code, None)
        seen[(iid, cid, code)] = base
        mark_saved(iid, f"{answer_label(g, code)}: det nyere svar er beholdt", svc.utcnow())
        return
    res = svc.save_answer(engine(), g, iid, code, value, who=username(), principal=principal(), base=base)
    errors = st.session_state.setdefault(ERRORS, {}).setdefault(iid, {})
    if res.ok:
        conflicts.pop(code, None)
        errors.pop(code, None)
        seen[(iid, cid, code)] = (res.version, res.value)
        mark_saved(iid, answer_label(g, code), res.at)
    elif res.conflict is not None:
        conflicts[code] = res.conflict
        mark_refused(iid, answer_label(g, code), "Svaret er ændret i en anden fane — vælg, hvilket der skal gælde.")
    else:
        errors[code] = (res.message, value)
        mark_refused(iid, answer_label(g, code), res.message)


QUOTE_PREFIXES = ("quote:", "newquote:")
NEWQ = "_bb_newq"  # component key -> id of the quote its «Nyt citat» field is writing (until it is left)


def _apply_quote(g: Guide, iid: str, key: str, code: str, it: dict) -> None:
    """A verbatim quote typed in its own field: saved while typed like an answer. «quote:<id>» edits a
    quote; «newquote:<item>» with ``draft`` (the new quote's own id, made by the page) adds that quote
    or goes on editing it (`svc.save_new_quote`: the page's closing beacons may save it too). Without
    an id, it adds one on its first save and goes on editing it until the field is left (kind
    «done»). An emptied field never deletes a quote («Slet citat» does)."""
    value = it.get("value")
    value = None if value is None else str(value)[:MAX_TEXT + 1]
    newq: dict = st.session_state.setdefault(NEWQ, {})
    if it.get("kind") == "done":
        newq.pop(key, None)
        return
    if not value or not value.strip():
        mark_refused(iid, "Citat", "Et tomt citat gemmes ikke. Brug «Slet citat» for at slette det.")
        return
    qid: int | None = None
    if code.startswith("quote:"):
        try:
            qid = int(code.removeprefix("quote:"))
        except ValueError:
            return
        if not 0 < qid < 2**31:  # an id no store can hold: nothing to edit
            return
    elif it.get("draft") is None:
        qid = newq.get(key)
    if qid is not None:
        q, msg = svc.update_quote(engine(), iid, qid, text=value, who=username())
    elif it.get("draft") is not None:
        q, msg = svc.save_new_quote(engine(), g, iid, code.removeprefix("newquote:"), it.get("draft"), value,
                                    who=username(), seq=it.get("seq"))
        if q is None and not msg:
            return  # a newer text of this quote came first (the closing page's beacon)
    else:
        q, msg = svc.add_quote(engine(), g, iid, code.removeprefix("newquote:"), value, who=username())
        if q is not None:
            newq[key] = q.id
    if q is None:
        mark_refused(iid, "Citat", msg or "Citatet findes ikke længere.")
    else:
        mark_saved(iid, f"Citat · {svc.quote_question(g, q.item_code)}", q.updated_at)


def quote_field(ctx: Ctx, q: svc.QuoteView | None, item_code: str, *, label: str) -> None:
    """A quote's text (`q`), or the «Nyt citat» field of an item (`q` None), saved while typed."""
    key = f"qt_{ctx.iid}_{q.id}" if q is not None else f"qn_{ctx.iid}_{item_code}"
    code = f"quote:{q.id}" if q is not None else f"newquote:{item_code}"
    data = {"iid": ctx.iid, "key": key, "who": author_mark(username()), "code": code, "guide": guide_data(ctx),
            "value": q.text if q is not None else "", "version": 0,
            "multiline": True, "label": label, "editable": ctx.editable, "acked": _acked(key), "conflicts": [],
            "maxlen": MAX_TEXT, "rows": 3, "newquote": q is None,
            "placeholder": "" if q is not None else "Skriv brugerens ord præcist … (gemmes, mens du skriver)"}
    # a quote changes no section's mark, and its dialog must rerun itself: the plain callback, not `on_queue`
    _text(key=key, data=data, default={"queue": None}, on_queue_change=functools.partial(apply_queue, ctx.iid, key))
    _catch_up(ctx.iid, key)


def _catch_up(iid: str, key: str) -> None:
    stale = guide_changed(iid)
    # a change the callback did not see: apply it and draw again with its ack — or, refused as drawn with
    # another guide, draw the page's message instead of its fields
    if apply_queue(iid, key) or (guide_changed(iid) and not stale):
        # a fragment-scoped rerun is allowed only in a rerun of fragments
        st.rerun(scope="fragment") if in_fragment_run() else st.rerun()


def acked_json(iid: str) -> str:
    """Every queue of this interview the server has applied, as the save status carries it
    (`data-acked`): the browser clears its «Gemmer …» the moment the status is drawn."""
    return acks_json(st.session_state.get(DONE), iid)


def _acked(key: str) -> dict[str, int]:
    return {cid: seq for (k, cid), seq in (st.session_state.get(DONE) or {}).items() if k == key}


def conflict_words(c: svc.Conflict, theirs: str, mine: str) -> tuple[str, str, str]:
    """What a conflict says, with its two values as shown: (text, «Behold» button, «Brug» button). This
    tab's own: «Ændret i en anden fane kl. 10:42: «Ja». Dit svar her: «Nej».»; one from the store (another
    tab, a closed one, a device: `Conflict.stored`) names the refused change and what is stored, without
    saying whose is whose — the tab that shows it may be the one whose answer was kept."""
    at = f" kl. {hms(c.theirs_at)[:5]}" if c.theirs_at else ""
    if c.stored:
        return (f"Ikke gemt (ændret i en fane, der ikke havde set det gemte svar): «{mine}». Gemt{at}: «{theirs}».",
                f"Behold «{theirs}»", f"Brug «{mine}»")
    return f"Ændret i en anden fane{at}: «{theirs}». Dit svar her: «{mine}».", f"Behold «{theirs}»", f"Brug mit «{mine}»"


def shown_values(g: Guide, code: str, c: svc.Conflict) -> tuple[str, str]:
    """A conflict's stored and refused values as the page shows them («tomt» for none)."""
    return tuple(svc.display_value(g, code, v) if v is not None else "tomt" for v in (c.theirs, c.mine))


def _conflict_rows(g: Guide, iid: str, codes) -> list[dict]:
    out = []
    for code in codes:
        c = (st.session_state.get(CONFLICTS) or {}).get(iid, {}).get(code)
        if c is None:
            continue
        theirs, mine = (_short(v) for v in shown_values(g, code, c))
        text, _keep, use = conflict_words(c, theirs, mine)
        out.append({"code": code, "version": c.theirs_version, "theirs": c.theirs, "mine": c.mine,
                    "theirs_label": theirs, "mine_label": mine, "use_label": use,
                    "text": f"{lead_in(answer_label(g, code))} {text[0].lower()}{text[1:]}"})
    return out


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- the probe grid

def option_keys(labels: list[str]) -> list[str]:
    """One key per option: its label's first free letter (Ja → j, Nej → n, Ikke relevant → i,
    Uklart → u), else a digit."""
    used: set[str] = set()
    out = []
    for i, lab in enumerate(labels):
        k = next((ch for ch in lab.lower() if ch.isalpha() and ch not in used), None) or str(i + 1)
        used.add(k)
        out.append(k)
    return out


def _options(it: Item) -> list[list[str]]:
    labels = [it.choice_label(v) for v in it.choice_values()]
    return [[v, lab, k] for v, lab, k in zip(it.choice_values(), labels, option_keys(labels))]


def _cell(state: svc.InterviewState, it: Item | None) -> dict | None:
    if it is None:
        return None
    version, value = state.base(it.code)
    return {"code": it.code, "value": value, "version": version}


def grid_data(ctx: Ctx, section: svc.Section, key: str) -> dict:
    g, state = ctx.guide, ctx.state
    vals = state.context()
    rows = []
    legend_keys = None
    for p, vig, note in svc.probe_rows(g, section):
        a = {**_cell(state, p), "options": _options(p)}
        imp = None
        if vig is not None:
            when = [v for v in p.choice_values() if svc.visible(g, vig, {**vals, p.code: v})]
            imp = {**_cell(state, vig), "options": _options(vig), "when": when}
        codes = [c.code for c in (p, vig, note) if c is not None]
        rows.append({"code": p.code, "label": p.label, "hint": p.hint or "", "answer": a, "imp": imp,
                     "note": _cell(state, note), "quotable": bool(note is not None and svc.quotable(g, note.code)),
                     "quotes": len(ctx.quotes_by_item.get(note.code, [])) if note is not None else 0,
                     "conflicts": codes})
        if legend_keys is None:
            legend_keys = (a["options"], imp["options"] if imp else [])
    conflicts = {r["code"]: _conflict_rows(g, ctx.iid, r.pop("conflicts")) for r in rows}
    legend = ""
    if legend_keys:
        ans = " · ".join(f"{k} {lab}" for _, lab, k in legend_keys[0])
        imp = "/".join(k for _, _, k in legend_keys[1])
        legend = (f"Tastatur: Tab eller ↑/↓ går til en række · {ans}"
                  + (f", derefter {imp} for «Er det vigtigt for dig?»" if imp else "")
                  + " — markøren går selv videre · ←/→ flytter uden at gemme, mellemrum vælger.")
    return {"iid": ctx.iid, "key": key, "who": author_mark(username()), "guide": guide_data(ctx),
            "editable": ctx.editable, "rows": rows,
            "acked": _acked(key),
            "conflicts": conflicts, "legend": legend, "maxlen": MAX_TEXT}


def probe_grid(ctx: Ctx, section: svc.Section) -> str | None:
    """Draw the grid; returns the note item whose quotes the interviewer asked to see (or None)."""
    key = f"pg_{ctx.iid}_{section.name}"
    res = _grid(key=key, data=grid_data(ctx, section, key), default={"queue": None},
                on_queue_change=functools.partial(on_queue, ctx.iid, key), on_quote_change=lambda: None)
    _catch_up(ctx.iid, key)
    q = getattr(res, "quote", None)
    return q.get("code") if isinstance(q, dict) else None


# ---------------------------------------------------------------- free text

def _error(iid: str, code: str) -> tuple[str | None, str | None]:
    return (st.session_state.get(ERRORS) or {}).get(iid, {}).get(code) or (None, None)


def text_field(ctx: Ctx, it: Item, *, multiline: bool = True, placeholder: str = "",
               base: tuple[int, str | None] | None = None) -> None:
    """A text, number or date answer that saves while it is typed (a number or date the guide refuses
    is not stored: its Danish message is shown under the field and what was typed stays to be
    corrected). `base`: what the field shows when it is not an answer (the interview's own date)."""
    key = wkey(ctx.iid, it.code)
    version, value = base if base is not None else ctx.state.base(it.code)
    if it.type == "decimal" and value is not None:
        value = value.replace(".", ",")
    date = it.type == "date"
    if date:  # typed and shown as «05.11.2026» (`Guide.read_typed`): never a date the field made of it
        value, placeholder = shown_date(value), TYPED_DATE_FORM
    error, rejected = _error(ctx.iid, it.code)
    data = {"iid": ctx.iid, "key": key, "who": author_mark(username()), "guide": guide_data(ctx), "code": it.code,
            "value": value, "version": version, "multiline": multiline,
            "label": it.label, "required": it.required, "placeholder": placeholder, "editable": ctx.editable,
            "acked": _acked(key),
            "conflicts": _conflict_rows(ctx.guide, ctx.iid, [it.code]), "maxlen": MAX_TEXT, "rows": 3,
            "error": error, "rejected": rejected, "numeric": it.type in ("integer", "decimal"), "date": date}
    _text(key=key, data=data, default={"queue": None}, on_queue_change=functools.partial(on_queue, ctx.iid, key))
    _catch_up(ctx.iid, key)


def choice_field(ctx: Ctx, it: Item) -> None:
    """A single (radio) or multiple choice answer, saved the moment it is chosen."""
    key = wkey(ctx.iid, it.code)
    version, value = ctx.state.base(it.code)
    data = {"iid": ctx.iid, "key": key, "who": author_mark(username()), "guide": guide_data(ctx), "code": it.code,
            "kind": "many" if it.type == "select_multiple" else "one",
            "label": it.label, "required": it.required,
            "options": [[v, it.choice_label(v)] for v in it.choice_values()], "value": value,
            "version": version, "editable": ctx.editable, "clearable": not it.required, "acked": _acked(key),
            "conflicts": _conflict_rows(ctx.guide, ctx.iid, [it.code])}
    _choice(key=key, data=data, default={"queue": None}, on_queue_change=functools.partial(on_queue, ctx.iid, key))
    _catch_up(ctx.iid, key)
