"""Validating a commit's proposal list and applying it to a staged tree (RFC 9420 §12.2-12.3).

Both the committer (building a commit) and every receiver (processing it) run
:func:`apply_proposals`, so the two sides cannot drift apart.  It works on a copy of
the tree and raises :class:`ValidationError` naming the broken rule; the caller's
state is never touched.  Order of application (§12.3): GroupContextExtensions,
Update, Remove, Add; PreSharedKey, ExternalInit and ReInit do not change the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..codec import Reader
from ..errors import DecodeError, ValidationError
from ..psk import PreSharedKeyID, PSKType, ResumptionPSKUsage
from ..tree.leaf_node import Extension, LeafNode, LeafNodeSource
from ..tree.operations import add_leaf, remove_leaf, update_leaf
from ..tree.ratchet_tree import RatchetTree
from ..tree_math import LeafIndex
from ..wire.framing import Sender, SenderType
from ..wire.group_context import PROTOCOL_VERSION
from ..wire.key_package import KeyPackage
from ..wire.proposals import (
    Add,
    ExternalInit,
    GroupContextExtensions,
    PreSharedKey,
    Proposal,
    ReInit,
    Remove,
    Update,
)
from .state import DEFAULT_EXTENSIONS, EXT_REQUIRED_CAPABILITIES, EpochState, find_extension

__all__ = [
    "AppliedProposals",
    "apply_proposals",
    "check_unique_keys",
    "supports_required",
    "validate_key_package",
    "validate_leaf_node",
]


@dataclass
class AppliedProposals:
    """The staged effect of a proposal list."""

    tree: RatchetTree = field(repr=False)
    extensions: tuple[Extension, ...]
    added: list[tuple[LeafIndex, KeyPackage]] = field(default_factory=list)
    removed: list[LeafIndex] = field(default_factory=list)
    updated: list[LeafIndex] = field(default_factory=list)
    psks: list[PreSharedKeyID] = field(default_factory=list)
    external_init: ExternalInit | None = None
    reinit: ReInit | None = None
    path_required: bool = True


def _required_capabilities(
    extensions: tuple[Extension, ...],
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    data = find_extension(extensions, EXT_REQUIRED_CAPABILITIES)
    if data is None:
        return (), (), ()
    try:
        r = Reader(data)
        out = (
            tuple(r.vector(Reader.u16)),
            tuple(r.vector(Reader.u16)),
            tuple(r.vector(Reader.u16)),
        )
        r.done()
    except DecodeError as exc:
        raise ValidationError(f"bad required_capabilities extension: {exc.message}") from exc
    return out


def supports_required(leaf: LeafNode, extensions: tuple[Extension, ...]) -> bool:
    exts, props, creds = _required_capabilities(extensions)
    caps = leaf.capabilities
    return (
        all(e in caps.extensions or e in DEFAULT_EXTENSIONS for e in exts)
        and all(p in caps.proposals or p <= 7 for p in props)
        and all(c in caps.credentials for c in creds)
    )


def validate_leaf_node(
    state: EpochState,
    leaf: LeafNode,
    source: LeafNodeSource,
    *,
    leaf_index: LeafIndex | None = None,
    extensions: tuple[Extension, ...] | None = None,
    now: int | None = None,
) -> None:
    """Leaf node validation (§7.3) that does not depend on the rest of the proposal list."""
    cs = state.cs
    if leaf.leaf_node_source != source:
        raise ValidationError(
            f"leaf_node_source is {leaf.leaf_node_source.name}, not {source.name}"
        )
    ok = (
        leaf.verify_signature(cs)
        if source == LeafNodeSource.KEY_PACKAGE
        else leaf.verify_signature(cs, state.group_id, leaf_index)
    )
    if not ok:
        raise ValidationError("leaf node signature does not verify")
    if not supports_required(leaf, state.context.extensions if extensions is None else extensions):
        raise ValidationError("leaf node lacks the group's required capabilities")
    if 1 not in leaf.capabilities.versions:
        raise ValidationError("leaf node does not support MLS 1.0")
    if cs.suite_id not in leaf.capabilities.cipher_suites:
        raise ValidationError("leaf node does not support the group's cipher suite")
    for e in leaf.extensions:
        if e.extension_type not in leaf.capabilities.extensions and (
            e.extension_type not in DEFAULT_EXTENSIONS
        ):
            raise ValidationError(f"leaf extension {e.extension_type} not in its capabilities")
    if leaf.credential.credential_type not in leaf.capabilities.credentials:
        raise ValidationError("leaf credential type not in its own capabilities")
    if source == LeafNodeSource.KEY_PACKAGE and now is not None:
        assert leaf.lifetime is not None
        if not leaf.lifetime.not_before <= now <= leaf.lifetime.not_after:
            raise ValidationError("key package lifetime does not cover the current time")


def validate_key_package(state: EpochState, kp: KeyPackage, *, now: int | None = None) -> None:
    """KeyPackage validation (§10.1) against this group."""
    if kp.version != PROTOCOL_VERSION or kp.cipher_suite != state.cs.suite_id:
        raise ValidationError("key package version or cipher suite does not match the group")
    if not kp.verify_signature(state.cs):
        raise ValidationError("key package signature does not verify")
    if kp.init_key == kp.leaf_node.encryption_key:
        raise ValidationError("key package init_key equals its encryption_key")
    validate_leaf_node(state, kp.leaf_node, LeafNodeSource.KEY_PACKAGE, now=now)


def _check_credentials(tree: RatchetTree, new: list[LeafNode]) -> None:
    """Every member supports every credential type in use, both ways (§7.3)."""
    members = [leaf for _, leaf in tree.leaves()]
    in_use = {leaf.credential.credential_type for leaf in members}
    for leaf in new:
        if not in_use <= set(leaf.capabilities.credentials):
            raise ValidationError("new leaf does not support a credential type in use")
        ctype = leaf.credential.credential_type
        if any(ctype not in m.capabilities.credentials for m in members):
            raise ValidationError(f"credential type {ctype} not supported by every member")


def check_unique_keys(tree: RatchetTree, new: list[LeafNode]) -> None:
    """No new leaf shares an encryption or signature key with another node (§7.3).

    The tree keeps per-key counts incrementally, so this is O(new leaves), not O(tree).
    """
    for leaf in new:
        if (
            tree.encryption_key_count(leaf.encryption_key) > 1
            or tree.signature_key_count(leaf.signature_key) > 1
        ):
            raise ValidationError("leaf node re-uses an encryption or signature key in the tree")


def apply_proposals(
    state: EpochState,
    proposals: Sequence[tuple[Proposal, Sender]],
    committer: Sender,
    *,
    now: int | None = None,
) -> AppliedProposals:
    """Validate ``proposals`` (§12.2) and apply them to a copy of the tree (§12.3)."""
    cs = state.cs
    external = committer.sender_type == SenderType.NEW_MEMBER_COMMIT
    gces = [p for p, _ in proposals if isinstance(p, GroupContextExtensions)]
    updates = [(p, s) for p, s in proposals if isinstance(p, Update)]
    removes = [p for p, _ in proposals if isinstance(p, Remove)]
    adds = [p for p, _ in proposals if isinstance(p, Add)]
    psks = [p.psk for p, _ in proposals if isinstance(p, PreSharedKey)]
    inits = [p for p, _ in proposals if isinstance(p, ExternalInit)]
    reinits = [p for p, _ in proposals if isinstance(p, ReInit)]

    if len(gces) > 1:
        raise ValidationError("more than one GroupContextExtensions proposal")
    if reinits and len(proposals) > 1:
        raise ValidationError("ReInit must be the only proposal")
    if external:
        if len(inits) != 1 or len(removes) > 1 or adds or updates or gces or reinits:
            raise ValidationError("external commit must hold one ExternalInit, <= 1 Remove, PSKs")
    elif inits:
        raise ValidationError("ExternalInit in a member commit")
    if len({p.encode() for p in psks}) != len(psks):
        raise ValidationError("duplicate PreSharedKey proposals")
    for psk in psks:
        if len(psk.psk_nonce) != cs.Nh:
            raise ValidationError("PSK nonce length is not Nh")
        if psk.psktype == PSKType.RESUMPTION and psk.usage != ResumptionPSKUsage.APPLICATION:
            raise ValidationError("resumption PSK proposal with a non-application usage")

    extensions = gces[0].extensions if gces else state.context.extensions
    tree = state.tree.copy()
    touched: set[int] = set()
    updated: list[LeafIndex] = []
    new_leaves: list[LeafNode] = []
    for up, sender in updates:
        if sender.sender_type != SenderType.MEMBER:
            raise ValidationError("Update from a non-member")
        leaf = LeafIndex(sender.index)
        if committer.sender_type == SenderType.MEMBER and leaf == committer.index:
            raise ValidationError("commit includes an Update from the committer")
        current = tree.leaf(leaf)
        if leaf in touched or current is None:
            raise ValidationError(f"conflicting or invalid Update for leaf {leaf}")
        if current.encryption_key == up.leaf_node.encryption_key:
            raise ValidationError(f"Update for leaf {leaf} keeps its encryption key")
        touched.add(leaf)
        validate_leaf_node(
            state, up.leaf_node, LeafNodeSource.UPDATE, leaf_index=leaf, extensions=extensions
        )
        update_leaf(tree, leaf, up.leaf_node)
        updated.append(leaf)
        new_leaves.append(up.leaf_node)
    removed: list[LeafIndex] = []
    removed_sig_keys: set[bytes] = set()
    for rm in removes:
        leaf = LeafIndex(rm.removed)
        if committer.sender_type == SenderType.MEMBER and leaf == committer.index:
            raise ValidationError("commit removes the committer")
        old = tree.leaf(leaf) if leaf < tree.n_leaves else None
        if leaf in touched or old is None:
            raise ValidationError(f"conflicting or invalid Remove for leaf {leaf}")
        touched.add(leaf)
        removed_sig_keys.add(old.signature_key)
        remove_leaf(tree, leaf)
        removed.append(leaf)
    added: list[tuple[LeafIndex, KeyPackage]] = []
    if adds:
        present = {leaf.signature_key for _, leaf in tree.leaves()}
        seen: set[bytes] = set()
        for add in adds:
            kp = add.key_package
            validate_key_package(state, kp, now=now)
            sk = kp.leaf_node.signature_key
            if sk in seen or sk in present:
                raise ValidationError("Add for a client already in the group")
            seen.add(sk)
        for add in adds:
            kp = add.key_package
            added.append((add_leaf(tree, kp.leaf_node), kp))
            new_leaves.append(kp.leaf_node)
    if new_leaves:
        check_unique_keys(tree, new_leaves)
        _check_credentials(tree, new_leaves)
    if gces:
        for _, member in tree.leaves():
            if not supports_required(member, extensions):
                raise ValidationError("a member does not support the new required capabilities")

    path_required = not proposals or any(
        not isinstance(p, (Add, PreSharedKey, ReInit)) for p, _ in proposals
    )
    return AppliedProposals(
        tree=tree,
        extensions=extensions,
        added=added,
        removed=removed,
        updated=updated,
        psks=psks,
        external_init=inits[0] if inits else None,
        reinit=reinits[0] if reinits else None,
        path_required=path_required,
    )
