"""The server's warm-up (issue 14, speed at study scale): when `serve.py` starts, a daemon thread
waits for Streamlit's runtime and fills the Rapport page's caches (`ui.rapport_view.prewarm`: the
wide frame and the quality map, through the page's own cached functions), and with them the
imports the page needs — so the first visitor after a start does not wait for the store's first
read. Nothing here is required: the page computes whatever is not cached.

``BRUGERBLIK_WARMUP=0`` turns it off (a server that should start idle).
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time

__all__ = ["lifespan", "start_warmup", "warm"]

log = logging.getLogger(__name__)
#: how long the thread waits for the runtime (the caches need it) before it gives up
WAIT_S = 60.0


def warm(wait_s: float = WAIT_S) -> bool:
    """Wait for the runtime, then fill the Rapport page's caches; True when done."""
    from streamlit.runtime import Runtime  # reason: imported with the thread, not with serve.py

    deadline = time.monotonic() + wait_s
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    from ui import rapport_view  # reason: the page's modules (pandas, Plotly) load in the thread

    ok = rapport_view.prewarm()
    log.info("Rapport-siden er varmet op" if ok else "Opvarmningen af Rapport-siden lykkedes ikke")
    return ok


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
