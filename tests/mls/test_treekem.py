"""TreeKEM behaviour beyond the vectors: new members excluded and joining from a path
secret, unmerged leaves, removed members locked out, tampered paths rejected, staging
leaves the tree untouched, secrets kept out of reprs, and random evolutions in which
every member derives the same commit secret."""

from __future__ import annotations

import random as pyrandom
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indaba.mls.crypto import CipherSuite, cipher_suite
from indaba.mls.errors import CryptoError, MLSError, ValidationError
from indaba.mls.tree import (
    HPKECiphertext,
    LeafNode,
    LeafNodeSource,
    ParentNode,
    RatchetTree,
    TreeKEMPrivate,
    UpdatePath,
    UpdatePathNode,
    add_leaf,
    decrypt_update_path,
    generate_update_path,
    merge_update_path,
    remove_leaf,
    update_leaf,
    validate_tree,
)
from indaba.mls.tree.testing import SyntheticGroup, make_member, synthetic_group
from indaba.mls.tree_math import LeafIndex, NodeIndex, leaf_to_node

SUITE = cipher_suite(1)
CONTEXT = b"group context stand-in"
_EMPTY = ParentNode(b"")


def _rng(seed: int) -> Callable[[int], bytes]:
    r = pyrandom.Random(seed)
    return r.randbytes


@pytest.fixture(scope="module")
def group7() -> SyntheticGroup:
    return synthetic_group(SUITE, 7)


def test_synthetic_group_is_valid(group7: SyntheticGroup) -> None:
    validate_tree(group7.tree, group7.group_id)
    for leaf, _ in group7.tree.leaves():
        assert group7.private(leaf).is_consistent(group7.tree), f"leaf {leaf}"


def test_new_member_is_excluded_and_joins_from_path_secret(group7: SyntheticGroup) -> None:
    g = group7
    newcomer = make_member(SUITE, b"newcomer", _rng(1))
    staged_tree = g.tree.copy()
    new_leaf = add_leaf(staged_tree, newcomer.leaf_node)
    sender = LeafIndex(2)
    staged = generate_update_path(
        staged_tree, sender, g.signature_privs[sender], group_id=g.group_id
    )
    path = staged.encrypt(CONTEXT, exclude=frozenset({new_leaf}))
    for (_, child), upn in zip(staged.path, path.nodes, strict=True):
        targets = staged_tree.resolution(child)
        assert len(upn.encrypted_path_secret) == len(targets) - targets.count(
            leaf_to_node(new_leaf)
        )
    secret = staged.path_secret_for(new_leaf)
    assert secret is not None
    joiner = TreeKEMPrivate.joiner(staged.tree, new_leaf, newcomer.encryption_priv, secret)
    assert joiner.is_consistent(staged.tree)
    root = staged.tree.root
    assert joiner.private_key(root) == staged.private.private_key(root)
    for leaf, _ in g.tree.leaves():
        if leaf == sender:
            continue
        merged = staged_tree.copy()
        merge_update_path(merged, sender, path, group_id=g.group_id)
        got = decrypt_update_path(
            merged, g.private(leaf), sender, path, CONTEXT, frozenset({new_leaf})
        )
        assert got.commit_secret == staged.commit_secret, f"leaf {leaf}"


def test_unmerged_leaf_decrypts_next_commit(group7: SyntheticGroup) -> None:
    g = group7
    newcomer = make_member(SUITE, b"unmerged", _rng(2))
    tree = g.tree.copy()
    new_leaf = add_leaf(tree, newcomer.leaf_node)  # add-only commit: no path
    assert any(
        new_leaf in (tree.parent_node(NodeIndex(x)) or _EMPTY).unmerged_leaves
        for x in range(1, tree.n_nodes, 2)
    )
    validate_tree(tree, g.group_id)
    mine = TreeKEMPrivate.joiner(tree, new_leaf, newcomer.encryption_priv)
    sender = LeafIndex(0)
    staged = generate_update_path(tree, sender, g.signature_privs[sender], group_id=g.group_id)
    path = staged.encrypt(CONTEXT)
    merged = tree.copy()
    merge_update_path(merged, sender, path, group_id=g.group_id)
    got = decrypt_update_path(merged, mine, sender, path, CONTEXT)
    assert got.commit_secret == staged.commit_secret
    assert got.private.is_consistent(merged)


def test_removed_member_cannot_decrypt(group7: SyntheticGroup) -> None:
    g = group7
    for victim in (LeafIndex(3), LeafIndex(6)):
        tree = g.tree.copy()
        remove_leaf(tree, victim)
        staged = generate_update_path(
            tree, LeafIndex(1), g.signature_privs[LeafIndex(1)], group_id=g.group_id
        )
        path = staged.encrypt(CONTEXT)
        merged = tree.copy()
        merge_update_path(merged, LeafIndex(1), path, group_id=g.group_id)
        with pytest.raises(MLSError):
            decrypt_update_path(merged, g.private(victim), LeafIndex(1), path, CONTEXT)


