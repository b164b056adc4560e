"""A chat client over the gateway: join a session, send, receive, leave; reconnects itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from indaba.client.http import ApiError, api, split_invite, ws_url
from indaba.client.member import (
    ChatMember,
    Event,
    Joined,
    NeedGroupInfo,
    Output,
    decode_group_info,
)
from indaba.delivery.frames import FrameKind, decode_entries

#: close codes after which reconnecting cannot help
FINAL_CLOSE_CODES = {4000, 4401, 4403, 4404, 4409}


class ChatClosed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"connection closed ({code}): {reason}")
        self.code = code
        self.reason = reason


class ChatSession:
    """Runs one :class:`ChatMember` over a WebSocket; events come out of :meth:`events`."""

    def __init__(self, base_url: str, token: str, member: ChatMember) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.member = member
        self.queue: asyncio.Queue[Event | ChatClosed] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._outbox: list[bytes] = []
        self._joined = asyncio.Event()
        self._ready = False
        self.closed = False

    # -- life cycle ---------------------------------------------------------------------------
    @classmethod
    async def from_invite(
        cls, invite_url: str, display_name: str, language: str, session_id: str | None = None
    ) -> ChatSession:
        """Accept an invite (creating a member), join its session, and connect."""
        base, invite = split_invite(invite_url)
        accepted = await api(
            base,
            "POST",
            "/api/invites/accept",
            body={"token": invite, "display_name": display_name, "language": language},
        )
        token, member_id = accepted["token"], accepted["member"]["id"]
        session = session_id or accepted.get("session_id")
        if session is None:
            dialogue = accepted["dialogue"]["id"]
            sessions = await api(base, "GET", f"/api/dialogues/{dialogue}/sessions", token)
            if not sessions:
                raise ApiError(404, "no_session", "The dialogue has no session to join.")
            session = sessions[0]["id"]
        if not accepted.get("session_id") or accepted.get("session_id") != session:
            await api(base, "POST", f"/api/sessions/{session}/join", token)
        chat = cls(base, token, ChatMember(member_id, str(session)))
        await chat.start()
        return chat

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._connected.wait(), 30)

    async def close(self) -> None:
        self.closed = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def leave(self) -> None:
        """Leave the session: the service removes us and a member commits the Remove."""
        member = self.member
        await api(
            self.base_url,
            "POST",
            f"/api/sessions/{member.session_id}/removals",
            self.token,
            {"member_id": member.member_id},
        )
        await self.close()

    # -- using it -------------------------------------------------------------------------------
    async def send(self, text: bytes, timeout: float = 30) -> None:
        """Encrypt and send ``text``; waits until this member has joined the group."""
        await asyncio.wait_for(self._joined.wait(), timeout)
        await self._emit(self.member.send(text))

    async def events(self) -> AsyncIterator[Event]:
        while True:
            item = await self.queue.get()
            if isinstance(item, ChatClosed):
                raise item
            yield item

    async def next_event(self, timeout: float = 10) -> Event:
        item = await asyncio.wait_for(self.queue.get(), timeout)
        if isinstance(item, ChatClosed):
            raise item
        return item

    # -- the loop ---------------------------------------------------------------------------------
    async def _emit(self, outputs: list[Output]) -> None:
        for item in outputs:
            if isinstance(item, bytes):
                if self._ws is not None and self._ready:
                    try:
                        await self._ws.send(item)
                        continue
                    except ConnectionClosed:
                        pass
                self._outbox.append(item)
            elif isinstance(item, NeedGroupInfo):
                await self._join()
            else:
                if isinstance(item, Joined):
                    self._joined.set()
                await self.queue.put(item)

    async def _join(self) -> None:
        path = f"/api/sessions/{self.member.session_id}/group-info"
        _, info = decode_group_info(await api(self.base_url, "GET", path, self.token))
        await self._emit(self.member.join_with(info))

    async def _run(self) -> None:
        delay = 0.1
        while not self.closed:
            try:
                await self._connect_once()
                delay = 0.1
            except ChatClosed as exc:
                if exc.code in FINAL_CLOSE_CODES or self.member.removed:
                    await self.queue.put(exc)
                    self._connected.set()
                    return
            except (TimeoutError, OSError, ConnectionClosed):
                pass
            if self.closed:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _connect_once(self) -> None:
        member = self.member
        if member.group is None:
            with contextlib.suppress(ApiError):
                path = f"/api/sessions/{member.session_id}/group-info"
                head, _ = decode_group_info(await api(self.base_url, "GET", path, self.token))
                member.cursor_for_join(head)
        async with connect(ws_url(self.base_url), max_size=None) as ws:
            hello = {
                "type": "hello",
                "token": self.token,
                "session_id": member.session_id,
                "cursor": member.cursor,
            }
            await ws.send(json.dumps(hello))
            self._ws = ws
            self._ready = False
            try:
                async for data in ws:
                    await self._on_frame(data)
            except ConnectionClosed:
                pass
            finally:
                self._ws = None
            raise ChatClosed(ws.close_code, ws.close_reason or "")

    async def _on_frame(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            await self._emit(self.member.on_entries(decode_entries(data)))
            return
        body: dict[str, Any] = json.loads(data)
        if body.get("type") == "ready":
            self._connected.set()
            await self._emit(self.member.on_ready(body))
        elif body.get("type") == "caught_up":
            self._ready = True
            # unconfirmed messages are resent by the member itself; keep the rest
            waiting = [f for f in self._outbox if f[0] != FrameKind.MESSAGE]
            self._outbox = []
            await self._emit([*waiting, *self.member.on_control(body)])
        else:
            await self._emit(self.member.on_control(body))
