"""The «Historik» page: a respondent's full audit trail, read-only (`ui.pages.historik`).

Answers changed after completion, the researcher's coding, quotes, transcripts, settled
disagreements, imports, merges of field packages and every consent record — who, when,
before and after (survey.history). For administrators also the changes to users and sites.
It opens on the respondent selected on the other workbench pages (`ui.workbench.select_respondent`;
URL: /historik?r=<respondent id>).

Nothing here writes: the tables are plain `st.dataframe`s (no editor), and there is no button
that changes or deletes an entry. The audit trail is append-only everywhere in the app.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from survey import history
from survey import interview as svc
from ui.common import allows, engine, guide, inject_css, local, md, require_page, when
from ui.workbench import select_respondent

PICK = "hist_r"


def _value(g, row: history.HistoryRow, v: str | None) -> str:
    if v is None:
        return "—"
    if row.kind in ("answer", "coding", "consent") and row.code in g.items:
        return svc.display_value(g, row.code, v)
    if row.kind == "interview" and row.code == "status":
        return svc.STATUS_LABELS.get(v, v)
    return v


def _what(g, row: history.HistoryRow) -> str:
    if row.kind == "quote":  # the question the quote was taken from (a probe row's note: the probe's)
        return svc.quote_question(g, row.code)[:80]
    if row.code in g.items or row.code in svc.EDITABLE_META:
        return svc.label_of(g, row.code)[:80]
    return "" if row.code == "*" else row.code


def frame(g, rows: list[history.HistoryRow]) -> pd.DataFrame:
    return pd.DataFrame([{"Tidspunkt": when(r.at) + local(r.at).strftime(":%S"), "Hvem": r.who or "",
                          "Slags": r.kind_label, "Hvad": _what(g, r), "Før": _value(g, r, r.old_value),
                          "Efter": _value(g, r, r.new_value), "Note": r.note or ""} for r in rows],
                        columns=["Tidspunkt", "Hvem", "Slags", "Hvad", "Før", "Efter", "Note"])


def respondent_part() -> None:
    g = guide()
    refs = history.list_respondents(engine())
    if not refs:
        st.info("Der er ingen respondenter endnu.")
        return
    by = {r.respondent_id: r for r in refs}
    # the respondent chosen on any workbench page (Kodning, Enighed …), or ?r= in the URL
    rid = select_respondent(PICK, list(by), label=f"Respondent ({len(by)})",
                            format_func=lambda r: f"{r} · {by[r].site or '—'} · "
                                                  f"{svc.STATUS_LABELS.get(by[r].status, by[r].status)}")
    rows = history.history_of(engine(), by[rid].interview_id, g)
    kinds = sorted({r.kind_label for r in rows})
    st.markdown(f"**{len(rows)} registreringer** for {md(rid)}" + (f" ({md(', '.join(kinds))})" if kinds else ""))
    if not rows:
        st.caption("Ingen ændringer registreret. Svar i en kladde skrives i revisionssporet, når interviewet er "
                   "afsluttet og genåbnet; forskerens kodning, citater og samtykke altid.")
        return
    st.dataframe(frame(g, rows), hide_index=True, width="stretch", key="hist_table")


def admin_part() -> None:
    g = guide()
    rows = history.admin_history_of(engine())
    st.markdown(f"**{len(rows)} ændringer af brugere og steder** (nyeste først)")
    if rows:
        st.dataframe(frame(g, rows), hide_index=True, width="stretch", key="hist_admin_table")


def main() -> None:
    p = require_page("audit.view")
    inject_css()
    st.title("Historik")
    st.caption("Revisionssporet: hvem ændrede hvad, hvornår, før og efter. Det kan kun læses — ingen kan rette "
               "eller slette det fra appen.")
    if allows(p, "users"):
        t1, t2 = st.tabs(["Respondent", "Brugere og steder"])
        with t1:
            respondent_part()
        with t2:
            admin_part()
    else:
        respondent_part()
