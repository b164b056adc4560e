"""Moderation without censorship: reports by people, decisions by facilitators, all logged.

There is no keyword filter anywhere. A statement leaves the cards and the math only when
a facilitator hides it, with a reason from a fixed list; every decision is recorded with
the actor's role (never their identity), time and reason, for the public log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.contributions.rules import ACCEPT_REASON
from indaba.contributions.statements import statement_dict, statement_row
from indaba.dialogues.access import Member
from indaba.dialogues.errors import Invalid
from indaba.dialogues.records import iso
from indaba.dialogues.tokens import new_id
from indaba.store.schema_consult import moderation_decisions, statement_reports, statements


async def report_statement(
    conn: AsyncConnection, member: Member, statement_id: str, reason: str, now: datetime
) -> dict[str, Any]:
    """A member reports a statement; reporting again replaces their earlier reason."""
    await statement_row(conn, member, statement_id)
    await conn.execute(
        delete(statement_reports).where(
            statement_reports.c.statement_id == statement_id,
            statement_reports.c.reporter_id == member.id,
        )
    )
    await conn.execute(
        statement_reports.insert().values(
            statement_id=statement_id, reporter_id=member.id, reason=reason, created_at=now
        )
    )
    return {"statement_id": statement_id, "reason": reason}


async def moderation_queue(
    conn: AsyncConnection, dialogue_id: str, status: str = "unmoderated"
) -> list[dict[str, Any]]:
    """Statements awaiting a decision (or, with ``status="accepted"``, already accepted ones,
    which can still be reported, hidden or translated), the most reported first."""
    reports = (
        select(
            statement_reports.c.statement_id,
            func.count().label("reports"),
        )
        .group_by(statement_reports.c.statement_id)
        .subquery()
    )
    rows = await conn.execute(
        select(statements, func.coalesce(reports.c.reports, 0).label("reports"))
        .select_from(statements.outerjoin(reports, reports.c.statement_id == statements.c.id))
        .where(statements.c.dialogue_id == dialogue_id, statements.c.status == status)
        .order_by(func.coalesce(reports.c.reports, 0).desc(), statements.c.number)
    )
    queue = []
    for row in rows.mappings():
        reasons = await conn.execute(
            select(statement_reports.c.reason, func.count())
            .where(statement_reports.c.statement_id == row["id"])
            .group_by(statement_reports.c.reason)
        )
        item = statement_dict(row, None)
        item["reports"] = row["reports"]
        item["report_reasons"] = {reason: count for reason, count in reasons.all()}
        queue.append(item)
    return queue


async def decide(
    conn: AsyncConnection,
    actor: Member,
    statement_id: str,
    action: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Accept or hide a statement; the decision is appended to the dialogue's log."""
    row = await statement_row(conn, actor, statement_id)
    if action == "accept":
        if reason not in (None, ACCEPT_REASON):
            raise Invalid(
                "invalid_reason", f"Accepting takes the reason {ACCEPT_REASON!r}.", "reason"
            )
        reason, status = ACCEPT_REASON, "accepted"
    else:
        if reason is None:
            raise Invalid("reason_required", "Hiding a statement needs a reason.", "reason")
        status = "hidden"
    await conn.execute(
        update(statements).where(statements.c.id == statement_id).values(status=status)
    )
    sequence = await conn.scalar(
        select(func.coalesce(func.max(moderation_decisions.c.sequence), 0) + 1).where(
            moderation_decisions.c.dialogue_id == actor.dialogue_id
        )
    )
    decision = {
        "id": new_id(),
        "dialogue_id": actor.dialogue_id,
        "sequence": int(sequence or 1),
        "statement_number": row["number"],
        "action": action,
        "reason": reason,
        "actor_role": actor.role,
        "created_at": now,
    }
    await conn.execute(moderation_decisions.insert().values(**decision))
    return decision_dict(decision)


def decision_dict(row: Any) -> dict[str, Any]:
    return {
        "sequence": row["sequence"],
        "statement_number": row["statement_number"],
        "action": row["action"],
        "reason": row["reason"],
        "actor_role": row["actor_role"],
        "created_at": iso(row["created_at"]),
    }


async def moderation_log(conn: AsyncConnection, dialogue_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(moderation_decisions)
        .where(moderation_decisions.c.dialogue_id == dialogue_id)
        .order_by(moderation_decisions.c.sequence)
    )
    return [decision_dict(row) for row in rows.mappings()]
