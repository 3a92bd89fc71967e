"""The Citatbank page: every quote with its respondent's user group, site type and theme codes;
search and filter; mark quotes for the report; code quotes (with the tagger's suggestions); export
the shown quotes, anonymised, as XLSX or CSV. All logic is in `coding.quotebank`; the page's units of
work (each its own transaction) in `coding.service`.
"""
from __future__ import annotations

import streamlit as st

from archetypes.model import GROUPS
from coding import quotebank as qb
from coding import service
from survey.files import frame_to_csv, frame_to_xlsx
from ui.common import engine, guide, h, md, require_page
from ui.workbench import (action, code_options, codebook_entries, highlight, html_block, need_coder,
                          setup_page, show_flash, suggestion_rows, suggestion_spans, tagger, training_panel)

PER_PAGE = 20
ALL, MARKED, UNMARKED = "alle", "markerede", "umarkerede"
MARK_LABELS = {ALL: "Alle", MARKED: "Kun markerede til rapporten", UNMARKED: "Kun ikke markerede"}
GROUP_OPTIONS = [*GROUPS, qb.UNKNOWN_GROUP]


def group_label(g: str) -> str:
    return GROUPS[g].name if g in GROUPS else qb.UNKNOWN_GROUP_NAME


def filters() -> dict:
    """The page's filters as quote_bank's keyword arguments."""
    ss = st.session_state
    f: dict = {}
    if (ss.get("cb_search") or "").strip():
        f["search"] = ss["cb_search"]
    if ss.get("cb_group"):
        f["group"] = list(ss["cb_group"])
    if ss.get("cb_stype"):
        f["site_type"] = list(ss["cb_stype"])
    if ss.get("cb_code"):
        f["code"] = ss["cb_code"]
    if ss.get("cb_marked") in (MARKED, UNMARKED):
        f["for_report"] = ss["cb_marked"] == MARKED
    return f


def export_bytes(eng, g, flt: dict, fmt: str) -> bytes:
    """The quotes matching `flt`, anonymised (always), as XLSX or CSV bytes."""
    df = service.export_quotes(eng, g, **flt)
    return frame_to_xlsx(df, "Citater", title="Brugerblik – citater (anonymiseret)") if fmt == "xlsx" \
        else frame_to_csv(df)


# ---------------------------------------------------------------- callbacks

@action("cb")
def _mark(qid: int, key: str, was: bool) -> None:
    try:
        who = need_coder()
        service.mark_for_report(engine(), qid, bool(st.session_state.get(key)), who)
    except Exception:
        st.session_state[key] = was
        raise


@action("sugg")
def _code(qid: int) -> None:
    who = need_coder()
    codes = st.session_state.get(f"cb_codes_{qid}") or []
    service.code_quote(engine(), qid, codes, who, source="manuel")
    st.session_state[f"cb_codes_{qid}"] = []


@action("sugg")
def _uncode(qid: int, code: str) -> None:
    who = need_coder()
    service.uncode_quote(engine(), qid, [code], who)


def _clear_filters() -> None:
    for k, v in (("cb_search", ""), ("cb_group", []), ("cb_stype", []), ("cb_code", ""), ("cb_marked", ALL)):
        st.session_state[k] = v


# ---------------------------------------------------------------- parts

def filter_bar(keys: list[str], label) -> None:
    c1, c2, c3, c4, c5 = st.columns([3, 3, 2, 3, 2], vertical_alignment="bottom")
    c1.text_input("Søg i teksten", key="cb_search", placeholder='Fx rytme eller "dum i arbejde"')
    c2.multiselect("Brugergruppe", GROUP_OPTIONS, key="cb_group", format_func=group_label, placeholder="Alle")
    c3.multiselect("Type af sted", list(qb.SITE_TYPES), key="cb_stype", format_func=qb.SITE_TYPES.get,
                   placeholder="Alle")
    if st.session_state.get("cb_code") not in ["", *keys]:
        st.session_state["cb_code"] = ""
    c4.selectbox("Temakode (med underkoder)", ["", *keys], key="cb_code",
                 format_func=lambda k: label(k) if k else "Alle")
    c5.selectbox("Til rapporten", list(MARK_LABELS), key="cb_marked", format_func=MARK_LABELS.get)


