"""The bus: in-process and NATS, and fan-out between two server processes over NATS."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import httpx
import pytest

from indaba.bus import Bus, MemoryBus, open_bus
from indaba.config import Settings
from indaba.delivery.frames import FrameKind
from tests.delivery.harness import RawClient, start_server
from tests.delivery.mls_helpers import MlsMember
from tests.server.conftest import FakeClock, World, auth

NATS_ENV = "INDABA_TEST_NATS_URL"


@pytest.fixture
def nats_url() -> str:
    url = os.environ.get(NATS_ENV)
    if not url:
        pytest.skip(f"NATS tests skipped: set {NATS_ENV}=nats://127.0.0.1:4222 to run them")
    return url


@pytest.fixture(params=["memory", "nats"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    if request.param == "memory":
        opened: Bus = MemoryBus()
    else:
        opened = await open_bus(request.getfixturevalue("nats_url"))
    yield opened
    await opened.close()


async def test_publish_reaches_every_subscriber_in_order(bus: Bus) -> None:
    got: dict[str, list[bytes]] = {"a": [], "b": []}
    done = asyncio.Event()

    def collector(name: str):  # type: ignore[no-untyped-def]
        async def handler(data: bytes) -> None:
            got[name].append(data)
            if all(len(v) == 50 for v in got.values()):
                done.set()

        return handler

    sub_a = await bus.subscribe("delivery.t1", collector("a"))
    await bus.subscribe("delivery.t1", collector("b"))
    await bus.subscribe("delivery.other", collector("a"))
    if hasattr(bus, "flush"):
        await bus.flush()
    for i in range(50):
        await bus.publish("delivery.t1", i.to_bytes(2, "big"))
    await asyncio.wait_for(done.wait(), 5)
    assert got["a"] == got["b"] == [i.to_bytes(2, "big") for i in range(50)]
    await sub_a.unsubscribe()
    await bus.publish("delivery.t1", b"late")
    await asyncio.sleep(0.2)
    assert got["a"][-1] != b"late" and got["b"][-1] == b"late"


async def test_unknown_bus_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown bus 'kafka'"):
        await open_bus("kafka://x")


async def test_two_server_processes_fan_out_through_nats(
    client: httpx.AsyncClient,
    world: World,
    settings: Settings,
    clock: FakeClock,
    nats_url: str,
) -> None:
    settings = settings.model_copy(update={"bus_url": nats_url})
    one = await start_server(settings, clock)
    two = await start_server(settings, clock)
    try:
        for token in (world.facilitator, world.participant):
            await client.post(f"/api/sessions/{world.session_id}/join", headers=auth(token))
        farid, pia = MlsMember.new(world.facilitator_id), MlsMember.new(world.participant_id)
        a = await RawClient.open(one.ws_url, world.facilitator, world.session_id)
        await a.send(FrameKind.CREATE, 1, b"", farid.create(world.session_id))
        await a.until("accepted")
        b = await RawClient.open(two.ws_url, world.participant, world.session_id)
        assert farid.group is not None
        group, commit, info = pia.external_join(farid.group.group_info())
        await b.send(FrameKind.COMMIT, 2, commit, info)
        await b.until("accepted")
        await a.until_seq(1)  # relayed by the other process
        farid.group.merge(farid.group.process(commit))  # type: ignore[arg-type]
        for i in range(20):
            await a.send(FrameKind.MESSAGE, 10 + i, farid.group.encrypt(f"m{i}".encode()))
        await b.until_seq(21)
        assert [seq for seq, _ in b.entries] == list(range(1, 22))
        texts = [group.process(data).data for _, data in b.entries[1:]]  # type: ignore[union-attr]
        assert texts == [f"m{i}".encode() for i in range(20)]
        await a.close()
        await b.close()
    finally:
        await one.stop()
        await two.stop()
