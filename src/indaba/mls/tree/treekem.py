"""TreeKEM: creating and processing UpdatePaths (RFC 9420 §7.4-7.6, §12.4.1-12.4.2).

Theory of operation
-------------------
A committer at leaf A refreshes every key on its *filtered direct path* (the direct
path without the nodes whose copath child has an empty resolution)::

                  R   ps[2] ──► commit_secret = DeriveSecret(ps[2], "path")
                /   \\
         ps[1] P1    C2          ps[i+1]  = DeriveSecret(ps[i], "path")
              /  \\              node key = DeriveKeyPair(DeriveSecret(ps[i], "node"))
       ps[0] P0   C1
            /  \\                ps[i] is HPKE-encrypted ("UpdatePathNode", context =
           A    C0              the provisional GroupContext) to every node in the
                                resolution of copath child C_i, minus new members.

``ps[0]`` is random and the leaf gets a fresh key pair.  The new public keys, chained
by parent hashes (§7.9) and the leaf's signature, travel in the UpdatePath; the path
secrets do not.  A receiver under C_i decrypts ``ps[i]`` with a key it holds (its own
leaf, or a node on its own path that lies in that resolution), derives ``ps[i+1..]``,
checks the derived public keys against the UpdatePath, and reaches the same
commit_secret.

The GroupContext used as encryption context carries the tree hash *after* the path is
merged, so both sides work in two steps on a staged tree copy:

* committer: :func:`generate_update_path` (merge) → group builds the context →
  :meth:`StagedPath.encrypt`;
* receiver: :func:`merge_update_path` (public checks + merge) → group builds the
  context → :func:`decrypt_update_path`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import CryptoError, UsageError, ValidationError
from ..tree_math import LeafIndex, NodeIndex, direct_path, is_in_subtree, leaf_to_node
from .leaf_node import Capabilities, Credential, Extension, LeafNode, LeafNodeSource
from .nodes import ParentNode
from .operations import blank_direct_path
from .parent_hash import path_parent_hashes
from .private_state import TreeKEMPrivate, node_key_pair
from .ratchet_tree import RatchetTree
from .update_path import HPKECiphertext, UpdatePath, UpdatePathNode

__all__ = [
    "ProcessedPath",
    "StagedPath",
    "decrypt_update_path",
    "generate_update_path",
    "merge_update_path",
]

UPDATE_PATH_LABEL = b"UpdatePathNode"
Random = Callable[[int], bytes]


@dataclass(frozen=True)
class StagedPath:
    """A committer's new path, merged into ``tree`` (a staged copy) but not yet encrypted."""

    tree: RatchetTree
    sender: LeafIndex
    leaf_node: LeafNode
    private: TreeKEMPrivate
    path: tuple[tuple[NodeIndex, NodeIndex], ...]
    path_secrets: tuple[bytes, ...] = field(repr=False)
    commit_secret: bytes = field(repr=False)

    def path_secret_for(self, leaf: LeafIndex) -> tuple[NodeIndex, bytes] | None:
        """The path secret a new member at ``leaf`` gets in its Welcome (§12.4.3.1): the
        one at the lowest path node above it."""
        x = leaf_to_node(leaf)
        for (node, _), secret in zip(self.path, self.path_secrets, strict=True):
            if is_in_subtree(x, node):
                return node, secret
        return None

    def encrypt(
        self, group_context: bytes, exclude: frozenset[LeafIndex] = frozenset()
    ) -> UpdatePath:
        """Encrypt each path secret to its copath resolution, leaving out ``exclude``
        (the leaves added by this commit, §12.4.2)."""
        suite = self.tree.suite
        nodes = []
        for (node, child), secret in zip(self.path, self.path_secrets, strict=True):
            cts = []
            for r in self.tree.resolution(child, exclude):
                target = self.tree.node(r)
                assert target is not None
                kem_output, ct = suite.encrypt_with_label(
                    target.encryption_key, UPDATE_PATH_LABEL, group_context, secret
                )
                cts.append(HPKECiphertext(kem_output, ct))
            parent = self.tree.parent_node(node)
            assert parent is not None
            nodes.append(UpdatePathNode(parent.encryption_key, tuple(cts)))
        return UpdatePath(self.leaf_node, tuple(nodes))


def _set_path(
    tree: RatchetTree,
    sender: LeafIndex,
    path: list[tuple[NodeIndex, NodeIndex]],
    keys: list[bytes],
) -> bytes:
    """Blank the sender's direct path, set the filtered path nodes with their parent
    hashes, and return the parent hash the new leaf must carry."""
    leaf_parent_hash, fields = path_parent_hashes(tree, path, keys)
    blank_direct_path(tree, sender)
    for (node, _), key, ph in zip(path, keys, fields, strict=True):
        tree.set_node(node, ParentNode(key, ph, ()))
    return leaf_parent_hash


