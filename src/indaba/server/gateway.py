"""The WebSocket gateway at ``/api/ws``: one socket per client and session.

A thin loop around :mod:`indaba.delivery`: it authenticates the first frame, feeds
binary frames to the process's :class:`~indaba.server.appender.Appender` (which
applies the ordering rules and writes batches to the store), and relays accepted
entries to every connected member through the bus.  docs/delivery.md describes the protocol.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import struct
from collections import deque
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any

from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from indaba.bus import Bus
from indaba.delivery.admission import admission
from indaba.delivery.catch_up import Cursor, FetchGap, Send, SendFrom, offer_range
from indaba.delivery.errors import Reason, Rejected, Rejection
from indaba.delivery.frames import (
    ClientFrame,
    FrameKind,
    decode_entries,
    encode_entries,
    parse_client_frame,
    peek_ref,
)
from indaba.delivery.key_packages import needs_top_up
from indaba.delivery.ordering import Accepted, GroupLog, create_group
from indaba.delivery.retention import cutoff
from indaba.dialogues.access import authenticate
from indaba.dialogues.errors import DomainError
from indaba.server import delivery_store as store
from indaba.server.appender import Appender
from indaba.store import Database

log = logging.getLogger("indaba.delivery")

HELLO_TIMEOUT = 10.0
MAX_FRAME_BYTES = 1024 * 1024
MAX_PENDING = 20_000
PAGE = 500
MAX_OUT_FRAME = 512 * 1024

ENTRIES = 1
CONTROL = 2


class Close(IntEnum):
    """WebSocket close codes; the reason text is the lower-case name."""

    NORMAL = 1000
    GOING_AWAY = 1001
    INTERNAL_ERROR = 1011
    BAD_HELLO = 4000
    HELLO_TIMEOUT = 4001
    INVALID_CREDENTIAL = 4401
    NOT_ADMITTED = 4403
    SESSION_NOT_FOUND = 4404
    TOO_SLOW = 4408
    REPLACED = 4409


Clock = Callable[[], datetime]


def topic(session_id: str) -> str:
    return f"delivery.{session_id}"


class Connection:
    """One authenticated client socket.

    Producers (the writer, the bus) only append to ``queue``; one flusher task, started
    when there is something to send and gone when the queue is empty, does every send.
    An idle connection therefore holds no task of its own.
    """

    __slots__ = (
        "catching_up",
        "closed",
        "cursor",
        "flusher",
        "member_id",
        "queue",
        "retention_seconds",
        "runtime",
        "session_id",
        "websocket",
    )

    def __init__(
        self,
        runtime: DeliveryRuntime,
        websocket: WebSocket,
        member_id: str,
        session_id: str,
        cursor: int,
        retention_seconds: int,
    ) -> None:
        self.runtime = runtime
        self.websocket = websocket
        self.member_id = member_id
        self.session_id = session_id
        self.cursor = Cursor(cursor)
        self.retention_seconds = retention_seconds
        self.queue: deque[tuple[int, int, bytes] | dict[str, Any] | Close] = deque()
        self.flusher: asyncio.Task[None] | None = None
        self.catching_up = True
        self.closed = False

    # -- producer side (any task) -------------------------------------------------------
    def push_chunk(self, first: int, last: int, encoded: bytes) -> None:
        if self.closed:
            return
        if len(self.queue) >= MAX_PENDING:
            self.close(Close.TOO_SLOW)
            return
        self.queue.append((first, last, encoded))
        self._kick()

    def push_control(self, body: dict[str, Any]) -> None:
        if not self.closed:
            self.queue.append(body)
            self._kick()

    def _kick(self) -> None:
        if self.flusher is None and not self.catching_up:
            self.flusher = asyncio.create_task(self._flush())
            self.runtime.tasks.add(self.flusher)
            self.flusher.add_done_callback(self.runtime.tasks.discard)

    def start_live(self) -> None:
        """Catch-up is done: send what queued up meanwhile, and from now on as it comes."""
        self.catching_up = False
        if self.queue:
            self._kick()

    def decided(self, ref: int, decision: Accepted | Rejected) -> None:
        if isinstance(decision, Rejected):
            self.push_control(decision.to_json(ref))
            if decision.reason == Reason.NOT_ADMITTED:
                self.close(Close.NOT_ADMITTED)
            return
        self.push_control(
            {
                "type": "accepted",
                "ref": ref,
                "seq": decision.entry.seq,
                "epoch": decision.next_epoch,
            }
        )

    def close_internal_error(self) -> None:
        self.close(Close.INTERNAL_ERROR)

    def close(self, code: Close) -> None:
        if not self.closed:
            self.closed = True
            self.queue.append(code)
            self._kick()

    # -- the flusher ----------------------------------------------------------------------
    async def _flush(self) -> None:
        try:
            await self._drain_queue()
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True
            self.queue.clear()
        finally:
            self.flusher = None

    async def _drain_queue(self) -> None:
        ws = self.websocket
        while self.queue:
            out: list[bytes] = []
            size = 0
            while self.queue:
                item = self.queue.popleft()
                if isinstance(item, tuple):
                    for part in await self._deliverable(*item):
                        if isinstance(part, bytes):
                            out.append(part)
                            size += len(part)
                            continue
                        if out:
                            await ws.send_bytes(b"".join(out))
                            out, size = [], 0
                        await ws.send_text(json.dumps(part))
                    if size >= MAX_OUT_FRAME:
                        await ws.send_bytes(b"".join(out))
                        out, size = [], 0
                    continue
                if out:
                    await ws.send_bytes(b"".join(out))
                    out, size = [], 0
                if isinstance(item, Close):
                    self.queue.clear()
                    with contextlib.suppress(Exception):
                        await ws.close(int(item), item.name.lower())
                    return
                await ws.send_text(json.dumps(item))
            if out:
                await ws.send_bytes(b"".join(out))

    async def _deliverable(
        self, first: int, last: int, encoded: bytes
    ) -> list[bytes | dict[str, Any]]:
        """The bytes of a chunk this connection still needs, exactly once and in order."""
        out: list[bytes | dict[str, Any]] = []
        step = offer_range(self.cursor, first, last)
        if isinstance(step, FetchGap):
            out.extend(await self._fetch(step.first, step.last))
            step = offer_range(self.cursor, first, last)
        if isinstance(step, Send):
            out.append(encoded)
        elif isinstance(step, SendFrom):
            wanted = [(seq, data) for seq, data in decode_entries(encoded) if seq >= step.seq]
            out.append(encode_entries(wanted))
        return out

    async def _fetch(self, first: int, last: int) -> list[bytes | dict[str, Any]]:
        """Entries first..last from the store (a gap in the live stream), encoded."""
        since = cutoff(self.runtime.clock(), self.retention_seconds)
        async with self.runtime.database.engine.connect() as conn:
            rows = await store.read_entries(
                conn, self.session_id, first, last, since, last - first + 1
            )
        self.cursor.position = last
        out: list[bytes | dict[str, Any]] = []
        if not rows or rows[0][0] != first:
            out.append({"type": "history_expired", "oldest": rows[0][0] if rows else last + 1})
        if rows:
            out.append(encode_entries(rows))
        return out

    async def catch_up(self) -> None:
        """Send everything after the client's cursor, then ``caught_up`` (before any live)."""
        runtime = self.runtime
        since = cutoff(runtime.clock(), self.retention_seconds)
        async with runtime.database.engine.connect() as conn:
            oldest = await store.oldest_seq(conn, self.session_id, since)
        if oldest is not None and self.cursor.position + 1 < oldest:
            await self.websocket.send_text(
                json.dumps({"type": "history_expired", "oldest": oldest})
            )
            self.cursor.position = oldest - 1
        while True:
            async with runtime.database.engine.connect() as conn:
                rows = await store.read_entries(
                    conn, self.session_id, self.cursor.position + 1, None, since, PAGE
                )
            if not rows:
                break
            await self.websocket.send_bytes(encode_entries(rows))
            self.cursor.position = rows[-1][0]
        await self.websocket.send_text(
            json.dumps({"type": "caught_up", "head": self.cursor.position})
        )


