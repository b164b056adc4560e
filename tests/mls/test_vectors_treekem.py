"""treekem.json: private path state, processing UpdatePaths (decrypt, derive, commit
secret, merged tree hash) and creating new ones that every member can process
(RFC 9420 §7.4-7.6, §12.4.2)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.tree import RatchetTree, UpdatePath, verify_leaf_signatures
from indaba.mls.tree.parent_hash import verify_parent_hashes
from indaba.mls.tree.private_state import TreeKEMPrivate
from indaba.mls.tree.treekem import (
    decrypt_update_path,
    generate_update_path,
    merge_update_path,
)
from indaba.mls.tree_math import LeafIndex, NodeIndex
from indaba.mls.wire.group_context import GroupContext

from .vectors import cases


def _context(case: dict[str, Any], tree_hash: bytes) -> bytes:
    return GroupContext(
        case["cipher_suite"],
        case["group_id"],
        case["epoch"],
        tree_hash,
        case["confirmed_transcript_hash"],
    ).encode()


@pytest.mark.parametrize("case", cases("treekem.json"))
def test_treekem(case: dict[str, Any]) -> None:
    suite = cipher_suite(case["cipher_suite"])
    group_id = case["group_id"]
    tree = RatchetTree.decode(suite, case["ratchet_tree"])
    verify_parent_hashes(tree)
    verify_leaf_signatures(tree, group_id)

    privs: dict[LeafIndex, TreeKEMPrivate] = {}
    sig_privs: dict[LeafIndex, bytes] = {}
    for info in case["leaves_private"]:
        index = LeafIndex(info["index"])
        secrets = {NodeIndex(p["node"]): p["path_secret"] for p in info["path_secrets"]}
        priv = TreeKEMPrivate.from_path_secrets(suite, index, info["encryption_priv"], secrets)
        assert priv.is_consistent(tree), f"private state inconsistent for leaf {index}"
        privs[index] = priv
        sig_privs[index] = info["signature_priv"]

    for info in case["update_paths"]:
        sender = LeafIndex(info["sender"])
        path = UpdatePath.decode(info["update_path"])
        assert path.encode() == info["update_path"], "UpdatePath does not re-encode"

        merged = tree.copy()
        merge_update_path(merged, sender, path, group_id=group_id)
        assert merged.tree_hash() == info["tree_hash_after"], (
            f"tree hash mismatch after merging path from leaf {sender}"
        )
        verify_parent_hashes(merged)
        context = _context(case, merged.tree_hash())
        for to, priv in privs.items():
            if to == sender:
                assert info["path_secrets"][to] is None
                continue
            got = decrypt_update_path(merged, priv, sender, path, context)
            assert got.path_secret == info["path_secrets"][to], (
                f"path secret mismatch at leaf {to} for sender {sender}"
            )
            assert got.commit_secret == info["commit_secret"], (
                f"commit secret mismatch at leaf {to} for sender {sender}"
            )
            assert got.private.is_consistent(merged), f"new private state of leaf {to}"

        # Our own path from the same sender: every other member reaches its secret.
        staged = generate_update_path(tree, sender, sig_privs[sender], group_id=group_id)
        verify_parent_hashes(staged.tree)
        assert staged.private.is_consistent(staged.tree), "committer state inconsistent"
        context = _context(case, staged.tree.tree_hash())
        ours = staged.encrypt(context)
        replayed = tree.copy()
        merge_update_path(replayed, sender, ours, group_id=group_id)
        assert replayed == staged.tree, f"receiver merge differs from sender's for {sender}"
        assert replayed.tree_hash() == staged.tree.tree_hash()
        for to, priv in privs.items():
            if to == sender:
                continue
            got = decrypt_update_path(replayed, priv, sender, ours, context)
            assert got.commit_secret == staged.commit_secret, f"leaf {to} commit secret"
            assert staged.path_secret_for(to) == (got.node, got.path_secret), (
                f"leaf {to}: Welcome path secret differs from the decrypted one"
            )
