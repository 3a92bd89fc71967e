"""The web server from the installed package (``brugerblik-app``): `ui.entry.app` with the session
and autosave routes, as serve.py at the repository root serves app.py."""
from pathlib import Path

import streamlit as st

from ui.autosave_http import ROUTES as AUTOSAVE_ROUTES
from ui.hosts import MIDDLEWARE, check_environment  # only the names this server is reached by (DNS rebinding)
from ui.session_http import ROUTES
from ui.warmup import lifespan  # the Rapport page's caches filled before the first visitor

check_environment()  # a bad BRUGERBLIK_HOSTS stops the start with its reason
app = st.App(str(Path(__file__).with_name("app.py")), routes=ROUTES + AUTOSAVE_ROUTES, lifespan=lifespan,
             middleware=MIDDLEWARE)