def generate_update_path(
    tree: RatchetTree,
    sender: LeafIndex,
    signature_priv: bytes,
    *,
    group_id: bytes,
    random: Random = secrets.token_bytes,
    credential: Credential | None = None,
    capabilities: Capabilities | None = None,
    extensions: tuple[Extension, ...] | None = None,
) -> StagedPath:
    """§7.5, §12.4.1: fresh leaf key and path secrets for ``sender``, merged into a copy of
    ``tree`` (the tree after this commit's proposals).  The new leaf keeps the old one's
    signature key, credential, capabilities and extensions unless given."""
    suite = tree.suite
    old = tree.leaf(sender)
    if old is None:
        raise UsageError(f"leaf {sender} is blank")
    staged = tree.copy()
    path = staged.filtered_direct_path(sender)
    leaf_priv, leaf_pub = suite.derive_key_pair(random(suite.Nh))
    path_secrets: list[bytes] = []
    keys: dict[NodeIndex, tuple[bytes, bytes]] = {leaf_to_node(sender): (leaf_priv, leaf_pub)}
    secret = random(suite.Nh)
    for node, _ in path:
        path_secrets.append(secret)
        keys[node] = node_key_pair(suite, secret)
        secret = suite.derive_secret(secret, b"path")
    commit_secret = secret
    pubs = [keys[node][1] for node, _ in path]
    leaf_parent_hash = _set_path(staged, sender, path, pubs)
    leaf = LeafNode.create(
        suite,
        signature_priv,
        encryption_key=leaf_pub,
        signature_key=old.signature_key,
        credential=credential or old.credential,
        capabilities=capabilities or old.capabilities,
        leaf_node_source=LeafNodeSource.COMMIT,
        parent_hash=leaf_parent_hash,
        extensions=old.extensions if extensions is None else extensions,
        group_id=group_id,
        leaf_index=sender,
    )
    staged.set_node(leaf_to_node(sender), leaf)
    return StagedPath(
        staged,
        sender,
        leaf,
        TreeKEMPrivate(suite, sender, keys),
        tuple(path),
        tuple(path_secrets),
        commit_secret,
    )


def merge_update_path(
    tree: RatchetTree, sender: LeafIndex, update_path: UpdatePath, *, group_id: bytes
) -> None:
    """§12.4.2 public part, in place on a staged tree: check the new leaf (source, signature,
    parent hash) and the path length, then set the sender's leaf and path."""
    leaf = update_path.leaf_node
    if tree.leaf(sender) is None:
        raise ValidationError(f"UpdatePath from blank leaf {sender}")
    if leaf.leaf_node_source != LeafNodeSource.COMMIT:
        raise ValidationError("UpdatePath leaf_node_source is not commit")
    if not leaf.verify_signature(tree.suite, group_id, sender):
        raise ValidationError(f"UpdatePath leaf signature invalid for leaf {sender}")
    path = tree.filtered_direct_path(sender)
    if len(update_path.nodes) != len(path):
        raise ValidationError(
            f"UpdatePath has {len(update_path.nodes)} nodes, filtered direct path {len(path)}"
        )
    keys = [n.encryption_key for n in update_path.nodes]
    leaf_parent_hash = _set_path(tree, sender, path, keys)
    if leaf.parent_hash != leaf_parent_hash:
        raise ValidationError(f"UpdatePath leaf parent_hash mismatch for leaf {sender}")
    tree.set_node(leaf_to_node(sender), leaf)


def _our_key(
    tree: RatchetTree, private: TreeKEMPrivate, resolution: list[NodeIndex]
) -> tuple[int, bytes]:
    """The position in ``resolution`` of a node we hold the current key for, and the key."""
    keys = private.key_pairs_view()
    for j, r in enumerate(resolution):
        pair = keys.get(r)
        if pair is None:
            continue
        target = tree.node(r)
        if target is not None and pair[1] == target.encryption_key:
            return j, pair[0]
    raise UsageError("no private key for any node in the copath resolution")


@dataclass(frozen=True)
class ProcessedPath:
    """What a receiver learns from an UpdatePath."""

    private: TreeKEMPrivate
    node: NodeIndex
    path_secret: bytes = field(repr=False)
    commit_secret: bytes = field(repr=False)


def decrypt_update_path(
    tree: RatchetTree,
    private: TreeKEMPrivate,
    sender: LeafIndex,
    update_path: UpdatePath,
    group_context: bytes,
    exclude: frozenset[LeafIndex] = frozenset(),
) -> ProcessedPath:
    """§12.4.2: decrypt the path secret meant for us from ``update_path`` (already merged
    into ``tree`` by :func:`merge_update_path`), derive the rest of the path, check the
    public keys and return the new private state and the commit_secret."""
    suite = tree.suite
    me = leaf_to_node(private.leaf_index)
    if private.leaf_index == sender:
        raise UsageError("a committer does not process its own UpdatePath")
    path = tree.filtered_direct_path(sender)
    start = next((i for i, (_, c) in enumerate(path) if is_in_subtree(me, c)), None)
    if start is None or len(update_path.nodes) != len(path):
        raise ValidationError(f"UpdatePath from leaf {sender} does not cover leaf {me // 2}")
    resolution = tree.resolution(path[start][1], exclude)
    cts = update_path.nodes[start].encrypted_path_secret
    if len(cts) != len(resolution):
        raise ValidationError(
            f"UpdatePath node {path[start][0]}: {len(cts)} ciphertexts for "
            f"a resolution of {len(resolution)}"
        )
    j, key = _our_key(tree, private, resolution)
    ct = cts[j]
    try:
        secret = suite.decrypt_with_label(
            key, UPDATE_PATH_LABEL, group_context, ct.kem_output, ct.ciphertext
        )
    except CryptoError as exc:
        raise CryptoError(f"cannot decrypt path secret at node {path[start][0]}") from exc
    learned = secret
    stale = set(direct_path(leaf_to_node(sender), tree.n_leaves))
    keys = {x: kp for x, kp in private.key_pairs().items() if x not in stale}
    for (node, _), upn in zip(path[start:], update_path.nodes[start:], strict=True):
        pair = node_key_pair(suite, secret)
        if pair[1] != upn.encryption_key:
            raise ValidationError(f"UpdatePath public key mismatch at node {node}")
        keys[node] = pair
        secret = suite.derive_secret(secret, b"path")
    return ProcessedPath(
        TreeKEMPrivate(suite, private.leaf_index, keys), path[start][0], learned, secret
    )
