"""Media tickets: short-lived, signed proof that a member was admitted to a session's media.

``POST /api/sessions/{id}/media`` issues one; the browser presents it as the first frame
on the Janus proxy socket.  Format: ``v1.<session>.<member>.<expires unix>.<mac>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

TICKET_SECONDS = 600


class BadTicket(ValueError):
    """The ticket is malformed, forged or expired (the caller's fault)."""


@dataclass(frozen=True)
class Ticket:
    session_id: str
    member_id: str
    expires: int


def _mac(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, b"ticket|" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(secret: bytes, session_id: str, member_id: str, now: datetime) -> str:
    payload = f"v1.{session_id}.{member_id}.{int(now.timestamp()) + TICKET_SECONDS}"
    return f"{payload}.{_mac(secret, payload)}"


def verify(secret: bytes, ticket: str, now: datetime) -> Ticket:
    parts = ticket.split(".")
    if len(parts) != 5 or parts[0] != "v1" or not parts[3].isdigit():
        raise BadTicket("malformed media ticket")
    payload, mac = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        raise BadTicket("media ticket signature does not match")
    expires = int(parts[3])
    if now.timestamp() > expires:
        raise BadTicket("media ticket expired")
    return Ticket(session_id=parts[1], member_id=parts[2], expires=expires)
