"""tree-validation.json: resolutions, per-node tree hashes, parent hashes and leaf
signatures for trees with blanks, unmerged leaves and trailing blanks (RFC 9420 §7)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.errors import ValidationError
from indaba.mls.tree import ParentNode, RatchetTree, validate_tree, verify_leaf_signatures
from indaba.mls.tree.parent_hash import verify_parent_hashes
from indaba.mls.tree_math import NodeIndex

from .vectors import cases


@pytest.mark.parametrize("case", cases("tree-validation.json"))
def test_tree_validation(case: dict[str, Any]) -> None:
    suite = cipher_suite(case["cipher_suite"])
    tree = RatchetTree.decode(suite, case["tree"])
    assert tree.encode() == case["tree"], "ratchet tree does not re-encode byte for byte"
    assert tree.n_nodes == len(case["tree_hashes"]), "tree width mismatch"
    for i, expected in enumerate(case["resolutions"]):
        assert tree.resolution(NodeIndex(i)) == expected, f"resolution mismatch at node {i}"
    for i, expected in enumerate(case["tree_hashes"]):
        assert tree.node_hash(NodeIndex(i)) == expected, f"tree hash mismatch at node {i}"
    verify_parent_hashes(tree)
    verify_leaf_signatures(tree, case["group_id"])
    validate_tree(tree, case["group_id"])


def _suite1_cases() -> list[Any]:
    return [c for c in cases("tree-validation.json") if c.id.startswith("suite1-")]


@pytest.mark.parametrize("case", _suite1_cases())
def test_tampered_tree_is_rejected(case: dict[str, Any]) -> None:
    """Changing any parent key breaks its parent hash; changing a signature breaks it."""
    suite = cipher_suite(case["cipher_suite"])
    tree = RatchetTree.decode(suite, case["tree"])
    parents = [x for x in range(1, tree.n_nodes, 2) if tree.node(NodeIndex(x)) is not None]
    for x in parents:
        bad = tree.copy()
        node = bad.parent_node(NodeIndex(x))
        assert node is not None
        key = bytes([node.encryption_key[0] ^ 1]) + node.encryption_key[1:]
        bad.set_node(NodeIndex(x), ParentNode(key, node.parent_hash, node.unmerged_leaves))
        with pytest.raises(ValidationError):
            verify_parent_hashes(bad)
        assert tree.node_hash(NodeIndex(x)) != bad.node_hash(NodeIndex(x))
    index, leaf = next(iter(tree.leaves()))
    forged = replace(leaf, signature=bytes([leaf.signature[0] ^ 1]) + leaf.signature[1:])
    bad = tree.copy()
    bad.set_node(NodeIndex(2 * index), forged)
    with pytest.raises(ValidationError, match=f"leaf {index}"):
        verify_leaf_signatures(bad, case["group_id"])
