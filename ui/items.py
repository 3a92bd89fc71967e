"""Rendering guide items as widgets; every widget stores its value the moment it changes.

Each widget has an `on_change` callback that calls survey.interview.save_answer at once
(before the page reruns), so no edit waits for a save button or a later rerun. The callback
records "Gemt hh:mm:ss" or, for a refused value, a Danish message shown next to the field;
a refused value is not stored and the typed text stays visible so it can be corrected.

Numbers use `st.text_input` (not `number_input`): the interviewer can type "2,5" or "41",
anything else gets a clear message instead of being silently changed or dropped.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import streamlit as st

from archetypes import ARCHETYPES
from survey import interview as svc
from survey.guide import Guide, Item, multi_values, page_digest
from ui.common import engine, err_key, guide, h, hms, lead_in, md, principal, safe_callback, username, wkey

# shared with ui/autosave.py (which owns them: it cannot import this module)
from ui.autosave import (CONFLICTS, INFORMANT, SAVED, Ctx, answer_callback, answer_label, conflict_words, shown_values, bump_saves, mark_refused, mark_saved, acked_json,  # noqa: E402,F401
                         choice_field, guide_changed, iv_guide, load_ctx, probe_grid, quote_field, refuse_stale,
                         reload_guide, text_field)


def widget_value(it: Item, value: str | None):
    """The stored value as its widget holds it."""
    if it.type == "select_multiple":
        return multi_values(value)
    if it.type == "select_one":
        return value if value in it.choice_values() else None
    if it.type == "decimal":
        return (value or "").replace(".", ",")
    return value or ""


@answer_callback
def on_answer(iid: str, code: str, key: str, drawn: str | None = None) -> None:
    g = iv_guide(iid)
    if code not in g.items:  # a question of the guide the page was drawn with only
        refuse_stale(iid, drawn)
        return
    it = g.item(code)
    raw = st.session_state.get(key)
    res = svc.save_answer(engine(), g, iid, code, raw, who=username(), principal=principal(),
                          base=st.session_state.get(base_key(key)), drawn=drawn)
    label = svc.label_of(g, code) if code in svc.EDITABLE_META else it.label
    if res.guide_changed:
        refuse_stale(iid, drawn)
    elif res.ok:
        st.session_state.pop(err_key(key), None)
        _conflicts(iid).pop(code, None)
        st.session_state[base_key(key)] = (res.version, res.value)
        if it.type in ("text", "integer", "decimal"):
            st.session_state[key] = widget_value(it, res.value)  # show exactly what was stored
        mark_saved(iid, label, res.at)
    elif res.conflict is not None:  # another tab changed it since this one was drawn: the interviewer decides
        _conflicts(iid)[code] = res.conflict
        mark_refused(iid, label, "Svaret er ændret i en anden fane — vælg, hvilket der skal gælde.")
    else:
        st.session_state[err_key(key)] = res.message
        mark_refused(iid, label, res.message)


def base_key(key: str) -> str:
    """Session key of what a widget's tab last saw of its answer in the store: (version, value)."""
    return f"_base_{key}"


def _conflicts(iid: str) -> dict:
    return st.session_state.setdefault(CONFLICTS, {}).setdefault(iid, {})


def follow_conflicts(ctx: Ctx) -> list[tuple[str, str]]:
    """The interview's undecided conflicts are the store's (`InterviewState.conflicts`): those of this tab,
    of a tab that was closed (its closing save was refused: the tab could not say so) and of another
    device; one decided elsewhere goes. (label, section label) of each, in the guide's order."""
    stored = ctx.state.conflicts if ctx.editable else {}
    mine = _conflicts(ctx.iid)
    # the store's (the answer may have changed again since this tab was asked), but still this tab's own — «Dit
    # svar her» — when it is the change this tab had refused
    now = {code: dataclasses.replace(c, stored=False) if code in mine and mine[code].mine == c.mine else c
           for code, c in stored.items()}
    mine.clear()
    mine.update(now)
    out = []
    answers = ctx.state.context()
    for sec in svc.sections(ctx.guide):
        # a question the skip logic hides now cannot be decided here: not named (its conflict stays to decide)
        out += [(answer_label(ctx.guide, it.code), sec.label) for it in sec.items
                if it.code in now and svc.visible(ctx.guide, it, answers)]
    return out


@answer_callback
def on_keep_theirs(iid: str, code: str, key: str) -> None:
    c = _conflicts(iid).pop(code, None)
    if c is None:
        return
    g = iv_guide(iid)
    svc.keep_theirs(engine(), iid, code, c.mine, who=username())
    st.session_state[key] = widget_value(g.item(code), c.theirs)
    st.session_state[base_key(key)] = (c.theirs_version, c.theirs)
    mark_saved(iid, f"{lead_in(g.item(code).label)} det nyere svar er beholdt", svc.utcnow())


@safe_callback
def on_use_mine(iid: str, code: str, key: str) -> None:
    c = _conflicts(iid).get(code)
    if c is None:
        return
    st.session_state[base_key(key)] = (c.theirs_version, c.theirs)
    st.session_state[key] = widget_value(iv_guide(iid).item(code), c.mine)
    on_answer(iid, code, key)


