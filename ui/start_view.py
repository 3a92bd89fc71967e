"""The start page: start a new interview, resume a draft, open a completed one (`ui.pages.start`)."""
from __future__ import annotations

import streamlit as st

from survey import interview as svc
from ui.common import engine, guide, inject_css, md, principal, require_page, today, username
from ui.pages import INTERVIEW_PAGE, page
from ui.dates import typed_date
from ui.lists import completed_picker, open_interviews
from ui.source_start import informant_choice, source_form

NEW = "__nyt__"


def start_form() -> None:
    g = guide()
    p = principal()
    own = svc.owner_scope(p)  # an interviewer starts interviews in their own name only
    sites = svc.list_sites(engine())
    by_name = {s.name: s for s in sites}
    st.markdown("## Nyt interview")
    informant = informant_choice()  # issue 7: the user, or another source about the user or the site
    if informant != "bruger":
        source_form(informant, own, p)
        return
    if g.fakta:  # issue 14: the guide's introduction, to read out before the interview begins
        with st.expander("Fakta om undersøgelsen — læs op, før interviewet begynder", icon=":material/info:"):
            for line in g.fakta:
                st.markdown(md(line))
    options = list(by_name) + [NEW]
    if st.session_state.get("start_site") not in options:
        last_site, last_interviewer = svc.last_started(engine(), p)
        st.session_state["start_site"] = last_site if last_site in by_name else (options[0] if sites else NEW)
        st.session_state.setdefault("start_interviewer", username() or last_interviewer or "")
    site = st.selectbox("Sted", options, key="start_site",
                        format_func=lambda n: "➕ Tilføj et nyt sted …" if n == NEW else by_name[n].label)
    site_type = prefix = None
    if site == NEW:
        name = st.text_input("Stedets navn", key="start_new_name", max_chars=200,
                             placeholder="Fx Amadeus")
        site_type = st.radio("Type", list(svc.SITE_TYPES), format_func=svc.SITE_TYPES.get, index=None,
                             horizontal=True, key="start_new_type")
        prefix = st.text_input("Forkortelse til respondent-id (valgfri)", key="start_new_prefix", max_chars=12,
                               placeholder=svc.store.site_prefix(name) if name else "fx AMA",
                               help="Respondent-id = forkortelse + løbenummer, fx AMA-01")
    else:
        name = site
    if own is not None:
        st.session_state["start_interviewer"] = own
    interviewer = st.text_input("Interviewer (initialer)", key="start_interviewer", max_chars=200,
                                disabled=own is not None,
                                help="Du er logget ind: interviewet tages i dit navn." if own else None)
    date, bad_date = typed_date("Interviewdato", key="start_date", value=today(), latest=today())  # typed, never picked
    rid = None
    if name and name.strip():
        try:
            rid = svc.preview_respondent_id(engine(), name, prefix)
        except svc.InterviewError as e:
            st.error(str(e))
    if rid:
        st.markdown(f"Respondenten får det pseudonyme id **{md(rid)}**. Der registreres aldrig navn.")
    if st.button("Start interview", type="primary", key="start_btn", icon=":material/play_arrow:"):
        if site == NEW and not site_type:
            st.error("Vælg om det nye sted er et værested eller en boform.")
            return
        if bad_date:
            st.error(f"Interviewdato: {bad_date}. Interviewet er ikke startet.")
            return
        try:
            info = svc.start_interview(engine(), g, site_name=name or "", site_type=site_type,
                                       interviewer=interviewer, interview_date=date, prefix=prefix, principal=p)
        except svc.InterviewError as e:
            st.error(str(e))
            return
        st.session_state.pop("start_site", None)
        st.switch_page(page(INTERVIEW_PAGE), query_params={"iv": info.id})


def main() -> None:
    require_page("interview.own")
    inject_css()
    st.title("Interviews")
    left, right = st.columns([2, 3], gap="large")
    with left:
        start_form()
    with right:
        open_interviews(guide())
        completed_picker()
