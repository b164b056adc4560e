"""The NATS bus (nats-py): fan-out between several server processes.

Core NATS subjects carry the live fan-out; the delivery log in the database stays the
source of truth, so a message lost between processes is refetched by sequence number.
"""

from __future__ import annotations

from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from indaba.bus.base import Handler


class NatsSubscription:
    def __init__(self, subscription: Any) -> None:
        self._subscription = subscription

    async def unsubscribe(self) -> None:
        await self._subscription.unsubscribe()


class NatsBus:
    """A connected NATS client; ``prefix`` keeps deployments sharing a server apart."""

    def __init__(self, client: Client, prefix: str = "indaba") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    async def connect(cls, url: str, prefix: str = "indaba") -> NatsBus:
        client = await nats.connect(
            url, name="indaba", allow_reconnect=True, max_reconnect_attempts=-1
        )
        return cls(client, prefix)

    def _subject(self, topic: str) -> str:
        return f"{self._prefix}.{topic}"

    async def publish(self, topic: str, data: bytes) -> None:
        await self._client.publish(self._subject(topic), data)

    async def subscribe(self, topic: str, handler: Handler) -> NatsSubscription:
        async def on_message(msg: Msg) -> None:
            await handler(msg.data)

        subscription = await self._client.subscribe(self._subject(topic), cb=on_message)
        return NatsSubscription(subscription)

    async def flush(self) -> None:
        await self._client.flush()

    async def close(self) -> None:
        if not self._client.is_closed:
            await self._client.drain()
