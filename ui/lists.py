"""Lists of interviews to resume or reopen (used by the start page and the empty interview page)."""
from __future__ import annotations

import streamlit as st

from survey import interview as svc
from survey.guide import Guide
from ui.common import INTERVIEW_PAGE, engine, md, principal, when

MAX_OPEN_ROWS = 100


def open_interviews(g: Guide) -> None:
    """Drafts (and reopened interviews): id, site, started, sections done — each a link to resume.
    An interviewer sees only their own (survey.interview filters by the principal)."""
    rows = svc.list_interviews(engine(), g, svc.EDITABLE, limit=MAX_OPEN_ROWS + 1, principal=principal())
    st.markdown("#### Igangværende interviews")
    if not rows:
        st.caption("Ingen kladder. Nye interviews gemmes som kladde, indtil de afsluttes.")
        return
    with st.container(key="open_list"):
        head = st.columns([2.2, 3, 2.4, 1.6, 1.6], vertical_alignment="bottom")
        for c, t in zip(head, ["Respondent", "Sted", "Startet", "Afsnit", "Status"]):
            c.markdown(f"**{t}**")
        for r in rows[:MAX_OPEN_ROWS]:
            c = st.columns([2.2, 3, 2.4, 1.6, 1.6], vertical_alignment="center")
            with c[0]:
                st.page_link(INTERVIEW_PAGE, label=r.respondent_id, query_params={"iv": r.id},
                             icon=":material/play_arrow:", help="Fortsæt interviewet")
            if r.informant != "bruger":  # issue 7: a case worker's, contact person's, leader's interview or a file
                c[0].caption(source_note(r))
            c[1].markdown(md(r.site_name or "—"))
            c[2].markdown(when(r.created_at))
            c[3].markdown(f"{r.sections_done} af {r.sections_total}")
            c[4].markdown(svc.STATUS_LABELS.get(r.status, r.status))
    if len(rows) > MAX_OPEN_ROWS:
        st.caption(f"Viser de {MAX_OPEN_ROWS} senest ændrede.")


def source_note(r: svc.ListRow) -> str:
    """«Sagsbehandlerinterview om AMA-01» for a source in a list (issue 7)."""
    from ui.source_start import INFORMANT_TITLES

    title = INFORMANT_TITLES.get(r.informant, r.informant)
    return md(f"{title} om {r.subject_respondent_id}" if r.subject_respondent_id else title)


def completed_picker() -> None:
    """Open a completed interview (to read it or reopen it for correction); an interviewer: their own."""
    rows = svc.completed_index(engine(), principal())
    st.markdown("#### Afsluttede interviews")
    if not rows:
        st.caption("Ingen afsluttede interviews endnu.")
        return
    label = {iid: f"{rid} · {site or '—'}" for iid, rid, site in rows}
    choice = st.selectbox(f"Find et afsluttet interview ({len(rows)})", list(label), index=None,
                          format_func=label.__getitem__, placeholder="Skriv respondent-id …", key="done_pick")
    if choice:
        st.page_link(INTERVIEW_PAGE, label=f"Åbn {label[choice]}", query_params={"iv": choice},
                     icon=":material/open_in_new:")
