"""Parent hashes (RFC 9420 §7.9): computing them along a new path, verifying a tree.

When a member commits with a path, each node it sets is bound to the one above it::

    P.parent_hash     = ""                                   (topmost path node)
    child.parent_hash = Hash(ParentHashInput(P.encryption_key, P.parent_hash,
                                             tree_hash(sibling of the path under P)))

A joiner checks that every non-blank parent node is "parent-hash valid": some node D in
the resolution of one child carries P's parent hash (computed with the other child's
*original* tree hash, i.e. with P's unmerged leaves taken out) and the rest of that
resolution is exactly P's unmerged leaves under the child (§7.9.2).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..codec import Writer
from ..crypto import CipherSuite
from ..errors import ValidationError
from ..tree_math import LeafIndex, NodeIndex, is_in_subtree, left, right, subtree_leaves
from .leaf_node import LeafNode
from .nodes import ParentNode
from .ratchet_tree import RatchetTree, leaf_hash_input, parent_hash_input

__all__ = [
    "compute_parent_hash",
    "original_tree_hash",
    "path_parent_hashes",
    "verify_parent_hashes",
]


def compute_parent_hash(
    suite: CipherSuite, encryption_key: bytes, parent_hash: bytes, original_sibling_tree_hash: bytes
) -> bytes:
    """Hash(ParentHashInput) (§7.9)."""
    w = Writer().opaque_v(encryption_key).opaque_v(parent_hash)
    return suite.hash(w.opaque_v(original_sibling_tree_hash).getvalue())


def original_tree_hash(tree: RatchetTree, x: NodeIndex, removed: frozenset[LeafIndex]) -> bytes:
    """The tree hash of ``x`` with the leaves in ``removed`` blanked and dropped from every
    unmerged_leaves list (§7.9: "original" sibling tree hash)."""
    leaves = subtree_leaves(x)
    if not any(leaf in leaves for leaf in removed):
        return tree.node_hash(x)
    if x & 1 == 0:
        return tree.suite.hash(leaf_hash_input(LeafIndex(x >> 1), None))
    node = tree.parent_node(x)
    if node is not None and node.unmerged_leaves:
        kept = tuple(u for u in node.unmerged_leaves if u not in removed)
        node = ParentNode(node.encryption_key, node.parent_hash, kept)
    lh = original_tree_hash(tree, left(x), removed)
    rh = original_tree_hash(tree, right(x), removed)
    return tree.suite.hash(parent_hash_input(node, lh, rh))


def path_parent_hashes(
    tree: RatchetTree, path: Sequence[tuple[NodeIndex, NodeIndex]], keys: Sequence[bytes]
) -> tuple[bytes, list[bytes]]:
    """Parent hashes for a filtered direct path being set with ``keys`` (§7.9).

    ``path`` is ``(node, copath child)`` pairs from the leaf up.  Returns the leaf's
    parent_hash and each path node's parent_hash field.  The copath subtrees are not
    touched by the commit, so their current tree hashes are the original ones.
    """
    above = b""
    fields = [b""] * len(path)
    for i in range(len(path) - 1, -1, -1):
        fields[i] = above
        sibling = path[i][1]
        above = compute_parent_hash(tree.suite, keys[i], above, tree.node_hash(sibling))
    return above, fields


def _node_parent_hash(tree: RatchetTree, d: NodeIndex) -> bytes | None:
    node = tree.node(d)
    if isinstance(node, LeafNode):
        return node.parent_hash or None
    return None if node is None else node.parent_hash


def _valid_wrt(
    tree: RatchetTree, p: NodeIndex, node: ParentNode, c: NodeIndex, s: NodeIndex
) -> bool:
    removed = frozenset(node.unmerged_leaves)
    sibling_hash = original_tree_hash(tree, s, removed)
    expected = compute_parent_hash(tree.suite, node.encryption_key, node.parent_hash, sibling_hash)
    resolution = tree.resolution(c)
    unmerged = {
        NodeIndex(2 * u) for u in node.unmerged_leaves if is_in_subtree(NodeIndex(2 * u), c)
    }
    for d in resolution:
        if _node_parent_hash(tree, d) == expected:
            return set(resolution) - {d} == unmerged
    return False


def verify_parent_hashes(tree: RatchetTree) -> None:
    """Raise ValidationError unless every non-blank parent node is parent-hash valid."""
    for p in range(1, tree.n_nodes, 2):
        x = NodeIndex(p)
        node = tree.parent_node(x)
        if node is None:
            continue
        lc, rc = left(x), right(x)
        if not (_valid_wrt(tree, x, node, lc, rc) or _valid_wrt(tree, x, node, rc, lc)):
            raise ValidationError(f"parent hash invalid at node {p}")
