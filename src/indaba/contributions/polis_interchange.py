"""A dialogue's consultation to and from the Pol.is open-data format.

Export numbers participants 0..n-1 in order of their first vote (no member ids leave the
server) and adds the opinion groups of a fresh fit. Import creates a new dialogue whose
participants hold no usable credential: they exist only as the authors of past votes.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.consult.matrix import VoteMatrix
from indaba.consult.opinion_map import OpinionMap
from indaba.consult.polis_format import PolisComment, PolisConversation, PolisVote
from indaba.consult.polis_read import polis_vote_matrix
from indaba.consult.polis_write import conversation_from_votes, polis_datetime, write_polis_export
from indaba.dialogues import dialogues as dialogue_service
from indaba.dialogues.dialogues import dialogue_row
from indaba.dialogues.tokens import new_id, new_token, token_hash
from indaba.store.schema import members
from indaba.store.schema_consult import statements, votes

MODERATED = {"accepted": 1, "unmoderated": 0, "hidden": -1}
STATUS = {value: key for key, value in MODERATED.items()}


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


async def export_polis_zip(conn: AsyncConnection, dialogue_id: str) -> bytes:
    """comments.csv, votes.csv, participants-votes.csv and summary.csv in one zip."""
    dialogue = await dialogue_row(conn, dialogue_id)
    vote_rows = (
        await conn.execute(
            select(votes.c.member_id, statements.c.number, votes.c.value, votes.c.updated_at)
            .join(statements, statements.c.id == votes.c.statement_id)
            .where(votes.c.dialogue_id == dialogue_id)
            .order_by(votes.c.updated_at, votes.c.member_id, statements.c.number)
        )
    ).all()
    statement_rows = (
        (
            await conn.execute(
                select(statements)
                .where(statements.c.dialogue_id == dialogue_id)
                .order_by(statements.c.number)
            )
        )
        .mappings()
        .all()
    )
    pseudonym: dict[str, int] = {}
    for member_id, *_ in vote_rows:
        pseudonym.setdefault(member_id, len(pseudonym))
    for row in statement_rows:
        if row["author_id"] is not None:
            pseudonym.setdefault(row["author_id"], len(pseudonym))
    counts: dict[int, list[int]] = {row["number"]: [0, 0] for row in statement_rows}
    for _, number, value, _ in vote_rows:
        if value:
            counts[number][0 if value == 1 else 1] += 1
    comments = [
        PolisComment(
            timestamp=_ms(row["created_at"]),
            datetime=polis_datetime(_ms(row["created_at"])),
            comment_id=row["number"],
            author_id=pseudonym.get(row["author_id"], -1),
            agrees=counts[row["number"]][0],
            disagrees=counts[row["number"]][1],
            moderated=MODERATED[row["status"]],
            body=row["text"],
        )
        for row in statement_rows
    ]
    events = [
        PolisVote(_ms(at), polis_datetime(_ms(at)), number, pseudonym[member], int(value))
        for member, number, value, at in vote_rows
    ]
    matrix = VoteMatrix.from_votes(
        [e.voter_id for e in events],
        [e.comment_id for e in events],
        [e.vote for e in events],
        statement_ids=[c.comment_id for c in comments],
        moderated_out=[c.comment_id for c in comments if c.moderated == -1],
    )
    groups = _groups(matrix)
    summary = [
        ("topic", dialogue["title"]),
        ("url", ""),
        ("voters", str(len(matrix.participant_ids))),
        ("commenters", str(len({c.author_id for c in comments if c.author_id >= 0}))),
        ("comments", str(len(comments))),
        ("groups", str(len(set(groups.values())))),
        ("conversation-description", dialogue["description"]),
    ]
    conversation = conversation_from_votes(
        matrix, comments, events=events, groups=groups, summary=summary
    )
    return _zip(conversation)


def _groups(matrix: VoteMatrix) -> dict[int, int]:
    if matrix.n_votes == 0:
        return {}
    try:
        fitted = OpinionMap(initial_k=2, random_state=0).fit(matrix)
    except ValueError:
        return {}
    labels = np.asarray(fitted.labels_)
    return {
        int(pid): int(label)
        for pid, label in zip(fitted.participant_ids_, labels, strict=True)
        if label >= 0
    }


def _zip(conversation: PolisConversation) -> bytes:
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        write_polis_export(conversation, tmp)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).iterdir()):
                archive.write(path, path.name)
    return buffer.getvalue()


async def import_polis(
    conn: AsyncConnection,
    conversation: PolisConversation,
    *,
    title: str,
    convener_name: str,
    languages: list[str],
    now: datetime,
) -> tuple[str, str, dict[str, int]]:
    """Create a dialogue from a Pol.is export; returns (dialogue id, convener token, counts)."""
    matrix = (
        polis_vote_matrix(conversation)
        if (conversation.votes is not None or conversation.participants is not None)
        else None
    )
    summary = dict(conversation.summary)
    times = [c.timestamp for c in conversation.comments] or [_ms(now)]
    opens = datetime.fromtimestamp(min(times) / 1000, UTC)
    dialogue, _convener, token = await dialogue_service.create_dialogue(
        conn,
        dialogue_service.NewDialogue(
            title=title,
            description=summary.get("conversation-description", "")[:5000],
            prompts=[(summary.get("topic") or title)[:500]],
            languages=languages,
            opens_at=min(opens, now),
            closes_at=now,
            convener_name=convener_name,
            convener_language=languages[0],
        ),
        now,
    )
    dialogue_id = dialogue["id"]
    people = set() if matrix is None else set(matrix.participant_ids.tolist())
    people |= {c.author_id for c in conversation.comments if c.author_id >= 0}
    member_ids = {pid: new_id() for pid in sorted(people)}
    if member_ids:
        await conn.execute(
            members.insert(),
            [
                {
                    "id": mid,
                    "dialogue_id": dialogue_id,
                    "role": "participant",
                    "display_name": f"Pol.is participant {pid}",
                    "language": "und",
                    "token_hash": token_hash(new_token()),  # never shown: no one can sign in
                    "banned": False,
                    "created_at": now,
                }
                for pid, mid in member_ids.items()
            ],
        )
    statement_ids = {c.comment_id: new_id() for c in conversation.comments}
    if statement_ids:
        await conn.execute(
            statements.insert(),
            [
                {
                    "id": statement_ids[c.comment_id],
                    "dialogue_id": dialogue_id,
                    "number": c.comment_id,
                    "prompt_index": 0,
                    "author_id": member_ids.get(c.author_id),
                    "text": c.body,
                    "language": "und",
                    "status": "hidden" if c.moderated == -1 or c.is_meta else STATUS[c.moderated],
                    "created_at": datetime.fromtimestamp(c.timestamp / 1000, UTC),
                }
                for c in conversation.comments
            ],
        )
    vote_count = 0
    if matrix is not None:
        rows: list[dict[str, Any]] = []
        for row, pid in enumerate(matrix.participant_ids.tolist()):
            lo, hi = int(matrix.indptr[row]), int(matrix.indptr[row + 1])
            for col, value in zip(matrix.indices[lo:hi], matrix.votes[lo:hi], strict=True):
                number = int(matrix.statement_ids[col])
                if number not in statement_ids:
                    continue
                rows.append(
                    {
                        "statement_id": statement_ids[number],
                        "member_id": member_ids[pid],
                        "dialogue_id": dialogue_id,
                        "value": int(value),
                        "updated_at": now,
                    }
                )
        for start in range(0, len(rows), 5000):
            await conn.execute(votes.insert(), rows[start : start + 5000])
        vote_count = len(rows)
    counts = {
        "participants": len(member_ids),
        "statements": len(statement_ids),
        "votes": vote_count,
    }
    return dialogue_id, token, counts
