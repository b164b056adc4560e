"""What travels inside MLS application data: a small versioned JSON envelope.

The same as the browser's (web/src/conversation/envelope.ts; docs/delivery.md,
"Application messages")::

    {"v": 1, "type": "text",   "id": "…", "ts": 1700000000000, "body": "Hello"}
    {"v": 1, "type": "delete", "id": "…", "ts": …, "target": "<id of an own text>"}
    {"v": 1, "type": "timer",  "id": "…", "ts": …, "seconds": 3600}     (0 = off)

``ts`` is the sender's clock in milliseconds.  UTF-8 that is not an envelope is read
as plain text; anything else decodes to ``None``.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Literal

VERSION = 1
MAX_TIMER_SECONDS = 4 * 7 * 24 * 3600


@dataclass(frozen=True)
class Envelope:
    type: Literal["text", "delete", "timer"]
    id: str
    ts: int
    body: str = ""
    target: str = ""
    seconds: int = 0


def _id() -> str:
    return secrets.token_hex(12)


def _now() -> int:
    return int(time.time() * 1000)


def _encode(fields: dict[str, object]) -> bytes:
    return json.dumps({"v": VERSION, **fields}, ensure_ascii=False).encode("utf-8")


def encode_text(body: str, message_id: str | None = None, ts: int | None = None) -> bytes:
    return _encode({"type": "text", "id": message_id or _id(), "ts": ts or _now(), "body": body})


def encode_delete(target: str, ts: int | None = None) -> bytes:
    return _encode({"type": "delete", "id": _id(), "ts": ts or _now(), "target": target})


def encode_timer(seconds: int, ts: int | None = None) -> bytes:
    if not 0 <= seconds <= MAX_TIMER_SECONDS:
        raise ValueError("the timer is 0 (off) to four weeks")
    return _encode({"type": "timer", "id": _id(), "ts": ts or _now(), "seconds": seconds})


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def decode(data: bytes, fallback_id: str = "", now: int | None = None) -> Envelope | None:
    """The envelope in ``data``; plain UTF-8 is a text with ``fallback_id``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    stamp = now if now is not None else _now()
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or "v" not in value:
        return Envelope("text", fallback_id, stamp, body=text)
    if value.get("v") != VERSION or not _is_id(value.get("id")):
        return None
    ts = value.get("ts")
    ts = ts if isinstance(ts, int) and not isinstance(ts, bool) else stamp
    kind = value.get("type")
    if kind == "text" and isinstance(value.get("body"), str):
        return Envelope("text", value["id"], ts, body=value["body"])
    if kind == "delete" and _is_id(value.get("target")):
        return Envelope("delete", value["id"], ts, target=value["target"])
    seconds = value.get("seconds")
    if (
        kind == "timer"
        and isinstance(seconds, int)
        and not isinstance(seconds, bool)
        and 0 <= seconds <= MAX_TIMER_SECONDS
    ):
        return Envelope("timer", value["id"], ts, seconds=seconds)
    return None
