"""Security headers, the OpenAPI document, unknown routes, and logs without secrets."""

from __future__ import annotations

import logging

import httpx
import pytest

from indaba.logs import quiet_chatty_libraries
from tests.server.conftest import auth, dialogue_body


async def test_security_headers_on_api_and_pages(client: httpx.AsyncClient) -> None:
    for path in ("/api/health", "/", "/i/some-invite-token"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self';" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/api/health")).headers["cache-control"] == "no-store"


async def test_openapi_document(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    assert spec["info"]["title"] == "Indaba API"
    assert "/api/invites/accept" in spec["paths"]
    assert "/api/dialogues/{dialogue_id}/sessions" in spec["paths"]


async def test_unknown_api_route_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_logs_never_contain_tokens_or_names(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_chatty_libraries()  # as `indaba serve` does, even at log_level = "debug"
    caplog.set_level(logging.DEBUG)
    created = (await client.post("/api/dialogues", json=dialogue_body())).json()
    convener = created["token"]
    invite = (
        await client.post(
            f"/api/dialogues/{created['dialogue']['id']}/invites", json={}, headers=auth(convener)
        )
    ).json()
    await client.get(f"/i/{invite['token']}")
    await client.post("/api/invites/preview", json={"token": invite["token"]})
    joined = await client.post(
        "/api/invites/accept",
        json={"token": invite["token"], "display_name": "Secret Sabine", "language": "fr"},
    )
    await client.get("/api/me", headers=auth(joined.json()["token"]))
    text = "\n".join(f"{record.getMessage()} {vars(record)}" for record in caplog.records)
    assert "indaba.access" in {record.name for record in caplog.records}
    assert "/api/invites/accept" in text
    for secret in (convener, invite["token"], joined.json()["token"], "Secret Sabine"):
        assert secret not in text
    assert "/i/{token}" in text
