"""Dialogues: creation, reading, editing, and the refusals of bad input."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.server.conftest import NOW, World, auth, dialogue_body, iso


async def test_create_dialogue_returns_convener_credential(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/dialogues", json=dialogue_body())
    assert response.status_code == 201
    body = response.json()
    assert body["dialogue"]["title"] == "Futures we want"
    assert body["dialogue"]["status"] == "open"
    assert body["member"]["role"] == "convener"
    assert len(body["token"]) >= 40
    me = await client.get("/api/me", headers=auth(body["token"]))
    assert me.json()["member"]["id"] == body["member"]["id"]
    assert me.json()["dialogue"]["opens_at"] == iso(NOW - timedelta(hours=1))


async def test_status_follows_schedule(client: httpx.AsyncClient) -> None:
    body = dialogue_body(
        opens_at=iso(NOW + timedelta(days=1)), closes_at=iso(NOW + timedelta(days=2))
    )
    response = await client.post("/api/dialogues", json=body)
    assert response.json()["dialogue"]["status"] == "scheduled"


async def test_patch_dialogue(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        f"/api/dialogues/{world.dialogue_id}",
        json={"title": "New title", "closes_at": iso(NOW + timedelta(days=30))},
        headers=auth(world.convener),
    )
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "New title"
    got = await client.get(f"/api/dialogues/{world.dialogue_id}", headers=auth(world.participant))
    assert got.json()["title"] == "New title"


async def test_patch_refuses_schedule_inversion_and_writes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.patch(
        f"/api/dialogues/{world.dialogue_id}",
        json={"title": "Changed", "closes_at": iso(NOW - timedelta(days=30))},
        headers=auth(world.convener),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_schedule"
    got = await client.get(f"/api/dialogues/{world.dialogue_id}", headers=auth(world.convener))
    assert got.json()["title"] == "Futures we want"


async def test_patch_refuses_null(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        f"/api/dialogues/{world.dialogue_id}", json={"title": None}, headers=auth(world.convener)
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "title"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"title": ""}, "title", "blank"),
        ({"title": "x" * 201}, "title", "200"),
        ({"title": 5}, "title", "string"),
        ({"prompts": []}, "prompts", "at least 1"),
        ({"prompts": ["ok"] * 11}, "prompts", "at most 10"),
        ({"languages": ["english!"]}, "languages.0", "language tag"),
        ({"languages": ["en", "en"]}, "languages", "repeat"),
        ({"opens_at": "2030-06-01T10:00:00"}, "opens_at", "timezone"),
        ({"opens_at": "yesterday"}, "opens_at", "datetime"),
        ({"nickname": "x"}, "nickname", "not a known field"),
        (
            {"convener": {"display_name": "A", "language": "en", "email": "a@b"}},
            "convener.email",
            "not a known field",
        ),
        ({"convener": {"display_name": "   ", "language": "en"}}, "convener.display_name", "blank"),
    ],
)
async def test_bad_dialogue_input_is_refused_clearly(
    client: httpx.AsyncClient, change: dict[str, object], field: str, fragment: str
) -> None:
    response = await client.post("/api/dialogues", json=dialogue_body(**change))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["field"] == field
    assert fragment in error["message"]


async def test_closing_before_opening_is_refused(client: httpx.AsyncClient) -> None:
    body = dialogue_body(closes_at=iso(NOW - timedelta(days=2)))
    response = await client.post("/api/dialogues", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_schedule",
        "message": "closes_at must be after opens_at.",
        "field": "closes_at",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
    ],
)
async def test_malformed_bodies(client: httpx.AsyncClient, content: bytes, message: str) -> None:
    response = await client.post(
        "/api/dialogues", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


async def test_oversize_body_is_refused(client: httpx.AsyncClient) -> None:
    body = dialogue_body(description="x" * 70_000)
    response = await client.post("/api/dialogues", json=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


async def test_rejected_creation_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = await client.get(
        f"/api/dialogues/{world.dialogue_id}/stats", headers=auth(world.convener)
    )
    await client.post("/api/dialogues", json=dialogue_body(languages=[]))
    await client.post("/api/dialogues", json=dialogue_body(closes_at=iso(NOW)))
    after = await client.get(
        f"/api/dialogues/{world.dialogue_id}/stats", headers=auth(world.convener)
    )
    assert before.json() == after.json()


async def test_stats_count_members_sessions_invites(
    client: httpx.AsyncClient, world: World
) -> None:
    stats = (
        await client.get(f"/api/dialogues/{world.dialogue_id}/stats", headers=auth(world.convener))
    ).json()
    assert stats == {
        "members": {"convener": 1, "facilitator": 1, "participant": 1},
        "sessions": 1,
        "invites": {"active": 2, "revoked": 0, "uses": 2},
    }


async def test_members_listing_by_role(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        f"/api/dialogues/{world.dialogue_id}/members?role=facilitator", headers=auth(world.convener)
    )
    assert [m["display_name"] for m in response.json()] == ["Farid"]
    bad = await client.get(
        f"/api/dialogues/{world.dialogue_id}/members?role=king", headers=auth(world.convener)
    )
    assert bad.status_code == 422
