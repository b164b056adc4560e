"""One VideoRoom per session, with secrets and tokens derived from the media secret.

Everything is derived (HMAC-SHA256 of the media secret) rather than stored, so several
server processes sharing ``media_secret`` agree on room numbers, room secrets and
participant tokens without coordination, and a restarted Janus is repopulated on demand:

    room      = first 48 bits of HMAC(secret, "room|" + session_id)
    secret    = HMAC(secret, "room-secret|" + session_id)
    token     = HMAC(secret, "token|" + session_id + "|" + member_id)   (Janus core + room ACL)

A session's room lives on one node, chosen by the room number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass, field

from indaba.media.janus_api import JanusControl, JanusError, RoomSpec

log = logging.getLogger("indaba.media")

NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
MAX_PUBLISHERS = 100


@dataclass(frozen=True)
class JanusNode:
    """A Janus instance: where the proxy connects, and how the server controls it."""

    ws_url: str
    control: JanusControl
    room_admin_key: str = field(repr=False)


@dataclass(frozen=True)
class Admission:
    node: JanusNode
    room: int
    janus_token: str = field(repr=False)


def _mac(secret: bytes, label: str) -> bytes:
    return hmac.new(secret, label.encode(), hashlib.sha256).digest()


def _text(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class RoomManager:
    """Creates rooms on demand, admits and revokes participants, destroys rooms."""

    def __init__(self, nodes: list[JanusNode], media_secret: bytes) -> None:
        if not nodes:
            raise ValueError("at least one Janus node is needed")
        self.nodes = nodes
        self._secret = media_secret
        self.known: dict[str, int] = {}

    def room_id(self, session_id: str) -> int:
        return int.from_bytes(_mac(self._secret, "room|" + session_id)[:6], "big") or 1

    def room_secret(self, session_id: str) -> str:
        return _text(_mac(self._secret, "room-secret|" + session_id))

    def participant_token(self, session_id: str, member_id: str) -> str:
        return _text(_mac(self._secret, f"token|{session_id}|{member_id}"))

    def node_for(self, session_id: str) -> JanusNode:
        return self.nodes[self.room_id(session_id) % len(self.nodes)]

    def spec(self, session_id: str, capacity: int) -> RoomSpec:
        return RoomSpec(
            room=self.room_id(session_id),
            description=session_id,
            secret=self.room_secret(session_id),
            publishers=max(2, min(capacity, MAX_PUBLISHERS)),
        )

    async def ensure_room(self, session_id: str, capacity: int) -> JanusNode:
        node = self.node_for(session_id)
        room = self.room_id(session_id)
        exists = await node.control.room_request({"request": "exists", "room": room})
        if not exists.get("exists"):
            try:
                await node.control.room_request(
                    self.spec(session_id, capacity).create_body(node.room_admin_key)
                )
                log.info("media room created", extra={"session": session_id})
            except JanusError as exc:
                if exc.code != ROOM_EXISTS:
                    raise
        self.known[session_id] = room
        return node

    async def admit(self, session_id: str, member_id: str, capacity: int) -> Admission:
        """Make sure the room exists and the member's token opens it."""
        node = await self.ensure_room(session_id, capacity)
        token = self.participant_token(session_id, member_id)
        await node.control.add_token(token)
        await node.control.room_request(
            {
                "request": "allowed",
                "room": self.room_id(session_id),
                "secret": self.room_secret(session_id),
                "action": "add",
                "allowed": [token],
            }
        )
        return Admission(node=node, room=self.room_id(session_id), janus_token=token)

    async def revoke(self, session_id: str, member_id: str) -> None:
        node = self.node_for(session_id)
        token = self.participant_token(session_id, member_id)
        await node.control.remove_token(token)
        try:
            await node.control.room_request(
                {
                    "request": "allowed",
                    "room": self.room_id(session_id),
                    "secret": self.room_secret(session_id),
                    "action": "remove",
                    "allowed": [token],
                }
            )
        except JanusError as exc:
            if exc.code != NO_SUCH_ROOM:
                raise

    async def destroy(self, session_id: str) -> None:
        node = self.node_for(session_id)
        try:
            await node.control.room_request(
                {
                    "request": "destroy",
                    "room": self.room_id(session_id),
                    "secret": self.room_secret(session_id),
                }
            )
            log.info("media room destroyed", extra={"session": session_id})
        except JanusError as exc:
            if exc.code != NO_SUCH_ROOM:
                raise
        self.known.pop(session_id, None)

    async def rooms_on_nodes(self) -> dict[str, JanusNode]:
        """Session id → node for every room Janus holds (its description is the session)."""
        found: dict[str, JanusNode] = {}
        for node in self.nodes:
            data = await node.control.room_request(
                {"request": "list", "admin_key": node.room_admin_key}
            )
            for room in data.get("list", []):
                session_id = str(room.get("description", ""))
                if session_id and room.get("room") == self.room_id(session_id):
                    found[session_id] = node
        return found
