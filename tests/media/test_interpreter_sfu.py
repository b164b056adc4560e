"""The interpreter member hears the meeting: real Janus, real server, real MLS, real SFrame.

In a network namespace (Janus gathers no loopback candidates): the server with Janus; the
interpreter as its own process (``indaba interpreter``, inside the namespace); Alice, a
Python participant (tests/interpret/sfu_publisher.py), who publishes English speech made
with ``flite -voice slt`` as SFrame-encrypted Opus through the server's proxy.  Beatriz,
reading Spanish, is a group member in this test process.  She receives English captions
and Spanish translations of Alice's speech, sent by the interpreter inside the group.  Then
Carlos joins and speaks other sentences at the same time (a new epoch with new keys, a new
publisher): after the old epoch's grace both are captioned, each under their own name.
After Alice opts out in her profile, her speech is no longer interpreted and Carlos's
still is.  Nothing of the captions is in the server's database or logs, in the
interpreter's output, or in what Janus records of the room (every recorded audio packet
is SFrame with Alice's key id).  Latencies (end of a sentence's audio at its speaker →
caption at Beatriz) are printed, not asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from indaba.client import ChatSession, Message
from indaba.interpret import envelope
from tests.media.netns import ROOT
from tests.media.test_browser_media import (
    MEDIA_SECRET,
    Server,
    mjr_packets,
    rtp_payload,
    server,  # noqa: F401 - the module-scoped server fixture
    sframe_kid,
)


def missing_interpreter_tools() -> str | None:
    """What the interpreter's meeting listener needs besides the namespace and Janus."""
    for tool, package in (("flite", "flite"), ("apertium", "apertium apertium-eng-spa")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {package})"
    for module in ("aiortc", "pocketsphinx"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install -e '.[interpret-test]')"
    return None


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (ip netns add)"
    for tool, package in (("ip", "iproute2"), ("janus", "janus")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {package})"
    return missing_interpreter_tools()


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing() is not None, reason=str(_missing()))]

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PUBLISHER = ROOT / "tests" / "interpret" / "sfu_publisher.py"
SENTENCES = ("We must protect the oceans for our children.", "Clean water is a human right.")
CARLOS_SENTENCES = ("Every village needs a doctor.",
                    "The climate is changing faster than we expected.")  # fmt: skip
LEAD_S = 3.0
PAUSE_S = 1.2
LOOPS = 8


@dataclass
class Speech:
    path: Path
    sentence_ends: list[float]  # seconds into one loop where each sentence's audio ends
    seconds: float


def flite_speech(directory: Path, sentences: tuple[str, ...] = SENTENCES,
                 name: str = "speech48k") -> Speech:  # fmt: skip
    """48 kHz mono 16-bit: each sentence by flite's slt voice, then a pause."""
    from scipy.signal import resample_poly

    parts: list[np.ndarray] = []
    ends: list[float] = []
    for n, text in enumerate(sentences):
        raw = directory / f"{name}-sentence{n}.wav"
        subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", str(raw)], check=True,
                       capture_output=True)  # fmt: skip
        with wave.open(str(raw)) as w:
            rate = w.getframerate()
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        speech = resample_poly(samples, 48000, rate)
        loud = np.nonzero(np.abs(speech) > 300)[0]
        offset = sum(len(p) for p in parts)
        ends.append((offset + (loud[-1] if len(loud) else len(speech))) / 48000)
        parts += [speech, np.zeros(int(48000 * PAUSE_S))]
    audio = np.concatenate(parts)
    path = directory / f"{name}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(np.clip(audio, -32768, 32767).astype("<i2").tobytes())
    return Speech(path, ends, len(audio) / 48000)


