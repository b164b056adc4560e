"""Group.process fed mutated messages raises only MLSError subclasses (never a crash),
and never changes the epoch without an explicit merge."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indaba.mls.errors import MLSError
from indaba.mls.group import Group, GroupConfig, join_from_welcome

from .group_helpers import Cluster, identity_bundle


def _scenario(private: bool) -> tuple[Group, list[bytes]]:
    cl = Cluster.start(1, config=GroupConfig(encrypt_handshake=private))
    cl.add("m0", "m1", "m2")
    sender = cl.members["m1"]
    messages = [
        sender.encrypt(b"hello"),
        sender.propose_update(),
        sender.propose_add(identity_bundle(cl.cs, "x").key_package),
        sender.commit().commit,
        sender.commit(add=[identity_bundle(cl.cs, "y").key_package]).commit,
        sender.group_info(),
    ]
    return cl.members["m2"], messages


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
def test_process_mutated_messages(private: bool) -> None:
    receiver, messages = _scenario(private)
    snapshot = receiver.to_bytes()

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(messages)))
        for _ in range(draw(st.integers(0, 3))):
            op = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
            pos = draw(st.integers(0, max(0, len(data) - 1)))
            if op == "flip" and data:
                data[pos] ^= 1 << draw(st.integers(0, 7))
            elif op == "truncate":
                del data[pos:]
            elif op == "insert":
                data[pos:pos] = draw(st.binary(min_size=1, max_size=3))
            elif data:
                del data[pos : pos + draw(st.integers(1, 3))]
        return bytes(data)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated())
    def run(data: bytes) -> None:
        g = Group.from_bytes(snapshot)
        with contextlib.suppress(MLSError):
            g.process(data)
        assert g.epoch == receiver.epoch

    run()


def test_join_from_mutated_welcome() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1")
    bundle = identity_bundle(cl.cs, "joiner")
    out = cl.members["m0"].commit(add=[bundle.key_package])
    assert out.welcome is not None
    welcome = out.welcome

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, len(welcome) - 1), st.integers(0, 7), st.booleans())
    def run(pos: int, bit: int, truncate: bool) -> None:
        data = bytearray(welcome)
        if truncate:
            del data[pos:]
        else:
            data[pos] ^= 1 << bit
        with contextlib.suppress(MLSError):
            join_from_welcome(bytes(data), bundle)

    run()


def test_restore_from_mutated_state_raises_only_decode_errors() -> None:
    receiver, messages = _scenario(True)
    receiver.process(messages[0])
    blob = receiver.to_bytes()

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, len(blob) - 1), st.integers(0, 7), st.booleans())
    def run(pos: int, bit: int, truncate: bool) -> None:
        data = bytearray(blob)
        if truncate:
            del data[pos:]
        else:
            data[pos] ^= 1 << bit
        with contextlib.suppress(MLSError):
            Group.from_bytes(bytes(data))

    run()
