"""Which names the server answers to (`serve.py`, `ui/entry/serve.py`): a defence against DNS rebinding.

A tester showed that another web site can reach a Brugerblik on the interviewer's own machine: its page
makes its own name point at 127.0.0.1, and Streamlit's websocket and ``/bb/autosave`` accepted a request
whose ``Host`` was that site's name. On an open store (no users, so no login and no session cookie) the
site could then read and write interviews. A browser always sends the name it connected to; a request
for ``evil.example`` is never one of ours.

So a server that listens on the loopback address only (``make run``: ``--server.address 127.0.0.1``)
answers only requests for ``localhost``, ``127.0.0.1`` and ``::1``; any other ``Host`` gets 400 from
Starlette's `TrustedHostMiddleware` (HTTP and websocket alike). A server that listens on a network is
reached by its own names, which it cannot know: it answers any name, unless ``BRUGERBLIK_HOSTS`` lists
them (comma-separated, e.g. ``brugerblik.kommune.dk,10.0.0.5``; ``*.kommune.dk`` for a domain; ``*``:
any name, also on loopback). On loopback the listed names are added to the loopback names (a proxy's name).
"""
from __future__ import annotations

import os

from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost", "::1", "[::1]")


class HostsError(ValueError):
    """``BRUGERBLIK_HOSTS`` holds a name Starlette cannot match (Danish; the server does not start)."""


def _checked(name: str) -> str:
    # Starlette's own rule: «*» alone, or «*.» at the start of a domain, nowhere else
    if name != "*" and ("*" in name[1:] or (name.startswith("*") and not name.startswith("*."))
                        or (":" in name and not name.startswith("["))):  # «host:8501»: a port never matches
        raise HostsError(f"BRUGERBLIK_HOSTS: navnet {name!r} er ikke tilladt — brug et helt navn "
                         "uden port (brugerblik.kommune.dk), «*.kommune.dk» for et domæne eller «*» for alle")
    return name


def allowed_hosts(address: str | None, listed: str | None) -> list[str]:
    """The ``Host`` names to answer: on loopback (`address`) the loopback names, and those `listed`
    (``BRUGERBLIK_HOSTS``, added to them); on a network, `listed`, or ``["*"]`` (any) without a list.
    `HostsError` for a name Starlette cannot match."""
    names = [_checked(h.strip().lower()) for h in (listed or "").split(",") if h.strip()]
    if address and address.strip().lower() in LOOPBACK_ADDRESSES:
        return list(dict.fromkeys([*LOOPBACK_NAMES, *names]))
    return names or ["*"]


def check_environment() -> None:
    """At start-up (serve.py): a bad ``BRUGERBLIK_HOSTS`` stops the server with its Danish reason rather than
    failing every request."""
    allowed_hosts(None, os.environ.get("BRUGERBLIK_HOSTS"))


class LoopbackHosts:
    """ASGI middleware: `TrustedHostMiddleware` with `allowed_hosts`, decided at the first request (the
    server's address is Streamlit's option ``server.address``, set once the server is configured)."""

    def __init__(self, app) -> None:
        self.app = app
        self._inner = None

    async def __call__(self, scope, receive, send) -> None:
        if self._inner is None:
            import streamlit as st  # reason: already loaded by the server; read its options at the first request

            hosts = allowed_hosts(st.get_option("server.address"), os.environ.get("BRUGERBLIK_HOSTS"))
            self._inner = TrustedHostMiddleware(self.app, allowed_hosts=hosts)
        await self._inner(scope, receive, send)


#: `st.App(..., middleware=MIDDLEWARE)`
MIDDLEWARE = [Middleware(LoopbackHosts)]
