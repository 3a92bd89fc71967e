"""Shared pieces of the coding workbench pages (Kodning, Kodebog, Transskriptioner, Citatbank,
Enighed, Anonymisering): the researcher's name, messages from callbacks, the respondent picker,
the tagger with its trained model, suggestion rows with accept/reject, and highlighted text.

No coding logic lives here (that is in archetypes/ and coding/); only what the pages share to
talk to it; the units of work are `coding.service` and `archetypes.service`, each its own transaction.
Heavy modules (spaCy; `coding.service`, which brings scikit-learn) are imported only by the functions
that need them: Historik and Kilder use this module without them.
"""
from __future__ import annotations

import functools
import json
import logging
from typing import Callable, Iterable

import pandas as pd
import streamlit as st

from report import data as report_data
from survey.db import database_url
from survey.store import StoreError
from report.publication import da3
from ui.common import (danish_numbers, engine, h, inject_css, md, number_table, safe_callback, unexpected, username,
                       when)
from ui.report_cache import on_deletion

log = logging.getLogger("brugerblik.ui")

CODER = "bb_coder"            # the researcher's name for this session (not a widget key: survives page changes)
CODER_W = "_w_bb_coder"       # the sidebar widget that edits it
LAST_R = "bb_last_respondent"  # the shared selection: the respondent last chosen on any workbench page
SHOWN = "_bb_shown_r"          # {picker key: the respondent it showed last} (to tell a change on the page)
FLASH = "_bb_flash"
CV_KEY = "_bb_cv"
NO_CODER = "Skriv dit navn eller dine initialer under «Kodet af» i sidepanelet først — så ved alle, hvem der har kodet."
UNEXPECTED = ("Ændringen blev ikke gemt på grund af en uventet fejl. Prøv igen; genindlæs siden, hvis det bliver "
              "ved.")
SOURCE_LABELS = {"regel": "regel", "model": "model", "regel+model": "regel + model", "manuel": "manuel"}
SITE_TYPES = {"vaerested": "værested", "boform": "boform"}

CSS = """
<style>
mark.bb-regel { background: #fff1a8; padding: 0 0.1rem; border-radius: 2px; }
mark.bb-model { background: #d7e8ff; padding: 0 0.1rem; border-radius: 2px; }
mark.bb-both { background: #c9f0d2; padding: 0 0.1rem; border-radius: 2px; }
mark.bb-masked { background: #ffd9d6; padding: 0 0.1rem; border-radius: 2px; }
mark.bb-tag { background: #d9f2df; padding: 0 0.1rem; border-radius: 2px; font-weight: 600; }
.bb-text { line-height: 1.45; white-space: normal; overflow-wrap: anywhere; }
.bb-meta { color: #5b5f6a; font-size: 0.84rem; }
.bb-src { font-size: 0.76rem; color: #444; background: #eef0f4; border-radius: 3px; padding: 0 0.3rem; }
.bb-tree { line-height: 1.6; }
/* rows that wrap rather than cut a label (1024×768 with the sidebar open): Kodning's judgements side by side
   only as many as fit a choice such as «Ikke reelt arbejdsmarkedsperspektiv» whole, its archetype cards two
   only where a word such as «beskæftigelsesforanstaltning.» fits a line; a transcript segment's «Kod med» and
   memo (its placeholder whole), the two buttons on the next line when the line is too short */
.st-key-kod_judg > [data-testid="stLayoutWrapper"] { flex: 1 1 16.5rem; }
.st-key-kod_cards_row > [data-testid="stLayoutWrapper"] { flex: 1 1 13rem; }
[class*="st-key-tr_row_"] > [class*="st-key-tr_codes_"] { flex: 1 1 14rem; }
[class*="st-key-tr_row_"] > [class*="st-key-tr_memo_"] { flex: 1 1 17rem; }
</style>
"""