def test_tampered_paths_are_rejected(group7: SyntheticGroup) -> None:
    g = group7
    sender, receiver = LeafIndex(4), LeafIndex(0)
    staged = generate_update_path(g.tree, sender, g.signature_privs[sender], group_id=g.group_id)
    path = staged.encrypt(CONTEXT)

    def merged_with(p: UpdatePath) -> RatchetTree:
        t = g.tree.copy()
        merge_update_path(t, sender, p, group_id=g.group_id)
        return t

    # A different public key breaks the leaf's parent hash.
    first = path.nodes[0]
    bad_key = replace(first, encryption_key=path.nodes[1].encryption_key)
    with pytest.raises(ValidationError, match="parent_hash"):
        merged_with(replace(path, nodes=(bad_key, *path.nodes[1:])))
    # One node too many or too few.
    with pytest.raises(ValidationError, match="filtered direct path"):
        merged_with(replace(path, nodes=path.nodes[:-1]))
    # A forged leaf signature.
    sig = path.leaf_node.signature
    forged = replace(path.leaf_node, signature=bytes([sig[0] ^ 1]) + sig[1:])
    with pytest.raises(ValidationError, match="signature"):
        merged_with(replace(path, leaf_node=forged))
    # A corrupted ciphertext for the receiver's copath node.
    tree = merged_with(path)
    top = path.nodes[-1]
    ct = top.encrypted_path_secret[0]
    bad_ct = HPKECiphertext(ct.kem_output, bytes([ct.ciphertext[0] ^ 1]) + ct.ciphertext[1:])
    bad_top = UpdatePathNode(top.encryption_key, (bad_ct, *top.encrypted_path_secret[1:]))
    bad = replace(path, nodes=(*path.nodes[:-1], bad_top))
    with pytest.raises(CryptoError):
        decrypt_update_path(tree, g.private(receiver), sender, bad, CONTEXT)
    # The wrong group context.
    with pytest.raises(CryptoError):
        decrypt_update_path(tree, g.private(receiver), sender, path, CONTEXT + b"!")


def test_staging_leaves_tree_untouched(group7: SyntheticGroup) -> None:
    g = group7
    before, hash_before = g.tree.encode(), g.tree.tree_hash()
    staged = generate_update_path(
        g.tree, LeafIndex(5), g.signature_privs[LeafIndex(5)], group_id=g.group_id
    )
    merged = g.tree.copy()
    merge_update_path(merged, LeafIndex(5), staged.encrypt(CONTEXT), group_id=g.group_id)
    remove_leaf(merged, LeafIndex(6))
    assert g.tree.encode() == before and g.tree.tree_hash() == hash_before
    assert merged.tree_hash() != hash_before


def test_secrets_stay_out_of_reprs(group7: SyntheticGroup) -> None:
    g = group7
    staged = generate_update_path(
        g.tree, LeafIndex(1), g.signature_privs[LeafIndex(1)], group_id=g.group_id
    )
    path = staged.encrypt(CONTEXT)
    merged = g.tree.copy()
    merge_update_path(merged, LeafIndex(1), path, group_id=g.group_id)
    processed = decrypt_update_path(merged, g.private(LeafIndex(0)), LeafIndex(1), path, CONTEXT)
    secrets = [staged.commit_secret, processed.path_secret, *staged.path_secrets]
    secrets += [priv for priv, _ in staged.private.key_pairs().values()]
    for obj in (staged, processed, staged.private, g.private(LeafIndex(3))):
        text = repr(obj)
        for s in secrets:
            assert s.hex() not in text and repr(s) not in text, type(obj).__name__


def test_private_state_round_trip(group7: SyntheticGroup) -> None:
    priv = group7.private(LeafIndex(2))
    again = TreeKEMPrivate.decode(SUITE, priv.encode())
    assert again == priv and again.is_consistent(group7.tree)
    with pytest.raises(MLSError):
        TreeKEMPrivate.decode(cipher_suite(2), priv.encode())


# --- random evolutions ---------------------------------------------------------------


