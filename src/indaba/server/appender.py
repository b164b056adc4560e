"""Appends accepted frames to the logs of every group, in batches, one transaction each.

Frames wait in ``pending`` (per session, in arrival order) while a transaction is in
flight; the next transaction takes them all.  Each group's frames are decided by the
ordering rules (:class:`indaba.delivery.ordering.GroupLog`) against the log as this process
knows it; the write is guarded by the head each group had, and if another process moved
a log, the whole batch is decided again on what is now in the store.  Only then do the
senders get ``accepted`` / ``rejected`` and the entries go out on the bus.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from indaba.delivery.errors import Reason, Rejected
from indaba.delivery.frames import ClientFrame, FrameKind
from indaba.delivery.ordering import Accepted, GroupLog, digest
from indaba.delivery.retention import cutoff
from indaba.server import delivery_store as store

if TYPE_CHECKING:
    from indaba.server.gateway import Connection, DeliveryRuntime

log = logging.getLogger("indaba.delivery")

PRUNE_EVERY = 60.0
ADMISSION_TTL = 5.0
MAX_BATCH = 4096
RECENT_DIGESTS = 4096

Decision = Accepted | Rejected


@dataclass(frozen=True)
class Pending:
    """A frame waiting for the appender."""

    connection: Connection
    frame: ClientFrame


class LogMoved(Exception):
    """Another process appended to a group during our transaction."""


class Unsure(Exception):
    """An optimistic batch would refuse a frame: decide again on what the store holds."""


class Appender:
    """The one writer of this process."""

    def __init__(self, runtime: DeliveryRuntime) -> None:
        self.runtime = runtime
        self.pending: dict[str, list[Pending]] = {}
        self.size = 0
        self.logs: dict[str, GroupLog] = {}
        self.admitted: dict[str, tuple[float, set[str]]] = {}
        self.last_prune: dict[str, datetime] = {}
        #: digests of recently accepted frames, per group (the store's unique index decides)
        self.recent: dict[str, dict[bytes, None]] = {}
        self.task: asyncio.Task[None] | None = None

    def submit(self, connection: Connection, frame: ClientFrame) -> None:
        """Queue a frame; its sender gets ``accepted`` or ``rejected`` before any entry."""
        self.pending.setdefault(connection.session_id, []).append(Pending(connection, frame))
        self.size += 1
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())

    def forget(self, session_id: str) -> None:
        """Drop what is cached about a group (created, or its admissions changed)."""
        self.logs.pop(session_id, None)
        self.admitted.pop(session_id, None)

    async def _drain(self) -> None:
        while self.pending:
            batch = self._take()
            try:
                try:
                    decisions = await self._write(batch, verified=False)
                except (LogMoved, Unsure, IntegrityError):
                    self.logs.clear()
                    self.recent.clear()
                    decisions = await self._write(batch, verified=True)
            except Exception:
                self.logs.clear()
                self.recent.clear()
                log.exception("delivery write failed")
                for items in batch.values():
                    for item in items:
                        item.connection.close_internal_error()
                continue
            published: list[tuple[str, list[tuple[int, bytes]]]] = []
            for session_id, items in batch.items():
                entries = []
                for item, decision in zip(items, decisions[session_id], strict=True):
                    item.connection.decided(item.frame.ref, decision)
                    if isinstance(decision, Accepted):
                        entries.append((decision.entry.seq, decision.entry.data))
                if entries:
                    published.append((session_id, entries))
            for session_id, entries in published:
                await self.runtime.publish_entries(session_id, entries)

    def _take(self) -> dict[str, list[Pending]]:
        if self.size <= MAX_BATCH:
            everything, self.pending, self.size = self.pending, {}, 0
            return everything
        batch: dict[str, list[Pending]] = {}
        taken = 0
        for session_id in list(self.pending):
            if taken >= MAX_BATCH:
                break
            items = self.pending.pop(session_id)
            batch[session_id] = items
            taken += len(items)
        self.size -= taken
        return batch

    async def _write(
        self, batch: dict[str, list[Pending]], verified: bool
    ) -> dict[str, list[Decision]]:
        """Decide and write a batch.

        Optimistic (``verified=False``): decide on the cached logs and recent digests,
        without reading heads and digests first.  Any doubt -- a refusal, a group not
        cached, another process's append (the guarded update fails) or a replay the cache
        missed (the unique index refuses it) -- rolls back, and the caller decides again
        with ``verified=True`` on what the store holds.
        """
        runtime = self.runtime
        now = runtime.clock()
        decisions: dict[str, list[Decision]] = {}
        async with runtime.database.engine.begin() as conn:
            sessions = list(batch)
            if not verified and any(s not in self.logs for s in sessions):
                raise Unsure
            seen_all: dict[str, set[bytes]] = {}
            if verified:
                heads = await store.group_heads(conn, sessions)
                for session_id in sessions:
                    cached = self.logs.get(session_id)
                    if cached is not None and heads.get(session_id) != cached.head:
                        del self.logs[session_id]
                    if session_id not in self.logs and session_id in heads:
                        loaded = await store.load_group(conn, session_id)
                        if loaded is not None:
                            self.logs[session_id] = loaded
                candidates = [
                    digest(p.frame.message)
                    for items in batch.values()
                    for p in items
                    if p.frame.kind != FrameKind.CREATE
                ]
                seen_all = await store.seen_digests_many(conn, sessions, candidates)
            writes: list[tuple[GroupLog, int, list[Accepted]]] = []
            for session_id, items in batch.items():
                group = self.logs.get(session_id)
                if group is None:
                    decisions[session_id] = [
                        Rejected(Reason.NO_GROUP, "This session has no group yet; create it first.")
                        for _ in items
                    ]
                    continue
                admitted = await self._admitted(conn, session_id, items)
                recent = self.recent.setdefault(session_id, {})
                seen = seen_all.get(session_id, set())
                if not verified:
                    seen |= recent.keys()
                from_head = group.head
                accepted: list[Accepted] = []
                out: list[Decision] = []
                for item in items:
                    decision: Decision
                    if item.connection.member_id not in admitted:
                        decision = Rejected(
                            Reason.NOT_ADMITTED, "You are no longer admitted to this session."
                        )
                    else:
                        decision = group.offer(
                            item.frame, item.connection.member_id, admitted, seen, now
                        )
                    if isinstance(decision, Accepted):
                        group.apply(decision)
                        seen.add(decision.entry.digest)
                        accepted.append(decision)
                    elif not verified:
                        raise Unsure
                    out.append(decision)
                decisions[session_id] = out
                if accepted:
                    writes.append((group, from_head, accepted))
            if not await store.append_many(conn, writes):
                raise LogMoved
            for group, _, accepted in writes:
                recent = self.recent.setdefault(group.session_id, {})
                for a in accepted:
                    recent[a.entry.digest] = None
                while len(recent) > RECENT_DIGESTS:
                    del recent[next(iter(recent))]
            for session_id, items in batch.items():
                await self._maybe_prune(conn, session_id, items[0].connection, now)
        return decisions

    async def _admitted(
        self, conn: AsyncConnection, session_id: str, items: list[Pending]
    ) -> set[str]:
        """Who is admitted: read for every commit, else at most every ADMISSION_TTL seconds.

        Removals through the service invalidate it at once (``member_removed``).
        """
        cached = self.admitted.get(session_id)
        has_commit = any(p.frame.kind != FrameKind.MESSAGE for p in items)
        if cached is None or has_commit or time.monotonic() - cached[0] > ADMISSION_TTL:
            cached = (time.monotonic(), await store.admitted_ids(conn, session_id))
            self.admitted[session_id] = cached
        return cached[1]

    async def _maybe_prune(
        self, conn: AsyncConnection, session_id: str, connection: Connection, now: datetime
    ) -> None:
        last = self.last_prune.get(session_id)
        if last is None or (now - last).total_seconds() >= PRUNE_EVERY:
            self.last_prune[session_id] = now
            await store.prune(conn, session_id, cutoff(now, connection.retention_seconds))