def session_invite(server: Server) -> tuple[str, str, str]:  # noqa: F811
    """(invite URL, dialogue id, session id) of a fresh English/Spanish session."""
    with httpx.Client(base_url=server.api) as http:
        created = http.post("/api/dialogues", json={
            "title": "Meeting", "description": "", "prompts": ["?"], "languages": ["en", "es"],
            "opens_at": "2020-01-01T00:00:00Z", "closes_at": "2099-01-01T00:00:00Z",
            "convener": {"display_name": "Convener", "language": "en"}})  # fmt: skip
        assert created.status_code == 201, created.text
        dialogue = created.json()["dialogue"]["id"]
        auth = {"Authorization": f"Bearer {created.json()['token']}"}
        session = http.post(f"/api/dialogues/{dialogue}/sessions", headers=auth, json={
            "topic": "Oceans", "languages": ["en", "es"], "capacity": 10,
            "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"})  # fmt: skip
        assert session.status_code == 201, session.text
        session_id = session.json()["id"]
        invite = http.post(f"/api/dialogues/{dialogue}/invites", headers=auth,
                           json={"session_id": session_id, "max_uses": 10})  # fmt: skip
        assert invite.status_code == 201, invite.text
        return server.api + str(invite.json()["url"]), dialogue, session_id


class Process:
    """A process inside the namespace whose stdout lines are read as they come."""

    def __init__(self, argv: list[str], log: Path, stdin: bool = False) -> None:
        self.log = log
        with log.open("wb") as stderr:
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr,
                                         stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                         text=True)  # fmt: skip
        self.lines: list[str] = []
        self.output: str | None = None

    def wait_line(self, predicate: Any, timeout: float = 60) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"exited: {self.log.read_text()[-2000:]}")
            self.lines.append(line)
            if predicate(line):
                return line
        raise AssertionError("timed out")

    def stop(self) -> str:
        """Close stdin (or send SIGTERM) and collect the rest of the output."""
        if self.output is not None:
            return self.output
        if self.proc.stdin is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.output = "".join([*self.lines, out or ""])
        return self.output


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    running: list[Process] = []
    yield running
    for process in running:
        process.stop()


def record_room(server: Server, session_id: str, member_id: str, seconds: float) -> Path:  # noqa: F811
    """Janus's own recording of the room, driven from inside the namespace."""
    from indaba.media.fake import FakeJanus
    from indaba.media.rooms import JanusNode, RoomManager

    rooms = RoomManager([JanusNode("x", FakeJanus(), "k")], MEDIA_SECRET.encode())
    config = (server.directory / "janus" / "janus.transport.websockets.jcfg").read_text()
    ws_port = next(line.split("=")[1].strip() for line in config.splitlines() if "ws_port" in line)
    rec_dir = server.directory / f"recording-{session_id}"
    rec_dir.mkdir()
    subprocess.run(
        [*server.ns.exec_prefix(), PYTHON, str(ROOT / "tests" / "media" / "janus_recorder.py"),
         f"ws://127.0.0.1:{ws_port}", rooms.participant_token(session_id, member_id),
         str(rooms.room_id(session_id)), rooms.room_secret(session_id), str(rec_dir),
         str(seconds)],
        check=True, timeout=60,
    )  # fmt: skip
    return rec_dir


Received = list[tuple[float, envelope.Envelope, str]]  # (arrival time, envelope, sender)


async def collect(chat: ChatSession, done: Any, seconds: float) -> Received:
    """What ``chat`` receives from others, with arrival times, until ``done(got)`` or
    ``seconds`` have passed."""
    got: Received = []

    async def loop() -> None:
        async for event in chat.events():
            if isinstance(event, Message) and not event.own:
                item = envelope.decode(event.data, event.seq)
                if item is not None:
                    got.append((time.time(), item, event.sender))
                    if done(got):
                        return

    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await loop()
    return got


def captions_of(got: Received, speaker: str, after: float = 0.0) -> list[envelope.CaptionMessage]:
    return [item for at, item, _ in got
            if isinstance(item, envelope.CaptionMessage) and item.speaker == speaker
            and at > after]  # fmt: skip


