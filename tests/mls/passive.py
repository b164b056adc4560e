"""Shared driver for the passive-client vector families (join, then follow commits)."""

from __future__ import annotations

from typing import Any

from indaba.mls.crypto import cipher_suite
from indaba.mls.group.creation import KeyPackageBundle, join_from_welcome
from indaba.mls.group.results import ProposalReceived, StagedCommit
from indaba.mls.wire.key_package import KeyPackage
from indaba.mls.wire.message import MLSMessage


def run_passive_client(case: dict[str, Any]) -> int:
    """Join from the Welcome and process every epoch; return the number of epochs."""
    cs = cipher_suite(case["cipher_suite"])
    kp = MLSMessage.decode(case["key_package"]).body
    assert isinstance(kp, KeyPackage)
    assert cs.hpke_public_key(case["init_priv"]) == kp.init_key, "init_priv mismatch"
    assert cs.hpke_public_key(case["encryption_priv"]) == kp.leaf_node.encryption_key
    assert cs.signature_public_key(case["signature_priv"]) == kp.leaf_node.signature_key
    bundle = KeyPackageBundle(
        kp, case["init_priv"], case["encryption_priv"], case["signature_priv"]
    )
    psks = {p["psk_id"]: p["psk"] for p in case["external_psks"]}
    group = join_from_welcome(
        case["welcome"], bundle, ratchet_tree=case["ratchet_tree"], external_psks=psks
    )
    assert group.epoch_authenticator == case["initial_epoch_authenticator"], (
        "epoch_authenticator mismatch after join"
    )
    for n, epoch in enumerate(case["epochs"], start=1):
        for i, proposal in enumerate(epoch["proposals"]):
            result = group.process(proposal)
            assert isinstance(result, ProposalReceived), f"proposal {i} at epoch {n}"
        staged = group.process(epoch["commit"])
        assert isinstance(staged, StagedCommit), f"commit at epoch {n}"
        group.merge(staged)
        assert group.epoch_authenticator == epoch["epoch_authenticator"], (
            f"epoch_authenticator mismatch at epoch {n}"
        )
    return len(case["epochs"])
