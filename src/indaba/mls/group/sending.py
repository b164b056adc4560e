"""Framing our own handshake and application messages (RFC 9420 §6)."""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..framing import protect_private, protect_public, sign_content
from ..wire.framing import (
    AuthenticatedContent,
    Content,
    ContentType,
    FramedContent,
    FramedContentAuthData,
    Sender,
    WireFormat,
)
from ..wire.message import MLSMessage

if TYPE_CHECKING:
    from .group import Group

__all__ = ["frame", "protect", "send"]

Random = Callable[[int], bytes]


def frame(
    g: Group,
    content_type: ContentType,
    body: Content,
    *,
    authenticated_data: bytes = b"",
    wire_format: WireFormat,
) -> tuple[FramedContent, bytes]:
    """FramedContent from us in the current epoch, and its signature."""
    s = g.state
    content = FramedContent(
        s.group_id, s.epoch, Sender.member(s.own_leaf), authenticated_data, content_type, body
    )
    sig = sign_content(s.cs, s.signature_priv, wire_format, content, s.context_bytes)
    return content, sig


def protect(g: Group, ac: AuthenticatedContent, *, random: Random = _secrets.token_bytes) -> bytes:
    """Encode ``ac`` as an MLSMessage in its wire format."""
    s = g.state
    if ac.wire_format == WireFormat.PUBLIC_MESSAGE:
        msg = protect_public(s.cs, ac, s.secrets.membership_key, s.context_bytes)
        return MLSMessage(msg).encode()
    padding = 0
    block = g.config.padding_block
    if block:
        size = len(ac.content.encode())
        padding = (-size) % block
    enc = protect_private(
        s.cs,
        ac,
        g.secret_tree,
        s.secrets.sender_data_secret,
        padding=padding,
        reuse_guard=random(4),
    )
    return MLSMessage(enc).encode()


def send(
    g: Group,
    content_type: ContentType,
    body: Content,
    *,
    authenticated_data: bytes = b"",
    wire_format: WireFormat,
    random: Random = _secrets.token_bytes,
) -> tuple[AuthenticatedContent, bytes]:
    """Sign and protect a non-commit message; returns the AuthenticatedContent and bytes."""
    content, sig = frame(
        g, content_type, body, authenticated_data=authenticated_data, wire_format=wire_format
    )
    ac = AuthenticatedContent(wire_format, content, FramedContentAuthData(sig))
    return ac, protect(g, ac, random=random)
