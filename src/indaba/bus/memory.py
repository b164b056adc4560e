"""The in-process bus: the default for one server process, and the fake for tests."""

from __future__ import annotations

from indaba.bus.base import Handler


class MemorySubscription:
    def __init__(self, bus: MemoryBus, topic: str, handler: Handler) -> None:
        self._bus = bus
        self.topic = topic
        self.handler = handler

    async def unsubscribe(self) -> None:
        handlers = self._bus._topics.get(self.topic)
        if handlers is not None and self in handlers:
            handlers.remove(self)
            if not handlers:
                del self._bus._topics[self.topic]


class MemoryBus:
    """Calls each subscriber's handler in turn, in the publisher's task."""

    def __init__(self) -> None:
        self._topics: dict[str, list[MemorySubscription]] = {}
        self.closed = False

    async def publish(self, topic: str, data: bytes) -> None:
        if self.closed:
            raise RuntimeError("publish on a closed bus")
        for subscription in tuple(self._topics.get(topic, ())):
            await subscription.handler(data)

    async def subscribe(self, topic: str, handler: Handler) -> MemorySubscription:
        subscription = MemorySubscription(self, topic, handler)
        self._topics.setdefault(topic, []).append(subscription)
        return subscription

    async def close(self) -> None:
        self._topics.clear()
        self.closed = True
