"""Creating KeyPackages and groups, and joining by Welcome or external commit (§10-12).

Each function returns a ready :class:`~.group.Group`; none of them touches I/O.
"""

from __future__ import annotations

import hmac
import secrets as _secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..codec import Reader
from ..crypto import CipherSuite, cipher_suite
from ..errors import CryptoError, DecodeError, UsageError, ValidationError
from ..key_schedule import derive_epoch_secrets, secrets_from_epoch_secret, welcome_secret_for
from ..transcript import confirmation_tag, interim_transcript_hash
from ..tree.leaf_node import (
    Capabilities,
    Credential,
    Extension,
    LeafNode,
    LeafNodeSource,
    Lifetime,
)
from ..tree.private_state import TreeKEMPrivate
from ..tree.ratchet_tree import RatchetTree
from ..tree.validation import validate_tree
from ..tree_math import LeafIndex, common_ancestor, leaf_to_node
from ..welcome import decrypt_group_info, decrypt_group_secrets, find_group_secrets
from ..wire.group_context import GroupContext
from ..wire.key_package import KeyPackage
from ..wire.message import MLSMessage
from ..wire.welcome import GroupInfo, Welcome
from .epoch import resolve_psk_secret
from .group import Group
from .proposal_list import supports_required
from .state import EXT_EXTERNAL_PUB, EXT_RATCHET_TREE, EpochState, GroupConfig, find_extension

__all__ = ["KeyPackageBundle", "create_group", "create_key_package", "join_from_welcome"]

Random = Callable[[int], bytes]
FOREVER = Lifetime(0, (1 << 64) - 1)


@dataclass(frozen=True)
class KeyPackageBundle:
    """A KeyPackage with the private keys that belong to it. Never printed."""

    key_package: KeyPackage
    init_priv: bytes = field(repr=False)
    encryption_priv: bytes = field(repr=False)
    signature_priv: bytes = field(repr=False)

    def to_message(self) -> bytes:
        """The KeyPackage as an MLSMessage, ready to upload."""
        return MLSMessage(self.key_package).encode()


def default_capabilities(cs: CipherSuite) -> Capabilities:
    return Capabilities(cipher_suites=(cs.suite_id,))


def create_key_package(
    cs: CipherSuite,
    credential: Credential,
    signature_priv: bytes,
    *,
    lifetime: Lifetime = FOREVER,
    capabilities: Capabilities | None = None,
    leaf_extensions: tuple[Extension, ...] = (),
    extensions: tuple[Extension, ...] = (),
    random: Random = _secrets.token_bytes,
) -> KeyPackageBundle:
    """A signed KeyPackage (§10) with fresh init and encryption keys."""
    init_priv, init_pub = cs.derive_key_pair(random(cs.Nh))
    enc_priv, enc_pub = cs.derive_key_pair(random(cs.Nh))
    leaf = LeafNode.create(
        cs,
        signature_priv,
        encryption_key=enc_pub,
        signature_key=cs.signature_public_key(signature_priv),
        credential=credential,
        capabilities=capabilities or default_capabilities(cs),
        leaf_node_source=LeafNodeSource.KEY_PACKAGE,
        lifetime=lifetime,
        extensions=leaf_extensions,
    )
    kp = KeyPackage.create(cs, signature_priv, init_pub, leaf, extensions)
    return KeyPackageBundle(kp, init_priv, enc_priv, signature_priv)


def create_group(
    cs: CipherSuite,
    group_id: bytes,
    credential: Credential,
    signature_priv: bytes,
    *,
    extensions: tuple[Extension, ...] = (),
    capabilities: Capabilities | None = None,
    config: GroupConfig | None = None,
    random: Random = _secrets.token_bytes,
) -> Group:
    """A one-member group at epoch 0 (§11)."""
    bundle = create_key_package(
        cs, credential, signature_priv, capabilities=capabilities, random=random
    )
    leaf = bundle.key_package.leaf_node
    tree = RatchetTree.one_member(cs, leaf)
    context = GroupContext(cs.suite_id, group_id, 0, tree.tree_hash(), b"", extensions)
    secrets = secrets_from_epoch_secret(cs, random(cs.Nh))
    tag = confirmation_tag(cs, secrets.confirmation_key, b"")
    state = EpochState(
        cs=cs,
        context=context,
        tree=tree,
        private=TreeKEMPrivate.from_path_secrets(cs, LeafIndex(0), bundle.encryption_priv),
        own_leaf=LeafIndex(0),
        signature_priv=signature_priv,
        secrets=secrets,
        interim_transcript_hash=interim_transcript_hash(cs, b"", tag),
    )
    return Group(state, config=config)


def _tree_from(
    cs: CipherSuite, info: GroupInfo, ratchet_tree: RatchetTree | bytes | None
) -> RatchetTree:
    if isinstance(ratchet_tree, RatchetTree):
        return ratchet_tree.copy()
    data = ratchet_tree if ratchet_tree is not None else info.extension(EXT_RATCHET_TREE)
    if data is None:
        raise UsageError("no ratchet_tree extension: pass the tree out of band")
    try:
        return RatchetTree.decode(cs, data)
    except DecodeError as exc:
        raise DecodeError(f"ratchet tree: {exc.message}") from exc


