"""The Kodning page: one respondent at a time (URL: /kodning?r=<respondent id>).

Everything the researcher needs to code the respondent: every answer and quote, the
respondent's own self-placement, the eight archetype texts; the researcher sets the archetype,
sees the user group the rule gives and why, may override it with a reason, sets the labour
market perspective and the overall judgements (instrument.md section 6), links quotes as
evidence, and reads the audit trail. All logic is in `archetypes.coding`; the page's units of work
(each its own transaction) in `archetypes.service`.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from archetypes import coding, service
from archetypes.model import ARCHETYPES
from survey import interview as svc
from ui.common import engine, guide, h, local, md, require_page, when
from ui.workbench import (action, flash, html_block, need_coder, respondent_label, respondent_picker,
                          respondent_rows, setup_page, show_flash, withdrawn_notice)

PICK = "kod_r"
BLANK = ""
ENTITY_LABELS = {"evidence": "Evidens", "transcript": "Transskription", "settlement": "Afklaring",
                 "quote": "Citat", "import": "Import", "interview": "Interview", "consent": "Samtykke"}


def wk(iid: str, what: str) -> str:
    """Widget key for one respondent (two respondents' widgets never share state)."""
    return f"kod_{iid}_{what}"


def provenance(v: coding.ValueView) -> str:
    if v.value is None:
        return "Ikke kodet."
    who = v.who or "ukendt"
    return f"Sat af {who} · {when(v.at)} · kilde: {v.source_label or v.source or '—'}"


# ---------------------------------------------------------------- callbacks

@action("arketype")
def _set_arketype(iid: str, key: str, stored: str | None) -> None:
    value = st.session_state.get(key) or None
    try:
        who = need_coder()
        service.set_arketype(engine(), guide(), iid, value, who=who)
    except Exception:
        st.session_state[key] = stored or BLANK  # what is shown is what is stored
        raise
    flash("arketype", "success", f"Arketypen er gemt: {ARCHETYPES[value].name if value else 'ikke kodet'}.")


@action("judgement")
def _set_judgement(iid: str, code: str, key: str, stored: str | None) -> None:
    value = st.session_state.get(key) or None
    try:
        who = need_coder()
        service.set_judgement(engine(), guide(), iid, code, value, who=who)
    except Exception:
        st.session_state[key] = stored or BLANK
        raise


@action("group")
def _override(iid: str, group_key: str, reason_key: str) -> None:
    who = need_coder()
    service.override_group(engine(), guide(), iid, st.session_state.get(group_key) or "",
                           st.session_state.get(reason_key) or "", who=who)
    st.session_state[reason_key] = ""
    flash("group", "success", "Brugergruppen er overstyret; begrundelsen er gemt i ændringsloggen.")


@action("group")
def _clear_override(iid: str, reason_key: str) -> None:
    who = need_coder()
    done = service.clear_override(engine(), guide(), iid, who=who, reason=st.session_state.get(reason_key) or None)
    st.session_state[reason_key] = ""
    flash("group", "success" if done else "info",
          "Overstyringen er fjernet; reglen gælder igen." if done else "Der var ingen overstyring.")


@action("evidence")
def _evidence(iid: str, qid: int, key: str, was: bool) -> None:
    on = bool(st.session_state.get(key))
    try:
        who = need_coder()
        service.set_evidence(engine(), iid, qid, on, who=who)
    except Exception:
        st.session_state[key] = was
        raise


@action("nav")
def _step(ids: list[str], rid: str, step: int) -> None:
    i = ids.index(rid) + step
    if 0 <= i < len(ids):
        st.session_state[PICK] = ids[i]


# ---------------------------------------------------------------- parts of the page

def header(v: coding.CodingView) -> None:
    stype = svc.SITE_TYPES.get(v.site_type or "", v.site_type or "—")
    st.markdown(f"## {md(v.respondent_id)}")
    st.caption(f"{md(v.site or '—')} ({stype.lower()}) · interviewer {md(v.interviewer or '—')} · "
               f"{v.interview_date.strftime('%d.%m.%Y') if v.interview_date else 'ingen dato'} · "
               f"{svc.STATUS_LABELS.get(v.status, v.status)} · kilde: {md(v.interview_source)}")


def answers_view(v: coding.CodingView) -> None:
    st.markdown(f"### Svar ({len(v.answers)})")
    if not v.answers:
        st.caption("Ingen svar registreret.")
    section = None
    for a in v.answers:
        if a.section != section:
            section = a.section
            st.markdown(f"**{md(section or 'Andre svar')}**")
        html_block(f'<div class="bb-meta">{h(a.label)}</div><div>{h(a.value_label or a.value)}</div>'
                   f'<div class="bb-meta">{h(provenance(a))}</div>')


def quotes_view(v: coding.CodingView, iid: str) -> None:
    st.markdown(f"### Citater ({len(v.quotes)})")
    show_flash("evidence")
    if not v.quotes:
        st.caption("Ingen citater for denne respondent.")
        return
    can_link = v.arketype.value is not None
    if not can_link:
        st.caption("Sæt arketypen for at knytte citater til den som evidens.")
    for q in v.quotes:
        with st.container(border=True):
            html_block(f'<div class="bb-meta">{h(q.item_label)}</div>«{h(q.text)}»'
                       f'<div class="bb-meta">{h(q.created_by or "")} {h(when(q.created_at))}'
                       f'{" · til rapporten" if q.for_report else ""}</div>')
            key = wk(iid, f"ev_{q.id}")
            st.session_state[key] = q.is_evidence
            st.checkbox("Evidens for arketypen", key=key, disabled=not can_link, on_change=_evidence,
                        args=(iid, q.id, key, q.is_evidence))


def cards(v: coding.CodingView) -> None:
    st.markdown("**De otte arketyper** (rapportens tekster)")
    # two side by side where they fit, else one (CSS: st-key-kod_cards_row): a card 170 px wide broke
    # «beskæftigelsesforanstaltning.» inside the word at 1024×768
    with st.container(height=430, key="kod_cards"), st.container(horizontal=True, key="kod_cards_row"):
        for a in v.archetypes:
            marks = []
            if a.is_self_placement:
                marks.append("valgt af respondenten")
            if a.is_coded:
                marks.append("kodet")
            key = f"card_sel_{a.code}" if a.is_coded else f"card_{a.code}"
            with st.container(border=True, key=key):
                mark = f'<div class="bb-meta">{h(" · ".join(marks))}</div>' if marks else ""
                html_block(f'<div class="bb-card-name">{h(a.name)}</div>{mark}'
                           f'<div class="bb-card-text">{h(a.text)}</div>', cls="bb-card")


def archetype_part(v: coding.CodingView, iid: str) -> None:
    sp = v.self_placement
    st.markdown(f"**Respondentens egen placering:** {md(sp.value_label or 'ikke besvaret')}")
    st.caption(provenance(sp) if sp.value else "Respondenten har ikke placeret sig selv.")
    key = wk(iid, "arketype")
    stored = v.arketype.value
    st.session_state[key] = stored if stored in ARCHETYPES else BLANK
    st.selectbox("Arketype (forskerens kodning)", [BLANK, *ARCHETYPES], key=key,
                 format_func=lambda c: ARCHETYPES[c].name if c else "— ikke kodet —",
                 on_change=_set_arketype, args=(iid, key, stored))
    st.caption(provenance(v.arketype))
    show_flash("arketype")
    cards(v)


def group_part(v: coding.CodingView, iid: str) -> None:
    st.markdown("### Brugergruppe")
    group = md(v.group_name or "ingen (uoplyst)")
    how = "overstyret af forsker" if v.overridden else "efter reglen"
    st.markdown(f"**{group}** · {how}")
    st.markdown(f"Reglen: {md(v.rule.reason)}")
    o = v.override
    if o is not None:
        reason = o.reason or "(ingen begrundelse — værdien kom fra en import)"
        st.info(f"Overstyret til «{md(o.group_name)}» af {md(o.who or 'ukendt')} {when(o.at)}. "
                f"Begrundelse: {md(reason)}" + (" Reglen giver i øvrigt samme gruppe." if o.matches_rule else ""),
                icon=":material/edit_note:")
    with st.expander("Overstyr brugergruppen" if o is None else "Ret eller fjern overstyringen",
                     expanded=o is not None):
        gkey, rkey = wk(iid, "ovr_group"), wk(iid, "ovr_reason")
        codes = [c for c, _ in v.group_choices]
        names = dict(v.group_choices)
        if st.session_state.get(gkey) not in codes:
            st.session_state[gkey] = v.group if v.group in codes else codes[0]
        st.selectbox("Brugergruppe", codes, key=gkey, format_func=names.get)
        st.text_area("Begrundelse (skal udfyldes ved overstyring)", key=rkey, height=80,
                     placeholder="Fx: respondenten er 38, men beskriver sig selv og lever som en af de ældre.")
        c1, c2 = st.columns(2)
        c1.button("Overstyr brugergruppen", key=wk(iid, "ovr_btn"), on_click=_override, args=(iid, gkey, rkey),
                  type="primary")
        if o is not None:
            c2.button("Fjern overstyring (reglen gælder igen)", key=wk(iid, "ovr_clear"), on_click=_clear_override,
                      args=(iid, rkey))
    show_flash("group")


def judgements_part(v: coding.CodingView, iid: str) -> None:
    st.markdown("### Forskerens vurderinger")
    show_flash("judgement")
    # as many side by side as fit whole (CSS: st-key-kod_judg): three fixed columns cut the labels and values
    # at 1024×768 with the sidebar open («Arbejdsmarkedsper|spektiv», «Ikke reelt ar…»)
    with st.container(horizontal=True, key="kod_judg"):
        for code, jv in v.judgements.items():
            with st.container(key=f"kod_j_{code}"):
                choices = dict(v.judgement_choices[code])
                key = wk(iid, code)
                st.session_state[key] = jv.value if jv.value in choices else BLANK
                st.selectbox(jv.label, [BLANK, *choices], key=key,
                             format_func=lambda c, ch=choices: ch[c] if c else "— ikke kodet —",
                             on_change=_set_judgement, args=(iid, code, key, jv.value))
                st.caption(provenance(jv))


def audit_part(v: coding.CodingView) -> None:
    g = guide()
    with st.expander(f"Ændringslog ({len(v.history)})", expanded=False):
        if not v.history:
            st.caption("Ingen ændringer registreret.")
            return

        def show(a, val):
            if val is None:
                return "—"
            return svc.display_value(g, a.code, val) if a.entity == "answer" else val

        rows = [{"Tidspunkt": when(a.at) + (local(a.at).strftime(":%S") if a.at else ""), "Hvem": a.who or "",
                 "Hvad": svc.label_of(g, a.code)[:80] if a.entity == "answer"
                 else f"{ENTITY_LABELS.get(a.entity, a.entity)}: "
                      f"{(svc.quote_question if a.entity == 'quote' else svc.label_of)(g, a.code)[:60]}",
                 "Før": show(a, a.old_value), "Efter": show(a, a.new_value), "Note": a.note or ""}
                for a in v.history]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="kod_audit")


