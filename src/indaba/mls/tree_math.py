"""Left-balanced binary tree math (RFC 9420 §4.2 and Appendix C).

Nodes of a tree with ``n`` leaves are numbered in-order, leaves at even indices::

              X                    level 2      node 3
        X           X              level 1      nodes 1, 5
     X     X     X     X           level 0      nodes 0, 2, 4, 6
    L0    L1    L2    L3           leaf index   node = 2 * leaf

Leaf and node indices are distinct types so that one is never passed for the other:
convert with :func:`leaf_to_node` / :func:`node_to_leaf`.  MLS trees always hold a
power-of-two number of leaves, but the functions here accept any ``n >= 1`` as in the
appendix (``parent`` steps over nodes beyond the right edge).
"""

from __future__ import annotations

from typing import NewType

from .errors import UsageError

__all__ = [
    "LeafIndex",
    "NodeIndex",
    "common_ancestor",
    "copath",
    "direct_path",
    "is_in_subtree",
    "is_leaf",
    "leaf_to_node",
    "left",
    "level",
    "node_to_leaf",
    "node_width",
    "parent",
    "right",
    "root",
    "sibling",
    "subtree_leaves",
]

LeafIndex = NewType("LeafIndex", int)
NodeIndex = NewType("NodeIndex", int)


def leaf_to_node(leaf: LeafIndex) -> NodeIndex:
    return NodeIndex(2 * leaf)


def node_to_leaf(node: NodeIndex) -> LeafIndex:
    if node & 1:
        raise UsageError(f"node {node} is not a leaf")
    return LeafIndex(node >> 1)


def is_leaf(node: NodeIndex) -> bool:
    return node & 1 == 0


def level(x: NodeIndex) -> int:
    """The level of a node: 0 for leaves, the number of trailing 1 bits otherwise."""
    if x & 1 == 0:
        return 0
    k = 0
    while (x >> k) & 1 == 1:
        k += 1
    return k


def node_width(n: int) -> int:
    """The number of nodes needed to represent a tree with ``n`` leaves."""
    return 0 if n == 0 else 2 * (n - 1) + 1


def root(n: int) -> NodeIndex:
    """The index of the root node of a tree with ``n`` leaves."""
    if n < 1:
        raise UsageError("a tree has at least one leaf")
    w = node_width(n)
    return NodeIndex((1 << (w.bit_length() - 1)) - 1)


def left(x: NodeIndex) -> NodeIndex:
    k = level(x)
    if k == 0:
        raise UsageError(f"leaf {x} has no children")
    return NodeIndex(x ^ (0x01 << (k - 1)))


def right(x: NodeIndex) -> NodeIndex:
    k = level(x)
    if k == 0:
        raise UsageError(f"leaf {x} has no children")
    return NodeIndex(x ^ (0x03 << (k - 1)))


def _parent_step(x: int) -> int:
    k = level(NodeIndex(x))
    b = (x >> (k + 1)) & 0x01
    return (x | (1 << k)) ^ (b << (k + 1))


def parent(x: NodeIndex, n: int) -> NodeIndex:
    """The parent of ``x`` in a tree with ``n`` leaves (UsageError for the root)."""
    if x == root(n):
        raise UsageError(f"root {x} has no parent")
    p = _parent_step(x)
    w = node_width(n)
    while p >= w:
        p = _parent_step(p)
    return NodeIndex(p)


def sibling(x: NodeIndex, n: int) -> NodeIndex:
    """The other child of ``x``'s parent."""
    p = parent(x, n)
    return right(p) if x < p else left(p)


def direct_path(x: NodeIndex, n: int) -> list[NodeIndex]:
    """Ancestors of ``x`` from its parent up to and including the root (§4.1)."""
    r = root(n)
    w = node_width(n)
    out: list[NodeIndex] = []
    p = int(x)
    while p != r:
        p = _parent_step(p)
        while p >= w:
            p = _parent_step(p)
        out.append(NodeIndex(p))
    return out


def copath(x: NodeIndex, n: int) -> list[NodeIndex]:
    """Siblings of ``x`` and of its ancestors below the root (§4.1)."""
    out: list[NodeIndex] = []
    child = x
    for p in direct_path(x, n):
        out.append(right(p) if child < p else left(p))
        child = p
    return out


def subtree_leaves(x: NodeIndex) -> range:
    """The leaf indices under node ``x`` (in a full tree), as a range."""
    k = level(x)
    first = (x >> (k + 1)) << k  # leftmost leaf index
    return range(first, first + (1 << k))


def is_in_subtree(x: NodeIndex, ancestor: NodeIndex) -> bool:
    """Whether ``x`` is ``ancestor`` or one of its descendants."""
    return abs(x - ancestor) < (1 << level(ancestor))


def common_ancestor(x: NodeIndex, y: NodeIndex) -> NodeIndex:
    """The lowest common ancestor of two nodes (Appendix C ``common_ancestor_semantic``)."""
    lx, ly = level(x) + 1, level(y) + 1
    if lx <= ly and x >> ly == y >> ly:
        return y
    if ly <= lx and x >> lx == y >> lx:
        return x
    xn, yn = int(x), int(y)
    k = 0
    while xn != yn:
        xn >>= 1
        yn >>= 1
        k += 1
    return NodeIndex((xn << k) + (1 << (k - 1)) - 1)
