"""A meeting participant in Python for the SFU tests: joins the group, publishes a WAV.

    python sfu_publisher.py INVITE_URL WAV NAME LANG LEAD_SECONDS LOOPS

Joins the session's MLS group through the invite (indaba.client), announces its profile
(again whenever someone joins), asks for a media ticket and publishes the WAV (48 kHz
mono 16-bit) through the server's Janus proxy with aiortc: LEAD_SECONDS of silence, the
WAV LOOPS times, then silence.  Every encoded Opus frame is SFrame-encrypted with the
current epoch's key before packetisation (indaba.media.sframe: the same bytes the
browser's worker puts on the wire), and the offer says ``e2ee: true``.  Prints JSON lines:
``{"joined": member_id, "leaf": n}``, ``{"publishing": true}``, ``{"playing": wall_time}``
(when audio time 0 was sent).  A line ``optout`` on stdin sends the profile again with
``interpret: false`` (``{"opted_out": wall_time}``).  Runs until stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import sys
import time
import wave
from typing import Any

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from indaba.client import ChatSession, RosterChanged
from indaba.interpret import envelope
from indaba.interpret.sfu import GroupKeys, JanusProxy, admission_for, ice_servers, wait_for_jsep
from indaba.interpret.voice import seal_sender

RATE = 48000
SAMPLES = 960  # 20 ms


class WavTrack(MediaStreamTrack):
    """Real-time 20 ms frames: lead silence, the speech ``loops`` times, then silence."""

    kind = "audio"

    def __init__(self, pcm: bytes, lead: float, loops: int) -> None:
        super().__init__()
        self.audio = b"\0\0" * int(lead * RATE) + pcm * loops
        self.pts = 0
        self.start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.start is None:
            self.start = time.time()
            print(json.dumps({"playing": self.start}), flush=True)
        else:
            delay = self.start + self.pts / RATE - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
        chunk = self.audio[self.pts * 2 : (self.pts + SAMPLES) * 2]
        chunk += b"\0" * (SAMPLES * 2 - len(chunk))
        frame = av.AudioFrame(format="s16", layout="mono", samples=SAMPLES)
        frame.planes[0].update(chunk)
        frame.sample_rate = RATE
        frame.pts = self.pts
        frame.time_base = fractions.Fraction(1, RATE)
        self.pts += SAMPLES
        return frame


async def main(url: str, wav_path: str, name: str, lang: str, lead: float, loops: int) -> None:
    with wave.open(wav_path, "rb") as wav:
        if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (RATE, 1, 2):
            raise SystemExit("the WAV must be 48 kHz mono 16-bit")
        pcm = wav.readframes(wav.getnframes())
    chat = await ChatSession.from_invite(url, name, lang)
    consent = [True]  # "optout" on stdin keeps our speech out of interpretation

    def profile() -> bytes:
        return envelope.encode(envelope.Profile(lang, consent[0], name))

    await chat.send(profile())
    group = chat.member.group
    assert group is not None
    print(json.dumps({"joined": chat.member.member_id, "leaf": int(group.own_leaf)}), flush=True)

    async def announce() -> None:  # a joiner cannot read earlier epochs
        known = set(chat.member.members())
        async for event in chat.events():
            if isinstance(event, RosterChanged):
                if set(event.members) - known:
                    await chat.send(profile())
                known = set(event.members)

    announcer = asyncio.create_task(announce())
    keys = GroupKeys(chat.member)
    admission = await admission_for(chat.base_url, chat.token, chat.member.session_id)
    proxy = await JanusProxy.open(chat.base_url, admission)
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    handle = await proxy.attach(events.put_nowait)
    await proxy.message(handle, {"request": "join", "ptype": "publisher",
                                 "room": admission["room"],
                                 "display": json.dumps({"n": name})})  # fmt: skip
    pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers(admission)))
    transceiver = pc.addTransceiver(WavTrack(pcm, lead, loops), direction="sendonly")
    seal_sender(transceiver.sender, keys.seal)  # the interpreter's voice path
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription
    answer = await proxy.message(handle, {"request": "configure", "audio": True, "video": False},
                                 {"type": "offer", "sdp": offer.sdp, "e2ee": True})  # fmt: skip
    jsep = await wait_for_jsep(proxy, handle, answer, events)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type="answer"))
    print(json.dumps({"publishing": True}), flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):  # until EOF
        if line.strip() == "optout":
            consent[0] = False
            await chat.send(profile())
            print(json.dumps({"opted_out": time.time()}), flush=True)
    announcer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await announcer
    await pc.close()
    await proxy.close()
    await chat.close()


if __name__ == "__main__":
    invite, wav_file, who, language, lead_s, loop_count = sys.argv[1:7]
    asyncio.run(main(invite, wav_file, who, language, float(lead_s), int(loop_count)))
