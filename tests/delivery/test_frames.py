"""The gateway's binary frames: strict parsing, clear refusals, fuzzed."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indaba.delivery.errors import Reason, Rejection
from indaba.delivery.frames import (
    ClientFrame,
    FrameKind,
    decode_entries,
    encode_entries,
    parse_client_frame,
    peek_ref,
)


def test_round_trips() -> None:
    for frame in (
        ClientFrame(FrameKind.MESSAGE, 7, b"mls"),
        ClientFrame(FrameKind.COMMIT, 8, b"commit", b"info"),
        ClientFrame(FrameKind.CREATE, 9, b"", b"info"),
    ):
        assert parse_client_frame(frame.encode(), 1000) == frame
    assert ClientFrame(FrameKind.MESSAGE, 0x01020304, b"x").encode() == b"\x01\x01\x02\x03\x04x"
    commit = ClientFrame(FrameKind.COMMIT, 1, b"ab", b"cd").encode()
    assert commit == b"\x02\x00\x00\x00\x01" + b"\x00\x00\x00\x02ab" + b"cd"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", Reason.MALFORMED),
        (b"\x01\x00\x00\x00\x01", Reason.MALFORMED),  # header only
        (b"\x09\x00\x00\x00\x01x", Reason.MALFORMED),  # unknown kind
        (b"\x02\x00\x00\x00\x01\x00\x00", Reason.MALFORMED),  # no commit length
        (b"\x02\x00\x00\x00\x01\x00\x00\x00\x09ab", Reason.MALFORMED),  # commit overruns
        (b"\x02\x00\x00\x00\x01\x00\x00\x00\x02ab", Reason.MALFORMED),  # no GroupInfo
        (b"\x01\x00\x00\x00\x01" + b"x" * 100, Reason.FRAME_TOO_LARGE),
    ],
)
def test_refusals_name_the_problem(data: bytes, reason: Reason) -> None:
    with pytest.raises(Rejection) as caught:
        parse_client_frame(data, 64)
    assert caught.value.rejected.reason == reason
    assert caught.value.rejected.message


def test_peek_ref_reads_the_header_of_a_broken_frame() -> None:
    assert peek_ref(b"\x09\x00\x00\x01\x00") == 256
    assert peek_ref(b"\x01") is None


@given(st.binary(max_size=64))
def test_parsing_never_raises_anything_but_a_rejection(data: bytes) -> None:
    with contextlib.suppress(Rejection):
        parse_client_frame(data, 48)


@given(st.lists(st.tuples(st.integers(1, 2**63), st.binary(max_size=40)), min_size=1, max_size=8))
def test_entries_round_trip(entries: list[tuple[int, bytes]]) -> None:
    assert decode_entries(encode_entries(entries)) == entries


def test_broken_server_frames_are_refused() -> None:
    with pytest.raises(ValueError):
        decode_entries(b"")
    with pytest.raises(ValueError):
        decode_entries(encode_entries([(1, b"abc")])[:-1])
