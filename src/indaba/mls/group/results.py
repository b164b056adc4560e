"""What processing a message returns: one closed set of small frozen dataclasses.

``Group.process`` returns :data:`ProcessResult`; a :class:`StagedCommit` becomes
:class:`CommitApplied` only when the caller passes it to ``Group.merge``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..tree_math import LeafIndex
from ..wire.framing import Sender
from ..wire.proposals import Proposal

if TYPE_CHECKING:
    from .state import EpochState

__all__ = [
    "ApplicationMessage",
    "CommitApplied",
    "CommitOutput",
    "ProcessResult",
    "ProposalReceived",
    "StagedCommit",
]


@dataclass(frozen=True)
class ApplicationMessage:
    """Decrypted application data from a member."""

    sender: LeafIndex
    epoch: int
    data: bytes = field(repr=False)
    authenticated_data: bytes = b""


@dataclass(frozen=True)
class ProposalReceived:
    """A proposal, validated for its sender and cached for a later commit."""

    sender: Sender
    epoch: int
    proposal: Proposal
    reference: bytes


@dataclass(frozen=True)
class StagedCommit:
    """A verified commit and the next epoch it leads to; nothing is applied yet.

    Pass it to ``Group.merge`` to move to ``epoch``; drop it to reject the commit.
    """

    sender: Sender
    epoch: int
    proposals: tuple[Proposal, ...]
    added: tuple[LeafIndex, ...]
    removed: tuple[LeafIndex, ...]
    updated: tuple[LeafIndex, ...]
    self_removed: bool
    base_epoch_authenticator: bytes = field(repr=False)
    next_state: EpochState | None = field(repr=False, compare=False)


@dataclass(frozen=True)
class CommitApplied:
    """The group moved to a new epoch."""

    epoch: int
    sender: Sender
    added: tuple[LeafIndex, ...]
    removed: tuple[LeafIndex, ...]
    updated: tuple[LeafIndex, ...]
    self_removed: bool


@dataclass(frozen=True)
class CommitOutput:
    """What creating a commit produces: the messages to send and the staged next epoch.

    Send ``commit`` to the group and ``welcome`` (if any) to the new members, then call
    ``Group.merge(staged)`` once the delivery service has accepted the commit.
    ``group_info`` is the signed GroupInfo of the new epoch (the one inside the Welcome
    when members were added), which a delivery service hands to external joiners.
    """

    commit: bytes = field(repr=False)
    welcome: bytes | None = field(repr=False)
    group_info: bytes = field(repr=False)
    staged: StagedCommit


ProcessResult = ApplicationMessage | ProposalReceived | StagedCommit