class _Sim:
    """Every member keeps its own private state; the public tree is shared."""

    def __init__(self, suite: CipherSuite, seed: int) -> None:
        self.suite = suite
        self.random = _rng(seed)
        self.group = synthetic_group(suite, 3, seed=seed)
        self.tree = self.group.tree
        self.sig = dict(self.group.signature_privs)
        self.priv = {leaf: self.group.private(leaf) for leaf, _ in self.tree.leaves()}
        self.counter = 0

    def members(self) -> list[LeafIndex]:
        return [leaf for leaf, _ in self.tree.leaves()]

    def commit(self, committer: LeafIndex, staged_tree: RatchetTree, new: set[LeafIndex]) -> None:
        gid = self.group.group_id
        staged = generate_update_path(
            staged_tree, committer, self.sig[committer], group_id=gid, random=self.random
        )
        context = b"ctx" + staged.tree.tree_hash()
        path = staged.encrypt(context, frozenset(new))
        for leaf in self.members():
            if leaf == committer or leaf in new or leaf not in self.priv:
                continue
            merged = staged_tree.copy()
            merge_update_path(merged, committer, path, group_id=gid)
            assert merged == staged.tree
            own = self.priv[leaf].pruned(staged_tree)
            got = decrypt_update_path(merged, own, committer, path, context, frozenset(new))
            assert got.commit_secret == staged.commit_secret, f"leaf {leaf} disagrees"
            self.priv[leaf] = got.private
        self.priv[committer] = staged.private
        self.tree = staged.tree
        for leaf in new:
            self.priv[leaf] = TreeKEMPrivate.joiner(
                self.tree, leaf, self.pending[leaf], staged.path_secret_for(leaf)
            )

    def step(self, op: int, pick: int, with_path: bool) -> None:
        members = self.members()
        committer = members[pick % len(members)]
        staged_tree = self.tree.copy()
        new: set[LeafIndex] = set()
        self.pending: dict[LeafIndex, bytes] = {}
        if op == 0 or len(members) < 3:  # add
            self.counter += 1
            m = make_member(self.suite, b"m%d" % self.counter, self.random)
            leaf = add_leaf(staged_tree, m.leaf_node)
            new.add(leaf)
            self.sig[leaf] = m.signature_priv
            self.pending[leaf] = m.encryption_priv
            if not with_path:
                self.tree = staged_tree
                self.priv[leaf] = TreeKEMPrivate.joiner(self.tree, leaf, m.encryption_priv)
                return
        elif op == 1:  # remove someone other than the committer
            victim = next(v for v in members[pick % len(members) + 1 :] + members if v != committer)
            remove_leaf(staged_tree, victim)
            old = self.priv.pop(victim)
            self.commit(committer, staged_tree, new)
            with pytest.raises(MLSError):
                self._victim_check(victim, old)
            return
        elif op == 2:  # update proposal by another member, then a commit
            updater = next(v for v in members if v != committer)
            enc_priv, enc_pub = self.suite.derive_key_pair(self.random(32))
            old_leaf = self.tree.leaf(updater)
            assert old_leaf is not None
            leaf_node = LeafNode.create(
                self.suite,
                self.sig[updater],
                encryption_key=enc_pub,
                signature_key=old_leaf.signature_key,
                credential=old_leaf.credential,
                capabilities=old_leaf.capabilities,
                leaf_node_source=LeafNodeSource.UPDATE,
                group_id=self.group.group_id,
                leaf_index=updater,
            )
            update_leaf(staged_tree, updater, leaf_node)
            self.priv[updater] = self.priv[updater].with_leaf_key(enc_priv)
        self.commit(committer, staged_tree, new)

    def _victim_check(self, victim: LeafIndex, old: TreeKEMPrivate) -> None:
        # Anyone's next commit must stay unreadable for the removed member.
        sender = self.members()[0]
        staged = generate_update_path(
            self.tree, sender, self.sig[sender], group_id=self.group.group_id
        )
        path = staged.encrypt(b"later")
        merged = self.tree.copy()
        merge_update_path(merged, sender, path, group_id=self.group.group_id)
        if old.leaf_index == sender:
            raise MLSError("victim index reused")
        decrypt_update_path(merged, old, sender, path, b"later")

    def check(self) -> None:
        validate_tree(self.tree, self.group.group_id)
        for leaf in self.members():
            assert self.priv[leaf].is_consistent(self.tree), f"leaf {leaf} inconsistent"


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    ops=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50), st.booleans()), max_size=12),
)
def test_random_evolution_agrees(seed: int, ops: list[tuple[int, int, bool]]) -> None:
    sim = _Sim(SUITE, seed)
    for op, pick, with_path in ops:
        sim.step(op, pick, with_path)
        sim.check()


def test_find_leaf(group7: SyntheticGroup) -> None:
    for index, leaf in group7.tree.leaves():
        assert group7.tree.find_leaf(leaf) == index
    stranger = make_member(SUITE, b"stranger", _rng(9))
    assert group7.tree.find_leaf(stranger.leaf_node) is None
