"""Fan-out between server processes behind a tiny Protocol: in-process or NATS."""

from __future__ import annotations

from indaba.bus.base import Bus, Handler, Subscription
from indaba.bus.memory import MemoryBus

__all__ = ["Bus", "Handler", "MemoryBus", "Subscription", "open_bus"]

SCHEMES = ("memory", "nats", "tls")


async def open_bus(url: str) -> Bus:
    """A bus by URL: ``memory://`` (one process) or ``nats://host:port``."""
    scheme = url.split("://", 1)[0] if "://" in url else url
    if scheme == "memory":
        return MemoryBus()
    if scheme in ("nats", "tls"):
        from indaba.bus.nats import NatsBus

        return await NatsBus.connect(url)
    raise ValueError(f"unknown bus {scheme!r}: use memory:// or nats://host:port")