class Room:
    """The local connections of one session, subscribed to its bus topic."""

    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}
        self.subscription: Any = None


_CHUNK = struct.Struct(">BQQ")


class DeliveryRuntime:
    """What the gateway shares in one process: database, bus, clock, rooms, the appender."""

    def __init__(
        self, database: Database, bus: Bus, clock: Clock, max_frame_bytes: int = MAX_FRAME_BYTES
    ) -> None:
        self.database = database
        self.bus = bus
        self.clock = clock
        self.max_frame_bytes = max_frame_bytes
        self.rooms: dict[str, Room] = {}
        self.appender = Appender(self)
        self.tasks: set[asyncio.Task[None]] = set()
        self._rooms_lock = asyncio.Lock()

    # -- fan-out --------------------------------------------------------------------------
    async def publish_entries(self, session_id: str, entries: list[tuple[int, bytes]]) -> None:
        head = _CHUNK.pack(ENTRIES, entries[0][0], entries[-1][0])
        await self.bus.publish(topic(session_id), head + encode_entries(entries))

    async def publish_control(self, session_id: str, body: dict[str, Any]) -> None:
        payload = bytes([CONTROL]) + json.dumps(body).encode("utf-8")
        await self.bus.publish(topic(session_id), payload)

    async def _on_bus(self, session_id: str, data: bytes) -> None:
        room = self.rooms.get(session_id)
        if room is None or not data:
            return
        if data[0] == ENTRIES and len(data) >= _CHUNK.size:
            _, first, last = _CHUNK.unpack_from(data)
            encoded = data[_CHUNK.size :]
            for connection in tuple(room.connections.values()):
                connection.push_chunk(first, last, encoded)
        elif data[0] == CONTROL:
            body = json.loads(data[1:])
            target = None
            if body.get("type") == "member_removed":
                self.appender.forget(session_id)
                target = room.connections.get(body["member_id"])
                if target is not None:
                    target.push_control({"type": "removed", "by": body["by"]})
                    target.close(Close.NOT_ADMITTED)
            for connection in tuple(room.connections.values()):
                if connection is not target:
                    connection.push_control(body)

    # -- rooms ----------------------------------------------------------------------------
    async def attach(self, connection: Connection) -> None:
        async with self._rooms_lock:
            room = self.rooms.get(connection.session_id)
            if room is None:
                room = self.rooms[connection.session_id] = Room()
                session_id = connection.session_id

                async def handler(data: bytes) -> None:
                    await self._on_bus(session_id, data)

                room.subscription = await self.bus.subscribe(topic(session_id), handler)
            previous = room.connections.get(connection.member_id)
            if previous is not None:
                previous.close(Close.REPLACED)
            room.connections[connection.member_id] = connection

    async def detach(self, connection: Connection) -> None:
        async with self._rooms_lock:
            room = self.rooms.get(connection.session_id)
            if room is None or room.connections.get(connection.member_id) is not connection:
                return
            del room.connections[connection.member_id]
            if not room.connections:
                del self.rooms[connection.session_id]
                with contextlib.suppress(Exception):
                    await room.subscription.unsubscribe()

    async def member_removed(self, session_id: str, member_id: str, by: str) -> None:
        """Tell every process: close the member's socket, ask members to commit a Remove."""
        await self.publish_control(
            session_id, {"type": "member_removed", "member_id": member_id, "by": by}
        )

    async def close(self) -> None:
        for room in tuple(self.rooms.values()):
            for connection in tuple(room.connections.values()):
                connection.close(Close.GOING_AWAY)
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=2.0)
        await self.bus.close()

    # -- group creation -------------------------------------------------------------------
    async def create(self, connection: Connection, frame: ClientFrame) -> None:
        now = self.clock()
        async with self.database.engine.begin() as conn:
            existing = await store.load_group(conn, connection.session_id)
            admitted = await store.admitted_ids(conn, connection.session_id)
            if existing is not None:
                outcome: GroupLog | Rejected = Rejected(
                    Reason.GROUP_EXISTS, "This session's group already exists."
                )
            else:
                outcome = create_group(connection.session_id, frame, connection.member_id, admitted)
            if isinstance(outcome, GroupLog) and not await store.insert_group(conn, outcome, now):
                outcome = Rejected(Reason.GROUP_EXISTS, "This session's group already exists.")
        if isinstance(outcome, Rejected):
            connection.decided(frame.ref, outcome)
            return
        self.appender.forget(connection.session_id)
        connection.push_control({"type": "accepted", "ref": frame.ref, "seq": 0, "epoch": 0})
        await self.publish_control(connection.session_id, {"type": "group_created", "epoch": 0})


