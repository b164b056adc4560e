"""deserialization.json: RFC 9420 §2.1.2 variable-length vector headers."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.codec import Reader, decode_varint, encode_varint

from .vectors import cases


@pytest.mark.parametrize("case", cases("deserialization.json"))
def test_vlbytes_header(case: dict[str, Any]) -> None:
    header: bytes = case["vlbytes_header"]
    length: int = case["length"]
    assert decode_varint(header) == (length, len(header)), "length mismatch"
    assert encode_varint(length) == header, "re-encoding is not minimal"
    r = Reader(header + bytes(length))
    assert r.opaque_v() == bytes(length)
    r.done()
