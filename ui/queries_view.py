"""The Analyser page (issue 15): saturation — new codes per interview, Guest, Namey & Chen's base,
run and threshold, the curve with the point where the threshold is met —, code co-occurrence as a
table and a network, and word frequency (lemmas without stop words) overall, by an attribute or
within a code. The rules are `report.saturation`, `report.cooccurrence` and `report.wordfreq`
(the same numbers as ``brugerblik maetning``, ``samforekomst`` and ``ordfrekvens``); the codings
and texts come from `coding.service`, the respondents (completed interviews) from `report.data`
via the Rapport page's cache. The settings are kept in the URL, so a reload shows the same
analysis.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from coding import service
from report import cooccurrence as CO
from report import saturation as SA
from report import wordfreq as WF
from report.crosstab import crosstab_variables
from report.publication import I_ALT, count, pct, value_label
from report.errors import TableError
from ui.common import danish_numbers, engine, guide, md, number_table, require_page
from ui.report_cache import current_wide
from ui.workbench import codebook_entries, setup_page

K_VIEW, K_BASE, K_RUN, K_THR, K_LEVEL, K_MIN = "q_view", "q_basis", "q_forloeb", "q_taerskel", "q_niveau", "q_mindst"
K_BY, K_CODE, K_TOP = "q_efter", "q_kode", "q_top"
VIEWS = {"maetning": "Mætning", "samforekomst": "Samforekomst", "ordfrekvens": "Ordfrekvens"}
PARAMS = {K_VIEW: "vis", K_BASE: "basis", K_RUN: "forloeb", K_THR: "taerskel", K_LEVEL: "niveau", K_MIN: "mindst",
          K_BY: "efter", K_CODE: "kode", K_TOP: "top"}
DEFAULTS = {K_VIEW: "maetning", K_BASE: SA.DEFAULT.basis, K_RUN: SA.DEFAULT.forloeb,
            K_THR: round(SA.DEFAULT.taerskel * 100), K_LEVEL: "segment", K_MIN: 1, K_BY: "", K_CODE: "", K_TOP: 20}


def _from_url(choices: dict[str, list[str]]) -> None:
    """Each setting from the URL on a fresh session (an unknown or bad value: the default);
    `choices`: the allowed values of the text settings."""
    for key, param in PARAMS.items():
        if key in st.session_state:
            continue
        raw, default = st.query_params.get(param), DEFAULTS[key]
        if isinstance(default, int):
            try:
                value = int(raw) if raw is not None else default
            except ValueError:
                value = default
            st.session_state[key] = value if 0 <= value <= (WF.TOP_MAX if key == K_TOP else 1000) else default
        else:
            allowed = choices.get(key, [])
            st.session_state[key] = raw if raw in allowed else default


def _to_url() -> None:
    for key, param in PARAMS.items():
        st.query_params[param] = str(st.session_state[key])


def _saturation(units, wide) -> None:
    c1, c2, c3 = st.columns(3)
    base = c1.number_input("Basisstørrelse (interview)", min_value=1, max_value=1000, step=1, key=K_BASE,
                           help="De første kodede interview, som ny information måles i forhold til.")
    run = c2.number_input("Forløb (interview)", min_value=1, max_value=1000, step=1, key=K_RUN,
                          help="Så mange interview efter hinanden ses på ad gangen.")
    thr = c3.number_input("Tærskel for ny information (%)", min_value=0, max_value=100, step=1, key=K_THR,
                          help="Mætning: første forløb, hvis nye koder højst er denne andel af basis' koder.")
    _to_url()
    try:
        t = SA.saturation(units, wide, SA.Settings(int(base), int(run), int(thr) / 100))
    except TableError as e:
        st.error(md(str(e)))
        return
    st.markdown(md(SA.note(t)))
    if t.empty:
        st.info("Ingen interview er kodet endnu. Kod segmenter af transskriptioner eller citater under «Kodning».")
        return
    st.plotly_chart(SA.figure_saturation(t), key="q_sat_fig", config={"displaylogo": False})
    st.dataframe(pd.DataFrame({"Nr.": t["nr"], "Respondent": t["respondent_id"], "Dato": t["interview_date"],
                               "Koder": t["koder"], "Nye koder": t["nye_koder"], "Koder i alt": t["kumulativt"]}),
                 hide_index=True, width="stretch", key="q_sat_table")
    if t.attrs["ukodede"]:
        st.caption(f"{t.attrs['ukodede']} afsluttede interview er endnu ikke kodet og indgår ikke.")
    st.caption("Metode: Guest, Namey & Chen (2020), PLOS ONE 15(5): e0232076. Interviewene i den rækkefølge, de "
               "blev holdt (dato, så respondent-id).")


def _cooccurrence(codes, units, wide) -> None:
    c1, c2 = st.columns(2)
    level = c1.selectbox("Forekommer sammen i", list(CO.LEVELS), key=K_LEVEL, format_func=CO.LEVELS.get)
    least = c2.number_input("Mindst antal gange", min_value=1, max_value=1000, step=1, key=K_MIN)
    _to_url()
    try:
        t = CO.cooccurrence(codes, units, wide, level=level, min_count=int(least))
    except TableError as e:
        st.error(md(str(e)))
        return
    unit = "segmenter og citater" if level == "segment" else "respondenter"
    st.caption(f"Tælleenhed: {unit} med begge koder; {t.attrs['enheder']} {unit} har mindst én kode.")
    if t.empty:
        st.info("Ingen to koder forekommer sammen" + (f" mindst {int(least)} gange." if least > 1 else "."))
        return
    own = t.attrs["forekomster"]
    shares = {"Andel af A": ("andel_af_a", "kode_a"), "Andel af B": ("andel_af_b", "kode_b")}
    # a share is the number a click on its heading sorts by; «45 % af 12» is its text (`danish_numbers`)
    number_table(danish_numbers(
        pd.DataFrame({"Kode A": t["navn_a"], "Kode B": t["navn_b"], "Sammen": t["antal"],
                      **{head: t[col] for head, (col, _) in shares.items()}}),
        {"Sammen": count},
        texts={head: [f"{pct(x, 0)} af {count(own[k])}" for x, k in zip(t[col], t[code])]
               for head, (col, code) in shares.items()}),
        hide_index=True, width="stretch", key="q_co_table")
    st.plotly_chart(CO.figure_cooccurrence(t), key="q_co_fig", config={"displaylogo": False})


def _word_frequency(wide, g, names: dict[str, str], attrs: list[str]) -> None:
    c1, c2, c3 = st.columns([2, 2, 1])
    by = c1.selectbox("Én rangordning pr. værdi af", ["", *attrs], key=K_BY,
                      format_func=lambda c: "(ingen: alle respondenter)" if not c else
                      (g.item(c).label if c in g.items else c))
    code = c2.selectbox("Kun tekst kodet med", ["", *names], key=K_CODE,
                        format_func=lambda k: "(alle replikker og citater)" if not k else names[k])
    top = c3.number_input("Antal ord", min_value=1, max_value=WF.TOP_MAX, step=1, key=K_TOP)
    _to_url()
    texts = service.respondent_texts(engine(), code or None, g)
    try:
        t = WF.word_frequency(texts, wide, g, by=by or None, top=int(top))
    except TableError as e:
        st.error(md(str(e)))
        return
    if t.empty:
        st.info("Ingen ord at tælle: ingen transskriptioner eller citater" + (" med koden." if code else "."))
        return
    groups = t.attrs["grupper"]
    table = {}
    for v in groups:
        part = t[t["gruppe"] == v]
        label = "I alt" if v == I_ALT else value_label(g, by, v)
        table[label] = [f"{w} ({n})" for w, n in zip(part["lemma"], part["antal"])]
    longest = max(len(x) for x in table.values())
    st.dataframe(pd.DataFrame({"Nr.": range(1, longest + 1),
                               **{k: v + [""] * (longest - len(v)) for k, v in table.items()}}),
                 hide_index=True, width="stretch", key="q_wf_table")
    st.caption(f"Lemma (antal forekomster). {t.attrs['tekster']} respondentreplikker og citater fra "
               f"{t.attrs['respondenter']} respondenter; navne, CPR-numre, telefonnumre, adresser og steder er fjernet "
               "før optællingen, og stopord (spaCys danske liste) tælles ikke.")
    st.plotly_chart(WF.figure_word_frequency(t, title=f"Hyppigste ord{f' i «{names[code]}»' if code else ''}"),
                    key="q_wf_fig", config={"displaylogo": False})


def main() -> None:
    require_page("coding")
    setup_page("Analyser")
    g = guide()
    names = {e.key: e.name for e in codebook_entries()}
    attrs = crosstab_variables(g)
    _from_url({K_VIEW: list(VIEWS), K_LEVEL: list(CO.LEVELS), K_BY: attrs, K_CODE: list(names)})
    view = st.radio("Vis", list(VIEWS), key=K_VIEW, format_func=VIEWS.get, horizontal=True,
                    label_visibility="collapsed")
    wide = current_wide()  # cached with the Rapport page's: one read of the store
    codes, units = service.all_codings(engine())
    st.caption(md(f"Population: alle afsluttede interview (n = {len(wide)}); kodninger = segmenter af "
                  "transskriptioner og citater med deres koder, som de er sat."))
    if view == "samforekomst":
        _cooccurrence(codes, units, wide)
    elif view == "ordfrekvens":
        _word_frequency(wide, g, names, attrs)
    else:
        _saturation(units, wide)
