"""Lists of interviews to resume or reopen (used by the start page and the empty interview page)."""
from __future__ import annotations

import streamlit as st

from survey import interview as svc
from survey.guide import Guide, GuideError
from ui.common import engine, h, md, principal, stop_for_guide, when
from ui.pages import INTERVIEW_PAGE, page

MAX_OPEN_ROWS = 100


def open_interviews(g: Guide) -> None:
    """Drafts (and reopened interviews): id, site, started, which sections are done or in progress —
    each a link that resumes in the section of the last saved answer. An interviewer sees only their
    own (survey.interview filters by the principal)."""
    try:  # a source's progress is read with its guide: refused when it no longer fits (`survey.guide_fit`)
        rows = svc.list_interviews(engine(), g, svc.EDITABLE, limit=MAX_OPEN_ROWS + 1, principal=principal())
    except GuideError as e:
        stop_for_guide(e)
    st.markdown("## Igangværende interviews")
    if not rows:
        st.caption("Ingen kladder. Nye interviews gemmes som kladde, indtil de afsluttes.")
        return
    widths = [2.6, 2.1, 2.0, 2.6, 1.8]  # the id first: a source's («JB-AMA-01-3») is longer than a user's
    st.html(SECTION_CSS)
    with st.container(key="open_list"):
        head = st.columns(widths, vertical_alignment="bottom", gap="small")
        for c, t in zip(head, ["Respondent", "Sted", "Startet", "Afsnit", "Status"]):
            c.markdown(f"**{t}**")
        for r in rows[:MAX_OPEN_ROWS]:
            c = st.columns(widths, vertical_alignment="center", gap="small")
            with c[0]:
                # no afsnit in the link: the interview page opens where the last answer was saved
                # (survey.interview.resume_section) and then keeps that section in the URL
                st.page_link(page(INTERVIEW_PAGE), label=r.respondent_id, query_params={"iv": r.id},
                             icon=":material/play_arrow:", help=resume_help(r))
            if r.informant != "bruger":  # issue 7: a case worker's, contact person's, leader's interview or a file
                c[0].caption(source_note(r))
            c[1].markdown(md(r.site_name or "—"))
            c[2].markdown(when(r.created_at))
            c[3].markdown(section_marks(r), unsafe_allow_html=True)
            c[4].markdown(svc.STATUS_LABELS.get(r.status, r.status))
    st.caption("Afsnit: ✓ færdigt · ◐ i gang · et tal uden mærke er ikke startet. "
               "Linket fortsætter i afsnittet med det senest gemte svar.")
    if len(rows) > MAX_OPEN_ROWS:
        st.caption(f"Viser de {MAX_OPEN_ROWS} senest ændrede.")


_MARK = {"done": ("✓", "færdigt"), "started": ("◐", "i gang"), "todo": ("", "ikke startet")}
SECTION_CSS = """<style>
.bb-secs { display: flex; flex-wrap: wrap; gap: 0.12rem; margin-top: 0.1rem; }
.bb-sec { display: inline-block; min-width: 1.35rem; text-align: center; border-radius: 0.3rem; padding: 0 0.15rem;
          font-size: 0.8rem; line-height: 1.35rem; color: #3d4250; background: #fff; border: 1px solid #b7bcc7; }
.bb-sec[data-state="done"] { color: #fff; background: #1e6b34; border-color: #1e6b34; }
.bb-sec[data-state="started"] { color: #5a3000; background: #fff4e5; border-color: #8a4b00; }
/* the resume link's label wraps instead of being cut: Streamlit clips it without an ellipsis, and a source's
   id («JB-AMA-01-3») read as another («JB-AMA-01») in the narrow column (a tester, 1280×720 and 1024×768) */
.st-key-open_list [data-testid="stPageLink-NavLink"] span:not([data-testid="stIconMaterial"]),
.st-key-open_list [data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"],
.st-key-open_list [data-testid="stPageLink-NavLink"] p { white-space: normal; overflow: visible; overflow-wrap: anywhere; }
</style>"""


def section_state(st_: svc.SectionStatus) -> str:
    return "done" if st_.done else ("started" if st_.started else "todo")


def section_marks(r: svc.ListRow) -> str:
    """«3 af 8 færdige» and every section by its number (the sidebar's numbering), marked ✓ done or
    ◐ in progress, its name and status in the tooltip (issue 10.5). HTML; names escaped."""
    chips = []
    for i, st_ in enumerate(r.section_states, start=1):
        state = section_state(st_)
        mark, word = _MARK[state]
        chips.append(f'<span class="bb-sec" data-section="{h(st_.name)}" data-state="{state}" '
                     f'title="{i}. {h(st_.label)}: {word}" aria-label="{i}. {h(st_.label)}: {word}">{i}{mark}</span>')
    return (f'<div class="bb-secline" data-iv="{h(r.id)}"><span>{r.sections_done} af {r.sections_total} '
            f'færdige</span><div class="bb-secs">{"".join(chips)}</div></div>')


def resume_help(r: svc.ListRow) -> str:
    """The resume link's tooltip: where it continues («Fortsæt i 3. Udbytte»)."""
    if r.last_section == "":
        return "Fortsæt i Om interviewet"
    n = r.section_number(r.last_section)
    if n is None:
        return "Fortsæt interviewet"
    return f"Fortsæt i {n}. {r.section_states[n - 1].label}"


def source_note(r: svc.ListRow) -> str:
    """«Sagsbehandlerinterview om AMA-01» for a source in a list (issue 7)."""
    from ui.source_start import INFORMANT_TITLES  # loaded when used (start-up time of the app's first page)

    title = INFORMANT_TITLES.get(r.informant, r.informant)
    return md(f"{title} om {r.subject_respondent_id}" if r.subject_respondent_id else title)


def completed_picker() -> None:
    """Open a completed interview (to read it or reopen it for correction); an interviewer: their own."""
    rows = svc.completed_index(engine(), principal())
    st.markdown("## Afsluttede interviews")
    if not rows:
        st.caption("Ingen afsluttede interviews endnu.")
        return
    label = {iid: f"{rid} · {site or '—'}" for iid, rid, site in rows}
    choice = st.selectbox(f"Find et afsluttet interview ({len(rows)})", list(label), index=None,
                          format_func=label.__getitem__, placeholder="Skriv respondent-id …", key="done_pick")
    if choice:
        st.page_link(page(INTERVIEW_PAGE), label=f"Åbn {label[choice]}", query_params={"iv": choice},
                     icon=":material/open_in_new:")
