"""Pol.is open data in and out: import a real conversation, export it back, refuse bad files."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from indaba.cli import main
from indaba.config import Settings
from indaba.consult.polis_read import polis_vote_matrix, read_polis_export
from indaba.server import create_app
from indaba.store import open_database
from indaba.store.schema import dialogues
from tests.conftest import SHARED
from tests.server.conftest import World, auth

BREXIT = SHARED / "data" / "polis" / "brexit-consensus"


def _vote_profile(directory: Path) -> Counter[tuple[int, int]]:
    """(comment id, vote) counts of the latest votes: invariant under renumbering people."""
    matrix = polis_vote_matrix(read_polis_export(directory))
    return Counter(
        zip(matrix.statement_ids[matrix.indices].tolist(), matrix.votes.tolist(), strict=True)
    )


@pytest.mark.skipif(not BREXIT.is_dir(), reason=f"Pol.is data not found at {BREXIT}")
async def test_import_then_export_round_trip(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.to_thread(
        main, ["consult", "import", str(BREXIT), "--database", database_url, "--languages", "en"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "204 participants, 50 statements, 5303 votes" in out
    dialogue_id = re.search(r"imported dialogue (\w+)", out).group(1)  # type: ignore[union-attr]
    token = re.search(r"shown once\): (\S+)", out).group(1)  # type: ignore[union-attr]

    app = create_app(Settings(database_url=database_url, auto_migrate=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(
                f"/api/dialogues/{dialogue_id}/export/polis.zip", headers=auth(token)
            )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    exported = tmp_path / "exported"
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(exported)
    assert sorted(p.name for p in exported.iterdir()) == [
        "comments.csv",
        "participants-votes.csv",
        "summary.csv",
        "votes.csv",
    ]
    assert _vote_profile(exported) == _vote_profile(BREXIT)
    original = {c.comment_id: c.body for c in read_polis_export(BREXIT).comments}
    again = read_polis_export(exported)
    assert {c.comment_id: c.body for c in again.comments} == original
    assert dict(again.summary)["topic"] == dict(read_polis_export(BREXIT).summary)["topic"]
    grouped = [p for p in again.participants or [] if p.group_id is not None]
    assert len(grouped) > 150


async def test_malformed_export_is_refused_with_line_and_nothing_written(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(BREXIT, broken)
    lines = (broken / "votes.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",7"
    (broken / "votes.csv").write_text("\n".join(lines) + "\n")
    code = await asyncio.to_thread(
        main, ["consult", "import", str(broken), "--database", database_url]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "votes.csv" in err and "line 4" in err
    database = open_database(database_url)
    async with database.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(dialogues)) == 0
    await database.close()


async def test_export_needs_the_convener(client: httpx.AsyncClient, world: World) -> None:
    path = f"/api/dialogues/{world.dialogue_id}/export/polis.zip"
    assert (await client.get(path, headers=auth(world.participant))).status_code == 403
    empty = await client.get(path, headers=auth(world.convener))
    assert empty.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(empty.content)).namelist()
    assert "comments.csv" in names
