"""key-schedule.json: GroupContext encoding and every epoch secret (RFC 9420 §8)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.key_schedule import (
    derive_epoch_secrets,
    external_key_pair,
    joiner_secret_for,
    mls_exporter,
)
from indaba.mls.wire.group_context import GroupContext

from .vectors import cases

SECRETS = (
    "joiner_secret",
    "welcome_secret",
    "init_secret",
    "sender_data_secret",
    "encryption_secret",
    "exporter_secret",
    "epoch_authenticator",
    "external_secret",
    "confirmation_key",
    "membership_key",
    "resumption_psk",
)


@pytest.mark.parametrize("case", cases("key-schedule.json"))
def test_key_schedule(case: dict[str, Any]) -> None:
    cs = cipher_suite(case["cipher_suite"])
    init_secret = case["initial_init_secret"]
    for epoch, ep in enumerate(case["epochs"]):
        gc = GroupContext(
            cs.suite_id, case["group_id"], epoch, ep["tree_hash"], ep["confirmed_transcript_hash"]
        )
        gc_bytes = gc.encode()
        assert gc_bytes == ep["group_context"], f"group_context mismatch at epoch {epoch}"
        assert GroupContext.decode(gc_bytes) == gc
        joiner = joiner_secret_for(cs, init_secret, ep["commit_secret"], gc_bytes)
        secrets = derive_epoch_secrets(cs, joiner, ep["psk_secret"], gc_bytes)
        for name in SECRETS:
            assert getattr(secrets, name) == ep[name], f"{name} mismatch at epoch {epoch}"
        _, external_pub = external_key_pair(cs, secrets.external_secret)
        assert external_pub == ep["external_pub"], f"external_pub mismatch at epoch {epoch}"
        x = ep["exporter"]
        out = mls_exporter(cs, secrets.exporter_secret, x["label"], x["context"], x["length"])
        assert out == x["secret"], f"exporter secret mismatch at epoch {epoch}"
        assert "bytes" not in repr(secrets) and secrets.init_secret.hex() not in repr(secrets)
        init_secret = secrets.init_secret
