"""A meeting participant in Python for the voice tests: hears the interpretation feed.

    python sfu_voice_listener.py INVITE_URL NAME LANG OUT.wav right|wrong

Joins the session's MLS group through the invite (indaba.client), announces its profile
(reading ``LANG``; again whenever someone joins), asks for a media ticket and, through the
server's Janus proxy with aiortc, subscribes to the interpretation feed in ``LANG`` (the
publisher whose display says ``"i": LANG``).  Every RTP payload is SFrame-decrypted with
the group's keys (``right``) or with a random secret in place of each epoch's exporter
(``wrong``); what does not authenticate is dropped, the rest is decoded by aiortc (Opus,
48 kHz) and written to OUT.wav when stdin closes.  Prints JSON lines: ``{"joined":
member_id}``, ``{"feed": id, "display": ...}`` when it subscribes, ``{"speaker":
member_id, "leaf": n}`` for the first frame that authenticates, ``{"audio_start":
wall_time}`` when the first decoded audio came out, ``{"caption": text}`` for
each final caption in ``LANG`` received in the group, and at the end ``{"opened": n,
"dropped": n, "samples": n}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import wave
from typing import Any

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from indaba.client import ChatSession, Message, RosterChanged
from indaba.interpret import envelope
from indaba.interpret.sfu import (
    GroupKeys,
    JanusProxy,
    admission_for,
    guard_receiver,
    ice_servers,
    wait_for_jsep,
)
from indaba.interpret.voice import interpretation_language
from indaba.media.sframe import EXPORTER_LENGTH, peek_key_id, split_key_id


class WrongKeys(GroupKeys):
    """Follows the epochs, but with a random secret instead of each epoch's exporter."""

    def refresh(self) -> None:
        before = self._epoch
        super().refresh()
        if self._epoch is not None and self._epoch != before:
            self.context.set_epoch(self._epoch, os.urandom(EXPORTER_LENGTH))


async def main(url: str, name: str, lang: str, out: str, mode: str) -> None:
    chat = await ChatSession.from_invite(url, name, lang)

    def profile() -> bytes:
        return envelope.encode(envelope.Profile(lang, True, name))

    await chat.send(profile())
    print(json.dumps({"joined": chat.member.member_id}), flush=True)

    async def follow() -> None:  # profiles again for joiners; captions printed
        known = set(chat.member.members())
        async for event in chat.events():
            if isinstance(event, RosterChanged):
                if set(event.members) - known:
                    await chat.send(profile())
                known = set(event.members)
            elif isinstance(event, Message) and not event.own:
                item = envelope.decode(event.data, event.seq)
                if isinstance(item, envelope.CaptionMessage) and item.lang == lang:
                    print(json.dumps({"caption": item.text}), flush=True)

    follower = asyncio.create_task(follow())
    keys = (WrongKeys if mode == "wrong" else GroupKeys)(chat.member)
    counts = {"opened": 0, "dropped": 0}
    pcm = bytearray()
    admission = await admission_for(chat.base_url, chat.token, chat.member.session_id)
    proxy = await JanusProxy.open(chat.base_url, admission)
    room_events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    handle = await proxy.attach(room_events.put_nowait)
    joined = await proxy.message(handle, {"request": "join", "ptype": "publisher",
                                          "room": admission["room"],
                                          "display": json.dumps({"n": name})})  # fmt: skip
    data = joined["plugindata"]["data"]
    private_id = data.get("private_id")
    peers: list[RTCPeerConnection] = []
    tasks: list[asyncio.Task[None]] = []

    def open_frame(payload: bytes) -> bytes | None:
        opened = keys.open(payload)
        if opened is None:
            counts["dropped"] += 1
            return None
        if counts["opened"] == 0:
            kid = peek_key_id(payload, 1)
            leaf = split_key_id(kid)[0] if kid is not None else -1
            print(json.dumps({"speaker": opened[0], "leaf": leaf}), flush=True)
        counts["opened"] += 1
        return opened[1]

    async def consume(track: MediaStreamTrack) -> None:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, av.AudioFrame):
                    if not pcm:
                        print(json.dumps({"audio_start": time.time()}), flush=True)
                    for converted in resampler.resample(frame):
                        pcm.extend(bytes(converted.planes[0])[: converted.samples * 2])

    async def subscribe(publisher: dict[str, Any]) -> None:
        if interpretation_language(publisher.get("display")) != lang:
            return
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        sub = await proxy.attach(events.put_nowait)
        body: dict[str, Any] = {"request": "join", "ptype": "subscriber",
                                "room": admission["room"], "streams": [{"feed": publisher["id"]}]}
        if private_id is not None:
            body["private_id"] = private_id
        offer = await wait_for_jsep(proxy, sub, await proxy.message(sub, body), events)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers(admission)))
        peers.append(pc)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                tasks.append(asyncio.create_task(consume(track)))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        for transceiver in pc.getTransceivers():
            guard_receiver(transceiver.receiver, open_frame)
        await pc.setLocalDescription(await pc.createAnswer())
        await proxy.message(sub, {"request": "start"},
                            {"type": "answer", "sdp": pc.localDescription.sdp})  # fmt: skip
        print(json.dumps({"feed": publisher["id"], "display": publisher.get("display")}),
              flush=True)  # fmt: skip

    async def watch() -> None:
        pending = [data]
        while True:
            for item in pending:
                for publisher in item.get("publishers") or ():
                    if isinstance(publisher, dict) and isinstance(publisher.get("id"), int):
                        await subscribe(publisher)
            event = await room_events.get()
            plugin = (event.get("plugindata") or {}).get("data")
            pending = [plugin] if isinstance(plugin, dict) else []

    watcher = asyncio.create_task(watch())
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline):  # until EOF
        pass
    for task in (watcher, follower, *tasks):
        task.cancel()
    for pc in peers:
        await pc.close()
    await proxy.close()
    await chat.close()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(48000)
        wav.writeframes(bytes(pcm))
    print(json.dumps({**counts, "samples": len(pcm) // 2}), flush=True)


if __name__ == "__main__":
    invite, who, language, out_path, key_mode = sys.argv[1:6]
    if key_mode not in ("right", "wrong"):
        raise SystemExit("the key mode is right or wrong")
    asyncio.run(main(invite, who, language, out_path, key_mode))