# «Acceptér», «Afvis» and «Fortryd» on a suggestion (`suggestion_rows`) take their own row away or change it:
# the pressed button is gone after the rerun, and the browser left the focus on the page's body — a tester
# pressing Enter on «Acceptér» had to tab from the top of the page again. Installed once per tab: such a
# press remembers the controls that came after the button (their widget keys, in the tab order of that
# moment); when the rerun is over and the focus is lost, it goes to the first of them that is still there —
# the next suggestion's «Acceptér», else the segment's (or quote's) next control. After «Fortryd»: the same
# row's «Acceptér». A focus the user has moved meanwhile is never taken.
# A box of fixed height that scrolls and holds only text (Kodning's archetype cards, 430 px) could not be scrolled
# from the keyboard: nothing in it takes the focus (axe: scrollable-region-focusable, serious). It takes the focus
# itself, as a named region (Tab to it, then the arrow keys scroll it). Streamlit draws the box: the attributes are
# set from here, again on every box it draws anew.
SCROLL_REGIONS = {"kod_cards": "De otte arketyper"}
SCROLL_FOCUS_JS = """<script>
(function () {
  if (window.__bbScrollFocus) return;
  window.__bbScrollFocus = true;
  const NAMES = %s;
  const mark = () => {
    for (const [key, name] of Object.entries(NAMES)) {
      document.querySelectorAll('.st-key-' + key + ':not([tabindex])').forEach((e) => {
        e.setAttribute('tabindex', '0');
        e.setAttribute('role', 'region');
        e.setAttribute('aria-label', name);
      });
    }
  };
  mark();
  new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });
})();
</script>""" % json.dumps(SCROLL_REGIONS, ensure_ascii=False)

KEEP_FOCUS_JS = """<script>
(function () {
  if (window.__bbKeepFocus) return;
  window.__bbKeepFocus = true;
  const PRESSED = /^st-key-(.+)_(acc|rej|undo)_(.+)$/;
  const FOCUSABLE = 'button:not([disabled]), input:not([type="hidden"]):not([disabled]), textarea:not([disabled]), '
                  + 'a[href], [tabindex]:not([tabindex="-1"])';
  const SETTLE_MS = 200, GIVE_UP_MS = 15000;
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  function keyOf(el) {  // the widget's own key (its element container's st-key- class), or null
    const c = el.closest('[data-testid="stElementContainer"]');
    return c ? ([...c.classList].find((k) => k.startsWith('st-key-')) || null) : null;
  }
  function scriptState() {
    const a = document.querySelector('[data-testid="stApp"]');
    return a ? a.dataset.testScriptState : '';
  }
  let plan = null;
  function target() {
    for (const k of plan.keys) {
      const box = document.querySelector('.' + CSS.escape(k));
      const el = box && [...box.querySelectorAll(FOCUSABLE)].find(shown);
      if (el) return el;
    }
    return null;
  }
  function watch() {
    if (!plan) return;
    const now = Date.now();
    if (now - plan.at > GIVE_UP_MS) { plan = null; return; }
    if (scriptState() === 'running') { plan.ran = true; plan.idle = 0; }
    else if (!plan.idle) plan.idle = now;
    if ((plan.ran || !plan.button.isConnected) && plan.idle && now - plan.idle >= SETTLE_MS) {
      const a = document.activeElement;
      if (!a || a === document.body) {
        const el = target();
        if (el) {
          el.focus({ preventScroll: !plan.byKey });
          if (plan.byKey) el.scrollIntoView({ block: 'nearest' });
        }
      }
      plan = null;
      return;
    }
    setTimeout(watch, 50);
  }
  window.addEventListener('click', (e) => {
    const button = e.target && e.target.closest && e.target.closest('button');
    const key = button && keyOf(button);
    const m = key && key.match(PRESSED);
    const main = button && button.closest('[data-testid="stMain"]');
    if (!m || !main) return;
    const all = [...main.querySelectorAll(FOCUSABLE)].filter(shown);
    const keys = m[2] === 'undo' ? ['st-key-' + m[1] + '_acc_' + m[3]] : [];
    for (const el of all.slice(all.indexOf(button) + 1)) {
      const k = keyOf(el);
      if (k && !keys.includes(k)) keys.push(k);
    }
    const first = !plan;
    plan = { button, keys, at: Date.now(), byKey: e.detail === 0, ran: false, idle: 0 };
    if (first) setTimeout(watch, 50);
  }, true);
})();
</script>"""


