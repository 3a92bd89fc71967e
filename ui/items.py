"""Rendering guide items as widgets; every widget stores its value the moment it changes.

Each widget has an `on_change` callback that calls survey.interview.save_answer at once
(before the page reruns), so no edit waits for a save button or a later rerun. The callback
records "Gemt hh:mm:ss" or, for a refused value, a Danish message shown next to the field;
a refused value is not stored and the typed text stays visible so it can be corrected.

Numbers use `st.text_input` (not `number_input`): the interviewer can type "2,5" or "41",
anything else gets a clear message instead of being silently changed or dropped.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import streamlit as st

from survey import interview as svc
from survey.guide import Guide, Item, multi_values
from ui.common import engine, err_key, guide, h, md, principal, safe_callback, username, wkey

# shared with ui/autosave.py (which owns them: it cannot import this module)
from ui.autosave import INFORMANT, SAVED, Ctx, _n, _refused, _saved, iv_guide, probe_grid, text_field  # noqa: E402,F401


def widget_value(it: Item, value: str | None):
    """The stored value as its widget holds it."""
    if it.type == "select_multiple":
        return multi_values(value)
    if it.type == "select_one":
        return value if value in it.choice_values() else None
    if it.type == "date":
        try:
            return dt.date.fromisoformat(value) if value else None
        except ValueError:
            return None
    if it.type == "decimal":
        return (value or "").replace(".", ",")
    return value or ""


@safe_callback
def on_answer(iid: str, code: str, key: str) -> None:
    g = iv_guide(iid)
    it = g.item(code)
    raw = st.session_state.get(key)
    if isinstance(raw, dt.date):
        raw = raw.isoformat()
    res = svc.save_answer(engine(), g, iid, code, raw, who=username(), principal=principal())
    label = svc.label_of(g, code) if code in svc.EDITABLE_META else it.label
    if res.ok:
        st.session_state.pop(err_key(key), None)
        if it.type in ("text", "integer", "decimal"):
            st.session_state[key] = widget_value(it, res.value)  # show exactly what was stored
        _saved(iid, label, res.at)
    else:
        st.session_state[err_key(key)] = res.message
        _refused(iid, label, res.message)


@safe_callback
def on_meta(iid: str, code: str, key: str) -> None:
    raw = st.session_state.get(key)
    res = svc.set_meta(engine(), iid, code, raw, who=username(), principal=principal())
    if res.ok:
        st.session_state.pop(err_key(key), None)
        if code == "interviewer":
            st.session_state[key] = res.value or ""
        _saved(iid, svc.label_of(iv_guide(iid), code), res.at)
    else:
        st.session_state[err_key(key)] = res.message
        _refused(iid, svc.label_of(iv_guide(iid), code), res.message)


@safe_callback
def on_clear(iid: str, code: str, key: str) -> None:
    g = iv_guide(iid)
    res = svc.save_answer(engine(), g, iid, code, None, who=username(), principal=principal())
    if res.ok:
        st.session_state[key] = None
        _saved(iid, g.item(code).label + " (ryddet)", res.at)
    else:
        _refused(iid, g.item(code).label, res.message)


@safe_callback
def on_new_quote(iid: str, code: str, key: str) -> None:
    text = st.session_state.get(key) or ""
    if not text.strip():
        return
    # Streamlit can fire a callback twice when a rerun is interrupted by the next one; answers are
    # idempotent, a new quote is not: the same text from the same field is stored once.
    done_key = f"_added_{key}"
    if st.session_state.get(done_key) == text:
        st.session_state[key] = ""
        return
    q, msg = svc.add_quote(engine(), iv_guide(iid), iid, code, text, who=username())
    if q is None:
        st.session_state[err_key(key)] = msg
        _refused(iid, "Citat", msg)
        return
    st.session_state.pop(err_key(key), None)
    st.session_state[key] = ""
    st.session_state[done_key] = text
    _saved(iid, "Citat", q.updated_at)


@safe_callback
def on_quote_text(iid: str, qid: int, key: str) -> None:
    q, msg = svc.update_quote(engine(), iid, qid, text=st.session_state.get(key) or "", who=username())
    if msg:
        st.session_state[err_key(key)] = msg
        _refused(iid, "Citat", msg)
        return
    st.session_state.pop(err_key(key), None)
    if q is not None:
        st.session_state[key] = q.text
    _saved(iid, "Citat" if q is not None else "Citat slettet", svc.utcnow())


@safe_callback
def on_quote_report(iid: str, qid: int, key: str) -> None:
    q, msg = svc.update_quote(engine(), iid, qid, for_report=bool(st.session_state.get(key)), who=username())
    if msg:
        _refused(iid, "Citat", msg)
    else:
        _saved(iid, "Citat til rapporten", svc.utcnow())


@safe_callback
def on_delete_quote(iid: str, qid: int) -> None:
    msg = svc.delete_quote(engine(), iid, qid, who=username())
    if msg and "findes ikke" not in msg:  # already gone (a repeated click): nothing to report
        _refused(iid, "Citat", msg)
    else:
        _saved(iid, "Citat slettet", svc.utcnow())


# ---------------------------------------------------------------- rendering

def init(key: str, value) -> None:
    """Give a widget its stored value the first time it is drawn (the store is the truth)."""
    if key not in st.session_state:
        st.session_state[key] = value


def question(it: Item, *, css: str = "bb-q") -> None:
    req = ' <span class="bb-req" title="obligatorisk">*</span>' if it.required else ""
    hint = f'<div class="bb-hint">{h(it.hint)}</div>' if it.hint else ""
    st.markdown(f'<div class="{css}">{h(it.label)}{req}</div>{hint}', unsafe_allow_html=True)


def error_for(key: str) -> None:
    msg = st.session_state.get(err_key(key))
    if msg:
        st.markdown(f'<div class="bb-err" role="alert">{h(msg)}</div>', unsafe_allow_html=True)


def answer_widget(ctx: Ctx, it: Item, *, compact: bool = False) -> None:
    """The input for one item, bound to its on_change save."""
    key = wkey(ctx.iid, it.code)
    value = ctx.state.answers.get(it.code)
    if it.type != "text":
        init(key, widget_value(it, value))
    common = dict(key=key, on_change=on_answer, args=(ctx.iid, it.code, key), disabled=not ctx.editable,
                  label_visibility="collapsed")
    if it.type == "text":  # saved while it is typed (issue 10), not only when the field is left
        text_field(ctx, it, multiline=not compact,
                   placeholder="Note …" if compact else "Skriv svaret … (gemmes, mens du skriver)")
    elif it.type in ("integer", "decimal"):
        st.text_input(it.label, width=220, placeholder="tal", **common)
    elif it.type == "date":
        st.date_input(it.label, format="DD.MM.YYYY", width=220, **common)
    elif it.type == "select_one":
        opts = it.choice_values()
        if compact:
            st.radio(it.label, opts, index=None, format_func=it.choice_label, horizontal=True, **common)
        else:
            with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
                st.radio(it.label, opts, index=None, format_func=it.choice_label, horizontal=True, **common)
                if value is not None and ctx.editable and not it.required:
                    st.button("Ryd", key=f"clr_{key}", type="tertiary", on_click=on_clear,
                              args=(ctx.iid, it.code, key), help="Fjern svaret (ikke besvaret)")
    elif it.type == "select_multiple":
        st.pills(it.label, it.choice_values(), selection_mode="multi", format_func=it.choice_label, **common)
    else:  # an unknown type from a newer guide: plain text so nothing is lost
        st.text_input(it.label, **common)
    error_for(key)


def quotes_popover(ctx: Ctx, it: Item, *, short: bool = False) -> None:
    """The "Citat" button next to a free-text item: the item's verbatim quotes, editable, and a new one."""
    qs = ctx.quotes_by_item.get(it.code, [])
    label = (f"❝ {len(qs)}" if qs else "❝") if short else (f"❝ Citat ({len(qs)})" if qs else "❝ Citat")
    with st.popover(label, help="Gem et ordret citat knyttet til dette spørgsmål", key=f"qp_{ctx.iid}_{it.code}"):
        quotes_panel(ctx, it)


