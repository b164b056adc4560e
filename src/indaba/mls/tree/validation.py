"""Checks a member runs on a ratchet tree it did not build (RFC 9420 §7.3, §7.9.2,
§12.4.3.1): leaf signatures, parent hashes, unmerged-leaf consistency, unique keys.

Group-level rules that need more context (capabilities against the group's required
extensions, credential acceptance, lifetimes against the clock) stay in the group layer.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..tree_math import LeafIndex, NodeIndex, direct_path, is_in_subtree, leaf_to_node
from .leaf_node import LeafNode, LeafNodeSource
from .parent_hash import verify_parent_hashes
from .ratchet_tree import RatchetTree

__all__ = [
    "validate_tree",
    "verify_leaf_signature",
    "verify_leaf_signatures",
    "verify_parent_hashes",
    "verify_unique_keys",
    "verify_unmerged_leaves",
]


def verify_leaf_signature(
    tree: RatchetTree, leaf: LeafNode, group_id: bytes, index: LeafIndex
) -> None:
    """Raise ValidationError unless ``leaf`` carries a valid signature for position ``index``."""
    if leaf.leaf_node_source == LeafNodeSource.KEY_PACKAGE:
        ok = leaf.verify_signature(tree.suite)
    else:
        ok = leaf.verify_signature(tree.suite, group_id, index)
    if not ok:
        raise ValidationError(f"leaf node signature invalid at leaf {index}")


def verify_leaf_signatures(tree: RatchetTree, group_id: bytes) -> None:
    for index, leaf in tree.leaves():
        verify_leaf_signature(tree, leaf, group_id, index)


def verify_unmerged_leaves(tree: RatchetTree) -> None:
    """Each unmerged leaf of P is a non-blank leaf below P and is unmerged at every
    non-blank node between it and P (§7.1, §12.4.3.1)."""
    n = tree.n_leaves
    for p in range(1, tree.n_nodes, 2):
        node = tree.parent_node(NodeIndex(p))
        if node is None:
            continue
        for u in node.unmerged_leaves:
            x = leaf_to_node(u)
            if u >= n or tree.leaf(u) is None or not is_in_subtree(x, NodeIndex(p)):
                raise ValidationError(f"unmerged leaf {u} of node {p} is not a member below it")
            for q in direct_path(x, n):
                if q == p:
                    break
                between = tree.parent_node(q)
                if between is not None and u not in between.unmerged_leaves:
                    raise ValidationError(f"leaf {u} unmerged at node {p} but not at node {q}")


def verify_unique_keys(tree: RatchetTree) -> None:
    """No two nodes share an HPKE key and no two leaves share a signature key (§7.3)."""
    enc: set[bytes] = set()
    sig: set[bytes] = set()
    for x in range(tree.n_nodes):
        node = tree.node(NodeIndex(x))
        if node is None:
            continue
        if node.encryption_key in enc:
            raise ValidationError(f"duplicate encryption key at node {x}")
        enc.add(node.encryption_key)
        if isinstance(node, LeafNode):
            if node.signature_key in sig:
                raise ValidationError(f"duplicate signature key at node {x}")
            sig.add(node.signature_key)


def validate_tree(tree: RatchetTree, group_id: bytes) -> None:
    """All tree-local checks a joiner runs on a ratchet tree (§12.4.3.1)."""
    verify_unmerged_leaves(tree)
    verify_unique_keys(tree)
    verify_parent_hashes(tree)
    verify_leaf_signatures(tree, group_id)
