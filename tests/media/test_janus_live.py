"""The server with a real Janus it starts itself: generated config, proxy rules, restart.

Skipped when the ``janus`` binary is not installed.  No media flows here (the browser tests
in test_browser_media.py do that); this drives Janus's own JSON protocol through the proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient, WebSocketTestSession

from indaba.config import Settings
from indaba.media.service import MediaService
from indaba.server import create_app
from indaba.store.migrate import upgrade_sync

pytestmark = pytest.mark.skipif(
    shutil.which("janus") is None, reason="janus is not installed (apt-get install janus)"
)


def wait_for(predicate: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'indaba.sqlite3'}"
    upgrade_sync(url)
    settings = Settings(database_url=url, auto_migrate=False, media_rtp_ports="31000-31100")
    app = create_app(settings)
    with TestClient(app) as client:
        wait_for(lambda: client.get("/api/media/status").json()["status"] == "up", "Janus")
        yield client


def admitted_member(client: TestClient) -> tuple[dict[str, Any], str]:
    from tests.server.conftest import auth, dialogue_body, session_body

    created = client.post(
        "/api/dialogues",
        json=dialogue_body(opens_at="2020-01-01T00:00:00Z", closes_at="2099-01-01T00:00:00Z"),
    ).json()
    token = created["token"]
    dialogue = created["dialogue"]["id"]
    session = client.post(
        f"/api/dialogues/{dialogue}/sessions",
        json=session_body(starts_at="2020-01-01T00:00:00Z", ends_at="2099-01-01T00:00:00Z"),
        headers=auth(token),
    ).json()
    assert (
        client.post(f"/api/sessions/{session['id']}/join", headers=auth(token)).status_code == 200
    )
    media = client.post(f"/api/sessions/{session['id']}/media", headers=auth(token))
    assert media.status_code == 200, media.text
    return media.json(), token


def call(ws: WebSocketTestSession, request: dict[str, Any]) -> dict[str, Any]:
    request = {"transaction": os.urandom(6).hex(), **request}
    ws.send_text(json.dumps(request))
    while True:
        answer: dict[str, Any] = json.loads(ws.receive_text())
        if answer.get("transaction") == request["transaction"] and answer.get("janus") != "ack":
            return answer


def open_proxy(client: TestClient, ticket: str) -> WebSocketTestSession:
    ws = client.websocket_connect("/api/media/janus", subprotocols=["janus-protocol"])
    session = ws.__enter__()
    session.send_text(json.dumps({"indaba": "auth", "ticket": ticket}))
    assert json.loads(session.receive_text()) == {"indaba": "ready"}
    return session


def test_a_member_joins_its_room_through_the_proxy_and_nothing_else(server: TestClient) -> None:
    media, _ = admitted_member(server)
    ws = open_proxy(server, media["token"])
    try:
        session = call(ws, {"janus": "create"})["data"]["id"]
        handle = call(
            ws, {"janus": "attach", "session_id": session, "plugin": "janus.plugin.videoroom"}
        )["data"]["id"]

        def room(body: dict[str, Any]) -> dict[str, Any]:
            answer = call(
                ws, {"janus": "message", "session_id": session, "handle_id": handle, "body": body}
            )
            if answer["janus"] == "error":
                return {"refused": answer["error"]["reason"]}
            return dict(answer["plugindata"]["data"])

        joined = room(
            {"request": "join", "ptype": "publisher", "room": media["room"], "display": "A"}
        )
        assert joined["videoroom"] == "joined" and joined["room"] == media["room"]
        assert "refused" in room({"request": "create", "room": 77})
        assert "refused" in room({"request": "destroy", "room": media["room"], "secret": "guess"})
        assert "refused" in room(
            {"request": "join", "ptype": "publisher", "room": media["room"] + 1}
        )
        streaming = call(
            ws, {"janus": "attach", "session_id": session, "plugin": "janus.plugin.streaming"}
        )
        assert streaming["janus"] == "error"
    finally:
        ws.__exit__(None, None, None)


def test_the_proxy_refuses_bad_tickets(server: TestClient) -> None:
    with server.websocket_connect("/api/media/janus") as ws:
        ws.send_text(json.dumps({"indaba": "auth", "ticket": "v1.a.b.1.forged"}))
        with pytest.raises(Exception):  # noqa: B017 - closed with 4401
            ws.receive_text()


def test_janus_direct_access_needs_a_token(server: TestClient) -> None:
    import asyncio

    import websockets

    service: MediaService = server.app.state.media  # type: ignore[attr-defined]
    assert service.rooms is not None
    url = service.rooms.nodes[0].ws_url
    assert url.startswith("ws://127.0.0.1:")

    async def probe() -> dict[str, Any]:
        async with websockets.connect(
            url, subprotocols=[websockets.Subprotocol("janus-protocol")]
        ) as conn:
            await conn.send(json.dumps({"janus": "create", "transaction": "t"}))
            answer: dict[str, Any] = json.loads(await conn.recv())
            return answer

    answer = asyncio.run(probe())
    assert answer["janus"] == "error" and answer["error"]["code"] == 403


def test_janus_is_restarted_and_rooms_come_back(server: TestClient) -> None:
    media, _ = admitted_member(server)
    service: MediaService = server.app.state.media  # type: ignore[attr-defined]
    assert service.supervisor is not None and service.supervisor._child is not None
    os.kill(service.supervisor._child.pid, signal.SIGKILL)  # type: ignore[attr-defined]
    wait_for(lambda: server.get("/api/media/status").json()["status"] == "down", "down")
    wait_for(lambda: server.get("/api/media/status").json()["status"] == "up", "restart")
    assert service.supervisor.starts == 2
    ws = open_proxy(server, media["token"])
    try:
        session = call(ws, {"janus": "create"})["data"]["id"]
        handle = call(
            ws, {"janus": "attach", "session_id": session, "plugin": "janus.plugin.videoroom"}
        )["data"]["id"]
        body = {"request": "join", "ptype": "publisher", "room": media["room"]}
        answer = call(
            ws, {"janus": "message", "session_id": session, "handle_id": handle, "body": body}
        )
        # The room and token were lost with the old process; the proxy recreated them.
        assert answer["plugindata"]["data"]["videoroom"] == "joined"
    finally:
        ws.__exit__(None, None, None)
