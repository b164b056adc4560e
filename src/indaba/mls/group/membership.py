"""Proposing and committing changes: Add, Remove, Update, PSK, extensions (RFC 9420 §12).

:func:`create_commit` runs the same :func:`~.proposal_list.apply_proposals` and
:func:`~.epoch.next_epoch` as a receiver, on a staged copy of the tree, and returns
the Commit, the Welcome for new members and a :class:`StagedCommit`; nothing changes in
the group until ``Group.merge``.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..codec import Writer
from ..errors import UsageError
from ..key_schedule import external_key_pair
from ..psk import PreSharedKeyID
from ..tree.leaf_node import Extension, LeafNode, LeafNodeSource
from ..tree.treekem import generate_update_path
from ..tree_math import LeafIndex
from ..welcome import encrypt_group_info, encrypt_group_secrets
from ..wire.framing import (
    AuthenticatedContent,
    ContentType,
    FramedContentAuthData,
    Sender,
    WireFormat,
)
from ..wire.group_context import GroupContext
from ..wire.key_package import KeyPackage
from ..wire.message import MLSMessage
from ..wire.proposals import (
    Add,
    Commit,
    GroupContextExtensions,
    PreSharedKey,
    Proposal,
    ProposalOrRef,
    Remove,
    Update,
)
from ..wire.welcome import GroupInfo, GroupSecrets
from .epoch import next_epoch
from .proposal_list import apply_proposals
from .results import CommitOutput, StagedCommit
from .sending import frame, protect, send
from .state import EXT_EXTERNAL_PUB, EXT_RATCHET_TREE, EpochState

if TYPE_CHECKING:
    from .group import Group

__all__ = ["create_commit", "group_info", "propose"]

Random = Callable[[int], bytes]


def _handshake_format(g: Group) -> WireFormat:
    return WireFormat.PRIVATE_MESSAGE if g.config.encrypt_handshake else WireFormat.PUBLIC_MESSAGE


def propose(g: Group, proposal: Proposal, *, authenticated_data: bytes = b"") -> bytes:
    """Send a proposal (§12.1) and cache it so our own next commit can include it."""
    g.require_active()
    ac, data = send(
        g,
        ContentType.PROPOSAL,
        proposal,
        authenticated_data=authenticated_data,
        wire_format=_handshake_format(g),
    )
    g.cache_proposal(ac, proposal, Sender.member(g.state.own_leaf))
    return data


def update_proposal(g: Group, *, random: Random = _secrets.token_bytes) -> Update:
    """A fresh Update for our leaf (§12.1.2); its private key is kept until committed."""
    s = g.state
    old = s.own_leaf_node
    priv, pub = s.cs.derive_key_pair(random(s.cs.Nh))
    leaf = LeafNode.create(
        s.cs,
        s.signature_priv,
        encryption_key=pub,
        signature_key=old.signature_key,
        credential=old.credential,
        capabilities=old.capabilities,
        leaf_node_source=LeafNodeSource.UPDATE,
        extensions=old.extensions,
        group_id=s.group_id,
        leaf_index=s.own_leaf,
    )
    g.remember_update_key(pub, priv)
    return Update(leaf)


def group_info(g: Group, state: EpochState, confirmation_tag: bytes) -> GroupInfo:
    """A signed GroupInfo for ``state`` (§12.4.3)."""
    exts: list[Extension] = []
    if g.config.ratchet_tree_in_welcome:
        exts.append(Extension(EXT_RATCHET_TREE, state.tree.encode()))
    if g.config.external_pub_in_group_info:
        _, pub = external_key_pair(state.cs, state.secrets.external_secret)
        exts.append(Extension(EXT_EXTERNAL_PUB, Writer().opaque_v(pub).getvalue()))
    unsigned = GroupInfo(state.context, tuple(exts), confirmation_tag, state.own_leaf)
    return unsigned.signed(state.cs, state.signature_priv)


def _pending_entries(
    g: Group, me: Sender, removed_inline: set[LeafIndex]
) -> list[tuple[ProposalOrRef, Proposal, Sender]]:
    """Cached proposals to commit by reference, resolving conflicts as §12.2 advises:
    a Remove wins over an Update of the same leaf, the latest Update wins over earlier
    ones, a repeated Remove is dropped, and we never commit our own Update."""
    cached = list(g.pending_proposals().items())
    removed = set(removed_inline)
    removed.update(
        LeafIndex(c.proposal.removed) for _, c in cached if isinstance(c.proposal, Remove)
    )
    latest_update: dict[int, bytes] = {}
    for ref, c in cached:
        if isinstance(c.proposal, Update):
            latest_update[c.sender.index] = ref
    seen_removes: set[int] = set(removed_inline)
    out = []
    for ref, c in cached:
        p = c.proposal
        if isinstance(p, Update):
            if c.sender == me or c.sender.index in removed or latest_update[c.sender.index] != ref:
                continue
        elif isinstance(p, Remove):
            if p.removed in seen_removes or p.removed == me.index:
                continue
            seen_removes.add(p.removed)
        out.append((ProposalOrRef(reference=ref), p, c.sender))
    return out


def create_commit(
    g: Group,
    *,
    add: Sequence[KeyPackage] = (),
    remove: Sequence[LeafIndex] = (),
    psks: Sequence[PreSharedKeyID] = (),
    extensions: tuple[Extension, ...] | None = None,
    include_pending: bool = True,
    path: bool = True,
    authenticated_data: bytes = b"",
    now: int | None = None,
    random: Random = _secrets.token_bytes,
) -> CommitOutput:
    """Commit pending proposals by reference plus the given ones inline (§12.4.1)."""
    g.require_active()
    s = g.state
    cs = s.cs
    me = Sender.member(s.own_leaf)
    entries: list[tuple[ProposalOrRef, Proposal, Sender]] = []
    removed = {LeafIndex(r) for r in remove}
    if include_pending:
        entries.extend(_pending_entries(g, me, removed))
    inline: list[Proposal] = []
    if extensions is not None:
        inline.append(GroupContextExtensions(extensions))
    inline.extend(Remove(leaf) for leaf in remove)
    inline.extend(Add(kp) for kp in add)
    inline.extend(PreSharedKey(p) for p in psks)
    entries.extend((ProposalOrRef(proposal=p), p, me) for p in inline)

    applied = apply_proposals(s, [(p, snd) for _, p, snd in entries], me, now=now)
    if applied.reinit is not None:
        raise UsageError("ReInit commits are not supported")
    use_path = path or applied.path_required
    added_leaves = frozenset(leaf for leaf, _ in applied.added)
    tree = applied.tree
    provisional = GroupContext(
        cs.suite_id,
        s.group_id,
        s.epoch + 1,
        b"",
        s.context.confirmed_transcript_hash,
        applied.extensions,
    )
    staged_path = None
    if use_path:
        staged_path = generate_update_path(
            tree, s.own_leaf, s.signature_priv, group_id=s.group_id, random=random
        )
        tree = staged_path.tree
        provisional = GroupContext(
            cs.suite_id,
            s.group_id,
            s.epoch + 1,
            tree.tree_hash(),
            s.context.confirmed_transcript_hash,
            applied.extensions,
        )
        update_path = staged_path.encrypt(provisional.encode(), added_leaves)
        commit_secret = staged_path.commit_secret
        private = staged_path.private
    else:
        update_path = None
        commit_secret = bytes(cs.Nh)
        private = s.private.pruned(tree)

    commit = Commit(tuple(por for por, _, _ in entries), update_path)
    wf = _handshake_format(g)
    content, sig = frame(
        g, ContentType.COMMIT, commit, authenticated_data=authenticated_data, wire_format=wf
    )
    psk_secret = g.psk_secret(applied.psks)
    unconfirmed = AuthenticatedContent(wf, content, FramedContentAuthData(sig, b""))
    new_state, tag = next_epoch(
        s,
        unconfirmed,
        tree=tree,
        extensions=applied.extensions,
        private=private,
        own_leaf=s.own_leaf,
        init_secret=s.secrets.init_secret,
        commit_secret=commit_secret,
        psk_secret=psk_secret,
    )
    ac = AuthenticatedContent(wf, content, FramedContentAuthData(sig, tag))
    data = protect(g, ac, random=random)

    info = group_info(g, new_state, tag)
    info_bytes = MLSMessage(info).encode()
    welcome = None
    if applied.added:
        encrypted_info = encrypt_group_info(cs, new_state.secrets.welcome_secret, info)
        recipients = []
        for leaf, kp in applied.added:
            path_secret = None
            if staged_path is not None:
                found = staged_path.path_secret_for(leaf)
                path_secret = None if found is None else found[1]
            secrets = GroupSecrets(
                new_state.secrets.joiner_secret, path_secret, tuple(applied.psks)
            )
            recipients.append((kp.ref(cs), kp.init_key, secrets))
        welcome = MLSMessage(encrypt_group_secrets(cs, recipients, encrypted_info)).encode()
    staged = StagedCommit(
        sender=me,
        epoch=new_state.epoch,
        proposals=tuple(p for _, p, _ in entries),
        added=tuple(sorted(added_leaves)),
        removed=tuple(applied.removed),
        updated=tuple(applied.updated),
        self_removed=False,
        base_epoch_authenticator=s.secrets.epoch_authenticator,
        next_state=new_state,
    )
    return CommitOutput(data, welcome, info_bytes, staged)
