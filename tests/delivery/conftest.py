"""Reuse the server fixtures (SQLite always, PostgreSQL when configured) and add a live server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import tests.server.conftest as server_fixtures
from indaba.config import Settings
from tests.delivery.harness import LiveServer, start_server

client = server_fixtures.client
clock = server_fixtures.clock
database_url = server_fixtures.database_url
postgres_url = server_fixtures.postgres_url
world = server_fixtures.world


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The server's settings, without the media server (Janus): delivery needs none."""
    return Settings(database_url=database_url, auto_migrate=False, media_enabled=False)


@pytest.fixture
async def live(settings: Settings, clock: server_fixtures.FakeClock) -> AsyncIterator[LiveServer]:
    server = await start_server(settings, clock)
    yield server
    await server.stop()