def setup_page(title: str) -> str:
    """CSS, the title and the sidebar's «Kodet af»; returns the researcher's name ('' if none). A link's
    ``?r=<respondent id>`` becomes the shared selection at once: a page that draws its picker only later
    (Enighed, once «Kodet af» is filled in) lost it, and a tester's blind coding was stored for AMA-01
    instead of the linked AMA-05."""
    url = st.query_params.get("r")
    if url:
        st.session_state[LAST_R] = url
    inject_css()
    st.html(CSS)
    # the focus after «Acceptér»; a scrolling box of text only reachable by keyboard (both install themselves once per
    # tab; one st.html: no extra element, no extra gap)
    st.html(KEEP_FOCUS_JS + SCROLL_FOCUS_JS, unsafe_allow_javascript=True)
    st.title(title)
    return coder_sidebar()


# ---------------------------------------------------------------- the researcher

def _keep_coder() -> None:
    st.session_state[CODER] = " ".join(str(st.session_state.get(CODER_W) or "").split())


def coder_sidebar() -> str:
    """The researcher's name, entered once in the sidebar and kept for the session (every page).

    Signed in (a store with users): the user name, not editable — the audit trail records who is
    signed in, never a typed name."""
    signed_in = username()
    if signed_in:
        st.session_state[CODER] = signed_in
        return signed_in
    with st.sidebar:
        st.session_state[CODER_W] = st.session_state.get(CODER, "")
        st.text_input("Kodet af", key=CODER_W, on_change=_keep_coder, max_chars=200,
                      placeholder="Dit navn eller initialer",
                      help="Gemmes ved hver kodning (hvem og hvornår). Skrives én gang pr. session.")
        name = current_coder()
        if not name:
            st.caption(":orange[Skriv dit navn, før du koder.]")
    return name


def current_coder() -> str:
    return username() or st.session_state.get(CODER) or ""


def need_coder() -> str:
    """The researcher's name, or a StoreError with the Danish message (shown by `action`)."""
    name = current_coder()
    if not name:
        raise StoreError(NO_CODER)
    return name


# ---------------------------------------------------------------- messages from callbacks

def flash(area: str, kind: str, message: str) -> None:
    st.session_state.setdefault(FLASH, {}).setdefault(area, []).append((kind, message))


def show_flash(area: str) -> None:
    """Messages left by a callback for this part of the page (shown once)."""
    shown = {"error": st.error, "success": st.success, "info": st.info, "warning": st.warning}
    for kind, message in (st.session_state.get(FLASH) or {}).pop(area, []):
        shown.get(kind, st.info)(md(message))


def action(area: str) -> Callable:
    """A widget callback: a refused change (StoreError) becomes its Danish message, anything else
    a Danish "not saved" (only the exception type is logged: texts are personal data)."""
    def deco(fn: Callable) -> Callable:
        @safe_callback
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except StoreError as e:
                flash(area, "error", str(e))
            except Exception as e:  # never a traceback
                log.error("fejl i %s: %s", fn.__name__, type(e).__name__)
                flash(area, "error", unexpected(e, UNEXPECTED))
        return wrapper
    return deco


# ---------------------------------------------------------------- respondents

def respondent_rows():
    from archetypes import service  # loaded when used (start-up time of the app's first page)

    return service.respondents(engine())


def respondent_label(r) -> str:
    stype = SITE_TYPES.get(r.site_type or "", r.site_type or "")
    return f"{r.respondent_id} · {r.site or '—'}" + (f" ({stype})" if stype else "")


