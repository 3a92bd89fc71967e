"""The Mætning page (issue 15): saturation — new codes per interview, Guest, Namey & Chen's base,
run and threshold, the curve with the point where the threshold is met — and code
co-occurrence as a table and a network. The rules are `report.saturation` and
`report.cooccurrence` (the same numbers as ``brugerblik maetning`` and ``brugerblik
samforekomst``); the codings come from `coding.service`, the respondents (completed interviews)
from `report.data` via the Rapport page's cache. The settings are kept in the URL, so a reload
shows the same analysis.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from coding import service
from report import cooccurrence as CO
from report import saturation as SA
from report.errors import TableError
from ui.common import engine, md, require_page
from ui.report_cache import current_wide
from ui.workbench import setup_page

K_VIEW, K_BASE, K_RUN, K_THR, K_LEVEL, K_MIN = "q_view", "q_basis", "q_forloeb", "q_taerskel", "q_niveau", "q_mindst"
VIEWS = {"maetning": "Mætning", "samforekomst": "Samforekomst"}
PARAMS = {K_VIEW: "vis", K_BASE: "basis", K_RUN: "forloeb", K_THR: "taerskel", K_LEVEL: "niveau", K_MIN: "mindst"}
DEFAULTS = {K_VIEW: "maetning", K_BASE: SA.DEFAULT.basis, K_RUN: SA.DEFAULT.forloeb,
            K_THR: round(SA.DEFAULT.taerskel * 100), K_LEVEL: "segment", K_MIN: 1}


def _from_url() -> None:
    """Each setting from the URL on a fresh session (an unknown or bad value: the default)."""
    for key, param in PARAMS.items():
        if key in st.session_state:
            continue
        raw, default = st.query_params.get(param), DEFAULTS[key]
        if isinstance(default, int):
            try:
                value = int(raw) if raw is not None else default
            except ValueError:
                value = default
            st.session_state[key] = value if 0 <= value <= 1000 else default
        else:
            allowed = VIEWS if key == K_VIEW else CO.LEVELS
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
    st.dataframe(pd.DataFrame({"Kode A": t["navn_a"], "Kode B": t["navn_b"], "Sammen": t["antal"],
                               "Andel af A": [f"{x * 100:.0f} % af {own[k]}" for x, k in zip(t["andel_af_a"], t["kode_a"])],
                               "Andel af B": [f"{x * 100:.0f} % af {own[k]}" for x, k in zip(t["andel_af_b"], t["kode_b"])]}),
                 hide_index=True, width="stretch", key="q_co_table")
    st.plotly_chart(CO.figure_cooccurrence(t), key="q_co_fig", config={"displaylogo": False})


def main() -> None:
    require_page("coding")
    setup_page("Mætning og samforekomst")
    _from_url()
    view = st.radio("Vis", list(VIEWS), key=K_VIEW, format_func=VIEWS.get, horizontal=True,
                    label_visibility="collapsed")
    wide = current_wide()  # cached with the Rapport page's: one read of the store
    codes, units = service.all_codings(engine())
    st.caption(md(f"Population: alle afsluttede interview (n = {len(wide)}); kodninger = segmenter af "
                  "transskriptioner og citater med deres koder, som de er sat."))
    if view == "samforekomst":
        _cooccurrence(codes, units, wide)
    else:
        _saturation(units, wide)
