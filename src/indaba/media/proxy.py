"""The rules of the browser ↔ Janus proxy at ``/api/media/janus`` (sans-I/O).

The browser speaks Janus's own JSON protocol, but every request passes through
:class:`RequestFilter`, which admits only what a participant needs — a session, a VideoRoom
handle, joining *its* room as publisher or subscriber, configuring its own streams,
trickle and keepalives — and stamps the participant's Janus token on it.  Room
administration (create, destroy, edit, allowed, kick, recording, RTP forwarding) is never
forwarded: those need the room secret or the admin key, which only the server holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from indaba.media.janus_api import PLUGIN

MAX_MESSAGE_BYTES = 256 * 1024
CORE_REQUESTS = frozenset(
    {"create", "attach", "message", "trickle", "keepalive", "detach", "hangup", "destroy"}
)
ROOM_REQUESTS = frozenset(
    {
        "join",
        "joinandconfigure",
        "configure",
        "publish",
        "unpublish",
        "leave",
        "start",
        "pause",
        "switch",
        "subscribe",
        "unsubscribe",
        "update",
        "listparticipants",
    }
)
FORBIDDEN_BODY_KEYS = frozenset(
    {"secret", "admin_key", "record", "filename", "rec_dir", "allowed", "new_secret"}
)


class Refused(ValueError):
    """A browser request the proxy will not forward; the message goes back to the browser."""


@dataclass
class RequestFilter:
    room: int
    janus_token: str = field(repr=False)

    def inbound(self, raw: str | bytes) -> str:
        """Check one browser frame and return the JSON to forward to Janus."""
        if len(raw) > MAX_MESSAGE_BYTES:
            raise Refused("message too large")
        try:
            message = json.loads(raw)
        except ValueError:
            raise Refused("not JSON") from None
        if not isinstance(message, dict):
            raise Refused("not a JSON object")
        kind = message.get("janus")
        if kind not in CORE_REQUESTS:
            raise Refused(f"request {kind!r} is not allowed")
        if not isinstance(message.get("transaction"), str):
            raise Refused("missing transaction")
        if kind == "attach" and message.get("plugin") != PLUGIN:
            raise Refused("only the VideoRoom plugin is available")
        if kind == "message":
            message["body"] = self._room_body(message.get("body"))
        message.pop("apisecret", None)
        message.pop("admin_secret", None)
        message["token"] = self.janus_token
        return json.dumps(message)

    def _room_body(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Refused("message body must be an object")
        request = body.get("request")
        if request not in ROOM_REQUESTS:
            raise Refused(f"VideoRoom request {request!r} is not allowed")
        forbidden = FORBIDDEN_BODY_KEYS.intersection(body)
        if forbidden:
            raise Refused(f"field {sorted(forbidden)[0]!r} is not allowed")
        if request in ("join", "joinandconfigure", "listparticipants") and "room" not in body:
            raise Refused("room is required")
        if "room" in body and body["room"] != self.room:
            raise Refused("only this session's room is available")
        streams = body.get("streams")
        if isinstance(streams, list):
            for stream in streams:
                if isinstance(stream, dict) and FORBIDDEN_BODY_KEYS.intersection(stream):
                    raise Refused("stream options not allowed")
        stamped: dict[str, Any] = dict(body)
        stamped["token"] = self.janus_token
        return stamped


def refusal(message: str, transaction: str | None = None) -> str:
    """An error in Janus's shape, so the browser's Janus client reports it normally."""
    answer: dict[str, Any] = {"janus": "error", "error": {"code": 403, "reason": message}}
    if transaction is not None:
        answer["transaction"] = transaction
    return json.dumps(answer)


def transaction_of(raw: str | bytes) -> str | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("transaction"), str):
        return str(value["transaction"])
    return None
