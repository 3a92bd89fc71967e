"""The Anonymisering page: the masked text next to the original (masked spans highlighted) for a
text typed in and for every quote, with why each span was masked (which list or rule); the
always-mask list (names and places the researcher wants masked everywhere) and the never-mask
list (words that are no names or places in this study). All logic is in `coding.anonymise`; the
page's units of work (each its own transaction) in `coding.service`.
"""
from __future__ import annotations

import streamlit as st

from coding import anonymise as an
from coding import service
from ui.common import engine, guide, h, md, require_page, when
from ui.workbench import action, flash, highlight, html_block, need_coder, setup_page, show_flash

KIND_LABELS = {"navn": "Navn (person)", "sted": "Sted"}
TAG_TITLES = {"navn": "navn", "cpr": "CPR-nummer", "telefon": "telefonnummer", "email": "e-mail",
              "adresse": "adresse", "sted": "sted", "sagsnr": "sagsnummer", "fødselsdato": "fødselsdato"}


def anonymiser() -> an.Anonymiser:
    """The built-in lists plus the study's own names and the always-mask list, as stored now."""
    return service.anonymiser(engine())


def side_by_side(a: an.Anonymiser, text: str, key: str) -> None:
    m = a.explain(text)
    left, right = st.columns(2)
    with left:
        st.markdown("**Original**")
        html_block(highlight(m.original, [(s.start, s.end, "bb-masked", TAG_TITLES.get(s.kind, s.kind))
                                          for s in m.spans]), cls=f"bb-text bb-orig-{key}")
    with right:
        st.markdown("**Maskeret**")
        html_block(highlight(m.masked, [(s.start, s.end, "bb-tag", TAG_TITLES.get(s.kind, s.kind))
                                        for s in m.masked_spans]), cls=f"bb-text bb-masked-{key}")
    kinds = sorted({s.kind for s in m.spans})
    st.caption(f"{len(m.spans)} {'sted' if len(m.spans) == 1 else 'steder'} maskeret" + (f" ({', '.join(TAG_TITLES.get(k, k) for k in kinds)})"
                                                     if kinds else ""))
    reasons(m, key)


def reasons(m: an.Masking, key: str) -> None:
    """Why each span was masked; a name or place can be put on the never-mask list from here."""
    if not m.spans:
        return
    st.markdown("**Hvorfor maskeret**")
    for i, sp in enumerate(m.spans):
        c1, c2 = st.columns([5, 1.6], vertical_alignment="center")
        html_block(f'<b>{h(sp.text)}</b> → {h(an.TAGS[sp.kind])} <span class="bb-src">{h(sp.rule)}</span>',
                   cls=f"bb-why bb-why-{key}", where=c1)
        if sp.kind in ("navn", "sted"):
            c2.button("Maskér aldrig", key=f"an_keep_{key}_{i}", on_click=_keep_word, args=(sp.text,),
                      width="stretch",
                      help=f"Sæt «{sp.text}» på listen over ord, der aldrig maskeres i undersøgelsen")


# ---------------------------------------------------------------- callbacks

@action("an_terms")
def _add_term() -> None:
    who = need_coder()
    term = st.session_state.get("an_term") or ""
    kind = st.session_state.get("an_kind") or "navn"
    shown = service.add_mask_term(engine(), term, kind, who)
    st.session_state["an_term"] = ""
    flash("an_terms", "success", f"«{shown}» maskeres nu altid som {'[navn]' if kind == 'navn' else '[sted]'}.")


@action("an_keep")
def _keep_word(word: str) -> None:
    who = need_coder()
    shown = service.add_keep_term(engine(), word, who)
    flash("an_keep", "success", f"«{shown}» maskeres ikke længere i undersøgelsen.")


@action("an_keep")
def _add_keep() -> None:
    who = need_coder()
    shown = service.add_keep_term(engine(), st.session_state.get("an_keep_term") or "", who)
    st.session_state["an_keep_term"] = ""
    flash("an_keep", "success", f"«{shown}» maskeres aldrig i undersøgelsen.")


@action("an_keep")
def _remove_keep(term_id: int) -> None:
    need_coder()
    done = service.remove_mask_term(engine(), term_id)
    flash("an_keep", "success" if done else "info",
          "Fjernet fra listen: ordet maskeres igen, hvor listerne eller reglerne finder det." if done
          else "Ordet var allerede fjernet fra listen.")


@action("an_terms")
def _remove_term(term_id: int) -> None:
    need_coder()
    done = service.remove_mask_term(engine(), term_id)
    flash("an_terms", "success" if done else "info",
          "Fjernet fra listen." if done else "Ordet var allerede fjernet fra listen.")


