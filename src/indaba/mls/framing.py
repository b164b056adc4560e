"""Message protection (RFC 9420 §6): signing, membership tags, PrivateMessage encryption.

Outbound: build a :class:`FramedContent`, sign it (:func:`sign_content`), then either
wrap it as a PublicMessage with a membership tag (:func:`protect_public`) or encrypt
it into a PrivateMessage (:func:`protect_private`).  Inbound is the mirror image; the
caller looks up the sender's signature key in the tree and calls
:func:`verify_content`.

PrivateMessage layout (§6.3)::

    sender data  = AEAD(sender_data_key(sample), SenderData{leaf, generation, guard})
    ciphertext   = AEAD(ratchet key[generation], nonce[generation] XOR guard,
                        PrivateMessageContent{body, auth, zero padding})

where ``sample`` is the first Nh bytes of ``ciphertext``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .codec import Reader, Writer
from .crypto import CipherSuite
from .errors import CryptoError, DecodeError, UsageError, ValidationError
from .secret_tree import RatchetKind, SecretTree, sender_data_key_nonce
from .wire.framing import (
    AuthenticatedContent,
    ContentType,
    FramedContent,
    FramedContentAuthData,
    PrivateMessage,
    PublicMessage,
    Sender,
    SenderType,
    WireFormat,
    framed_content_tbs,
    read_content_body,
    write_content_body,
)

__all__ = [
    "membership_tag",
    "protect_private",
    "protect_public",
    "sign_content",
    "unprotect_private",
    "unprotect_public",
    "verify_content",
]


def sign_content(
    cs: CipherSuite,
    signature_priv: bytes,
    wire_format: WireFormat,
    content: FramedContent,
    group_context: bytes | None,
) -> bytes:
    """SignWithLabel(., "FramedContentTBS", FramedContentTBS) (§6.1)."""
    tbs = framed_content_tbs(wire_format, content, group_context)
    return cs.sign_with_label(signature_priv, b"FramedContentTBS", tbs)


def verify_content(
    cs: CipherSuite, signature_key: bytes, ac: AuthenticatedContent, group_context: bytes | None
) -> bool:
    """VerifyWithLabel(., "FramedContentTBS", FramedContentTBS, signature) (§6.1)."""
    tbs = framed_content_tbs(ac.wire_format, ac.content, group_context)
    return cs.verify_with_label(signature_key, b"FramedContentTBS", tbs, ac.auth.signature)


def membership_tag(
    cs: CipherSuite, membership_key: bytes, ac: AuthenticatedContent, group_context: bytes
) -> bytes:
    """MAC(membership_key, AuthenticatedContentTBM) (§6.2)."""
    w = Writer().raw(framed_content_tbs(WireFormat.PUBLIC_MESSAGE, ac.content, group_context))
    ac.auth.write(w, ac.content.content_type)
    return cs.mac(membership_key, w.getvalue())


def protect_public(
    cs: CipherSuite,
    ac: AuthenticatedContent,
    membership_key: bytes | None,
    group_context: bytes,
) -> PublicMessage:
    """Wrap signed content as a PublicMessage, tagging member senders (§6.2)."""
    if ac.wire_format != WireFormat.PUBLIC_MESSAGE:
        raise UsageError("content was signed for another wire format")
    tag = None
    if ac.content.sender.sender_type == SenderType.MEMBER:
        if membership_key is None:
            raise UsageError("a member's PublicMessage needs the membership key")
        tag = membership_tag(cs, membership_key, ac, group_context)
    return PublicMessage(ac.content, ac.auth, tag)


def unprotect_public(
    cs: CipherSuite,
    msg: PublicMessage,
    membership_key: bytes | None,
    group_context: bytes,
) -> AuthenticatedContent:
    """Check the membership tag of a member's PublicMessage (§6.2); signature is separate."""
    ac = AuthenticatedContent(WireFormat.PUBLIC_MESSAGE, msg.content, msg.auth)
    if msg.content.sender.sender_type == SenderType.MEMBER:
        if membership_key is None or msg.membership_tag is None:
            raise ValidationError("member PublicMessage without a membership tag")
        expected = membership_tag(cs, membership_key, ac, group_context)
        if not _equal(expected, msg.membership_tag):
            raise CryptoError("membership tag does not verify", reason="bad_membership_tag")
    return ac


def _equal(a: bytes, b: bytes) -> bool:
    import hmac

    return hmac.compare_digest(a, b)


