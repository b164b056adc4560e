"""Why the service refuses a frame: one named reason the client acts on.

A refusal is the peer's fault and concerns one frame only: the gateway answers it with
a ``rejected`` control frame and the connection, the group and the other members go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Stable rejection codes (docs/delivery.md lists what the client does for each)."""

    MALFORMED = "malformed"
    FRAME_TOO_LARGE = "frame_too_large"
    WIRE_FORMAT_NOT_ALLOWED = "wire_format_not_allowed"
    WRONG_GROUP = "wrong_group"
    NO_GROUP = "no_group"
    GROUP_EXISTS = "group_exists"
    STALE_EPOCH = "stale_epoch"
    FUTURE_EPOCH = "future_epoch"
    REPLAY = "replay"
    GROUP_INFO_REQUIRED = "group_info_required"
    GROUP_INFO_MISMATCH = "group_info_mismatch"
    GROUP_INFO_UNUSABLE = "group_info_unusable"
    JOINER_MISMATCH = "joiner_mismatch"
    NOT_ADMITTED = "not_admitted"
    NOT_IN_GROUP = "not_in_group"
    UNSUPPORTED_CIPHER_SUITE = "unsupported_cipher_suite"


@dataclass(frozen=True)
class Rejected:
    """The decision to refuse one frame.

    ``epoch`` is the group's current epoch and ``catch_up_from`` the first sequence
    number the sender must process before retrying (for ``stale_epoch``).
    """

    reason: Reason
    message: str
    epoch: int | None = None
    catch_up_from: int | None = None

    def __post_init__(self) -> None:
        if not self.message:
            raise ValueError("a rejection needs a message")

    def to_json(self, ref: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "rejected",
            "ref": ref,
            "reason": self.reason.value,
            "message": self.message,
        }
        if self.epoch is not None:
            body["epoch"] = self.epoch
        if self.catch_up_from is not None:
            body["catch_up_from"] = self.catch_up_from
        return body


class Rejection(Exception):
    """Raised by the parsers; carries the :class:`Rejected` to send back (peer's fault)."""

    def __init__(self, rejected: Rejected) -> None:
        super().__init__(rejected.message)
        self.rejected = rejected

    @classmethod
    def of(cls, reason: Reason, message: str, **details: int) -> Rejection:
        return cls(Rejected(reason, message, **details))
