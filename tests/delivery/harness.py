"""A real server on a loopback socket, and small helpers to drive it from tests."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from indaba.config import Settings
from indaba.delivery.frames import ClientFrame, FrameKind, decode_entries
from indaba.server import create_app
from indaba.server.context import Clock


@dataclass
class LiveServer:
    """A uvicorn server running the Indaba app in this event loop."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    sock: socket.socket
    port: int

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/ws"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 10)


async def start_server(settings: Settings, clock: Clock, port: int = 0) -> LiveServer:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(
        create_app(settings, clock=clock),
        log_config=None,
        access_log=False,
        ws="websockets-sansio",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return LiveServer(server, task, sock, sock.getsockname()[1])


@dataclass
class RawClient:
    """A WebSocket client that speaks the gateway's frames without any MLS."""

    ws: ClientConnection
    ready: dict[str, Any]
    entries: list[tuple[int, bytes]] = field(default_factory=list)
    controls: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def open(cls, url: str, token: str, session_id: str, cursor: int = 0) -> RawClient:
        ws = await connect(url, max_size=None)
        await ws.send(
            json.dumps(
                {"type": "hello", "token": token, "session_id": session_id, "cursor": cursor}
            )
        )
        ready = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ready["type"] == "ready", ready
        return cls(ws, ready)

    async def send(
        self, kind: FrameKind, ref: int, message: bytes, group_info: bytes | None = None
    ) -> None:
        await self.ws.send(ClientFrame(kind, ref, message, group_info).encode())

    async def next(self, timeout: float = 5) -> dict[str, Any] | list[tuple[int, bytes]]:
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(data, bytes):
            entries = decode_entries(data)
            self.entries.extend(entries)
            return entries
        body: dict[str, Any] = json.loads(data)
        self.controls.append(body)
        return body

    async def until(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        while True:
            item = await self.next(timeout)
            if isinstance(item, dict) and item["type"] == kind:
                return item

    async def until_seq(self, seq: int, timeout: float = 5) -> None:
        while not self.entries or self.entries[-1][0] < seq:
            await self.next(timeout)

    async def closed(self, timeout: float = 5) -> tuple[int | None, str]:
        try:
            while True:
                await self.next(timeout)
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            return (rcvd.code, rcvd.reason) if rcvd else (None, "")

    async def close(self) -> None:
        await self.ws.close()


def seqs(entries: Sequence[tuple[int, bytes]]) -> list[int]:
    return [seq for seq, _ in entries]
