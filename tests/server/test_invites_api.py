"""Invite links: preview, joining, resuming, expiry, use limits, revocation."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.server.conftest import NOW, FakeClock, World, auth, iso


async def _invite(client: httpx.AsyncClient, world: World, **body: object) -> dict[str, object]:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/invites", json=body, headers=auth(world.convener)
    )
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def _accept(
    client: httpx.AsyncClient, token: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        "/api/invites/accept",
        json={"token": token, "display_name": "Lin", "language": "zh"},
        headers=headers or {},
    )


async def test_preview_shows_dialogue_and_role(client: httpx.AsyncClient, world: World) -> None:
    invite = await _invite(client, world, session_id=world.session_id)
    assert invite["url"] == f"/i/{invite['token']}"
    preview = await client.post("/api/invites/preview", json={"token": invite["token"]})
    assert preview.status_code == 200
    body = preview.json()
    assert body["dialogue"]["title"] == "Futures we want"
    assert body["session"] == {"id": world.session_id, "topic": "Water"}
    assert body["role"] == "participant"


async def test_join_creates_anonymous_participant(client: httpx.AsyncClient, world: World) -> None:
    invite = await _invite(client, world)
    response = await _accept(client, invite["token"])
    assert response.status_code == 201
    body = response.json()
    assert set(body["member"]) == {
        "id",
        "dialogue_id",
        "role",
        "display_name",
        "language",
        "created_at",
    }
    assert body["member"]["role"] == "participant"
    me = await client.get("/api/me", headers=auth(body["token"]))
    assert me.json()["member"]["display_name"] == "Lin"


async def test_session_invite_joins_the_session(client: httpx.AsyncClient, world: World) -> None:
    invite = await _invite(client, world, session_id=world.session_id)
    body = (await _accept(client, invite["token"])).json()
    assert body["session_id"] == world.session_id
    session = await client.get(f"/api/sessions/{world.session_id}", headers=auth(body["token"]))
    assert session.json()["joined"] is True


async def test_same_browser_resumes_same_participant(
    client: httpx.AsyncClient, world: World
) -> None:
    invite = await _invite(client, world, max_uses=1)
    first = (await _accept(client, invite["token"])).json()
    again = await _accept(client, invite["token"], auth(first["token"]))
    assert again.status_code == 200
    assert again.json()["member"]["id"] == first["member"]["id"]
    assert again.json()["token"] == first["token"]
    invites = await client.get(
        f"/api/dialogues/{world.dialogue_id}/invites", headers=auth(world.convener)
    )
    assert next(i for i in invites.json() if i["id"] == invite["id"])["uses"] == 1


async def test_stale_credential_from_another_dialogue_is_not_resumed(
    client: httpx.AsyncClient, world: World
) -> None:
    invite = await _invite(client, world)
    response = await _accept(client, invite["token"], auth("x" * 43))
    assert response.status_code == 201


async def test_max_uses(client: httpx.AsyncClient, world: World) -> None:
    invite = await _invite(client, world, max_uses=2)
    assert (await _accept(client, invite["token"])).status_code == 201
    assert (await _accept(client, invite["token"])).status_code == 201
    refused = await _accept(client, invite["token"])
    assert refused.status_code == 410
    assert refused.json()["error"]["code"] == "invite_used_up"


async def test_expiry(client: httpx.AsyncClient, world: World, clock: FakeClock) -> None:
    invite = await _invite(client, world, expires_at=iso(NOW + timedelta(hours=1)))
    clock.advance(hours=2)
    refused = await client.post("/api/invites/preview", json={"token": invite["token"]})
    assert refused.status_code == 410
    assert refused.json()["error"]["message"] == "This invite link has expired."
    assert (await _accept(client, invite["token"])).status_code == 410


async def test_expiry_in_the_past_is_refused(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/invites",
        json={"expires_at": iso(NOW - timedelta(hours=1))},
        headers=auth(world.convener),
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "expires_at"


async def test_revocation(client: httpx.AsyncClient, world: World) -> None:
    invite = await _invite(client, world)
    revoked = await client.post(f"/api/invites/{invite['id']}/revoke", headers=auth(world.convener))
    assert revoked.json()["revoked"] is True
    refused = await _accept(client, invite["token"])
    assert refused.status_code == 410
    assert refused.json()["error"]["code"] == "invite_revoked"


async def test_closed_dialogue_refuses_joining(
    client: httpx.AsyncClient, world: World, clock: FakeClock
) -> None:
    invite = await _invite(client, world)
    clock.advance(days=30)
    refused = await _accept(client, invite["token"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "dialogue_closed"


@pytest.mark.parametrize("token", ["short", "a" * 200, "has spaces in it!!!!", 42])
async def test_malformed_tokens(client: httpx.AsyncClient, token: object) -> None:
    response = await client.post("/api/invites/preview", json={"token": token})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "token"


async def test_unknown_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/invites/preview", json={"token": "A" * 43})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "This invite link is not valid."


async def test_join_form_accepts_no_personal_data(client: httpx.AsyncClient, world: World) -> None:
    invite = await _invite(client, world)
    for extra in ({"email": "a@example.org"}, {"phone": "+100"}, {"real_name": "A B"}):
        response = await client.post(
            "/api/invites/accept",
            json={"token": invite["token"], "display_name": "Lin", "language": "zh", **extra},
        )
        assert response.status_code == 422
        assert response.json()["error"]["message"].endswith("is not a known field")


async def test_full_session_invite_consumes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    invite = await _invite(client, world, session_id=world.session_id)
    for _ in range(3):
        assert (await _accept(client, invite["token"])).status_code == 201
    before = (
        await client.get(f"/api/dialogues/{world.dialogue_id}/stats", headers=auth(world.convener))
    ).json()
    refused = await _accept(client, invite["token"])
    assert refused.status_code == 409
    after = (
        await client.get(f"/api/dialogues/{world.dialogue_id}/stats", headers=auth(world.convener))
    ).json()
    assert before == after
