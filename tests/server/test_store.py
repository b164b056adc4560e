"""The store: migrations round-trip, UTC timestamps, constraints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from indaba.store import open_database
from indaba.store.migrate import downgrade_sync, upgrade_sync
from indaba.store.schema import dialogues, members, metadata


def _dialogue(id_: str, opens: datetime) -> dict[str, object]:
    return {
        "id": id_,
        "title": "t",
        "description": "",
        "prompts": ["p"],
        "languages": ["en"],
        "opens_at": opens,
        "closes_at": opens + timedelta(days=1),
        "created_at": opens,
    }


async def test_migrations_create_exactly_the_schema(database_url: str) -> None:
    database = open_database(database_url)
    async with database.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await database.close()
    assert {t.name for t in metadata.sorted_tables} | {"alembic_version"} <= tables


def test_downgrade_and_upgrade_again(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.sqlite3"
    upgrade_sync(url)
    downgrade_sync(url, "base")
    upgrade_sync(url)


async def test_timestamps_come_back_as_utc(database_url: str) -> None:
    database = open_database(database_url)
    local = datetime(2030, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    async with database.engine.begin() as conn:
        await conn.execute(dialogues.insert().values(**_dialogue("d1", local)))
        row = (await conn.execute(select(dialogues))).mappings().one()
    await database.close()
    assert row["opens_at"] == datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert row["opens_at"].tzinfo is not None


async def test_naive_datetimes_are_refused(database_url: str) -> None:
    database = open_database(database_url)
    with pytest.raises(Exception, match="naive datetime"):
        async with database.engine.begin() as conn:
            await conn.execute(dialogues.insert().values(**_dialogue("d2", datetime(2030, 1, 1))))
    await database.close()


async def test_foreign_keys_and_unique_token_hashes(database_url: str) -> None:
    database = open_database(database_url)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    member = {
        "id": "m1",
        "dialogue_id": "missing",
        "role": "participant",
        "display_name": "A",
        "language": "en",
        "token_hash": "h",
        "banned": False,
        "created_at": now,
    }
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as conn:
            await conn.execute(members.insert().values(**member))
    async with database.engine.begin() as conn:
        await conn.execute(dialogues.insert().values(**_dialogue("d3", now)))
        await conn.execute(members.insert().values(**{**member, "dialogue_id": "d3"}))
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as conn:
            await conn.execute(
                members.insert().values(**{**member, "id": "m2", "dialogue_id": "d3"})
            )
    await database.close()


async def test_migrations_match_the_tables_in_code(database_url: str) -> None:
    """Alembic's autogenerate finds nothing to add: migrations and schema agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    database = open_database(database_url)
    async with database.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await database.close()
    assert diff == []
