"""TLS presentation-language codec with MLS variable-length vectors (RFC 9420 §2.1).

``Reader`` consumes a byte string strictly: fixed-width big-endian integers, opaque
fields, varint-prefixed vectors (§2.1.2, minimal encodings only, the ``0b11`` prefix
rejected), ``optional<T>``, and :meth:`Reader.done` refuses trailing bytes.  Every
failure raises :class:`~indaba.mls.errors.DecodeError` with a specific message.

``Writer`` is the mirror image; its methods return ``self`` so encodings chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from .errors import DecodeError, UsageError

__all__ = ["Reader", "Writer", "decode_varint", "encode_varint"]

T = TypeVar("T")

MAX_VARINT = (1 << 30) - 1


def encode_varint(n: int) -> bytes:
    """Encode a vector length as the RFC 9420 §2.1.2 variable-length integer."""
    if n < 0 or n > MAX_VARINT:
        raise UsageError(f"varint out of range: {n}")
    if n < 0x40:
        return bytes((n,))
    if n < 0x4000:
        return (n | 0x4000).to_bytes(2, "big")
    return (n | 0x80000000).to_bytes(4, "big")


def decode_varint(data: bytes, pos: int = 0, end: int | None = None) -> tuple[int, int]:
    """Decode an RFC 9420 §2.1.2 varint at ``pos``; return ``(value, new_pos)``."""
    if end is None:
        end = len(data)
    if pos >= end:
        raise DecodeError("truncated varint: no bytes left")
    first = data[pos]
    prefix = first >> 6
    if prefix == 0:
        return first, pos + 1
    if prefix == 3:
        raise DecodeError("invalid varint: 0b11 length prefix is reserved")
    size = 2 if prefix == 1 else 4
    if pos + size > end:
        raise DecodeError(f"truncated varint: need {size} bytes")
    value = int.from_bytes(data[pos : pos + size], "big") & (0x3FFF if size == 2 else 0x3FFFFFFF)
    if (size == 2 and value < 0x40) or (size == 4 and value < 0x4000):
        raise DecodeError("invalid varint: non-minimal encoding")
    return value, pos + size


class Reader:
    """Strict cursor over a byte string."""

    __slots__ = ("_data", "_end", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0
        self._end = len(self._data)

    def _take(self, n: int, what: str) -> bytes:
        pos = self._pos
        if n < 0 or pos + n > self._end:
            raise DecodeError(f"truncated {what}: need {n} bytes, have {self._end - pos}")
        self._pos = pos + n
        return self._data[pos : pos + n]

    def tell(self) -> int:
        """The current offset (to slice out a struct's exact bytes with :meth:`since`)."""
        return self._pos

    def since(self, start: int) -> bytes:
        """The bytes consumed since offset ``start``."""
        return self._data[start : self._pos]

    def remaining(self) -> int:
        return self._end - self._pos

    def done(self) -> None:
        """Raise DecodeError unless every byte has been consumed."""
        if self._pos != self._end:
            raise DecodeError(f"{self._end - self._pos} trailing bytes")

    def u8(self) -> int:
        if self._pos >= self._end:
            raise DecodeError("truncated uint8")
        v = self._data[self._pos]
        self._pos += 1
        return v

    def u16(self) -> int:
        return int.from_bytes(self._take(2, "uint16"), "big")

    def u32(self) -> int:
        return int.from_bytes(self._take(4, "uint32"), "big")

    def u64(self) -> int:
        return int.from_bytes(self._take(8, "uint64"), "big")

    def opaque(self, n: int) -> bytes:
        """A fixed-length ``opaque[n]``."""
        return self._take(n, f"opaque[{n}]")

    def varint(self) -> int:
        value, self._pos = decode_varint(self._data, self._pos, self._end)
        return value

    def opaque_v(self) -> bytes:
        """A variable-length ``opaque<V>`` (RFC 9420 §2.1.2)."""
        n = self.varint()
        return self._take(n, "opaque<V>")

    def vector(self, read_item: Callable[[Reader], T]) -> list[T]:
        """A ``T items<V>``: byte-length prefix, then items until exactly consumed."""
        n = self.varint()
        if n > self._end - self._pos:
            raise DecodeError(f"truncated vector: need {n} bytes, have {self._end - self._pos}")
        end = self._pos + n
        saved_end = self._end
        self._end = end
        try:
            items: list[T] = []
            while self._pos < end:
                items.append(read_item(self))
        finally:
            self._end = saved_end
        if self._pos != end:
            raise DecodeError("vector items overran the vector length")
        return items

    def optional(self, read_item: Callable[[Reader], T]) -> T | None:
        """An ``optional<T>``: presence byte 0 or 1, then the item."""
        flag = self.u8()
        if flag == 0:
            return None
        if flag != 1:
            raise DecodeError(f"invalid optional presence byte {flag}")
        return read_item(self)

    def boolean(self) -> bool:
        flag = self.u8()
        if flag > 1:
            raise DecodeError(f"invalid bool {flag}")
        return flag == 1


class Writer:
    """Append-only encoder; every method returns ``self``."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def getvalue(self) -> bytes:
        return b"".join(self._parts)

    def raw(self, b: bytes) -> Writer:
        self._parts.append(bytes(b))
        return self

    def u8(self, v: int) -> Writer:
        self._parts.append(v.to_bytes(1, "big"))
        return self

    def u16(self, v: int) -> Writer:
        self._parts.append(v.to_bytes(2, "big"))
        return self

    def u32(self, v: int) -> Writer:
        self._parts.append(v.to_bytes(4, "big"))
        return self

    def u64(self, v: int) -> Writer:
        self._parts.append(v.to_bytes(8, "big"))
        return self

    def boolean(self, v: bool) -> Writer:
        self._parts.append(b"\x01" if v else b"\x00")
        return self

    def opaque(self, b: bytes) -> Writer:
        """A fixed-length opaque: the bytes, no prefix."""
        self._parts.append(bytes(b))
        return self

    def opaque_v(self, b: bytes) -> Writer:
        self._parts.append(encode_varint(len(b)))
        self._parts.append(bytes(b))
        return self

    def vector(self, items: Iterable[T], write_item: Callable[[Writer, T], object]) -> Writer:
        inner = Writer()
        for item in items:
            write_item(inner, item)
        return self.opaque_v(inner.getvalue())

    def optional(self, item: T | None, write_item: Callable[[Writer, T], object]) -> Writer:
        if item is None:
            self._parts.append(b"\x00")
        else:
            self._parts.append(b"\x01")
            write_item(self, item)
        return self