# ---------------------------------------------------------------------------------------
# the endpoint


class HelloError(Exception):
    def __init__(self, code: Close, message: str) -> None:
        super().__init__(message)
        self.code = code


def _parse_hello(message: Message) -> tuple[str, str, int]:
    text = message.get("text")
    if text is None:
        raise HelloError(Close.BAD_HELLO, "the first frame is a JSON hello")
    try:
        body = json.loads(text)
    except ValueError:
        raise HelloError(Close.BAD_HELLO, "the hello is not JSON") from None
    if not isinstance(body, dict) or body.get("type") != "hello":
        raise HelloError(Close.BAD_HELLO, "the first frame is a hello")
    token, session_id, cursor = body.get("token"), body.get("session_id"), body.get("cursor", 0)
    if not isinstance(token, str) or not token:
        raise HelloError(Close.INVALID_CREDENTIAL, "the hello carries no token")
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 64:
        raise HelloError(Close.BAD_HELLO, "session_id is required")
    if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
        raise HelloError(Close.BAD_HELLO, "cursor is a sequence number >= 0")
    unknown = set(body) - {"type", "token", "session_id", "cursor"}
    if unknown:
        raise HelloError(Close.BAD_HELLO, f"unknown hello field: {sorted(unknown)[0]}")
    return token, session_id, cursor


