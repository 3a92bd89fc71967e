"""Driving Brugerblik's own components (ui/autosave.py) from AppTest.

AppTest has no element type for components v2, so a test does what the browser's queue does: it
sets the component's state to a queue with one new item (a fresh sequence number), and the run
applies it through the same `apply_queue` the on-change callback calls. What the page sends to
the browser is read back from the component's JSON data. Real typing, clicking and keys are
covered by the browser tests (tests/browser/test_field_trust_browser.py).
"""
from __future__ import annotations

import itertools
import json

from survey import interview as svc
from ui.common import wkey

_seq = itertools.count(1)


def data(at, key: str) -> dict:
    """The data the page last sent to the component mounted with `key`."""
    for e in at.get("bidi_component"):
        if e.proto.id.endswith("-" + key):
            return json.loads(e.proto.json)
    raise KeyError(key)


def send(at, key: str, code: str, value, base, *, kind: str = "save"):
    item = {"seq": next(_seq), "code": code, "value": value, "base": list(base), "kind": kind}
    at.session_state[key] = {"queue": {"cid": "apptest", "items": [item]}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def type_text(at, engine, iid: str, code: str, text: str):
    """Type `text` into a free-text answer (the field outside the probe grid)."""
    return send(at, wkey(iid, code), code, text, svc.load_state(engine, iid).base(code))


def shown_text(at, iid: str, code: str) -> str:
    return data(at, wkey(iid, code)).get("value") or ""


def grid_key(iid: str, section: str = "udbytte") -> str:
    return f"pg_{iid}_{section}"


def grid_set(at, engine, iid: str, code: str, value, section: str = "udbytte"):
    """Answer one cell of the probe grid (answer, importance or note)."""
    return send(at, grid_key(iid, section), code, value, svc.load_state(engine, iid).base(code))


def grid_rows(at, iid: str, section: str = "udbytte") -> dict[str, dict]:
    return {r["code"]: r for r in data(at, grid_key(iid, section))["rows"]}


def choose(at, engine, iid: str, code: str, value):
    """Choose in a single or multiple choice answer (a list for a multiple choice)."""
    if isinstance(value, (list, tuple)):
        value = ";".join(value) or None
    return send(at, wkey(iid, code), code, value, svc.load_state(engine, iid).base(code))


def shown_choice(at, iid: str, code: str):
    d = data(at, wkey(iid, code))
    v = d.get("value")
    return (v.split(";") if v else []) if d.get("kind") == "many" else v


def field_error(at, iid: str, code: str) -> str | None:
    return data(at, wkey(iid, code)).get("error")