# ---------------------------------------------------------------- parts

def text_part(a: an.Anonymiser) -> None:
    st.markdown("## Afprøv på en tekst")
    text = st.text_area("Tekst", key="an_text", height=120,
                        placeholder="Fx: Jeg hedder Kim Jensen, mit CPR-nummer er 010203-1234, og I kan ringe på "
                                    "12 34 56 78.")
    if text and text.strip():
        side_by_side(a, text, "text")


def quote_part(a: an.Anonymiser) -> None:
    st.markdown("## Citater")
    rows = service.quote_bank(engine(), guide())
    if not rows:
        st.caption("Ingen citater endnu.")
        return
    masked = [r for r in rows if a.spans(r.text)]
    only = st.checkbox(f"Kun citater med maskeret tekst ({len(masked)} af {len(rows)})", key="an_only_masked",
                       value=True)
    pool = masked if only else rows
    if not pool:
        st.caption("Ingen citater har tekst, der maskeres.")
        return
    by = {r.quote_id: r for r in pool}
    ids = list(by)
    if st.session_state.get("an_quote") not in ids:
        st.session_state["an_quote"] = ids[0]
    qid = st.selectbox("Citat", ids, key="an_quote",
                       format_func=lambda i: f"{by[i].respondent_id} · citat {i} · {by[i].item_label[:60]}")
    side_by_side(a, by[qid].text, "quote")


def term_rows(terms, *, widths: list[float], key: str, on_remove, with_kind: bool = False) -> None:
    """The rows of one of the study's lists: the word (with its kind), who added it and when, «Fjern»."""
    if not terms:
        st.caption("Listen er tom.")
    for t in terms:
        c1, c2 = st.columns(widths, vertical_alignment="center")
        kind = f' <span class="bb-src">{h(KIND_LABELS.get(t.kind, t.kind))}</span>' if with_kind else ""
        html_block(f'<b>{h(t.term)}</b>{kind} <span class="bb-meta">tilføjet af {h(t.added_by or "?")} '
                   f'{h(when(t.added_at))}</span>', where=c1)
        c2.button("Fjern", key=f"{key}_{t.id}", on_click=on_remove, args=(t.id,), width="stretch")


def terms_part() -> None:
    st.markdown("## Maskeres altid")
    st.caption("Navne og steder, som listerne ikke kender (fx personale, lokale stednavne, kaldenavne). De maskeres "
               "overalt, også i starten af en sætning. Stedernes navne og interviewernes navne i undersøgelsen "
               "maskeres automatisk.")
    st.text_input("Navn eller sted", key="an_term", max_chars=an.TERM_MAX)
    c1, c2 = st.columns([3, 1.2], vertical_alignment="center")
    c1.radio("Art", list(an.TERM_KINDS), key="an_kind", format_func=KIND_LABELS.get, horizontal=True,
             label_visibility="collapsed")
    c2.button("Tilføj", key="an_add", on_click=_add_term, type="primary", width="stretch")
    show_flash("an_terms")
    term_rows(service.mask_terms(engine()), widths=[5, 1.2], key="an_rm", on_remove=_remove_term, with_kind=True)


def keep_part() -> None:
    st.markdown("## Maskeres aldrig")
    st.caption("Ord, som listerne eller reglerne tager for et navn eller sted, men som i denne undersøgelse ikke er "
               "det (fx et lokale, et projekt eller et almindeligt ord). De maskeres aldrig, heller ikke i "
               "eksporter. CPR-numre, telefonnumre, e-mail og adresser maskeres altid.")
    c1, c2 = st.columns([3, 1.2], vertical_alignment="bottom")
    c1.text_input("Ord", key="an_keep_term", max_chars=an.TERM_MAX)
    c2.button("Tilføj", key="an_keep_add", on_click=_add_keep, width="stretch")
    show_flash("an_keep")
    term_rows(service.keep_terms(engine()), widths=[3.4, 1.6], key="an_keep_rm", on_remove=_remove_keep)


# ---------------------------------------------------------------- page

def main() -> None:
    require_page("coding")  # originals side by side: raw text
    setup_page("Anonymisering")
    st.caption(md(f"Før citater og fritekst forlader forskerteamet, maskeres de: {an.masked_kinds_text()}. "
                  "Maskeringen er slået til i alle eksporter."))
    a = anonymiser()
    left, right = st.columns([7, 4], gap="large")
    with left:
        text_part(a)
        quote_part(a)
    with right:
        terms_part()
        keep_part()