def select_respondent(key: str, ids: list[str], *, label: str, format_func: Callable[[str], str]) -> str:
    """The respondent selectbox every workbench page uses (Kodning, Transskriptioner, Enighed,
    Kilder, Historik …): one shared selection, so each page opens on the respondent chosen last
    on any of them. Which one is shown, in this order:

    1. a change made on this page since its last run (the selectbox, or a button such as «Næste»
       that sets `key`);
    2. the URL's ``?r=<respondent id>`` (a link or a reload);
    3. the shared selection (`LAST_R`, the session's last choice on any page);
    4. the one the page showed before, else the first.

    The shown respondent becomes the shared selection (unless it is only the fallback of 4 on a
    page that does not list the shared one) and is written to the URL, so a reload returns to it.
    `ids` must not be empty."""
    ss = st.session_state
    shown = ss.setdefault(SHOWN, {})
    current, url, shared = ss.get(key), st.query_params.get("r"), ss.get(LAST_R)
    if current in ids and current != shown.get(key):
        rid, share = current, True
    elif url in ids:
        rid, share = url, True
    elif shared in ids:
        rid, share = shared, True
    else:
        rid, share = (current if current in ids else ids[0]), False
    if url and url not in ids:
        # a link or a reload to a respondent this page does not list (deleted, or not relevant here):
        # say so rather than silently show another one; the id in the URL is not repeated
        st.warning(f"Respondenten i linket er ikke blandt denne sides respondenter (slettet, eller ikke "
                   f"relevant her). Siden viser {md(rid)}.")
    if ss.get(key) != rid:
        ss[key] = rid
    rid = st.selectbox(label, ids, key=key, format_func=format_func)
    shown[key] = rid
    if share:
        ss[LAST_R] = rid
    if st.query_params.get("r") != rid:
        st.query_params["r"] = rid
    return rid


def respondent_picker(key: str, rows=None, *, label: str = "Respondent", with_state: bool = True):
    """A selectbox of respondents (`select_respondent`: the shared selection, kept in the URL as
    ?r=<respondent id>, so a reload returns to it and it follows the researcher to the other
    workbench pages). None if there are none."""
    rows = respondent_rows() if rows is None else rows
    if not rows:
        st.info("Der er ingen respondenter endnu. Gennemfør et interview, importér data eller indlæs "
                "demoundersøgelsen (`brugerblik demo`).")
        return None
    by = {r.respondent_id: r for r in rows}
    mark = {True: " ✔", False: ""}
    rid = select_respondent(key, list(by), label=label,
                            format_func=lambda r: respondent_label(by[r]) + (mark[by[r].arketype is not None]
                                                                             if with_state else ""))
    return by[rid]


def withdrawn_notice(r) -> bool:
    """Issue 12: a respondent who withdrew consent to the interview — the workbench pages (Kodning,
    Transskriptioner) show nothing of theirs, as Kilder does: a notice instead, and True."""
    from survey import privacy  # loaded when used (start-up time of the app's first page)

    on = privacy.interview_withdrawn_on(engine(), r.interview_id)
    if on is None:
        return False
    st.info(f"**{md(r.respondent_id)}** har trukket samtykket til interviewet tilbage ({on.strftime('%d.%m.%Y')}): "
            "respondentens svar, citater og transskriptioner vises ikke, udelades af alle eksporter og kan ikke "
            "ændres. De kan slettes under «Samtykke og sletning» nederst på siden *Kilder*.")
    return True


# ---------------------------------------------------------------- highlighted text

def highlight(text: str, spans: Iterable[tuple[int, int, str, str]]) -> str:
    """`text` as escaped HTML with the spans (start, end, css class, title) marked; overlaps skipped."""
    out, last = [], 0
    for a, b, cls, title in sorted(spans, key=lambda x: (x[0], -x[1])):
        if a < last or b <= a:
            continue
        out.append(h(text[last:a]))
        out.append(f'<mark class="{cls}" title="{h(title)}">{h(text[a:b])}</mark>')
        last = b
    out.append(h(text[last:]))
    return "".join(out).replace("\n", "<br>")


def html_block(inner: str, cls: str = "bb-text", where=None) -> None:
    """Escaped HTML (built with `h`/`highlight`) in a <div>: markdown is not applied inside an HTML
    block, so user text is shown exactly as typed."""
    (where or st).markdown(f'<div class="{cls}">{inner}</div>', unsafe_allow_html=True)


# ---------------------------------------------------------------- tagger and model

@st.cache_resource(show_spinner=False)
def _model_slots() -> dict:
    """The trained model per database (process-wide: every researcher on this server uses it), with the
    store's deletion stamp when it was trained: {url: (stamp, model)}."""
    return {}


def current_model():
    """The model trained on this store — unless the store deleted something since (a respondent, the raw
    data; `report.data.deletion_revision`): then the model, and every other model or tagging pipeline
    this process keeps, is dropped (it learnt from, and its vocabulary holds, the deleted text), and the
    researcher trains again on what is left."""
    slots = _model_slots()
    url = database_url()
    held = slots.get(url)
    if held is None:
        return None
    stamp, model = held
    if stamp != report_data.deletion_revision(engine()):
        slots.pop(url, None)
        forget_trained()
        return None
    return model


