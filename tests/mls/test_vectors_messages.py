"""messages.json: decode and byte-exact re-encode of every message struct (RFC 9420)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from indaba.mls.codec import Reader, Writer
from indaba.mls.crypto import cipher_suite
from indaba.mls.tree.ratchet_tree import RatchetTree
from indaba.mls.wire.framing import WireFormat
from indaba.mls.wire.message import MLSMessage
from indaba.mls.wire.proposals import (
    Add,
    Commit,
    ExternalInit,
    GroupContextExtensions,
    PreSharedKey,
    ReInit,
    Remove,
    Update,
)
from indaba.mls.wire.welcome import GroupSecrets

from .vectors import cases, strip_encoding_caches


def _roundtrip_struct(data: bytes, read: Callable[[Reader], Any]) -> bytes:
    r = Reader(data)
    obj = read(r)
    r.done()
    strip_encoding_caches(obj)
    w = Writer()
    obj.write(w)
    return w.getvalue()


STRUCTS: dict[str, Callable[[Reader], Any]] = {
    "group_secrets": GroupSecrets.read,
    "add_proposal": Add.read,
    "update_proposal": Update.read,
    "remove_proposal": Remove.read,
    "pre_shared_key_proposal": PreSharedKey.read,
    "re_init_proposal": ReInit.read,
    "external_init_proposal": ExternalInit.read,
    "group_context_extensions_proposal": GroupContextExtensions.read,
    "commit": Commit.read,
}

ENVELOPES = {
    "mls_welcome": WireFormat.WELCOME,
    "mls_group_info": WireFormat.GROUP_INFO,
    "mls_key_package": WireFormat.KEY_PACKAGE,
    "public_message_application": WireFormat.PUBLIC_MESSAGE,
    "public_message_proposal": WireFormat.PUBLIC_MESSAGE,
    "public_message_commit": WireFormat.PUBLIC_MESSAGE,
    "private_message": WireFormat.PRIVATE_MESSAGE,
}


@pytest.mark.parametrize("case", cases("messages.json"))
def test_messages(case: dict[str, Any]) -> None:
    for name, wire_format in ENVELOPES.items():
        msg = MLSMessage.decode(case[name])
        strip_encoding_caches(msg)
        assert msg.wire_format == wire_format, f"{name}: wrong wire format"
        assert msg.encode() == case[name], f"{name} re-encoding mismatch"
    for name, read in STRUCTS.items():
        assert _roundtrip_struct(case[name], read) == case[name], f"{name} re-encoding mismatch"
    # The ratchet tree encoding does not depend on the suite.
    tree = RatchetTree.decode(cipher_suite(1), case["ratchet_tree"])
    assert tree.encode() == case["ratchet_tree"], "ratchet_tree re-encoding mismatch"
