"""The interpreter speaks into the meeting: real Janus, real server, real MLS, real SFrame.

In a network namespace (Janus gathers no loopback candidates): the server with Janus; the
interpreter as its own process (``indaba interpreter --voice es``); Beatriz, reading
Spanish, and Mallory, a member too but decrypting with a wrong key, as Python
participants (tests/interpret/sfu_voice_listener.py) subscribed to the Spanish
interpretation feed; Alice (tests/interpret/sfu_publisher.py) speaks English made with
``flite -voice slt``.  The interpreter recognises Alice, translates into Spanish, speaks
each translation with espeak-ng into its Spanish feed, SFrame-encrypted with its own leaf
key.  Beatriz decodes audio whose loudness envelope follows espeak-ng's speech of the
Spanish captions she received, and the first frame she could open names the
interpreter's leaf; Mallory opens nothing (silence).  Janus's own recording of the
interpretation feed holds only SFrame frames with the interpreter's key id.
"""

from __future__ import annotations

import json
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.media.netns import ROOT
from tests.media.test_browser_media import (
    Server,
    mjr_packets,
    rtp_payload,
    server,  # noqa: F401 - the module-scoped server fixture
    sframe_kid,
)
from tests.media.test_interpreter_sfu import (
    LEAD_S,
    LOOPS,
    PYTHON,
    Process,
    _missing,
    flite_speech,
    processes,  # noqa: F401 - fixture
    publisher,
    record_room,
    session_invite,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing() is not None, reason=str(_missing()))]

LISTENER = ROOT / "tests" / "interpret" / "sfu_voice_listener.py"
BIN_S = 0.05


def envelope_of(pcm: np.ndarray) -> np.ndarray:
    step = int(48000 * BIN_S)
    bins = len(pcm) // step
    return np.sqrt(np.mean(pcm[: bins * step].reshape(bins, step) ** 2, axis=1))


def best_match(received: np.ndarray, spoken: np.ndarray) -> float:
    """Max normalised correlation of ``spoken`` against any stretch of ``received``."""
    s = (spoken - spoken.mean()) / (spoken.std() or 1.0)
    best = -1.0
    for lag in range(len(received) - len(spoken) + 1):
        r = received[lag : lag + len(spoken)]
        if r.std() == 0:
            continue
        best = max(best, float(np.mean(s * (r - r.mean()) / r.std())))
    return best


def wav_samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


def listener(server: Server, url: str, name: str, out: Path, mode: str,  # noqa: F811
             tmp_path: Path) -> tuple[Process, str]:  # fmt: skip
    process = Process([*server.ns.exec_prefix(), PYTHON, str(LISTENER), url, name, "es",
                       str(out), mode], tmp_path / f"{name}.log", stdin=True)  # fmt: skip
    joined = json.loads(process.wait_line(lambda line: '"joined"' in line))
    return process, joined["joined"]


def lines(process: Process, key: str) -> list[dict[str, object]]:
    found = []
    output = process.output.splitlines() if process.output is not None else process.lines
    for line in output:
        if line.startswith("{") and f'"{key}"' in line:
            found.append(json.loads(line))
    return found


