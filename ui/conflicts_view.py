"""The «Feltpakker» tab of the Administration page: merge conflicts that wait for a person.

A field package's interview that `brugerblik merge` could not bring in without choosing between two
versions is kept as a conflict (`survey.sync`): both versions are stored, and the laptop's is in no
report until it is settled. The CLI lists and settles them (``brugerblik merge --conflicts``,
``--resolve N --brug central|laptop``); this tab does the same for an administrator in the app,
through the same service (`survey.sync.list_conflicts`, `survey.sync.resolve_conflict`), which owns
its transaction and audits the decision under the signed-in user. Like the CLI it names the fields
that differ, never their values.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from survey.guide import Guide
from ui.common import engine, flash, guide, md, show_flash, username, when

FLASH = "_cf_flash"

#: a conflict's kind (`survey.sync`), as the administrator reads it
KINDS = {
    "begge_aendret": "ændret både på feltcomputeren og centralt",
    "respondent_id": "respondent-id'et er taget centralt",
    "sted": "stedet passer ikke",
    "citat_kodet": "et kodet citat er slettet på feltcomputeren",
    "samtykke": "journaludtræk uden samtykke",
    "kilde_uden_bruger": "kilden handler om en bruger, der ikke er her",
}

#: the two versions a conflict can be settled with, as the CLI's ``--brug``
USE = {
    "central": "Behold den centrale udgave (feltcomputerens ændringer bruges ikke)",
    "laptop": "Brug feltcomputerens udgave (den centrale udgave erstattes)",
}

FIELDS = {"status": "status", "interviewer": "interviewer", "interview_date": "dato",
          "completion_note": "afslutningsnote", "respondent_id": "respondent-id", "citater": "citater"}


def field_label(g: Guide, code: str) -> str:
    """A differing field as the administrator reads it: the guide's label, or the interview's own field."""
    if code in FIELDS:
        return FIELDS[code]
    try:
        label = g.item(code).label
    except KeyError:  # another informant's guide, or an item the guide no longer has: the code
        return code
    return label if len(label) <= 60 else label[:59] + "…"


def conflicts_part() -> None:
    """The list of conflicts that wait, and the form that settles one."""
    from survey import sync  # loaded when used: the field packages' module (pyzipper) is not needed elsewhere

    rows = sync.list_conflicts(engine())
    st.markdown(f"#### Flettekonflikter, der venter ({len(rows)})")
    show_flash(FLASH, "resolve")
    if not rows:
        st.caption("Ingen flettekonflikter venter. En konflikt opstår, når en feltcomputers pakke "
                   "(`brugerblik merge FIL`) ikke kan flettes ind uden at vælge mellem to udgaver af et interview; "
                   "begge udgaver gemmes, til en administrator vælger.")
        return
    g = guide()
    st.caption("Feltcomputerens udgave af disse interview er ikke talt med i rapporten, før konflikten er afgjort. "
               "Listen nævner de felter, der er forskellige, ikke deres indhold.")
    st.dataframe(pd.DataFrame([{
        "Nr.": c.id, "Respondent": c.respondent_id, "Hvad": KINDS.get(c.kind, c.kind), "Hvorfor": c.reason,
        "Forskellige felter": ", ".join(field_label(g, d) for d in c.differences) or "–",
        "Pakke": c.package_id[:8], "Registreret": when(c.created_at)} for c in rows]),
        hide_index=True, width="stretch", key="cf_table")
    by = {c.id: c for c in rows}
    with st.form("cf_resolve", clear_on_submit=False, width=640):
        cid = st.selectbox("Konflikt", list(by), index=None, placeholder="Vælg en konflikt", key="cf_pick",
                           format_func=lambda i: f"Nr. {i}: {by[i].respondent_id} — {KINDS.get(by[i].kind, by[i].kind)}")
        use = st.radio("Hvilken udgave skal gælde?", list(USE), format_func=USE.get, index=None, key="cf_use")
        new_id = st.text_input("Nyt respondent-id til feltcomputerens interview (kun når id'et er taget centralt)",
                               key="cf_new_id", max_chars=40)
        go = st.form_submit_button("Afgør konflikten", type="primary", key="cf_go")
    if not go:
        return
    if cid is None or use is None:
        st.error("Vælg en konflikt og hvilken udgave der skal gælde.")
        return
    try:
        msg = sync.resolve_conflict(engine(), cid, use, who=username(), respondent_id=(new_id or "").strip() or None)
    except sync.SyncError as e:
        st.error(md(str(e)))
        return
    flash(FLASH, "resolve", "ok", msg)
    st.rerun()