def verified_group_info(
    cs: CipherSuite, info: GroupInfo, ratchet_tree: RatchetTree | bytes | None
) -> RatchetTree:
    """Check a GroupInfo against its tree (§12.4.3.1 steps 3-5) and return the tree."""
    if info.group_context.cipher_suite != cs.suite_id:
        raise ValidationError("GroupInfo cipher suite does not match")
    tree = _tree_from(cs, info, ratchet_tree)
    signer = tree.leaf(LeafIndex(info.signer)) if info.signer < tree.n_leaves else None
    if signer is None:
        raise ValidationError("GroupInfo signer is not a member")
    if not info.verify_signature(cs, signer.signature_key):
        raise CryptoError("GroupInfo signature does not verify")
    if tree.tree_hash() != info.group_context.tree_hash:
        raise ValidationError("ratchet tree does not match the GroupInfo tree hash")
    validate_tree(tree, info.group_context.group_id)
    return tree


def join_from_welcome(
    welcome: bytes | Welcome,
    bundle: KeyPackageBundle,
    *,
    ratchet_tree: RatchetTree | bytes | None = None,
    external_psks: Mapping[bytes, bytes] | None = None,
    config: GroupConfig | None = None,
    now: int | None = None,
) -> Group:
    """Join a group from a Welcome (§12.4.3.1); with ``now``, KeyPackage-sourced leaves
    whose lifetime does not cover it are refused (§7.3)."""
    if not isinstance(welcome, Welcome):
        msg = MLSMessage.decode(welcome)
        if not isinstance(msg.body, Welcome):
            raise UsageError("expected a Welcome MLSMessage")
        welcome = msg.body
    kp = bundle.key_package
    try:
        cs = cipher_suite(welcome.cipher_suite)
    except UsageError as exc:
        raise ValidationError(exc.message) from exc
    if kp.cipher_suite != cs.suite_id:
        raise ValidationError("Welcome cipher suite differs from our KeyPackage")
    entry = find_group_secrets(welcome, kp.ref(cs))
    secrets = decrypt_group_secrets(cs, entry, bundle.init_priv, welcome.encrypted_group_info)
    psks = dict(external_psks or {})
    psk_secret = resolve_psk_secret(cs, secrets.psks, psks, {})
    welcome_secret = welcome_secret_for(cs, secrets.joiner_secret, psk_secret)
    info = decrypt_group_info(cs, welcome_secret, welcome.encrypted_group_info)
    tree = verified_group_info(cs, info, ratchet_tree)
    if now is not None:
        for index, leaf in tree.leaves():
            life = leaf.lifetime
            if life is not None and not life.not_before <= now <= life.not_after:
                raise ValidationError(f"leaf {index} lifetime does not cover the current time")
    own = next((i for i, leaf in tree.leaves() if leaf.encode() == kp.leaf_node.encode()), None)
    if own is None:
        raise ValidationError("our KeyPackage's leaf is not in the tree")
    if not supports_required(kp.leaf_node, info.group_context.extensions):
        raise ValidationError("we do not support the group's required capabilities")
    path_secret = None
    if secrets.path_secret is not None:
        node = common_ancestor(leaf_to_node(own), leaf_to_node(LeafIndex(info.signer)))
        path_secret = (node, secrets.path_secret)
    private = TreeKEMPrivate.joiner(tree, own, bundle.encryption_priv, path_secret)
    context = info.group_context
    context_bytes = context.encode()
    epoch_secrets = derive_epoch_secrets(cs, secrets.joiner_secret, psk_secret, context_bytes)
    tag = confirmation_tag(cs, epoch_secrets.confirmation_key, context.confirmed_transcript_hash)
    if not hmac.compare_digest(tag, info.confirmation_tag):
        raise CryptoError("GroupInfo confirmation tag does not verify")
    state = EpochState(
        cs=cs,
        context=context,
        tree=tree,
        private=private,
        own_leaf=own,
        signature_priv=bundle.signature_priv,
        secrets=epoch_secrets,
        interim_transcript_hash=interim_transcript_hash(
            cs, context.confirmed_transcript_hash, info.confirmation_tag
        ),
    )
    return Group(state, config=config, external_psks=psks)


def read_group_info(data: bytes) -> GroupInfo:
    msg = MLSMessage.decode(data)
    if not isinstance(msg.body, GroupInfo):
        raise UsageError("expected a GroupInfo MLSMessage")
    return msg.body


def external_pub(info: GroupInfo) -> bytes:
    data = find_extension(info.extensions, EXT_EXTERNAL_PUB)
    if data is None:
        raise ValidationError("GroupInfo has no external_pub extension")
    r = Reader(data)
    pub = r.opaque_v()
    r.done()
    return pub
