"""Async engines for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


@dataclass(frozen=True)
class Database:
    """The application's handle on its database."""

    url: str
    engine: AsyncEngine

    async def close(self) -> None:
        await self.engine.dispose()


def ensure_sqlite_directory(url: str) -> None:
    """Create the directory of a file-backed SQLite database (e.g. ``var/``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)


def open_database(url: str) -> Database:
    """Create an engine; SQLite gets foreign keys on and a busy timeout."""
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return Database(url=url, engine=engine)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
