"""psk_secret.json: the psk_secret chain over external PSKs (RFC 9420 §8.4)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.psk import PreSharedKeyID, psk_secret

from .vectors import cases


@pytest.mark.parametrize("case", cases("psk_secret.json"))
def test_psk_secret(case: dict[str, Any]) -> None:
    cs = cipher_suite(case["cipher_suite"])
    psks = [(PreSharedKeyID.external(p["psk_id"], p["psk_nonce"]), p["psk"]) for p in case["psks"]]
    assert psk_secret(cs, psks) == case["psk_secret"], f"psk_secret mismatch ({len(psks)} PSKs)"
