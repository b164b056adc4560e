"""Every decoder, fed arbitrary bytes, parses or raises DecodeError -- nothing else.

Inputs are random bytes and mutations (bit flips, truncations, splices) of real
messages from messages.json, so the fuzzer reaches deep into the structs.  Whatever
parses must re-encode to the same bytes (the codec is canonical).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indaba.mls.codec import Reader, Writer, decode_varint, encode_varint
from indaba.mls.crypto import cipher_suite
from indaba.mls.errors import DecodeError, UsageError
from indaba.mls.psk import PreSharedKeyID
from indaba.mls.tree.leaf_node import LeafNode
from indaba.mls.tree.ratchet_tree import RatchetTree
from indaba.mls.tree.update_path import UpdatePath
from indaba.mls.wire.framing import AuthenticatedContent
from indaba.mls.wire.group_context import GroupContext
from indaba.mls.wire.key_package import KeyPackage
from indaba.mls.wire.message import MLSMessage
from indaba.mls.wire.proposals import Commit, ProposalOrRef, read_proposal, write_proposal
from indaba.mls.wire.welcome import GroupInfo, GroupSecrets

from .vectors import load, strip_encoding_caches


def _whole(read: Callable[[Reader], Any], write: Callable[[Writer, Any], None]) -> Any:
    def roundtrip(data: bytes) -> bytes:
        r = Reader(data)
        obj = read(r)
        r.done()
        strip_encoding_caches(obj)
        w = Writer()
        write(w, obj)
        return w.getvalue()

    return roundtrip


def _method(cls: Any) -> Callable[[bytes], bytes]:
    return _whole(cls.read, lambda w, o: o.write(w))  # type: ignore[no-any-return]


SUITE = cipher_suite(1)
DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "MLSMessage": _method(MLSMessage),
    "GroupContext": _method(GroupContext),
    "KeyPackage": _method(KeyPackage),
    "Commit": _method(Commit),
    "ProposalOrRef": _method(ProposalOrRef),
    "Proposal": _whole(read_proposal, write_proposal),
    "GroupSecrets": _method(GroupSecrets),
    "GroupInfo": _method(GroupInfo),
    "PreSharedKeyID": _method(PreSharedKeyID),
    "AuthenticatedContent": _method(AuthenticatedContent),
    "LeafNode": _method(LeafNode),
    "UpdatePath": _method(UpdatePath),
    "RatchetTree": lambda d: RatchetTree.decode(SUITE, d).encode(),
}

# Which messages.json fields seed which decoder.
SEEDS = {
    "MLSMessage": [
        "mls_welcome",
        "mls_group_info",
        "mls_key_package",
        "private_message",
        "public_message_commit",
        "public_message_proposal",
    ],
    "Commit": ["commit"],
    "GroupSecrets": ["group_secrets"],
    "RatchetTree": ["ratchet_tree"],
    "PreSharedKeyID": ["pre_shared_key_proposal"],
}


def _seeds(name: str) -> list[bytes]:
    try:
        cases = load("messages.json")[:3]
    except pytest.skip.Exception:
        return []
    return [c[field] for c in cases for field in SEEDS.get(name, [])]


def _mutated(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    random_bytes = st.binary(max_size=300)
    if not seeds:
        return random_bytes

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(1, 4))):
            op = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
            pos = draw(st.integers(0, max(0, len(data) - 1)))
            if op == "flip" and data:
                data[pos] ^= 1 << draw(st.integers(0, 7))
            elif op == "truncate":
                del data[pos:]
            elif op == "insert":
                data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
            elif data:
                del data[pos : pos + draw(st.integers(1, 4))]
        return bytes(data)

    return st.one_of(random_bytes, mutate())


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_decoder_parses_or_raises_decode_error(name: str) -> None:
    decode = DECODERS[name]

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutated(_seeds(name)))
    def run(data: bytes) -> None:
        try:
            out = decode(data)
        except DecodeError:
            return
        assert out == data, f"{name} is not canonical"

    run()


@given(st.integers(0, (1 << 30) - 1))
def test_varint_roundtrip(n: int) -> None:
    enc = encode_varint(n)
    assert decode_varint(enc) == (n, len(enc))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xc0", "0b11"),
        (b"\x40\x01", "non-minimal"),
        (b"\x80\x00\x00\x3f", "non-minimal"),
        (b"\x40", "truncated"),
        (b"\x05ab", "truncated opaque"),
    ],
)
def test_opaque_v_rejections(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        Reader(data).opaque_v()


def test_trailing_bytes_and_bad_optional() -> None:
    r = Reader(b"\x00\x01")
    assert r.u8() == 0
    with pytest.raises(DecodeError, match="trailing"):
        r.done()
    with pytest.raises(DecodeError, match="optional"):
        Reader(b"\x02").optional(Reader.u8)
    with pytest.raises(DecodeError, match="truncated uint16"):
        Reader(b"\x01\x00\x01").vector(Reader.u16)
    with pytest.raises(UsageError):
        encode_varint(1 << 30)
