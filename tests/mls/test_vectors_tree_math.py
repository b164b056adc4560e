"""tree-math.json: left-balanced tree index math (RFC 9420 Appendix C)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls import tree_math as tm
from indaba.mls.errors import UsageError
from indaba.mls.tree_math import LeafIndex, NodeIndex

from .vectors import cases


def _or_none(fn: Any, *args: Any) -> int | None:
    try:
        return int(fn(*args))
    except UsageError:
        return None


@pytest.mark.parametrize("case", cases("tree-math.json"))
def test_tree_math(case: dict[str, Any]) -> None:
    n = case["n_leaves"]
    assert tm.node_width(n) == case["n_nodes"], "n_nodes mismatch"
    assert tm.root(n) == case["root"], "root mismatch"
    for i in range(case["n_nodes"]):
        x = NodeIndex(i)
        assert _or_none(tm.left, x) == case["left"][i], f"left mismatch at node {i}"
        assert _or_none(tm.right, x) == case["right"][i], f"right mismatch at node {i}"
        assert _or_none(tm.parent, x, n) == case["parent"][i], f"parent mismatch at node {i}"
        assert _or_none(tm.sibling, x, n) == case["sibling"][i], f"sibling mismatch at node {i}"


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 13, 16, 64])
def test_paths_and_ancestors(n: int) -> None:
    """direct_path/copath/common_ancestor agree with parent/sibling walks."""
    r = tm.root(n)
    for leaf in range(n):
        x = tm.leaf_to_node(LeafIndex(leaf))
        assert tm.node_to_leaf(x) == leaf
        dp = tm.direct_path(x, n)
        assert (dp[-1] if dp else x) == r
        assert len(tm.copath(x, n)) == len(dp)
        for a in dp:
            assert tm.is_in_subtree(x, a)
            assert leaf in tm.subtree_leaves(a) or a == r
        for other in range(n):
            y = tm.leaf_to_node(LeafIndex(other))
            lca = tm.common_ancestor(x, y)
            assert tm.is_in_subtree(x, lca) and tm.is_in_subtree(y, lca)
            if leaf != other:
                assert lca in dp


def test_leaf_node_conversion_rejects_parent() -> None:
    with pytest.raises(UsageError):
        tm.node_to_leaf(NodeIndex(3))
