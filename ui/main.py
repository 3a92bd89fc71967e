"""The Streamlit app (`app.py` at the repository root and the packaged `ui/entry/app.py` both call
`run`): page settings, Streamlit's own English in Danish, the login and the menu for the role, the
administrator's raw-data reminder and the page — never a traceback in front of the respondent.
"""
import logging

import streamlit as st

from ui import clickguard, danish, warmup
from ui.access import signed_in
from ui.common import unexpected


def run() -> None:
    """The app, once per rerun: page settings, Danish, the login and the menu, the page."""
    try:
        _run()
    finally:  # a page (or the login form) is drawn: the server's warm-up may use the CPU (ui/warmup.py)
        warmup.first_page_drawn()


def _run() -> None:
    st.set_page_config(page_title="Brugerblik", page_icon="📋", layout="wide", initial_sidebar_state="expanded")
    danish.inject()  # Streamlit's own English (skip link, placeholders, date picker, uploader) in Danish
    clickguard.inject()  # a second click on a navigation click's spot is not an answer

    try:
        principal, page = signed_in()  # «Log ind» (and a stop) until someone is signed in; the menu for the role
    except Exception as e:  # e.g. the store does not answer: a Danish message, no traceback, no page
        logging.getLogger("brugerblik.ui").error("login/navigation fejlede: %s", type(e).__name__)
        st.error(unexpected(e, "Brugerblik kan ikke nå databasen lige nu. Genindlæs siden om lidt; kontakt support, "
                               "hvis det bliver ved."))
        st.stop()
    try:  # issue 12: administrators are reminded to delete the raw data after the study's end date
        from ui.privacy_view import retention_notice  # in the try: a failing reminder never stops a page

        retention_notice(principal)
    except Exception as e:  # a reminder never stops a page
        logging.getLogger("brugerblik.ui").warning("påmindelsen om rådata fejlede: %s", type(e).__name__)
    try:
        page.run()
    except Exception as e:  # never a traceback in front of the respondent; no values in the log
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"
        logging.getLogger("brugerblik.ui").error("uventet fejl på siden: %s (%s)", type(e).__name__, where)
        st.error(unexpected(e, "Der skete en uventet fejl på siden. Alt, der er vist som gemt, er gemt. "
                               "Genindlæs siden; kontakt support, hvis fejlen bliver ved."))
