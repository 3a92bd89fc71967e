"""The last save of a page being closed (issue 10): ``POST /bb/autosave``, served by serve.py.

The interview page sends its changes over Streamlit's websocket (ui/autosave.py). When the tab is
closed or hidden, the browser may tear the socket down before the last message is out; so the
page also hands what is not yet acknowledged to ``navigator.sendBeacon``, which the browser
delivers after the page is gone. This route stores it through the one path every answer takes,
`survey.interview.save_answer` with the version the page saw (`base`): a value another tab changed
meanwhile is not replaced (the attempt is in the audit trail as a conflict), and a value that is
already stored (the websocket got there first) changes nothing.

Body: JSON ``{"iid": "<interview id>", "items": [{"code", "value", "base": [version, value],
"chain": bool, "prev": value}]}`` (text/plain, so the beacon needs no preflight), at most
`MAX_BODY` bytes and `MAX_ITEMS` items. ``chain``: the tab changed this answer before and the
server has not yet drawn it back; when the store holds exactly the tab's previous value (``prev``),
that is the version the change is based on. Quotes: ``quote:<id>`` edits that quote of the
interview; ``newquote:<item>`` continues the newest quote of that item when the store holds the
start of the text (the websocket saved part of it), else adds one. An emptied quote is never a
deletion.

Who: the store's single user when it has no users; else the signed-in session of the HttpOnly
cookie (`survey.auth.resume_session`), whose role must allow interviews and who may open this
interview (`survey.interview.find_for`). Refused: another origin (403), no session (403), too
large (413), not JSON (400). Nothing of the body is logged.
"""
from __future__ import annotations

import json
import logging

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from survey import auth
from survey import interview as svc
from survey.db import get_engine, session_scope
from survey.guide import MAX_TEXT, load_guide
from survey.models import Answer, Quote
from ui.session_http import NO_STORE, read_body, same_origin

log = logging.getLogger("brugerblik.ui")

AUTOSAVE_PATH = "/bb/autosave"
MAX_BODY = 2 * 1024 * 1024   # a few long free texts (each at most MAX_TEXT characters)
MAX_ITEMS = 200


def _answer(status: int) -> Response:
    return Response(status_code=status, headers=NO_STORE)


def _principal(token: str | None) -> auth.Principal | None:
    with session_scope(get_engine()) as s:
        if auth.is_open(s):
            return auth.OPEN
        r = auth.resume_session(s, token)
        return r.principal if r is not None else None


def _current(engine, iid: str, code: str) -> tuple[int, str | None]:
    with session_scope(engine) as s:
        row = s.execute(select(Answer.version, Answer.value).where(Answer.interview_id == iid, Answer.code == code)
                        ).first()
        return (int(row[0] or 1), row[1]) if row else (0, None)


def _text(v) -> str | None:
    return None if v is None or v == "" else str(v)[:MAX_TEXT + 1]


def _base(raw) -> tuple[int, str | None]:
    try:
        v, val = raw
        return int(v or 0), _text(val)
    except (TypeError, ValueError):
        return 0, None


def _save_quote(engine, guide, iid: str, code: str, value: str | None, who: str | None) -> None:
    if not value or not value.strip():
        return
    if code.startswith("quote:"):
        try:
            qid = int(code.removeprefix("quote:"))
        except ValueError:
            return
        if 0 < qid < 2**31:
            svc.update_quote(engine, iid, qid, text=value, who=who)
        return
    item = code.removeprefix("newquote:")
    with session_scope(engine) as s:
        last = s.execute(select(Quote.id, Quote.text).where(Quote.interview_id == iid, Quote.item_code == item)
                         .order_by(Quote.id.desc()).limit(1)).first()
    if last is not None and value.startswith(last[1]):
        svc.update_quote(engine, iid, last[0], text=value, who=who)
    else:
        svc.add_quote(engine, guide, iid, item, value, who=who)


def apply(payload: dict, token: str | None) -> int:
    """Store a closing page's changes; the HTTP status to answer."""
    p = _principal(token)
    if p is None or (p != auth.OPEN and not auth.allowed(p.role, "interview.own")):  # the open store: all
        return 403
    iid = str(payload.get("iid") or "")[:36]
    items = payload.get("items")
    if not iid or not isinstance(items, list):
        return 400
    engine = get_engine()
    info, may = svc.find_for(engine, iid, p)
    if info is None or not may:
        return 403
    guide = svc.guide_of(info, load_guide())
    who = p.username
    for it in items[:MAX_ITEMS]:
        if not isinstance(it, dict):
            continue
        code = str(it.get("code") or "")[:120]
        value = _text(it.get("value"))
        if it.get("kind") in ("keep", "done"):
            continue
        if code.startswith(("quote:", "newquote:")):
            _save_quote(engine, guide, iid, code, value, who)
            continue
        if code not in guide.items:
            continue
        base = _base(it.get("base"))
        if it.get("chain"):
            cur = _current(engine, iid, code)
            if cur[1] == _text(it.get("prev")):
                base = cur
        svc.save_answer(engine, guide, iid, code, value, who=who, principal=p, base=base)
    return 204


async def autosave_route(request: Request) -> Response:
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
    return _answer(status)


ROUTES = [Route(AUTOSAVE_PATH, autosave_route, methods=["POST"])]
