"""Relay benchmark: the Indaba gateway against a plain WebSocket broadcast server.

Simulated clients (one process, pinned to the last CPU) send opaque payloads of 200-2,000
bytes, wrapped as MLS PrivateMessages, to rooms of 10, 100 and 1,000 members; the server
(one process, pinned to CPU 0: one core) relays them.  Measured per room size:

* deliveries per second (entries received by all clients, wall clock), and deliveries per
  second of server CPU time -- "per server core", independent of how fast the clients are;
* p50 / p99 latency from send to receipt (one monotonic clock: same process);
* memory per idle connection (server RSS growth over 2,000 authenticated idle sockets).

Both servers run on the same stack (Starlette on uvicorn, httptools, uvloop, websockets
sans-I/O).  The plain server relays each binary message to everyone in the room and does
nothing else: no authentication, no parsing, no ordering, no database -- the ceiling.

    .venv/bin/python bench/relay_bench.py [--duration 5] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import random
import secrets
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ROOM_SIZES = (10, 100, 1000)
CONNECTIONS_PER_RUN = 1000
SENDERS_PER_ROOM = 10
WINDOW = 2
PACED = 10_000.0  # deliveries per second offered in the latency runs
IDLE_CONNECTIONS = 2000
WARM_UP = 200
HEADING = "## Relay (bench/relay_bench.py)"


# ---------------------------------------------------------------------------------------
# servers (run in a child process pinned to CPU 0)


def plain_app() -> Any:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    rooms: dict[str, set[WebSocket]] = defaultdict(set)

    async def relay(ws: WebSocket) -> None:
        await ws.accept()
        room = json.loads(await ws.receive_text())["room"]
        rooms[room].add(ws)
        await ws.send_text('{"type":"ready"}')
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if data is not None:
                    for peer in tuple(rooms[room]):
                        with contextlib.suppress(Exception):
                            await peer.send_bytes(data)
        finally:
            rooms[room].discard(ws)

    return Starlette(routes=[WebSocketRoute("/api/ws", relay)])


def serve(kind: str, port: int, database_url: str) -> None:
    import uvicorn

    os.sched_setaffinity(0, {0})
    if kind == "plain":
        app = plain_app()
    else:
        from indaba.config import Settings
        from indaba.server import create_app

        app = create_app(
            Settings(database_url=database_url, auto_migrate=False, media_enabled=False)
        )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        ws_max_size=4 * 1024 * 1024,
    )


# ---------------------------------------------------------------------------------------
# seeding the Indaba database: members, sessions, and a group per session


@dataclass
class Room:
    session_id: str
    tokens: list[str]
    head: int = 0  # start reading the log here (what earlier runs appended is skipped)


def seed(database_url: str, sizes: tuple[int, ...]) -> dict[int, list[Room]]:
    from sqlalchemy import create_engine

    from indaba.store.migrate import upgrade_sync
    from indaba.store.schema import dialogues, members, session_members, sessions
    from indaba.store.schema_delivery import delivery_groups

    upgrade_sync(database_url)
    engine = create_engine(database_url.replace("+aiosqlite", ""))
    now = dt.datetime.now(dt.UTC)
    dialogue = secrets.token_hex(16)
    plan: dict[int, list[Room]] = {}
    with engine.begin() as conn:
        conn.execute(
            dialogues.insert().values(
                id=dialogue,
                title="bench",
                description="",
                prompts=[],
                languages=["en"],
                opens_at=now - dt.timedelta(days=1),
                closes_at=now + dt.timedelta(days=1),
                created_at=now,
            )
        )
        for size in (*sizes, IDLE_CONNECTIONS + WARM_UP):
            count = max(1, CONNECTIONS_PER_RUN // size) if size in sizes else 1
            plan[size] = []
            for _ in range(count):
                session_id = secrets.token_hex(16)
                conn.execute(
                    sessions.insert().values(
                        id=session_id,
                        dialogue_id=dialogue,
                        topic="bench",
                        languages=["en"],
                        capacity=size,
                        starts_at=now,
                        ends_at=now + dt.timedelta(days=1),
                        created_at=now,
                    )
                )
                tokens = [secrets.token_urlsafe(32) for _ in range(size)]
                ids = [secrets.token_hex(16) for _ in range(size)]
                conn.execute(
                    members.insert(),
                    [
                        {
                            "id": member_id,
                            "dialogue_id": dialogue,
                            "role": "participant",
                            "display_name": "m",
                            "language": "en",
                            "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                            "banned": False,
                            "created_at": now,
                        }
                        for member_id, token in zip(ids, tokens, strict=True)
                    ],
                )
                conn.execute(
                    session_members.insert(),
                    [{"session_id": session_id, "member_id": m, "joined_at": now} for m in ids],
                )
                conn.execute(
                    delivery_groups.insert().values(
                        session_id=session_id,
                        group_id=session_id.encode(),
                        cipher_suite=1,
                        epoch=0,
                        head_seq=0,
                        group_info=b"bench",
                        roster=ids,
                        created_at=now,
                        updated_at=now,
                    )
                )
                plan[size].append(Room(session_id, tokens))
    engine.dispose()
    return plan


# ---------------------------------------------------------------------------------------
# clients


def private_message(group_id: bytes, payload: bytes) -> bytes:
    from indaba.mls.wire.framing import ContentType, PrivateMessage
    from indaba.mls.wire.message import MLSMessage

    body = PrivateMessage(group_id, 0, ContentType.APPLICATION, b"", b"\x00" * 16, payload)
    return MLSMessage(body).encode()


STAMP = struct.Struct(">QII")  # send time (ns), sender number, counter


@dataclass
class Stats:
    deliveries: int = 0
    sent: int = 0
    latencies: list[int] = field(default_factory=list)
    measuring: bool = False


class Client:
    def __init__(
        self, kind: str, url: str, room: Room, index: int, number: int, stats: Stats
    ) -> None:
        self.kind, self.url, self.room, self.index, self.number = kind, url, room, index, number
        self.stats = stats
        self.ws: Any = None
        self.own = asyncio.Queue[int]()
        self.prefix = 0

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, max_size=None, compression=None, ping_interval=None)
        if self.kind == "plain":
            await self.ws.send(json.dumps({"room": self.room.session_id}))
            await self.ws.recv()
        else:
            hello = {
                "type": "hello",
                "token": self.room.tokens[self.index],
                "session_id": self.room.session_id,
                "cursor": self.room.head,
            }
            await self.ws.send(json.dumps(hello))
            while True:
                frame = await self.ws.recv()
                if isinstance(frame, str) and json.loads(frame)["type"] == "caught_up":
                    break

    async def receive(self) -> None:
        from indaba.delivery.frames import decode_entries

        stats, offset = self.stats, None
        async for data in self.ws:
            if isinstance(data, str):
                continue
            now = time.monotonic_ns()
            messages = [data] if self.kind == "plain" else [m for _, m in decode_entries(data)]
            for message in messages:
                if offset is None:
                    offset = message.index(b"\xa5\x5a\xa5\x5a") + 4
                sent, sender, counter = STAMP.unpack_from(message, offset)
                if stats.measuring:
                    stats.deliveries += 1
                    stats.latencies.append(now - sent)
                if sender == self.number:
                    self.own.put_nowait(counter)

    async def send_loop(self, stop: asyncio.Event, interval: float = 0.0) -> None:
        """Closed loop (``WINDOW`` in flight) or, with ``interval``, one message per interval."""
        group_id = self.room.session_id.encode()
        counter, ref = 0, 0
        template_sizes = [random.randint(200, 2000) for _ in range(64)]
        in_flight = 0
        if interval:
            await asyncio.sleep(random.random() * interval)
        while not stop.is_set():
            while in_flight < (1 if interval else WINDOW):
                counter += 1
                size = template_sizes[counter % 64]
                stamp = STAMP.pack(time.monotonic_ns(), self.number, counter)
                payload = b"\xa5\x5a\xa5\x5a" + stamp + os.urandom(4)
                payload += b"\x00" * (size - len(payload))
                message = private_message(group_id, payload)
                if self.kind == "plain":
                    frame = message
                else:
                    ref = ref % 0xFFFFFFFF + 1
                    frame = b"\x01" + ref.to_bytes(4, "big") + message
                await self.ws.send(frame)
                if self.stats.measuring:
                    self.stats.sent += 1
                in_flight += 1
            if interval:
                await asyncio.sleep(interval)
                while not self.own.empty():
                    self.own.get_nowait()
                in_flight = 0
                continue
            try:
                await asyncio.wait_for(self.own.get(), 5)
                in_flight -= 1
            except TimeoutError:
                in_flight = 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@dataclass
class Result:
    server: str
    room: int
    connections: int
    deliveries_per_s: float
    per_core: float
    cpu_share: float
    p50_ms: float
    p99_ms: float


async def run_rooms(
    kind: str,
    url: str,
    pid: int,
    size: int,
    rooms: list[Room],
    duration: float,
    paced_deliveries: float = 0.0,
) -> Result:
    """Saturate the server (closed loop), or offer ``paced_deliveries`` per second."""
    stats = Stats()
    clients: list[Client] = []
    number = 0
    for room in rooms:
        for index in range(size):
            number += 1
            clients.append(Client(kind, url, room, index, number, stats))
    for start in range(0, len(clients), 100):
        await asyncio.gather(*(c.connect() for c in clients[start : start + 100]))
    receivers = [asyncio.create_task(c.receive()) for c in clients]
    stop = asyncio.Event()
    sending = [
        c
        for room_clients in (clients[i : i + size] for i in range(0, len(clients), size))
        for c in room_clients[:SENDERS_PER_ROOM]
    ]
    interval = 0.0
    if paced_deliveries:
        messages_per_second = paced_deliveries / size
        interval = len(sending) / messages_per_second
    senders = [asyncio.create_task(c.send_loop(stop, interval)) for c in sending]
    await asyncio.sleep(1.0)  # warm up
    stats.measuring = True
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(duration)
    stats.measuring = False
    cpu1, t1 = cpu_seconds(pid), time.monotonic()
    stop.set()
    await asyncio.sleep(0.5)
    for task in senders + receivers:
        task.cancel()
    await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)
    await asyncio.sleep(0.5)
    await record_heads(kind, url, rooms)
    wall, cpu = t1 - t0, max(cpu1 - cpu0, 1e-9)
    latencies = sorted(stats.latencies) or [0]
    return Result(
        server=kind if not paced_deliveries else f"{kind}, paced",
        room=size,
        connections=len(clients),
        deliveries_per_s=stats.deliveries / wall,
        per_core=stats.deliveries / cpu,
        cpu_share=cpu / wall,
        p50_ms=statistics.median(latencies) / 1e6,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] / 1e6,
    )


async def record_heads(kind: str, url: str, rooms: list[Room]) -> None:
    """Remember each room's log head, so the next run does not replay this one's."""
    if kind != "indaba":
        return
    from websockets.asyncio.client import connect

    for room in rooms:
        async with connect(url) as ws:
            hello = {"type": "hello", "token": room.tokens[0], "session_id": room.session_id}
            await ws.send(json.dumps({**hello, "cursor": room.head}))
            ready = json.loads(await ws.recv())
            room.head = ready["group"]["head"] if ready.get("group") else 0


async def idle_memory(kind: str, url: str, pid: int, room: Room) -> float:
    """RSS growth per idle socket: 2,000 sockets opened on top of 200 warm-up sockets."""
    stats = Stats()
    clients = [Client(kind, url, room, i, i, stats) for i in range(len(room.tokens))]
    warm, measured = clients[:WARM_UP], clients[WARM_UP:]
    await asyncio.gather(*(c.connect() for c in warm))
    await asyncio.sleep(1.0)
    before = rss_kib(pid)
    for start in range(0, len(measured), 100):
        await asyncio.gather(*(c.connect() for c in measured[start : start + 100]))
    await asyncio.sleep(1.0)
    growth = (rss_kib(pid) - before) / len(measured)
    await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)
    return growth


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for_port(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the server did not start")


async def bench(
    kind: str, plan: dict[int, list[Room]], database_url: str, duration: float
) -> tuple[list[Result], float]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port), "--db", database_url]
    )
    try:
        await wait_for_port(port)
        url = f"ws://127.0.0.1:{port}/api/ws"
        memory = await idle_memory(kind, url, child.pid, plan[IDLE_CONNECTIONS + WARM_UP][0])
        results = []
        for size in ROOM_SIZES:
            results.append(await run_rooms(kind, url, child.pid, size, plan[size], duration))
            results.append(await run_rooms(kind, url, child.pid, size, plan[size], duration, PACED))
            print(
                f"  {kind:7} room {size:>5}: {results[-1].per_core:,.0f} deliveries/s per core",
                flush=True,
            )
        return results, memory
    finally:
        child.terminate()
        child.wait(10)


def machine() -> str:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    python = platform.python_version()
    return f"{os.cpu_count()} CPUs (nproc), {model}, {ram:.0f} GiB RAM, Python {python}"


def table(results: list[Result], memory: dict[str, float]) -> str:
    lines = [
        "| server | room | connections | deliveries/s (wall) | server CPU "
        "| deliveries/s per server core | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.server} | {r.room:,} | {r.connections:,} | {r.deliveries_per_s:,.0f} | "
            f"{r.cpu_share:.0%} | {r.per_core:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} |"
        )
    lines.append("")
    lines.append("| server | memory per idle connection |")
    lines.append("|---|---:|")
    for name, kib in memory.items():
        lines.append(f"| {name} | {kib:.1f} KiB |")
    return "\n".join(lines)


def write_docs(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if HEADING in current:
        start = current.index(HEADING)
        rest = current[start + len(HEADING) :]
        next_heading = rest.find("\n## ")
        end = start + len(HEADING) + (next_heading + 1 if next_heading >= 0 else len(rest))
        current = current[:start] + text.rstrip() + "\n\n" + current[end:].lstrip("\n")
    else:
        current = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(current.rstrip() + "\n")


async def main_async(
    args: argparse.Namespace, plan: dict[int, list[Room]], database_url: str
) -> None:
    os.sched_setaffinity(0, {(os.cpu_count() or 1) - 1})
    results: list[Result] = []
    memory: dict[str, float] = {}
    for kind in ("indaba", "plain"):
        found, memory[kind] = await bench(kind, plan, database_url, args.duration)
        results.extend(found)
    print()
    report = table(results, memory)
    print(report)
    if args.write_docs:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_docs(
            f"{HEADING}\n\n"
            f"Run {stamp} on {machine()}. Server: one process pinned to CPU 0 "
            f"(uvicorn, httptools, uvloop, websockets sans-I/O; Indaba on SQLite); clients: "
            f"one process on the other CPU, {SENDERS_PER_ROOM} senders per room, "
            f"{WINDOW} messages in flight each, payloads of 200-2,000 bytes as MLS "
            f"PrivateMessages, {args.duration:.0f} s per row after 1 s of warm-up. "
            f"About {CONNECTIONS_PER_RUN} connections per row (rooms of 10: 100 rooms; of "
            f'100: 10 rooms; of 1,000: one room). "Per server core" divides deliveries by '
            f"the server process's CPU seconds; the wall-clock rate is capped by the single "
            f"client process. Memory: server RSS growth over {IDLE_CONNECTIONS:,} "
            f"authenticated idle sockets, measured on a second round after a warm-up "
            f'round. Rows marked "paced" offer {PACED:,.0f} deliveries/s (each sender '
            f"sends at a fixed interval) to measure latency below saturation; the other "
            f"rows saturate the server (closed loop).\n\n"
            f"Goals (issue 4): >= 100,000 deliveries/s per core for rooms of 10-100, >= "
            f"70,000 for rooms of 1,000, p99 < 100 ms, <= 20 KB per idle connection.\n\n"
            f"Load average when the run ended: {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs.\n\n"
            f"{report}\n"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--serve", choices=["indaba", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.db)
        return
    import uvloop

    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        plan = seed(database_url, ROOM_SIZES)
        uvloop.run(main_async(args, plan, database_url))


if __name__ == "__main__":
    main()
