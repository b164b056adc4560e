"""The interpreter speaks: synthesised translations published into the meeting.

Theory of operation
-------------------
With ``indaba interpreter --voice`` the interpreter gives each target language present
among the listeners (their profiles' ``lang``; or the languages named on the command
line) a voice in the meeting: one audio-only VideoRoom publisher per language, joined over
the same proxy connection as the listener (:mod:`indaba.interpret.sfu`)::

    final translated caption (lang L) ─► MeetingVoice.say(L, text)
      ─► synthesiser (espeak-ng by default; a worker thread) ─► 16-bit mono PCM
      ─► PyAV resampler (48 kHz) ─► L's SpeechTrack queue
    SpeechTrack: real-time 20 ms frames (speech when queued, else silence)
      ─► aiortc's Opus encoder ─► seal: SFrame with the interpreter's own leaf key of
         the current epoch (1 clear TOC byte, KID = leaf ‖ epoch bits, exactly what the
         browser's worker sends) ─► RTP ─► Janus (e2ee: true) ─► every subscriber

**Marked as interpretation.**  The publisher's display is
``{"n": "Interpreter (es)", "i": "es"}``: browsers show no tile for it and offer
"Hear interpretation in Spanish" instead (web/src/media/view.ts); listeners (this one and
other interpreters) do not subscribe to it.  Who speaks is still proven by the key: the
KID names the interpreter's leaf.

**Never in the clear.**  The encoded frame is replaced by its SFrame ciphertext before
aiortc packetises it; without a key (not yet in the group, removed) the frame is dropped,
never sent.  The keys are the listener's :class:`~indaba.interpret.sfu.GroupKeys`, which
follow the group's epochs, and one SFrame counter is shared by every language's
publisher (they send under the same KID, so a counter must never repeat among them).

**Languages follow the listeners.**  Every tick the publishers are made to match the
wanted languages: a reader of a new language gets a publisher, one whose last reader left
loses it.  Translations are spoken in order per language; speech queued while earlier
speech plays waits its turn (the interpreter does not speed up).

Nothing here logs content or keys: only language codes and counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpsender import RTCEncodedFrame

from indaba.interpret.base import EngineError, Speech, SpeechSynthesizer

log = logging.getLogger("indaba.interpret.voice")

RATE = 48000
FRAME_SAMPLES = 960  # 20 ms
MAX_QUEUED_SECONDS = 30.0  # speech further behind than this is dropped, not queued
DISPLAY_PREFIX = "Interpreter"
REQUEST_TIMEOUT = 15.0


def interpretation_display(language: str) -> str:
    """The VideoRoom display of the interpretation feed in ``language``."""
    return json.dumps({"n": f"{DISPLAY_PREFIX} ({language})", "i": language})


def interpretation_language(display: object) -> str | None:
    """The language of an interpretation feed's display, None for anyone else's."""
    try:
        value = json.loads(str(display))
    except ValueError:
        return None
    language = value.get("i") if isinstance(value, dict) else None
    return language if isinstance(language, str) and language else None


def to_48k(speech: Speech) -> bytes:
    """Synthesised 16-bit mono PCM resampled to 48 kHz (the meeting's Opus rate)."""
    if speech.sample_rate == RATE or not speech.pcm:
        return speech.pcm
    samples = len(speech.pcm) // 2
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.planes[0].update(speech.pcm[: samples * 2])
    frame.sample_rate = speech.sample_rate
    frame.pts = 0
    frame.time_base = fractions.Fraction(1, speech.sample_rate)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    out = bytearray()
    for converted in [*resampler.resample(frame), *resampler.resample(None)]:
        out += bytes(converted.planes[0])[: converted.samples * 2]
    return bytes(out)


class SpeechTrack(MediaStreamTrack):
    """48 kHz mono audio paced in real time: queued speech, else silence."""

    kind = "audio"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self._queued = bytearray()
        self._pts = 0
        self._start: float | None = None

    def say(self, pcm: bytes) -> bool:
        """Queue 48 kHz speech after what is already queued; False if too far behind."""
        if len(self._queued) / 2 / RATE > MAX_QUEUED_SECONDS:
            return False
        self._queued += pcm
        return True

    @property
    def queued_seconds(self) -> float:
        return len(self._queued) / 2 / RATE

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = self.clock()
        else:
            delay = self._start + self._pts / RATE - self.clock()
            if delay > 0:
                await asyncio.sleep(delay)
        size = FRAME_SAMPLES * 2
        chunk = bytes(self._queued[:size])
        del self._queued[:size]
        chunk += b"\0" * (size - len(chunk))
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(chunk)
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += FRAME_SAMPLES
        return frame


def seal_sender(sender: RTCRtpSender, seal: Callable[[bytes], bytes | None]) -> None:
    """Replace every encoded frame of ``sender`` by ``seal(frame)`` before aiortc
    packetises it; a frame ``seal`` refuses (None: no key) is not sent at all."""
    original = sender._next_encoded_frame

    async def sealed(codec: Any) -> RTCEncodedFrame | None:
        frame: RTCEncodedFrame | None = await original(codec)
        if frame is None:
            return None
        payloads = [seal(payload) for payload in frame.payloads]
        if any(p is None for p in payloads):
            return None  # no key: nothing rather than plaintext
        frame.payloads = [p for p in payloads if p is not None]
        return frame

    sender._next_encoded_frame = sealed  # type: ignore[method-assign]


class Synthesizers:
    """Several synthesisers as one: each language is spoken by the first that speaks it
    (``--synthesizer flite,espeak-ng``: flite's English, espeak-ng's other languages)."""

    def __init__(self, engines: Sequence[SpeechSynthesizer]) -> None:
        if not engines:
            raise ValueError("no speech synthesiser given")
        self.engines = list(engines)
        self.name = "+".join(engine.name for engine in self.engines)

    def languages(self) -> frozenset[str]:
        return frozenset().union(*(engine.languages() for engine in self.engines))

    def synthesize(self, text: str, language: str) -> Speech:
        for engine in self.engines:
            if language in engine.languages():
                return engine.synthesize(text, language)
        raise EngineError(f"no synthesiser speaks {language!r}")


class JanusLike(Protocol):
    """What a voice needs of :class:`indaba.interpret.sfu.JanusProxy`."""

    async def attach(self, on_event: Callable[[dict[str, Any]], None]) -> int: ...
    async def message(self, handle: int, body: dict[str, Any],
                      jsep: dict[str, Any] | None = None) -> dict[str, Any]: ...  # fmt: skip
    async def detach(self, handle: int) -> None: ...


@dataclass
class VoiceStats:
    spoken: int = 0  # translations synthesised and queued
    seconds: float = 0.0  # of speech queued
    dropped: int = 0  # too far behind, or the synthesiser failed
    publishers: int = 0


@dataclass
class _Channel:
    language: str
    handle: int
    pc: RTCPeerConnection
    track: SpeechTrack
    feed: int | None = None
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[None] | None = None


class MeetingVoice:
    """The interpreter's publishers, one per wanted language, and what they say."""

    def __init__(
        self,
        synthesizer: SpeechSynthesizer,
        seal: Callable[[bytes], bytes | None],
        languages: Iterable[str] | None = None,
    ) -> None:
        """``languages`` None: every listener language the synthesiser speaks."""
        self.synthesizer = synthesizer
        self.seal = seal
        self.languages = frozenset(languages) if languages is not None else None
        self.stats = VoiceStats()
        self._channels: dict[str, _Channel] = {}
        self._lock = asyncio.Lock()

    def wanted(self, present: Sequence[str]) -> list[str]:
        """The languages to speak: present among listeners, chosen, and synthesisable."""
        speakable = self.synthesizer.languages()
        chosen = self.languages
        return [lang for lang in dict.fromkeys(present)
                if lang in speakable and (chosen is None or lang in chosen)]  # fmt: skip

    @property
    def feeds(self) -> dict[str, int | None]:
        """Language → its VideoRoom feed id (None while it is being set up)."""
        return {lang: channel.feed for lang, channel in self._channels.items()}

    def is_own_feed(self, feed: int) -> bool:
        return any(channel.feed == feed for channel in self._channels.values())

    async def sync(self, proxy: JanusLike, room: int, ice: list[Any], present: Sequence[str]
                   ) -> None:  # fmt: skip
        """Make the publishers match the wanted languages (one call at a time)."""
        async with self._lock:
            wanted = self.wanted(present)
            for language in [lang for lang in self._channels if lang not in wanted]:
                await self._close_channel(self._channels.pop(language), proxy)
            for language in wanted:
                if language not in self._channels:
                    await self._open_channel(proxy, room, ice, language)

    async def _open_channel(self, proxy: JanusLike, room: int, ice: list[Any], language: str
                            ) -> None:  # fmt: skip
        jseps: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def on_event(event: dict[str, Any]) -> None:
            if isinstance(event.get("jsep"), dict):  # room events are the listener's job
                jseps.put_nowait(event)

        handle = await proxy.attach(on_event)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=ice))
        track = SpeechTrack()
        channel = _Channel(language, handle, pc, track)
        self._channels[language] = channel
        try:
            joined = await proxy.message(handle, {"request": "join", "ptype": "publisher",
                                                  "room": room,
                                                  "display": interpretation_display(language)})
            data = (joined.get("plugindata") or {}).get("data") or {}
            channel.feed = int(data["id"]) if isinstance(data.get("id"), int) else None
            transceiver = pc.addTransceiver(track, direction="sendonly")
            seal_sender(transceiver.sender, self.seal)
            await pc.setLocalDescription(await pc.createOffer())
            answer = await proxy.message(
                handle, {"request": "configure", "audio": True, "video": False},
                {"type": "offer", "sdp": pc.localDescription.sdp, "e2ee": True})  # fmt: skip
            jsep = answer.get("jsep")
            while not isinstance(jsep, dict):
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    jsep = (await jseps.get()).get("jsep")
            await pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type="answer"))
        except BaseException:
            self._channels.pop(language, None)
            await self._close_channel(channel, proxy)
            raise
        channel.worker = asyncio.create_task(self._speak_queue(channel))
        self.stats.publishers += 1
        log.info("speaking into the meeting", extra={"lang": language})

    async def _close_channel(self, channel: _Channel, proxy: JanusLike | None) -> None:
        if channel.worker is not None:
            channel.worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await channel.worker
        await channel.pc.close()
        if proxy is not None:
            await proxy.detach(channel.handle)

    def say(self, language: str, text: str) -> bool:
        """Queue ``text`` for ``language``'s voice; False if that language has none."""
        channel = self._channels.get(language)
        if channel is None or channel.worker is None or not text.strip():
            return False
        channel.queue.put_nowait(text)
        return True

    async def _speak_queue(self, channel: _Channel) -> None:
        while True:
            text = await channel.queue.get()
            try:
                speech = await asyncio.to_thread(self._synthesize, text, channel.language)
            except (EngineError, ValueError, av.FFmpegError) as exc:
                self.stats.dropped += 1
                log.warning("speech synthesis failed: %s", type(exc).__name__,
                            extra={"lang": channel.language})  # fmt: skip
                continue
            if channel.track.say(speech):
                self.stats.spoken += 1
                self.stats.seconds += len(speech) / 2 / RATE
            else:
                self.stats.dropped += 1

    def _synthesize(self, text: str, language: str) -> bytes:
        return to_48k(self.synthesizer.synthesize(text, language))

    async def close(self, proxy: JanusLike | None) -> None:
        """Unpublish every voice (``proxy`` None: the connection is gone already)."""
        async with self._lock:
            channels, self._channels = list(self._channels.values()), {}
            for channel in channels:
                with contextlib.suppress(Exception):
                    await self._close_channel(channel, proxy)
