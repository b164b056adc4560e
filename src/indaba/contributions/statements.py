"""Statements: submission, the next card to vote on, translations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.contributions.rules import VISIBLE_STATUSES, VOTE_NAMES
from indaba.dialogues.access import Member
from indaba.dialogues.dialogues import dialogue_row
from indaba.dialogues.errors import Forbidden, Invalid, NotFound
from indaba.dialogues.records import dialogue_status, iso
from indaba.dialogues.tokens import new_id
from indaba.store.schema import dialogues
from indaba.store.schema_consult import statement_translations, statements, votes


def require_open(dialogue: dict[str, Any], now: datetime) -> None:
    status = dialogue_status(dialogue, now)
    if status != "open":
        raise Forbidden(
            f"dialogue_{status}", f"This dialogue is {status}: contributions are closed."
        )


async def submit_statement(
    conn: AsyncConnection,
    author: Member,
    prompt_index: int,
    text: str,
    language: str,
    now: datetime,
) -> dict[str, Any]:
    """Record a statement; its author agrees with it (as in Pol.is)."""
    dialogue = await dialogue_row(conn, author.dialogue_id)
    require_open(dialogue, now)
    if prompt_index >= len(dialogue["prompts"]):
        raise Invalid(
            "prompt_not_found",
            f"prompt_index must be below {len(dialogue['prompts'])}.",
            "prompt_index",
        )
    # Numbers are per dialogue and dense (they are Pol.is comment ids on export); the row
    # lock serialises concurrent submissions on PostgreSQL, SQLite serialises writers.
    await conn.execute(
        select(dialogues.c.id).where(dialogues.c.id == author.dialogue_id).with_for_update()
    )
    number = await conn.scalar(
        select(func.coalesce(func.max(statements.c.number), -1) + 1).where(
            statements.c.dialogue_id == author.dialogue_id
        )
    )
    row = {
        "id": new_id(),
        "dialogue_id": author.dialogue_id,
        "number": int(number or 0),
        "prompt_index": prompt_index,
        "author_id": author.id,
        "text": text,
        "language": language,
        "status": "unmoderated",
        "created_at": now,
    }
    await conn.execute(statements.insert().values(**row))
    await conn.execute(
        votes.insert().values(
            statement_id=row["id"],
            member_id=author.id,
            dialogue_id=author.dialogue_id,
            value=1,
            updated_at=now,
        )
    )
    return statement_dict(row, None, "agree")


def statement_dict(row: Any, translation: Any | None, my_vote: str | None = None) -> dict[str, Any]:
    """A card: the original always, a translation into the reader's language when known."""
    return {
        "id": row["id"],
        "number": row["number"],
        "prompt_index": row["prompt_index"],
        "original": {"text": row["text"], "language": row["language"]},
        "translation": None
        if translation is None
        else {
            "text": translation["text"],
            "language": translation["language"],
            "source": translation["source"],
        },
        "status": row["status"],
        "created_at": iso(row["created_at"]),
        "my_vote": my_vote,
    }


async def statement_row(conn: AsyncConnection, member: Member, statement_id: str) -> dict[str, Any]:
    row = (
        (await conn.execute(select(statements).where(statements.c.id == statement_id)))
        .mappings()
        .first()
    )
    if row is None or row["dialogue_id"] != member.dialogue_id:
        raise NotFound("statement_not_found", "No such statement in your dialogue.")
    return dict(row)


async def _translation(conn: AsyncConnection, statement_id: str, language: str) -> Any | None:
    return (
        (
            await conn.execute(
                select(statement_translations).where(
                    statement_translations.c.statement_id == statement_id,
                    statement_translations.c.language == language,
                )
            )
        )
        .mappings()
        .first()
    )


def _unvoted(
    member: Member, prompt_index: int | None, skipped: Sequence[str]
) -> list[ColumnElement[bool]]:
    """Visible statements of the member's dialogue not yet voted on (nor skipped)."""
    voted = select(votes.c.statement_id).where(votes.c.member_id == member.id)
    conditions = [
        statements.c.dialogue_id == member.dialogue_id,
        statements.c.status.in_(VISIBLE_STATUSES),
        statements.c.id.not_in(voted),
    ]
    if prompt_index is not None:
        conditions.append(statements.c.prompt_index == prompt_index)
    if skipped:
        conditions.append(statements.c.id.not_in(list(skipped)))
    return conditions


async def next_statement(
    conn: AsyncConnection,
    member: Member,
    prompt_index: int | None,
    skipped: Sequence[str] = (),
) -> dict[str, Any] | None:
    """The oldest visible statement this member has neither voted on nor skipped, or None."""
    query = select(statements).where(*_unvoted(member, prompt_index, skipped))
    row = (await conn.execute(query.order_by(statements.c.number).limit(1))).mappings().first()
    if row is None:
        return None
    translation = None
    if row["language"] != member.language:
        translation = await _translation(conn, row["id"], member.language)
    return statement_dict(row, translation)


async def remaining_count(
    conn: AsyncConnection,
    member: Member,
    prompt_index: int | None = None,
    skipped: Sequence[str] = (),
) -> int:
    count = await conn.scalar(select(func.count()).where(*_unvoted(member, prompt_index, skipped)))
    return int(count or 0)


async def add_translation(
    conn: AsyncConnection,
    member: Member,
    statement_id: str,
    language: str,
    text: str,
    source: str,
    now: datetime,
) -> dict[str, Any]:
    """Store (or replace) a translation; ``source`` says whether a person or a machine made it."""
    row = await statement_row(conn, member, statement_id)
    if language == row["language"]:
        raise Invalid("same_language", "The statement is already in that language.", "language")
    await conn.execute(
        statement_translations.delete().where(
            and_(
                statement_translations.c.statement_id == statement_id,
                statement_translations.c.language == language,
            )
        )
    )
    await conn.execute(
        statement_translations.insert().values(
            statement_id=statement_id, language=language, text=text, source=source, created_at=now
        )
    )
    translation = await _translation(conn, statement_id, language)
    return statement_dict(row, translation)


async def my_vote(conn: AsyncConnection, member: Member, statement_id: str) -> str | None:
    value = await conn.scalar(
        select(votes.c.value).where(
            votes.c.statement_id == statement_id, votes.c.member_id == member.id
        )
    )
    return None if value is None else VOTE_NAMES[int(value)]
