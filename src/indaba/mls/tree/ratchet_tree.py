"""The public ratchet tree: nodes, serialisation, resolution, tree hash (RFC 9420 §4, §7).

A :class:`RatchetTree` is an array of ``LeafNode | ParentNode | None`` in the
Appendix C layout (leaves at even indices) with a power-of-two number of leaves.  It
is mutable for speed, so a commit is staged on a :meth:`RatchetTree.copy` (one list
copy) and the group swaps the copy in when it merges; a rejected commit leaves the
original untouched.

Tree hashes (§7.8) are cached per node; every mutation goes through
:meth:`RatchetTree.set_node`, which clears the cache of that node and its ancestors
only, so a commit rehashes one path (``log2(n)`` nodes) instead of the whole tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..codec import Reader, Writer
from ..crypto import CipherSuite
from ..errors import DecodeError, UsageError
from ..tree_math import (
    LeafIndex,
    NodeIndex,
    copath,
    direct_path,
    leaf_to_node,
    left,
    level,
    right,
    root,
)
from .leaf_node import LeafNode
from .nodes import Node, ParentNode, read_node, write_node

__all__ = ["RatchetTree"]


class RatchetTree:
    """The public state of TreeKEM.  See the module docstring for staging and caching."""

    __slots__ = ("_extent", "_free", "_hashes", "_keys", "_nodes", "suite")

    def __init__(self, suite: CipherSuite, nodes: Sequence[Node | None]) -> None:
        n = len(nodes)
        if n == 0 or (n + 1) & n != 0:
            raise UsageError(f"a full tree has 2^k * 2 - 1 nodes, not {n}")
        for i, node in enumerate(nodes):
            if node is not None and isinstance(node, LeafNode) != (i % 2 == 0):
                raise UsageError(f"node {i} has the wrong type for its position")
        self.suite = suite
        self._nodes: list[Node | None] = list(nodes)
        self._hashes: list[bytes | None] = [None] * n
        self._extent = 0  # one past the last non-blank node
        self._recompute_extent()
        self._free = 0  # no blank leaf below this leaf index
        # How many nodes use each HPKE key / leaves each signature key; built on first use.
        self._keys: tuple[dict[bytes, int], dict[bytes, int]] | None = None

    def _recompute_extent(self) -> None:
        end = len(self._nodes)
        while end > 0 and self._nodes[end - 1] is None:
            end -= 1
        self._extent = end

    # --- construction, copy, serialisation (§12.4.3.3) -----------------------------
    @classmethod
    def one_member(cls, suite: CipherSuite, leaf: LeafNode) -> RatchetTree:
        return cls(suite, [leaf])

    def copy(self) -> RatchetTree:
        """A staging copy: node objects are immutable and shared, the arrays are not."""
        other = RatchetTree.__new__(RatchetTree)
        other.suite = self.suite
        other._nodes = self._nodes.copy()
        other._hashes = self._hashes.copy()
        other._extent = self._extent
        other._free = self._free
        other._keys = None if self._keys is None else (self._keys[0].copy(), self._keys[1].copy())
        return other

    def encode(self) -> bytes:
        """``optional<Node> ratchet_tree<V>`` without trailing blank nodes."""
        w = Writer()
        w.vector(self._nodes[: self._extent], _write_optional_node)
        return w.getvalue()

    @classmethod
    def read(cls, suite: CipherSuite, r: Reader) -> RatchetTree:
        nodes: list[Node | None] = r.vector(lambda r2: r2.optional(read_node))
        if not nodes:
            raise DecodeError("ratchet tree is empty")
        if nodes[-1] is None:
            raise DecodeError("ratchet tree ends with a blank node")
        for i, node in enumerate(nodes):
            if node is not None and isinstance(node, LeafNode) != (i % 2 == 0):
                kind = "leaf" if isinstance(node, LeafNode) else "parent"
                raise DecodeError(f"{kind} node at index {i}")
        width = 1
        while width < len(nodes):
            width = 2 * width + 1
        nodes.extend([None] * (width - len(nodes)))
        return cls(suite, nodes)

    @classmethod
    def decode(cls, suite: CipherSuite, data: bytes) -> RatchetTree:
        r = Reader(data)
        tree = cls.read(suite, r)
        r.done()
        return tree

    # --- access -------------------------------------------------------------------
    @property
    def n_leaves(self) -> int:
        return (len(self._nodes) + 1) // 2

    @property
    def n_nodes(self) -> int:
        return len(self._nodes)

    @property
    def root(self) -> NodeIndex:
        return root(self.n_leaves)

    def node(self, x: NodeIndex) -> Node | None:
        return self._nodes[x]

    def leaf(self, leaf: LeafIndex) -> LeafNode | None:
        node = self._nodes[2 * leaf] if 0 <= leaf < self.n_leaves else None
        assert node is None or isinstance(node, LeafNode)
        return node

    def find_leaf(self, leaf_node: LeafNode) -> LeafIndex | None:
        """The index of a leaf equal to ``leaf_node`` (a joiner finding itself, §12.4.3.1)."""
        encoded = leaf_node.encode()
        for index, leaf in self.leaves():
            if leaf.encode() == encoded:
                return index
        return None

    def first_blank_leaf(self) -> LeafIndex | None:
        """The leftmost blank leaf, if any (amortised O(1) for a run of adds)."""
        nodes = self._nodes
        for i in range(2 * self._free, len(nodes), 2):
            if nodes[i] is None:
                self._free = i // 2
                return LeafIndex(i // 2)
        self._free = self.n_leaves
        return None

    def parent_node(self, x: NodeIndex) -> ParentNode | None:
        node = self._nodes[x]
        assert node is None or isinstance(node, ParentNode)
        return node

    def leaves(self) -> Iterator[tuple[LeafIndex, LeafNode]]:
        """The non-blank leaves in index order."""
        for i in range(0, len(self._nodes), 2):
            node = self._nodes[i]
            if node is not None:
                assert isinstance(node, LeafNode)
                yield LeafIndex(i // 2), node

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RatchetTree):
            return NotImplemented
        return self.suite == other.suite and self._nodes == other._nodes

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        members = sum(1 for _ in self.leaves())
        return (
            f"RatchetTree(suite={self.suite.suite_id}, leaves={self.n_leaves}, members={members})"
        )

    # --- mutation -------------------------------------------------------------------
    def set_node(self, x: NodeIndex, node: Node | None) -> None:
        """Replace one node and invalidate the cached hashes on its path to the root."""
        if node is not None and isinstance(node, LeafNode) != (x % 2 == 0):
            raise UsageError(f"node {x} has the wrong type for its position")
        if self._keys is not None:
            self._count_keys(self._nodes[x], -1)
            self._count_keys(node, +1)
        self._nodes[x] = node
        if node is not None:
            self._extent = max(self._extent, x + 1)
        else:
            if x & 1 == 0:
                self._free = min(self._free, x >> 1)
            if x == self._extent - 1:
                self._recompute_extent()
        hashes = self._hashes
        hashes[x] = None
        n = self.n_leaves
        for p in direct_path(x, n):
            if hashes[p] is None:
                break
            hashes[p] = None

    def extend(self) -> None:
        """Double the number of leaves; the old tree becomes the left subtree (§7.7)."""
        n = len(self._nodes)
        self._nodes.extend([None] * (n + 1))
        self._hashes.extend([None] * (n + 1))

    def truncate(self) -> None:
        """Halve the tree while its right subtree is entirely blank (§12.1.3)."""
        while len(self._nodes) > 1:
            half = (len(self._nodes) + 1) // 2  # index of the root
            if any(n is not None for n in reversed(self._nodes[half:])):
                return
            del self._nodes[half - 1 :]
            del self._hashes[half - 1 :]
            self._recompute_extent()
            self._free = min(self._free, self.n_leaves)

    # --- key uniqueness (§7.3) ---------------------------------------------------------
    def encryption_key_count(self, key: bytes) -> int:
        """How many nodes carry HPKE public key ``key`` (kept up to date incrementally)."""
        return self._key_index()[0].get(key, 0)

    def signature_key_count(self, key: bytes) -> int:
        """How many leaves carry signature key ``key``."""
        return self._key_index()[1].get(key, 0)

    def _key_index(self) -> tuple[dict[bytes, int], dict[bytes, int]]:
        if self._keys is None:
            self._keys = ({}, {})
            for node in self._nodes:
                self._count_keys(node, +1)
        return self._keys

    def _count_keys(self, node: Node | None, delta: int) -> None:
        if node is None or self._keys is None:
            return
        for index, key in (
            (self._keys[0], node.encryption_key),
            (self._keys[1], node.signature_key if isinstance(node, LeafNode) else None),
        ):
            if key is None:
                continue
            count = index.get(key, 0) + delta
            if count:
                index[key] = count
            else:
                del index[key]

    # --- resolution and paths (§4.1) --------------------------------------------------
    def resolution(
        self, x: NodeIndex, exclude: frozenset[LeafIndex] = frozenset()
    ) -> list[NodeIndex]:
        """The non-blank nodes covering the subtree of ``x`` (§4.1).  Leaves in
        ``exclude`` are left out (new members of a commit, §12.4.2)."""
        out: list[NodeIndex] = []
        self._resolve(x, level(x), exclude, out)
        return out

    def _resolve(self, x: int, k: int, exclude: frozenset[LeafIndex], out: list[NodeIndex]) -> None:
        if x - (1 << k) + 1 >= self._extent:
            return  # the whole subtree lies right of the last non-blank node
        node = self._nodes[x]
        if k == 0:
            if node is not None and (x >> 1) not in exclude:
                out.append(NodeIndex(x))
            return
        if node is None:
            half = 1 << (k - 1)
            self._resolve(x - half, k - 1, exclude, out)
            self._resolve(x + half, k - 1, exclude, out)
            return
        out.append(NodeIndex(x))
        assert isinstance(node, ParentNode)
        for leaf in node.unmerged_leaves:
            if leaf not in exclude:
                out.append(NodeIndex(2 * leaf))

    def subtree_is_blank(self, x: NodeIndex) -> bool:
        """Whether every node under ``x`` is blank (its resolution is empty)."""
        return self._blank(x, level(x))

    def _blank(self, x: int, k: int) -> bool:
        if x - (1 << k) + 1 >= self._extent:
            return True
        if self._nodes[x] is not None:
            return False
        if k == 0:
            return True
        half = 1 << (k - 1)
        return self._blank(x - half, k - 1) and self._blank(x + half, k - 1)

    def filtered_direct_path(self, leaf: LeafIndex) -> list[tuple[NodeIndex, NodeIndex]]:
        """``(node, copath child)`` for each direct-path node whose copath child has a
        non-empty resolution (§4.1.2)."""
        x = leaf_to_node(leaf)
        n = self.n_leaves
        return [
            (p, c)
            for p, c in zip(direct_path(x, n), copath(x, n), strict=True)
            if not self.subtree_is_blank(c)
        ]

    # --- tree hash (§7.8) -------------------------------------------------------------
    def tree_hash(self) -> bytes:
        """The tree hash of the root."""
        return self.node_hash(self.root)

    def node_hash(self, x: NodeIndex) -> bytes:
        """TreeHash of the subtree rooted at ``x`` (cached)."""
        cached = self._hashes[x]
        if cached is not None:
            return cached
        if x & 1 == 0:
            h = self.suite.hash(leaf_hash_input(LeafIndex(x >> 1), self._nodes[x]))
        else:
            node = self._nodes[x]
            assert node is None or isinstance(node, ParentNode)
            lh = self.node_hash(left(x))
            rh = self.node_hash(right(x))
            h = self.suite.hash(parent_hash_input(node, lh, rh))
        self._hashes[x] = h
        return h


def _write_optional_node(w: Writer, node: Node | None) -> None:
    if node is None:
        w.u8(0)
    else:
        w.u8(1)
        write_node(w, node)


def leaf_hash_input(leaf: LeafIndex, node: Node | None) -> bytes:
    """TreeHashInput for a leaf: ``node_type = leaf; uint32 leaf_index; optional<LeafNode>``."""
    head = b"\x01" + leaf.to_bytes(4, "big")
    if node is None:
        return head + b"\x00"
    assert isinstance(node, LeafNode)
    return head + b"\x01" + node.encode()


def parent_hash_input(node: ParentNode | None, left_hash: bytes, right_hash: bytes) -> bytes:
    """TreeHashInput for a parent: ``optional<ParentNode>; left_hash<V>; right_hash<V>``."""
    w = Writer().u8(2)
    w.optional(node, lambda w2, p: p.write(w2))
    return w.opaque_v(left_hash).opaque_v(right_hash).getvalue()
