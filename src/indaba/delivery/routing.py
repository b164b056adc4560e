"""What the service reads from an MLS message: only what routing and admission need.

From a PrivateMessage (RFC 9420 §6.3) that is its clear header: group id, epoch and
content type.  From a PublicMessage (§6.2) also the sender (a leaf index, or "new
member" for an external commit, whose joining leaf's credential identity the service
checks against the authenticated member).  From a GroupInfo (§12.4.3) the group id,
epoch, cipher suite, whether it carries ``external_pub``, and the credential identities
of the ratchet tree's leaves -- the roster of key holders.  Nothing else is decoded;
application data is never decrypted (the service has no keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from indaba.delivery.errors import Reason, Rejection
from indaba.mls.crypto import SUPPORTED_SUITES, cipher_suite
from indaba.mls.errors import MLSError
from indaba.mls.tree.ratchet_tree import RatchetTree
from indaba.mls.wire.framing import (
    ContentType,
    PrivateMessage,
    PublicMessage,
    SenderType,
    WireFormat,
)
from indaba.mls.wire.message import MLSMessage
from indaba.mls.wire.proposals import Commit
from indaba.mls.wire.welcome import GroupInfo

EXT_RATCHET_TREE = 2
EXT_EXTERNAL_PUB = 4


@dataclass(frozen=True)
class Routing:
    """The clear fields of one handshake or application message."""

    group_id: bytes
    epoch: int
    content_type: ContentType
    wire_format: WireFormat
    sender_type: SenderType | None = None  # PublicMessage only
    sender_leaf: int | None = None  # PublicMessage from a member only
    joiner: bytes | None = None  # external commit: credential identity of the new leaf

    @property
    def is_commit(self) -> bool:
        return self.content_type == ContentType.COMMIT

    @property
    def is_external_commit(self) -> bool:
        return self.sender_type == SenderType.NEW_MEMBER_COMMIT


@dataclass(frozen=True)
class GroupInfoView:
    """The clear fields of a GroupInfo the service keeps for joiners."""

    group_id: bytes
    epoch: int
    cipher_suite: int
    roster: tuple[bytes, ...]


def _decode(data: bytes) -> MLSMessage:
    try:
        return MLSMessage.decode(data)
    except MLSError as exc:
        raise Rejection.of(Reason.MALFORMED, f"Not an MLS message: {exc.message}.") from exc
    except (ValueError, IndexError) as exc:
        raise Rejection.of(Reason.MALFORMED, "Not an MLS message.") from exc


def inspect_message(data: bytes) -> Routing:
    """Routing fields of a PublicMessage or PrivateMessage, or raise :class:`Rejection`."""
    body = _decode(data).body
    if isinstance(body, PrivateMessage):
        return Routing(body.group_id, body.epoch, body.content_type, WireFormat.PRIVATE_MESSAGE)
    if not isinstance(body, PublicMessage):
        raise Rejection.of(
            Reason.WIRE_FORMAT_NOT_ALLOWED,
            "Only PublicMessage and PrivateMessage go into a group's log.",
        )
    content = body.content
    sender = content.sender
    if sender.sender_type == SenderType.NEW_MEMBER_PROPOSAL:
        raise Rejection.of(
            Reason.WIRE_FORMAT_NOT_ALLOWED, "Join by external commit, not by proposal."
        )
    joiner = None
    if sender.sender_type == SenderType.NEW_MEMBER_COMMIT:
        commit = content.content
        if content.content_type != ContentType.COMMIT or not isinstance(commit, Commit):
            raise Rejection.of(Reason.MALFORMED, "A new-member sender must send a commit.")
        if commit.path is None:
            raise Rejection.of(Reason.MALFORMED, "An external commit must carry an UpdatePath.")
        joiner = commit.path.leaf_node.credential.identity
    return Routing(
        group_id=content.group_id,
        epoch=content.epoch,
        content_type=content.content_type,
        wire_format=WireFormat.PUBLIC_MESSAGE,
        sender_type=sender.sender_type,
        sender_leaf=sender.index if sender.sender_type == SenderType.MEMBER else None,
        joiner=joiner,
    )


def inspect_group_info(data: bytes) -> GroupInfoView:
    """Fields of an MLSMessage-wrapped GroupInfo, or raise :class:`Rejection`.

    The GroupInfo must let others join by external commit: it carries ``external_pub``
    and the ``ratchet_tree`` extension (the roster is read from the tree's leaves).
    """
    body = _decode(data).body
    if not isinstance(body, GroupInfo):
        raise Rejection.of(Reason.MALFORMED, "Expected an MLSMessage holding a GroupInfo.")
    context = body.group_context
    if context.cipher_suite not in SUPPORTED_SUITES:
        raise Rejection.of(
            Reason.UNSUPPORTED_CIPHER_SUITE,
            f"Cipher suite {context.cipher_suite} is not supported "
            f"(supported: {', '.join(map(str, SUPPORTED_SUITES))}).",
        )
    types = {ext.extension_type: ext.extension_data for ext in body.extensions}
    if EXT_EXTERNAL_PUB not in types or EXT_RATCHET_TREE not in types:
        raise Rejection.of(
            Reason.GROUP_INFO_UNUSABLE,
            "The GroupInfo must carry the external_pub and ratchet_tree extensions.",
        )
    try:
        tree = RatchetTree.decode(cipher_suite(context.cipher_suite), types[EXT_RATCHET_TREE])
    except MLSError as exc:
        raise Rejection.of(
            Reason.GROUP_INFO_UNUSABLE, f"The GroupInfo's ratchet tree is invalid: {exc.message}."
        ) from exc
    roster = tuple(leaf.credential.identity for _, leaf in tree.leaves())
    return GroupInfoView(context.group_id, context.epoch, context.cipher_suite, roster)
