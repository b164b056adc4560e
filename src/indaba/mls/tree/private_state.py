"""A member's private TreeKEM state: HPKE key pairs for its leaf and path (RFC 9420 §7.4).

Only key pairs are kept, never path secrets: once a key pair is derived, the secret
that produced it is dropped, so a stored state cannot re-derive keys for nodes above
the ones it holds at rest beyond what it already has.  ``repr`` lists node indices only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..codec import Reader, Writer
from ..crypto import CipherSuite
from ..errors import DecodeError, ValidationError
from ..tree_math import LeafIndex, NodeIndex, leaf_to_node
from .ratchet_tree import RatchetTree

__all__ = ["TreeKEMPrivate", "node_key_pair"]


def node_key_pair(suite: CipherSuite, path_secret: bytes) -> tuple[bytes, bytes]:
    """node_priv, node_pub = DeriveKeyPair(DeriveSecret(path_secret, "node")) (§7.4)."""
    return suite.derive_key_pair(suite.derive_secret(path_secret, b"node"))


class TreeKEMPrivate:
    """Immutable private state of one member: ``(private, public)`` per node it holds."""

    __slots__ = ("_keys", "leaf_index", "suite")

    def __init__(
        self,
        suite: CipherSuite,
        leaf_index: LeafIndex,
        keys: Mapping[NodeIndex, tuple[bytes, bytes]],
    ) -> None:
        self.suite = suite
        self.leaf_index = leaf_index
        self._keys = dict(keys)

    @classmethod
    def from_path_secrets(
        cls,
        suite: CipherSuite,
        leaf_index: LeafIndex,
        leaf_priv: bytes,
        path_secrets: Mapping[NodeIndex, bytes] | None = None,
    ) -> TreeKEMPrivate:
        """The leaf key plus one key pair per ``{node: path_secret}``."""
        keys = {leaf_to_node(leaf_index): (leaf_priv, suite.hpke_public_key(leaf_priv))}
        for node, secret in (path_secrets or {}).items():
            keys[node] = node_key_pair(suite, secret)
        return cls(suite, leaf_index, keys)

    @classmethod
    def joiner(
        cls,
        tree: RatchetTree,
        leaf_index: LeafIndex,
        leaf_priv: bytes,
        path_secret: tuple[NodeIndex, bytes] | None = None,
    ) -> TreeKEMPrivate:
        """A new member's state (§12.4.3.1): its leaf key, and if the Welcome carried a
        path secret for a node, the keys of that node and the path nodes above it."""
        suite = tree.suite
        state = cls.from_path_secrets(suite, leaf_index, leaf_priv)
        if path_secret is None:
            return state
        start, secret = path_secret
        path = [node for node, _ in tree.filtered_direct_path(leaf_index)]
        if start not in path:
            raise ValidationError(f"path secret for node {start}, not on the joiner's path")
        for node in path[path.index(start) :]:
            state._keys[node] = node_key_pair(suite, secret)
            secret = suite.derive_secret(secret, b"path")
        return state

    # --- queries -------------------------------------------------------------------
    def private_key(self, node: NodeIndex) -> bytes | None:
        pair = self._keys.get(node)
        return None if pair is None else pair[0]

    def public_key(self, node: NodeIndex) -> bytes | None:
        pair = self._keys.get(node)
        return None if pair is None else pair[1]

    def key_pairs(self) -> dict[NodeIndex, tuple[bytes, bytes]]:
        return dict(self._keys)

    def key_pairs_view(self) -> Mapping[NodeIndex, tuple[bytes, bytes]]:
        """Read-only view (no copy) for lookups."""
        return MappingProxyType(self._keys)

    def nodes(self) -> list[NodeIndex]:
        return sorted(self._keys)

    def is_consistent(self, tree: RatchetTree) -> bool:
        """Every key we hold is the public key at that node of ``tree``."""
        for node, (_, pub) in self._keys.items():
            if node >= tree.n_nodes:
                return False
            public = tree.node(node)
            if public is None or public.encryption_key != pub:
                return False
        return True

    # --- changes (each returns a new state) -----------------------------------------
    def pruned(self, tree: RatchetTree) -> TreeKEMPrivate:
        """Drop keys for nodes that ``tree`` no longer has (blanked or re-keyed)."""
        keys = {}
        for node, pair in self._keys.items():
            public = tree.node(node) if node < tree.n_nodes else None
            if public is not None and public.encryption_key == pair[1]:
                keys[node] = pair
        return TreeKEMPrivate(self.suite, self.leaf_index, keys)

    def with_leaf_key(self, leaf_priv: bytes) -> TreeKEMPrivate:
        """After our own Update proposal is committed: new leaf key, path keys dropped."""
        return TreeKEMPrivate.from_path_secrets(self.suite, self.leaf_index, leaf_priv)

    # --- persistence ---------------------------------------------------------------
    def encode(self) -> bytes:
        w = Writer().u16(self.suite.suite_id).u32(self.leaf_index)
        items = sorted(self._keys.items())
        w.vector(items, lambda w2, kv: w2.u32(kv[0]).opaque_v(kv[1][0]).opaque_v(kv[1][1]))
        return w.getvalue()

    @classmethod
    def decode(cls, suite: CipherSuite, data: bytes) -> TreeKEMPrivate:
        r = Reader(data)
        if r.u16() != suite.suite_id:
            raise DecodeError("TreeKEM private state for another cipher suite")
        leaf = LeafIndex(r.u32())

        def item(r2: Reader) -> tuple[NodeIndex, tuple[bytes, bytes]]:
            return NodeIndex(r2.u32()), (r2.opaque_v(), r2.opaque_v())

        keys = dict(r.vector(item))
        r.done()
        if leaf_to_node(leaf) not in keys:
            raise DecodeError("TreeKEM private state without a leaf key")
        return cls(suite, leaf, keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TreeKEMPrivate):
            return NotImplemented
        return (self.suite, self.leaf_index, self._keys) == (
            other.suite,
            other.leaf_index,
            other._keys,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TreeKEMPrivate(leaf={self.leaf_index}, nodes={self.nodes()})"
