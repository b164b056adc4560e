"""Joining by external commit from a GroupInfo (RFC 9420 §12.4.3.2).

The joiner encapsulates to the group's ``external_pub`` to get the epoch's
``init_secret``, adds itself at the leftmost blank leaf with an UpdatePath, and sends
a PublicMessage commit with sender ``new_member_commit``.  Only after the delivery
service accepts that commit is the returned :class:`~.group.Group` valid.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Callable, Mapping, Sequence

from ..codec import Writer
from ..crypto import CipherSuite, cipher_suite
from ..errors import UsageError
from ..framing import sign_content
from ..hpke import export_sender
from ..key_schedule import EpochSecrets
from ..psk import PreSharedKeyID
from ..transcript import interim_transcript_hash
from ..tree.leaf_node import Capabilities, Credential, Extension, LeafNode, LeafNodeSource
from ..tree.operations import add_leaf
from ..tree.private_state import TreeKEMPrivate
from ..tree.ratchet_tree import RatchetTree
from ..tree.treekem import generate_update_path
from ..tree_math import LeafIndex
from ..wire.framing import (
    AuthenticatedContent,
    ContentType,
    FramedContent,
    FramedContentAuthData,
    PublicMessage,
    Sender,
    SenderType,
    WireFormat,
)
from ..wire.group_context import GroupContext
from ..wire.message import MLSMessage
from ..wire.proposals import (
    Add,
    Commit,
    ExternalInit,
    PreSharedKey,
    Proposal,
    ProposalOrRef,
    Remove,
    Update,
)
from .creation import (
    FOREVER,
    KeyPackageBundle,
    default_capabilities,
    external_pub,
    read_group_info,
    verified_group_info,
)
from .epoch import next_epoch, resolve_psk_secret
from .group import Group
from .processing import EXTERNAL_INIT_LABEL
from .proposal_list import apply_proposals
from .state import EXT_EXTERNAL_SENDERS, EpochState, GroupConfig

__all__ = [
    "create_external_proposal",
    "create_new_member_proposal",
    "external_senders_extension",
    "join_by_external_commit",
]

Random = Callable[[int], bytes]


def join_by_external_commit(
    cs: CipherSuite,
    group_info: bytes,
    credential: Credential,
    signature_priv: bytes,
    *,
    ratchet_tree: RatchetTree | bytes | None = None,
    remove: int | None = None,
    psks: Sequence[PreSharedKeyID] = (),
    external_psks: Mapping[bytes, bytes] | None = None,
    capabilities: Capabilities | None = None,
    authenticated_data: bytes = b"",
    config: GroupConfig | None = None,
    random: Random = _secrets.token_bytes,
) -> tuple[Group, bytes]:
    """Build an external commit; returns the joined group and the commit to send."""
    info = read_group_info(group_info)
    tree = verified_group_info(cs, info, ratchet_tree)
    old_context = info.group_context
    kem_output, init_secret = export_sender(
        cs, external_pub(info), b"", EXTERNAL_INIT_LABEL, cs.Nh, random(cs.Nh)
    )
    # A stand-in for the epoch we are joining: what apply_proposals and next_epoch read.
    _, placeholder_pub = cs.derive_key_pair(random(cs.Nh))
    base = EpochState(
        cs=cs,
        context=old_context,
        tree=tree,
        private=TreeKEMPrivate(cs, LeafIndex(0), {}),
        own_leaf=LeafIndex(0),
        signature_priv=signature_priv,
        secrets=EpochSecrets(**dict.fromkeys(EpochSecrets.FIELDS, b"")),  # not read here
        interim_transcript_hash=interim_transcript_hash(
            cs, old_context.confirmed_transcript_hash, info.confirmation_tag
        ),
    )
    proposals: list[Proposal] = [ExternalInit(kem_output)]
    if remove is not None:
        proposals.append(Remove(remove))
    proposals.extend(PreSharedKey(p) for p in psks)
    me = Sender(SenderType.NEW_MEMBER_COMMIT)
    applied = apply_proposals(base, [(p, me) for p in proposals], me)
    caps = capabilities or default_capabilities(cs)
    seed = LeafNode.create(
        cs,
        signature_priv,
        encryption_key=placeholder_pub,
        signature_key=cs.signature_public_key(signature_priv),
        credential=credential,
        capabilities=caps,
        leaf_node_source=LeafNodeSource.KEY_PACKAGE,
        lifetime=FOREVER,
    )
    own = add_leaf(applied.tree, seed)
    staged = generate_update_path(
        applied.tree, own, signature_priv, group_id=old_context.group_id, random=random
    )
    provisional = GroupContext(
        cs.suite_id,
        old_context.group_id,
        old_context.epoch + 1,
        staged.tree.tree_hash(),
        old_context.confirmed_transcript_hash,
        applied.extensions,
    )
    path = staged.encrypt(provisional.encode())
    commit = Commit(tuple(ProposalOrRef(proposal=p) for p in proposals), path)
    content = FramedContent(
        old_context.group_id, old_context.epoch, me, authenticated_data, ContentType.COMMIT, commit
    )
    sig = sign_content(cs, signature_priv, WireFormat.PUBLIC_MESSAGE, content, old_context.encode())
    unconfirmed = AuthenticatedContent(
        WireFormat.PUBLIC_MESSAGE, content, FramedContentAuthData(sig, b"")
    )
    known = dict(external_psks or {})
    psk_secret = resolve_psk_secret(cs, applied.psks, known, {})
    state, tag = next_epoch(
        base,
        unconfirmed,
        tree=staged.tree,
        extensions=applied.extensions,
        private=staged.private,
        own_leaf=own,
        init_secret=init_secret,
        commit_secret=staged.commit_secret,
        psk_secret=psk_secret,
    )
    message = MLSMessage(PublicMessage(content, FramedContentAuthData(sig, tag))).encode()
    return Group(state, config=config, external_psks=known), message


def external_senders_extension(senders: Sequence[tuple[bytes, Credential]]) -> Extension:
    """The ``external_senders`` GroupContext extension (§12.1.8.1) listing
    ``(signature_key, credential)`` of parties allowed to send proposals."""

    def write_sender(w: Writer, sender: tuple[bytes, Credential]) -> None:
        w.opaque_v(sender[0])
        sender[1].write(w)

    data = Writer().vector(senders, write_sender).getvalue()
    return Extension(EXT_EXTERNAL_SENDERS, data)


def create_external_proposal(
    cs: CipherSuite,
    signature_priv: bytes,
    sender_index: int,
    group_id: bytes,
    epoch: int,
    proposal: Proposal,
    *,
    authenticated_data: bytes = b"",
) -> bytes:
    """A PublicMessage proposal from external sender ``sender_index`` (§12.1.8.1), e.g. a
    delivery service removing a member.  Update proposals cannot come from outside."""
    if isinstance(proposal, (Update, ExternalInit)):
        raise UsageError(f"an external sender cannot propose {type(proposal).__name__}")
    content = FramedContent(
        group_id,
        epoch,
        Sender(SenderType.EXTERNAL, sender_index),
        authenticated_data,
        ContentType.PROPOSAL,
        proposal,
    )
    sig = sign_content(cs, signature_priv, WireFormat.PUBLIC_MESSAGE, content, None)
    return MLSMessage(PublicMessage(content, FramedContentAuthData(sig))).encode()


def create_new_member_proposal(
    bundle: KeyPackageBundle, group_id: bytes, epoch: int, *, authenticated_data: bytes = b""
) -> bytes:
    """An Add of ourselves sent as a PublicMessage by a non-member (§12.1.8, sender type
    new_member_proposal); a member who commits it sends us the Welcome."""
    kp = bundle.key_package
    cs = cipher_suite(kp.cipher_suite)
    content = FramedContent(
        group_id,
        epoch,
        Sender(SenderType.NEW_MEMBER_PROPOSAL),
        authenticated_data,
        ContentType.PROPOSAL,
        Add(kp),
    )
    sig = sign_content(cs, bundle.signature_priv, WireFormat.PUBLIC_MESSAGE, content, None)
    return MLSMessage(PublicMessage(content, FramedContentAuthData(sig))).encode()
