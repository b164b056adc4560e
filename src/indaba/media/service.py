"""The media side of the server: Janus nodes (started here or configured), health, rooms.

``MediaService.from_settings`` either generates a Janus configuration and supervises a
local Janus (the default), or uses the nodes named by ``janus_urls``.  A health loop asks
every node for ``info``; the API reports ``up``/``down`` from it, and a node that comes
back after being down has lost its rooms, so they are recreated on the next request.  A
reaper destroys the rooms of sessions that have ended.

Revocation: when a member leaves or is removed from a session, ``revoke`` closes that
member's proxied Janus connections at once (in this process, and in every other process
through the bus topic ``media.revoke``) and takes its token off the room and Janus.  The
proxy's periodic membership check stays as the safety net (the bus is at-most-once).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import shutil
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from indaba.bus import Bus, Subscription
from indaba.config import Settings
from indaba.media.janus_api import JanusError, JanusUnavailable, JanusWsControl
from indaba.media.janus_config import (
    JanusConfigError,
    JanusLayout,
    JanusSecrets,
    find_library_dir,
    write_config,
)
from indaba.media.rooms import JanusNode, RoomManager
from indaba.media.supervisor import Supervisor, file_spawner

log = logging.getLogger("indaba.media")

Status = Literal["disabled", "starting", "up", "down"]
HEALTH_EVERY = 2.0
REAP_EVERY = 60.0
EndedSessions = Callable[[list[str], datetime], Awaitable[set[str]]]
REVOKE_TOPIC = "media.revoke"


class ProxyConnections:
    """The open proxy connections of this process, by (session, member).

    Each connection holds an event; revoking a member sets the events of all its
    connections, and the proxy closes them (``routes_media.janus_proxy``).
    """

    def __init__(self) -> None:
        self._open: dict[tuple[str, str], set[asyncio.Event]] = {}

    def open(self, session_id: str, member_id: str) -> asyncio.Event:
        revoked = asyncio.Event()
        self._open.setdefault((session_id, member_id), set()).add(revoked)
        return revoked

    def close(self, session_id: str, member_id: str, revoked: asyncio.Event) -> None:
        events = self._open.get((session_id, member_id))
        if events is not None:
            events.discard(revoked)
            if not events:
                del self._open[(session_id, member_id)]

    def revoke(self, session_id: str, member_id: str) -> int:
        """Signal every connection of the member; returns how many there were."""
        events = self._open.pop((session_id, member_id), set())
        for revoked in events:
            revoked.set()
        return len(events)

    def count(self, session_id: str, member_id: str) -> int:
        return len(self._open.get((session_id, member_id), ()))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def media_dir(settings: Settings) -> Path:
    if settings.media_dir:
        return Path(settings.media_dir)
    prefix = "sqlite+aiosqlite:///"
    if settings.database_url.startswith(prefix):
        return Path(settings.database_url.removeprefix(prefix)).parent / "janus"
    return Path("var/janus")


@dataclass(frozen=True)
class IceServer:
    urls: str


class MediaService:
    """Owns the Janus nodes, their health, and the room manager."""

    def __init__(
        self,
        rooms: RoomManager | None,
        media_secret: bytes,
        ice_servers: tuple[str, ...] = (),
        supervisor: Supervisor | None = None,
        reason: str = "",
    ) -> None:
        self.rooms = rooms
        self.media_secret = media_secret
        self.ice_servers = ice_servers
        self.supervisor = supervisor
        self.status: Status = "disabled" if rooms is None else "starting"
        self.reason = reason
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.connections = ProxyConnections()
        self._bus: Bus | None = None
        self._subscription: Subscription | None = None

    @classmethod
    def disabled(cls, reason: str) -> MediaService:
        return cls(None, secrets.token_bytes(32), reason=reason)

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaService:
        media_secret = (
            settings.media_secret.get_secret_value().encode()
            if settings.media_secret is not None
            else secrets.token_bytes(32)
        )
        if not settings.media_enabled:
            return cls.disabled("media is disabled in the configuration (media_enabled)")
        if settings.janus_urls:
            assert settings.janus_admin_secret is not None
            assert settings.janus_room_admin_key is not None
            server_token = secrets.token_urlsafe(24)
            nodes = [
                JanusNode(
                    ws_url=url,
                    control=JanusWsControl(
                        url,
                        admin_url,
                        settings.janus_admin_secret.get_secret_value(),
                        server_token,
                    ),
                    room_admin_key=settings.janus_room_admin_key.get_secret_value(),
                )
                for url, admin_url in zip(
                    settings.janus_urls, settings.janus_admin_urls, strict=True
                )
            ]
            return cls(RoomManager(nodes, media_secret), media_secret, settings.media_ice_servers)
        binary = shutil.which(settings.janus_binary)
        if binary is None:
            return cls.disabled(f"{settings.janus_binary} is not installed")
        low, high = (int(part) for part in settings.media_rtp_ports.split("-"))
        layout = JanusLayout(
            directory=media_dir(settings).resolve(),
            ws_port=free_port(),
            admin_ws_port=free_port(),
            rtp_ports=(low, high),
            nat_1_1_ip=settings.media_public_ip,
        )
        janus_secrets = JanusSecrets.generate()
        try:
            config = write_config(layout, janus_secrets, find_library_dir())
        except (JanusConfigError, OSError) as exc:
            # Text conversation must not depend on media: start without it, and say why.
            log.error("media disabled: %s", exc)
            return cls.disabled(str(exc))
        supervisor = Supervisor(
            [binary, "-C", str(config), "-F", str(layout.directory)],
            file_spawner(layout.directory / "janus.log"),
        )
        node = JanusNode(
            ws_url=layout.ws_url,
            control=JanusWsControl(
                layout.ws_url,
                layout.admin_ws_url,
                janus_secrets.admin_secret,
                secrets.token_urlsafe(24),
            ),
            room_admin_key=janus_secrets.room_admin_key,
        )
        service = cls(
            RoomManager([node], media_secret), media_secret, settings.media_ice_servers, supervisor
        )
        supervisor_exit = service._on_janus_exit
        supervisor._on_exit = supervisor_exit
        return service

    def _on_janus_exit(self, code: int) -> None:
        self._set_status("down")

    def _set_status(self, status: Status) -> None:
        if status != self.status:
            log.info("media status", extra={"status": status})
            if status == "down" and self.rooms is not None:
                self.rooms.known.clear()
        self.status = status

    async def check_health(self) -> Status:
        if self.rooms is None:
            return "disabled"
        try:
            for node in self.rooms.nodes:
                await node.control.info()
        except JanusError:
            self._set_status("down")
        else:
            self._set_status("up")
        return self.status

    async def start(self, ended_sessions: EndedSessions, clock: Callable[[], datetime]) -> None:
        if self.rooms is None:
            log.info("media disabled", extra={"reason": self.reason})
            return
        if self.supervisor is not None:
            self.supervisor.start()
        self._tasks.append(asyncio.create_task(self._health_loop(), name="media-health"))
        self._tasks.append(
            asyncio.create_task(self._reap_loop(ended_sessions, clock), name="media-reaper")
        )

    async def listen(self, bus: Bus) -> None:
        """Take revocations from the other server processes (and publish ours there)."""
        self._bus = bus
        self._subscription = await bus.subscribe(REVOKE_TOPIC, self._on_revoke)

    async def _on_revoke(self, data: bytes) -> None:
        try:
            body = json.loads(data)
            session_id, member_id = str(body["session_id"]), str(body["member_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("malformed media revocation on the bus")
            return
        self.connections.revoke(session_id, member_id)

    async def revoke(self, session_id: str, member_id: str) -> None:
        """The member left or was removed: close its media connections now, everywhere,
        and take its token off the room's allowed list and Janus's token store."""
        closed = self.connections.revoke(session_id, member_id)
        if self._bus is not None:
            body = {"session_id": session_id, "member_id": member_id}
            try:
                await self._bus.publish(REVOKE_TOPIC, json.dumps(body).encode())
            except Exception:  # the membership re-check still closes them, a little later
                log.warning("media revocation not published on the bus")
        if self.rooms is None or self.status != "up":
            return  # a Janus that comes back has no tokens; admission re-checks membership
        try:
            await self.rooms.revoke(session_id, member_id)
        except JanusError as exc:
            log.warning("media token not revoked", extra={"code": exc.code})
        log.info("media revoked", extra={"session": session_id, "connections": closed})

    async def wait_until_up(self, timeout: float = 10.0) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self.check_health() == "up":
                return True
            await asyncio.sleep(0.1)
        return False

    async def _health_loop(self) -> None:
        while not self._stopping.is_set():
            await self.check_health()
            if await self._pause(HEALTH_EVERY if self.status == "up" else 0.5):
                return

    async def _reap_loop(
        self, ended_sessions: EndedSessions, clock: Callable[[], datetime]
    ) -> None:
        while not await self._pause(REAP_EVERY):
            with contextlib.suppress(JanusUnavailable):
                await self.reap(ended_sessions, clock())

    async def reap(self, ended_sessions: EndedSessions, now: datetime) -> list[str]:
        """Destroy the rooms of ended (or deleted) sessions; returns their session ids."""
        if self.rooms is None or self.status != "up":
            return []
        found = await self.rooms.rooms_on_nodes()
        ended = await ended_sessions(sorted(found), now)
        for session_id in sorted(ended):
            await self.rooms.destroy(session_id)
        return sorted(ended)

    async def stop(self) -> None:
        self._stopping.set()
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._tasks.clear()
        if self.supervisor is not None:
            # Janus keeps no state worth a graceful shutdown (rooms are not permanent),
            # and its graceful exit takes about two seconds.
            await self.supervisor.stop(grace=0.0)

    async def _pause(self, seconds: float) -> bool:
        """Sleep unless stopping; True when the service is stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()
