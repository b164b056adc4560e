"""PCM helpers: WAV files in, 16-bit mono at the recogniser's rate out."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def to_mono_int16(frames: bytes, channels: int, width: int) -> np.ndarray:
    if width == 2:
        samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
    elif width == 1:
        samples = (np.frombuffer(frames, dtype=np.uint8).astype(np.float64) - 128) * 256
    elif width == 4:
        samples = np.frombuffer(frames, dtype="<i4").astype(np.float64) / 65536
    else:
        raise ValueError(f"unsupported sample width {width} bytes")
    if channels > 1:
        samples = samples[: len(samples) - len(samples) % channels]
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Linear interpolation: enough for speech going into a recogniser."""
    if source_rate == target_rate or len(samples) == 0:
        return samples
    duration = len(samples) / source_rate
    count = round(duration * target_rate)
    positions = np.arange(count) * (source_rate / target_rate)
    out: np.ndarray = np.interp(positions, np.arange(len(samples)), samples)
    return out


def pcm16(samples: np.ndarray) -> bytes:
    return bytes(np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes())


def read_wav(path: Path | str, rate: int = 16000) -> bytes:
    """A WAV file as 16-bit mono PCM at ``rate``."""
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        samples = to_mono_int16(frames, wav.getnchannels(), wav.getsampwidth())
        return pcm16(resample(samples, wav.getframerate(), rate))


def convert(pcm: bytes, source_rate: int, target_rate: int) -> bytes:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return pcm16(resample(samples, source_rate, target_rate))


def write_wav(path: Path | str, pcm: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


def silence(seconds: float, rate: int = 16000) -> bytes:
    return b"\0\0" * int(seconds * rate)
