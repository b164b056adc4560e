"""Who is asking: bearer credentials to members, and the role checks every endpoint uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.dialogues.errors import Forbidden, Unauthorized
from indaba.dialogues.tokens import token_hash
from indaba.store.schema import members


@dataclass(frozen=True)
class Member:
    """An authenticated member of exactly one dialogue."""

    id: str
    dialogue_id: str
    role: str
    display_name: str
    language: str


async def authenticate(conn: AsyncConnection, token: str | None) -> Member:
    """Resolve a bearer token, or refuse with 401."""
    if not token:
        raise Unauthorized("missing_credential", "This request needs a credential.")
    row = (
        (await conn.execute(select(members).where(members.c.token_hash == token_hash(token))))
        .mappings()
        .first()
    )
    if row is None:
        raise Unauthorized("invalid_credential", "The credential is not valid.")
    if row["banned"]:
        raise Forbidden("banned", "This participant has been removed from the dialogue.")
    return Member(
        id=row["id"],
        dialogue_id=row["dialogue_id"],
        role=row["role"],
        display_name=row["display_name"],
        language=row["language"],
    )


def require_member_of(member: Member, dialogue_id: str) -> None:
    if member.dialogue_id != dialogue_id:
        raise Forbidden("not_a_member", "You are not a member of this dialogue.")


def require_role(member: Member, roles: Iterable[str], action: str) -> None:
    allowed = tuple(roles)
    if member.role not in allowed:
        raise Forbidden(
            "forbidden_role",
            f"Only {' or '.join(r + 's' for r in allowed)} can {action}.",
        )
