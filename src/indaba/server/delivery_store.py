"""The delivery service's reads and writes (SQLAlchemy Core); the rules are in indaba.delivery."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.delivery.admission import MemberFacts
from indaba.delivery.key_packages import CheckedKeyPackage
from indaba.delivery.ordering import COMMIT_MEMORY, Accepted, GroupLog
from indaba.delivery.retention import DEFAULT_RETENTION_SECONDS
from indaba.dialogues.tokens import new_id
from indaba.mls.wire.framing import ContentType
from indaba.store.schema import members, session_members, sessions
from indaba.store.schema_delivery import (
    delivery_groups,
    delivery_log,
    delivery_removals,
    delivery_settings,
    key_packages,
)


async def session_row(conn: AsyncConnection, session_id: str) -> dict[str, object] | None:
    row = (
        (
            await conn.execute(
                select(sessions.c.id, sessions.c.dialogue_id, sessions.c.facilitator_id).where(
                    sessions.c.id == session_id
                )
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def member_facts(conn: AsyncConnection, member_id: str, session_id: str) -> MemberFacts:
    row = (
        (
            await conn.execute(
                select(members.c.role, members.c.banned).where(members.c.id == member_id)
            )
        )
        .mappings()
        .first()
    )
    in_session = await conn.scalar(
        select(func.count()).where(
            session_members.c.session_id == session_id, session_members.c.member_id == member_id
        )
    )
    removed = await conn.scalar(
        select(func.count()).where(
            delivery_removals.c.session_id == session_id,
            delivery_removals.c.member_id == member_id,
        )
    )
    return MemberFacts(
        member_id=member_id,
        role=str(row["role"]) if row else "unknown",
        in_session=bool(in_session) and row is not None,
        banned=bool(row["banned"]) if row else True,
        removed=bool(removed),
    )


async def admitted_ids(conn: AsyncConnection, session_id: str) -> set[str]:
    """Members admitted to the session: joined, not banned, not removed from it."""
    removed = exists().where(
        delivery_removals.c.session_id == session_id,
        delivery_removals.c.member_id == session_members.c.member_id,
    )
    query = (
        select(session_members.c.member_id)
        .select_from(session_members.join(members, members.c.id == session_members.c.member_id))
        .where(session_members.c.session_id == session_id, members.c.banned.is_(False), ~removed)
    )
    return {row[0] for row in await conn.execute(query)}


async def load_group(conn: AsyncConnection, session_id: str) -> GroupLog | None:
    row = (
        (
            await conn.execute(
                select(delivery_groups).where(delivery_groups.c.session_id == session_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    commits = await conn.execute(
        select(delivery_log.c.epoch, delivery_log.c.seq)
        .where(
            delivery_log.c.session_id == session_id,
            delivery_log.c.content_type == int(ContentType.COMMIT),
        )
        .order_by(delivery_log.c.seq.desc())
        .limit(COMMIT_MEMORY)
    )
    return GroupLog(
        session_id=session_id,
        group_id=bytes(row["group_id"]),
        cipher_suite=row["cipher_suite"],
        epoch=row["epoch"],
        head=row["head_seq"],
        roster=frozenset(row["roster"]),
        group_info=bytes(row["group_info"]),
        commit_seqs={epoch: seq for epoch, seq in commits},
    )


async def group_head(conn: AsyncConnection, session_id: str) -> int | None:
    value = await conn.scalar(
        select(delivery_groups.c.head_seq).where(delivery_groups.c.session_id == session_id)
    )
    return int(value) if value is not None else None


async def group_heads(conn: AsyncConnection, session_ids: Sequence[str]) -> dict[str, int]:
    rows = await conn.execute(
        select(delivery_groups.c.session_id, delivery_groups.c.head_seq).where(
            delivery_groups.c.session_id.in_(list(session_ids))
        )
    )
    return {str(session_id): int(head) for session_id, head in rows}


async def seen_digests_many(
    conn: AsyncConnection, session_ids: Sequence[str], digests: Sequence[bytes]
) -> dict[str, set[bytes]]:
    """Which of ``digests`` are already in the logs of ``session_ids``, per session."""
    found: dict[str, set[bytes]] = {}
    if not digests:
        return found
    rows = await conn.execute(
        select(delivery_log.c.session_id, delivery_log.c.digest).where(
            delivery_log.c.session_id.in_(list(session_ids)),
            delivery_log.c.digest.in_(list(digests)),
        )
    )
    for session_id, value in rows:
        found.setdefault(str(session_id), set()).add(bytes(value))
    return found


async def append_many(
    conn: AsyncConnection, writes: Sequence[tuple[GroupLog, int, Sequence[Accepted]]]
) -> bool:
    """:func:`append` for several groups: one guarded update each, one insert for all."""
    for log, from_head, accepted in writes:
        values: dict[str, object] = {
            "head_seq": log.head,
            "epoch": log.epoch,
            "updated_at": accepted[-1].entry.created_at,
        }
        if any(a.entry.content_type == ContentType.COMMIT for a in accepted):
            values["group_info"] = log.group_info  # only commits change these
            values["roster"] = sorted(log.roster)
        result = await conn.execute(
            update(delivery_groups)
            .where(
                delivery_groups.c.session_id == log.session_id,
                delivery_groups.c.head_seq == from_head,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            return False
    rows = [
        {
            "session_id": log.session_id,
            "seq": a.entry.seq,
            "epoch": a.entry.epoch,
            "content_type": int(a.entry.content_type),
            "wire_format": int(a.entry.wire_format),
            "digest": a.entry.digest,
            "data": a.entry.data,
            "created_at": a.entry.created_at,
        }
        for log, _, accepted in writes
        for a in accepted
    ]
    if rows:
        await conn.execute(delivery_log.insert(), rows)
    return True


async def insert_group(conn: AsyncConnection, log: GroupLog, now: datetime) -> bool:
    """Create the group row; ``False`` if the session already has one."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                delivery_groups.insert().values(
                    session_id=log.session_id,
                    group_id=log.group_id,
                    cipher_suite=log.cipher_suite,
                    epoch=log.epoch,
                    head_seq=log.head,
                    group_info=log.group_info,
                    roster=sorted(log.roster),
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


