"""Errors raised by :mod:`indaba.mls`, split by whose fault it is.

* :class:`DecodeError` -- the peer sent bytes that do not parse (RFC 9420 §2.1).
* :class:`ValidationError` -- the peer sent a message that parses but breaks a rule.
* :class:`CryptoError` -- decryption or signature/MAC verification failed.
* :class:`UsageError` -- the caller used the API wrongly (our caller's fault).

Every error carries a short human message; layers re-raise with ``raise X(...) from exc``.
"""

from __future__ import annotations

__all__ = ["CryptoError", "DecodeError", "MLSError", "UsageError", "ValidationError"]


class MLSError(Exception):
    """Base class of every error raised by :mod:`indaba.mls`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DecodeError(MLSError):
    """The peer sent bytes that are not a valid TLS-presentation encoding."""


class ValidationError(MLSError):
    """The peer sent a message that decodes but violates a protocol rule."""


class UsageError(MLSError):
    """The caller misused the API (wrong state, unsupported option, bad argument)."""


class CryptoError(MLSError):
    """Decryption, signature or MAC verification failed."""
