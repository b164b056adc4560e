"""An in-memory Janus for tests: the VideoRoom requests and stored tokens the server uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indaba.media.janus_api import JanusError, JanusUnavailable


@dataclass
class FakeRoom:
    room: int
    description: str
    secret: str
    require_e2ee: bool
    allowed: set[str] = field(default_factory=set)


@dataclass
class FakeJanus:
    """``JanusControl`` in memory; set ``down`` to simulate an unreachable node."""

    admin_key: str = "admin-key"
    down: bool = False
    tokens: set[str] = field(default_factory=set)
    rooms: dict[int, FakeRoom] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def _check(self) -> None:
        if self.down:
            raise JanusUnavailable("fake Janus is down")

    def restart(self) -> None:
        """What a real restart does: rooms and stored tokens are gone."""
        self.tokens.clear()
        self.rooms.clear()

    async def info(self) -> dict[str, Any]:
        self._check()
        return {"janus": "server_info", "name": "Fake Janus"}

    async def add_token(self, token: str) -> None:
        self._check()
        self.tokens.add(token)

    async def remove_token(self, token: str) -> None:
        self._check()
        self.tokens.discard(token)

    async def room_request(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check()
        self.requests.append(body)
        request = body["request"]
        room = self.rooms.get(int(body.get("room", 0)))
        if request == "exists":
            return {"videoroom": "success", "room": body["room"], "exists": room is not None}
        if request == "create":
            if body.get("admin_key") != self.admin_key:
                raise JanusError("Unauthorized (wrong admin_key)", 433)
            if room is not None:
                raise JanusError("Room already exists", 427)
            self.rooms[body["room"]] = FakeRoom(
                room=body["room"],
                description=body["description"],
                secret=body["secret"],
                require_e2ee=bool(body.get("require_e2ee")),
                allowed=set(body.get("allowed", [])),
            )
            return {"videoroom": "created", "room": body["room"]}
        if request == "list":
            if body.get("admin_key") != self.admin_key:
                raise JanusError("Unauthorized (wrong admin_key)", 433)
            return {
                "videoroom": "success",
                "list": [
                    {"room": r.room, "description": r.description} for r in self.rooms.values()
                ],
            }
        if room is None:
            raise JanusError("No such room", 426)
        if body.get("secret") != room.secret:
            raise JanusError("Unauthorized (wrong secret)", 433)
        if request == "destroy":
            del self.rooms[room.room]
            return {"videoroom": "destroyed", "room": room.room}
        if request == "allowed":
            if body["action"] == "add":
                room.allowed.update(body["allowed"])
            elif body["action"] == "remove":
                room.allowed.difference_update(body["allowed"])
            return {"videoroom": "success", "room": room.room, "allowed": sorted(room.allowed)}
        raise JanusError(f"fake Janus does not implement {request}", 499)
