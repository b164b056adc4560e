"""Bearer credentials and invite tokens: random, shown once, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_id() -> str:
    """A random identifier for rows (not a secret)."""
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    """What the database keeps instead of the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