@on_deletion
def forget_trained() -> None:
    """Drop the models and tagging pipelines this process keeps (`coding.nlp.forget_trained`), and the shared
    anonymiser's words (`coding.anonymise.forget_seen`)."""
    import sys

    _model_slots().clear()
    nlp = sys.modules.get("coding.nlp")  # not imported: nothing of it is held (and spaCy stays unloaded)
    if nlp is not None:
        n = nlp.forget_trained()
        log.info("data slettet i databasen: %d modeller og tagger-pipelines glemt", n)
    anonymise = sys.modules.get("coding.anonymise")  # the shared anonymiser's words of the texts it masked
    if anonymise is not None:
        anonymise.forget_seen()


def seed_codebook() -> None:
    """The report's themes in the codebook the first time it is read while empty, once per store
    (`coding.codebook.seed_on_first_use`); a failure is logged by type only and the page goes on."""
    from coding import codebook  # loaded when used (start-up time of the app's first page)

    try:
        n = codebook.seed_on_first_use(engine())
    except Exception as e:  # the page still works with an empty codebook
        log.error("kodebogen kunne ikke oprettes: %s", type(e).__name__)
        return
    if n:
        log.info("kodebogen oprettet med rapportens temaer: %d koder", n)


def codebook_entries(seed: bool = True):
    """The store's codebook as plain entries (with `seed`: the report's themes on first use)."""
    from coding import service  # loaded when used (start-up time of the app's first page)

    if seed:
        seed_codebook()
    return service.codebook_entries(engine())


def tagger(entries=None):
    """Suggestions from the codebook's cue words (rules) and, once trained, the model."""
    from coding.nlp import Tagger  # spaCy: only when tagging (start-up time)

    return Tagger(entries if entries is not None else codebook_entries(), model=current_model())


def suggestion_spans(sugg) -> list[tuple[int, int, str, str]]:
    cls = {"regel": "bb-regel", "model": "bb-model", "regel+model": "bb-both"}
    return [(a, b, cls.get(s.kilde, "bb-regel"), f"{s.navn} ({SOURCE_LABELS.get(s.kilde, s.kilde)})")
            for s in sugg for a, b in s.spans]


@action("train")
def _train() -> None:
    from coding import service  # loaded when used (start-up time of the app's first page)
    # spaCy: only when tagging (start-up time)
    from coding.nlp import MIN_TRAIN_TEXTS, NlpError, cross_validate, train_from_decisions

    stamp = report_data.deletion_revision(engine())  # before the data: a deletion meanwhile drops the model
    data, names = service.training_data(engine())
    if len(data) < MIN_TRAIN_TEXTS:
        flash("train", "warning", f"For få beslutninger at træne på: {len(data)} tekster med accepterede eller "
                                  f"afviste koder (mindst {MIN_TRAIN_TEXTS}). Acceptér eller afvis flere forslag.")
        return
    try:
        model = train_from_decisions(data)
        if model is None:
            flash("train", "warning", "Ingen kode har endnu mindst 3 accepterede og 1 afvist eksempel — "
                                      "modellen kan ikke trænes. Acceptér eller afvis flere forslag.")
            return
        cv = cross_validate(data, k=min(5, len(data)))
    except NlpError as e:
        flash("train", "error", str(e))
        return
    _model_slots()[database_url()] = (stamp, model)
    st.session_state[CV_KEY] = (cv, names)
    flash("train", "success", f"Modellen er trænet på {model.n_texts} tekster ({len(model.labels)} koder) på "
                              f"{f'{model.seconds:.1f}'.replace('.', ',')} s. Forslag fra modellen er markeret «model».")


def cv_frame(cv, names: dict[str, str]) -> pd.DataFrame:
    rows = [{"Kode": names.get(sc.kode, sc.kode), "Præcision": sc.precision, "Genkaldelse": sc.recall,
             "F1": sc.f1, "Positive": sc.support, "Negative": sc.negatives, "Note": sc.note}
            for sc in cv.scores + ([cv.micro] if cv.micro else [])]
    return pd.DataFrame(rows, columns=["Kode", "Præcision", "Genkaldelse", "F1", "Positive", "Negative", "Note"])


