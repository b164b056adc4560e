"""crypto-basics.json: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret,
SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel (RFC 9420 §5)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite

from .vectors import cases


@pytest.mark.parametrize("case", cases("crypto-basics.json"))
def test_crypto_basics(case: dict[str, Any]) -> None:
    cs = cipher_suite(case["cipher_suite"])

    v = case["ref_hash"]
    assert cs.ref_hash(v["label"], v["value"]) == v["out"], "ref_hash mismatch"

    v = case["expand_with_label"]
    out = cs.expand_with_label(v["secret"], v["label"], v["context"], v["length"])
    assert out == v["out"], "expand_with_label mismatch"

    v = case["derive_secret"]
    assert cs.derive_secret(v["secret"], v["label"]) == v["out"], "derive_secret mismatch"

    v = case["derive_tree_secret"]
    out = cs.derive_tree_secret(v["secret"], v["label"], v["generation"], v["length"])
    assert out == v["out"], "derive_tree_secret mismatch"

    v = case["sign_with_label"]
    assert cs.signature_public_key(v["priv"]) == v["pub"], "signature public key mismatch"
    assert cs.verify_with_label(v["pub"], v["label"], v["content"], v["signature"]), (
        "vector signature does not verify"
    )
    ours = cs.sign_with_label(v["priv"], v["label"], v["content"])
    assert cs.verify_with_label(v["pub"], v["label"], v["content"], ours), "own signature"
    assert not cs.verify_with_label(v["pub"], v["label"] + b"x", v["content"], ours)

    v = case["encrypt_with_label"]
    assert cs.hpke_public_key(v["priv"]) == v["pub"], "HPKE public key mismatch"
    pt = cs.decrypt_with_label(
        v["priv"], v["label"], v["context"], v["kem_output"], v["ciphertext"]
    )
    assert pt == v["plaintext"], "decrypt_with_label mismatch"
    kem_output, ct = cs.encrypt_with_label(v["pub"], v["label"], v["context"], v["plaintext"])
    assert cs.decrypt_with_label(v["priv"], v["label"], v["context"], kem_output, ct) == pt
