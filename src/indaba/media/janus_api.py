"""Talking to Janus: the small control interface the server needs, over Janus's WebSockets.

``JanusControl`` is the boundary (rooms, ACL tokens, health); ``JanusWsControl`` is the real
implementation and ``indaba.media.fake.FakeJanus`` the in-memory one for tests.  Each call
opens a short-lived connection: rooms are created and destroyed rarely, so simplicity wins.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

import websockets
from websockets.asyncio.client import ClientConnection

PLUGIN = "janus.plugin.videoroom"
API_SUBPROTOCOL = "janus-protocol"
ADMIN_SUBPROTOCOL = "janus-admin-protocol"
TIMEOUT = 5.0


class JanusError(RuntimeError):
    """Janus answered with an error (``code`` is Janus's or the VideoRoom's error code)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


class JanusUnavailable(JanusError):
    """Janus could not be reached (down, restarting, or not configured)."""


@dataclass(frozen=True)
class RoomSpec:
    """A VideoRoom for one session; only the server knows ``secret``."""

    room: int
    description: str
    secret: str = field(repr=False)
    publishers: int
    allowed: tuple[str, ...] = field(default=(), repr=False)

    def create_body(self, admin_key: str) -> dict[str, Any]:
        return {
            "request": "create",
            "room": self.room,
            "admin_key": admin_key,
            "description": self.description,
            "secret": self.secret,
            "is_private": True,
            "permanent": False,
            "require_e2ee": True,
            "publishers": self.publishers,
            "bitrate": 1_500_000,
            "fir_freq": 10,
            "audiocodec": "opus",
            "videocodec": "vp8",
            "notify_joining": True,
            "allowed": list(self.allowed),
        }


class JanusControl(Protocol):
    """What the server asks of one Janus node."""

    async def info(self) -> dict[str, Any]: ...
    async def add_token(self, token: str) -> None: ...
    async def remove_token(self, token: str) -> None: ...
    async def room_request(self, body: dict[str, Any]) -> dict[str, Any]: ...


def _transaction() -> str:
    return secrets.token_hex(8)


async def _call(conn: ClientConnection, request: dict[str, Any]) -> dict[str, Any]:
    """Send one request and return the answer with the same transaction (acks skipped)."""
    request = {**request, "transaction": _transaction()}
    await conn.send(json.dumps(request))
    while True:
        raw = await asyncio.wait_for(conn.recv(), TIMEOUT)
        answer: dict[str, Any] = json.loads(raw)
        if answer.get("transaction") != request["transaction"] or answer.get("janus") == "ack":
            continue
        if answer.get("janus") == "error":
            error = answer.get("error", {})
            raise JanusError(str(error.get("reason", "error")), int(error.get("code", 0)))
        return answer


class JanusWsControl:
    """``JanusControl`` over Janus's WebSockets API and admin API."""

    def __init__(
        self, ws_url: str, admin_ws_url: str, admin_secret: str, server_token: str
    ) -> None:
        self.ws_url = ws_url
        self.admin_ws_url = admin_ws_url
        self._admin_secret = admin_secret
        self._server_token = server_token

    async def _connect(self, url: str, subprotocol: str) -> ClientConnection:
        try:
            return await asyncio.wait_for(
                websockets.connect(
                    url,
                    subprotocols=[websockets.Subprotocol(subprotocol)],
                    open_timeout=TIMEOUT,
                    max_size=4 * 1024 * 1024,
                ),
                TIMEOUT + 1,
            )
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            raise JanusUnavailable(f"Janus is not reachable at {url}") from exc

    async def info(self) -> dict[str, Any]:
        conn = await self._connect(self.ws_url, API_SUBPROTOCOL)
        try:
            return await _call(conn, {"janus": "info"})
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            raise JanusUnavailable("Janus did not answer") from exc
        finally:
            await conn.close()

    async def _admin(self, request: dict[str, Any]) -> dict[str, Any]:
        conn = await self._connect(self.admin_ws_url, ADMIN_SUBPROTOCOL)
        try:
            return await _call(conn, {**request, "admin_secret": self._admin_secret})
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            raise JanusUnavailable("the Janus admin API did not answer") from exc
        finally:
            await conn.close()

    async def add_token(self, token: str) -> None:
        try:
            await self._admin({"janus": "add_token", "token": token, "plugins": [PLUGIN]})
        except JanusUnavailable:
            raise
        except JanusError:
            # Already stored: make sure it may use the VideoRoom.
            await self._admin({"janus": "allow_token", "token": token, "plugins": [PLUGIN]})

    async def remove_token(self, token: str) -> None:
        try:
            await self._admin({"janus": "remove_token", "token": token})
        except JanusUnavailable:
            raise
        except JanusError:
            pass  # not stored (Janus restarted, or already removed)

    async def room_request(self, body: dict[str, Any]) -> dict[str, Any]:
        """One synchronous VideoRoom request; returns its ``plugindata.data``."""
        await self.add_token(self._server_token)
        conn = await self._connect(self.ws_url, API_SUBPROTOCOL)
        token = {"token": self._server_token}
        try:
            session = (await _call(conn, {"janus": "create", **token}))["data"]["id"]
            handle = (
                await _call(
                    conn, {"janus": "attach", "session_id": session, "plugin": PLUGIN, **token}
                )
            )["data"]["id"]
            answer = await _call(
                conn,
                {
                    "janus": "message",
                    "session_id": session,
                    "handle_id": handle,
                    "body": body,
                    **token,
                },
            )
            await _call(conn, {"janus": "destroy", "session_id": session, **token})
        except (OSError, TimeoutError, websockets.WebSocketException, KeyError) as exc:
            raise JanusUnavailable("Janus did not answer a VideoRoom request") from exc
        finally:
            await conn.close()
        data: dict[str, Any] = answer.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise JanusError(str(data.get("error", "VideoRoom error")), int(data["error_code"]))
        return data
