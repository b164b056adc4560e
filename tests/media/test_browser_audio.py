"""Spoken audio through the encrypted meeting: intelligible with the key, nothing without.

A WAV made with Debian's ``flite`` (resampled to 48 kHz mono 16-bit, with pauses so that its
loudness has a clear shape) is Chromium's fake microphone for P0.  P0 and P1 join the
session's MLS group from the conversation page and their meeting takes its keys from it;
P2 is kept out of the group and given a wrong key (``Meeting.useKeys``).  P1 and P2 record
the loudness envelope of what they receive from P0; P1's envelope must match the source's
(normalised cross-correlation over all lags, the file loops), P2's must be silence.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.signal import resample_poly

from tests.media.test_browser_media import (
    CHROMIUM_FLAGS,
    Server,
    give_key,
    make_room,
    open_meeting,
    server,  # noqa: F401 - the module-scoped server fixture
    state,
    wait_for_group,
    wait_until,
)

pytestmark = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")

BIN_S = 0.1
HAS_AUDIO_JS = """() => [...window.indabaMeeting.remotes.values()].some(
  r => r.display === 'P0' && r.stream.getAudioTracks().length > 0)"""
ENVELOPE_JS = """async (name) => {
  const m = window.indabaMeeting;
  const r = [...m.remotes.values()].find(x => x.display === name);
  const ctx = new AudioContext();
  await ctx.resume();
  const src = ctx.createMediaStreamSource(r.stream);
  const an = ctx.createAnalyser();
  an.fftSize = 1024;
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  const out = [];
  const t0 = performance.now();
  while (performance.now() - t0 < 9000) {
    an.getFloatTimeDomainData(buf);
    let s = 0;
    for (const v of buf) s += v * v;
    out.push([(performance.now() - t0) / 1000, Math.sqrt(s / buf.length)]);
    await new Promise(res => setTimeout(res, 10));
  }
  await ctx.close();
  return out;
}"""


def speech_wav(path: Path) -> np.ndarray:
    """48 kHz mono 16-bit speech with pauses; returns the samples as floats."""
    parts = []
    for n, text in enumerate(
        ["The river keeps the village alive.", "We share the water and the work."]
    ):
        raw = path.with_suffix(f".{n}.wav")
        subprocess.run(["flite", "-t", text, "-o", str(raw)], check=True, capture_output=True)
        with wave.open(str(raw)) as w:
            rate = w.getframerate()
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        parts.append(resample_poly(samples, 48000, rate))
        parts.append(np.zeros(int(48000 * 0.8)))
    audio = np.concatenate(parts)
    audio = audio / np.max(np.abs(audio)) * 0.8
    pcm = (audio * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(pcm.tobytes())
    return audio


def source_envelope(audio: np.ndarray) -> np.ndarray:
    step = int(48000 * BIN_S)
    bins = len(audio) // step
    return np.sqrt(np.mean(audio[: bins * step].reshape(bins, step) ** 2, axis=1))


def received_envelope(samples: list[list[float]]) -> np.ndarray:
    times = np.array([t for t, _ in samples])
    values = np.array([v for _, v in samples])
    edges = np.arange(0, times[-1], BIN_S)
    out = [values[(times >= a) & (times < a + BIN_S)].mean() for a in edges]
    return np.nan_to_num(np.array(out))


def best_correlation(received: np.ndarray, source: np.ndarray) -> float:
    """Max normalised correlation of ``received`` against the looping ``source``."""
    tiled = np.tile(source, len(received) // len(source) + 2)
    r = (received - received.mean()) / (received.std() or 1.0)
    best = -1.0
    for lag in range(len(source)):
        s = tiled[lag : lag + len(received)]
        s = (s - s.mean()) / (s.std() or 1.0)
        best = max(best, float(np.mean(r * s)))
    return best


def test_speech_arrives_intelligibly_only_with_the_key(server: Server, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    wav = tmp_path / "speech.wav"
    source = source_envelope(speech_wav(wav))
    room = make_room(server, 3)
    with sync_playwright() as p:
        browser: Any = p.chromium.launch(
            executable_path=str(server.ns.chromium_wrapper(tmp_path)),
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={wav}"],
        )
        try:
            pages = [open_meeting(browser, server, room, n) for n in range(2)]
            epoch = wait_for_group(pages, 2)
            pages.append(open_meeting(browser, server, room, 2, in_group=False))
            give_key(pages[2], epoch, 2, secrets.token_bytes(32))  # a wrong key
            for page in pages:
                wait_until(lambda page=page: state(page) == "live", "joining the media")
            for page in pages[1:]:
                wait_until(
                    lambda page=page: page.evaluate(HAS_AUDIO_JS),
                    "P0's audio track",
                )
            time.sleep(2)
            with_key = received_envelope(pages[1].evaluate(ENVELOPE_JS, "P0"))
            without_key = received_envelope(pages[2].evaluate(ENVELOPE_JS, "P0"))
        finally:
            browser.close()
    correlation = best_correlation(with_key, source)
    assert with_key.max() > 0.01, "nothing audible arrived with the key"
    assert correlation > 0.6, f"received speech does not follow the source (r={correlation:.2f})"
    assert without_key.max() < 0.01 or best_correlation(without_key, source) < 0.3, (
        "speech was recognisable without the key"
    )
