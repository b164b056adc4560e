"""deserialization.json: RFC 9420 §2.1.2 variable-length vector headers."""

from __future__ import annotations

from typing import Any

import pytest

from indaba.mls.codec import Reader, decode_varint, encode_varint
from indaba.mls.errors import DecodeError

from .vectors import cases


@pytest.mark.parametrize("case", cases("deserialization.json"))
def test_vlbytes_header(case: dict[str, Any]) -> None:
    header: bytes = case["vlbytes_header"]
    length: int = case["length"]
    assert decode_varint(header) == (length, len(header)), "length mismatch"
    assert encode_varint(length) == header, "re-encoding is not minimal"
    if length <= 1 << 16:
        r = Reader(header + bytes(length))
        assert r.opaque_v() == bytes(length)
        r.done()
    else:  # do not allocate a gigabyte: a short body must be refused as truncated
        with pytest.raises(DecodeError, match="truncated"):
            Reader(header + bytes(16)).opaque_v()
