"""RatchetTree bookkeeping against naive recomputation: leftmost blank leaf, extent of
non-blank nodes, truncation and cached hashes, over random add/remove sequences."""

from __future__ import annotations

import random as pyrandom

from hypothesis import given, settings
from hypothesis import strategies as st

from indaba.mls.crypto import cipher_suite
from indaba.mls.tree import RatchetTree, add_leaf, remove_leaf
from indaba.mls.tree.testing import make_member
from indaba.mls.tree_math import LeafIndex, NodeIndex

SUITE = cipher_suite(1)
_rng = pyrandom.Random(7)
MEMBERS = [make_member(SUITE, b"m%d" % i, _rng.randbytes).leaf_node for i in range(40)]


def _naive_first_blank(tree: RatchetTree) -> int | None:
    return next((i for i in range(tree.n_leaves) if tree.leaf(LeafIndex(i)) is None), None)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 1000)), max_size=60))
def test_bookkeeping_matches_naive(ops: list[tuple[bool, int]]) -> None:
    tree = RatchetTree.one_member(SUITE, MEMBERS[0])
    pool = iter(MEMBERS[1:] * 3)
    for is_add, pick in ops:
        members = [i for i, _ in tree.leaves()]
        expected = _naive_first_blank(tree)
        if is_add or len(members) < 2:
            leaf = add_leaf(tree, next(pool))
            assert leaf == (expected if expected is not None else leaf), "not the leftmost blank"
        else:
            remove_leaf(tree, members[1 + pick % (len(members) - 1)])
        fresh = RatchetTree.decode(SUITE, tree.encode())
        assert fresh.n_leaves == tree.n_leaves, "truncation differs from a fresh decode"
        assert tree.first_blank_leaf() == _naive_first_blank(tree)
        for x in range(tree.n_nodes):
            assert tree.node_hash(NodeIndex(x)) == fresh.node_hash(NodeIndex(x)), f"node {x}"
