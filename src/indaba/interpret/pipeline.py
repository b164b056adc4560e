"""The streaming interpretation pipeline for one speaker.

Theory of operation
-------------------
Audio arrives in chunks of any size; it is cut into fixed frames for the endpointer::

  chunks ─► frames ─► Endpointer ──start──► recogniser.start(pre-roll)
                          │  speech frames ─► recogniser.feed ─► partial caption (source)
                          └──end (after end_silence_ms of quiet)──► recogniser.finish
                                 ─► final caption (source)
                                 ─► Router.translate per listener language ─► final captions
                                 ─► synthesiser per language (optional) ─► voice

Each utterance carries an :class:`UtteranceTiming`: audio times (where speech started
and ended in the stream) and clock readings of each stage.  ``speech_end_clock`` is the
clock when the last speech frame was fed, so ``latency(lang)`` is the time from the end
of speech to that language's final caption -- the endpointer's wait for silence, the
recogniser's final decode, translation and (if on) synthesis.  Fed in real time, this
is what a listener waits; fed faster, it measures the processing alone plus the wait
expressed in audio.

The pipeline is synchronous and owns no thread: the caller decides where it runs (the
CLI in the foreground, the interpreter member in a worker thread, the benchmark in one
thread per speaker).  The clock is injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from indaba.interpret.base import (
    EngineError,
    SpeechRecognizer,
    SpeechSynthesizer,
    UnsupportedPair,
)
from indaba.interpret.endpoint import EndpointConfig, Endpointer, SpeechEnded, SpeechStarted
from indaba.interpret.routing import Router


@dataclass
class UtteranceTiming:
    start: float = 0.0  # audio seconds
    end: float = 0.0  # audio seconds: end of speech
    speech_end_clock: float = 0.0
    endpoint_clock: float = 0.0
    final_clock: float = 0.0
    translated_clock: dict[str, float] = field(default_factory=dict)
    voiced_clock: dict[str, float] = field(default_factory=dict)

    def latency(self, language: str) -> float:
        """Seconds from the end of speech to the final caption in ``language``."""
        done = self.translated_clock.get(language, self.final_clock)
        return done - self.speech_end_clock

    @property
    def recognition_seconds(self) -> float:
        return self.final_clock - self.endpoint_clock


@dataclass(frozen=True)
class Caption:
    """A caption: ``final`` False for partial hypotheses (source language only)."""

    utterance: int
    language: str
    text: str
    final: bool
    start: float
    end: float | None
    route: tuple[str, ...] = ()
    engine: str = ""
    machine_translated: bool = False

    def __repr__(self) -> str:  # never print the text where a repr may be logged
        return (
            f"Caption(utterance={self.utterance}, language={self.language!r}, "
            f"final={self.final}, route={'→'.join(self.route)})"
        )


@dataclass(frozen=True)
class Voice:
    utterance: int
    language: str
    pcm: bytes = field(repr=False)
    sample_rate: int = 16000


@dataclass(frozen=True)
class UtteranceDone:
    utterance: int
    timing: UtteranceTiming
    errors: tuple[str, ...] = ()


Event = Caption | Voice | UtteranceDone


class Pipeline:
    """One speaker's audio to captions (and voice) in every listener language."""

    def __init__(
        self,
        recognizer: SpeechRecognizer,
        router: Router | None,
        targets: Sequence[str],
        synthesizer: SpeechSynthesizer | None = None,
        endpoint: EndpointConfig | None = None,
        clock: Callable[[], float] = time.perf_counter,
        partial_every_ms: int = 200,
    ) -> None:
        self.recognizer = recognizer
        self.router = router
        self.source = recognizer.language
        self.targets = [t for t in dict.fromkeys(targets) if t != self.source]
        self.synthesizer = synthesizer
        self.endpointer = Endpointer(endpoint or EndpointConfig(), recognizer.sample_rate)
        self.clock = clock
        self.partial_frames = max(1, partial_every_ms // self.endpointer.config.frame_ms)
        self._pending = bytearray()
        self._preroll: list[bytes] = []
        self._utterance = 0
        self._timing = UtteranceTiming()
        self._frames_since_partial = 0
        self._last_partial = ""

    @property
    def preroll_frames(self) -> int:
        config = self.endpointer.config
        return max(1, config.preroll_ms // config.frame_ms)

    def feed(self, pcm: bytes) -> list[Event]:
        """Add audio (16-bit mono at the recogniser's rate); returns what it produced."""
        self._pending.extend(pcm)
        out: list[Event] = []
        size = self.endpointer.frame_bytes
        while len(self._pending) >= size:
            frame = bytes(self._pending[:size])
            del self._pending[:size]
            out.extend(self._frame(frame))
        return out

    def finish(self) -> list[Event]:
        """End of the stream: close an utterance still open."""
        out: list[Event] = []
        if self._pending and self.endpointer.in_speech:
            self.recognizer.feed(bytes(self._pending))
        self._pending.clear()
        ended = self.endpointer.end_of_stream()
        if ended is not None:
            out.extend(self._end(ended))
        return out

    def _frame(self, frame: bytes) -> list[Event]:
        change = self.endpointer.frame(frame)
        if isinstance(change, SpeechStarted):
            self._utterance += 1
            self._timing = UtteranceTiming(start=change.at)
            self.recognizer.start()
            for held in self._preroll:
                self.recognizer.feed(held)
            self._preroll.clear()
            self._frames_since_partial = 0
            self._last_partial = ""
        if not self.endpointer.in_speech and not isinstance(change, SpeechEnded):
            self._preroll.append(frame)
            del self._preroll[: -self.preroll_frames]
            return []
        if isinstance(change, SpeechEnded):
            return self._end(change)
        if self.endpointer._run == 0:  # a speech frame: the end of speech so far
            self._timing.speech_end_clock = self.clock()
        hypothesis = self.recognizer.feed(frame)
        self._frames_since_partial += 1
        if (
            hypothesis is not None
            and hypothesis.text != self._last_partial
            and self._frames_since_partial >= self.partial_frames
        ):
            self._frames_since_partial = 0
            self._last_partial = hypothesis.text
            return [
                Caption(self._utterance, self.source, hypothesis.text, False,
                        self._timing.start, None)
            ]  # fmt: skip
        return []

    def _end(self, ended: SpeechEnded) -> list[Event]:
        timing = self._timing
        timing.end = ended.at
        timing.endpoint_clock = self.clock()
        if not timing.speech_end_clock:
            timing.speech_end_clock = timing.endpoint_clock
        final = self.recognizer.finish()
        timing.final_clock = self.clock()
        n = self._utterance
        out: list[Event] = []
        errors: list[str] = []
        if final.text.strip():
            out.append(Caption(n, self.source, final.text, True, timing.start, timing.end,
                               (self.source,), self.recognizer.name))  # fmt: skip
            for target in self.targets:
                if self.router is None:
                    break
                try:
                    translation = self.router.translate(final.text, self.source, target)
                except (UnsupportedPair, EngineError) as exc:
                    errors.append(f"{target}: {exc}")
                    continue
                timing.translated_clock[target] = self.clock()
                out.append(Caption(n, target, translation.text, True, timing.start, timing.end,
                                   translation.route, translation.engine, True))  # fmt: skip
                out.extend(self._voice(n, target, translation.text, timing))
        self._preroll.clear()
        out.append(UtteranceDone(n, timing, tuple(errors)))
        return out

    def _voice(self, n: int, language: str, text: str, timing: UtteranceTiming) -> list[Event]:
        if self.synthesizer is None or language not in self.synthesizer.languages():
            return []
        speech = self.synthesizer.synthesize(text, language)
        timing.voiced_clock[language] = self.clock()
        return [Voice(n, language, speech.pcm, speech.sample_rate)]
