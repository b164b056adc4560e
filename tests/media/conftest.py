"""Media fixtures: the server's API fixtures, with a fake Janus behind the media service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from indaba.config import Settings
from indaba.media.fake import FakeJanus
from indaba.media.rooms import JanusNode, RoomManager
from indaba.media.service import MediaService
from indaba.server import create_app
from tests.server.conftest import FakeClock, clock, database_url, postgres_url  # noqa: F401

MEDIA_SECRET = b"m" * 32


@pytest.fixture
def settings(database_url: str) -> Settings:  # noqa: F811
    return Settings(database_url=database_url, auto_migrate=False, media_enabled=False)


@pytest.fixture
def fake_janus() -> FakeJanus:
    return FakeJanus()


@pytest.fixture
def media(fake_janus: FakeJanus) -> MediaService:
    node = JanusNode(ws_url="ws://fake", control=fake_janus, room_admin_key=fake_janus.admin_key)
    service = MediaService(RoomManager([node], MEDIA_SECRET), MEDIA_SECRET, ("stun:stun.test",))
    service.status = "up"
    return service


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[FastAPI]:  # noqa: F811
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI, media: MediaService) -> AsyncIterator[httpx.AsyncClient]:
    app.state.media = media
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
