"""Several Python clients (indaba.client on indaba.mls) in one group through the real server."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from indaba.client import ChatClosed, ChatSession, Message, Removed
from indaba.config import Settings
from tests.delivery.harness import LiveServer, start_server
from tests.server.conftest import NOW, FakeClock, World, auth, iso


async def big_session(client: httpx.AsyncClient, world: World) -> str:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json={
            "topic": "Oceans",
            "languages": ["en"],
            "capacity": 20,
            "starts_at": iso(NOW),
            "ends_at": iso(NOW + timedelta(hours=2)),
            "facilitator_id": world.facilitator_id,
        },
        headers=auth(world.convener),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def invite_url(
    client: httpx.AsyncClient, world: World, live: LiveServer, session: str
) -> str:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/invites",
        json={"session_id": session},
        headers=auth(world.convener),
    )
    assert response.status_code == 201, response.text
    return live.http_url + str(response.json()["url"])


async def messages(chat: ChatSession, count: int, timeout: float = 15) -> list[Message]:
    got: list[Message] = []

    async def collect() -> None:
        async for event in chat.events():
            if isinstance(event, Message):
                got.append(event)
                if len(got) == count:
                    return

    await asyncio.wait_for(collect(), timeout)
    return got


async def until_members(chat: ChatSession, count: int, timeout: float = 15) -> None:
    async def wait() -> None:
        while len(chat.member.members()) != count:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


async def test_three_talk_a_fourth_joins_late_and_a_removed_member_reads_nothing(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    session = await big_session(client, world)
    url = await invite_url(client, world, live, session)
    amina = await ChatSession.from_invite(url, "Amina", "en")
    await until_members(amina, 1)
    bo = await ChatSession.from_invite(url, "Bo", "en")
    cy = await ChatSession.from_invite(url, "Cy", "en")
    for chat in (amina, bo, cy):
        await until_members(chat, 3)

    await amina.send(b"one")
    await bo.send(b"two")
    for chat in (amina, bo, cy):
        got = await messages(chat, 2)
        assert sorted(m.data for m in got) == [b"one", b"two"]

    dee = await ChatSession.from_invite(url, "Dee", "fr")
    for chat in (amina, bo, cy, dee):
        await until_members(chat, 4)
    await cy.send(b"three")
    for chat in (amina, bo, cy, dee):
        got = await messages(chat, 1)
        assert [m.data for m in got] == [b"three"]

    # the facilitator removes Bo: Bo is disconnected, a member commits the Remove
    # (through the live server, whose bus reaches the sockets)
    async with httpx.AsyncClient(base_url=live.http_url) as http:
        response = await http.post(
            f"/api/sessions/{session}/removals",
            json={"member_id": bo.member.member_id},
            headers=auth(world.facilitator),
        )
    assert response.status_code == 200, response.text
    for chat in (amina, cy, dee):
        await until_members(chat, 3)
    assert bo.member.member_id not in amina.member.members()
    await dee.send(b"after removal")
    for chat in (amina, cy, dee):
        got = await messages(chat, 1)
        assert [m.data for m in got] == [b"after removal"]
    seen_by_bo: list[bytes] = []
    try:
        while True:
            event = await bo.next_event(timeout=1)
            if isinstance(event, Message):
                seen_by_bo.append(event.data)
            if isinstance(event, Removed):
                continue
    except (TimeoutError, ChatClosed):
        pass
    assert b"after removal" not in seen_by_bo

    # leaving is removing oneself
    await dee.leave()
    for chat in (amina, cy):
        await until_members(chat, 2)
    for chat in (amina, bo, cy, dee):
        await chat.close()


async def test_server_restart_mid_conversation_loses_and_duplicates_nothing(
    client: httpx.AsyncClient, world: World, live: LiveServer, settings: Settings, clock: FakeClock
) -> None:
    session = await big_session(client, world)
    url = await invite_url(client, world, live, session)
    chats = [await ChatSession.from_invite(url, name, "en") for name in ("A", "B", "C")]
    for chat in chats:
        await until_members(chat, 3)
    sent: list[bytes] = []
    for i in range(5):
        text = f"before {i}".encode()
        await chats[i % 3].send(text)
        sent.append(text)
    await live.stop()
    # while the server is down, clients queue what they send
    for i in range(3):
        text = f"during {i}".encode()
        await chats[i].send(text)
        sent.append(text)
    restarted = await start_server(settings, clock, port=live.port)
    try:
        for i in range(4):
            text = f"after {i}".encode()
            await chats[(i + 1) % 3].send(text)
            sent.append(text)
        logs = []
        for chat in chats:
            got = await messages(chat, len(sent), timeout=30)
            assert sorted(m.data for m in got) == sorted(sent)  # each exactly once
            assert [m.seq for m in got] == sorted({m.seq for m in got})
            logs.append([(m.seq, m.data) for m in got])
        assert logs[0] == logs[1] == logs[2]  # everyone read the same log, in one order
    finally:
        for chat in chats:
            await chat.close()
        await restarted.stop()
