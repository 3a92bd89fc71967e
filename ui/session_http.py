"""The two HTTP routes of a signed-in browser (issue 10), served beside Streamlit by serve.py.

Streamlit talks to the browser over a websocket and cannot set a cookie, let alone an HttpOnly
one. So after a login (or a password change) ui/access.py gives the page a one-time *ticket*
(`survey.auth.start_session`), and a small script in the page sends it here:

* ``POST /bb/session`` — body: the ticket (text, at most `MAX_BODY` bytes; never in the URL).
  `survey.auth.redeem_ticket` spends it and makes a random session token, of which the store keeps
  only the SHA-256. The answer (204, no body) sets the token as the cookie ``bb_session``:
  ``HttpOnly`` (no script can read it), ``SameSite=Strict``, ``Path=/``, ``Max-Age`` =
  `auth.SESSION_MAX_HOURS` (so a restarted browser still has it; the store decides how long it is
  good for), ``Secure`` when the request came over https. An unknown, used or expired ticket: 403
  and no cookie.
* ``POST /bb/logout`` — revokes the session of the browser's cookie and deletes the cookie (the
  app has already revoked it server-side; this also takes the cookie out of the browser).

Both refuse (403) a request whose ``Origin`` is missing or not the host the request was sent to
(and a ``Sec-Fetch-Site`` other than ``same-origin``): another site cannot spend a ticket or log
anyone out. A larger body than `MAX_BODY` is refused (413) before it is read to the end. Neither
route logs a ticket or a token; the store is reached in a worker thread.

The cookie comes back with the websocket handshake of the next page load, where ui/access.py
reads it (`st.context.cookies`) and resumes the session (`survey.auth.resume_session`).
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# survey.auth and survey.db (SQLAlchemy, the models: about 0.4 s) are imported by the functions that
# use them: serve.py imports this module before the server listens (issue 13, the app's first page)

log = logging.getLogger("brugerblik.ui")

SESSION_PATH = "/bb/session"
LOGOUT_PATH = "/bb/logout"
MAX_BODY = 256          # a ticket is 43 characters
NO_STORE = {"Cache-Control": "no-store"}


def same_origin(request: Request) -> bool:
    """The request comes from a page of this very host (the app's own script), not another site."""
    origin, host = request.headers.get("origin"), request.headers.get("host")
    if not origin or not host:
        return False
    o = urlsplit(origin)
    if o.scheme not in ("http", "https") or o.netloc.lower() != host.lower():
        return False
    site = request.headers.get("sec-fetch-site")
    return site is None or site == "same-origin"


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The request body, or None when it is larger than `limit` bytes (reading stops there: a
    Content-Length above it is refused before anything is read)."""
    try:
        if int(request.headers.get("content-length") or 0) > limit:
            return None
    except ValueError:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _refused(status: int = 403) -> Response:
    return Response("Afvist.", status_code=status, media_type="text/plain; charset=utf-8", headers=NO_STORE)


def _redeem(ticket: str) -> str | None:
    from survey import auth  # reason: start-up (see the module's imports)
    from survey.db import get_engine  # reason: start-up (see the module's imports)

    return auth.redeem_browser_ticket(get_engine(), ticket)


def _end(token: str) -> None:
    from survey import auth  # reason: start-up (see the module's imports)
    from survey.db import get_engine  # reason: start-up (see the module's imports)

    auth.end_browser_session(get_engine(), token=token)


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    from survey import auth  # reason: start-up (see the module's imports)

    response.set_cookie(auth.SESSION_COOKIE, token, max_age=auth.SESSION_MAX_HOURS * 3600, path="/",
                        secure=secure, httponly=True, samesite="strict")


async def session_route(request: Request) -> Response:
    """Ticket in, HttpOnly session cookie out (once)."""
    if not same_origin(request):
        return _refused()
    body = await read_body(request)
    if body is None:
        return _refused(413)
    try:
        ticket = body.decode("ascii").strip()
    except UnicodeDecodeError:
        return _refused()
    try:
        token = await run_in_threadpool(_redeem, ticket)
    except Exception as e:  # the store does not answer: no cookie, no values in the log
        log.error("session-billet kunne ikke indløses: %s", type(e).__name__)
        return _refused(503)
    if token is None:
        return _refused()
    response = Response(status_code=204, headers=NO_STORE)
    set_session_cookie(response, token, secure=request.url.scheme == "https")
    return response


async def logout_route(request: Request) -> Response:
    """Revoke the cookie's session and delete the cookie."""
    from survey import auth  # reason: start-up (see the module's imports)

    if not same_origin(request):
        return _refused()
    if await read_body(request) is None:
        return _refused(413)
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        try:
            await run_in_threadpool(_end, token)
        except Exception as e:
            log.error("session kunne ikke afsluttes: %s", type(e).__name__)
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True,
                           samesite="strict")
    return response


ROUTES = [Route(SESSION_PATH, session_route, methods=["POST"]),
          Route(LOGOUT_PATH, logout_route, methods=["POST"])]