async def seen_digests(
    conn: AsyncConnection, session_id: str, digests: Sequence[bytes]
) -> set[bytes]:
    if not digests:
        return set()
    rows = await conn.execute(
        select(delivery_log.c.digest).where(
            delivery_log.c.session_id == session_id, delivery_log.c.digest.in_(list(digests))
        )
    )
    return {bytes(row[0]) for row in rows}


async def append(
    conn: AsyncConnection, log: GroupLog, from_head: int, accepted: Sequence[Accepted]
) -> bool:
    """Write accepted entries and the group's new state if its head is still ``from_head``.

    ``False`` means another process appended first: the caller reloads and retries.
    """
    if not accepted:
        return True
    result = await conn.execute(
        update(delivery_groups)
        .where(
            delivery_groups.c.session_id == log.session_id, delivery_groups.c.head_seq == from_head
        )
        .values(
            head_seq=log.head,
            epoch=log.epoch,
            group_info=log.group_info,
            roster=sorted(log.roster),
            updated_at=accepted[-1].entry.created_at,
        )
    )
    if result.rowcount != 1:
        return False
    await conn.execute(
        delivery_log.insert(),
        [
            {
                "session_id": log.session_id,
                "seq": a.entry.seq,
                "epoch": a.entry.epoch,
                "content_type": int(a.entry.content_type),
                "wire_format": int(a.entry.wire_format),
                "digest": a.entry.digest,
                "data": a.entry.data,
                "created_at": a.entry.created_at,
            }
            for a in accepted
        ],
    )
    return True


async def read_entries(
    conn: AsyncConnection,
    session_id: str,
    first: int,
    last: int | None,
    since: datetime,
    limit: int,
) -> list[tuple[int, bytes]]:
    """Entries ``first..last`` not older than ``since`` (retention), in order."""
    conditions = [
        delivery_log.c.session_id == session_id,
        delivery_log.c.seq >= first,
        delivery_log.c.created_at >= since,
    ]
    if last is not None:
        conditions.append(delivery_log.c.seq <= last)
    rows = await conn.execute(
        select(delivery_log.c.seq, delivery_log.c.data)
        .where(and_(*conditions))
        .order_by(delivery_log.c.seq)
        .limit(limit)
    )
    return [(int(seq), bytes(data)) for seq, data in rows]


async def oldest_seq(conn: AsyncConnection, session_id: str, since: datetime) -> int | None:
    value = await conn.scalar(
        select(func.min(delivery_log.c.seq)).where(
            delivery_log.c.session_id == session_id, delivery_log.c.created_at >= since
        )
    )
    return int(value) if value is not None else None


async def prune(conn: AsyncConnection, session_id: str, before: datetime) -> int:
    result = await conn.execute(
        delete(delivery_log).where(
            delivery_log.c.session_id == session_id, delivery_log.c.created_at < before
        )
    )
    return int(result.rowcount or 0)


