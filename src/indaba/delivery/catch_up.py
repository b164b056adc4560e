"""Delivering a log to one connection exactly once, in order, across reconnects.

A connection holds a cursor: the last sequence number the client has.  Entries reach
it from two sources that race -- the catch-up read from the store and the live
fan-out -- so each entry is offered to :meth:`Cursor.offer`, which says to send it,
drop it (already sent), or first fetch the gap before it from the store::

    cursor = 4   live 5 -> send      live 5 again -> drop
                 live 8 -> fetch 6..7 from the store, then send 8

The client does the same with the cursor it keeps, so nothing is lost or duplicated
even when a connection breaks mid-frame.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Send:
    seq: int


@dataclass(frozen=True)
class Drop:
    seq: int


@dataclass(frozen=True)
class FetchGap:
    """Read ``first..last`` (inclusive) from the store before sending ``last + 1``."""

    first: int
    last: int


Step = Send | Drop | FetchGap


class Cursor:
    """The last sequence number delivered on one connection."""

    __slots__ = ("position",)

    def __init__(self, position: int) -> None:
        if position < 0:
            raise ValueError("a cursor is 0 (nothing yet) or a sequence number")
        self.position = position

    def offer(self, seq: int) -> Step:
        """What to do with entry ``seq``; a :class:`Send` advances the cursor."""
        if seq <= self.position:
            return Drop(seq)
        if seq > self.position + 1:
            return FetchGap(self.position + 1, seq - 1)
        self.position = seq
        return Send(seq)


@dataclass(frozen=True)
class CatchUpPlan:
    """What a reconnecting client gets: entries ``first..head``, or news of expiry."""

    first: int
    head: int
    expired: bool  # entries the client has not seen were deleted by retention


def plan_catch_up(cursor: int, head: int, oldest: int | None) -> CatchUpPlan:
    """Plan the catch-up of a client at ``cursor``; ``oldest`` is the oldest kept seq."""
    if cursor > head:
        raise ValueError(f"cursor {cursor} is beyond the log's head {head}")
    first = cursor + 1
    expired = oldest is not None and first < oldest and cursor < head
    if oldest is None and cursor < head:
        expired = True  # everything after the cursor was deleted
    return CatchUpPlan(first=max(first, oldest or first), head=head, expired=expired)


@dataclass(frozen=True)
class SendFrom:
    """Send the part of a chunk from ``seq`` on (its start was sent already)."""

    seq: int


RangeStep = Send | SendFrom | Drop | FetchGap


def offer_range(cursor: Cursor, first: int, last: int) -> RangeStep:
    """:meth:`Cursor.offer` for a chunk of consecutive entries ``first..last``."""
    if first > last:
        raise ValueError("a chunk runs from first to last")
    position = cursor.position
    if last <= position:
        return Drop(last)
    if first > position + 1:
        return FetchGap(position + 1, first - 1)
    cursor.position = last
    return Send(first) if first == position + 1 else SendFrom(position + 1)
