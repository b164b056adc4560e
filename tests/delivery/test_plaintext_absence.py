"""A known plaintext sent through the whole flow never reaches the database, logs or wire."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from indaba.client import ChatSession
from indaba.config import Settings
from indaba.store import open_database
from indaba.store.schema import metadata
from tests.delivery.harness import LiveServer
from tests.delivery.test_python_clients import big_session, invite_url, messages, until_members
from tests.server.conftest import World


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "replace")


async def database_bytes(url: str) -> bytes:
    """Every value of every row of every table, and for SQLite the raw files."""
    database = open_database(url)
    chunks: list[bytes] = []
    async with database.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                chunks.extend(_as_bytes(value) for value in row)
    await database.close()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-journal"):
            path = Path(str(parsed.database) + suffix)
            if path.exists():
                chunks.append(path.read_bytes())
    return b"\n".join(chunks)


async def test_known_plaintext_never_appears_in_database_logs_or_relayed_bytes(
    client: httpx.AsyncClient,
    world: World,
    live: LiveServer,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = f"CANARY-{secrets.token_hex(8)}-the-secret-plan".encode()
    relayed: list[bytes] = []
    original = ChatSession._on_frame

    async def tap(self: ChatSession, data: str | bytes) -> None:
        relayed.append(data if isinstance(data, bytes) else data.encode())
        await original(self, data)

    ChatSession._on_frame = tap  # type: ignore[method-assign]
    try:
        session = await big_session(client, world)
        url = await invite_url(client, world, live, session)
        alice = await ChatSession.from_invite(url, "Alice", "en")
        await until_members(alice, 1)
        bob = await ChatSession.from_invite(url, "Bob", "en")
        await until_members(alice, 2)
        await until_members(bob, 2)
        await alice.send(canary)
        await bob.send(canary + b" (again)")
        got = await messages(bob, 2)
        assert canary in [m.data for m in got]  # the members can read it
        await alice.close()
        await bob.close()
    finally:
        ChatSession._on_frame = original  # type: ignore[method-assign]

    assert relayed and all(canary not in frame for frame in relayed)
    assert canary not in await database_bytes(settings.database_url)
    logged = caplog.text.encode() + b"".join(_as_bytes(r.__dict__) for r in caplog.records)
    assert canary not in logged
    assert canary.hex().encode() not in logged
