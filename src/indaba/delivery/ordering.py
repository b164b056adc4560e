"""The ordering rules of a group's log.

Theory of operation
-------------------
Each session has at most one MLS group, and the service keeps one totally ordered log
per group.  Every accepted message gets the next sequence number; members apply the
log in sequence order, so they all see the same commits in the same order and agree
on every epoch::

    seq:    1        2        3         4        5         6
          app@0    app@0   COMMIT@0   app@1   app@1   COMMIT@1 ...
    epoch:  0 ───────────────────────┤ 1 ────────────────────┤ 2

Rules, checked in this order for each frame (the first that fails names the refusal):

1. The frame parses and its MLS message is a PublicMessage or PrivateMessage of this
   group (``malformed``, ``wire_format_not_allowed``, ``wrong_group``).
2. The exact bytes were not accepted before (``replay``).
3. The sender is in the group's roster, unless the frame is an external commit that
   names the sender as the joiner (``not_in_group``, ``joiner_mismatch``).
4. The message is for the current epoch.  Older: ``stale_epoch`` with the current
   epoch and ``catch_up_from``, the sequence number of the commit that ended the
   sender's epoch -- process the log from there, then retry.  Newer: ``future_epoch``.
5. A commit comes with the GroupInfo of the epoch it creates (``group_info_required``,
   ``group_info_mismatch``), and everyone it brings into the roster is admitted to the
   session (``not_admitted``).
6. Accepted: seq = head + 1.  A commit also moves the epoch on by one, so exactly one
   commit is accepted per epoch -- the first to arrive; every concurrent commit for the
   same epoch is now stale (rule 4).

:meth:`GroupLog.offer` decides without changing anything; :meth:`GroupLog.apply`
merges an accepted frame (stage, then merge).  The I/O layer persists a batch of
accepted frames in one transaction guarded by the head it started from, and reloads
the log if another process moved it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Container
from dataclasses import dataclass, field
from datetime import datetime

from indaba.delivery.errors import Reason, Rejected, Rejection
from indaba.delivery.frames import ClientFrame, FrameKind
from indaba.delivery.routing import GroupInfoView, Routing, inspect_group_info, inspect_message
from indaba.mls.wire.framing import ContentType, WireFormat

#: how many past epochs remember the sequence number of their closing commit
COMMIT_MEMORY = 256


def identity_to_member(identity: bytes) -> str:
    """The member id an MLS BasicCredential identity names (its UTF-8 text)."""
    try:
        return identity.decode("utf-8")
    except UnicodeDecodeError:
        return "hex:" + identity.hex()


def digest(message: bytes) -> bytes:
    """What replay detection compares: SHA-256 of the MLS message bytes."""
    return hashlib.sha256(message).digest()


@dataclass(frozen=True)
class LogEntry:
    """One accepted message, as stored and relayed."""

    seq: int
    epoch: int
    content_type: ContentType
    wire_format: WireFormat
    digest: bytes = field(repr=False)
    data: bytes = field(repr=False)
    created_at: datetime

    def __post_init__(self) -> None:
        if self.seq < 1 or self.epoch < 0:
            raise ValueError("seq starts at 1 and epochs at 0")


@dataclass(frozen=True)
class Accepted:
    """The decision to append a frame; a commit also carries the next epoch's state."""

    ref: int
    entry: LogEntry
    group_info: bytes | None = field(default=None, repr=False)
    roster: frozenset[str] | None = None

    @property
    def next_epoch(self) -> int:
        is_commit = self.entry.content_type == ContentType.COMMIT
        return self.entry.epoch + 1 if is_commit else self.entry.epoch


Decision = Accepted | Rejected