async def prune_all(conn: AsyncConnection, now: datetime) -> int:
    """Delete every expired entry of every group (per its dialogue's setting)."""
    from indaba.delivery.retention import cutoff

    rows = await conn.execute(
        select(delivery_groups.c.session_id, sessions.c.dialogue_id).select_from(
            delivery_groups.join(sessions, sessions.c.id == delivery_groups.c.session_id)
        )
    )
    total = 0
    for session_id, dialogue_id in list(rows):
        total += await prune(conn, session_id, cutoff(now, await retention_for(conn, dialogue_id)))
    return total


async def retention_for(conn: AsyncConnection, dialogue_id: str) -> int:
    value = await conn.scalar(
        select(delivery_settings.c.retention_seconds).where(
            delivery_settings.c.dialogue_id == dialogue_id
        )
    )
    return int(value) if value is not None else DEFAULT_RETENTION_SECONDS


async def set_retention(
    conn: AsyncConnection, dialogue_id: str, seconds: int, now: datetime
) -> None:
    updated = await conn.execute(
        update(delivery_settings)
        .where(delivery_settings.c.dialogue_id == dialogue_id)
        .values(retention_seconds=seconds, updated_at=now)
    )
    if updated.rowcount == 0:
        await conn.execute(
            delivery_settings.insert().values(
                dialogue_id=dialogue_id, retention_seconds=seconds, updated_at=now
            )
        )


async def remove_member(
    conn: AsyncConnection, session_id: str, member_id: str, removed_by: str | None, now: datetime
) -> None:
    """Take a member out of the session; a removal by someone else also bars re-entry."""
    await conn.execute(
        delete(session_members).where(
            session_members.c.session_id == session_id, session_members.c.member_id == member_id
        )
    )
    if removed_by is not None:
        already = await conn.scalar(
            select(func.count()).where(
                delivery_removals.c.session_id == session_id,
                delivery_removals.c.member_id == member_id,
            )
        )
        if not already:
            await conn.execute(
                delivery_removals.insert().values(
                    session_id=session_id,
                    member_id=member_id,
                    removed_by=removed_by,
                    created_at=now,
                )
            )


async def display_names(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = await conn.execute(
        select(members.c.id, members.c.display_name, members.c.role).where(members.c.id.in_(wanted))
    )
    return {row[0]: (row[1], row[2]) for row in rows}


async def key_package_counts(conn: AsyncConnection, member_id: str) -> tuple[int, bool]:
    """(one-time packages held, whether a last-resort package is held)."""
    rows = await conn.execute(
        select(key_packages.c.last_resort, func.count())
        .where(key_packages.c.member_id == member_id)
        .group_by(key_packages.c.last_resort)
    )
    counts = {bool(last_resort): int(n) for last_resort, n in rows}
    return counts.get(False, 0), counts.get(True, 0) > 0


async def store_key_packages(
    conn: AsyncConnection,
    member_id: str,
    one_time: Sequence[CheckedKeyPackage],
    last_resort: CheckedKeyPackage | None,
    now: datetime,
) -> bool:
    """Store uploaded packages; a new last-resort package replaces the old one.

    ``False`` if a package was uploaded before (same KeyPackageRef).
    """
    if last_resort is not None:
        await conn.execute(
            delete(key_packages).where(
                key_packages.c.member_id == member_id, key_packages.c.last_resort.is_(True)
            )
        )
    rows = [
        {
            "id": new_id(),
            "member_id": member_id,
            "ref": kp.ref,
            "cipher_suite": kp.cipher_suite,
            "data": kp.data,
            "last_resort": is_last_resort,
            "created_at": now,
        }
        for kp, is_last_resort in [(kp, False) for kp in one_time]
        + ([(last_resort, True)] if last_resort is not None else [])
    ]
    if not rows:
        return True
    try:
        async with conn.begin_nested():
            await conn.execute(key_packages.insert(), rows)
    except IntegrityError:
        return False
    return True


async def claim_key_package(conn: AsyncConnection, member_id: str) -> tuple[bytes, bool] | None:
    """Hand out one of the member's one-time packages (deleted), else the last resort."""
    for _ in range(5):
        row = (
            await conn.execute(
                select(key_packages.c.id, key_packages.c.data, key_packages.c.last_resort)
                .where(key_packages.c.member_id == member_id)
                .order_by(key_packages.c.last_resort, key_packages.c.created_at, key_packages.c.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        package_id, data, last_resort = row
        if last_resort:
            return bytes(data), True
        deleted = await conn.execute(delete(key_packages).where(key_packages.c.id == package_id))
        if deleted.rowcount == 1:
            return bytes(data), False
    return None
