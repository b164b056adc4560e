"""The interpreter's voice in the meeting, without a network (indaba.interpret.voice).

The interpretation feed's display names its language; synthesised speech is resampled to
48 kHz and paced as 20 ms frames (silence between translations); every encoded frame is
SFrame-sealed with the interpreter's key, or not sent at all; one publisher per wanted
language is set up with ``e2ee: true`` and removed when its last listener leaves; a final
translated caption is spoken into its language's feed.  The live path (Janus, the proxy,
a subscriber decoding the voice) is tests/media/test_interpreter_voice.py.
"""

from __future__ import annotations

import fractions
import json
import math
from typing import Any

import numpy as np
import pytest

pytest.importorskip("aiortc", reason="pip install -e '.[interpret-media]'")

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpsender import RTCEncodedFrame

from indaba.interpret.base import EngineError, Speech
from indaba.interpret.fakes import ToneSynthesizer
from indaba.interpret.sfu import GroupKeys
from indaba.interpret.voice import (
    FRAME_SAMPLES,
    RATE,
    MeetingVoice,
    SpeechTrack,
    Synthesizers,
    interpretation_display,
    interpretation_language,
    seal_sender,
    to_48k,
)
from tests.interpret.test_sfu import OPUS, Room, pair, room, tone, until  # noqa: F401


def sine(seconds: float, rate: int, hz: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * math.pi * hz * t)).astype("<i2").tobytes()


def test_the_display_marks_the_feed_as_interpretation_in_its_language() -> None:
    display = interpretation_display("es")
    assert json.loads(display) == {"n": "Interpreter (es)", "i": "es"}
    assert interpretation_language(display) == "es"
    for other in ('{"n": "Alice", "h": true}', "Alice", "", None, '{"i": 3}', "[1]"):
        assert interpretation_language(other) is None


def test_speech_is_resampled_to_48k_keeping_its_pitch() -> None:
    pcm = to_48k(Speech(sine(1.0, 22050, 440.0), 22050))
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    assert abs(len(samples) - RATE) < 200
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * RATE / len(samples) - 440.0) < 5
    assert to_48k(Speech(b"\1\0" * 10, RATE)) == b"\1\0" * 10  # already 48 kHz


async def test_the_track_paces_speech_then_silence() -> None:
    now = [0.0]
    track = SpeechTrack(lambda: now[0])
    speech = sine(0.05, RATE)  # 2.5 frames
    assert track.say(speech) and track.queued_seconds == pytest.approx(0.05)
    frames = []
    for _ in range(4):
        frames.append(await track.recv())
        now[0] += 0.02  # the clock the track paces against
    got = b"".join(bytes(f.planes[0])[: FRAME_SAMPLES * 2] for f in frames)
    assert got[: len(speech)] == speech
    assert set(got[len(speech):]) == {0}  # then silence  # fmt: skip
    assert [f.pts for f in frames] == [0, 960, 1920, 2880]
    assert frames[0].time_base == fractions.Fraction(1, RATE) and frames[0].sample_rate == RATE
    assert track.say(b"\0\0" * RATE * 31)
    assert not track.say(b"\0\0" * 10)  # over 30 s behind: refused, not queued
    assert track.queued_seconds == pytest.approx(31)


class EnglishVoice:
    name = "english"

    def languages(self) -> frozenset[str]:
        return frozenset({"en"})

    def synthesize(self, text: str, language: str) -> Speech:
        return Speech(b"\1\0" * len(text), 8000)


def test_several_synthesisers_speak_each_language_with_the_first_that_can() -> None:
    both = Synthesizers([EnglishVoice(), ToneSynthesizer()])
    assert both.name == "english+tone"
    assert both.languages() == ToneSynthesizer().languages()
    assert both.synthesize("Hello", "en") == Speech(b"\1\0" * 5, 8000)  # the first one's
    assert both.synthesize("Hola", "es").sample_rate == 16000  # the one that speaks it
    with pytest.raises(EngineError, match="no synthesiser speaks 'xx'"):
        both.synthesize("?", "xx")
    with pytest.raises(ValueError):
        Synthesizers([])


class FakeSender:
    def __init__(self, payloads: list[bytes]) -> None:
        self.payloads = payloads

    async def _next_encoded_frame(self, codec: Any) -> RTCEncodedFrame | None:
        return RTCEncodedFrame(list(self.payloads), 960, 0)


async def test_every_frame_is_sealed_with_the_interpreters_key_or_not_sent() -> None:
    roster = {1: "alice", 2: "interp"}
    alice, interp = pair(3, roster)
    own, listener = GroupKeys(interp), GroupKeys(alice)  # type: ignore[arg-type]
    sender = FakeSender([OPUS])
    seal_sender(sender, own.seal)  # type: ignore[arg-type]
    frame = await sender._next_encoded_frame(None)
    assert frame is not None and frame.payloads[0] != OPUS
    assert frame.payloads[0][:1] == OPUS[:1]  # the TOC byte stays clear, as the browser's
    assert listener.open(frame.payloads[0]) == ("interp", OPUS)  # the KID names its leaf
    interp.removed = True  # no key any more: nothing goes out, never the clear frame
    assert await sender._next_encoded_frame(None) is None


