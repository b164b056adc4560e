"""Synthetic ratchet trees for tests and benchmarks (not used by the protocol code).

:func:`synthetic_group` builds the public tree and every member's private TreeKEM state
the way a real group would get there: all members added, then members commit in turn
until every parent node is set.  The builder plays all members at once ("dealer"): it
keeps each path secret it generates instead of encrypting it, which is what makes
large trees cheap to build.  Do not use it for anything but tests.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field

from ..crypto import CipherSuite
from ..tree_math import LeafIndex, NodeIndex, direct_path, leaf_to_node
from .leaf_node import Capabilities, Credential, LeafNode, LeafNodeSource, Lifetime
from .operations import add_leaf
from .private_state import TreeKEMPrivate, node_key_pair
from .ratchet_tree import RatchetTree
from .treekem import generate_update_path

__all__ = ["Member", "SyntheticGroup", "make_member", "synthetic_group"]

Random = Callable[[int], bytes]


@dataclass(frozen=True)
class Member:
    """A test member's keys and its KeyPackage-style leaf."""

    leaf_node: LeafNode
    encryption_priv: bytes = field(repr=False)
    signature_priv: bytes = field(repr=False)


def make_member(suite: CipherSuite, identity: bytes, random: Random) -> Member:
    enc_priv, enc_pub = suite.derive_key_pair(random(suite.Nh))
    sig_priv, sig_pub = _signature_key_pair(suite, random)
    leaf = LeafNode.create(
        suite,
        sig_priv,
        encryption_key=enc_pub,
        signature_key=sig_pub,
        credential=Credential.basic(identity),
        capabilities=Capabilities(cipher_suites=(suite.suite_id,)),
        leaf_node_source=LeafNodeSource.KEY_PACKAGE,
        lifetime=Lifetime(0, 2**64 - 1),
    )
    return Member(leaf, enc_priv, sig_priv)


def _signature_key_pair(suite: CipherSuite, random: Random) -> tuple[bytes, bytes]:
    if suite.signature == "ed25519":
        priv = random(32)
        return priv, suite.signature_public_key(priv)
    return suite.generate_signature_key_pair()


@dataclass
class SyntheticGroup:
    """A tree and, per leaf, the signature key and private TreeKEM state."""

    group_id: bytes
    tree: RatchetTree
    signature_privs: dict[LeafIndex, bytes]
    leaf_privs: dict[LeafIndex, bytes]
    path_secrets: dict[NodeIndex, bytes] = field(repr=False)

    def private(self, leaf: LeafIndex) -> TreeKEMPrivate:
        """The private state ``leaf`` would hold after processing every commit."""
        suite = self.tree.suite
        state = TreeKEMPrivate.from_path_secrets(suite, leaf, self.leaf_privs[leaf])
        keys = state.key_pairs()
        for p in direct_path(leaf_to_node(leaf), self.tree.n_leaves):
            secret = self.path_secrets.get(p)
            if secret is not None and self.tree.node(p) is not None:
                keys[p] = node_key_pair(suite, secret)
        return TreeKEMPrivate(suite, leaf, keys)


def synthetic_group(
    suite: CipherSuite, n: int, *, populate: bool = True, seed: int = 0
) -> SyntheticGroup:
    """A group of ``n`` members; with ``populate`` every parent node is set (members at
    even leaves commit in turn, right to left), otherwise only members were added."""
    rng = _random.Random(seed)

    def random(k: int) -> bytes:
        return rng.randbytes(k)

    group_id = random(16)
    members = [make_member(suite, b"member-%d" % i, random) for i in range(n)]
    tree = RatchetTree.one_member(suite, members[0].leaf_node)
    for m in members[1:]:
        add_leaf(tree, m.leaf_node)
    sig = {LeafIndex(i): m.signature_priv for i, m in enumerate(members)}
    leaf_privs = {LeafIndex(i): m.encryption_priv for i, m in enumerate(members)}
    secrets: dict[NodeIndex, bytes] = {}
    committers = range((n - 1) & ~1, -1, -2) if populate and n > 1 else []
    for i in committers:
        leaf = LeafIndex(i)
        staged = generate_update_path(tree, leaf, sig[leaf], group_id=group_id, random=random)
        tree = staged.tree
        leaf_privs[leaf] = staged.private.private_key(leaf_to_node(leaf)) or b""
        for (node, _), secret in zip(staged.path, staged.path_secrets, strict=True):
            secrets[node] = secret
    return SyntheticGroup(group_id, tree, sig, leaf_privs, secrets)
