"""Dialogues: creation by a convener, reading, editing, membership listing, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.dialogues.errors import Invalid, NotFound
from indaba.dialogues.records import ROLES, dialogue_dict, member_dict
from indaba.dialogues.tokens import new_id, new_token, token_hash
from indaba.store.schema import dialogues, invites, members, sessions


@dataclass(frozen=True)
class NewDialogue:
    title: str
    description: str
    prompts: list[str]
    languages: list[str]
    opens_at: datetime
    closes_at: datetime
    convener_name: str
    convener_language: str


def check_schedule(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise Invalid("invalid_schedule", "closes_at must be after opens_at.", "closes_at")


async def create_dialogue(
    conn: AsyncConnection, new: NewDialogue, now: datetime
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Create a dialogue and its convener; returns (dialogue, member, convener token)."""
    check_schedule(new.opens_at, new.closes_at)
    dialogue_row = {
        "id": new_id(),
        "title": new.title,
        "description": new.description,
        "prompts": new.prompts,
        "languages": new.languages,
        "opens_at": new.opens_at,
        "closes_at": new.closes_at,
        "created_at": now,
    }
    await conn.execute(dialogues.insert().values(**dialogue_row))
    token = new_token()
    member_row = {
        "id": new_id(),
        "dialogue_id": dialogue_row["id"],
        "role": "convener",
        "display_name": new.convener_name,
        "language": new.convener_language,
        "token_hash": token_hash(token),
        "banned": False,
        "created_at": now,
    }
    await conn.execute(members.insert().values(**member_row))
    return dialogue_dict(dialogue_row, now), member_dict(member_row), token


async def dialogue_row(conn: AsyncConnection, dialogue_id: str) -> dict[str, Any]:
    row = (
        (await conn.execute(select(dialogues).where(dialogues.c.id == dialogue_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("dialogue_not_found", "No such dialogue.")
    return dict(row)


async def update_dialogue(
    conn: AsyncConnection, dialogue_id: str, changes: dict[str, Any], now: datetime
) -> dict[str, Any]:
    row = await dialogue_row(conn, dialogue_id)
    row.update(changes)
    check_schedule(row["opens_at"], row["closes_at"])
    if changes:
        await conn.execute(update(dialogues).where(dialogues.c.id == dialogue_id).values(**changes))
    return dialogue_dict(row, now)


async def list_members(
    conn: AsyncConnection, dialogue_id: str, role: str | None
) -> list[dict[str, Any]]:
    query = select(members).where(members.c.dialogue_id == dialogue_id, ~members.c.banned)
    if role is not None:
        query = query.where(members.c.role == role)
    rows = (await conn.execute(query.order_by(members.c.created_at, members.c.id))).mappings()
    return [member_dict(row) for row in rows]


async def dialogue_stats(conn: AsyncConnection, dialogue_id: str) -> dict[str, Any]:
    counts = dict.fromkeys(ROLES, 0)
    by_role = await conn.execute(
        select(members.c.role, func.count())
        .where(members.c.dialogue_id == dialogue_id)
        .group_by(members.c.role)
    )
    for role, count in by_role.all():
        counts[role] = count
    session_count = await conn.scalar(
        select(func.count()).select_from(sessions).where(sessions.c.dialogue_id == dialogue_id)
    )
    invite_rows = (
        await conn.execute(
            select(invites.c.revoked, func.count(), func.coalesce(func.sum(invites.c.uses), 0))
            .where(invites.c.dialogue_id == dialogue_id)
            .group_by(invites.c.revoked)
        )
    ).all()
    active = sum(count for revoked, count, _ in invite_rows if not revoked)
    revoked_count = sum(count for revoked, count, _ in invite_rows if revoked)
    uses = sum(int(total) for _, _, total in invite_rows)
    return {
        "members": counts,
        "sessions": session_count or 0,
        "invites": {"active": active, "revoked": revoked_count, "uses": uses},
    }