async def _admit(
    runtime: DeliveryRuntime, websocket: WebSocket, message: Message
) -> tuple[Connection, dict[str, Any]]:
    token, session_id, cursor = _parse_hello(message)
    async with runtime.database.engine.begin() as conn:
        try:
            member = await authenticate(conn, token)
        except DomainError as exc:
            code = Close.NOT_ADMITTED if exc.status == 403 else Close.INVALID_CREDENTIAL
            raise HelloError(code, exc.message) from None
        session = await store.session_row(conn, session_id)
        if session is None or session["dialogue_id"] != member.dialogue_id:
            raise HelloError(Close.SESSION_NOT_FOUND, "No such session in your dialogue.")
        refused = admission(await store.member_facts(conn, member.id, session_id))
        if refused is not None:
            raise HelloError(Close.NOT_ADMITTED, refused.message)
        group = await store.load_group(conn, session_id)
        retention = await store.retention_for(conn, str(session["dialogue_id"]))
        one_time, has_last_resort = await store.key_package_counts(conn, member.id)
        admitted = await store.admitted_ids(conn, session_id)
    head = group.head if group is not None else 0
    if cursor > head:
        raise HelloError(Close.BAD_HELLO, f"cursor {cursor} is beyond the log's head {head}")
    ready: dict[str, Any] = {
        "type": "ready",
        "member_id": member.id,
        "session_id": session_id,
        "group": None,
        "key_packages": {
            "one_time_available": one_time,
            "has_last_resort": has_last_resort,
            "top_up": needs_top_up(one_time) or not has_last_resort,
        },
        "retention_seconds": retention,
    }
    if group is not None:
        ready["group"] = {
            "group_id": base64.b64encode(group.group_id).decode("ascii"),
            "epoch": group.epoch,
            "head": group.head,
            "cipher_suite": group.cipher_suite,
            "in_roster": member.id in group.roster,
            "pending_removals": sorted(group.roster - admitted),
        }
    connection = Connection(runtime, websocket, member.id, session_id, cursor, retention)
    return connection, ready


async def serve_websocket(runtime: DeliveryRuntime, websocket: WebSocket) -> None:
    """One client's socket, from hello to close."""
    await websocket.accept()
    try:
        first = await asyncio.wait_for(websocket.receive(), HELLO_TIMEOUT)
        if first["type"] == "websocket.disconnect":
            return
        connection, ready = await _admit(runtime, websocket, first)
    except TimeoutError:
        await websocket.close(int(Close.HELLO_TIMEOUT), "hello_timeout")
        return
    except HelloError as exc:
        await websocket.close(int(exc.code), f"{exc.code.name.lower()}: {exc}"[:120])
        return
    try:
        await websocket.send_text(json.dumps(ready))
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the client went away during the hello
    await runtime.attach(connection)
    try:
        await connection.catch_up()
        connection.start_live()
        await _receive(runtime, connection)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        connection.closed = True
        await runtime.detach(connection)
        flusher = connection.flusher
        if flusher is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(flusher), 1.0)
        if websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(int(Close.NORMAL))


async def _receive(runtime: DeliveryRuntime, connection: Connection) -> None:
    websocket = connection.websocket
    appender = runtime.appender
    while not connection.closed:
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes")
        if data is None:
            _control(connection, message.get("text") or "")
            continue
        try:
            frame = parse_client_frame(data, runtime.max_frame_bytes)
        except Rejection as exc:
            connection.push_control(exc.rejected.to_json(peek_ref(data)))
            continue
        if frame.kind == FrameKind.CREATE:
            await runtime.create(connection, frame)
        else:
            appender.submit(connection, frame)


def _control(connection: Connection, text: str) -> None:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("type") == "ping":
        connection.push_control({"type": "pong"})
        return
    rejected = Rejected(Reason.MALFORMED, "Text frames after the hello are pings only.")
    connection.push_control(rejected.to_json(None))