@dataclass
class GroupLog:
    """The state of one group's log that the ordering rules need."""

    session_id: str
    group_id: bytes
    cipher_suite: int
    epoch: int
    head: int
    roster: frozenset[str]
    group_info: bytes = field(repr=False)
    commit_seqs: dict[int, int] = field(default_factory=dict)

    def offer(
        self,
        frame: ClientFrame,
        sender: str,
        admitted: Collection[str],
        seen: Container[bytes],
        now: datetime,
    ) -> Decision:
        """Decide on one frame from ``sender`` (a member id); nothing changes yet."""
        try:
            return self._decide(frame, sender, admitted, seen, now)
        except Rejection as exc:
            return exc.rejected

    def apply(self, accepted: Accepted) -> None:
        """Merge an accepted frame into the log's state."""
        entry = accepted.entry
        if entry.seq != self.head + 1 or entry.epoch != self.epoch:
            raise ValueError("an accepted frame is applied once, in order")
        self.head = entry.seq
        if entry.content_type == ContentType.COMMIT:
            assert accepted.group_info is not None and accepted.roster is not None
            self.commit_seqs[self.epoch] = entry.seq
            self.commit_seqs.pop(self.epoch - COMMIT_MEMORY, None)
            self.epoch += 1
            self.group_info = accepted.group_info
            self.roster = accepted.roster

    def catch_up_from(self, epoch: int) -> int:
        """The first seq a member still in ``epoch`` must process (1 when forgotten)."""
        return self.commit_seqs.get(epoch, min(self.commit_seqs.values(), default=1))

    def _decide(
        self,
        frame: ClientFrame,
        sender: str,
        admitted: Collection[str],
        seen: Container[bytes],
        now: datetime,
    ) -> Decision:
        if frame.kind == FrameKind.CREATE:
            return Rejected(Reason.GROUP_EXISTS, "This session's group already exists.")
        routing = inspect_message(frame.message)
        if routing.group_id != self.group_id:
            return Rejected(Reason.WRONG_GROUP, "The message is for another group.")
        message_digest = digest(frame.message)
        if message_digest in seen:
            return Rejected(Reason.REPLAY, "This exact message was already delivered.")
        if routing.is_external_commit:
            if routing.joiner is None or identity_to_member(routing.joiner) != sender:
                return Rejected(
                    Reason.JOINER_MISMATCH,
                    "An external commit must carry the sender's own credential.",
                )
        elif sender not in self.roster:
            return Rejected(
                Reason.NOT_IN_GROUP, "Join the group by external commit before sending."
            )
        if routing.epoch < self.epoch:
            return Rejected(
                Reason.STALE_EPOCH,
                f"The group is at epoch {self.epoch}; process the log, then retry.",
                epoch=self.epoch,
                catch_up_from=self.catch_up_from(routing.epoch),
            )
        if routing.epoch > self.epoch:
            return Rejected(
                Reason.FUTURE_EPOCH,
                f"The group is at epoch {self.epoch}, not {routing.epoch}.",
                epoch=self.epoch,
            )
        entry = LogEntry(
            seq=self.head + 1,
            epoch=self.epoch,
            content_type=routing.content_type,
            wire_format=routing.wire_format,
            digest=message_digest,
            data=frame.message,
            created_at=now,
        )
        if not routing.is_commit:
            if frame.kind != FrameKind.MESSAGE:
                return Rejected(Reason.MALFORMED, "Only commits come with a GroupInfo.")
            return Accepted(frame.ref, entry)
        return self._decide_commit(frame, routing, entry, admitted)

    def _decide_commit(
        self, frame: ClientFrame, routing: Routing, entry: LogEntry, admitted: Collection[str]
    ) -> Decision:
        if frame.kind != FrameKind.COMMIT or frame.group_info is None:
            return Rejected(
                Reason.GROUP_INFO_REQUIRED,
                "Send a commit in a commit frame, with the new epoch's GroupInfo.",
            )
        info = inspect_group_info(frame.group_info)
        if info.group_id != self.group_id or info.epoch != self.epoch + 1:
            return Rejected(
                Reason.GROUP_INFO_MISMATCH,
                f"The GroupInfo must be for this group at epoch {self.epoch + 1}.",
            )
        roster = roster_of(info)
        newcomers = sorted(roster - self.roster - set(admitted))
        if newcomers:
            return Rejected(
                Reason.NOT_ADMITTED,
                f"{len(newcomers)} new key holder(s) are not admitted to this session.",
            )
        return Accepted(frame.ref, entry, frame.group_info, roster)


def roster_of(info: GroupInfoView) -> frozenset[str]:
    return frozenset(identity_to_member(identity) for identity in info.roster)


def expected_group_id(session_id: str) -> bytes:
    """A session's MLS group id: the UTF-8 bytes of the session id."""
    return session_id.encode("utf-8")


def create_group(
    session_id: str, frame: ClientFrame, sender: str, admitted: Collection[str]
) -> GroupLog | Rejected:
    """Start a session's group from its creator's epoch-0 GroupInfo."""
    if frame.kind != FrameKind.CREATE or frame.group_info is None:
        return Rejected(Reason.NO_GROUP, "This session has no group yet; create it first.")
    try:
        info = inspect_group_info(frame.group_info)
    except Rejection as exc:
        return exc.rejected
    if info.group_id != expected_group_id(session_id):
        return Rejected(
            Reason.WRONG_GROUP, "A session's group id is the UTF-8 bytes of the session id."
        )
    if sender not in admitted:
        return Rejected(Reason.NOT_ADMITTED, "You are not admitted to this session.")
    roster = roster_of(info)
    if info.epoch != 0 or roster != {sender}:
        return Rejected(
            Reason.GROUP_INFO_MISMATCH, "A new group is at epoch 0 and holds only its creator."
        )
    return GroupLog(
        session_id=session_id,
        group_id=info.group_id,
        cipher_suite=info.cipher_suite,
        epoch=0,
        head=0,
        roster=roster,
        group_info=frame.group_info,
    )


__all__ = [
    "COMMIT_MEMORY",
    "Accepted",
    "Decision",
    "GroupLog",
    "LogEntry",
    "create_group",
    "digest",
    "expected_group_id",
    "identity_to_member",
    "roster_of",
]