def publisher(server: Server, url: str, speech: Speech, name: str, tmp_path: Path  # noqa: F811
              ) -> tuple[Process, str, int, float]:  # fmt: skip
    """Start a Python participant publishing ``speech``: (process, member id, leaf, when
    its audio time 0 was sent)."""
    process = Process([*server.ns.exec_prefix(), PYTHON, str(PUBLISHER), url, str(speech.path),
                       name, "en", str(LEAD_S), str(LOOPS)], tmp_path / f"{name}.log",
                      stdin=True)  # fmt: skip
    joined = json.loads(process.wait_line(lambda line: '"joined"' in line))
    process.wait_line(lambda line: '"publishing"' in line)
    playing = json.loads(process.wait_line(lambda line: '"playing"' in line))["playing"]
    return process, joined["joined"], joined["leaf"], playing


async def test_the_interpreter_captions_and_translates_speech_from_the_sfu(
    server: Server, tmp_path: Path, processes: list[Process]  # noqa: F811
) -> None:
    speech = flite_speech(tmp_path)
    carlos_speech = flite_speech(tmp_path, CARLOS_SENTENCES, "carlos48k")
    url, _, session_id = session_invite(server)
    interpreter = Process([*server.ns.exec_prefix(), str(ROOT / ".venv" / "bin" / "indaba"),
                           "interpreter", "--invite", url, "--run-by", "the test"],
                          tmp_path / "interpreter.log")  # fmt: skip
    processes.append(interpreter)
    interpreter.wait_line(lambda line: line.startswith("joined session"))
    interpreter.wait_line(lambda line: line.startswith("listening to the meeting"))

    beatriz = await ChatSession.from_invite(url, "Beatriz", "es")
    try:
        await beatriz.send(envelope.encode(envelope.Profile("es", name="Beatriz")))
        alice, alice_id, alice_leaf, alice_playing = publisher(server, url, speech, "Alice",
                                                               tmp_path)  # fmt: skip
        processes.append(alice)
        record_task = asyncio.create_task(
            asyncio.to_thread(record_room, server, session_id, alice_id, 4.0)
        )

        # 1. Alice speaks: English captions and Spanish translations reach Beatriz
        def both(got: Received) -> bool:
            caps = captions_of(got, alice_id)
            return any(c.lang == "en" and "water" in c.text for c in caps) and any(
                c.lang == "es" and "agua" in c.text for c in caps
            )

        got = await collect(beatriz, both, LEAD_S + 2 * speech.seconds + 30)
        rec_dir = await record_task
        first = captions_of(got, alice_id)
        english = [c for c in first if c.lang == "en"]
        spanish = [c for c in first if c.lang == "es"]
        assert any("water" in c.text for c in english), [c.text for c in english]
        assert any("agua" in c.text for c in spanish), [c.text for c in spanish]
        assert all(c.route == ("en", "es") and c.engine == "apertium" for c in spanish)
        assert all(c.route == ("en",) and c.final for c in english)

        # 2. Carlos joins and speaks too: a new epoch (new keys) and a new publisher.  Once
        # the old epoch's grace (10 s) is over, both are captioned, each under their name.
        assert beatriz.member.group is not None
        epoch = beatriz.member.group.epoch
        carlos, carlos_id, _, carlos_playing = publisher(server, url, carlos_speech, "Carlos",
                                                         tmp_path)  # fmt: skip
        processes.append(carlos)
        async with asyncio.timeout(20):
            while beatriz.member.group.epoch == epoch:
                await asyncio.sleep(0.05)
        after_grace = time.time() + 11

        def both_speakers(g: Received) -> bool:  # the translation comes after the English
            carlos_now = captions_of(g, carlos_id, after_grace)
            return (bool(captions_of(g, alice_id, after_grace))
                    and any("climate" in c.text for c in carlos_now if c.lang == "en")
                    and any("clima" in c.text for c in carlos_now if c.lang == "es"))  # fmt: skip

        later = await collect(beatriz, both_speakers, 11 + 2 * carlos_speech.seconds + 20)
        got += later
        assert captions_of(later, alice_id, after_grace), "no captions after the epoch changed"
        carlos_said = captions_of(later, carlos_id)
        assert any("climate" in c.text for c in carlos_said if c.lang == "en"), [
            c.text for c in carlos_said]  # fmt: skip
        assert any("clima" in c.text for c in carlos_said if c.lang == "es")
        assert not any(w in c.text for c in carlos_said for w in ("water", "ocean", "agua"))
        assert not any(w in c.text for c in captions_of(got, alice_id)
                       for w in ("climate", "village", "clima"))  # fmt: skip

        # 3. Alice opts out: her speech is no longer interpreted, Carlos's still is
        assert alice.proc.stdin is not None
        alice.proc.stdin.write("optout\n")
        alice.proc.stdin.flush()

        def opted_out(g: Received) -> bool:
            return any(isinstance(i, envelope.Profile) and not i.interpret and who == alice_id
                       for _, i, who in g)  # fmt: skip

        seen_opt_out = await collect(beatriz, opted_out, 20)
        assert opted_out(seen_opt_out)
        since = seen_opt_out[-1][0] + 1.5
        longest = max(speech.seconds, carlos_speech.seconds)
        quiet = await collect(beatriz, lambda g: False, longest + 4)
        got += seen_opt_out + quiet
        after = seen_opt_out + quiet
        assert not captions_of(after, alice_id, since), "Alice was interpreted after opting out"
        assert captions_of(after, carlos_id, since), "Carlos's captions stopped too"
    finally:
        await beatriz.close()
    out = interpreter.stop()
    for process in (alice, carlos):
        process.stop()
    assert interpreter.proc.returncode == 0, interpreter.log.read_text()[-2000:]
    assert "captions from the meeting" in out and ", 0 captions from" not in out

    # latency: the end of each sentence's audio at its speaker → the caption at Beatriz
    schedule = {
        who: [start + LEAD_S + loop * talk.seconds + end
              for loop in range(LOOPS) for end in talk.sentence_ends]
        for who, start, talk in ((alice_id, alice_playing, speech),
                                 (carlos_id, carlos_playing, carlos_speech))
    }  # fmt: skip
    for language in ("en", "es"):
        waits = []
        for at, item, _ in got:
            if isinstance(item, envelope.CaptionMessage) and item.lang == language:
                before = [e for e in schedule[item.speaker] if e <= at]
                if before:
                    waits.append(at - before[-1])
        if waits:
            print(f"end of speech → {language} caption over the SFU: "
                  f"{', '.join(f'{1000 * w:.0f} ms' for w in waits)}")  # fmt: skip

    # no caption text outside the group: server database and logs, interpreter output,
    # and what Janus itself holds of the room
    texts = {i.text for _, i, _ in got
             if isinstance(i, envelope.CaptionMessage) and len(i.text) > 3}  # fmt: skip
    stored = b"".join(p.read_bytes() for p in server.directory.glob("indaba.sqlite3*"))
    server_log = (server.directory / "server.log").read_bytes()
    own_output = out.encode() + interpreter.log.read_bytes()
    audio = sorted(rec_dir.glob("*-audio-*.mjr"))
    assert audio, sorted(p.name for p in rec_dir.iterdir())
    recorded = [rtp_payload(packet) for path in audio for packet in mjr_packets(path)]
    recorded = [p for p in recorded if len(p) > 2]
    assert len(recorded) > 20
    assert {sframe_kid(p, 1) >> 4 for p in recorded} == {alice_leaf}  # type: ignore[operator]
    everything = stored + server_log + own_output + b"".join(recorded)
    for text in texts:
        assert text.encode() not in everything, "a caption left the group in the clear"
    assert b"water" not in own_output and b"agua" not in own_output
