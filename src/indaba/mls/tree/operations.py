"""Applying Add, Update and Remove proposals to a ratchet tree (RFC 9420 §12.1.1-12.1.3).

These mutate the tree they are given; the group layer calls them on a staged
:meth:`~indaba.mls.tree.RatchetTree.copy`.  A commit applies Updates, then Removes,
then Adds (§12.3); each function only checks what the tree itself can tell.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..tree_math import LeafIndex, NodeIndex, direct_path, leaf_to_node
from .leaf_node import LeafNode
from .ratchet_tree import RatchetTree

__all__ = ["add_leaf", "blank_direct_path", "remove_leaf", "update_leaf"]


def blank_direct_path(tree: RatchetTree, leaf: LeafIndex) -> None:
    for p in direct_path(leaf_to_node(leaf), tree.n_leaves):
        if tree.node(p) is not None:
            tree.set_node(p, None)


def add_leaf(tree: RatchetTree, leaf_node: LeafNode) -> LeafIndex:
    """§12.1.1: put ``leaf_node`` in the leftmost blank leaf (extending the tree if there
    is none) and list it in the unmerged_leaves of its non-blank ancestors."""
    leaf = tree.first_blank_leaf()
    if leaf is None:
        leaf = LeafIndex(tree.n_leaves)
        tree.extend()
    x = leaf_to_node(leaf)
    tree.set_node(x, leaf_node)
    for p in direct_path(x, tree.n_leaves):
        node = tree.parent_node(p)
        if node is not None:
            tree.set_node(p, node.with_unmerged(leaf))
    return leaf


def update_leaf(tree: RatchetTree, leaf: LeafIndex, leaf_node: LeafNode) -> None:
    """§12.1.2: replace the sender's leaf and blank its direct path."""
    if tree.leaf(leaf) is None:
        raise ValidationError(f"update for blank leaf {leaf}")
    tree.set_node(leaf_to_node(leaf), leaf_node)
    blank_direct_path(tree, leaf)


def remove_leaf(tree: RatchetTree, leaf: LeafIndex) -> None:
    """§12.1.3: blank the leaf and its direct path, then truncate trailing blank halves."""
    if tree.leaf(leaf) is None:
        raise ValidationError(f"remove of blank leaf {leaf}")
    blank_direct_path(tree, leaf)
    tree.set_node(NodeIndex(2 * leaf), None)
    tree.truncate()
