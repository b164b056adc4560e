"""Every endpoint checks role and membership: a table of (endpoint, caller) -> status."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.server.conftest import World, auth, dialogue_body, make_world, session_body

Callers = ("convener", "facilitator", "participant", "outsider", "anonymous", "forged")
Request = tuple[str, Callable[[World], str], dict[str, object] | None]

ENDPOINTS: dict[str, Request] = {
    "read dialogue": ("GET", lambda w: f"/api/dialogues/{w.dialogue_id}", None),
    "edit dialogue": ("PATCH", lambda w: f"/api/dialogues/{w.dialogue_id}", {"title": "T"}),
    "list members": ("GET", lambda w: f"/api/dialogues/{w.dialogue_id}/members", None),
    "stats": ("GET", lambda w: f"/api/dialogues/{w.dialogue_id}/stats", None),
    "list sessions": ("GET", lambda w: f"/api/dialogues/{w.dialogue_id}/sessions", None),
    "create session": (
        "POST",
        lambda w: f"/api/dialogues/{w.dialogue_id}/sessions",
        session_body(),
    ),
    "read session": ("GET", lambda w: f"/api/sessions/{w.session_id}", None),
    "join session": ("POST", lambda w: f"/api/sessions/{w.session_id}/join", None),
    "create invite": ("POST", lambda w: f"/api/dialogues/{w.dialogue_id}/invites", {}),
    "invite facilitator": (
        "POST",
        lambda w: f"/api/dialogues/{w.dialogue_id}/invites",
        {"role": "facilitator"},
    ),
    "list invites": ("GET", lambda w: f"/api/dialogues/{w.dialogue_id}/invites", None),
    "me": ("GET", lambda w: "/api/me", None),
}

OK, DENIED, NOAUTH, NOTFOUND = "ok", 403, 401, 404
EXPECTED: dict[str, dict[str, object]] = {
    "read dialogue": {"convener": OK, "facilitator": OK, "participant": OK},
    "edit dialogue": {"convener": OK, "facilitator": DENIED, "participant": DENIED},
    "list members": {"convener": OK, "facilitator": OK, "participant": DENIED},
    "stats": {"convener": OK, "facilitator": DENIED, "participant": DENIED},
    "list sessions": {"convener": OK, "facilitator": OK, "participant": OK},
    "create session": {"convener": OK, "facilitator": OK, "participant": DENIED},
    "read session": {"convener": OK, "facilitator": OK, "participant": OK, "outsider": NOTFOUND},
    "join session": {"convener": OK, "facilitator": OK, "participant": OK, "outsider": NOTFOUND},
    "create invite": {"convener": OK, "facilitator": OK, "participant": DENIED},
    "invite facilitator": {"convener": OK, "facilitator": DENIED, "participant": DENIED},
    "list invites": {"convener": OK, "facilitator": DENIED, "participant": DENIED},
    "me": {"convener": OK, "facilitator": OK, "participant": OK, "outsider": OK},
}


def expected(endpoint: str, who: str) -> object:
    table = EXPECTED[endpoint]
    if who in table:
        return table[who]
    if who in ("anonymous", "forged"):
        return NOAUTH
    return DENIED  # an outsider: a member of another dialogue


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
async def test_role_and_membership_checks(client: httpx.AsyncClient, endpoint: str) -> None:
    world = await make_world(client)
    other = await make_world(client)
    tokens = {
        "convener": world.convener,
        "facilitator": world.facilitator,
        "participant": world.participant,
        "outsider": other.participant,
        "forged": "F" * 43,
    }
    method, path, body = ENDPOINTS[endpoint]
    for who in Callers:
        headers = auth(tokens[who]) if who in tokens else {}
        response = await client.request(method, path(world), json=body, headers=headers)
        want = expected(endpoint, who)
        if want == OK:
            assert response.status_code < 300, (endpoint, who, response.text)
        else:
            assert response.status_code == want, (endpoint, who, response.text)
            assert response.json()["error"]["message"]


async def test_revoke_needs_convener_of_that_dialogue(client: httpx.AsyncClient) -> None:
    world = await make_world(client)
    other = await make_world(client)
    invite = await client.post(
        f"/api/dialogues/{world.dialogue_id}/invites", json={}, headers=auth(world.convener)
    )
    path = f"/api/invites/{invite.json()['id']}/revoke"
    assert (await client.post(path, headers=auth(world.participant))).status_code == 403
    assert (await client.post(path, headers=auth(world.facilitator))).status_code == 403
    assert (await client.post(path, headers=auth(other.convener))).status_code == 404
    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers=auth(world.convener))).status_code == 200


async def test_facilitator_invites_only_to_own_sessions(client: httpx.AsyncClient) -> None:
    world = await make_world(client)
    other_session = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json=session_body(topic="Not Farid's"),
        headers=auth(world.convener),
    )
    path = f"/api/dialogues/{world.dialogue_id}/invites"
    own = await client.post(
        path, json={"session_id": world.session_id}, headers=auth(world.facilitator)
    )
    assert own.status_code == 201
    foreign = await client.post(
        path, json={"session_id": other_session.json()["id"]}, headers=auth(world.facilitator)
    )
    assert foreign.status_code == 403


async def test_malformed_authorization_header(client: httpx.AsyncClient) -> None:
    created = (await client.post("/api/dialogues", json=dialogue_body())).json()
    for header in ("Basic abc", "Bearer", created["token"]):
        response = await client.get("/api/me", headers={"Authorization": header})
        assert response.status_code == 401