class VoiceProxy:
    """Janus for the voice's publishers: the answer comes from an aiortc peer."""

    def __init__(self) -> None:
        self.requests: list[tuple[int, dict[str, Any], Any]] = []
        self.detached: list[int] = []
        self.peers: list[RTCPeerConnection] = []
        self.handles = 10

    async def attach(self, on_event: Any) -> int:
        self.handles += 1
        return self.handles

    async def message(self, handle: int, body: dict[str, Any], jsep: Any = None) -> dict[str, Any]:
        self.requests.append((handle, body, jsep))
        if body["request"] == "join":
            return {"plugindata": {"data": {"videoroom": "joined", "id": 100 + handle}}}
        peer = RTCPeerConnection()
        self.peers.append(peer)
        await peer.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type="offer"))
        await peer.setLocalDescription(await peer.createAnswer())
        return {"plugindata": {"data": {"configured": "ok"}},
                "jsep": {"type": "answer", "sdp": peer.localDescription.sdp}}  # fmt: skip

    async def detach(self, handle: int) -> None:
        self.detached.append(handle)


async def test_one_e2ee_publisher_per_wanted_language_follows_the_listeners() -> None:
    _, interp = pair(1, {1: "alice", 2: "interp"})
    keys = GroupKeys(interp)  # type: ignore[arg-type]
    voice = MeetingVoice(ToneSynthesizer(), keys.seal)  # every listener language
    assert voice.wanted(["es", "fr", "xx", "es"]) == ["es", "fr"]  # xx: no voice for it
    assert MeetingVoice(ToneSynthesizer(), keys.seal, ["fr"]).wanted(["es", "fr"]) == ["fr"]
    proxy = VoiceProxy()
    try:
        await voice.sync(proxy, 77, [], ["es"])
        assert voice.feeds == {"es": 111}
        (_, join, _), (_, configure, jsep) = proxy.requests
        assert join == {"request": "join", "ptype": "publisher", "room": 77,
                        "display": interpretation_display("es")}  # fmt: skip
        assert configure == {"request": "configure", "audio": True, "video": False}
        assert jsep["type"] == "offer" and jsep["e2ee"] is True
        assert "m=audio" in jsep["sdp"] and "m=video" not in jsep["sdp"]
        assert voice.is_own_feed(111) and not voice.is_own_feed(5)

        assert voice.say("es", "Salvar los océanos")
        assert not voice.say("fr", "Sauver les océans")  # no French reader: no French voice
        await until(lambda: voice.stats.spoken == 1, "the speech queued")
        assert voice.stats.seconds == pytest.approx(len("Salvar los océanos") * 0.01, abs=0.01)

        await voice.sync(proxy, 77, [], ["fr"])  # the Spanish reader left, a French one came
        assert set(voice.feeds) == {"fr"} and proxy.detached == [11]
    finally:
        await voice.close(proxy)
        for peer in proxy.peers:
            await peer.close()
    assert voice.feeds == {} and proxy.detached == [11, 12]


async def test_the_listener_speaks_final_translations_and_ignores_interpretation_feeds(
    room: Room,  # noqa: F811
) -> None:
    spoken: list[tuple[str, str]] = []

    class RecordingVoice(MeetingVoice):
        def say(self, language: str, text: str) -> bool:
            spoken.append((language, text))
            return True

    listener = room.listener
    listener.voice = RecordingVoice(ToneSynthesizer(), listener.keys.seal)
    for frame in [*tone(0.2, loud=False), *tone(1.0), *tone(0.5, loud=False)]:
        assert listener.hear("alice", frame)
    await until(lambda: len(room.sent) >= 2, "captions")
    assert spoken == [("es", "Salvar los océanos")]  # the translation, not the English
    # an interpreter's voice is never subscribed to (it would be interpreted back)
    class NoSubscriptions:
        async def attach(self, on_event: Any) -> int:
            raise AssertionError("subscribed to an interpretation feed")

    listener._proxy = NoSubscriptions()  # type: ignore[assignment]
    await listener._subscribe({"id": 42, "display": interpretation_display("es"),
                               "streams": [{"type": "audio", "mid": "0"}]})  # fmt: skip
    assert 42 not in listener._feeds
    listener._proxy = None
    await listener._teardown()


async def test_a_voice_that_cannot_be_published_is_tried_again_later_not_every_tick(
    room: Room,  # noqa: F811
) -> None:
    tries: list[list[str]] = []

    class FailingVoice(MeetingVoice):
        async def sync(self, proxy: Any, room: int, ice: list[Any], present: Any) -> None:
            tries.append(list(present))
            raise RuntimeError("no ICE")

    listener = room.listener
    listener.voice = FailingVoice(ToneSynthesizer(), listener.keys.seal)
    listener._proxy = object()  # type: ignore[assignment]
    listener._sync_voices()
    assert listener._voice_sync is not None
    await listener._voice_sync  # the failure is logged, not raised
    assert len(tries) == 1 and sorted(tries[0]) == ["en", "es"]
    for _ in range(3):  # the next ticks
        listener._sync_voices()
    assert listener._voice_sync.done() and len(tries) == 1
    listener._voice_retry_at = 0.0  # … until the retry time has come
    listener._sync_voices()
    await listener._voice_sync
    assert len(tries) == 2
    listener._proxy = None
    await listener._teardown()
