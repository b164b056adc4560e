"""welcome.json: decrypt a Welcome and check GroupInfo signature and confirmation tag."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.key_schedule import derive_epoch_secrets, welcome_secret_for
from indaba.mls.psk import psk_secret
from indaba.mls.transcript import confirmation_tag
from indaba.mls.welcome import decrypt_group_info, decrypt_group_secrets, find_group_secrets
from indaba.mls.wire.key_package import KeyPackage
from indaba.mls.wire.message import MLSMessage
from indaba.mls.wire.welcome import Welcome

from .vectors import cases


@pytest.mark.parametrize("case", cases("welcome.json"))
def test_welcome(case: dict[str, Any]) -> None:
    cs = cipher_suite(case["cipher_suite"])
    kp = MLSMessage.decode(case["key_package"]).body
    welcome = MLSMessage.decode(case["welcome"]).body
    assert isinstance(kp, KeyPackage) and isinstance(welcome, Welcome)
    assert kp.verify_signature(cs), "KeyPackage signature"
    assert cs.hpke_public_key(case["init_priv"]) == kp.init_key, "init_priv does not match"

    entry = find_group_secrets(welcome, kp.ref(cs))
    secrets = decrypt_group_secrets(cs, entry, case["init_priv"], welcome.encrypted_group_info)
    assert secrets.psks == (), "vector has no PSKs"
    psk = psk_secret(cs, [])
    welcome_secret = welcome_secret_for(cs, secrets.joiner_secret, psk)
    group_info = decrypt_group_info(cs, welcome_secret, welcome.encrypted_group_info)
    assert group_info.verify_signature(cs, case["signer_pub"]), "GroupInfo signature"

    gc = group_info.group_context
    epoch = derive_epoch_secrets(cs, secrets.joiner_secret, psk, gc.encode())
    assert epoch.welcome_secret == welcome_secret
    tag = confirmation_tag(cs, epoch.confirmation_key, gc.confirmed_transcript_hash)
    assert tag == group_info.confirmation_tag, "confirmation_tag mismatch"
