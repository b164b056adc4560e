"""ParentNode and the ``Node`` variant of the ratchet tree (RFC 9420 §7.1, §12.4.3.3)."""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import Reader, Writer
from ..errors import DecodeError
from ..tree_math import LeafIndex
from .leaf_node import LeafNode

__all__ = ["NODE_TYPE_LEAF", "NODE_TYPE_PARENT", "Node", "ParentNode", "read_node", "write_node"]

NODE_TYPE_LEAF = 1
NODE_TYPE_PARENT = 2


def _read_leaf_index(r: Reader) -> LeafIndex:
    return LeafIndex(r.u32())


@dataclass(frozen=True)
class ParentNode:
    """An intermediate node: HPKE key, parent hash, leaves added since it was set (§7.1)."""

    encryption_key: bytes
    parent_hash: bytes = b""
    unmerged_leaves: tuple[LeafIndex, ...] = ()

    def write(self, w: Writer) -> None:
        w.opaque_v(self.encryption_key).opaque_v(self.parent_hash)
        w.vector(self.unmerged_leaves, Writer.u32)

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def read(cls, r: Reader) -> ParentNode:
        return cls(r.opaque_v(), r.opaque_v(), tuple(r.vector(_read_leaf_index)))

    def with_unmerged(self, leaf: LeafIndex) -> ParentNode:
        return ParentNode(self.encryption_key, self.parent_hash, (*self.unmerged_leaves, leaf))


Node = LeafNode | ParentNode


def write_node(w: Writer, node: Node) -> None:
    """``struct { NodeType node_type; select (node_type) {...} } Node``."""
    if isinstance(node, LeafNode):
        w.u8(NODE_TYPE_LEAF)
    else:
        w.u8(NODE_TYPE_PARENT)
    node.write(w)


def read_node(r: Reader) -> Node:
    node_type = r.u8()
    if node_type == NODE_TYPE_LEAF:
        return LeafNode.read(r)
    if node_type == NODE_TYPE_PARENT:
        return ParentNode.read(r)
    raise DecodeError(f"unknown node type {node_type}")
