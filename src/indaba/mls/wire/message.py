"""MLSMessage, the top-level envelope (RFC 9420 §6)."""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import Reader, Writer
from ..errors import DecodeError
from .framing import PrivateMessage, PublicMessage, WireFormat
from .group_context import PROTOCOL_VERSION
from .key_package import KeyPackage
from .welcome import GroupInfo, Welcome

__all__ = ["MLSMessage", "MessageBody"]

MessageBody = PublicMessage | PrivateMessage | Welcome | GroupInfo | KeyPackage

_WIRE_FORMATS: dict[type, WireFormat] = {
    PublicMessage: WireFormat.PUBLIC_MESSAGE,
    PrivateMessage: WireFormat.PRIVATE_MESSAGE,
    Welcome: WireFormat.WELCOME,
    GroupInfo: WireFormat.GROUP_INFO,
    KeyPackage: WireFormat.KEY_PACKAGE,
}


@dataclass(frozen=True)
class MLSMessage:
    """``struct { ProtocolVersion version; WireFormat wire_format; select ... } MLSMessage``."""

    body: MessageBody
    version: int = PROTOCOL_VERSION

    @property
    def wire_format(self) -> WireFormat:
        return _WIRE_FORMATS[type(self.body)]

    def write(self, w: Writer) -> None:
        w.u16(self.version).u16(self.wire_format)
        self.body.write(w)

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def read(cls, r: Reader) -> MLSMessage:
        version = r.u16()
        if version != PROTOCOL_VERSION:
            raise DecodeError(f"unsupported protocol version {version}")
        wf = r.u16()
        body: MessageBody
        if wf == WireFormat.PUBLIC_MESSAGE:
            body = PublicMessage.read(r)
        elif wf == WireFormat.PRIVATE_MESSAGE:
            body = PrivateMessage.read(r)
        elif wf == WireFormat.WELCOME:
            body = Welcome.read(r)
        elif wf == WireFormat.GROUP_INFO:
            body = GroupInfo.read(r)
        elif wf == WireFormat.KEY_PACKAGE:
            body = KeyPackage.read(r)
        else:
            raise DecodeError(f"unknown wire format {wf}")
        return cls(body, version)

    @classmethod
    def decode(cls, data: bytes) -> MLSMessage:
        r = Reader(data)
        msg = cls.read(r)
        r.done()
        return msg
