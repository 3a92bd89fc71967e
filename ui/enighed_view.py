"""The Enighed page: blind double coding and agreement between two coders.

A coder (the name under «Kodet af») codes respondents without seeing anyone else's values — the
respondent selected on the other workbench pages (`ui.workbench.select_respondent`, ?r= in the URL):
archetype, overall satisfaction and the theme codes. The comparison — per variable observed
agreement, Cohen's kappa and Krippendorff's alpha, the list of disagreements — is shown only
when asked for, and there the coders settle a final value per disagreement (or all agreed units
at once). All logic (and the statistics, from scikit-learn and krippendorff) is in
`coding.agreement`; the page's units of work (each its own transaction) in `coding.service`.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from archetypes.model import ARCHETYPES
from coding import agreement as ag
from coding import service
from report.publication import da3, pct
from ui.common import danish_numbers, engine, guide, h, md, number_table, require_page
from ui.workbench import (action, codebook_entries, flash, html_block, need_coder, respondent_picker,
                          setup_page, show_flash)

PICK = "en_r"
BLANK = ""
ARK, TILF = "arketype", "samlet_tilfredshed"
THEME_LABELS = {"1": "til stede", "0": "ikke til stede"}


def ck(coder: str, rid: str, what: str) -> str:
    """Widget key for one coder and respondent (a short digest: names may hold any character)."""
    d = hashlib.sha1(f"{coder}\x00{rid}".encode()).hexdigest()[:10]
    return f"en_{d}_{what}"


def leaf_codes(entries) -> list:
    parents = {e.parent_key for e in entries if e.parent_key}
    return [e for e in entries if e.key not in parents]


def variable_label(var: str, names: dict[str, str]) -> str:
    if var == ARK:
        return "Arketype"
    if var == TILF:
        return "Samlet tilfredshed"
    key = var.removeprefix(ag.THEME_PREFIX)
    return f"Tema: {names.get(key, key)}"


def value_label(var: str, value: str | None) -> str:
    if value is None:
        return "—"
    if var == ARK:
        return ARCHETYPES[value].name if value in ARCHETYPES else value
    if var == TILF:
        it = guide().items.get(TILF)
        return it.choice_label(value) if it else value
    return THEME_LABELS.get(value, value)


# ---------------------------------------------------------------- callbacks

@action("en_code")
def _save(rid: str, keys: dict[str, str], theme_keys: list[str]) -> None:
    who = need_coder()
    ss = st.session_state
    service.record_blind_coding(  # all or nothing
        engine(), guide(), who, rid, {ARK: ss.get(keys["ark"]) or None, TILF: ss.get(keys["tilf"]) or None},
        themes=(ss.get(keys["tema"]) or []) if ss.get(keys["tema_on"]) else None, theme_codes=theme_keys)
    flash("en_code", "success", f"Din kodning af {rid} er gemt.")


@action("en_settle")
def _settle(kind: str, uid: str, var: str, key: str, note_key: str) -> None:
    who = need_coder()
    value = st.session_state.get(key)
    service.settle(engine(), guide(), (kind, uid), var, value, who, st.session_state.get(note_key) or None)
    flash("en_settle", "success", f"Endelig værdi gemt for {uid}.")


@action("en_settle")
def _settle_agreed(var: str, a: str, b: str) -> None:
    who = need_coder()
    n = service.settle_agreed(engine(), guide(), var, a, b, who)
    flash("en_settle", "success", f"{n} enheder, hvor I er enige, er afklaret.")


# ---------------------------------------------------------------- blind coding

def coding_part(who: str, names: dict[str, str], themes) -> None:
    st.markdown("## Din blinde kodning")
    if not who:
        st.warning("Skriv dit navn under «Kodet af» i sidepanelet. Du ser kun dine egne kodninger — aldrig den "
                   "anden koders.")
        return
    r = respondent_picker(PICK, with_state=False)
    if r is None:
        return
    rid = r.respondent_id
    mine, counts = service.own_coding(engine(), who, rid)
    g = guide()
    keys = {w: ck(who, rid, w) for w in ("ark", "tilf", "tema", "tema_on")}
    theme_keys = [e.key for e in themes]
    if keys["ark"] not in st.session_state:
        st.session_state[keys["ark"]] = mine.get(ARK, BLANK)
        st.session_state[keys["tilf"]] = mine.get(TILF, BLANK)
        st.session_state[keys["tema"]] = [k for k in theme_keys if mine.get(ag.THEME_PREFIX + k) == "1"]
        st.session_state[keys["tema_on"]] = True
    c1, c2 = st.columns(2)
    c1.selectbox("Arketype", [BLANK, *ARCHETYPES], key=keys["ark"],
                 format_func=lambda c: ARCHETYPES[c].name if c else "— ikke kodet —")
    tilf = g.item(TILF)
    c2.selectbox("Samlet tilfredshed", [BLANK, *tilf.choice_values()], key=keys["tilf"],
                 format_func=lambda c: tilf.choice_label(c) if c else "— ikke kodet —")
    st.checkbox("Kod temaer (temaer uden markering registreres som «ikke til stede»)", key=keys["tema_on"])
    st.multiselect("Temaer til stede hos respondenten", theme_keys, key=keys["tema"], format_func=names.get,
                   placeholder="Vælg de temaer, der er til stede")
    st.button("Gem min kodning", key="en_save", on_click=_save, args=(rid, keys, theme_keys), type="primary")
    show_flash("en_code")
    if mine:
        n_theme = sum(1 for v, x in mine.items() if v.startswith(ag.THEME_PREFIX) and x == "1")
        st.caption(f"Gemt for {md(rid)}: arketype {md(value_label(ARK, mine.get(ARK)))}, tilfredshed "
                   f"{md(value_label(TILF, mine.get(TILF)))}, {n_theme} {'tema' if n_theme == 1 else 'temaer'} "
                   "til stede.")
    else:
        st.caption(f"Du har ikke kodet {md(rid)} endnu.")
    if counts:
        st.caption("Kodede værdier pr. koder (kun antal): " + ", ".join(f"{md(c)}: {n}" for c, n in counts.items()))


# ---------------------------------------------------------------- comparison and settlement

def summary_frame(results: list[ag.Agreement], names: dict[str, str]) -> pd.DataFrame:
    def r3(x):
        return None if x is None else round(x, 3)

    rows = [{"Variabel": variable_label(a.variable, names), "Fælles enheder": a.n, "Enige": a.n_agree,
             "Observeret enighed": a.observed, "Cohens kappa": r3(a.kappa),
             "Krippendorffs alpha": r3(a.alpha), "Uenigheder": len(a.disagreements), "Afklaret": a.n_settled,
             "Note": a.message or a.kappa_note or a.alpha_note or ""} for a in results]
    return pd.DataFrame(rows, columns=["Variabel", "Fælles enheder", "Enige", "Observeret enighed", "Cohens kappa",
                                       "Krippendorffs alpha", "Uenigheder", "Afklaret", "Note"])


def disagreement_list(a: ag.Agreement, names: dict[str, str]) -> None:
    var = a.variable
    allowed = ag.allowed_values(var, guide())
    n_open = sum(1 for d in a.disagreements if d.settled is None)
    n_agreed = a.n_agree
    n = len(a.disagreements)
    with st.expander(f"{variable_label(var, names)}: {n} {'uenighed' if n == 1 else 'uenigheder'} "
                     f"({n_open} {'uafklaret' if n_open == 1 else 'uafklarede'})",
                     expanded=n_open > 0):
        if n_agreed:
            st.button(f"Afklar alle enige ({n_agreed})", key=f"en_agreed_{var}", on_click=_settle_agreed,
                      args=(var, a.coder_a, a.coder_b))
        if not a.disagreements:
            st.caption("Ingen uenigheder.")
        for d in a.disagreements:
            c1, c2, c3, c4 = st.columns([4, 3, 3, 1.3], vertical_alignment="bottom")
            settled = f"<br>Afklaret: <b>{h(value_label(var, d.settled))}</b>" if d.settled is not None else ""
            html_block(f"<b>{h(d.label)}</b><br>{h(a.coder_a)}: {h(value_label(var, d.value_a))} · "
                       f"{h(a.coder_b)}: {h(value_label(var, d.value_b))}{settled}", where=c1)
            key = f"en_fin_{var}_{d.unit.kind}_{d.unit.id}"
            note_key = f"en_note_{var}_{d.unit.kind}_{d.unit.id}"
            if st.session_state.get(key) not in allowed:
                st.session_state[key] = d.settled if d.settled in allowed else d.value_a
            c2.selectbox("Endelig værdi", allowed, key=key, format_func=lambda v: value_label(var, v))
            c3.text_input("Note (valgfri)", key=note_key)
            c4.button("Afklar", key=f"en_set_{var}_{d.unit.kind}_{d.unit.id}", on_click=_settle,
                      args=(d.unit.kind, d.unit.id, var, key, note_key), width="stretch")


def compare_part(names: dict[str, str]) -> None:
    st.markdown("## Sammenligning og afklaring")
    on = st.toggle("Vis sammenligningen (viser begge koderes værdier — først når I begge er færdige)",
                   key="en_compare")
    if not on:
        return
    coders = service.coders(engine())
    if len(coders) < 2:
        st.info("Der skal være mindst to kodere, før enigheden kan beregnes.")
        return
    c1, c2 = st.columns(2)
    if st.session_state.get("en_a") not in coders:
        st.session_state["en_a"] = coders[0]
    a = c1.selectbox("Koder A", coders, key="en_a")
    others = [c for c in coders if c != a]
    if st.session_state.get("en_b") not in others:
        st.session_state["en_b"] = others[0]
    b = c2.selectbox("Koder B", others, key="en_b")
    results = service.agreement_summary(engine(), a, b)
    if not results:
        st.info("Ingen variable er dobbeltkodet endnu.")
        return
    number_table(danish_numbers(summary_frame(results, names),  # Danish text, sorted as numbers
                                {"Observeret enighed": lambda x: pct(x, 1), "Cohens kappa": da3,
                                 "Krippendorffs alpha": da3}),
                 hide_index=True, width="stretch", key="en_summary")
    st.caption("Cohens kappa (scikit-learn) og Krippendorffs alpha (nominal, pakken krippendorff) beregnes over de "
               "enheder, begge har kodet. Udefinerede værdier vises tomme med årsagen i «Note».")
    show_flash("en_settle")
    for res in results:
        if res.n:
            disagreement_list(res, names)
    all_coders_part(names)


def all_coders_part(names: dict[str, str]) -> None:
    """Gwet's AC1, kappa and alpha with 95 % intervals among every coder (issue 15)."""
    st.markdown("## Alle kodere: Gwets AC1, Fleiss' kappa og alfa med konfidensintervaller")
    heads, rows = ag.coefficients_rows(service.agreement_coefficients(engine()),
                                       lambda v: variable_label(v, names))
    if not rows:
        return
    num = {h: da3 for h in heads if h in ("Observeret enighed", *[n for _, n in ag.COEFFICIENTS])}
    number_table(danish_numbers(pd.DataFrame(rows, columns=heads), num), hide_index=True, width="stretch",
                 key="en_multi")
    st.caption("Over de enheder, mindst to af koderne har kodet. Gwets AC1, Fleiss' kappa og Krippendorffs alfa "
               "(nominal) med 95 %-konfidensintervaller efter Gwets formler (2014). Cohens kappa for to kodere står i "
               "tabellen ovenfor. Samme tal som "
               "«brugerblik kodeenighed».")


# ---------------------------------------------------------------- page

def main() -> None:
    require_page("coding")
    who = setup_page("Enighed mellem kodere")
    entries = codebook_entries()
    names = {e.key: e.name for e in entries}
    coding_part(who, names, leaf_codes(entries))
    st.divider()
    compare_part(names)