def _kind(content_type: ContentType) -> RatchetKind:
    return (
        RatchetKind.APPLICATION
        if content_type == ContentType.APPLICATION
        else (RatchetKind.HANDSHAKE)
    )


def _content_aad(group_id: bytes, epoch: int, ct: ContentType, authenticated_data: bytes) -> bytes:
    return Writer().opaque_v(group_id).u64(epoch).u8(ct).opaque_v(authenticated_data).getvalue()


def _sender_data_aad(group_id: bytes, epoch: int, ct: ContentType) -> bytes:
    return Writer().opaque_v(group_id).u64(epoch).u8(ct).getvalue()


def _guarded(nonce: bytes, reuse_guard: bytes) -> bytes:
    head = bytes(a ^ b for a, b in zip(nonce[:4], reuse_guard, strict=True))
    return head + nonce[4:]


def protect_private(
    cs: CipherSuite,
    ac: AuthenticatedContent,
    secret_tree: SecretTree,
    sender_data_secret: bytes,
    *,
    padding: int = 0,
    reuse_guard: bytes | None = None,
) -> PrivateMessage:
    """Encrypt signed content from a member into a PrivateMessage (§6.3)."""
    content = ac.content
    if ac.wire_format != WireFormat.PRIVATE_MESSAGE:
        raise UsageError("content was signed for another wire format")
    if content.sender.sender_type != SenderType.MEMBER:
        raise UsageError("only members can send PrivateMessage")
    leaf = content.sender.index
    ratchet = secret_tree.next_key(leaf, _kind(content.content_type))
    guard = os.urandom(4) if reuse_guard is None else reuse_guard
    w = Writer()
    write_content_body(w, content.content_type, content.content)
    ac.auth.write(w, content.content_type)
    w.raw(bytes(padding))
    aad = _content_aad(
        content.group_id, content.epoch, content.content_type, content.authenticated_data
    )
    ciphertext = cs.aead_encrypt(ratchet.key, _guarded(ratchet.nonce, guard), aad, w.getvalue())
    sender_data = Writer().u32(leaf).u32(ratchet.generation).opaque(guard).getvalue()
    sd_key, sd_nonce = sender_data_key_nonce(cs, sender_data_secret, ciphertext)
    encrypted_sender_data = cs.aead_encrypt(
        sd_key,
        sd_nonce,
        _sender_data_aad(content.group_id, content.epoch, content.content_type),
        sender_data,
    )
    return PrivateMessage(
        content.group_id,
        content.epoch,
        content.content_type,
        content.authenticated_data,
        encrypted_sender_data,
        ciphertext,
    )


@dataclass(frozen=True)
class SenderData:
    leaf_index: int
    generation: int
    reuse_guard: bytes


def decrypt_sender_data(
    cs: CipherSuite, msg: PrivateMessage, sender_data_secret: bytes
) -> SenderData:
    """Decrypt and parse SenderData (§6.3.2)."""
    sd_key, sd_nonce = sender_data_key_nonce(cs, sender_data_secret, msg.ciphertext)
    aad = _sender_data_aad(msg.group_id, msg.epoch, msg.content_type)
    plain = cs.aead_decrypt(sd_key, sd_nonce, aad, msg.encrypted_sender_data)
    r = Reader(plain)
    sd = SenderData(r.u32(), r.u32(), r.opaque(4))
    r.done()
    return sd


def unprotect_private(
    cs: CipherSuite,
    msg: PrivateMessage,
    secret_tree: SecretTree,
    sender_data_secret: bytes,
) -> AuthenticatedContent:
    """Decrypt a PrivateMessage (§6.3); the caller then verifies the signature."""
    sd = decrypt_sender_data(cs, msg, sender_data_secret)
    ratchet = secret_tree.key_for(sd.leaf_index, _kind(msg.content_type), sd.generation)
    aad = _content_aad(msg.group_id, msg.epoch, msg.content_type, msg.authenticated_data)
    plain = cs.aead_decrypt(
        ratchet.key, _guarded(ratchet.nonce, sd.reuse_guard), aad, msg.ciphertext
    )
    r = Reader(plain)
    body = read_content_body(r, msg.content_type)
    auth = FramedContentAuthData.read(r, msg.content_type)
    if any(r.opaque(r.remaining())):
        raise DecodeError("PrivateMessageContent padding is not all zero")
    content = FramedContent(
        msg.group_id,
        msg.epoch,
        Sender.member(sd.leaf_index),
        msg.authenticated_data,
        msg.content_type,
        body,
    )
    return AuthenticatedContent(WireFormat.PRIVATE_MESSAGE, content, auth)
