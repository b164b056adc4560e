"""Decoder fuzz for the ratchet-tree structs: arbitrary bytes either parse or raise
DecodeError, nothing else; valid encodings round-trip."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indaba.mls.codec import Reader
from indaba.mls.crypto import cipher_suite
from indaba.mls.errors import DecodeError
from indaba.mls.tree import (
    Capabilities,
    Credential,
    LeafNode,
    ParentNode,
    RatchetTree,
    TreeKEMPrivate,
    UpdatePath,
)
from indaba.mls.tree.nodes import read_node

from .vectors import load

SUITE = cipher_suite(1)


def _strict(read: Callable[[Reader], Any]) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        r = Reader(data)
        value = read(r)
        r.done()
        return value

    return decode


DECODERS: dict[str, Callable[[bytes], Any]] = {
    "LeafNode": LeafNode.decode,
    "ParentNode": _strict(ParentNode.read),
    "Node": _strict(read_node),
    "Credential": _strict(Credential.read),
    "Capabilities": _strict(Capabilities.read),
    "UpdatePath": UpdatePath.decode,
    "RatchetTree": lambda data: RatchetTree.decode(SUITE, data),
    "TreeKEMPrivate": lambda data: TreeKEMPrivate.decode(SUITE, data),
}


def _samples() -> list[bytes]:
    """Valid encodings to mutate: trees and update paths from the suite-1 vectors."""
    out: list[bytes] = []
    for case in load("treekem.json")[:3]:
        out.append(case["ratchet_tree"])
        out.extend(p["update_path"] for p in case["update_paths"][:2])
    for case in load("tree-validation.json")[:3]:
        out.append(case["tree"])
    return out


def _check(name: str, data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        DECODERS[name](data)


@pytest.mark.parametrize("name", sorted(DECODERS))
@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    _check(name, data)


@pytest.mark.parametrize("name", sorted(DECODERS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pick=st.integers(0, 100),
    cuts=st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), min_size=1, max_size=4),
    trunc=st.integers(0, 2**20),
)
def test_mutated_valid_encodings(
    name: str, pick: int, cuts: list[tuple[int, int]], trunc: int
) -> None:
    """Flip bytes inside real trees and paths, and truncate them."""
    samples = _samples()
    data = bytearray(samples[pick % len(samples)])
    for pos, value in cuts:
        data[pos % len(data)] = value
    _check(name, bytes(data))
    _check(name, bytes(data[: trunc % (len(data) + 1)]))


def test_valid_encodings_round_trip() -> None:
    for case in load("treekem.json")[:3]:
        tree = RatchetTree.decode(SUITE, case["ratchet_tree"])
        assert tree.encode() == case["ratchet_tree"]
        for p in case["update_paths"]:
            assert UpdatePath.decode(p["update_path"]).encode() == p["update_path"]
        for _, leaf in tree.leaves():
            assert LeafNode.decode(leaf.encode()) == leaf
