"""Leaving or being removed from a session closes the member's media connections at once.

The server runs on a loopback socket with a fake Janus behind it (the control API in
memory, and a WebSocket endpoint that plays Janus's transport).  The proxy's periodic
membership check is pushed out to an hour, so only the revocation can close a socket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from indaba.bus import MemoryBus
from indaba.config import Settings
from indaba.media.fake import FakeJanus
from indaba.media.rooms import JanusNode, RoomManager
from indaba.media.service import MediaService
from indaba.server import routes_media
from tests.delivery.harness import LiveServer, start_server
from tests.server.conftest import FakeClock, World, auth, make_world

from .conftest import MEDIA_SECRET


@dataclass
class FakeJanusTransport:
    """Janus's WebSocket transport, enough to hold connections and see them close."""

    server: Server | None = None
    open: set[ServerConnection] = field(default_factory=set)

    async def handler(self, connection: ServerConnection) -> None:
        self.open.add(connection)
        try:
            async for raw in connection:
                request = json.loads(raw)
                await connection.send(
                    json.dumps({"janus": "ack", "transaction": request.get("transaction")})
                )
        except ConnectionClosed:
            pass
        finally:
            self.open.discard(connection)

    @property
    def url(self) -> str:
        assert self.server is not None
        port = next(iter(self.server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"


@dataclass
class Stack:
    live: LiveServer
    http: httpx.AsyncClient
    janus: FakeJanus
    transport: FakeJanusTransport
    media: MediaService


@pytest.fixture
async def stack(
    settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    monkeypatch.setattr(routes_media, "RECHECK_EVERY", 3600.0)
    transport = FakeJanusTransport()
    transport.server = await serve(
        transport.handler, "127.0.0.1", 0, subprotocols=[websockets.Subprotocol("janus-protocol")]
    )
    live = await start_server(settings, clock)
    app = live.server.config.app
    janus = FakeJanus()
    node = JanusNode(ws_url=transport.url, control=janus, room_admin_key=janus.admin_key)
    media = MediaService(RoomManager([node], MEDIA_SECRET), MEDIA_SECRET)
    media.status = "up"
    await media.listen(app.state.delivery.bus)
    app.state.media = media
    try:
        async with httpx.AsyncClient(base_url=live.http_url) as http:
            yield Stack(live, http, janus, transport, media)
    finally:
        await media.stop()
        await live.stop()
        transport.server.close()
        await transport.server.wait_closed()


async def open_proxy(stack: Stack, session_id: str, token: str) -> ClientConnection:
    joined = await stack.http.post(f"/api/sessions/{session_id}/join", headers=auth(token))
    assert joined.status_code == 200, joined.text
    admitted = await stack.http.post(f"/api/sessions/{session_id}/media", headers=auth(token))
    assert admitted.status_code == 200, admitted.text
    ws = await connect(
        f"ws://127.0.0.1:{stack.live.port}/api/media/janus",
        subprotocols=[websockets.Subprotocol("janus-protocol")],
    )
    await ws.send(json.dumps({"indaba": "auth", "ticket": admitted.json()["token"]}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"indaba": "ready"}
    return ws


async def closed_with(ws: ClientConnection) -> int | None:
    """Wait for the server to close ``ws``; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def still_open(ws: ClientConnection) -> bool:
    await ws.send(json.dumps({"janus": "keepalive", "session_id": 1, "transaction": "k"}))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return bool(answer.get("transaction") == "k")


def token_of(stack: Stack, world: World, member_id: str) -> str:
    rooms = stack.media.rooms
    assert rooms is not None
    return rooms.participant_token(world.session_id, member_id)


def room_allowed(stack: Stack, world: World) -> set[str]:
    rooms = stack.media.rooms
    assert rooms is not None
    return stack.janus.rooms[rooms.room_id(world.session_id)].allowed


async def test_a_removed_member_loses_its_media_connection_at_once(stack: Stack) -> None:
    world = await make_world(stack.http)
    removed = await open_proxy(stack, world.session_id, world.participant)
    staying = await open_proxy(stack, world.session_id, world.facilitator)
    participant_token = token_of(stack, world, world.participant_id)
    assert participant_token in room_allowed(stack, world)
    assert len(stack.transport.open) == 2

    response = await stack.http.post(
        f"/api/sessions/{world.session_id}/removals",
        json={"member_id": world.participant_id},
        headers=auth(world.facilitator),
    )
    assert response.status_code == 200, response.text
    assert await closed_with(removed) == 4403
    assert participant_token not in room_allowed(stack, world)
    assert participant_token not in stack.janus.tokens
    assert token_of(stack, world, world.facilitator_id) in room_allowed(stack, world)
    assert await still_open(staying)  # the others stay in the meeting
    assert stack.media.connections.count(world.session_id, world.participant_id) == 0
    for _ in range(100):  # the proxy closes its upstream socket to Janus as it ends
        if len(stack.transport.open) == 1:
            break
        await asyncio.sleep(0.01)
    assert len(stack.transport.open) == 1
    # And it cannot come back: a new ticket is refused.
    again = await stack.http.post(
        f"/api/sessions/{world.session_id}/media", headers=auth(world.participant)
    )
    assert again.status_code == 403
    await staying.close()


async def test_leaving_the_session_closes_the_leavers_media(stack: Stack) -> None:
    world = await make_world(stack.http)
    ws = await open_proxy(stack, world.session_id, world.participant)
    left = await stack.http.post(
        f"/api/sessions/{world.session_id}/leave", headers=auth(world.participant)
    )
    assert left.status_code == 200, left.text
    assert await closed_with(ws) == 4403
    assert token_of(stack, world, world.participant_id) not in room_allowed(stack, world)


async def test_a_revocation_reaches_connections_in_other_processes() -> None:
    bus = MemoryBus()
    here, there = (MediaService(None, MEDIA_SECRET) for _ in range(2))
    await here.listen(bus)
    await there.listen(bus)
    elsewhere = there.connections.open("s1", "m1")
    other_member = there.connections.open("s1", "m2")
    await here.revoke("s1", "m1")
    assert elsewhere.is_set() and not other_member.is_set()
    await here.stop()
    await there.stop()
