"""indaba.mls -- a pure-Python, sans-I/O implementation of MLS (RFC 9420).

Layers, bottom up (see docs/mls.md):

* :mod:`.errors`, :mod:`.codec`, :mod:`.crypto` (+ :mod:`.hpke`) -- primitives;
* :mod:`.key_schedule`, :mod:`.secret_tree`, :mod:`.psk`, :mod:`.transcript`,
  :mod:`.framing`, :mod:`.welcome`, :mod:`.wire` -- the message layer;
* :mod:`.tree_math`, :mod:`.tree` -- the ratchet tree and TreeKEM;
* :mod:`.group` -- the group state machine most callers use.
"""

from .errors import CryptoError, DecodeError, MLSError, UsageError, ValidationError

__all__ = ["CryptoError", "DecodeError", "MLSError", "UsageError", "ValidationError"]
