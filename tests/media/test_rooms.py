from datetime import UTC, datetime

import pytest

from indaba.media.fake import FakeJanus
from indaba.media.janus_api import JanusUnavailable
from indaba.media.rooms import JanusNode, RoomManager
from indaba.media.service import MediaService

SECRET = b"k" * 32
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def manager(*fakes: FakeJanus, secret: bytes = SECRET) -> RoomManager:
    nodes = [JanusNode(f"ws://node{i}", fake, fake.admin_key) for i, fake in enumerate(fakes)]
    return RoomManager(nodes, secret)


def test_derivations_are_stable_distinct_and_keyed() -> None:
    rooms = manager(FakeJanus())
    assert rooms.room_id("a") == manager(FakeJanus()).room_id("a")
    assert rooms.room_id("a") != rooms.room_id("b")
    assert 0 < rooms.room_id("a") < 2**53  # a safe integer in JavaScript
    assert rooms.participant_token("s", "m1") != rooms.participant_token("s", "m2")
    assert rooms.participant_token("s", "m") != rooms.participant_token("t", "m")
    assert manager(FakeJanus(), secret=b"x" * 32).room_secret("a") != rooms.room_secret("a")


async def test_admit_creates_an_e2ee_room_once_and_allows_the_member() -> None:
    fake = FakeJanus()
    rooms = manager(fake)
    first = await rooms.admit("sess", "m1", capacity=8)
    await rooms.admit("sess", "m2", capacity=8)
    room = fake.rooms[first.room]
    assert room.require_e2ee and room.description == "sess"
    assert room.secret == rooms.room_secret("sess")
    tokens = {rooms.participant_token("sess", m) for m in ("m1", "m2")}
    assert room.allowed == tokens and fake.tokens == tokens
    assert [r["request"] for r in fake.requests].count("create") == 1
    assert first.janus_token == rooms.participant_token("sess", "m1")


async def test_revoke_and_destroy() -> None:
    fake = FakeJanus()
    rooms = manager(fake)
    admission = await rooms.admit("sess", "m1", capacity=4)
    await rooms.revoke("sess", "m1")
    assert fake.tokens == set() and fake.rooms[admission.room].allowed == set()
    await rooms.destroy("sess")
    assert fake.rooms == {}
    await rooms.destroy("sess")  # already gone: fine
    await rooms.revoke("sess", "m1")


async def test_a_restarted_janus_is_repopulated_on_demand() -> None:
    fake = FakeJanus()
    rooms = manager(fake)
    admission = await rooms.admit("sess", "m1", capacity=4)
    fake.restart()
    again = await rooms.admit("sess", "m1", capacity=4)
    assert again.room == admission.room and admission.room in fake.rooms
    assert admission.janus_token in fake.tokens


async def test_sessions_spread_over_nodes() -> None:
    fakes = [FakeJanus(), FakeJanus(), FakeJanus()]
    rooms = manager(*fakes)
    for n in range(30):
        await rooms.admit(f"s{n}", "m", capacity=4)
    assert all(fake.rooms for fake in fakes)
    assert sum(len(fake.rooms) for fake in fakes) == 30


async def test_health_and_reaper() -> None:
    fake = FakeJanus()
    service = MediaService(manager(fake), SECRET)
    assert await service.check_health() == "up"
    await service.rooms.admit("ended", "m", capacity=4)  # type: ignore[union-attr]
    await service.rooms.admit("running", "m", capacity=4)  # type: ignore[union-attr]

    async def ended(session_ids: list[str], now: datetime) -> set[str]:
        assert sorted(session_ids) == ["ended", "running"] and now == NOW
        return {"ended"}

    assert await service.reap(ended, NOW) == ["ended"]
    assert [room.description for room in fake.rooms.values()] == ["running"]
    fake.down = True
    assert await service.check_health() == "down"
    assert service.rooms is not None and service.rooms.known == {}
    assert await service.reap(ended, NOW) == []
    with pytest.raises(JanusUnavailable):
        await service.rooms.admit("running", "m", capacity=4)
    fake.down = False
    assert await service.check_health() == "up"


def test_disabled_service() -> None:
    service = MediaService.disabled("no janus")
    assert service.status == "disabled" and service.rooms is None
