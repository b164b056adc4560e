"""POST /api/sessions/{id}/media and GET /api/media/status against a fake Janus."""

from datetime import timedelta

import httpx

from indaba.media import tickets
from indaba.media.fake import FakeJanus
from indaba.media.service import MediaService
from tests.server.conftest import FakeClock, auth, make_world

from .conftest import MEDIA_SECRET


async def test_an_admitted_member_gets_a_ticket_for_an_e2ee_room(
    client: httpx.AsyncClient, fake_janus: FakeJanus, clock: FakeClock
) -> None:
    world = await make_world(client)
    await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(world.participant))
    response = await client.post(
        f"/api/sessions/{world.session_id}/media", headers=auth(world.participant)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["proxy_path"] == "/api/media/janus" and body["e2ee"] == "required"
    assert body["ice_servers"] == [{"urls": "stun:stun.test"}]
    room = fake_janus.rooms[body["room"]]
    assert room.require_e2ee and room.description == world.session_id
    ticket = tickets.verify(MEDIA_SECRET, body["token"], clock.now)
    assert (ticket.session_id, ticket.member_id) == (world.session_id, world.participant_id)
    assert body["token"] not in room.allowed  # the browser never holds the Janus token


async def test_only_admitted_members(client: httpx.AsyncClient, fake_janus: FakeJanus) -> None:
    world = await make_world(client)
    path = f"/api/sessions/{world.session_id}/media"
    assert (await client.post(path)).status_code == 401
    refused = await client.post(path, headers=auth(world.participant))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_session"
    other = await make_world(client)
    elsewhere = await client.post(path, headers=auth(other.participant))
    assert elsewhere.status_code == 404
    assert fake_janus.rooms == {}


async def test_ended_sessions_refuse_media(
    client: httpx.AsyncClient, clock: FakeClock, fake_janus: FakeJanus
) -> None:
    world = await make_world(client)
    await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(world.participant))
    clock.advance(hours=3)
    response = await client.post(
        f"/api/sessions/{world.session_id}/media", headers=auth(world.participant)
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "session_ended"


async def test_janus_down_is_reported_and_recovers(
    client: httpx.AsyncClient, fake_janus: FakeJanus, media: MediaService
) -> None:
    world = await make_world(client)
    await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(world.participant))
    path = f"/api/sessions/{world.session_id}/media"
    fake_janus.down = True
    await media.check_health()
    assert (await client.get("/api/media/status")).json()["status"] == "down"
    down = await client.post(path, headers=auth(world.participant))
    assert down.status_code == 503 and down.json()["error"]["code"] == "media_unavailable"
    # Text keeps working while media is down.
    assert (
        await client.get(f"/api/sessions/{world.session_id}", headers=auth(world.participant))
    ).status_code == 200
    fake_janus.down = False
    fake_janus.restart()
    await media.check_health()
    assert (await client.get("/api/media/status")).json()["status"] == "up"
    again = await client.post(path, headers=auth(world.participant))
    assert again.status_code == 200 and again.json()["room"] in fake_janus.rooms


async def test_disabled_media(client: httpx.AsyncClient) -> None:
    world = await make_world(client)
    await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(world.participant))
    client_app = client._transport.app  # type: ignore[attr-defined]
    client_app.state.media = MediaService.disabled("off")
    assert (await client.get("/api/media/status")).json()["status"] == "disabled"
    response = await client.post(
        f"/api/sessions/{world.session_id}/media", headers=auth(world.participant)
    )
    assert response.status_code == 503 and response.json()["error"]["code"] == "media_disabled"


async def test_reaper_destroys_rooms_of_ended_sessions(
    client: httpx.AsyncClient, clock: FakeClock, fake_janus: FakeJanus, media: MediaService
) -> None:
    from indaba.server.routes_media import ended_sessions

    world = await make_world(client)
    await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(world.participant))
    await client.post(f"/api/sessions/{world.session_id}/media", headers=auth(world.participant))
    app = client._transport.app  # type: ignore[attr-defined]
    database = app.state.indaba.database

    async def ended(ids: list[str], now: object) -> set[str]:
        async with database.engine.connect() as conn:
            return await ended_sessions(conn, ids, clock.now)

    assert await media.reap(ended, clock.now) == []
    assert len(fake_janus.rooms) == 1
    clock.advance(hours=2, seconds=1)
    assert await media.reap(ended, clock.now + timedelta(0)) == [world.session_id]
    assert fake_janus.rooms == {}
