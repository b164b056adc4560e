"""secret-tree.json: sender-data keys and per-leaf ratchet keys (RFC 9420 §9, §6.3.2)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.secret_tree import RatchetKind, SecretTree, sender_data_key_nonce

from .vectors import cases


@pytest.mark.parametrize("case", cases("secret-tree.json"))
def test_secret_tree(case: dict[str, Any]) -> None:
    cs = cipher_suite(case["cipher_suite"])
    sd = case["sender_data"]
    key, nonce = sender_data_key_nonce(cs, sd["sender_data_secret"], sd["ciphertext"])
    assert key == sd["key"], "sender data key mismatch"
    assert nonce == sd["nonce"], "sender data nonce mismatch"

    n_leaves = len(case["leaves"])
    tree = SecretTree(cs, case["encryption_secret"], n_leaves)
    for leaf, entries in enumerate(case["leaves"]):
        for e in entries:
            g = e["generation"]
            for kind, name in (
                (RatchetKind.HANDSHAKE, "handshake"),
                (RatchetKind.APPLICATION, "application"),
            ):
                rs = tree.key_for(leaf, kind, g)
                where = f"leaf {leaf} generation {g}"
                assert rs.key == e[f"{name}_key"], f"{name}_key mismatch at {where}"
                assert rs.nonce == e[f"{name}_nonce"], f"{name}_nonce mismatch at {where}"
    assert case["encryption_secret"].hex() not in repr(tree)


def test_used_key_is_gone() -> None:
    cs = cipher_suite(1)
    tree = SecretTree(cs, bytes(32), 4)
    tree.key_for(2, RatchetKind.APPLICATION, 3)
    tree.key_for(2, RatchetKind.APPLICATION, 1)  # skipped, still held
    with pytest.raises(Exception, match="already used"):
        tree.key_for(2, RatchetKind.APPLICATION, 1)
    with pytest.raises(Exception, match="too far ahead"):
        tree.key_for(2, RatchetKind.APPLICATION, 5000)