async def test_the_interpreter_speaks_the_translation_into_the_meeting_encrypted(
    server: Server, tmp_path: Path, processes: list[Process]  # noqa: F811
) -> None:
    from indaba.interpret.speech import EspeakSynthesizer
    from indaba.interpret.voice import to_48k

    speech = flite_speech(tmp_path)
    url, _, session_id = session_invite(server)
    interpreter = Process([*server.ns.exec_prefix(), str(ROOT / ".venv" / "bin" / "indaba"),
                           "interpreter", "--invite", url, "--run-by", "the test",
                           "--voice", "es"], tmp_path / "interpreter.log")  # fmt: skip
    processes.append(interpreter)
    joined = interpreter.wait_line(lambda line: line.startswith("joined session"))
    interpreter_id = joined.split()[-1]
    interpreter.wait_line(lambda line: line.startswith("speaking into the meeting: es"))

    beatriz, _ = listener(server, url, "Beatriz", tmp_path / "beatriz.wav", "right", tmp_path)
    processes.append(beatriz)
    mallory, mallory_id = listener(server, url, "Mallory", tmp_path / "mallory.wav", "wrong",
                                   tmp_path)  # fmt: skip
    processes.append(mallory)
    feed = json.loads(beatriz.wait_line(lambda line: '"feed"' in line))
    assert json.loads(str(feed["display"])) == {"n": "Interpreter (es)", "i": "es"}
    mallory.wait_line(lambda line: '"feed"' in line)

    alice, _, _, alice_playing = publisher(server, url, speech, "Alice", tmp_path)
    processes.append(alice)
    recording = record_room(server, session_id, mallory_id, 4.0)  # meanwhile: silence frames
    for _ in range(2):  # two Spanish captions: their translations are being spoken
        beatriz.wait_line(lambda line: '"caption"' in line, timeout=90)
    time.sleep(6.0)  # the second translation is spoken
    alice.stop()
    beatriz_out = beatriz.stop()
    mallory_out = mallory.stop()
    out = interpreter.stop()
    assert interpreter.proc.returncode == 0, interpreter.log.read_text()[-2000:]
    assert ", 0 spoken" not in out, out[-500:]

    # Beatriz: the frames authenticate under the interpreter's key; the audio is its speech
    who = lines(beatriz, "speaker")
    assert who and who[0]["speaker"] == interpreter_id, (who, beatriz_out[-500:])
    stats = json.loads(beatriz_out.strip().splitlines()[-1])
    assert stats["opened"] > 100 and stats["samples"] > 48000, stats
    received = envelope_of(wav_samples(tmp_path / "beatriz.wav"))
    texts = [str(line["caption"]) for line in lines(beatriz, "caption")]
    assert texts, beatriz_out[-500:]
    espeak = EspeakSynthesizer()
    matches = []
    for text in texts:
        voice = np.frombuffer(to_48k(espeak.synthesize(text, "es")), dtype="<i2")
        reference = envelope_of(voice.astype(np.float64))
        if len(reference) < len(received):
            matches.append(best_match(received, reference))
    print(f"interpretation envelope vs espeak-ng speech of each caption: "
          f"{', '.join(f'{m:.2f}' for m in matches)}")  # fmt: skip
    assert max(matches) > 0.7, f"the received voice does not follow the speech ({matches})"
    assert received.max() > 300  # audible

    # printed, not asserted: end of an English sentence at Alice → its Spanish voice starts
    # at Beatriz (the decoded stream is continuous: the interpreter sends silence between)
    start = float(lines(beatriz, "audio_start")[0]["audio_start"])  # type: ignore[arg-type]
    ends = [alice_playing + LEAD_S + loop * speech.seconds + end
            for loop in range(LOOPS) for end in speech.sentence_ends]  # fmt: skip
    loud = received > 300
    onsets = [start + n * BIN_S for n in range(10, len(loud))
              if loud[n] and not loud[n - 10 : n].any()]  # fmt: skip
    waits = [onset - max(e for e in ends if e < onset) for onset in onsets
             if any(e < onset for e in ends)]  # fmt: skip
    print(f"end of speech → interpretation voice at the listener: "
          f"{', '.join(f'{1000 * w:.0f} ms' for w in waits)}")  # fmt: skip

    # Mallory, with a wrong key: nothing opens, nothing is heard
    mallory_stats = json.loads(mallory_out.strip().splitlines()[-1])
    assert mallory_stats["opened"] == 0 and mallory_stats["dropped"] > 100, mallory_stats
    heard = wav_samples(tmp_path / "mallory.wav")
    assert len(heard) == 0 or np.abs(heard).max() < 50

    # Janus's own recording of the interpretation feed: SFrame with the interpreter's KID
    leaf = int(who[0]["leaf"])  # type: ignore[call-overload]
    files = [p for p in recording.glob("*-audio-*.mjr") if f"-{feed['feed']}-" in p.name]
    assert files, sorted(p.name for p in recording.iterdir())
    recorded = [rtp_payload(packet) for path in files for packet in mjr_packets(path)]
    recorded = [p for p in recorded if len(p) > 2]
    assert len(recorded) > 20
    assert {sframe_kid(p, 1) >> 4 for p in recorded} == {leaf}  # type: ignore[operator]
