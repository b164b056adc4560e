"""GroupContext (RFC 9420 §8.1)."""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import Reader, Writer
from ..errors import DecodeError
from ..tree.leaf_node import Extension, read_extensions, write_extensions

__all__ = ["PROTOCOL_VERSION", "GroupContext"]

PROTOCOL_VERSION = 1  # mls10


@dataclass(frozen=True)
class GroupContext:
    """The shared state every member agrees on in an epoch (§8.1)."""

    cipher_suite: int
    group_id: bytes
    epoch: int
    tree_hash: bytes
    confirmed_transcript_hash: bytes
    extensions: tuple[Extension, ...] = ()
    version: int = PROTOCOL_VERSION

    def write(self, w: Writer) -> None:
        w.u16(self.version).u16(self.cipher_suite).opaque_v(self.group_id).u64(self.epoch)
        w.opaque_v(self.tree_hash).opaque_v(self.confirmed_transcript_hash)
        write_extensions(w, self.extensions)

    @classmethod
    def read(cls, r: Reader) -> GroupContext:
        version = r.u16()
        if version != PROTOCOL_VERSION:
            raise DecodeError(f"unsupported protocol version {version}")
        suite = r.u16()
        group_id = r.opaque_v()
        epoch = r.u64()
        tree_hash = r.opaque_v()
        cth = r.opaque_v()
        return cls(suite, group_id, epoch, tree_hash, cth, read_extensions(r), version)

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> GroupContext:
        r = Reader(data)
        gc = cls.read(r)
        r.done()
        return gc
