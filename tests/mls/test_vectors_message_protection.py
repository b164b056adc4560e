"""message-protection.json: PublicMessage and PrivateMessage protect/unprotect (RFC 9420 §6)."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.codec import Reader
from indaba.mls.crypto import CipherSuite, cipher_suite
from indaba.mls.framing import (
    protect_private,
    protect_public,
    sign_content,
    unprotect_private,
    unprotect_public,
    verify_content,
)
from indaba.mls.secret_tree import SecretTree
from indaba.mls.wire.framing import (
    AuthenticatedContent,
    ContentType,
    FramedContent,
    FramedContentAuthData,
    PrivateMessage,
    PublicMessage,
    Sender,
    WireFormat,
    read_content_body,
)
from indaba.mls.wire.group_context import GroupContext
from indaba.mls.wire.message import MLSMessage

from .vectors import cases

N_LEAVES = 2  # the generator's group has two members; the sender is leaf 1
KINDS = (
    ("proposal", ContentType.PROPOSAL),
    ("commit", ContentType.COMMIT),
    ("application", ContentType.APPLICATION),
)


def _body(case: dict[str, Any], name: str, ct: ContentType) -> Any:
    r = Reader(case[name])
    body = read_content_body(r, ct) if ct != ContentType.APPLICATION else case[name]
    if ct != ContentType.APPLICATION:
        r.done()
    return body


def _tree(cs: CipherSuite, case: dict[str, Any]) -> SecretTree:
    return SecretTree(cs, case["encryption_secret"], N_LEAVES)


@pytest.mark.parametrize("case", cases("message-protection.json"))
def test_message_protection(case: dict[str, Any]) -> None:
    cs = cipher_suite(case["cipher_suite"])
    gc = GroupContext(
        cs.suite_id,
        case["group_id"],
        case["epoch"],
        case["tree_hash"],
        case["confirmed_transcript_hash"],
    ).encode()
    sd_secret = case["sender_data_secret"]
    for name, ct in KINDS:
        body = _body(case, name, ct)

        # Unprotect the generator's PrivateMessage.
        msg = MLSMessage.decode(case[f"{name}_priv"]).body
        assert isinstance(msg, PrivateMessage)
        ac = unprotect_private(cs, msg, _tree(cs, case), sd_secret)
        assert ac.content.content == body, f"{name}_priv content mismatch"
        assert verify_content(cs, case["signature_pub"], ac, gc), f"{name}_priv signature"

        # Unprotect the generator's PublicMessage.
        if ct != ContentType.APPLICATION:
            pub = MLSMessage.decode(case[f"{name}_pub"]).body
            assert isinstance(pub, PublicMessage)
            ac = unprotect_public(cs, pub, case["membership_key"], gc)
            assert ac.content.content == body, f"{name}_pub content mismatch"
            assert verify_content(cs, case["signature_pub"], ac, gc), f"{name}_pub signature"

        # Protect ourselves, then unprotect, in both wire formats.
        content = FramedContent(case["group_id"], case["epoch"], Sender.member(1), b"", ct, body)
        tag = bytes(cs.Nh) if ct == ContentType.COMMIT else None
        formats = [WireFormat.PRIVATE_MESSAGE]
        if ct != ContentType.APPLICATION:
            formats.append(WireFormat.PUBLIC_MESSAGE)
        for wf in formats:
            sig = sign_content(cs, case["signature_priv"], wf, content, gc)
            ours = AuthenticatedContent(wf, content, FramedContentAuthData(sig, tag))
            if wf == WireFormat.PRIVATE_MESSAGE:
                enc = protect_private(cs, ours, _tree(cs, case), sd_secret, padding=7)
                wire = MLSMessage(enc).encode()
                back = MLSMessage.decode(wire).body
                assert isinstance(back, PrivateMessage)
                got = unprotect_private(cs, back, _tree(cs, case), sd_secret)
            else:
                pm = protect_public(cs, ours, case["membership_key"], gc)
                back_pub = MLSMessage.decode(MLSMessage(pm).encode()).body
                assert isinstance(back_pub, PublicMessage)
                got = unprotect_public(cs, back_pub, case["membership_key"], gc)
            assert got == ours, f"{name} {wf.name} round trip mismatch"
            assert verify_content(cs, case["signature_pub"], got, gc)
