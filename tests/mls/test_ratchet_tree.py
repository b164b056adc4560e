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


def _naive_counts(tree: RatchetTree) -> tuple[dict[bytes, int], dict[bytes, int]]:
    enc: dict[bytes, int] = {}
    sig: dict[bytes, int] = {}
    for x in range(tree.n_nodes):
        node = tree.node(NodeIndex(x))
        if node is None:
            continue
        enc[node.encryption_key] = enc.get(node.encryption_key, 0) + 1
        if hasattr(node, "signature_key"):
            sig[node.signature_key] = sig.get(node.signature_key, 0) + 1
    return enc, sig


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 1000)), max_size=40))
def test_key_counts_follow_changes(ops: list[tuple[bool, int]]) -> None:
    from indaba.mls.tree.testing import synthetic_group

    g = synthetic_group(SUITE, 5, seed=3)
    tree = g.tree.copy()
    tree.encryption_key_count(b"")  # build the index, then keep it current
    pool = iter(MEMBERS * 3)  # repeats on purpose: duplicate keys must count twice
    for is_add, pick in ops:
        members = [i for i, _ in tree.leaves()]
        staged = tree.copy()
        if is_add or len(members) < 2:
            add_leaf(staged, next(pool))
        else:
            remove_leaf(staged, members[1 + pick % (len(members) - 1)])
        enc, sig = _naive_counts(staged)
        for key, count in enc.items():
            assert staged.encryption_key_count(key) == count
        for key, count in sig.items():
            assert staged.signature_key_count(key) == count
        before, _ = _naive_counts(tree)  # the original's index is its own
        for key, count in before.items():
            assert tree.encryption_key_count(key) == count
        tree = staged
