"""DNS rebinding (a tester): a server on loopback answers only requests for its own loopback names
(`ui.hosts`), over HTTP and the websocket alike; BRUGERBLIK_HOSTS lists others."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from ui import hosts


def test_the_names_a_server_answers():
    assert hosts.allowed_hosts("127.0.0.1", None) == ["localhost", "127.0.0.1", "::1", "[::1]"]
    assert hosts.allowed_hosts("localhost", "") == hosts.allowed_hosts("127.0.0.1", None)
    assert hosts.allowed_hosts("0.0.0.0", None) == ["*"]  # on a network: its own names, unknown here
    assert hosts.allowed_hosts(None, None) == ["*"]
    assert hosts.allowed_hosts("0.0.0.0", " Brugerblik.Kommune.dk, 10.0.0.5 ,") == ["brugerblik.kommune.dk",
                                                                                    "10.0.0.5"]
    # on loopback a listed name (a proxy's) is added to the loopback names, not put in their place (a reviewer)
    assert hosts.allowed_hosts("127.0.0.1", "proxy.local") == [*hosts.LOOPBACK_NAMES, "proxy.local"]
    # a pattern Starlette cannot match stops the start with the reason, instead of failing every request
    with pytest.raises(hosts.HostsError, match="BRUGERBLIK_HOSTS"):
        hosts.allowed_hosts("0.0.0.0", "brugerblik*.dk")
    with pytest.raises(hosts.HostsError, match="uden port"):
        hosts.allowed_hosts("0.0.0.0", "brugerblik.kommune.dk:8501")


async def _ws(websocket):
    await websocket.accept()
    await websocket.send_text("hej")
    await websocket.close()


def _client(monkeypatch, address: str | None, listed: str | None = None) -> TestClient:
    import streamlit as st

    monkeypatch.setattr(st, "get_option", lambda name: address if name == "server.address" else None)
    if listed is None:
        monkeypatch.delenv("BRUGERBLIK_HOSTS", raising=False)
    else:
        monkeypatch.setenv("BRUGERBLIK_HOSTS", listed)
    app = Starlette(routes=[Route("/x", lambda r: PlainTextResponse("ok")), WebSocketRoute("/ws", _ws)],
                    middleware=hosts.MIDDLEWARE)
    return TestClient(app, base_url="http://127.0.0.1:8501")


@pytest.mark.parametrize("host, ok", [("127.0.0.1:8501", True), ("localhost:8501", True), ("[::1]:8501", True),
                                      ("evil.example:8501", False), ("127.0.0.1.evil.example", False)])
def test_on_loopback_another_name_is_refused_over_http_and_the_websocket(monkeypatch, host, ok):
    c = _client(monkeypatch, "127.0.0.1")
    r = c.get("/x", headers={"Host": host})
    assert r.status_code == (200 if ok else 400)
    if ok:
        with c.websocket_connect("/ws", headers={"Host": host}) as ws:
            assert ws.receive_text() == "hej"
    else:
        with pytest.raises(WebSocketDisconnect):
            with c.websocket_connect("/ws", headers={"Host": host}) as ws:
                ws.receive_text()


def test_a_server_on_a_network_answers_its_listed_names_only(monkeypatch):
    c = _client(monkeypatch, "0.0.0.0", "brugerblik.kommune.dk")
    assert c.get("/x", headers={"Host": "brugerblik.kommune.dk"}).status_code == 200
    assert c.get("/x", headers={"Host": "evil.example"}).status_code == 400
    c = _client(monkeypatch, "0.0.0.0")
    assert c.get("/x", headers={"Host": "any.name.example"}).status_code == 200
