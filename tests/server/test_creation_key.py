"""An instance can require a creation key for new dialogues."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from indaba.config import Settings
from tests.server.conftest import dialogue_body


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, auto_migrate=False, creation_key=SecretStr("k3y"))


async def test_creation_key_when_configured(client: httpx.AsyncClient) -> None:
    instance = (await client.get("/api/instance")).json()
    assert instance["creation_requires_key"] is True
    refused = await client.post("/api/dialogues", json=dialogue_body())
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "creation_key_required"
    wrong = await client.post(
        "/api/dialogues", json=dialogue_body(), headers={"x-indaba-creation-key": "nope"}
    )
    assert wrong.status_code == 403
    accepted = await client.post(
        "/api/dialogues", json=dialogue_body(), headers={"x-indaba-creation-key": "k3y"}
    )
    assert accepted.status_code == 201