def training_panel(key: str) -> None:
    """The «Træn model» button and the cross-validated precision and recall per code."""
    with st.container(border=True):
        st.markdown("## Model fra dine beslutninger")
        st.caption("Træner en tekstklassifikator (spaCy textcat_multilabel, ord og ordpar, små bogstaver) på de "
                   "koder, der er accepteret og afvist, og måler præcision og genkaldelse pr. kode ved "
                   "krydsvalidering mod forskernes egne koder.")
        st.button("Træn model", key=key, on_click=_train, icon=":material/model_training:")
        show_flash("train")
        got = st.session_state.get(CV_KEY)
        model = current_model()
        if model is not None:
            st.caption(f"Aktiv model: {model.n_texts} tekster, koder: {len(model.labels)}.")
        if got:
            cv, names = got
            st.markdown(f"**Krydsvalidering:** {cv.k} fold, {cv.n_texts} tekster, tærskel {da3(cv.threshold)}.")
            number_table(danish_numbers(cv_frame(cv, names), {"Præcision": da3, "Genkaldelse": da3, "F1": da3}),
                         hide_index=True, width="stretch", key=f"{key}_cv")


# ---------------------------------------------------------------- suggestions with accept / reject

@action("sugg")
def _accept(kind: str, target_id, code: str, source: str) -> None:
    from coding import service  # loaded when used (start-up time of the app's first page)

    who = need_coder()
    service.accept_suggestion(engine(), kind, target_id, code, who, source=source)


@action("sugg")
def _reject(kind: str, target_id, code: str, source: str, text: str) -> None:
    from coding import service  # loaded when used (start-up time of the app's first page)

    who = need_coder()
    service.reject_suggestion(engine(), kind, target_id, code, who, source=source, text=text)


@action("sugg")
def _undo(kind: str, target_id, code: str) -> None:
    from coding import service  # loaded when used (start-up time of the app's first page)

    need_coder()
    service.undo_decision(engine(), kind, target_id, code)


def suggestion_rows(kind: str, target_id, text: str, sugg, coded: set[str], decided: dict, prefix: str) -> None:
    """Each suggestion with its source and the words that triggered it; Acceptér / Afvis (a code
    already on the target is not suggested again; a rejected one can be undone)."""
    shown = [s for s in sugg if s.kode not in coded]
    if not shown:
        return
    for sg in shown:
        d = decided.get(sg.kode)
        words = ", ".join(f"«{w}»" for w in sg.ord) if sg.ord else "—"
        score = f" · {da3(sg.score)}" if sg.score is not None else ""
        c1, c2, c3 = st.columns([6, 1.3, 1.3], vertical_alignment="center")
        html_block(f'<b>{h(sg.navn)}</b> <span class="bb-src">{h(SOURCE_LABELS.get(sg.kilde, sg.kilde))}{score}'
                   f'</span> <span class="bb-meta">ord: {h(words)}</span>'
                   + (f' <span class="bb-meta">· afvist af {h(d.who or "?")} {h(when(d.at))}</span>'
                      if d is not None and d.decision == "rejected" else ""), where=c1)
        if d is not None and d.decision == "rejected":
            c3.button("Fortryd", key=f"{prefix}_undo_{sg.kode}", on_click=_undo, args=(kind, target_id, sg.kode),
                      width="stretch")
            continue
        c2.button("Acceptér", key=f"{prefix}_acc_{sg.kode}", on_click=_accept,
                  args=(kind, target_id, sg.kode, sg.kilde), type="primary", width="stretch")
        c3.button("Afvis", key=f"{prefix}_rej_{sg.kode}", on_click=_reject,
                  args=(kind, target_id, sg.kode, sg.kilde, text), width="stretch")


def code_options(entries) -> tuple[list[str], Callable[[str], str]]:
    """Code keys in codebook order and a label function that shows the hierarchy."""
    by = {e.key: e for e in entries}

    def label(k: str) -> str:
        e = by.get(k)
        if e is None:
            return k
        return f"{by[e.parent_key].name} › {e.name}" if e.parent_key in by else e.name

    return [e.key for e in entries], label
