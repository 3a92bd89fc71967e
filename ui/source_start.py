"""Starting an interview with another informant (issue 7), on the start page: a case worker, a
contact person or a site leader, or a case-file (journal) extraction.

The interviewer chooses the informant type; for a case worker, a contact person or a case file
the user it is about (pseudonymous ids only), for a leader the site. A case file is refused
without the user's consent to journal access, with the domain's Danish message
(`survey.source_store.start_source_interview`). The interview itself then runs on the same
interview page with that informant's guide — same autosave, resume, completion and audit.
"""
from __future__ import annotations

import streamlit as st

from survey import interview as svc
from survey.sources import JournalConsentError, SourceError
from ui.common import engine, md, source_guides, today
from ui.pages import INTERVIEW_PAGE, page
from ui.dates import typed_date

INFORMANT_KEY = "start_informant"
#: informant type -> what the start page calls it
CHOICES: dict[str, str] = {"bruger": "Bruger", "sagsbehandler": "Sagsbehandler", "kontaktperson": "Kontaktperson",
                           "leder": "Leder", "journal": "Journaludtræk"}
#: informant type -> what the interview is called (sidebar, lists)
INFORMANT_TITLES: dict[str, str] = {"bruger": "Brugerinterview", "sagsbehandler": "Sagsbehandlerinterview",
                                    "kontaktperson": "Kontaktpersoninterview", "leder": "Lederinterview",
                                    "journal": "Journaludtræk"}
CONSENT_TEXT = {"ja": "tilladelse til journalindsigt: ja", "nej": "tilladelse til journalindsigt: nej",
                None: "tilladelse til journalindsigt: ikke besvaret"}


def informant_choice() -> str:
    """«Hvem interviewes?» — the informant type of the new interview (default: the user)."""
    if st.session_state.get(INFORMANT_KEY) not in CHOICES:
        st.session_state[INFORMANT_KEY] = "bruger"
    return st.radio("Hvem interviewes?", list(CHOICES), format_func=CHOICES.get, key=INFORMANT_KEY,
                    horizontal=True,
                    help="Brugerens eget interview, eller en anden kilde om brugeren (sagsbehandler, "
                         "kontaktperson, journaludtræk) eller om stedet (leder).")


def _user_label(u: dict, journal: bool) -> str:
    text = f"{u['respondent_id']} · {u['site'] or '—'}"
    if journal:
        c = u["consent_journal"]
        text += " · " + CONSENT_TEXT.get(c, f"tilladelse til journalindsigt: {c}")
    return text


def source_form(informant: str, own: str | None, principal=None) -> None:
    """The rest of the start form for a source; starts it and opens the interview page."""
    from survey import source_store  # reason: start-up time (pandas, the file formats); the start page needs none

    eng = engine()
    subject = site_name = kilde = None
    if informant == "leder":
        sites = svc.list_sites(eng)
        if not sites:
            st.info("Der er ingen steder endnu. Start et brugerinterview på stedet først.")
            return
        by_name = {s.name: s for s in sites}
        site_name = st.selectbox("Sted (lederen leder)", list(by_name), key="start_src_site",
                                 format_func=lambda n: by_name[n].label)
    else:
        users = source_store.users(eng, for_new_source=True)
        if not users:
            st.info("Der er ingen brugerinterview endnu: et interview med sagsbehandleren, kontaktpersonen eller et "
                    "journaludtræk handler altid om en bruger, der selv er interviewet.")
            return
        by_id = {u["interview_id"]: u for u in users}
        subject = st.selectbox("Om brugeren (pseudonym)", list(by_id), key="start_src_user", index=None,
                               placeholder="Skriv respondent-id …",
                               format_func=lambda i: _user_label(by_id[i], informant == "journal"))
        if informant == "journal":
            kilde = st.radio("Hvis journal?", list(source_store.JOURNAL_KILDER),
                             format_func=source_store.JOURNAL_KILDER.get, key="start_src_kilde", horizontal=True)
            if subject and by_id[subject]["consent_journal"] != "ja":
                st.warning(f"{md(by_id[subject]['respondent_id'])} har ikke givet tilladelse til journalindsigt: "
                           "journalen må ikke åbnes.", icon=":material/block:")
    if own is not None:
        st.session_state["start_src_interviewer"] = own
    elif "start_src_interviewer" not in st.session_state:
        st.session_state["start_src_interviewer"] = st.session_state.get("start_interviewer", "")
    interviewer = st.text_input("Interviewer (initialer)" if informant != "journal" else "Læst af (initialer)",
                                key="start_src_interviewer", max_chars=200, disabled=own is not None)
    date, bad_date = typed_date("Dato", key="start_src_date", value=today(), latest=today())  # typed, never picked
    st.caption("Kilden får et pseudonymt id (fx SB-AMA-01). Skriv aldrig navne eller CPR-numre.")
    label = "Start journaludtræk" if informant == "journal" else "Start interview"
    if st.button(label, type="primary", key="start_src_btn", icon=":material/play_arrow:"):
        if informant != "leder" and not subject:
            st.error("Vælg den bruger, kilden handler om.")
            return
        if bad_date:
            st.error(f"Dato: {bad_date}. {'Udtrækket' if informant == 'journal' else 'Interviewet'} er ikke startet.")
            return
        source_guides()  # each fits its stored interviews (survey.guide_fit), else the page stops with why
        try:
            info = source_store.start_source_interview(eng, informant, subject_interview_id=subject,
                                                       site_name=site_name, kilde=kilde, interviewer=interviewer,
                                                       interview_date=date, principal=principal)
        except JournalConsentError as e:
            st.error(md(str(e)), icon=":material/block:")
            return
        except (svc.InterviewError, SourceError) as e:
            st.error(md(str(e)))
            return
        st.switch_page(page(INTERVIEW_PAGE), query_params={"iv": info.id})
