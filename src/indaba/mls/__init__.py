"""indaba.mls -- a pure-Python, sans-I/O implementation of MLS (RFC 9420)."""

from .errors import CryptoError, DecodeError, MLSError, UsageError, ValidationError

__all__ = ["CryptoError", "DecodeError", "MLSError", "UsageError", "ValidationError"]
