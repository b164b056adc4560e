"""HPKE pieces written from RFC 9180 agree with ``cryptography``'s HPKE."""

from __future__ import annotations

import os

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.errors import CryptoError, UsageError
from indaba.mls.hpke import decap, export_receiver, export_sender, key_schedule_base


@pytest.mark.parametrize("suite_id", [1, 2, 3], ids=lambda s: f"suite{s}")
def test_decap_and_key_schedule_match_cryptography(suite_id: int) -> None:
    cs = cipher_suite(suite_id)
    sk, pk = cs.generate_hpke_key_pair()
    enc, ct = cs.hpke_seal(pk, b"info", b"attack at dawn")
    ks = key_schedule_base(cs, decap(cs, enc, sk), b"info")
    assert cs.aead_decrypt(ks["key"], ks["base_nonce"], b"", ct) == b"attack at dawn"


@pytest.mark.parametrize("suite_id", [1, 2, 3], ids=lambda s: f"suite{s}")
def test_export_sender_and_receiver_agree(suite_id: int) -> None:
    cs = cipher_suite(suite_id)
    sk, pk = cs.generate_hpke_key_pair()
    enc, secret = export_sender(cs, pk, b"", b"ctx", 32, os.urandom(32))
    assert export_receiver(cs, enc, sk, b"", b"ctx", 32) == secret
    other_sk, _ = cs.generate_hpke_key_pair()
    assert export_receiver(cs, enc, other_sk, b"", b"ctx", 32) != secret


def test_unsupported_suite_and_bad_key() -> None:
    with pytest.raises(UsageError, match="not supported"):
        cipher_suite(4)
    cs = cipher_suite(2)
    sk, _ = cs.generate_hpke_key_pair()
    with pytest.raises(CryptoError):
        decap(cs, b"\x04" + bytes(64), sk)