@answer_callback
def on_meta(iid: str, code: str, key: str) -> None:
    raw = st.session_state.get(key)
    res = svc.set_meta(engine(), iid, code, raw, who=username(), principal=principal())
    if res.ok:
        st.session_state.pop(err_key(key), None)
        if code == "interviewer":
            st.session_state[key] = res.value or ""
        mark_saved(iid, svc.label_of(iv_guide(iid), code), res.at)
    else:
        st.session_state[err_key(key)] = res.message
        mark_refused(iid, svc.label_of(iv_guide(iid), code), res.message)


@safe_callback
def on_clear(iid: str, code: str, key: str) -> None:
    st.session_state[key] = None
    on_answer(iid, code, key)


@answer_callback
def on_card(iid: str, code: str, value: str, base: tuple[int, str | None], drawn: str | None = None) -> None:
    """An archetype card was clicked: that card is the answer (the choice below follows), saved against
    the version the cards were drawn with (a newer answer from another tab becomes a conflict) — and only
    with the guide they were drawn with (`drawn`: its page digest)."""
    g = iv_guide(iid)
    res = svc.save_answer(engine(), g, iid, code, value, who=username(), principal=principal(), base=base,
                          drawn=drawn)
    if res.guide_changed:
        refuse_stale(iid, drawn)
    elif res.ok:
        _conflicts(iid).pop(code, None)
        mark_saved(iid, g.item(code).label, res.at)
    elif res.conflict is not None:
        _conflicts(iid)[code] = res.conflict
        mark_refused(iid, g.item(code).label, "Svaret er ændret i en anden fane — vælg, hvilket der skal gælde.")
    else:
        mark_refused(iid, g.item(code).label, res.message)


@safe_callback
def on_quote_report(iid: str, qid: int, key: str) -> None:
    q, msg = svc.update_quote(engine(), iid, qid, for_report=bool(st.session_state.get(key)), who=username())
    if msg:
        mark_refused(iid, "Citat", msg)
    else:
        mark_saved(iid, "Citat til rapporten", svc.utcnow())


@safe_callback
def on_delete_quote(iid: str, qid: int) -> None:
    msg = svc.delete_quote(engine(), iid, qid, who=username())
    if msg and "findes ikke" not in msg:  # already gone (a repeated click): nothing to report
        mark_refused(iid, "Citat", msg)
    else:
        mark_saved(iid, "Citat slettet", svc.utcnow())


# ---------------------------------------------------------------- rendering

def init(key: str, value) -> None:
    """Give a widget its stored value the first time it is drawn (the store is the truth)."""
    if key not in st.session_state:
        st.session_state[key] = value


def question(it: Item, *, css: str = "bb-q") -> None:
    # the star is seen, «påkrævet» is heard (a screen reader read «stjerne»); the field itself says it too
    # (aria-required, ui/static/autotext.js and autochoice.js)
    req = (' <span class="bb-req" aria-hidden="true" title="påkrævet">*</span><span class="bb-sr-only"> (påkrævet)</span>'
           if it.required else "")
    hint = f'<div class="bb-hint">{h(it.hint)}</div>' if it.hint else ""
    st.markdown(f'<div class="{css}">{h(it.label)}{req}</div>{hint}', unsafe_allow_html=True)


def error_for(key: str) -> None:
    msg = st.session_state.get(err_key(key))
    if msg:
        st.markdown(f'<div class="bb-err" role="alert">{h(msg)}</div>', unsafe_allow_html=True)


def answer_widget(ctx: Ctx, it: Item, *, compact: bool = False) -> None:
    """The input for one item, bound to its on_change save."""
    key = wkey(ctx.iid, it.code)
    if it.type not in ("text", "date"):
        follow_store(ctx, it, key)
    common = dict(key=key, on_change=on_answer, args=(ctx.iid, it.code, key, page_digest(ctx.guide)),
                  disabled=not ctx.editable,
                  label_visibility="collapsed")
    if it.type == "text":  # saved while it is typed (issue 10), not only when the field is left
        text_field(ctx, it, multiline=not compact,
                   placeholder="Note …" if compact else "Skriv svaret … (gemmes, mens du skriver)")
        return
    if it.type in ("integer", "decimal"):  # typed like text; the guide's check answers under the field
        text_field(ctx, it, multiline=False, placeholder="tal")
        return
    if it.type in ("select_one", "select_multiple"):  # own component: no widget state a rerun could reset
        choice_field(ctx, it)
        return
    if it.type == "date":  # typed as «05.11.2026»; a journal's dates may lie ahead (`Guide.read_typed`)
        text_field(ctx, it, multiline=False)
        return
    else:  # an unknown type from a newer guide: plain text so nothing is lost
        st.text_input(it.label, **common)
    error_for(key)
    conflict_for(ctx, it, key)


