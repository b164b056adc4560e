"""Sessions: the conversation rooms of a dialogue, with capacity and schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.dialogues.access import Member
from indaba.dialogues.dialogues import dialogue_row
from indaba.dialogues.errors import Conflict, Forbidden, Invalid, NotFound
from indaba.dialogues.records import dialogue_status, iso
from indaba.dialogues.tokens import new_id
from indaba.store.schema import members, session_members, sessions


@dataclass(frozen=True)
class NewSession:
    topic: str
    languages: list[str]
    capacity: int
    starts_at: datetime
    ends_at: datetime
    facilitator_id: str | None


async def create_session(
    conn: AsyncConnection, actor: Member, dialogue_id: str, new: NewSession, now: datetime
) -> dict[str, Any]:
    """Create a session; a facilitator can only name themselves as its facilitator."""
    dialogue = await dialogue_row(conn, dialogue_id)
    if dialogue_status(dialogue, now) == "closed":
        raise Forbidden("dialogue_closed", "This dialogue is closed.")
    if new.ends_at <= new.starts_at:
        raise Invalid("invalid_schedule", "ends_at must be after starts_at.", "ends_at")
    unknown = [code for code in new.languages if code not in dialogue["languages"]]
    if unknown:
        raise Invalid(
            "language_not_offered",
            f"The dialogue does not offer: {', '.join(unknown)}.",
            "languages",
        )
    facilitator_id = new.facilitator_id
    if actor.role == "facilitator":
        if facilitator_id not in (None, actor.id):
            raise Forbidden(
                "forbidden_role", "A facilitator can only create sessions they facilitate."
            )
        facilitator_id = actor.id
    if facilitator_id is not None:
        row = (
            await conn.execute(
                select(members.c.role).where(
                    members.c.id == facilitator_id, members.c.dialogue_id == dialogue_id
                )
            )
        ).first()
        if row is None or row[0] not in ("facilitator", "convener"):
            raise Invalid(
                "facilitator_not_found",
                "facilitator_id is not a facilitator of this dialogue.",
                "facilitator_id",
            )
    values: dict[str, Any] = {
        "id": new_id(),
        "dialogue_id": dialogue_id,
        "topic": new.topic,
        "languages": new.languages,
        "capacity": new.capacity,
        "starts_at": new.starts_at,
        "ends_at": new.ends_at,
        "facilitator_id": facilitator_id,
        "created_at": now,
    }
    await conn.execute(sessions.insert().values(**values))
    return await get_session(conn, values["id"], actor)


def _session_query() -> Any:
    count = (
        select(func.count())
        .where(session_members.c.session_id == sessions.c.id)
        .scalar_subquery()
        .label("participant_count")
    )
    return (
        select(sessions, count, members.c.display_name.label("facilitator_name"))
        .select_from(sessions.outerjoin(members, members.c.id == sessions.c.facilitator_id))
        .order_by(sessions.c.starts_at, sessions.c.created_at, sessions.c.id)
    )


async def _joined_ids(conn: AsyncConnection, viewer: Member) -> set[str]:
    rows = await conn.execute(
        select(session_members.c.session_id).where(session_members.c.member_id == viewer.id)
    )
    return {row[0] for row in rows}


def _session_dict(row: Any, joined: set[str]) -> dict[str, Any]:
    facilitator = None
    if row["facilitator_id"] is not None:
        facilitator = {"id": row["facilitator_id"], "display_name": row["facilitator_name"]}
    return {
        "id": row["id"],
        "dialogue_id": row["dialogue_id"],
        "topic": row["topic"],
        "languages": list(row["languages"]),
        "capacity": row["capacity"],
        "starts_at": iso(row["starts_at"]),
        "ends_at": iso(row["ends_at"]),
        "facilitator": facilitator,
        "participant_count": row["participant_count"],
        "joined": row["id"] in joined,
    }


async def list_sessions(
    conn: AsyncConnection, dialogue_id: str, viewer: Member
) -> list[dict[str, Any]]:
    rows = (
        await conn.execute(_session_query().where(sessions.c.dialogue_id == dialogue_id))
    ).mappings()
    joined = await _joined_ids(conn, viewer)
    return [_session_dict(row, joined) for row in rows]


async def get_session(conn: AsyncConnection, session_id: str, viewer: Member) -> dict[str, Any]:
    row = (
        (await conn.execute(_session_query().where(sessions.c.id == session_id))).mappings().first()
    )
    if row is None or row["dialogue_id"] != viewer.dialogue_id:
        raise NotFound("session_not_found", "No such session in your dialogue.")
    return _session_dict(row, await _joined_ids(conn, viewer))


async def join_session(
    conn: AsyncConnection, member: Member, session_id: str, now: datetime
) -> dict[str, Any]:
    """Admit a member to a session, refusing closed dialogues, ended and full sessions."""
    query = select(sessions).where(sessions.c.id == session_id).with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None or row["dialogue_id"] != member.dialogue_id:
        raise NotFound("session_not_found", "No such session in your dialogue.")
    dialogue = await dialogue_row(conn, member.dialogue_id)
    if dialogue_status(dialogue, now) == "closed":
        raise Forbidden("dialogue_closed", "This dialogue is closed.")
    if now >= row["ends_at"]:
        raise Forbidden("session_ended", "This session has ended.")
    already = await conn.scalar(
        select(func.count()).where(
            session_members.c.session_id == session_id, session_members.c.member_id == member.id
        )
    )
    if not already:
        count = await conn.scalar(
            select(func.count()).where(session_members.c.session_id == session_id)
        )
        if (count or 0) >= row["capacity"]:
            raise Conflict("session_full", "This session is full.")
        await conn.execute(
            session_members.insert().values(
                session_id=session_id, member_id=member.id, joined_at=now
            )
        )
    return await get_session(conn, session_id, member)


async def leave_session(conn: AsyncConnection, member: Member, session_id: str) -> dict[str, Any]:
    await get_session(conn, session_id, member)
    await conn.execute(
        delete(session_members).where(
            session_members.c.session_id == session_id, session_members.c.member_id == member.id
        )
    )
    return await get_session(conn, session_id, member)
