"""Processing received messages: unprotect, verify, and stage commits (RFC 9420 §6, §12.4.2).

``process`` never changes the epoch: a commit comes back as a :class:`StagedCommit`
computed on copies, and only ``Group.merge`` installs it.  Receiving an application
message or a proposal does advance the sender's hash ratchet and caches the proposal,
as it must.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from ..codec import Reader
from ..errors import CryptoError, DecodeError, UsageError, ValidationError
from ..framing import unprotect_private, unprotect_public, verify_content
from ..hpke import export_receiver
from ..key_schedule import external_key_pair
from ..secret_tree import SecretTree
from ..tree.leaf_node import Credential, LeafNodeSource
from ..tree.operations import add_leaf
from ..tree.treekem import decrypt_update_path, merge_update_path
from ..tree_math import LeafIndex
from ..wire.framing import (
    AuthenticatedContent,
    ContentType,
    PrivateMessage,
    PublicMessage,
    Sender,
    SenderType,
)
from ..wire.group_context import GroupContext
from ..wire.message import MLSMessage
from ..wire.proposals import Add, Commit, ExternalInit, Proposal, Remove, Update
from .epoch import next_epoch
from .proposal_list import apply_proposals, check_unique_keys, validate_leaf_node
from .results import ApplicationMessage, ProcessResult, ProposalReceived, StagedCommit
from .state import EXT_EXTERNAL_SENDERS, EpochState, find_extension

if TYPE_CHECKING:
    from .group import Group

__all__ = ["process"]

EXTERNAL_INIT_LABEL = b"MLS 1.0 external init secret"


def _external_sender_key(g: Group, index: int) -> bytes:
    data = find_extension(g.state.context.extensions, EXT_EXTERNAL_SENDERS)
    if data is None:
        raise ValidationError("external sender but the group has no external_senders")
    try:
        r = Reader(data)
        senders = r.vector(lambda r2: (r2.opaque_v(), Credential.read(r2)))
        r.done()
    except DecodeError as exc:
        raise ValidationError(f"bad external_senders extension: {exc.message}") from exc
    if index >= len(senders):
        raise ValidationError(f"unknown external sender {index}")
    return senders[index][0]


def _signature_key(g: Group, ac: AuthenticatedContent) -> bytes:
    sender = ac.content.sender
    body = ac.content.content
    if sender.sender_type == SenderType.MEMBER:
        leaf = g.state.tree.leaf(LeafIndex(sender.index))
        if leaf is None:
            raise ValidationError(f"message from blank or unknown leaf {sender.index}")
        return leaf.signature_key
    if sender.sender_type == SenderType.NEW_MEMBER_COMMIT:
        if not isinstance(body, Commit) or body.path is None:
            raise ValidationError("new_member_commit sender without a Commit with path")
        return body.path.leaf_node.signature_key
    if sender.sender_type == SenderType.NEW_MEMBER_PROPOSAL:
        if not isinstance(body, Add):
            raise ValidationError("new_member_proposal sender without an Add proposal")
        return body.key_package.leaf_node.signature_key
    return _external_sender_key(g, sender.index)


def _unprotect(g: Group, msg: MLSMessage) -> AuthenticatedContent:
    s = g.state
    body = msg.body
    if not isinstance(body, (PublicMessage, PrivateMessage)):
        raise ValidationError(f"{type(body).__name__} is not a group message")
    group_id = body.content.group_id if isinstance(body, PublicMessage) else body.group_id
    epoch = body.content.epoch if isinstance(body, PublicMessage) else body.epoch
    if group_id != s.group_id:
        raise ValidationError("message for another group", reason="wrong_group")
    if epoch != s.epoch:
        past = g.past_epoch(epoch)
        if past is None or not (
            isinstance(body, PrivateMessage) and body.content_type == ContentType.APPLICATION
        ):
            raise ValidationError(
                f"message for epoch {epoch}, group is at epoch {s.epoch}", reason="wrong_epoch"
            )
        return _unprotect_past(past[0], past[1], body)
    if isinstance(body, PublicMessage):
        if body.content.content_type == ContentType.APPLICATION:
            raise ValidationError("application data in a PublicMessage")
        ac = unprotect_public(s.cs, body, s.secrets.membership_key, s.context_bytes)
    else:
        tree = g.secret_tree
        if body.content_type == ContentType.COMMIT:
            tree = tree.copy()  # the next epoch replaces it; a rejected commit leaves no trace
        ac = unprotect_private(s.cs, body, tree, s.secrets.sender_data_secret)
    if ac.content.sender.sender_type == SenderType.MEMBER and ac.content.sender.index == s.own_leaf:
        raise UsageError("own message echoed back: merge the StagedCommit from create_commit")
    if not verify_content(s.cs, _signature_key(g, ac), ac, s.context_bytes):
        raise CryptoError("message signature does not verify", reason="bad_signature")
    return ac


def _unprotect_past(
    s: EpochState, secret_tree: SecretTree, body: PrivateMessage
) -> AuthenticatedContent:
    """A late application message from a recent epoch (bounded by max_past_epochs)."""
    ac = unprotect_private(s.cs, body, secret_tree, s.secrets.sender_data_secret)
    leaf = s.tree.leaf(LeafIndex(ac.content.sender.index))
    if leaf is None or ac.content.sender.index == s.own_leaf:
        raise ValidationError("late message from an unknown leaf or from ourselves")
    if not verify_content(s.cs, leaf.signature_key, ac, s.context_bytes):
        raise CryptoError("message signature does not verify", reason="bad_signature")
    return ac


def _check_proposal(g: Group, proposal: Proposal, ac: AuthenticatedContent) -> None:
    sender = ac.content.sender
    if sender.sender_type == SenderType.NEW_MEMBER_PROPOSAL and not isinstance(proposal, Add):
        raise ValidationError("new member may only propose Add")
    if sender.sender_type == SenderType.EXTERNAL and isinstance(proposal, (Update, ExternalInit)):
        raise ValidationError(f"external sender proposed {type(proposal).__name__}")
    if isinstance(proposal, Update):
        if sender.sender_type != SenderType.MEMBER:
            raise ValidationError("Update from a non-member")
        validate_leaf_node(
            g.state, proposal.leaf_node, LeafNodeSource.UPDATE, leaf_index=LeafIndex(sender.index)
        )
    elif isinstance(proposal, Remove) and g.state.tree.leaf(LeafIndex(proposal.removed)) is None:
        raise ValidationError(f"Remove of blank leaf {proposal.removed}")


def process(g: Group, data: bytes, *, now: int | None = None) -> ProcessResult:
    """Unprotect and verify one MLSMessage; stage it if it is a commit."""
    g.require_active()
    ac = _unprotect(g, MLSMessage.decode(data))
    content = ac.content
    sender = content.sender
    if content.content_type == ContentType.APPLICATION:
        assert isinstance(content.content, bytes)
        return ApplicationMessage(
            LeafIndex(sender.index), content.epoch, content.content, content.authenticated_data
        )
    if content.content_type == ContentType.PROPOSAL:
        proposal = content.content
        assert not isinstance(proposal, (bytes, Commit))
        _check_proposal(g, proposal, ac)
        ref = g.cache_proposal(ac, proposal, sender)
        return ProposalReceived(sender, content.epoch, proposal, ref)
    assert isinstance(content.content, Commit)
    return stage_commit(g, ac, now=now)


def stage_commit(g: Group, ac: AuthenticatedContent, *, now: int | None = None) -> StagedCommit:
    """Verify a commit and compute the next epoch without touching the group (§12.4.2)."""
    s = g.state
    cs = s.cs
    commit = ac.content.content
    assert isinstance(commit, Commit)
    committer = ac.content.sender
    external = committer.sender_type == SenderType.NEW_MEMBER_COMMIT
    if committer.sender_type not in (SenderType.MEMBER, SenderType.NEW_MEMBER_COMMIT):
        raise ValidationError("commit from an external sender or new-member proposal")
    if ac.auth.confirmation_tag is None:
        raise ValidationError("commit without confirmation tag")

    pending = g.pending_proposals()
    proposals: list[tuple[Proposal, Sender]] = []
    for por in commit.proposals:
        if por.proposal is not None:
            proposals.append((por.proposal, committer))
        else:
            if external:
                raise ValidationError("external commit with a proposal by reference")
            assert por.reference is not None
            cached = pending.get(por.reference)
            if cached is None:
                raise ValidationError(
                    "commit references an unknown proposal", reason="unknown_proposal"
                )
            proposals.append((cached.proposal, cached.sender))
    applied = apply_proposals(s, proposals, committer, now=now)
    if applied.reinit is not None:
        raise ValidationError("ReInit commits are not supported")
    if applied.path_required and commit.path is None:
        raise ValidationError("commit needs an UpdatePath but has none")
    tree = applied.tree
    removed = tuple(applied.removed)
    added = tuple(leaf for leaf, _ in applied.added)

    def staged(next_state: EpochState | None) -> StagedCommit:
        return StagedCommit(
            sender=committer,
            epoch=s.epoch + 1,
            proposals=tuple(p for p, _ in proposals),
            added=added,
            removed=removed,
            updated=tuple(applied.updated),
            self_removed=next_state is None,
            base_epoch_authenticator=s.secrets.epoch_authenticator,
            next_state=next_state,
        )

    if s.own_leaf in removed:
        return staged(None)

    private = s.private
    if s.own_leaf in applied.updated:
        leaf = tree.leaf(s.own_leaf)
        assert leaf is not None
        priv = g.update_key(leaf.encryption_key)
        if priv is None:
            raise ValidationError("commit applies an Update of our leaf that we did not send")
        private = private.with_leaf_key(priv)
    private = private.pruned(tree)

    if external:
        assert commit.path is not None
        sender_leaf = add_leaf(tree, commit.path.leaf_node)
        validate_leaf_node(
            s,
            commit.path.leaf_node,
            LeafNodeSource.COMMIT,
            leaf_index=sender_leaf,
            extensions=applied.extensions,
        )
        assert applied.external_init is not None
        external_priv, _ = external_key_pair(cs, s.secrets.external_secret)
        init_secret = export_receiver(
            cs, applied.external_init.kem_output, external_priv, b"", EXTERNAL_INIT_LABEL, cs.Nh
        )
    else:
        sender_leaf = LeafIndex(committer.index)
        init_secret = s.secrets.init_secret

    if commit.path is not None:
        merge_update_path(tree, sender_leaf, commit.path, group_id=s.group_id)
        if not external:
            validate_leaf_node(
                s,
                commit.path.leaf_node,
                LeafNodeSource.COMMIT,
                leaf_index=sender_leaf,
                extensions=applied.extensions,
            )
        check_unique_keys(tree, [commit.path.leaf_node])
        provisional = GroupContext(
            cs.suite_id,
            s.group_id,
            s.epoch + 1,
            tree.tree_hash(),
            s.context.confirmed_transcript_hash,
            applied.extensions,
        )
        processed = decrypt_update_path(
            tree, private, sender_leaf, commit.path, provisional.encode(), frozenset(added)
        )
        commit_secret = processed.commit_secret
        private = processed.private
    else:
        commit_secret = bytes(cs.Nh)

    psk_secret = g.psk_secret(applied.psks)
    new_state, tag = next_epoch(
        s,
        ac,
        tree=tree,
        extensions=applied.extensions,
        private=private,
        own_leaf=s.own_leaf,
        init_secret=init_secret,
        commit_secret=commit_secret,
        psk_secret=psk_secret,
    )
    if not hmac.compare_digest(tag, ac.auth.confirmation_tag):
        raise CryptoError("confirmation tag does not verify", reason="bad_confirmation_tag")
    return staged(new_state)
