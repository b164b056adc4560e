"""Sessions: creation by convener or facilitator, joining with capacity, schedule rules."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.server.conftest import NOW, FakeClock, World, auth, iso, join, session_body


async def test_convener_creates_session_visible_to_participants(
    client: httpx.AsyncClient, world: World
) -> None:
    sessions = await client.get(
        f"/api/dialogues/{world.dialogue_id}/sessions", headers=auth(world.participant)
    )
    assert sessions.status_code == 200
    [session] = sessions.json()
    assert session["topic"] == "Water"
    assert session["capacity"] == 3
    assert session["participant_count"] == 0
    assert session["facilitator"] == {"id": world.facilitator_id, "display_name": "Farid"}
    assert session["joined"] is False


async def test_facilitator_creates_own_session(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json=session_body(topic="Cities"),
        headers=auth(world.facilitator),
    )
    assert response.status_code == 201, response.text
    assert response.json()["facilitator"]["id"] == world.facilitator_id


async def test_facilitator_cannot_assign_someone_else(
    client: httpx.AsyncClient, world: World
) -> None:
    me = (await client.get("/api/me", headers=auth(world.convener))).json()["member"]
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json=session_body(facilitator_id=me["id"]),
        headers=auth(world.facilitator),
    )
    assert response.status_code == 403


async def test_facilitator_id_must_be_a_facilitator(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json=session_body(facilitator_id=world.participant_id),
        headers=auth(world.convener),
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "facilitator_id"


async def test_session_languages_must_be_offered(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json=session_body(languages=["en", "sw"]),
        headers=auth(world.convener),
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "The dialogue does not offer: sw."


async def test_bad_session_input(client: httpx.AsyncClient, world: World) -> None:
    for change, field in [
        ({"capacity": 1}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"topic": ""}, "topic"),
        ({"room": "A"}, "room"),
        ({"ends_at": iso(NOW)}, "ends_at"),
    ]:
        response = await client.post(
            f"/api/dialogues/{world.dialogue_id}/sessions",
            json=session_body(**change),
            headers=auth(world.convener),
        )
        assert response.status_code == 422, change
        assert response.json()["error"]["field"] == field
    sessions = await client.get(
        f"/api/dialogues/{world.dialogue_id}/sessions", headers=auth(world.convener)
    )
    assert len(sessions.json()) == 1


async def test_join_leave_and_capacity(client: httpx.AsyncClient, world: World) -> None:
    url = f"/api/sessions/{world.session_id}"
    joined = await client.post(f"{url}/join", headers=auth(world.participant))
    assert joined.status_code == 200
    assert joined.json()["joined"] is True
    assert joined.json()["participant_count"] == 1
    again = await client.post(f"{url}/join", headers=auth(world.participant))
    assert again.json()["participant_count"] == 1
    invite = await client.post(
        f"/api/dialogues/{world.dialogue_id}/invites", json={}, headers=auth(world.convener)
    )
    others = [await join(client, invite.json()["token"], f"P{i}") for i in range(3)]
    assert (await client.post(f"{url}/join", headers=auth(others[0]["token"]))).status_code == 200
    assert (await client.post(f"{url}/join", headers=auth(others[1]["token"]))).status_code == 200
    full = await client.post(f"{url}/join", headers=auth(others[2]["token"]))
    assert full.status_code == 409
    assert full.json()["error"] == {
        "code": "session_full",
        "message": "This session is full.",
        "field": None,
    }
    left = await client.post(f"{url}/leave", headers=auth(world.participant))
    assert left.json()["joined"] is False
    assert (await client.post(f"{url}/join", headers=auth(others[2]["token"]))).status_code == 200


async def test_closed_dialogue_and_ended_session_refuse_joining(
    client: httpx.AsyncClient, world: World, clock: FakeClock
) -> None:
    url = f"/api/sessions/{world.session_id}/join"
    clock.advance(hours=3)
    ended = await client.post(url, headers=auth(world.participant))
    assert ended.status_code == 403
    assert ended.json()["error"]["code"] == "session_ended"
    clock.advance(days=8)
    closed = await client.post(url, headers=auth(world.participant))
    assert closed.json()["error"]["code"] == "dialogue_closed"
    create = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json=session_body(
            starts_at=iso(clock.now + timedelta(hours=1)),
            ends_at=iso(clock.now + timedelta(hours=2)),
        ),
        headers=auth(world.convener),
    )
    assert create.status_code == 403


async def test_unknown_session(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get("/api/sessions/nope", headers=auth(world.participant))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_not_found"
