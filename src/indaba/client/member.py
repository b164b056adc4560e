"""A member of a session's group, sans-I/O: gateway frames in, frames and events out.

The same protocol as the browser client (docs/delivery.md).  Every own action -- a
message, a commit, the external commit that joins -- takes effect at its position in
the log, when its own bytes come back as an entry; ``accepted`` only confirms it, so a
reconnect that loses an ``accepted`` loses nothing::

    send(text) -> frame ─────────────► gateway ── accepted{ref, seq} ──► (noted)
                                               ── entry(seq, same bytes) ──► Message(own)
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from indaba.delivery.frames import ClientFrame, FrameKind
from indaba.delivery.ordering import identity_to_member
from indaba.mls.crypto import CipherSuite, cipher_suite
from indaba.mls.errors import MLSError
from indaba.mls.group import (
    ApplicationMessage,
    Group,
    StagedCommit,
    create_group,
    join_by_external_commit,
)
from indaba.mls.tree.leaf_node import Credential

DEFAULT_SUITE = 1


@dataclass(frozen=True)
class Message:
    """Text from a member (``own`` for what this member sent), at its place in the log."""

    seq: int
    sender: str
    data: bytes = field(repr=False)
    own: bool = False


@dataclass(frozen=True)
class RosterChanged:
    """A commit moved the group to ``epoch``; ``members`` are the key holders' ids."""

    epoch: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Joined:
    epoch: int


@dataclass(frozen=True)
class NeedGroupInfo:
    """Fetch the GroupInfo (GET /api/sessions/{id}/group-info) and call ``join_with``."""


@dataclass(frozen=True)
class Removed:
    by: str


@dataclass(frozen=True)
class Refused:
    """The service refused one of our frames for a reason we do not recover from."""

    reason: str
    message: str


@dataclass(frozen=True)
class Undecryptable:
    seq: int
    reason: str


Event = Message | RosterChanged | Joined | NeedGroupInfo | Removed | Refused | Undecryptable
Output = bytes | Event  # bytes: a frame to send on the socket


@dataclass
class _Own:
    """An action of ours waiting for its entry in the log."""

    kind: str  # "message" | "commit" | "join" | "create"
    ref: int
    text: bytes = b""
    staged: StagedCommit | None = None
    joined: Group | None = None


