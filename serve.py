"""Brugerblik's web server: app.py served through Streamlit's ASGI wrapper, with the session routes.

Start it as `make run` does: ``streamlit run serve.py --server.address 127.0.0.1 …``. `streamlit
run` finds the module-level ``app = st.App(...)`` below and serves it with uvicorn; every
``--server.*`` option and `.streamlit/config.toml` apply as for ``streamlit run app.py``. The
pages are still app.py's; this only adds the two routes of ui/session_http.py (``POST
/bb/session``: a one-time ticket in, the HttpOnly session cookie out; ``POST /bb/logout``), so a
reload, a new tab or a restarted browser stays signed in (issue 10; see ui/access.py), and
ui/autosave_http.py's ``POST /bb/autosave``, where a closing page's last changes arrive; and
ui/hosts.py's check of the ``Host`` a request names (on loopback: only localhost, 127.0.0.1, ::1).

Why a file at the top level, beside app.py, and not ui/server.py: `streamlit run FILE` puts FILE's
folder first on sys.path and imports FILE as a top-level module (``serve:app``). Beside app.py,
that folder is the repository root, so ``ui``, ``survey`` … import as they do for app.py, and
``st.App("app.py")`` and the pages' relative paths resolve exactly as under ``streamlit run
app.py``. From ui/ the folder on sys.path would be ui/ and the module would be imported a second
time under another name.

Keep this file this small: it is imported by uvicorn before the Streamlit runtime exists.
"""
import streamlit as st

from ui.autosave_http import ROUTES as AUTOSAVE_ROUTES
from ui.hosts import MIDDLEWARE, check_environment  # only the names this server is reached by (DNS rebinding)
from ui.session_http import ROUTES
from ui.warmup import lifespan  # a daemon thread fills the Rapport page's caches before the first visitor

check_environment()  # a bad BRUGERBLIK_HOSTS stops the start with its reason
app = st.App("app.py", routes=ROUTES + AUTOSAVE_ROUTES, lifespan=lifespan, middleware=MIDDLEWARE)
