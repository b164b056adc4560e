"""Framing structs (RFC 9420 §6): Sender, FramedContent, auth data, Public/PrivateMessage.

These are pure data with strict codecs; protection (signatures, membership tags,
encryption) lives in :mod:`indaba.mls.framing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from ..codec import Reader, Writer
from ..errors import DecodeError
from .group_context import GroupContext
from .proposals import Commit, Proposal, read_proposal, write_proposal

__all__ = [
    "AuthenticatedContent",
    "ContentType",
    "FramedContent",
    "FramedContentAuthData",
    "PrivateMessage",
    "PublicMessage",
    "Sender",
    "SenderType",
    "WireFormat",
    "framed_content_tbs",
    "read_content_body",
    "write_content_body",
]


class WireFormat(IntEnum):
    """RFC 9420 §17.2 (well, §6 and §17.8)."""

    PUBLIC_MESSAGE = 1
    PRIVATE_MESSAGE = 2
    WELCOME = 3
    GROUP_INFO = 4
    KEY_PACKAGE = 5


class ContentType(IntEnum):
    APPLICATION = 1
    PROPOSAL = 2
    COMMIT = 3


class SenderType(IntEnum):
    MEMBER = 1
    EXTERNAL = 2
    NEW_MEMBER_PROPOSAL = 3
    NEW_MEMBER_COMMIT = 4


def _content_type(value: int) -> ContentType:
    try:
        return ContentType(value)
    except ValueError:
        raise DecodeError(f"unknown content type {value}") from None


@dataclass(frozen=True)
class Sender:
    """Who sent a message (§6): a member leaf, an external sender index, or a new member."""

    sender_type: SenderType
    index: int = 0  # leaf_index for members, sender_index for external senders

    @classmethod
    def member(cls, leaf_index: int) -> Sender:
        return cls(SenderType.MEMBER, leaf_index)

    def write(self, w: Writer) -> None:
        w.u8(self.sender_type)
        if self.sender_type in (SenderType.MEMBER, SenderType.EXTERNAL):
            w.u32(self.index)

    @classmethod
    def read(cls, r: Reader) -> Sender:
        t = r.u8()
        try:
            st = SenderType(t)
        except ValueError:
            raise DecodeError(f"unknown sender type {t}") from None
        if st in (SenderType.MEMBER, SenderType.EXTERNAL):
            return cls(st, r.u32())
        return cls(st)


Content = bytes | Proposal | Commit


def write_content_body(w: Writer, content_type: ContentType, body: Content) -> None:
    if content_type == ContentType.APPLICATION:
        assert isinstance(body, bytes)
        w.opaque_v(body)
    elif content_type == ContentType.PROPOSAL:
        assert not isinstance(body, (bytes, Commit))
        write_proposal(w, body)
    else:
        assert isinstance(body, Commit)
        body.write(w)


def read_content_body(r: Reader, content_type: ContentType) -> Content:
    if content_type == ContentType.APPLICATION:
        return r.opaque_v()
    if content_type == ContentType.PROPOSAL:
        return read_proposal(r)
    return Commit.read(r)


@dataclass(frozen=True)
class FramedContent:
    """The authenticated body of a handshake or application message (§6)."""

    group_id: bytes
    epoch: int
    sender: Sender
    authenticated_data: bytes
    content_type: ContentType
    content: Content = field(repr=False)

    def write(self, w: Writer) -> None:
        w.opaque_v(self.group_id).u64(self.epoch)
        self.sender.write(w)
        w.opaque_v(self.authenticated_data).u8(self.content_type)
        write_content_body(w, self.content_type, self.content)

    def encode(self) -> bytes:
        cached: bytes | None = self.__dict__.get("_encoded")
        if cached is None:
            w = Writer()
            self.write(w)
            cached = w.getvalue()
            object.__setattr__(self, "_encoded", cached)
        return cached

    @classmethod
    def read(cls, r: Reader) -> FramedContent:
        start = r.tell()
        group_id = r.opaque_v()
        epoch = r.u64()
        sender = Sender.read(r)
        aad = r.opaque_v()
        ct = _content_type(r.u8())
        content = cls(group_id, epoch, sender, aad, ct, read_content_body(r, ct))
        # The codec is canonical, so the bytes read are the encoding: keep them.
        object.__setattr__(content, "_encoded", r.since(start))
        return content


@dataclass(frozen=True)
class FramedContentAuthData:
    """signature, plus confirmation_tag for commits (§6.1)."""

    signature: bytes
    confirmation_tag: bytes | None = None

    def write(self, w: Writer, content_type: ContentType) -> None:
        w.opaque_v(self.signature)
        if content_type == ContentType.COMMIT:
            assert self.confirmation_tag is not None
            w.opaque_v(self.confirmation_tag)

    @classmethod
    def read(cls, r: Reader, content_type: ContentType) -> FramedContentAuthData:
        sig = r.opaque_v()
        tag = r.opaque_v() if content_type == ContentType.COMMIT else None
        return cls(sig, tag)


def framed_content_tbs(
    wire_format: WireFormat, content: FramedContent, context: GroupContext | bytes | None
) -> bytes:
    """FramedContentTBS (§6.1); ``context`` is needed for member/new-member-commit senders."""
    w = Writer().u16(1).u16(wire_format).raw(content.encode())
    if content.sender.sender_type in (SenderType.MEMBER, SenderType.NEW_MEMBER_COMMIT):
        if context is None:
            raise ValueError("FramedContentTBS needs the GroupContext for this sender")
        w.raw(context if isinstance(context, bytes) else context.encode())
    return w.getvalue()


@dataclass(frozen=True)
class AuthenticatedContent:
    """FramedContent with its wire format and auth data (§6.1)."""

    wire_format: WireFormat
    content: FramedContent
    auth: FramedContentAuthData

    def write(self, w: Writer) -> None:
        w.u16(self.wire_format).raw(self.content.encode())
        self.auth.write(w, self.content.content_type)

    def encode(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def read(cls, r: Reader) -> AuthenticatedContent:
        wf = r.u16()
        if wf not in (WireFormat.PUBLIC_MESSAGE, WireFormat.PRIVATE_MESSAGE):
            raise DecodeError(f"wire format {wf} cannot carry FramedContent")
        content = FramedContent.read(r)
        return cls(WireFormat(wf), content, FramedContentAuthData.read(r, content.content_type))

    @classmethod
    def decode(cls, data: bytes) -> AuthenticatedContent:
        r = Reader(data)
        ac = cls.read(r)
        r.done()
        return ac

    def confirmed_transcript_hash_input(self) -> bytes:
        """ConfirmedTranscriptHashInput: wire_format, content, signature (§8.2)."""
        return (
            Writer()
            .u16(self.wire_format)
            .raw(self.content.encode())
            .opaque_v(self.auth.signature)
            .getvalue()
        )


@dataclass(frozen=True)
class PublicMessage:
    """A signed, optionally membership-tagged plaintext message (§6.2)."""

    content: FramedContent
    auth: FramedContentAuthData
    membership_tag: bytes | None = None

    def write(self, w: Writer) -> None:
        w.raw(self.content.encode())
        self.auth.write(w, self.content.content_type)
        if self.content.sender.sender_type == SenderType.MEMBER:
            assert self.membership_tag is not None
            w.opaque_v(self.membership_tag)

    @classmethod
    def read(cls, r: Reader) -> PublicMessage:
        content = FramedContent.read(r)
        auth = FramedContentAuthData.read(r, content.content_type)
        tag = r.opaque_v() if content.sender.sender_type == SenderType.MEMBER else None
        return cls(content, auth, tag)


@dataclass(frozen=True)
class PrivateMessage:
    """An encrypted message (§6.3)."""

    group_id: bytes
    epoch: int
    content_type: ContentType
    authenticated_data: bytes
    encrypted_sender_data: bytes
    ciphertext: bytes

    def write(self, w: Writer) -> None:
        w.opaque_v(self.group_id).u64(self.epoch).u8(self.content_type)
        w.opaque_v(self.authenticated_data).opaque_v(self.encrypted_sender_data)
        w.opaque_v(self.ciphertext)

    @classmethod
    def read(cls, r: Reader) -> PrivateMessage:
        group_id = r.opaque_v()
        epoch = r.u64()
        ct = _content_type(r.u8())
        return cls(group_id, epoch, ct, r.opaque_v(), r.opaque_v(), r.opaque_v())
