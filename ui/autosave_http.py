"""The last save of a page being closed (issue 10): ``POST /bb/autosave``, served by serve.py.

The interview page sends its changes over Streamlit's websocket (ui/autosave.py). When the tab is
closed or hidden, the browser may tear the socket down before the last message is out; so the
page also hands what is not yet acknowledged to ``navigator.sendBeacon``, which the browser
delivers after the page is gone. This route stores it through the one path every answer takes,
`survey.interview.save_answer` with the version the page saw (`base`): a value another tab changed
meanwhile is not replaced (the attempt is in the audit trail as a conflict), and a value that is
already stored (the websocket got there first) changes nothing.

Body: JSON ``{"iid": "<interview id>", "items": [{"code", "value", "base": [version, value],
"chain": bool, "prev": value, "gd": page digest}]}`` (text/plain, so the beacon needs no preflight), at most
`MAX_BODY` bytes and `MAX_ITEMS` items; what the items mean, and the rules for quotes, are in
`survey.interview.save_closing_changes`, which stores them.

Who: the store's single user when it has no users; else the signed-in session of the HttpOnly
cookie (`survey.auth.resume_session`), whose role must allow interviews and who may open this
interview (`survey.interview.find_for`). Refused: another origin (403), no session (403), too
large (413), not JSON (400), a user guide that does not fit the stored interviews (409: the pages refuse
it, so nothing is stored with it here either — `survey.guide_fit`; the page keeps the changes and sends
them again), and the same way changes from a page drawn with another guide than the one used now (each item's
``gd``, the page's `survey.guide.page_digest`: `survey.interview.drawn_with`; the page says so and sends them
again once it is reloaded). Nothing of the body is logged.

Answer: 204 when every change was stored (or was already). Otherwise 200 with counts and positions, never
values: ``{"stored": n, "conflicts": n, "refused": n, "left": n, "not_stored": [i, …]}`` — `conflicts` are
in the store's audit trail and offered when the interview is opened; `refused` were not stored (a value the
guide refuses, another user's change); `left` are the items beyond `MAX_ITEMS`, not looked at;
`not_stored` lists the positions in ``items`` of the refused and the left ones, which the page keeps and says
are not saved (ui/static/queue.js, `bbSendHeld`; the page sends at most `MAX_ITEMS` a time). A refusal here is
final — the same change gets the same answer — so the page does not send it again, but puts it back in its field
when the interview is opened, with the refusal to correct; only a failure (no answer, 403, 409, 503) is tried
again, after 8 s, then twice as long, up to a minute.
"""
from __future__ import annotations

import hashlib
import json
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# the store's modules are imported by the functions that use them: serve.py imports this module
# before the server listens (issue 13, the app's first page)
from ui.session_http import NO_STORE, read_body, same_origin

log = logging.getLogger("brugerblik.ui")

AUTOSAVE_PATH = "/bb/autosave"
MAX_BODY = 2 * 1024 * 1024   # a few long free texts (each at most MAX_TEXT characters)
MAX_ITEMS = 200


def author_mark(username: str | None) -> str:
    """Who made a change, as the page stamps it on each change (``by``): a short digest of the signed-in
    user's name ('' on a store without users). A tab where one user was signed out and another signed in
    holds the first user's unsaved changes until that user signs in there again (ui/static/queue.js); the
    server stores a change only under the name of whoever made it (`ui.autosave.apply_queue`, `apply`)."""
    return hashlib.sha256(("bb-author:" + (username or "")).encode("utf-8")).hexdigest()[:16]


def made_by(items: list, username: str | None) -> list:
    """The changes of `items` made by `username` (`author_mark`); a change without a mark is taken as its own."""
    mark = author_mark(username)
    return [it for it in items if not isinstance(it, dict) or it.get("by") in (None, mark)]


def _answer(status: int) -> Response:
    return Response(status_code=status, headers=NO_STORE)


def apply(payload: dict, token: str | None) -> int | dict:
    """Store a closing page's changes (`survey.interview.save_closing_changes`): the HTTP status of a refusal,
    204 when every change was stored, else what became of them (the 200 answer's body, see the module)."""
    from survey import auth  # reason: start-up (see the module's imports)
    from survey import guide_fit  # reason: start-up (see the module's imports)
    from survey import interview as svc  # reason: start-up (see the module's imports)
    from survey.db import get_engine  # reason: start-up (see the module's imports)
    from survey.guide import load_guide  # reason: start-up (see the module's imports)

    engine = get_engine()
    p = auth.principal_for_request(engine, token)
    if p is None or (p != auth.OPEN and not auth.allowed(p.role, "interview.own")):  # the open store: all
        return 403
    iid = str(payload.get("iid") or "")[:36]
    items = payload.get("items")
    if not iid or not isinstance(items, list):
        return 400
    info, may = svc.find_for(engine, iid, p)
    if info is None or not may:
        return 403
    user_guide = load_guide()
    try:  # a guide the pages refuse stores nothing here either (docs/guide.md «Når guiden ændres»)
        guide_fit.require_fit(engine, user_guide)
        guide = svc.guide_of(info, user_guide, engine)  # a source's own guide: checked against its type's
    except guide_fit.GuideFitError:
        log.warning("autogem ved lukning: spørgeguiden passer ikke til de gemte interview; intet gemt")
        return 409
    head = items[:MAX_ITEMS]
    # another user's changes (held in a tab where that user was signed out) are never stored under this name
    own = [i for i, it in enumerate(head) if made_by([it], p.username)]
    res = svc.save_closing_changes(engine, guide, iid, [head[i] for i in own],
                                   who=p.username, principal=p, max_items=MAX_ITEMS)
    if res.guide_changed:  # a page drawn with another guide: nothing stored, the page keeps it (the same 409)
        log.warning("autogem ved lukning: siden er tegnet med en anden spørgeguide end den, der bruges nu; intet gemt")
        return 409
    others = sorted(set(range(len(head))) - set(own))
    not_stored = sorted(others + [own[j] for j in res.not_stored]) + list(range(MAX_ITEMS, len(items)))
    if res.complete and not others and len(items) <= MAX_ITEMS:
        return 204
    return {"stored": res.stored, "conflicts": res.conflicts, "refused": res.refused + len(others),
            "left": max(0, len(items) - MAX_ITEMS), "not_stored": not_stored}


async def autosave_route(request: Request) -> Response:
    from survey import auth  # reason: start-up (see the module's imports)

    if not same_origin(request):
        return _answer(403)
    body = await read_body(request, MAX_BODY)
    if body is None:
        return _answer(413)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _answer(400)
    if not isinstance(payload, dict):
        return _answer(400)
    try:
        status = await run_in_threadpool(apply, payload, request.cookies.get(auth.SESSION_COOKIE))
    except Exception as e:  # no values in the log
        log.error("autogem ved lukning fejlede: %s", type(e).__name__)
        return _answer(503)
    if isinstance(status, dict):  # not everything was stored: what became of it (counts and positions only)
        return JSONResponse(status, status_code=200, headers=NO_STORE)
    return _answer(status)


ROUTES = [Route(AUTOSAVE_PATH, autosave_route, methods=["POST"])]