# ---------------------------------------------------------------- page

def main() -> None:
    require_page("coding")
    setup_page("Kodning")
    rows = respondent_rows()
    top = st.columns([4, 1, 1], vertical_alignment="bottom")
    with top[0]:
        r = respondent_picker(PICK, rows, label="Respondent (✔ = arketype kodet)")
    if r is None:
        return
    ids = [x.respondent_id for x in rows]
    top[1].button("← Forrige", key="kod_prev", on_click=_step, args=(ids, r.respondent_id, -1),
                  disabled=ids.index(r.respondent_id) == 0, width="stretch")
    top[2].button("Næste →", key="kod_next", on_click=_step, args=(ids, r.respondent_id, 1),
                  disabled=ids.index(r.respondent_id) == len(ids) - 1, width="stretch")
    show_flash("nav")
    if withdrawn_notice(r):  # issue 12: nothing of theirs is shown
        return
    iid = r.interview_id
    v = service.coding_view(engine(), guide(), iid)
    header(v)
    left, right = st.columns([5, 7], gap="large")
    with left:
        with st.container(height=760, key="kod_read"):
            quotes_view(v, iid)
            answers_view(v)
    with right:
        archetype_part(v, iid)
        group_part(v, iid)
        judgements_part(v, iid)
    audit_part(v)
    st.caption(f"{respondent_label(r)} · {len(ids)} respondenter i alt, "
               f"{sum(x.arketype is not None for x in rows)} med arketype.")
