"""Brugerblik — Streamlit entry point (`make run`). Pages stay thin: no sessions, no models; they call the
services in survey/, coding/, archetypes/ and report/, each of which owns its transactions.

Pages are registered with st.navigation; a page's URL keeps its state (the interview page
is /interview?iv=<interview id>&afsnit=<section>), so a reload returns to the same place.

Logins and roles (issue 6, ui/access.py): on a store with users only the login form is shown
until someone is signed in; the menu holds the pages the role may use (ui/pages.PAGE_SPECS: one
function per page, registered as st.Page(function, url_path=…) by ui/access.build_pages), and
every page checks its action itself (ui/common.require_page).

Danish everywhere (issue 10.9): Streamlit's own English is translated in the browser
(ui/danish.py, injected on every rerun, before the login form); the developer menu is off in
.streamlit/config.toml, which `streamlit run` reads when started from the repository root.
"""
import logging

import streamlit as st

from ui import danish
from ui.access import signed_in

st.set_page_config(page_title="Brugerblik", page_icon="📋", layout="wide", initial_sidebar_state="expanded")
danish.inject()  # Streamlit's own English (skip link, placeholders, date picker, uploader) in Danish

try:
    principal, page = signed_in()  # «Log ind» (and a stop) until someone is signed in; the menu for the role
except Exception as e:  # e.g. the store does not answer: a Danish message, no traceback, no page
    logging.getLogger("brugerblik.ui").error("login/navigation fejlede: %s", type(e).__name__)
    st.error("Brugerblik kan ikke nå databasen lige nu. Genindlæs siden om lidt; kontakt support, hvis det "
             "bliver ved.")
    st.stop()
try:  # issue 12: administrators are reminded to delete the raw data after the study's end date
    from ui.privacy_view import retention_notice

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
    st.error("Der skete en uventet fejl på siden. Alt, der er vist som gemt, er gemt. "
             "Genindlæs siden; kontakt support, hvis fejlen bliver ved.")