class ChatMember:
    """One member's view of one session's group."""

    def __init__(
        self,
        member_id: str,
        session_id: str,
        signature_priv: bytes | None = None,
        suite: int = DEFAULT_SUITE,
        random: Callable[[int], bytes] | None = None,
    ) -> None:
        self.member_id = member_id
        self.session_id = session_id
        self.cs: CipherSuite = cipher_suite(suite)
        self.signature_priv = signature_priv or self.cs.generate_signature_key_pair()[0]
        self.group: Group | None = None
        self.cursor = 0
        self.removed = False
        self._next_ref = 1
        self._own: dict[bytes, _Own] = {}  # message bytes -> action
        self._refs: dict[int, bytes] = {}
        self._resend: list[bytes] = []
        self._wanted_removals: set[str] = set()
        self._commit_pending = False
        self._joining = False

    # -- helpers --------------------------------------------------------------------------
    @property
    def credential(self) -> Credential:
        return Credential.basic(self.member_id.encode("utf-8"))

    def _ref(self) -> int:
        ref = self._next_ref
        self._next_ref = ref % 0xFFFFFFFF + 1
        return ref

    def _frame(self, frame: ClientFrame, own: _Own, key: bytes) -> bytes:
        self._own[key] = own
        self._refs[own.ref] = key
        return frame.encode()

    def members(self) -> tuple[str, ...]:
        if self.group is None:
            return ()
        return tuple(
            sorted(identity_to_member(leaf.credential.identity) for _, leaf in self.group.members())
        )

    def _leaf_of(self, member_id: str) -> int | None:
        assert self.group is not None
        for index, leaf in self.group.members():
            if identity_to_member(leaf.credential.identity) == member_id:
                return int(index)
        return None

    # -- what the application does ----------------------------------------------------------
    def send(self, text: bytes) -> list[Output]:
        """Encrypt ``text`` for the group; returns the frame to send."""
        if self.group is None or not self.group.active:
            raise RuntimeError("not in the group yet")
        message = self.group.encrypt(text)
        ref = self._ref()
        own = _Own("message", ref, text=text)
        return [self._frame(ClientFrame(FrameKind.MESSAGE, ref, message), own, message)]

    def join_with(self, group_info: bytes) -> list[Output]:
        """An external commit into the group described by ``group_info``."""
        group, commit = join_by_external_commit(
            self.cs, group_info, self.credential, self.signature_priv
        )
        ref = self._ref()
        own = _Own("join", ref, joined=group)
        self._joining = True
        frame = ClientFrame(FrameKind.COMMIT, ref, commit, group.group_info())
        return [self._frame(frame, own, commit)]

    def cursor_for_join(self, head: int) -> None:
        """A new joiner starts reading the log at the GroupInfo's head."""
        if self.group is None:
            self.cursor = head

    # -- what the gateway sends ---------------------------------------------------------------
    def on_ready(self, ready: dict[str, Any]) -> list[Output]:
        group = ready.get("group")
        if group is None:
            if self.group is not None:
                return [Refused("group_lost", "The service no longer has this group.")]
            self.group = create_group(
                self.cs, self.session_id.encode("utf-8"), self.credential, self.signature_priv
            )
            ref = self._ref()
            info = self.group.group_info()
            own = _Own("create", ref)
            frame = ClientFrame(FrameKind.CREATE, ref, b"", info)
            self._own[b"create"] = own
            self._refs[ref] = b"create"
            return [frame.encode()]
        out: list[Output] = []
        if self.group is None:
            if not self._joining:
                out.append(NeedGroupInfo())
            return out
        self._wanted_removals.update(group.get("pending_removals", ()))
        out.extend(self._maybe_commit_removals())
        return out

    def on_control(self, body: dict[str, Any]) -> list[Output]:
        kind = body.get("type")
        if kind == "accepted":
            if self._refs.get(body["ref"]) == b"create":
                self._refs.pop(body["ref"])
                self._own.pop(b"create", None)
                assert self.group is not None
                return [Joined(self.group.epoch), RosterChanged(0, self.members())]
            return []
        if kind == "rejected":
            return self._on_rejected(body)
        if kind == "group_created":
            if self.group is None and not self._joining:
                return [NeedGroupInfo()]
            return []
        if kind == "member_removed":
            if body["member_id"] == self.member_id:
                return []
            self._wanted_removals.add(body["member_id"])
            return self._maybe_commit_removals()
        if kind == "removed":
            self.removed = True
            return [Removed(body.get("by", ""))]
        if kind == "caught_up":
            return self._resend_unconfirmed()
        if kind == "history_expired":
            return [
                Refused("history_expired", "Messages were deleted before this client read them.")
            ]
        return []

    def _on_rejected(self, body: dict[str, Any]) -> list[Output]:
        ref = body.get("ref")
        key = self._refs.pop(ref, None) if isinstance(ref, int) else None
        own = self._own.pop(key, None) if key is not None else None
        reason = str(body.get("reason"))
        if own is None:
            return [Refused(reason, str(body.get("message")))]
        if own.kind == "create":
            self.group = None
            return [NeedGroupInfo()]  # someone else created it first
        if own.kind == "join":
            self._joining = False
            if reason == "stale_epoch":
                return [NeedGroupInfo()]
            return [Refused(reason, str(body.get("message")))]
        if own.kind == "commit":
            self._commit_pending = False
            return []  # re-evaluated when the log moves on
        if reason in ("stale_epoch", "future_epoch"):
            self._resend.append(own.text)
            return self._flush_resend(int(body.get("epoch", -1)))
        return [Refused(reason, str(body.get("message")))]

    def _resend_unconfirmed(self) -> list[Output]:
        """After a reconnect's catch-up: what we sent but never saw in the log goes again.

        Identical bytes are safe to resend -- had they been accepted, catch-up would have
        delivered them (and the service refuses a second copy as a replay).
        """
        out: list[Output] = []
        for key, own in list(self._own.items()):
            if own.kind == "message":
                out.append(ClientFrame(FrameKind.MESSAGE, own.ref, key).encode())
            elif own.kind == "commit":
                del self._own[key]
                self._refs.pop(own.ref, None)
                self._commit_pending = False
        out.extend(self._maybe_commit_removals())
        return out

    def _flush_resend(self, epoch: int) -> list[Output]:
        if self.group is None or self.group.epoch < epoch or not self._resend:
            return []
        texts, self._resend = self._resend, []
        out: list[Output] = []
        for text in texts:
            out.extend(self.send(text))
        return out

    def _maybe_commit_removals(self) -> list[Output]:
        if self.group is None or not self.group.active or self._commit_pending:
            return []
        leaves = []
        for member_id in sorted(self._wanted_removals):
            leaf = self._leaf_of(member_id)
            if leaf is None:
                self._wanted_removals.discard(member_id)
            else:
                leaves.append(leaf)
        if not leaves:
            return []
        out = self.group.commit(remove=leaves)
        info = out.group_info
        ref = self._ref()
        own = _Own("commit", ref, staged=out.staged)
        self._commit_pending = True
        frame = ClientFrame(FrameKind.COMMIT, ref, out.commit, info)
        return [self._frame(frame, own, out.commit)]

    def on_entries(self, entries: list[tuple[int, bytes]]) -> list[Output]:
        out: list[Output] = []
        for seq, data in entries:
            if seq <= self.cursor:
                continue  # already processed (a reconnect replays nothing twice)
            self.cursor = seq
            out.extend(self._on_entry(seq, data))
        return out

    def _on_entry(self, seq: int, data: bytes) -> list[Output]:
        own = self._own.pop(data, None)
        if own is not None:
            self._refs.pop(own.ref, None)
            return self._apply_own(seq, own)
        group = self.group
        if group is None or not group.active:
            return []
        try:
            result = group.process(data)
        except MLSError as exc:
            return [Undecryptable(seq, exc.message)]
        if isinstance(result, ApplicationMessage):
            leaf = group.state.tree.leaf(result.sender)
            sender = identity_to_member(leaf.credential.identity) if leaf else "?"
            return [Message(seq, sender, result.data)]
        if isinstance(result, StagedCommit):
            if self._commit_pending:
                self._drop_pending_commit()
            applied = group.merge(result)
            if applied.self_removed:
                self.removed = True
                return [Removed("commit")]
            return self._after_epoch_change()
        return []  # proposals are cached by the group for the next commit

    def _drop_pending_commit(self) -> None:
        for key, own in list(self._own.items()):
            if own.kind == "commit":
                del self._own[key]
                self._refs.pop(own.ref, None)
        self._commit_pending = False

    def _apply_own(self, seq: int, own: _Own) -> list[Output]:
        if own.kind == "message":
            return [Message(seq, self.member_id, own.text, own=True)]
        if own.kind == "join":
            assert own.joined is not None
            self.group = own.joined
            self._joining = False
            return [Joined(self.group.epoch), *self._after_epoch_change()]
        if own.kind == "commit":
            assert self.group is not None and own.staged is not None
            self._commit_pending = False
            self.group.merge(own.staged)
            return self._after_epoch_change()
        return []

    def _after_epoch_change(self) -> list[Output]:
        assert self.group is not None
        out: list[Output] = [RosterChanged(self.group.epoch, self.members())]
        out.extend(self._flush_resend(self.group.epoch))
        out.extend(self._maybe_commit_removals())
        return out


def decode_group_info(body: dict[str, Any]) -> tuple[int, bytes]:
    """(head, GroupInfo bytes) from ``GET /api/sessions/{id}/group-info``."""
    return int(body["head"]), base64.b64decode(body["group_info"])
