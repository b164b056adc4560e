"""Bad input at the gateway: refused with a clear reason, and the group goes on."""

from __future__ import annotations

import base64
import contextlib
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from indaba.delivery.frames import FrameKind
from indaba.mls.wire.framing import ContentType
from indaba.server import gateway
from tests.delivery.harness import LiveServer, RawClient, seqs
from tests.delivery.mls_helpers import MlsMember, private_message
from tests.server.conftest import FakeClock, World, auth


async def join(client: httpx.AsyncClient, world: World, *tokens: str) -> None:
    for token in tokens:
        response = await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(token))
        assert response.status_code == 200, response.text


async def two_in_a_group(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> tuple[RawClient, RawClient, MlsMember, MlsMember]:
    await join(client, world, world.facilitator, world.participant)
    farid, pia = MlsMember.new(world.facilitator_id), MlsMember.new(world.participant_id)
    a = await RawClient.open(live.ws_url, world.facilitator, world.session_id)
    await a.send(FrameKind.CREATE, 1, b"", farid.create(world.session_id))
    await a.until("accepted")
    b = await RawClient.open(live.ws_url, world.participant, world.session_id)
    assert farid.group is not None
    group, commit, info = pia.external_join(farid.group.group_info())
    await b.send(FrameKind.COMMIT, 2, commit, info)
    await b.until("accepted")
    pia.group = group
    await a.until_seq(1)
    farid.group.merge(farid.group.process(commit))  # type: ignore[arg-type]
    return a, b, farid, pia


async def close_of(live: LiveServer, hello: object) -> tuple[int | None, str]:
    ws = await connect(live.ws_url)
    await ws.send(hello if isinstance(hello, bytes) else json.dumps(hello))
    with contextlib.suppress(ConnectionClosed):
        async for _ in ws:
            pass
    await ws.close()
    return ws.close_code, ws.close_reason or ""


async def test_hello_refusals_close_with_codes_that_say_why(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    hello = {"type": "hello", "token": world.participant, "session_id": world.session_id}
    assert (await close_of(live, b"binary"))[0] == 4000
    assert (await close_of(live, {"type": "nope"}))[0] == 4000
    assert (await close_of(live, {**hello, "token": "wrong"}))[0] == 4401
    assert (await close_of(live, {**hello, "session_id": "unknown"}))[0] == 4404
    code, reason = await close_of(live, hello)  # not admitted to the session yet
    assert code == 4403 and "Join the session" in reason
    await join(client, world, world.participant)
    assert (await close_of(live, {**hello, "cursor": 5}))[0] == 4000
    assert (await close_of(live, {**hello, "extra": 1}))[0] == 4000


async def test_hello_timeout(
    client: httpx.AsyncClient, world: World, live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gateway, "HELLO_TIMEOUT", 0.2)
    ws = await connect(live.ws_url)
    with contextlib.suppress(ConnectionClosed):
        async for _ in ws:
            pass
    assert ws.close_code == 4001


async def test_bad_frames_are_refused_and_the_group_goes_on(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    a, b, farid, pia = await two_in_a_group(client, world, live)
    gid = world.session_id.encode()
    await b.ws.send(b"\x01\x00\x00\x00\x05garbage")
    assert (await b.until("rejected"))["reason"] == "malformed"
    await b.ws.send(b"\x01\x00\x00\x00\x06" + b"x" * (gateway.MAX_FRAME_BYTES + 1))
    assert (await b.until("rejected"))["reason"] == "frame_too_large"
    await b.send(FrameKind.MESSAGE, 7, private_message(gid, 9, b"from the future"))
    assert (await b.until("rejected"))["reason"] == "future_epoch"
    await b.send(FrameKind.MESSAGE, 8, private_message(gid, 0, b"from the past"))
    stale = await b.until("rejected")
    assert stale == {
        "type": "rejected",
        "ref": 8,
        "reason": "stale_epoch",
        "message": "The group is at epoch 1; process the log, then retry.",
        "epoch": 1,
        "catch_up_from": 1,
    }
    await b.send(FrameKind.MESSAGE, 9, private_message(b"other group", 1, b"x"))
    assert (await b.until("rejected"))["reason"] == "wrong_group"
    await b.ws.send("not json")
    assert (await b.until("rejected"))["reason"] == "malformed"
    await b.ws.send(json.dumps({"type": "ping"}))
    assert (await b.until("pong"))["type"] == "pong"

    assert pia.group is not None and farid.group is not None
    hello = pia.group.encrypt(b"still here")
    await b.send(FrameKind.MESSAGE, 10, hello)
    assert (await b.until("accepted"))["seq"] == 2
    await b.send(FrameKind.MESSAGE, 11, hello)  # the same bytes again
    assert (await b.until("rejected"))["reason"] == "replay"

    # two commits for epoch 1: the first wins, the second is stale
    out_a = farid.group.commit()
    out_b = pia.group.commit()

    await a.send(FrameKind.COMMIT, 20, out_a.commit, out_a.group_info)
    assert (await a.until("accepted"))["epoch"] == 2
    await b.send(FrameKind.COMMIT, 21, out_b.commit, out_b.group_info)
    lost = await b.until("rejected")
    assert lost["reason"] == "stale_epoch" and lost["catch_up_from"] == 3 and lost["epoch"] == 2

    await a.until_seq(3)
    assert seqs(a.entries) == [1, 2, 3]  # nothing refused reached the other member
    farid.group.merge(out_a.staged)
    await b.until_seq(3)
    pia.group.merge(pia.group.process(b.entries[-1][1]))  # type: ignore[arg-type]
    await b.send(FrameKind.MESSAGE, 22, pia.group.encrypt(b"after the commit"))
    await a.until_seq(4)
    assert farid.group.process(a.entries[-1][1]).data == b"after the commit"  # type: ignore[union-attr]
    await a.close()
    await b.close()


async def test_a_commit_frame_must_carry_a_group_info_and_messages_none(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    a, b, _, _ = await two_in_a_group(client, world, live)
    gid = world.session_id.encode()
    commit = private_message(gid, 1, b"commit", ContentType.COMMIT)
    await a.send(FrameKind.MESSAGE, 3, commit)
    assert (await a.until("rejected"))["reason"] == "group_info_required"
    await a.send(FrameKind.CREATE, 4, b"", b"\x00\x01")
    assert (await a.until("rejected"))["reason"] == "group_exists"
    await a.close()
    await b.close()


async def test_second_socket_replaces_the_first(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    await join(client, world, world.participant)
    first = await RawClient.open(live.ws_url, world.participant, world.session_id)
    second = await RawClient.open(live.ws_url, world.participant, world.session_id)
    assert (await first.closed())[0] == 4409
    await second.close()


async def test_removed_member_is_cut_off_and_cannot_come_back(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    a, b, _, _ = await two_in_a_group(client, world, live)
    async with httpx.AsyncClient(base_url=live.http_url) as http:
        refused = await http.post(
            f"/api/sessions/{world.session_id}/removals",
            json={"member_id": world.facilitator_id},
            headers=auth(world.participant),
        )
        assert refused.status_code == 403
        removed = await http.post(
            f"/api/sessions/{world.session_id}/removals",
            json={"member_id": world.participant_id},
            headers=auth(world.facilitator),
        )
        assert removed.json()["removed_by"] == "facilitator"
    assert (await b.until("removed"))["by"] == "facilitator"
    assert (await b.closed())[0] == 4403
    notice = await a.until("member_removed")
    assert notice["member_id"] == world.participant_id
    # re-joining the session does not readmit a removed member to the group
    await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(world.participant))
    hello = {"type": "hello", "token": world.participant, "session_id": world.session_id}
    code, reason = await close_of(live, hello)
    assert code == 4403 and "removed" in reason
    group = await client.get(
        f"/api/sessions/{world.session_id}/group", headers=auth(world.facilitator)
    )
    assert group.json()["pending_removals"] == [world.participant_id]
    await a.close()


async def test_key_package_directory(client: httpx.AsyncClient, world: World) -> None:
    await join(client, world, world.facilitator, world.participant)
    pia = MlsMember.new(world.participant_id)
    packages = [base64.b64encode(pia.key_package()).decode() for _ in range(6)]
    last = base64.b64encode(pia.key_package()).decode()
    up = await client.post(
        "/api/key-packages",
        json={"key_packages": packages, "last_resort": last},
        headers=auth(world.participant),
    )
    assert up.status_code == 201, up.text
    assert up.json() == {"one_time_available": 6, "has_last_resort": True, "top_up": False}
    again = await client.post(
        "/api/key-packages", json={"key_packages": packages[:1]}, headers=auth(world.participant)
    )
    assert again.status_code == 409
    foreign = await client.post(
        "/api/key-packages", json={"key_packages": packages[:1]}, headers=auth(world.facilitator)
    )
    assert foreign.status_code == 422 and foreign.json()["error"]["field"] == "key_packages.0"

    claim = f"/api/sessions/{world.session_id}/key-packages/claim"
    handed = []
    for _ in range(7):
        got = await client.post(
            claim, json={"member_id": world.participant_id}, headers=auth(world.facilitator)
        )
        assert got.status_code == 200, got.text
        handed.append((got.json()["key_package"], got.json()["last_resort"]))
    assert sorted(p for p, last_resort in handed if not last_resort) == sorted(packages)
    assert handed[-1] == (last, True)  # handed out once each, then the last resort
    status = (await client.get("/api/key-packages", headers=auth(world.participant))).json()
    assert status == {"one_time_available": 0, "has_last_resort": True, "top_up": True}
    outsider = await client.post(
        claim, json={"member_id": world.participant_id}, headers=auth(world.convener)
    )
    assert outsider.status_code == 403


async def test_retention_is_set_per_dialogue_and_enforced(
    client: httpx.AsyncClient, world: World, live: LiveServer, clock: FakeClock
) -> None:
    path = f"/api/dialogues/{world.dialogue_id}/delivery-settings"
    assert (await client.get(path, headers=auth(world.participant))).json() == {
        "retention_seconds": 7 * 24 * 3600
    }
    refused = await client.put(
        path, json={"retention_seconds": 3600}, headers=auth(world.facilitator)
    )
    assert refused.status_code == 403
    bad = await client.put(path, json={"retention_seconds": 1}, headers=auth(world.convener))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "retention_seconds"
    ok = await client.put(path, json={"retention_seconds": 3600}, headers=auth(world.convener))
    assert ok.json() == {"retention_seconds": 3600}

    a, b, _, pia = await two_in_a_group(client, world, live)
    assert pia.group is not None
    await b.send(FrameKind.MESSAGE, 5, pia.group.encrypt(b"old"))
    await b.until_seq(2)
    await a.close()
    clock.advance(hours=2)
    late = await RawClient.open(live.ws_url, world.facilitator, world.session_id, cursor=0)
    assert (await late.until("caught_up"))["head"] == 0  # nothing older than an hour is served
    await b.send(FrameKind.MESSAGE, 6, pia.group.encrypt(b"new"))
    await late.until_seq(3)
    assert seqs(late.entries) == [3]
    await late.close()
    await b.close()


async def test_expired_entries_of_idle_groups_are_deleted(
    client: httpx.AsyncClient, world: World, live: LiveServer, clock: FakeClock, settings: object
) -> None:
    from sqlalchemy import func, select

    from indaba.server import delivery_store
    from indaba.store import open_database
    from indaba.store.schema_delivery import delivery_log

    path = f"/api/dialogues/{world.dialogue_id}/delivery-settings"
    await client.put(path, json={"retention_seconds": 600}, headers=auth(world.convener))
    a, b, _, pia = await two_in_a_group(client, world, live)
    assert pia.group is not None
    await b.send(FrameKind.MESSAGE, 5, pia.group.encrypt(b"soon gone"))
    await b.until_seq(2)
    await a.close()
    await b.close()
    database = open_database(settings.database_url)  # type: ignore[attr-defined]
    async with database.engine.begin() as conn:
        assert await delivery_store.prune_all(conn, clock.now) == 0
        clock.advance(minutes=11)
        assert await delivery_store.prune_all(conn, clock.now) == 2
        assert await conn.scalar(select(func.count()).select_from(delivery_log)) == 0
    await database.close()
