"""The server's warm-up (issue 14, speed at study scale): when `serve.py` starts, a daemon thread
waits for Streamlit's runtime and fills the Rapport page's caches (`ui.rapport_view.prewarm`: the
wide frame and the quality map, through the page's own cached functions), and with them the
imports the page needs — so the first visitor after a start does not wait for the store's first
read. Nothing here is required: the page computes whatever is not cached.

In two steps (issue 13, the app's first page; docs/benchmarks.md):

1. As soon as the runtime exists, it imports what every first script run needs
   (`FIRST_PAGE_MODULES`: the store's models and SQLAlchemy, the login, the menu, the start page,
   about 0.6 s) while the browser is still loading Streamlit's frontend; the first script run then
   finds them loaded (Python's import locks make it wait for a module being imported rather than
   import it twice).
2. Then it waits for the first page to be drawn (`first_page_drawn`, called by ui/main.py after
   every script run), or `FIRST_PAGE_WAIT_S` if nobody comes, before the Rapport page's imports and
   the store's read: on 2 cores, those running beside the first visitor's script run made the first
   page slower. A first visitor who opens the Rapport page fills its caches there; the warm-up then
   finds them filled.

``BRUGERBLIK_WARMUP=0`` turns it off (a server that should start idle).
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading
import time

__all__ = ["FIRST_PAGE", "FIRST_PAGE_MODULES", "first_page_drawn", "import_first_page", "lifespan", "start_warmup",
           "warm"]

log = logging.getLogger(__name__)
#: how long the thread waits for the runtime (the caches need it) before it gives up
WAIT_S = 60.0
#: how long the thread waits for a first visitor's page before it warms up anyway
FIRST_PAGE_WAIT_S = 3.0
#: what every first script run imports (ui/main.py: the login and the menu, the start page, the
#: administrator's reminder; `streamlit.emojis` is what `st.set_page_config(page_icon="📋")` loads)
FIRST_PAGE_MODULES = ("ui.main", "ui.start_view", "ui.privacy_view", "streamlit.emojis")
#: set when a script run is over (ui/main.py): the first page is drawn, the warm-up may use the CPU
FIRST_PAGE = threading.Event()


def first_page_drawn() -> None:
    """Called by the app after each script run; cheap."""
    FIRST_PAGE.set()


def warm(wait_s: float = WAIT_S, first_page_s: float = FIRST_PAGE_WAIT_S) -> bool:
    """Wait for the runtime, import the first page's modules, wait for the first page (at most
    `first_page_s`), then fill the Rapport page's caches; True when done."""
    from streamlit.runtime import Runtime  # reason: imported with the thread, not with serve.py

    deadline = time.monotonic() + wait_s
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    import_first_page()
    FIRST_PAGE.wait(first_page_s)
    from ui import rapport_view  # reason: the page's modules (pandas, Plotly) load in the thread

    ok = rapport_view.prewarm()
    log.info("Rapport-siden er varmet op" if ok else "Opvarmningen af Rapport-siden lykkedes ikke")
    return ok


def import_first_page() -> list[str]:
    """Import `FIRST_PAGE_MODULES`; the names imported (one that fails is left to the page)."""
    done = []
    for name in FIRST_PAGE_MODULES:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception as e:  # noqa: BLE001 - a warm-up only: the page imports it and reports itself
            log.warning("opvarmningen kunne ikke indlæse %s: %s", name, type(e).__name__)
    return done


def start_warmup() -> threading.Thread | None:
    """Start `warm` in a daemon thread (None when BRUGERBLIK_WARMUP=0)."""
    if os.environ.get("BRUGERBLIK_WARMUP", "1") == "0":
        return None
    t = threading.Thread(target=warm, name="brugerblik-warmup", daemon=True)
    t.start()
    return t


@contextlib.asynccontextmanager
async def lifespan(_app):
    """`st.App(..., lifespan=lifespan)`: the warm-up starts with the server (serve.py, ui/entry/serve.py)."""
    start_warmup()
    yield
