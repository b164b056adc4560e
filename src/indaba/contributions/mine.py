"""A participant's own contributions: see, export, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.contributions.rules import VOTE_NAMES
from indaba.contributions.statements import statement_dict
from indaba.dialogues.access import Member
from indaba.dialogues.records import iso
from indaba.store.schema_consult import statement_reports, statements, votes


async def my_contributions(conn: AsyncConnection, member: Member) -> dict[str, Any]:
    """Everything this member gave the consultation, in a form fit for export."""
    own = await conn.execute(
        select(statements).where(statements.c.author_id == member.id).order_by(statements.c.number)
    )
    cast = await conn.execute(
        select(
            votes.c.value,
            votes.c.updated_at,
            statements.c.id,
            statements.c.number,
            statements.c.text,
        )
        .join(statements, statements.c.id == votes.c.statement_id)
        .where(votes.c.member_id == member.id)
        .order_by(statements.c.number)
    )
    reported = await conn.execute(
        select(statement_reports.c.reason, statements.c.number)
        .join(statements, statements.c.id == statement_reports.c.statement_id)
        .where(statement_reports.c.reporter_id == member.id)
    )
    return {
        "member": {"display_name": member.display_name, "language": member.language},
        "statements": [statement_dict(row, None) for row in own.mappings()],
        "votes": [
            {
                "statement_id": row["id"],
                "statement_number": row["number"],
                "statement_text": row["text"],
                "vote": VOTE_NAMES[int(row["value"])],
                "updated_at": iso(row["updated_at"]),
            }
            for row in cast.mappings()
        ],
        "reports": [
            {"statement_number": row["number"], "reason": row["reason"]}
            for row in reported.mappings()
        ],
    }


async def delete_my_contributions(conn: AsyncConnection, member: Member) -> dict[str, int]:
    """Delete the member's statements (with every vote on them), votes and reports."""
    removed_votes = await conn.execute(delete(votes).where(votes.c.member_id == member.id))
    removed_reports = await conn.execute(
        delete(statement_reports).where(statement_reports.c.reporter_id == member.id)
    )
    removed_statements = await conn.execute(
        delete(statements).where(statements.c.author_id == member.id)
    )
    return {
        "statements": removed_statements.rowcount,
        "votes": removed_votes.rowcount,
        "reports": removed_reports.rowcount,
    }
