"""The gateway's binary frames around MLS messages (docs/delivery.md, "Frames").

Client to server, one frame per WebSocket binary message::

    u8  kind            1 = message, 2 = commit, 3 = create
    u32 ref             chosen by the client, echoed in ``accepted`` / ``rejected``
    kind 1:  MLSMessage                          (PublicMessage or PrivateMessage)
    kind 2:  u32 n, MLSMessage commit[n], MLSMessage GroupInfo of the new epoch
    kind 3:  MLSMessage GroupInfo of epoch 0

Server to client, one or more log entries per WebSocket binary message::

    repeated { u64 seq, u32 n, MLSMessage[n] }

Integers are big-endian.  The MLS bytes are relayed exactly as received.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from indaba.delivery.errors import Reason, Rejection

_HEADER = struct.Struct(">BI")
_U32 = struct.Struct(">I")
_ENTRY = struct.Struct(">QI")
MAX_REF = 0xFFFFFFFF


class FrameKind(IntEnum):
    MESSAGE = 1
    COMMIT = 2
    CREATE = 3


@dataclass(frozen=True)
class ClientFrame:
    """One parsed client frame; ``group_info`` is set for commits and creation."""

    kind: FrameKind
    ref: int
    message: bytes = field(repr=False)
    group_info: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.ref <= MAX_REF:
            raise ValueError("ref must fit in 32 bits")
        if (self.group_info is None) != (self.kind == FrameKind.MESSAGE):
            raise ValueError("commit and create frames carry a GroupInfo, messages do not")

    def encode(self) -> bytes:
        head = _HEADER.pack(self.kind, self.ref)
        if self.kind == FrameKind.MESSAGE:
            return head + self.message
        if self.kind == FrameKind.CREATE:
            assert self.group_info is not None
            return head + self.group_info
        assert self.group_info is not None
        return head + _U32.pack(len(self.message)) + self.message + self.group_info


def peek_ref(data: bytes) -> int | None:
    """The ``ref`` of a frame too broken to parse, when its header is intact."""
    return _HEADER.unpack_from(data)[1] if len(data) >= _HEADER.size else None


def parse_client_frame(data: bytes, max_bytes: int) -> ClientFrame:
    """Parse a client frame, or raise :class:`Rejection` (``malformed``, ``frame_too_large``)."""
    if len(data) > max_bytes:
        raise Rejection.of(
            Reason.FRAME_TOO_LARGE, f"The frame is {len(data)} bytes; the limit is {max_bytes}."
        )
    if len(data) < _HEADER.size + 1:
        raise Rejection.of(Reason.MALFORMED, "The frame is shorter than its header.")
    kind_value, ref = _HEADER.unpack_from(data)
    try:
        kind = FrameKind(kind_value)
    except ValueError:
        raise Rejection.of(Reason.MALFORMED, f"Unknown frame kind {kind_value}.") from None
    body = data[_HEADER.size :]
    if kind == FrameKind.MESSAGE:
        return ClientFrame(kind, ref, body)
    if kind == FrameKind.CREATE:
        return ClientFrame(kind, ref, b"", body)
    if len(body) < _U32.size:
        raise Rejection.of(Reason.MALFORMED, "The commit frame has no commit length.")
    (n,) = _U32.unpack_from(body)
    commit, group_info = body[_U32.size : _U32.size + n], body[_U32.size + n :]
    if len(commit) != n or not commit or not group_info:
        raise Rejection.of(
            Reason.MALFORMED, "A commit frame holds a commit and the new epoch's GroupInfo."
        )
    return ClientFrame(kind, ref, commit, group_info)


def encode_entries(entries: Iterable[tuple[int, bytes]]) -> bytes:
    """Pack log entries ``(seq, mls_message)`` into one server frame."""
    parts: list[bytes] = []
    for seq, data in entries:
        parts.append(_ENTRY.pack(seq, len(data)))
        parts.append(data)
    return b"".join(parts)


def decode_entries(data: bytes) -> list[tuple[int, bytes]]:
    """Unpack a server frame into ``(seq, mls_message)``; ``ValueError`` if it is broken."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        if pos + _ENTRY.size > len(data):
            raise ValueError("truncated entry header")
        seq, n = _ENTRY.unpack_from(data, pos)
        pos += _ENTRY.size
        if pos + n > len(data):
            raise ValueError("truncated entry")
        out.append((seq, data[pos : pos + n]))
        pos += n
    if not out:
        raise ValueError("empty server frame")
    return out
