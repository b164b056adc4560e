"""The :class:`Group` object: one member's view of one MLS group (RFC 9420).

Sans-I/O: every method takes bytes and returns bytes or result objects; randomness
and time are parameters.  Typical use::

    out = alice.commit(add=[bob_key_package])          # nothing changes yet
    deliver(out.commit); deliver_to_bob(out.welcome)
    alice.merge(out.staged)                            # after the DS accepted it

    result = carol.process(out.commit)                 # StagedCommit
    carol.merge(result)                                # -> CommitApplied
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from ..crypto import CipherSuite
from ..errors import UsageError, ValidationError
from ..key_schedule import mls_exporter
from ..psk import PreSharedKeyID
from ..secret_tree import SecretTree
from ..transcript import confirmation_tag
from ..tree.leaf_node import Extension, LeafNode
from ..tree_math import LeafIndex
from ..wire.framing import AuthenticatedContent, ContentType, Sender, WireFormat
from ..wire.key_package import KeyPackage
from ..wire.message import MLSMessage
from ..wire.proposals import Add, PreSharedKey, Proposal, Remove
from . import membership, processing
from .epoch import resolve_psk_secret
from .results import CommitApplied, CommitOutput, ProcessResult, StagedCommit
from .sending import send
from .state import EpochState, GroupConfig

__all__ = ["CachedProposal", "Group"]

Random = Callable[[int], bytes]


@dataclass(frozen=True)
class CachedProposal:
    proposal: Proposal
    sender: Sender


class Group:
    """One member of one group.  See the module docstring for the life cycle."""

    def __init__(
        self,
        state: EpochState,
        *,
        config: GroupConfig | None = None,
        external_psks: dict[bytes, bytes] | None = None,
    ) -> None:
        self.config = config or GroupConfig()
        self._secret_tree = self._new_secret_tree(state)
        self._state = _forget_transient(state)
        self._proposals: dict[bytes, CachedProposal] = {}
        self._update_keys: dict[bytes, bytes] = {}
        self._external_psks: dict[bytes, bytes] = dict(external_psks or {})
        self._resumption_psks: dict[tuple[bytes, int], bytes] = {
            (state.group_id, state.epoch): state.secrets.resumption_psk
        }
        self._past: dict[int, tuple[EpochState, SecretTree]] = {}
        self._active = True

    def _new_secret_tree(self, state: EpochState) -> SecretTree:
        return SecretTree(
            state.cs,
            state.secrets.encryption_secret,
            state.tree.n_leaves,
            out_of_order_tolerance=self.config.out_of_order_tolerance,
            maximum_forward_distance=self.config.maximum_forward_distance,
        )

    def __repr__(self) -> str:
        return f"Group({self._state!r}, active={self._active})"

    # --- read-only views --------------------------------------------------------------
    @property
    def state(self) -> EpochState:
        return self._state

    @property
    def secret_tree(self) -> SecretTree:
        return self._secret_tree

    @property
    def cipher_suite(self) -> CipherSuite:
        return self._state.cs

    @property
    def group_id(self) -> bytes:
        return self._state.group_id

    @property
    def epoch(self) -> int:
        return self._state.epoch

    @property
    def own_leaf(self) -> LeafIndex:
        return self._state.own_leaf

    @property
    def active(self) -> bool:
        """False once this member has been removed from the group."""
        return self._active

    @property
    def epoch_authenticator(self) -> bytes:
        return self._state.secrets.epoch_authenticator

    def members(self) -> Iterator[tuple[LeafIndex, LeafNode]]:
        return self._state.tree.leaves()

    def export_secret(self, label: bytes, context: bytes, length: int) -> bytes:
        """MLS-Exporter(label, context, length) for this epoch (§8.5)."""
        self.require_active()
        s = self._state
        return mls_exporter(s.cs, s.secrets.exporter_secret, label, context, length)

    def require_active(self) -> None:
        if not self._active:
            raise UsageError("this member has been removed from the group")

    # --- PSKs -------------------------------------------------------------------------
    def add_external_psk(self, psk_id: bytes, psk: bytes) -> None:
        self._external_psks[bytes(psk_id)] = bytes(psk)

    def psk_secret(self, psk_ids: Sequence[PreSharedKeyID]) -> bytes:
        return resolve_psk_secret(
            self._state.cs, psk_ids, self._external_psks, self._resumption_psks
        )

    # --- proposal cache ---------------------------------------------------------------
    def pending_proposals(self) -> dict[bytes, CachedProposal]:
        return dict(self._proposals)

    def cache_proposal(self, ac: AuthenticatedContent, proposal: Proposal, sender: Sender) -> bytes:
        ref = self._state.cs.make_proposal_ref(ac.encode())
        if ref not in self._proposals and len(self._proposals) >= self.config.max_pending_proposals:
            raise ValidationError("too many pending proposals in this epoch", reason="too_many")
        self._proposals[ref] = CachedProposal(proposal, sender)
        return ref

    def remember_update_key(self, public: bytes, private: bytes) -> None:
        self._update_keys[public] = private

    def update_key(self, public: bytes) -> bytes | None:
        return self._update_keys.get(public)

    # --- sending ----------------------------------------------------------------------
    def encrypt(
        self,
        data: bytes,
        *,
        authenticated_data: bytes = b"",
        random: Random = _secrets.token_bytes,
    ) -> bytes:
        """An application message as a PrivateMessage (§6.3); ``random`` feeds the reuse
        guard."""
        self.require_active()
        _, out = send(
            self,
            ContentType.APPLICATION,
            bytes(data),
            authenticated_data=authenticated_data,
            wire_format=WireFormat.PRIVATE_MESSAGE,
            random=random,
        )
        return out

    def propose_add(self, key_package: KeyPackage | bytes) -> bytes:
        return membership.propose(self, Add(_key_package(key_package)))

    def propose_remove(self, leaf: int) -> bytes:
        return membership.propose(self, Remove(leaf))

    def propose_update(self, *, random: Random = _secrets.token_bytes) -> bytes:
        return membership.propose(self, membership.update_proposal(self, random=random))

    def propose_psk(self, psk_id: PreSharedKeyID) -> bytes:
        return membership.propose(self, PreSharedKey(psk_id))

    def commit(
        self,
        *,
        add: Sequence[KeyPackage | bytes] = (),
        remove: Sequence[int] = (),
        psks: Sequence[PreSharedKeyID] = (),
        extensions: tuple[Extension, ...] | None = None,
        include_pending: bool = True,
        path: bool = True,
        authenticated_data: bytes = b"",
        now: int | None = None,
        random: Random = _secrets.token_bytes,
    ) -> CommitOutput:
        """Create a commit; call :meth:`merge` with ``out.staged`` once it is accepted."""
        return membership.create_commit(
            self,
            add=[_key_package(kp) for kp in add],
            remove=[LeafIndex(r) for r in remove],
            psks=psks,
            extensions=extensions,
            include_pending=include_pending,
            path=path,
            authenticated_data=authenticated_data,
            now=now,
            random=random,
        )

    # --- persistence ------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """This member's full state (secrets included: encrypt it at rest)."""
        from .persist import dump

        return dump(self)

    @classmethod
    def from_bytes(cls, data: bytes, *, config: GroupConfig | None = None) -> Group:
        from .persist import load

        return load(data, config=config)

    def group_info(self) -> bytes:
        """A signed GroupInfo (MLSMessage) for external joiners of the current epoch."""
        self.require_active()
        s = self._state
        tag = confirmation_tag(
            s.cs, s.secrets.confirmation_key, s.context.confirmed_transcript_hash
        )
        return MLSMessage(membership.group_info(self, s, tag)).encode()

    # --- receiving --------------------------------------------------------------------
    def process(self, message: bytes, *, now: int | None = None) -> ProcessResult:
        """Unprotect, verify and interpret one MLSMessage; commits come back staged."""
        return processing.process(self, message, now=now)

    def merge(self, staged: StagedCommit) -> CommitApplied:
        """Install a staged commit's epoch (ours or a received one)."""
        self.require_active()
        if staged.base_epoch_authenticator != self.epoch_authenticator:
            raise UsageError("staged commit was built for another epoch")
        if staged.self_removed:
            self._active = False
        else:
            assert staged.next_state is not None
            self._install(staged.next_state)
        return CommitApplied(
            staged.epoch,
            staged.sender,
            staged.added,
            staged.removed,
            staged.updated,
            staged.self_removed,
        )

    def past_epoch(self, epoch: int) -> tuple[EpochState, SecretTree] | None:
        """A recent epoch kept for late application messages, if still held."""
        return self._past.get(epoch)

    def _install(self, state: EpochState) -> None:
        if self.config.max_past_epochs > 0:
            self._past[self._state.epoch] = (self._state.as_past(), self._secret_tree)
            for old in sorted(self._past)[: -self.config.max_past_epochs]:
                del self._past[old]
        self._secret_tree = self._new_secret_tree(state)
        self._state = _forget_transient(state)
        self._proposals.clear()
        self._update_keys.clear()
        self._resumption_psks[(state.group_id, state.epoch)] = state.secrets.resumption_psk
        window = self.config.resumption_psk_window
        for key in sorted(self._resumption_psks, key=lambda k: k[1])[: -window or None]:
            del self._resumption_psks[key]


def _forget_transient(state: EpochState) -> EpochState:
    return replace(state, secrets=state.secrets.without_transient())


def _key_package(kp: KeyPackage | bytes) -> KeyPackage:
    if isinstance(kp, KeyPackage):
        return kp
    msg = MLSMessage.decode(kp)
    if not isinstance(msg.body, KeyPackage):
        raise UsageError("expected a KeyPackage MLSMessage")
    return msg.body
