"""The Matrix page (issue 15): matrix coding — a code or code group × any coded attribute of the
respondents, each cell «kodninger (respondenter)», and a cell opened to read its segments and
quotes. The rule is `report.matrix` (the same numbers as ``brugerblik matrix`` and the workbook's
«Matrixkodning»); the coding data come from `coding.service`, the respondents (completed
interviews) from `report.data`. The choices are kept in the URL (?kode=…&egenskab=…), so a reload
shows the same matrix.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from coding import service
from report import matrix as MX
from report.crosstab import crosstab_variables
from report.errors import TableError
from report.publication import I_ALT, count, value_label
from ui.common import danish_numbers, engine, guide, md, number_table, require_page
from ui.report_cache import current_wide
from ui.workbench import codebook_entries, setup_page

K_CODE, K_ATTR, K_ROW, K_COL = "mx_code", "mx_attr", "mx_row", "mx_col"
PARAMS = {K_CODE: "kode", K_ATTR: "egenskab"}
MAX_SHOWN = 200  # texts shown for one cell (the count above says how many there are)


def _from_url(key: str, options: list[str], default: str) -> None:
    """The widget's value from the URL on a fresh session (an unknown value: the default)."""
    if key not in st.session_state:
        raw = st.query_params.get(PARAMS[key])
        st.session_state[key] = raw if raw in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default


def _to_url() -> None:
    for key, param in PARAMS.items():
        st.query_params[param] = st.session_state[key]


def shown(t: pd.DataFrame, g, attribute: str):
    """The matrix as the page shows it: the code's name, then «kodninger (respondenter)» per value — each
    cell the number of codings, which a click on the heading sorts by (`ui.common.danish_numbers`)."""
    out, texts = {"Kode": list(t["navn"])}, {}
    for v in t.attrs["kolonner"]:
        label = value_label(g, attribute, v)
        out[label] = list(t[f"kodninger_{v}"])
        texts[label] = [f"{count(k)} ({count(r)})" for k, r in zip(t[f"kodninger_{v}"], t[f"respondenter_{v}"])]
    return danish_numbers(pd.DataFrame(out), {}, texts=texts)


def main() -> None:
    require_page("coding")
    setup_page("Matrixkodning")
    g = guide()
    entries = codebook_entries()
    if not entries:
        st.info("Kodebogen er tom. Opret koder under «Kodebog».")
        return
    names = {e.key: e.name for e in entries}
    tops = [e.key for e in entries if not e.parent_key]
    codes = tops + [e.key for e in entries if e.parent_key]
    attrs = crosstab_variables(g)
    _from_url(K_CODE, codes, tops[0] if tops else codes[0])
    _from_url(K_ATTR, attrs, "brugergruppe" if "brugergruppe" in attrs else attrs[0])
    c1, c2 = st.columns(2)
    code = c1.selectbox("Kode eller kodegruppe", codes, key=K_CODE, format_func=lambda k: names.get(k, k),
                        help="En kode med underkoder giver én række pr. underkode.")
    attribute = c2.selectbox("Egenskab ved respondenterne", attrs, key=K_ATTR,
                             format_func=lambda c: g.item(c).label if c in g.items else c)
    _to_url()
    wide = current_wide()  # cached with the Rapport page's: one read of the store
    name, rows, units = service.matrix_units(engine(), code)
    try:
        t = MX.matrix(rows, units, wide, g, attribute)
    except TableError as e:
        st.error(md(str(e)))
        return
    st.caption(md(f"Population: alle afsluttede interview (n = {len(wide)}). Hver celle: kodninger (respondenter) — "
                  "segmenter og citater med rækkens kode eller en kode under den, og hvor mange forskellige "
                  "respondenter de kommer fra."))
    number_table(shown(t, g, attribute), hide_index=True, width="stretch", key="mx_table")
    if t.attrs["udenfor"]:
        st.caption(f"{t.attrs['udenfor']} kodning(er) fra respondenter uden for populationen (kladder eller "
                   "trukket tilbage) er ikke talt med.")
    st.markdown("## Læs en celle")
    row_keys = [*[k for k, _ in rows], I_ALT]
    row_names = {**dict(rows), I_ALT: "I alt"}
    cols = t.attrs["kolonner"]
    if st.session_state.get(K_ROW) not in row_keys:
        st.session_state[K_ROW] = row_keys[0]
    if st.session_state.get(K_COL) not in cols:
        st.session_state[K_COL] = I_ALT
    d1, d2 = st.columns(2)
    row = d1.selectbox("Række (kode)", row_keys, key=K_ROW, format_func=row_names.get)
    col = d2.selectbox("Kolonne", cols, key=K_COL, format_func=lambda v: value_label(g, attribute, v))
    found = MX.cell_units(units, wide, g, attribute, row, col)
    texts = service.unit_texts(engine(), [(k, i) for k, i, _ in found[:MAX_SHOWN]])
    st.caption(f"{len(found)} kodning(er) fra {len({r for _, _, r in found})} respondent(er)"
               + (f"; de første {MAX_SHOWN} vises." if len(found) > MAX_SHOWN else "."))
    if texts:
        st.dataframe(pd.DataFrame({"Respondent": [r for _, _, r, _ in texts],
                                   "Slags": ["Segment" if k == "segment" else "Citat" for k, _, _, _ in texts],
                                   "Tekst": [x for _, _, _, x in texts]}),
                     hide_index=True, width="stretch", key="mx_cell",
                     column_config={"Tekst": st.column_config.TextColumn(width="large")})
