"""Errors raised by :mod:`indaba.mls`, split by whose fault it is.

* :class:`DecodeError` -- the peer sent bytes that do not parse (RFC 9420 §2.1).
* :class:`ValidationError` -- the peer sent a message that parses but breaks a rule.
* :class:`CryptoError` -- decryption or signature/MAC verification failed.
* :class:`UsageError` -- the caller used the API wrongly (our caller's fault).

Every error carries a short human ``message`` and a machine-readable ``reason`` that a
delivery service or client can send back (for example ``"wrong_epoch"``); each class
has a default reason.  Layers re-raise with ``raise X(...) from exc``.
"""

from __future__ import annotations

__all__ = ["CryptoError", "DecodeError", "MLSError", "UsageError", "ValidationError"]


class MLSError(Exception):
    """Base class of every error raised by :mod:`indaba.mls`."""

    default_reason = "mls_error"
    #: True when the peer (not the caller) is at fault
    peer_fault = True

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason


class DecodeError(MLSError):
    """The peer sent bytes that are not a valid TLS-presentation encoding."""

    default_reason = "malformed"


class ValidationError(MLSError):
    """The peer sent a message that decodes but violates a protocol rule."""

    default_reason = "invalid"


class UsageError(MLSError):
    """The caller misused the API (wrong state, unsupported option, bad argument)."""

    default_reason = "usage"
    peer_fault = False


class CryptoError(MLSError):
    """Decryption, signature or MAC verification failed."""

    default_reason = "crypto"
