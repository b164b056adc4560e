"""Pre-shared keys: PreSharedKeyID and the psk_secret chain (RFC 9420 §8.4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from .codec import Reader, Writer
from .crypto import CipherSuite
from .errors import DecodeError

__all__ = ["PSKType", "PreSharedKeyID", "ResumptionPSKUsage", "psk_secret"]


class PSKType(IntEnum):
    EXTERNAL = 1
    RESUMPTION = 2


class ResumptionPSKUsage(IntEnum):
    APPLICATION = 1
    REINIT = 2
    BRANCH = 3


@dataclass(frozen=True)
class PreSharedKeyID:
    """PreSharedKeyID (RFC 9420 §8.4): external (psk_id) or resumption (group, epoch)."""

    psktype: int
    psk_nonce: bytes
    psk_id: bytes = b""
    usage: int = 0
    psk_group_id: bytes = b""
    psk_epoch: int = 0

    @classmethod
    def external(cls, psk_id: bytes, psk_nonce: bytes) -> PreSharedKeyID:
        return cls(PSKType.EXTERNAL, psk_nonce, psk_id=psk_id)

    @classmethod
    def resumption(
        cls, usage: int, group_id: bytes, epoch: int, psk_nonce: bytes
    ) -> PreSharedKeyID:
        return cls(
            PSKType.RESUMPTION, psk_nonce, usage=usage, psk_group_id=group_id, psk_epoch=epoch
        )

    def write(self, w: Writer) -> None:
        w.u8(self.psktype)
        if self.psktype == PSKType.EXTERNAL:
            w.opaque_v(self.psk_id)
        else:
            w.u8(self.usage).opaque_v(self.psk_group_id).u64(self.psk_epoch)
        w.opaque_v(self.psk_nonce)

    @classmethod
    def read(cls, r: Reader) -> PreSharedKeyID:
        psktype = r.u8()
        if psktype == PSKType.EXTERNAL:
            psk_id = r.opaque_v()
            return cls(psktype, r.opaque_v(), psk_id=psk_id)
        if psktype == PSKType.RESUMPTION:
            usage = r.u8()
            if usage not in (1, 2, 3):
                raise DecodeError(f"unknown ResumptionPSKUsage {usage}")
            group_id = r.opaque_v()
            epoch = r.u64()
            return cls(psktype, r.opaque_v(), usage=usage, psk_group_id=group_id, psk_epoch=epoch)
        raise DecodeError(f"unknown PSKType {psktype}")

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()


def psk_secret(cs: CipherSuite, psks: Sequence[tuple[PreSharedKeyID, bytes]]) -> bytes:
    """psk_secret over the ordered PSK list (RFC 9420 §8.4); Nh zeros when empty."""
    secret = bytes(cs.Nh)
    count = len(psks)
    for index, (psk_id, psk) in enumerate(psks):
        extracted = cs.extract(b"", psk)
        label = Writer()
        psk_id.write(label)
        label.u16(index).u16(count)
        psk_input = cs.expand_with_label(extracted, b"derived psk", label.getvalue(), cs.Nh)
        secret = cs.extract(psk_input, secret)
    return secret
