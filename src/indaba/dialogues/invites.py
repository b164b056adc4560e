"""Invite links: unguessable, expiring, use-limited, revocable; joining by invite.

A token is shown once at creation and stored as a hash. Accepting consumes one use with a
single conditional UPDATE, so concurrent joins can never exceed ``max_uses``; anything
refused later in the same request (a full session) rolls the use back with the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.dialogues.access import Member
from indaba.dialogues.dialogues import dialogue_row
from indaba.dialogues.errors import Forbidden, Gone, Invalid, NotFound
from indaba.dialogues.records import dialogue_dict, dialogue_status, invite_dict, member_dict
from indaba.dialogues.sessions import get_session, join_session
from indaba.dialogues.tokens import new_id, new_token, token_hash
from indaba.store.schema import invites, members, sessions


@dataclass(frozen=True)
class NewInvite:
    role: str
    session_id: str | None
    expires_at: datetime | None
    max_uses: int | None


async def create_invite(
    conn: AsyncConnection, actor: Member, new: NewInvite, now: datetime
) -> dict[str, Any]:
    if actor.role == "facilitator" and new.role != "participant":
        raise Forbidden("forbidden_role", "Facilitators can only invite participants.")
    if new.expires_at is not None and new.expires_at <= now:
        raise Invalid("invalid_expiry", "expires_at must be in the future.", "expires_at")
    if new.session_id is not None:
        session = await get_session(conn, new.session_id, actor)
        facilitator = session["facilitator"]
        if actor.role == "facilitator" and (facilitator is None or facilitator["id"] != actor.id):
            raise Forbidden(
                "forbidden_role", "Facilitators can only invite to sessions they facilitate."
            )
    token = new_token()
    values: dict[str, Any] = {
        "id": new_id(),
        "dialogue_id": actor.dialogue_id,
        "session_id": new.session_id,
        "role": new.role,
        "token_hash": token_hash(token),
        "expires_at": new.expires_at,
        "max_uses": new.max_uses,
        "uses": 0,
        "revoked": False,
        "created_by": actor.id,
        "created_at": now,
    }
    await conn.execute(invites.insert().values(**values))
    return invite_dict(values) | {"token": token, "url": f"/i/{token}"}


async def list_invites(conn: AsyncConnection, dialogue_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(invites)
        .where(invites.c.dialogue_id == dialogue_id)
        .order_by(invites.c.created_at, invites.c.id)
    )
    return [invite_dict(row) for row in rows.mappings()]


async def revoke_invite(conn: AsyncConnection, actor: Member, invite_id: str) -> dict[str, Any]:
    row = (await conn.execute(select(invites).where(invites.c.id == invite_id))).mappings().first()
    if row is None or row["dialogue_id"] != actor.dialogue_id:
        raise NotFound("invite_not_found", "No such invite in your dialogue.")
    await conn.execute(update(invites).where(invites.c.id == invite_id).values(revoked=True))
    return invite_dict({**row, "revoked": True})


async def _invite_row(conn: AsyncConnection, token: str) -> dict[str, Any]:
    row = (
        (await conn.execute(select(invites).where(invites.c.token_hash == token_hash(token))))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("invite_not_found", "This invite link is not valid.")
    return dict(row)


async def _valid_invite(conn: AsyncConnection, token: str, now: datetime) -> dict[str, Any]:
    row = await _invite_row(conn, token)
    if row["revoked"]:
        raise Gone("invite_revoked", "This invite link has been revoked.")
    if row["expires_at"] is not None and now >= row["expires_at"]:
        raise Gone("invite_expired", "This invite link has expired.")
    if row["max_uses"] is not None and row["uses"] >= row["max_uses"]:
        raise Gone("invite_used_up", "This invite link has been used the maximum number of times.")
    dialogue = await dialogue_row(conn, row["dialogue_id"])
    if dialogue_status(dialogue, now) == "closed":
        raise Forbidden("dialogue_closed", "This dialogue is closed.")
    return row


async def preview_invite(conn: AsyncConnection, token: str, now: datetime) -> dict[str, Any]:
    invite = await _valid_invite(conn, token, now)
    dialogue = await dialogue_row(conn, invite["dialogue_id"])
    session = None
    if invite["session_id"] is not None:
        topic = await conn.scalar(
            select(sessions.c.topic).where(sessions.c.id == invite["session_id"])
        )
        session = {"id": invite["session_id"], "topic": topic}
    return {"dialogue": dialogue_dict(dialogue, now), "session": session, "role": invite["role"]}


async def accept_invite(
    conn: AsyncConnection,
    token: str,
    display_name: str,
    language: str,
    current: Member | None,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Join through an invite; returns (response body, created).

    A browser that already holds a credential for the invite's dialogue is resumed as the
    same member, whatever the invite's remaining uses: it consumes nothing.
    """
    invite = await _invite_row(conn, token)
    if current is not None and current.dialogue_id == invite["dialogue_id"]:
        member, credential, created = current, None, False
    else:
        invite = await _valid_invite(conn, token, now)
        consumed = await conn.execute(
            update(invites)
            .where(
                invites.c.id == invite["id"],
                ~invites.c.revoked,
                or_(invites.c.max_uses.is_(None), invites.c.uses < invites.c.max_uses),
            )
            .values(uses=invites.c.uses + 1)
        )
        if consumed.rowcount != 1:
            raise Gone(
                "invite_used_up", "This invite link has been used the maximum number of times."
            )
        credential = new_token()
        member = Member(
            id=new_id(),
            dialogue_id=invite["dialogue_id"],
            role=invite["role"],
            display_name=display_name,
            language=language,
        )
        await conn.execute(
            members.insert().values(
                id=member.id,
                dialogue_id=member.dialogue_id,
                role=member.role,
                display_name=display_name,
                language=language,
                token_hash=token_hash(credential),
                banned=False,
                created_at=now,
            )
        )
        created = True
    if invite["session_id"] is not None:
        await join_session(conn, member, invite["session_id"], now)
    row = (await conn.execute(select(members).where(members.c.id == member.id))).mappings().one()
    dialogue = await dialogue_row(conn, invite["dialogue_id"])
    body = {
        "token": credential,
        "member": member_dict(row),
        "dialogue": dialogue_dict(dialogue, now),
        "session_id": invite["session_id"],
    }
    return body, created
