"""Brugerblik — Streamlit entry point (`make run`). Pages stay thin; logic lives in survey/, coding/, exports/.

Pages are registered with st.navigation; a page's URL keeps its state (the interview page
is /interview?iv=<interview id>&afsnit=<section>), so a reload returns to the same place.
"""
import logging

import streamlit as st

st.set_page_config(page_title="Brugerblik", page_icon="📋", layout="wide", initial_sidebar_state="expanded")

PAGES = {
    "Interview": [
        st.Page("ui/interview_start.py", title="Start og fortsæt", icon=":material/play_arrow:", url_path="start",
                default=True),
        st.Page("ui/interview.py", title="Interview", icon=":material/forum:", url_path="interview"),
    ],
    "Kodning": [
        st.Page("ui/kodning.py", title="Kodning", icon=":material/label:", url_path="kodning"),
        st.Page("ui/kodebog.py", title="Kodebog", icon=":material/account_tree:", url_path="kodebog"),
        st.Page("ui/transskriptioner.py", title="Transskriptioner", icon=":material/description:",
                url_path="transskriptioner"),
        st.Page("ui/citatbank.py", title="Citatbank", icon=":material/format_quote:", url_path="citatbank"),
        st.Page("ui/enighed.py", title="Enighed", icon=":material/join_inner:", url_path="enighed"),
        st.Page("ui/anonymisering.py", title="Anonymisering", icon=":material/visibility_off:",
                url_path="anonymisering"),
    ],
    "Rapport": [
        st.Page("ui/rapport.py", title="Rapport", icon=":material/bar_chart:", url_path="rapport"),
    ],
}

page = st.navigation(PAGES, position="top")
try:
    page.run()
except Exception as e:  # never a traceback in front of the respondent; no values in the log
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"
    logging.getLogger("brugerblik.ui").error("uventet fejl på siden: %s (%s)", type(e).__name__, where)
    st.error("Der skete en uventet fejl på siden. Alt, der er vist som gemt, er gemt. "
             "Genindlæs siden; kontakt support, hvis fejlen bliver ved.")
