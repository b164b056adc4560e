"""The fan-out boundary between server processes: publish bytes, subscribe to a topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

Handler = Callable[[bytes], Awaitable[None]]


class Subscription(Protocol):
    async def unsubscribe(self) -> None: ...


class Bus(Protocol):
    """At-most-once fan-out of small messages to every subscriber of a topic.

    Topics are dot-separated tokens (``delivery.<session id>``).  Messages of one
    publisher on one topic arrive in order; nothing is stored, so a subscriber that
    misses one fills the gap from the database (the delivery log is the truth).
    """

    async def publish(self, topic: str, data: bytes) -> None: ...

    async def subscribe(self, topic: str, handler: Handler) -> Subscription: ...

    async def close(self) -> None: ...
