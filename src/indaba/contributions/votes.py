"""Votes: agree, disagree or pass; changing a vote replaces it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.contributions.rules import VISIBLE_STATUSES, VOTE_VALUES
from indaba.contributions.statements import require_open, statement_dict, statement_row
from indaba.dialogues.access import Member
from indaba.dialogues.dialogues import dialogue_row
from indaba.dialogues.errors import Conflict
from indaba.store.schema_consult import votes


async def cast_vote(
    conn: AsyncConnection, member: Member, statement_id: str, vote: str, now: datetime
) -> dict[str, Any]:
    """Record the member's vote on a visible statement of an open dialogue."""
    require_open(await dialogue_row(conn, member.dialogue_id), now)
    row = await statement_row(conn, member, statement_id)
    if row["status"] not in VISIBLE_STATUSES:
        raise Conflict("statement_hidden", "This statement was hidden by moderation.")
    await conn.execute(
        delete(votes).where(votes.c.statement_id == statement_id, votes.c.member_id == member.id)
    )
    await conn.execute(
        votes.insert().values(
            statement_id=statement_id,
            member_id=member.id,
            dialogue_id=member.dialogue_id,
            value=VOTE_VALUES[vote],
            updated_at=now,
        )
    )
    return statement_dict(row, None, vote)
