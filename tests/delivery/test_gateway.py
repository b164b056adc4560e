"""The WebSocket gateway end to end, with real MLS members and a real server."""

from __future__ import annotations

import httpx

from indaba.delivery.frames import FrameKind
from indaba.mls.group import ApplicationMessage, StagedCommit
from tests.delivery.harness import LiveServer, RawClient, seqs
from tests.delivery.mls_helpers import MlsMember
from tests.server.conftest import World, auth


async def join_session(client: httpx.AsyncClient, world: World, token: str) -> None:
    response = await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(token))
    assert response.status_code == 200, response.text


async def test_two_members_create_join_and_talk(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    for token in (world.facilitator, world.participant):
        await join_session(client, world, token)
    farid = MlsMember.new(world.facilitator_id)
    pia = MlsMember.new(world.participant_id)

    a = await RawClient.open(live.ws_url, world.facilitator, world.session_id)
    assert a.ready["group"] is None
    await a.send(FrameKind.CREATE, 1, b"", farid.create(world.session_id))
    assert (await a.until("accepted")) == {"type": "accepted", "ref": 1, "seq": 0, "epoch": 0}

    info = (
        await client.get(
            f"/api/sessions/{world.session_id}/group-info", headers=auth(world.participant)
        )
    ).json()
    b = await RawClient.open(live.ws_url, world.participant, world.session_id, info["head"])
    assert b.ready["group"]["epoch"] == 0
    import base64

    group, commit, new_info = pia.external_join(base64.b64decode(info["group_info"]))
    await b.send(FrameKind.COMMIT, 7, commit, new_info)
    accepted = await b.until("accepted")
    assert accepted == {"type": "accepted", "ref": 7, "seq": 1, "epoch": 1}
    pia.group = group

    await a.until_seq(1)
    assert a.entries == [(1, commit)]
    assert farid.group is not None
    staged = farid.group.process(commit)
    assert isinstance(staged, StagedCommit)
    farid.group.merge(staged)

    hello = pia.group.encrypt(b"bonjour")
    await b.send(FrameKind.MESSAGE, 8, hello)
    await a.until_seq(2)
    received = farid.group.process(a.entries[-1][1])
    assert isinstance(received, ApplicationMessage) and received.data == b"bonjour"
    await b.until_seq(2)
    assert seqs(b.entries) == [1, 2]

    roster = await client.get(
        f"/api/sessions/{world.session_id}/group", headers=auth(world.convener)
    )
    assert roster.status_code == 403  # the convener did not join this session
    roster = (
        await client.get(f"/api/sessions/{world.session_id}/group", headers=auth(world.participant))
    ).json()
    assert [m["display_name"] for m in roster["roster"]] == sorted(
        ["Farid", "Pia"],
        key=lambda n: {"Farid": world.facilitator_id, "Pia": world.participant_id}[n],
    )
    await a.close()
    await b.close()
