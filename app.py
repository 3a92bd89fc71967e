"""Brugerblik — Streamlit entry point (`make run`). Pages stay thin: no sessions, no models; they call the
services in survey/, coding/, archetypes/ and report/, each of which owns its transactions.

Pages are registered with st.navigation; a page's URL keeps its state (the interview page
is /interview?iv=<interview id>&afsnit=<section>), so a reload returns to the same place.

Logins and roles (issue 6, ui/access.py): on a store with users only the login form is shown
until someone is signed in; the menu holds the pages the role may use (ui/pages.PAGE_SPECS: one
function per page, registered as st.Page(function, url_path=…) by ui/access.build_pages), and
every page checks its action itself (ui/common.require_page).

The app itself is `ui.main.run` (packaged, so a built wheel has it: ``brugerblik-app`` serves the
same app from the installed package, `ui/entry/`).

Danish everywhere (issue 10.9): Streamlit's own English is translated in the browser
(ui/danish.py, injected on every rerun, before the login form); the developer menu is off in
.streamlit/config.toml, which `streamlit run` reads when started from the repository root.
"""
from ui.main import run

run()
