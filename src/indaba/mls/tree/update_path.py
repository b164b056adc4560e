"""UpdatePath and its parts (RFC 9420 §7.6)."""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import Reader, Writer
from .leaf_node import LeafNode

__all__ = ["HPKECiphertext", "UpdatePath", "UpdatePathNode"]


@dataclass(frozen=True)
class HPKECiphertext:
    """``struct { opaque kem_output<V>; opaque ciphertext<V>; } HPKECiphertext``."""

    kem_output: bytes
    ciphertext: bytes

    def write(self, w: Writer) -> None:
        w.opaque_v(self.kem_output).opaque_v(self.ciphertext)

    @classmethod
    def read(cls, r: Reader) -> HPKECiphertext:
        return cls(r.opaque_v(), r.opaque_v())


@dataclass(frozen=True)
class UpdatePathNode:
    """A new public key for one filtered-direct-path node and its path secret, encrypted
    once per node in the copath child's resolution (§7.6)."""

    encryption_key: bytes
    encrypted_path_secret: tuple[HPKECiphertext, ...]

    def write(self, w: Writer) -> None:
        w.opaque_v(self.encryption_key)
        w.vector(self.encrypted_path_secret, lambda w2, c: c.write(w2))

    @classmethod
    def read(cls, r: Reader) -> UpdatePathNode:
        return cls(r.opaque_v(), tuple(r.vector(HPKECiphertext.read)))


@dataclass(frozen=True)
class UpdatePath:
    """The committer's new leaf and one UpdatePathNode per filtered direct path node."""

    leaf_node: LeafNode
    nodes: tuple[UpdatePathNode, ...]

    def write(self, w: Writer) -> None:
        self.leaf_node.write(w)
        w.vector(self.nodes, lambda w2, n: n.write(w2))

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def read(cls, r: Reader) -> UpdatePath:
        return cls(LeafNode.read(r), tuple(r.vector(UpdatePathNode.read)))

    @classmethod
    def decode(cls, data: bytes) -> UpdatePath:
        r = Reader(data)
        path = cls.read(r)
        r.done()
        return path