def follow_store(ctx: Ctx, it: Item, key: str) -> None:
    """The widget shows the store's answer: the first time it is drawn, and again when another tab or
    device changed it while nothing is pending here (what this tab shows is still what it last saw)."""
    base = ctx.state.base(it.code)
    bkey = base_key(key)
    if key not in st.session_state or bkey not in st.session_state:
        st.session_state[key] = widget_value(it, base[1])
        st.session_state[bkey] = base
    elif st.session_state[bkey] != base and it.code not in _conflicts(ctx.iid):
        if st.session_state[key] == widget_value(it, st.session_state[bkey][1]):
            st.session_state[key] = widget_value(it, base[1])
            st.session_state[bkey] = base


def conflict_for(ctx: Ctx, it: Item, key: str) -> None:
    """«Ændret i en anden fane kl. 10:42: «Ja». Behold / Brug mit «Nej»» under a widget (issue 10)."""
    c = _conflicts(ctx.iid).get(it.code)
    if c is None:
        return
    text, keep, use = conflict_words(c, *shown_values(ctx.guide, it.code, c))
    with st.container(key=f"conflict_{key}", horizontal=True, vertical_alignment="center"):
        st.markdown(f'<div class="bb-conf-text">{h(text)}</div>', unsafe_allow_html=True)
        st.button(keep, key=f"keep_{key}", on_click=on_keep_theirs, args=(ctx.iid, it.code, key))
        st.button(use, key=f"mine_{key}", on_click=on_use_mine, args=(ctx.iid, it.code, key))


def quotes_popover(ctx: Ctx, it: Item, *, short: bool = False) -> None:
    """The "Citat" button next to a free-text item: the item's verbatim quotes, editable, and a new one."""
    qs = ctx.quotes_by_item.get(it.code, [])
    label = (f"❝ {len(qs)}" if qs else "❝") if short else (f"❝ Citat ({len(qs)})" if qs else "❝ Citat")
    with st.popover(label, help="Gem et ordret citat knyttet til dette spørgsmål", key=f"qp_{ctx.iid}_{it.code}"):
        quotes_panel(ctx, it)


def quotes_panel(ctx: Ctx, it: Item) -> None:
    """An item's verbatim quotes, editable, and a field for a new one (popover or dialog); all saved
    while typed (issue 10)."""
    st.markdown(f"**Citater** · {md(svc.quote_question(ctx.guide, it.code))}")
    for i, q in enumerate(ctx.quotes_by_item.get(it.code, []), start=1):
        quote_editor(ctx, q, label=f"Citat {i}")
    if ctx.editable:
        st.caption("Nyt citat (ordret) — gemmes, mens du skriver; når du forlader feltet, er det klar til det næste.")
        quote_field(ctx, None, it.code, label="Nyt citat (ordret)")


def quote_editor(ctx: Ctx, q: svc.QuoteView, *, label: str) -> None:
    st.caption(label)
    quote_field(ctx, q, q.item_code, label=label)
    rkey = f"qr_{ctx.iid}_{q.id}"
    init(rkey, q.for_report)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.checkbox("Til rapporten", key=rkey, on_change=on_quote_report, args=(ctx.iid, q.id, rkey),
                    disabled=not ctx.editable)
        if ctx.editable:
            st.button("Slet citat", key=f"qd_{ctx.iid}_{q.id}", type="tertiary", on_click=on_delete_quote,
                      args=(ctx.iid, q.id))


def item_block(ctx: Ctx, it: Item) -> None:
    """One question: text, interviewer hint, input and (for free text) the quote button."""
    with st.container(key=f"q_{it.code}"):
        question(it)
        if it.appearance == "arketypekort":
            archetype_cards(ctx, it)
        if svc.quotable(ctx.guide, it.code):
            left, right = st.columns([6, 1], vertical_alignment="top")
            with left:
                answer_widget(ctx, it)
            with right:
                quotes_popover(ctx, it)
        else:
            answer_widget(ctx, it)


def archetype_cards(ctx: Ctx, it: Item) -> None:
    """The eight archetype cards (name and text) to show the respondent; a click on a card records it
    as the self-placement (issue 10: the cards are the choice, not only a picture above a radio list)."""
    chosen = ctx.state.answers.get(it.code)
    cards = [ARCHETYPES[c.value] for c in it.choices if c.value in ARCHETYPES]
    with st.expander("Arketypekortene — vis dem til brugeren, og klik på det kort, brugeren vælger", expanded=True):
        for row in range(0, len(cards), 4):
            cols = st.columns(4)
            for col, a in zip(cols, cards[row:row + 4]):
                with col:
                    sel = a.code == chosen
                    with st.container(key=f"card_sel_{a.code}" if sel else f"card_{a.code}"):
                        st.button(f"{'✓ ' if sel else ''}**{md(a.name)}**\n\n{md(a.text)}", key=f"cardbtn_{a.code}",
                                  on_click=on_card, args=(ctx.iid, it.code, a.code, ctx.state.base(it.code),
                                                          page_digest(ctx.guide)),
                                  width="stretch",
                                  type="primary" if sel else "secondary", disabled=not ctx.editable,
                                  help=f"Vælg «{a.name}» som brugerens eget valg")
