"""The verification code members compare aloud (docs/delivery.md, "Verification code").

16 bytes from the MLS exporter (RFC 9420 §8.5) with label ``indaba verification code``
and an empty context; each 4-byte big-endian word modulo 100000 is one group of five
digits.  The browser computes the same code (web/src/conversation/verification.ts).
"""

from __future__ import annotations

from indaba.mls.group import Group

LABEL = b"indaba verification code"
LENGTH = 16


def format_code(secret: bytes) -> str:
    """``"01234 56789 01234 56789"`` from the 16 exported bytes."""
    if len(secret) != LENGTH:
        raise ValueError("the verification secret is 16 bytes")
    words = (int.from_bytes(secret[i : i + 4], "big") % 100_000 for i in range(0, LENGTH, 4))
    return " ".join(f"{word:05d}" for word in words)


def verification_code(group: Group) -> str:
    """The code of the group's current epoch; it changes with every commit."""
    return format_code(group.export_secret(LABEL, b"", LENGTH))