def quote_block(r: qb.QuoteRow, sugg, decided: dict, keys: list[str], label) -> None:
    with st.container(border=True, key=f"cb_q_{r.quote_id}"):
        top, mark = st.columns([8, 2], vertical_alignment="top")
        src = {"forsker": "kodet af forsker", "regel": "efter reglen", "mangler": "mangler"}.get(r.group_source, "")
        html_block(f'<span class="bb-meta">{h(r.respondent_id)} · {h(r.site or "—")} '
                   f'({h(r.site_type_name.lower() or "—")}) · {h(r.group_name)} ({h(src)}) · '
                   f'{h(r.item_label[:90])} · citat {r.quote_id}</span><br>'
                   f'«{highlight(r.text, suggestion_spans(sugg))}»'
                   + (f'<br><span class="bb-meta">Koder: {h(", ".join(r.code_names))}</span>' if r.codes else ""),
                   where=top)
        key = f"cb_rep_{r.quote_id}"
        st.session_state[key] = r.for_report
        mark.checkbox("Til rapporten", key=key, on_change=_mark, args=(r.quote_id, key, r.for_report))
        pending = [s for s in sugg if s.kode not in r.codes and
                   not (decided.get(s.kode) is not None and decided[s.kode].decision == "rejected")]
        with st.expander(f"Kod citatet ({len(r.codes)} koder, {len(pending)} forslag)", expanded=False):
            for k, n in zip(r.codes, r.code_names):
                c1, c2 = st.columns([6, 1.2], vertical_alignment="center")
                html_block(f"✔ <b>{h(n)}</b>", where=c1)
                c2.button("Fjern", key=f"cb_un_{r.quote_id}_{k}", on_click=_uncode, args=(r.quote_id, k),
                          width="stretch")
            suggestion_rows("quote", r.quote_id, r.text, sugg, set(r.codes), decided, f"cb_s_{r.quote_id}")
            c1, c2 = st.columns([6, 1.2], vertical_alignment="bottom")
            c1.multiselect("Kod med", keys, key=f"cb_codes_{r.quote_id}", format_func=label,
                           placeholder="Kod med en eller flere koder …", label_visibility="collapsed")
            c2.button("Kod", key=f"cb_code_{r.quote_id}", on_click=_code, args=(r.quote_id,), width="stretch")


def export_part(flt: dict, n: int) -> None:
    eng, g = engine(), guide()
    st.markdown("## Eksport")
    st.caption(f"De {n} viste citater (filtrene gælder), anonymiseret: navne, CPR-numre, telefonnumre, adresser og "
               "steder er maskeret. Se og ret maskeringen på siden Anonymisering.")
    c1, c2 = st.columns(2)
    c1.download_button("Hent citater (XLSX, anonymiseret)", lambda: export_bytes(eng, g, flt, "xlsx"),
                       file_name="citater_anonymiseret.xlsx", key="cb_dl_xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", disabled=n == 0)
    c2.download_button("Hent citater (CSV, anonymiseret)", lambda: export_bytes(eng, g, flt, "csv"),
                       file_name="citater_anonymiseret.csv", key="cb_dl_csv", on_click="ignore", mime="text/csv",
                       icon=":material/download:", disabled=n == 0)


# ---------------------------------------------------------------- page

def main() -> None:
    require_page("coding")
    setup_page("Citatbank")
    g = guide()
    entries = codebook_entries()
    keys, label = code_options(entries)
    st.session_state.setdefault("cb_marked", ALL)
    filter_bar(keys, label)
    flt = filters()
    total, rows, refused = service.quote_bank_page(engine(), g, **flt)
    if refused:  # a filter value the bank refuses (e.g. a code deleted meanwhile)
        st.error(md(refused))
    c1, c2, c3 = st.columns([4, 2, 2], vertical_alignment="center")
    c1.markdown(f"**Viser {len(rows)} af {total} citater** · {sum(r.for_report for r in rows)} markeret til "
                "rapporten")
    c2.button("Nulstil filtre", key="cb_reset", on_click=_clear_filters)
    n_pages = max(1, -(-len(rows) // PER_PAGE))
    if st.session_state.get("cb_page", 1) > n_pages:
        st.session_state["cb_page"] = 1  # fewer rows after a new filter
    page = c3.selectbox("Side", list(range(1, n_pages + 1)), key="cb_page") if n_pages > 1 else 1
    show_flash("cb")
    show_flash("sugg")
    shown = rows[(page - 1) * PER_PAGE: page * PER_PAGE]
    if total == 0:
        st.info("Der er ingen citater endnu. Citater gemmes under interviewet (knappen «❝ Citat») eller fra en "
                "transskription (knappen «Til citatbanken»).")
    sugg = tagger(entries).suggest_many([r.text for r in shown]) if shown else []
    decided = service.decisions_for(engine(), "quote", [r.quote_id for r in shown])
    for r, sg in zip(shown, sugg):
        quote_block(r, sg, decided[r.quote_id], keys, label)
    export_part(flt, len(rows))
    training_panel("cb_train")
