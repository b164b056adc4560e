"""Serialising and restoring a member's full state.

The blob holds everything :class:`~.group.Group` needs to continue: the GroupContext,
the public tree, the TreeKEM private keys, the epoch secrets still in use, the secret
tree's ratchets (already-used keys are gone), cached proposals, pending Update keys
and PSKs.  It is secret: the application must encrypt it at rest.  It never holds
``joiner_secret``, ``epoch_secret`` or ``encryption_secret`` (see
:meth:`~indaba.mls.key_schedule.EpochSecrets.without_transient`), nor keys of past
epochs other than their resumption PSKs.
"""

from __future__ import annotations

from ..codec import Reader, Writer
from ..crypto import CipherSuite, cipher_suite
from ..errors import DecodeError, UsageError
from ..key_schedule import EpochSecrets
from ..secret_tree import SecretTree
from ..tree.private_state import TreeKEMPrivate
from ..tree.ratchet_tree import RatchetTree
from ..tree_math import LeafIndex
from ..wire.framing import Sender
from ..wire.group_context import GroupContext
from ..wire.proposals import read_proposal, write_proposal
from .group import CachedProposal, Group
from .state import EpochState, GroupConfig

__all__ = ["dump", "load"]

FORMAT_VERSION = 1
FIELDS = EpochSecrets.FIELDS


def dump(g: Group) -> bytes:
    s = g.state
    w = Writer().u16(FORMAT_VERSION).u16(s.cs.suite_id).boolean(g.active)
    w.opaque_v(s.context.encode()).u32(s.tree.n_leaves).opaque_v(s.tree.encode())
    w.opaque_v(s.private.encode()).u32(s.own_leaf).opaque_v(s.signature_priv)
    for name in EpochSecrets.FIELDS:
        w.opaque_v(getattr(s.secrets, name))
    w.opaque_v(s.interim_transcript_hash)
    w.opaque_v(g.secret_tree.encode())

    def proposal(w2: Writer, item: tuple[bytes, CachedProposal]) -> None:
        ref, cached = item
        w2.opaque_v(ref)
        write_proposal(w2, cached.proposal)
        cached.sender.write(w2)

    w.vector(sorted(g.pending_proposals().items()), proposal)
    w.vector(sorted(g._update_keys.items()), lambda w2, kv: w2.opaque_v(kv[0]).opaque_v(kv[1]))
    w.vector(sorted(g._external_psks.items()), lambda w2, kv: w2.opaque_v(kv[0]).opaque_v(kv[1]))
    w.vector(
        sorted(g._resumption_psks.items()),
        lambda w2, kv: w2.opaque_v(kv[0][0]).u64(kv[0][1]).opaque_v(kv[1]),
    )

    def past(w2: Writer, item: tuple[int, tuple[EpochState, SecretTree]]) -> None:
        epoch, (ps, st) = item
        w2.u64(epoch).opaque_v(ps.context.encode()).u32(ps.tree.n_leaves)
        w2.opaque_v(ps.tree.encode()).u32(ps.own_leaf).opaque_v(ps.secrets.sender_data_secret)
        w2.opaque_v(st.encode())

    w.vector(sorted(g._past.items()), past)
    return w.getvalue()


def _read_tree(cs: CipherSuite, r: Reader) -> RatchetTree:
    n_leaves = r.u32()
    tree = RatchetTree.decode(cs, r.opaque_v())
    while tree.n_leaves < n_leaves:
        tree.extend()
    if tree.n_leaves != n_leaves:
        raise DecodeError("stored tree size is inconsistent")
    return tree


def load(data: bytes, *, config: GroupConfig | None = None) -> Group:
    r = Reader(data)
    if r.u16() != FORMAT_VERSION:
        raise DecodeError("unknown group state format")
    try:
        cs = cipher_suite(r.u16())
    except UsageError as exc:
        raise DecodeError(exc.message) from exc
    active = r.boolean()
    context = GroupContext.decode(r.opaque_v())
    tree = _read_tree(cs, r)
    private = TreeKEMPrivate.decode(cs, r.opaque_v())
    own_leaf = LeafIndex(r.u32())
    signature_priv = r.opaque_v()
    secrets = EpochSecrets(**{name: r.opaque_v() for name in EpochSecrets.FIELDS})
    interim = r.opaque_v()
    secret_tree = SecretTree.decode(cs, r.opaque_v())
    proposals = r.vector(
        lambda r2: (r2.opaque_v(), CachedProposal(read_proposal(r2), Sender.read(r2)))
    )
    update_keys = r.vector(lambda r2: (r2.opaque_v(), r2.opaque_v()))
    external = r.vector(lambda r2: (r2.opaque_v(), r2.opaque_v()))
    resumption = r.vector(lambda r2: ((r2.opaque_v(), r2.u64()), r2.opaque_v()))

    def past(r2: Reader) -> tuple[int, tuple[EpochState, SecretTree]]:
        epoch = r2.u64()
        ctx = GroupContext.decode(r2.opaque_v())
        ptree = _read_tree(cs, r2)
        leaf = LeafIndex(r2.u32())
        sd = r2.opaque_v()
        st = SecretTree.decode(cs, r2.opaque_v())
        empty = EpochSecrets(**{n: sd if n == "sender_data_secret" else b"" for n in FIELDS})
        ps = EpochState(cs, ctx, ptree, TreeKEMPrivate(cs, leaf, {}), leaf, b"", empty, b"")
        return epoch, (ps, st)

    past_epochs = dict(r.vector(past))
    r.done()
    if secret_tree.n_leaves != tree.n_leaves:
        raise DecodeError("stored tree and secret tree sizes disagree")
    state = EpochState(cs, context, tree, private, own_leaf, signature_priv, secrets, interim)
    g = Group.__new__(Group)
    g.config = config or GroupConfig()
    g._state = state
    g._secret_tree = secret_tree
    g._proposals = dict(proposals)
    g._update_keys = dict(update_keys)
    g._external_psks = dict(external)
    g._resumption_psks = dict(resumption)
    g._past = past_epochs
    g._active = active
    return g
