"""The command line: migrations, the demo seed, and configuration errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from indaba.cli import build_parser, main
from indaba.store import open_database
from indaba.store.schema import dialogues, invites


def _count(url: str, table: object) -> int:
    async def run() -> int:
        database = open_database(url)
        async with database.engine.connect() as conn:
            value = await conn.scalar(select(func.count()).select_from(table))  # type: ignore[arg-type]
        await database.close()
        return int(value or 0)

    return asyncio.run(run())


def test_db_upgrade_and_demo_are_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'indaba.sqlite3'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert main(["db", "upgrade", "--database", url]) == 0
    assert main(["demo", "--database", url]) == 0
    first = capsys.readouterr().out
    assert "join as a participant: http://127.0.0.1:8000/i/" in first
    assert main(["demo", "--database", url]) == 0
    second = capsys.readouterr().out
    assert _count(url, dialogues) == 1
    assert _count(url, invites) == 4
    assert first != second


def test_bad_configuration_exits_with_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--database", "mysql://nope"]) == 2
    assert "database_url: must start with" in capsys.readouterr().err


def test_serve_arguments() -> None:
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9001"])
    assert (args.host, args.port, args.database) == ("0.0.0.0", 9001, None)
