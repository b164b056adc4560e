"""tree-operations.json: Add, Update and Remove applied to a ratchet tree, with tree
hashes before and after (RFC 9420 §12.1.1-12.1.3)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.codec import Reader
from indaba.mls.crypto import cipher_suite
from indaba.mls.tree import LeafNode, RatchetTree, add_leaf, remove_leaf, update_leaf
from indaba.mls.tree.leaf_node import read_extensions
from indaba.mls.tree_math import LeafIndex, NodeIndex

from .vectors import cases

ADD, UPDATE, REMOVE = 1, 2, 3


def _key_package_leaf(r: Reader) -> LeafNode:
    """The leaf_node of a KeyPackage (§10): version, suite, init_key, leaf, exts, sig."""
    r.u16()
    r.u16()
    r.opaque_v()
    leaf = LeafNode.read(r)
    read_extensions(r)
    r.opaque_v()
    return leaf


def _apply(tree: RatchetTree, proposal: bytes, sender: LeafIndex) -> None:
    r = Reader(proposal)
    kind = r.u16()
    if kind == ADD:
        add_leaf(tree, _key_package_leaf(r))
    elif kind == UPDATE:
        update_leaf(tree, sender, LeafNode.read(r))
    elif kind == REMOVE:
        remove_leaf(tree, LeafIndex(r.u32()))
    else:
        pytest.fail(f"unexpected proposal type {kind}")
    r.done()


@pytest.mark.parametrize("case", cases("tree-operations.json"))
def test_tree_operations(case: dict[str, Any]) -> None:
    suite = cipher_suite(case["cipher_suite"])
    before = RatchetTree.decode(suite, case["tree_before"])
    assert before.tree_hash() == case["tree_hash_before"], "tree hash mismatch before"
    staged = before.copy()
    _apply(staged, case["proposal"], LeafIndex(case["proposal_sender"]))
    assert staged.encode() == case["tree_after"], "tree after mismatch"
    assert staged.tree_hash() == case["tree_hash_after"], "tree hash mismatch after"
    # Staging left the original untouched, and a fresh decode hashes the same.
    assert before.encode() == case["tree_before"], "original tree changed by staging"
    assert before.tree_hash() == case["tree_hash_before"], "original tree hash changed"
    fresh = RatchetTree.decode(suite, case["tree_after"])
    for x in range(fresh.n_nodes):
        node = NodeIndex(x)
        assert staged.node_hash(node) == fresh.node_hash(node), f"cached hash stale at node {x}"
