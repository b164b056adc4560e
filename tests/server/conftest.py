"""Fixtures: a migrated database (SQLite always, PostgreSQL when configured), the app, a clock."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from indaba.config import Settings
from indaba.server import create_app
from indaba.store.migrate import upgrade_sync
from indaba.store.schema import metadata

POSTGRES_ENV = "INDABA_TEST_POSTGRES_URL"
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock the tests move by hand."""

    now: datetime = field(default=NOW)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run, dropped afterwards."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL tests skipped: set {POSTGRES_ENV}="
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test to run them"
        )
    name = f"indaba_test_{secrets.token_hex(4)}"
    try:
        asyncio.run(_run_sql(base, f'CREATE DATABASE "{name}"', autocommit=True))
    except Exception as exc:
        pytest.fail(f"cannot create a test database through {POSTGRES_ENV}: {exc}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    upgrade_sync(url)
    yield url
    asyncio.run(_run_sql(base, f'DROP DATABASE "{name}" WITH (FORCE)', autocommit=True))


async def _run_sql(url: str, *statements: str, autocommit: bool = False) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT" if autocommit else None)
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store/API test runs on SQLite, and on PostgreSQL when configured."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'indaba.sqlite3'}"
        upgrade_sync(url)
        return url
    url = str(request.getfixturevalue("postgres_url"))
    _truncate(url)
    return url


def _truncate(url: str) -> None:
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    asyncio.run(_run_sql(url, f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, auto_migrate=False, media_enabled=False)


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def dialogue_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Futures we want",
        "description": "A test dialogue.",
        "prompts": ["What should the world look like in 2045?"],
        "languages": ["en", "fr", "ar"],
        "opens_at": iso(NOW - timedelta(hours=1)),
        "closes_at": iso(NOW + timedelta(days=7)),
        "convener": {"display_name": "Amina", "language": "en"},
    }
    body.update(overrides)
    return body


def session_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "topic": "Water",
        "languages": ["en", "fr"],
        "capacity": 3,
        "starts_at": iso(NOW + timedelta(hours=1)),
        "ends_at": iso(NOW + timedelta(hours=2)),
    }
    body.update(overrides)
    return body


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """A dialogue with a convener, a facilitator, a participant and a session."""

    dialogue_id: str
    convener: str
    facilitator: str
    facilitator_id: str
    participant: str
    participant_id: str
    session_id: str


async def join(client: httpx.AsyncClient, invite_token: str, name: str) -> dict[str, Any]:
    response = await client.post(
        "/api/invites/accept", json={"token": invite_token, "display_name": name, "language": "fr"}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def make_world(client: httpx.AsyncClient) -> World:
    created = (await client.post("/api/dialogues", json=dialogue_body())).json()
    dialogue_id, convener = created["dialogue"]["id"], created["token"]
    invite = await client.post(
        f"/api/dialogues/{dialogue_id}/invites",
        json={"role": "facilitator"},
        headers=auth(convener),
    )
    facilitator = await join(client, invite.json()["token"], "Farid")
    invite = await client.post(
        f"/api/dialogues/{dialogue_id}/invites", json={}, headers=auth(convener)
    )
    participant = await join(client, invite.json()["token"], "Pia")
    session = await client.post(
        f"/api/dialogues/{dialogue_id}/sessions",
        json=session_body(facilitator_id=facilitator["member"]["id"]),
        headers=auth(convener),
    )
    assert session.status_code == 201, session.text
    return World(
        dialogue_id=dialogue_id,
        convener=convener,
        facilitator=facilitator["token"],
        facilitator_id=facilitator["member"]["id"],
        participant=participant["token"],
        participant_id=participant["member"]["id"],
        session_id=session.json()["id"],
    )


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await make_world(client)