def quotes_panel(ctx: Ctx, it: Item) -> None:
    """An item's verbatim quotes, editable, and a field for a new one (popover or dialog)."""
    st.markdown(f"**Citater** · {md(svc.label_of(ctx.guide, it.code))}")
    for i, q in enumerate(ctx.quotes_by_item.get(it.code, []), start=1):
        quote_editor(ctx, q, label=f"Citat {i}")
    if ctx.editable:
        key = f"qn_{ctx.iid}_{it.code}"
        init(key, "")
        st.text_area("Nyt citat (ordret)", key=key, height=90, on_change=on_new_quote,
                     args=(ctx.iid, it.code, key),
                     placeholder="Skriv brugerens ord præcist … (gemmes, når du forlader feltet eller "
                                 "trykker Ctrl+Enter)")
        error_for(key)


def quote_editor(ctx: Ctx, q: svc.QuoteView, *, label: str) -> None:
    key = f"qt_{ctx.iid}_{q.id}"
    init(key, q.text)
    st.text_area(label, key=key, height=80, on_change=on_quote_text, args=(ctx.iid, q.id, key),
                 disabled=not ctx.editable, help="Tøm feltet for at slette citatet")
    error_for(key)
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
    """The eight archetype cards (name and text) to show the respondent before the self-placement."""
    from archetypes import ARCHETYPES

    chosen = ctx.state.answers.get(it.code)
    cards = [ARCHETYPES[c.value] for c in it.choices if c.value in ARCHETYPES]
    with st.expander("Arketypekortene — vis dem til brugeren", expanded=True):
        for row in range(0, len(cards), 4):
            cols = st.columns(4)
            for col, a in zip(cols, cards[row:row + 4]):
                with col:
                    sel = a.code == chosen
                    with st.container(border=True, key=f"card_sel_{a.code}" if sel else f"card_{a.code}"):
                        mark = "✓ " if sel else ""
                        st.markdown(f'<div class="bb-card-name">{mark}{h(a.name)}</div>'
                                    f'<div class="bb-card-text">{h(a.text)}</div>', unsafe_allow_html=True)
