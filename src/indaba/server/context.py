"""Per-request helpers: the transaction, the clock, the caller's credential."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.config import Settings
from indaba.contributions.opinion import MapCache
from indaba.dialogues.access import Member, authenticate
from indaba.dialogues.errors import DomainError
from indaba.store import Database

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppState:
    """What the routes share: settings, database, clock."""

    settings: Settings
    database: Database
    clock: Clock
    maps: MapCache = field(default_factory=MapCache)


def state(request: Request) -> AppState:
    app_state: AppState = request.app.state.indaba
    return app_state


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[AsyncConnection]:
    """One transaction per request: committed on success, rolled back on any error."""
    async with state(request).database.engine.begin() as conn:
        yield conn


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def caller(conn: AsyncConnection, request: Request) -> Member:
    """The authenticated member, or 401/403."""
    return await authenticate(conn, bearer_token(request))


async def optional_caller(conn: AsyncConnection, request: Request) -> Member | None:
    """The member if a valid credential was sent; a stale one is ignored, not refused."""
    token = bearer_token(request)
    if token is None:
        return None
    try:
        return await authenticate(conn, token)
    except DomainError:
        return None
