"""The interpreter's ears in the meeting, without a network (indaba.interpret.sfu).

Keys follow the member's group epoch by epoch and name the speaker from the KID; the
receiver guard lets only authenticated frames reach aiortc's decoder; decoded speech of a
member becomes captions in every present language, unless the member has not announced a
profile or opted out; a feed that goes quiet closes its utterance.  The live path (Janus,
the proxy, aiortc) is tests/media/test_interpreter_sfu.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import av
import numpy as np
import pytest

pytest.importorskip("aiortc", reason="pip install -e '.[interpret-media]'")

from aiortc.rtp import RtpPacket

from indaba.interpret import envelope
from indaba.interpret.base import EngineUnavailable, SpeechRecognizer
from indaba.interpret.endpoint import EndpointConfig
from indaba.interpret.fakes import DictionaryTranslator, ScriptedRecognizer
from indaba.interpret.member import Interpreter
from indaba.interpret.routing import Router
from indaba.interpret.sfu import (
    GroupKeys,
    MeetingListener,
    audio_mids,
    guard_receiver,
    ice_servers,
    proxy_url,
)
from indaba.media.sframe import EXPORTER_LABEL, EXPORTER_LENGTH

OPUS = bytes([0x78]) + bytes(range(40))


@dataclass
class FakeGroup:
    """What GroupKeys reads of an MLS group: epoch, own leaf, exporter, members."""

    epoch: int
    own_leaf: int
    roster: dict[int, str]
    seed: bytes = b"group"

    def export_secret(self, label: bytes, context: bytes, length: int) -> bytes:
        assert (label, context, length) == (EXPORTER_LABEL, b"", EXPORTER_LENGTH)
        return hashlib.sha256(self.seed + self.epoch.to_bytes(8, "big")).digest()

    def members(self) -> Iterator[tuple[int, Any]]:
        for index, member in self.roster.items():
            yield index, SimpleNamespace(credential=SimpleNamespace(identity=member.encode()))


@dataclass
class FakeMember:
    member_id: str
    group: FakeGroup | None
    removed: bool = False
    session_id: str = "s1"


def pair(epoch: int, roster: dict[int, str]) -> tuple[FakeMember, FakeMember]:
    """(alice at leaf 1, the interpreter at leaf 2) in the same epoch."""
    return (FakeMember("alice", FakeGroup(epoch, 1, dict(roster))),
            FakeMember("interp", FakeGroup(epoch, 2, dict(roster))))  # fmt: skip


def advance(member: FakeMember, roster: dict[int, str]) -> None:
    assert member.group is not None
    member.group = FakeGroup(member.group.epoch + 1, member.group.own_leaf, dict(roster))


def test_group_keys_follow_the_epochs_and_name_the_speaker() -> None:
    now = [0.0]
    roster = {0: "convener", 1: "alice", 2: "interp"}
    alice, interp = pair(4, roster)
    speaker, listener = GroupKeys(alice, lambda: now[0]), GroupKeys(interp, lambda: now[0])  # type: ignore[arg-type]
    old = speaker.seal(OPUS)
    assert old is not None and old[:1] == OPUS[:1] and OPUS[1:] not in old
    assert listener.open(old) == ("alice", OPUS)

    # a commit: alice left and carol took leaf 1; the listener processed it first
    new_roster = {0: "convener", 1: "carol", 2: "interp"}
    advance(interp, new_roster)
    listener.refresh()  # the listener's tick (or the next packet) notices the new epoch
    carol = FakeMember("carol", FakeGroup(5, 1, new_roster))
    carol_keys = GroupKeys(carol, lambda: now[0])  # type: ignore[arg-type]
    now[0] += 9.0
    assert listener.open(old) == ("alice", OPUS)  # previous epoch, its own roster
    fresh = carol_keys.seal(OPUS)
    assert fresh is not None and listener.open(fresh) == ("carol", OPUS)
    now[0] += 1.5  # past the 10 s grace
    assert listener.open(old) is None
    assert listener.open(fresh) == ("carol", OPUS)
    tampered = bytearray(fresh)
    tampered[0] ^= 0x01  # the clear TOC byte is authenticated
    assert listener.open(bytes(tampered)) is None

    interp.removed = True
    assert listener.open(fresh) is None  # removed: no key at all
    assert GroupKeys(FakeMember("x", None)).seal(OPUS) is None  # type: ignore[arg-type]


def test_a_frame_from_a_leaf_outside_the_roster_is_dropped() -> None:
    roster = {1: "alice", 2: "interp"}
    _, interp = pair(1, roster)
    stranger = FakeMember("stranger", FakeGroup(1, 7, roster))
    sealed = GroupKeys(stranger).seal(OPUS)  # type: ignore[arg-type]
    assert sealed is not None and GroupKeys(interp).open(sealed) is None  # type: ignore[arg-type]


class FakeReceiver:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        self.received.append(packet.payload)


async def test_the_receiver_guard_passes_only_frames_that_authenticate() -> None:
    alice, interp = pair(3, {1: "alice", 2: "interp"})
    keys = GroupKeys(interp)  # type: ignore[arg-type]
    receiver = FakeReceiver()
    heard: list[str] = []

    def open_frame(payload: bytes) -> bytes | None:
        opened = keys.open(payload)
        if opened is None:
            return None
        heard.append(opened[0])
        return opened[1]

    guard_receiver(receiver, open_frame)  # type: ignore[arg-type]
    sealed = GroupKeys(alice).seal(OPUS)  # type: ignore[arg-type]
    assert sealed is not None
    for payload in (sealed, OPUS, b"", sealed[:-1] + bytes([sealed[-1] ^ 1])):
        await receiver._handle_rtp_packet(RtpPacket(payload_type=111, payload=payload), 0)
    assert receiver.received == [OPUS] and heard == ["alice"]


def test_janus_and_admission_helpers() -> None:
    publisher = {"id": 7, "streams": [
        {"type": "audio", "mid": "0", "codec": "opus"},
        {"type": "video", "mid": "1", "codec": "vp8"},
        {"type": "audio", "mid": "2", "disabled": True}]}  # fmt: skip
    assert audio_mids(publisher) == ["0"]
    assert audio_mids({"id": 8}) == []
    assert proxy_url("https://indaba.example/", "/api/media/janus") == (
        "wss://indaba.example/api/media/janus"
    )
    with pytest.raises(ValueError):
        proxy_url("http://x", "ws://elsewhere/janus")
    servers = ice_servers({"ice_servers": [{"urls": "stun:stun.test"}, {"urls": ""}, "x"]})
    assert [s.urls for s in servers] == ["stun:stun.test"]
    assert ice_servers({}) == []  # never aiortc's default (Google) STUN server


# -- speech to captions ------------------------------------------------------------------------
def tone(seconds: float, loud: bool = True) -> Iterator[av.AudioFrame]:
    """48 kHz stereo s16 frames of 20 ms, as aiortc's Opus decoder gives them."""
    for n in range(round(seconds / 0.02)):
        t = (np.arange(960) + 960 * n) / 48000
        wave = (8000 * np.sin(2 * math.pi * 220 * t)) if loud else np.zeros(960)
        stereo = np.repeat(wave.astype("<i2"), 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
        frame.sample_rate = 48000
        frame.pts = 960 * n
        yield frame


@dataclass
class Room:
    interpreter: Interpreter
    listener: MeetingListener
    sent: list[envelope.Envelope] = field(default_factory=list)


@pytest.fixture
def room() -> Room:
    table = {("en", "es"): {"Save the oceans": "Salvar los océanos"}}
    router = Router([DictionaryTranslator(table)])
    interpreter = Interpreter("interp", router, None, ("dictionary",), "the test")
    sent: list[envelope.Envelope] = []

    async def send(data: bytes) -> None:
        item = envelope.decode(data, 0)
        assert item is not None
        sent.append(item)

    def recognizer_for(language: str) -> SpeechRecognizer:
        if language != "en":
            raise EngineUnavailable("scripted", f"no {language} model", "nothing")
        return ScriptedRecognizer(["Save the oceans"] * 5, bytes_per_word=3200)

    _, member = pair(1, {1: "alice", 2: "interp", 3: "beatriz"})
    listener = MeetingListener(member, "http://x", "token", interpreter, recognizer_for,  # type: ignore[arg-type]
                               router, send, EndpointConfig(end_silence_ms=200),
                               processes=False)  # fmt: skip
    for who, lang in (("beatriz", "es"), ("alice", "en")):
        interpreter.on_message(1, who, envelope.encode(envelope.Profile(lang, name=who)))
    return Room(interpreter, listener, sent)


async def until(predicate: Any, what: str) -> None:
    async with asyncio.timeout(10):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_a_speaker_is_captioned_and_translated_for_the_present_languages(room: Room) -> None:
    for frame in [*tone(0.2, loud=False), *tone(1.0), *tone(0.5, loud=False)]:
        assert room.listener.hear("alice", frame)
    await until(lambda: len(room.sent) >= 2, "captions")
    captions = [c for c in room.sent if isinstance(c, envelope.CaptionMessage)]
    assert [(c.lang, c.text, c.speaker) for c in captions] == [
        ("en", "Save the oceans", "alice"), ("es", "Salvar los océanos", "alice")]  # fmt: skip
    assert captions[1].route == ("en", "es") and captions[0].end is not None
    assert room.listener.stats.captions == 2
    await room.listener._teardown()


async def test_a_feed_that_goes_quiet_closes_the_utterance(room: Room) -> None:
    for frame in tone(1.0):  # speech, then nothing at all (muted or gone)
        room.listener.hear("alice", frame)
    await until(lambda: len(room.sent) >= 2, "captions after the feed went quiet")
    await room.listener._teardown()


async def test_no_profile_opt_out_or_no_recogniser_means_no_captions(room: Room) -> None:
    listener, interpreter = room.listener, room.interpreter
    frames = [*tone(1.0), *tone(0.5, loud=False)]
    assert not listener.hear("carlos", frames[0])  # no profile announced yet
    assert not listener.hear("interp", frames[0])  # never its own voice
    interpreter.on_message(2, "carlos", envelope.encode(envelope.Profile("fr", name="Carlos")))
    listener.hear("carlos", frames[0])  # tries to make a French recogniser …
    await until(lambda: ("carlos", "fr") in listener._unsupported, "no French recogniser")
    assert not listener.hear("carlos", frames[0])  # … and remembers there is none
    for frame in frames[:30]:
        assert listener.hear("alice", frame)
    # alice opts out in the middle of an utterance: what was heard is dropped
    interpreter.on_message(3, "alice", envelope.encode(envelope.Profile("en", interpret=False)))
    alice, _ = pair(1, {1: "alice", 2: "interp"})
    sealed = GroupKeys(alice).seal(OPUS)  # type: ignore[arg-type]
    feed = SimpleNamespace(speaker=None)
    assert sealed is not None and listener._opener(feed)(sealed) is None  # type: ignore[arg-type]
    assert feed.speaker == "alice" and listener.stats.withheld >= 1
    for frame in frames[30:]:
        assert not listener.hear("alice", frame)
    await asyncio.sleep(1.0)  # longer than the quiet wait: nothing may come
    assert room.sent == []
    await listener._teardown()


async def test_a_publisher_who_leaves_is_unsubscribed_and_what_they_said_is_captioned(
    room: Room,
) -> None:
    from indaba.interpret.sfu import _Feed

    class FakePeer:
        closed = False

        async def close(self) -> None:
            self.closed = True

    listener = room.listener
    peer = FakePeer()
    listener._feeds[5] = _Feed(5, 1, peer, speaker="alice")  # type: ignore[arg-type]
    for frame in tone(1.0):  # Alice is mid-sentence when she leaves
        listener.hear("alice", frame)
    await listener._on_room_event({"videoroom": "event", "unpublished": 5})
    assert peer.closed and 5 not in listener._feeds
    await until(lambda: len(room.sent) >= 2, "the open utterance captioned")
    await listener._on_room_event({"videoroom": "event", "leaving": 99})  # unknown: ignored
    await listener._teardown()


class FakeProxy:
    """Stands in for JanusProxy: answers the watcher's join, then drops when told."""

    opened = 0

    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.requests: list[dict[str, Any]] = []
        self.handler: Any = None

    @classmethod
    async def open(cls, base_url: str, admission: dict[str, Any]) -> FakeProxy:
        assert admission["token"] == f"ticket-{cls.opened + 1}"  # a new ticket each time
        cls.opened += 1
        proxy = cls()
        FakeProxy.last = proxy  # type: ignore[attr-defined]
        return proxy

    async def attach(self, on_event: Any) -> int:
        self.handler = on_event
        return 1

    async def message(self, handle: int, body: dict[str, Any], jsep: Any = None) -> dict[str, Any]:
        self.requests.append(body)
        # a publisher with video only (a screen share): nothing to subscribe to
        publishers = [{"id": 9, "streams": [{"type": "video", "mid": "0"}]}]
        return {"plugindata": {"data": {"videoroom": "joined", "id": 3, "private_id": 4,
                                        "publishers": publishers}}}  # fmt: skip

    async def detach(self, handle: int) -> None:
        pass

    async def close(self) -> None:
        self.closed.set()


async def test_the_listener_reconnects_with_a_new_ticket_and_stops_when_media_is_off(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indaba.client.http import ApiError
    from indaba.interpret import sfu

    tickets = iter(["ticket-1", "ticket-2"])

    async def admission(base: str, token: str, session_id: str) -> dict[str, Any]:
        ticket = next(tickets, None)
        if ticket is None:
            raise ApiError(503, "media_disabled", "Media is off.")
        return {"proxy_path": "/api/media/janus", "room": 77, "token": ticket}

    monkeypatch.setattr(sfu, "admission_for", admission)
    monkeypatch.setattr(sfu, "JanusProxy", FakeProxy)
    monkeypatch.setattr(sfu, "BACKOFF", (0.05,))
    FakeProxy.opened = 0
    listener = room.listener
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop))
    await until(lambda: listener.connected.is_set(), "the first connection")
    first = FakeProxy.last  # type: ignore[attr-defined]
    assert first.requests == [{"request": "join", "ptype": "publisher", "room": 77,
                               "display": '{"n": "Interpreter"}'}]  # never "configure"  # fmt: skip
    assert listener._feeds == {}  # the video-only publisher is not subscribed to
    first.closed.set()  # the media connection drops
    await until(lambda: FakeProxy.opened == 2 and listener.connected.is_set(), "reconnecting")
    FakeProxy.last.closed.set()  # type: ignore[attr-defined]
    async with asyncio.timeout(10):
        await task  # the third admission says media is off: the listener gives up
    assert FakeProxy.opened == 2 and not stop.is_set()
