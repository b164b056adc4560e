"""Voice-activity endpointing: where an utterance starts and where it has ended.

A frame (``frame_ms`` of audio) is speech when its RMS level is above
``threshold_dbfs``.  An utterance starts after ``start_ms`` of speech frames in a row
and ends after ``end_silence_ms`` of non-speech frames.  The end wait is most of the
latency between the end of speech and a final caption, so it is the knob to tune:
shorter ends captions sooner but splits sentences at pauses.  Sans-I/O: frames in,
(state changes) out; times are in seconds of audio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EndpointConfig:
    frame_ms: int = 20
    threshold_dbfs: float = -45.0
    start_ms: int = 60
    end_silence_ms: int = 300
    preroll_ms: int = 200

    def __post_init__(self) -> None:
        if self.frame_ms <= 0 or self.start_ms < 0 or self.end_silence_ms <= 0:
            raise ValueError("frame_ms and end_silence_ms must be positive, start_ms >= 0")


def level_dbfs(frame: bytes) -> float:
    samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
    if len(samples) == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(samples * samples)))
    return 20 * math.log10(rms / 32768) if rms > 0 else -math.inf


@dataclass(frozen=True)
class SpeechStarted:
    at: float  # audio time of the first speech frame


@dataclass(frozen=True)
class SpeechEnded:
    at: float  # audio time just after the last speech frame
    detected: float  # audio time when the silence had lasted long enough


class Endpointer:
    """Feed whole frames in order; get SpeechStarted / SpeechEnded at their frames."""

    def __init__(self, config: EndpointConfig, sample_rate: int) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self.frame_bytes = sample_rate * config.frame_ms // 1000 * 2
        self.in_speech = False
        self._frames = 0
        self._run = 0  # consecutive frames of the kind that would change the state
        self._last_speech_end = 0.0

    @property
    def now(self) -> float:
        return self._frames * self.config.frame_ms / 1000

    def frame(self, frame: bytes) -> SpeechStarted | SpeechEnded | None:
        if len(frame) != self.frame_bytes:
            raise ValueError(f"a frame is {self.frame_bytes} bytes, not {len(frame)}")
        speech = level_dbfs(frame) > self.config.threshold_dbfs
        self._frames += 1
        ms = self.config.frame_ms
        if not self.in_speech:
            self._run = self._run + 1 if speech else 0
            if self._run * ms >= max(self.config.start_ms, ms):
                self.in_speech, self._run = True, 0
                self._last_speech_end = self.now
                return SpeechStarted(self.now - max(self.config.start_ms, ms) / 1000)
            return None
        if speech:
            self._run = 0
            self._last_speech_end = self.now
            return None
        self._run += 1
        if self._run * ms >= self.config.end_silence_ms:
            self.in_speech, self._run = False, 0
            return SpeechEnded(self._last_speech_end, self.now)
        return None

    def end_of_stream(self) -> SpeechEnded | None:
        if not self.in_speech:
            return None
        self.in_speech, self._run = False, 0
        return SpeechEnded(self._last_speech_end, self.now)
