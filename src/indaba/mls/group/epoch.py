"""From one epoch to the next: transcript hashes, GroupContext and key schedule (§8, §12.4).

Committer and receivers both call :func:`next_epoch` with the same inputs, so they
derive the same state::

    confirmed[n] = Hash(interim[n-1] || wire_format || FramedContent || signature)
    GroupContext[n] = (group_id, epoch+1, tree_hash(tree[n]), confirmed[n], extensions)
    joiner_secret, epoch secrets  <- key schedule(init_secret, commit_secret, psk_secret)
    confirmation_tag = MAC(confirmation_key, confirmed[n])
    interim[n] = Hash(confirmed[n] || confirmation_tag)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..crypto import CipherSuite
from ..errors import ValidationError
from ..key_schedule import derive_epoch_secrets, joiner_secret_for
from ..psk import PreSharedKeyID, PSKType, psk_secret
from ..transcript import confirmation_tag, confirmed_transcript_hash, interim_transcript_hash
from ..tree.leaf_node import Extension
from ..tree.private_state import TreeKEMPrivate
from ..tree.ratchet_tree import RatchetTree
from ..tree_math import LeafIndex
from ..wire.framing import AuthenticatedContent
from ..wire.group_context import GroupContext
from .state import EpochState

__all__ = ["next_epoch", "resolve_psk_secret"]


def resolve_psk_secret(
    cs: CipherSuite,
    psk_ids: Sequence[PreSharedKeyID],
    external_psks: Mapping[bytes, bytes],
    resumption_psks: Mapping[tuple[bytes, int], bytes],
) -> bytes:
    """psk_secret over the PSKs a commit or Welcome names (§8.4); unknown PSKs are rejected."""
    resolved = []
    for pid in psk_ids:
        if pid.psktype == PSKType.EXTERNAL:
            value = external_psks.get(pid.psk_id)
        else:
            value = resumption_psks.get((pid.psk_group_id, pid.psk_epoch))
        if value is None:
            raise ValidationError(
                "commit references a PSK this member does not have", reason="unknown_psk"
            )
        resolved.append((pid, value))
    return psk_secret(cs, resolved)


def next_epoch(
    old: EpochState,
    commit: AuthenticatedContent,
    *,
    tree: RatchetTree,
    extensions: tuple[Extension, ...],
    private: TreeKEMPrivate,
    own_leaf: LeafIndex,
    init_secret: bytes,
    commit_secret: bytes,
    psk_secret: bytes,
) -> tuple[EpochState, bytes]:
    """The next EpochState and the confirmation_tag the commit must carry."""
    cs = old.cs
    confirmed = confirmed_transcript_hash(cs, old.interim_transcript_hash, commit)
    context = GroupContext(
        cs.suite_id,
        old.group_id,
        old.epoch + 1,
        tree.tree_hash(),
        confirmed,
        extensions,
    )
    context_bytes = context.encode()
    joiner = joiner_secret_for(cs, init_secret, commit_secret, context_bytes)
    secrets = derive_epoch_secrets(cs, joiner, psk_secret, context_bytes)
    tag = confirmation_tag(cs, secrets.confirmation_key, confirmed)
    state = EpochState(
        cs=cs,
        context=context,
        tree=tree,
        private=private,
        own_leaf=own_leaf,
        signature_priv=old.signature_priv,
        secrets=secrets,
        interim_transcript_hash=interim_transcript_hash(cs, confirmed, tag),
    )
    state.__dict__["context_bytes"] = context_bytes
    return state, tag
