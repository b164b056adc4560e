"""The interpreter hears the meeting: speech from the SFU, decrypted inside the group.

Theory of operation
-------------------
The interpreter member holds the session's MLS group (``indaba.client``), so it can
compute every sender's SFrame key exactly as the browsers do (``indaba.media.sframe``).
It joins the meeting like a browser, through the Indaba server's proxy -- never Janus
directly -- and listens (with a :class:`~indaba.interpret.voice.MeetingVoice`, it also
speaks its translations, one publisher per listener language; interpretation feeds are
never subscribed to)::

    POST /api/sessions/{id}/media ─► ticket ─► WS /api/media/janus (auth, then Janus JSON)
      VideoRoom join (ptype publisher, never configured: it never publishes; the handle
      only receives the room's publisher events and lends its private_id to subscribers)
      └─ for each publisher with an audio stream: one subscriber handle + one aiortc
         RTCPeerConnection, subscribed to that audio stream only (no video)

    RTP, once aiortc has removed DTLS-SRTP (Opus payload = TOC ‖ SFrame header ‖ AES-GCM)
      ─► GroupKeys.open: KID → sender leaf + epoch bits → that epoch's key
           (exporter of the current epoch, previous ones kept 10 s) → clear Opus frame,
           sender leaf → member id from the same epoch's roster; anything that does not
           authenticate is dropped here
      ─► aiortc's jitter buffer and Opus decoder (48 kHz) ─► PyAV resampler (16 kHz mono)
      ─► that speaker's Pipeline (recognition in a process of its own, in order;
         indaba.interpret.workers) ─► final captions, translated here
      ─► Interpreter.captions ─► caption envelopes, MLS-encrypted to the group

**Where the frames are intercepted.** aiortc has no encoded-frame transform; every RTP
packet of a receiver goes through ``RTCRtpReceiver._handle_rtp_packet`` before the jitter
buffer and the decoder.  :func:`guard_receiver` wraps that coroutine on each receiver
(before the answer is sent, so no packet precedes it): the payload is replaced by the
decrypted frame, or the packet is dropped.  Opus puts one frame in one packet, so a
payload is a frame.  Wrapping the bound method touches no aiortc code and keeps its RTCP,
NACK and statistics; decoding ourselves would mean re-implementing its jitter buffer.

**Speakers.**  The speaker is whoever the KID names, not the Janus display name: the key
proves group membership, the display is self-declared.  One pipeline per speaker, made
when that speaker's ``profile`` has arrived (its language chooses the recogniser; a
language without one is remembered and skipped):
audio of a member without a profile, or whose profile says ``interpret: false``, is
dropped before decoding -- an opt-out covers speech as it covers text.  When a feed goes
quiet (muted, left, undecryptable) an open utterance is closed with silence.

**Epochs.**  :class:`GroupKeys` notices a new epoch of the member's group on the next
packet or tick (0.5 s; the group is changed on the same event loop, so reading it is
safe), exports its secret and keeps the
previous epochs for :data:`~indaba.media.sframe.GRACE_SECONDS`.  A removed member holds
no key.  Publishers that join or leave arrive as VideoRoom events, Janus's renegotiation
offers are answered (new receivers guarded first); a lost proxy connection is reopened
with a new ticket, backing off from 1 s to 15 s.

**Processes and threads.**  Everything above runs on the event loop except aiortc's
decoder thread, each speaker's recognition (a spawned process per speaker: pocketsphinx
holds the GIL while it decodes, so speakers in one process would wait for each other and
for the event loop) and translation (a worker thread; Apertium runs in its own processes,
shared by all speakers).  ``processes=False`` runs whole pipelines in worker threads.

Nothing here logs content, keys or tickets: only counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtpPacket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

from indaba.client.http import ApiError, api
from indaba.client.member import ChatMember
from indaba.delivery.ordering import identity_to_member
from indaba.interpret.audio import silence
from indaba.interpret.base import EngineError, SpeechRecognizer
from indaba.interpret.endpoint import EndpointConfig
from indaba.interpret.member import Interpreter
from indaba.interpret.pipeline import Caption
from indaba.interpret.routing import Router
from indaba.interpret.voice import MeetingVoice, interpretation_language
from indaba.interpret.workers import InProcess, InThread, Recognition
from indaba.media.sframe import (
    EXPORTER_CONTEXT,
    EXPORTER_LABEL,
    EXPORTER_LENGTH,
    SFrameContext,
    SFrameError,
)

log = logging.getLogger("indaba.interpret.sfu")
for _chatty in ("aiortc", "aioice"):  # ICE and RTP traces at info/debug: addresses only
    logging.getLogger(_chatty).setLevel(logging.WARNING)

SUBPROTOCOL = "janus-protocol"
KEEPALIVE_SECONDS = 25.0
REQUEST_TIMEOUT = 15.0
QUIET_SECONDS = 0.5  # a feed silent this long closes its open utterance
TICK_SECONDS = 0.5  # how often the group's epoch is looked at between packets
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0)
VOICE_RETRY_SECONDS = 5.0  # a voice publisher that could not be set up is tried again after


class JanusError(Exception):
    """Janus (or the proxy) refused a request, or the connection is gone."""


# -- keys -------------------------------------------------------------------------------------
class GroupKeys:
    """SFrame keys following a :class:`ChatMember`'s MLS group, epoch by epoch.

    Call from the event loop that runs the member (the group changes there)."""

    def __init__(self, member: ChatMember, clock: Callable[[], float] = time.monotonic) -> None:
        self.member = member
        self.context = SFrameContext(clock)
        self._epoch: int | None = None
        self._rosters: dict[int, dict[int, str]] = {}

    def refresh(self) -> None:
        group = self.member.group
        if self.member.removed:
            if self._epoch is not None:
                self.context.remove()
                self._rosters.clear()
                self._epoch = None
            return
        if group is None or group.epoch == self._epoch:
            return
        secret = group.export_secret(EXPORTER_LABEL, EXPORTER_CONTEXT, EXPORTER_LENGTH)
        self.context.set_epoch(group.epoch, secret, int(group.own_leaf))
        self._rosters[group.epoch] = {
            int(index): identity_to_member(leaf.credential.identity)
            for index, leaf in group.members()
        }
        self._epoch = group.epoch
        held = set(self.context.epochs)
        self._rosters = {e: r for e, r in self._rosters.items() if e in held}

    def open(self, payload: bytes) -> tuple[str, bytes] | None:
        """(speaker's member id, clear Opus frame), or None: drop the packet."""
        self.refresh()
        try:
            opened = self.context.decrypt(payload, "audio")
        except SFrameError:
            return None
        speaker = self._rosters.get(opened.epoch, {}).get(opened.sender_index)
        return None if speaker is None else (speaker, opened.frame)

    def seal(self, frame: bytes) -> bytes | None:
        """An own Opus frame encrypted for the current epoch; None without a key."""
        self.refresh()
        try:
            return self.context.encrypt(frame, "audio")
        except SFrameError:
            return None


def guard_receiver(receiver: RTCRtpReceiver, open_frame: Callable[[bytes], bytes | None]) -> None:
    """Decrypt every RTP payload of ``receiver`` before aiortc's jitter buffer and decoder;
    packets ``open_frame`` refuses (None) are dropped."""
    original = receiver._handle_rtp_packet

    async def handle(packet: RtpPacket, arrival_time_ms: int) -> None:
        plain = open_frame(packet.payload) if packet.payload else None
        if plain is None:
            return
        packet.payload = plain
        await original(packet, arrival_time_ms)

    receiver._handle_rtp_packet = handle  # type: ignore[method-assign]


# -- Janus over the proxy ------------------------------------------------------------------------
def proxy_url(base_url: str, proxy_path: str) -> str:
    if not proxy_path.startswith("/"):
        raise ValueError("the media admission's proxy_path must be an absolute path")
    return "ws" + base_url.rstrip("/").removeprefix("http") + proxy_path


def ice_servers(admission: dict[str, Any]) -> list[RTCIceServer]:
    """The server's STUN/TURN list, and nothing else: aiortc would add Google's STUN."""
    servers = []
    for entry in admission.get("ice_servers") or ():
        if isinstance(entry, dict) and entry.get("urls"):
            servers.append(RTCIceServer(urls=entry["urls"], username=entry.get("username"),
                                        credential=entry.get("credential")))  # fmt: skip
    return servers


class JanusProxy:
    """Janus's JSON protocol over ``/api/media/janus``: one WebSocket, one Janus session."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.session = 0
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._handlers: dict[int, Callable[[dict[str, Any]], None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.closed = asyncio.Event()

    @classmethod
    async def open(cls, base_url: str, admission: dict[str, Any]) -> JanusProxy:
        url = proxy_url(base_url, str(admission["proxy_path"]))
        ws = await connect(url, subprotocols=[Subprotocol(SUBPROTOCOL)], max_size=1 << 20,
                           open_timeout=10)  # fmt: skip
        proxy = cls(ws)
        try:
            await ws.send(json.dumps({"indaba": "auth", "ticket": admission["token"]}))
            while True:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    hello = json.loads(await ws.recv())
                if isinstance(hello, dict) and hello.get("indaba") == "ready":
                    break
            proxy._tasks.append(asyncio.create_task(proxy._read()))
            created = await proxy.request({"janus": "create"})
            proxy.session = int(created["data"]["id"])
        except BaseException:
            await proxy.close()
            raise
        proxy._tasks.append(asyncio.create_task(proxy._keepalive()))
        return proxy

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if isinstance(message, dict):
                    self._dispatch(message)
        except (ConnectionClosed, ValueError):
            pass
        finally:
            self.closed.set()
            for waiter in self._pending.values():
                if not waiter.done():
                    waiter.set_exception(JanusError("media connection closed"))
            self._pending.clear()

    def _dispatch(self, message: dict[str, Any]) -> None:
        waiter = self._pending.get(str(message.get("transaction", "")))
        if waiter is not None and message.get("janus") != "ack":
            del self._pending[str(message["transaction"])]
            if not waiter.done():
                waiter.set_result(message)
            return
        sender = message.get("sender")
        if isinstance(sender, int) and sender in self._handlers:
            self._handlers[sender](message)

    async def _keepalive(self) -> None:
        while not self.closed.is_set():
            await asyncio.sleep(KEEPALIVE_SECONDS)
            with contextlib.suppress(JanusError):
                await self.request({"janus": "keepalive", "session_id": self.session})

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.closed.is_set():
            raise JanusError("media connection closed")
        transaction = secrets.token_hex(8)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = waiter
        try:
            await self.ws.send(json.dumps({**message, "transaction": transaction}))
        except ConnectionClosed:
            raise JanusError("media connection closed") from None
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                answer = await waiter
        finally:
            self._pending.pop(transaction, None)
        if answer.get("janus") == "error":
            raise JanusError(str(answer.get("error", {}).get("reason", "error")))
        data = (answer.get("plugindata") or {}).get("data") or {}
        if isinstance(data, dict) and "error" in data:
            raise JanusError(str(data["error"]))
        return answer

    async def attach(self, on_event: Callable[[dict[str, Any]], None]) -> int:
        answer = await self.request({"janus": "attach", "session_id": self.session,
                                     "plugin": "janus.plugin.videoroom"})  # fmt: skip
        handle = int(answer["data"]["id"])
        self._handlers[handle] = on_event
        return handle

    async def message(
        self, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"janus": "message", "session_id": self.session,
                                   "handle_id": handle, "body": body}  # fmt: skip
        if jsep is not None:
            request["jsep"] = jsep
        return await self.request(request)

    async def detach(self, handle: int) -> None:
        self._handlers.pop(handle, None)
        with contextlib.suppress(JanusError, TimeoutError):
            await self.request({"janus": "detach", "session_id": self.session,
                                "handle_id": handle})  # fmt: skip

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.ws.close()
        self.closed.set()


async def admission_for(chat_base: str, token: str, session_id: str) -> dict[str, Any]:
    """A media ticket for this member (``POST /api/sessions/{id}/media``)."""
    answer: dict[str, Any] = await api(chat_base, "POST", f"/api/sessions/{session_id}/media",
                                       token)  # fmt: skip
    return answer


async def wait_for_jsep(
    proxy: JanusProxy, handle: int, answer: dict[str, Any], events: asyncio.Queue[dict[str, Any]]
) -> dict[str, Any]:
    if isinstance(answer.get("jsep"), dict):
        return dict(answer["jsep"])
    while True:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            event = await events.get()
        if isinstance(event.get("jsep"), dict):
            return dict(event["jsep"])


def audio_mids(publisher: dict[str, Any]) -> list[str]:
    """The mids of a VideoRoom publisher's audio streams (Janus 1.x ``streams``)."""
    streams = publisher.get("streams")
    if not isinstance(streams, list):
        return []
    return [str(s["mid"]) for s in streams
            if isinstance(s, dict) and s.get("type") == "audio" and "mid" in s
            and not s.get("disabled")]  # fmt: skip


# -- speakers -------------------------------------------------------------------------------------
@dataclass
class ListenerStats:
    frames: int = 0
    dropped: int = 0  # did not authenticate
    withheld: int = 0  # opted out, no profile yet, or no recogniser for the language
    captions: int = 0
    feeds: int = 0


@dataclass
class _Speaker:
    member_id: str
    language: str
    recognition: Recognition
    queue: asyncio.Queue[av.AudioFrame | None] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    dirty: bool = False  # audio fed since the last closing silence


@dataclass
class _Feed:
    feed: int
    handle: int
    pc: RTCPeerConnection
    speaker: str | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    guarded: set[int] = field(default_factory=set)  # id() of receivers already wrapped


class MeetingListener:
    """Subscribes to every publisher's audio and captions it into the group."""

    def __init__(
        self,
        member: ChatMember,
        base_url: str,
        token: str,
        interpreter: Interpreter,
        recognizer_for: Callable[[str], SpeechRecognizer],
        router: Router | None,
        send: Callable[[bytes], Awaitable[None]],
        endpoint: EndpointConfig | None = None,
        display: str = "Interpreter",
        processes: bool = True,
        voice: Callable[[Callable[[bytes], bytes | None]], MeetingVoice] | None = None,
    ) -> None:
        """``voice``: given the seal function of these keys, the interpreter's voice in
        the meeting (:mod:`indaba.interpret.voice`); None: captions only."""
        self.member = member
        self.base_url = base_url
        self.token = token
        self.interpreter = interpreter
        self.recognizer_for = recognizer_for
        self.router = router
        self.send = send
        self.endpoint = endpoint or EndpointConfig()
        self.display = display
        self.processes = processes  # one process per speaker (see indaba.interpret.workers)
        self.keys = GroupKeys(member)
        # one SFrame counter for everything this member sends: the voices share these keys
        self.voice = voice(self.keys.seal) if voice is not None else None
        self._voice_sync: asyncio.Task[None] | None = None
        self._voice_retry_at = 0.0  # after a failed publish: not before this (monotonic)
        self.stats = ListenerStats()
        self.connected = asyncio.Event()
        self._feeds: dict[int, _Feed] = {}
        self._speakers: dict[str, _Speaker] = {}
        self._unsupported: set[tuple[str, str]] = set()
        self._proxy: JanusProxy | None = None
        self._private_id: int | None = None
        self._room = 0
        self._admission: dict[str, Any] = {}
        self._own_feed: int | None = None

    # -- the connection --------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Listen until ``stop``; reconnect with a new ticket when the media connection
        drops.  Returns at once if media is disabled on this server."""
        attempt = 0
        while not stop.is_set():
            try:
                self._admission = await admission_for(self.base_url, self.token,
                                                      self.member.session_id)  # fmt: skip
                await self._listen(stop)
                attempt = 0
            except ApiError as exc:
                if exc.code == "media_disabled":
                    log.info("media disabled on the server: not listening to the meeting")
                    return
                log.warning("no media admission", extra={"code": exc.code})
            except (JanusError, OSError, TimeoutError, WebSocketException, KeyError,
                    ValueError) as exc:  # fmt: skip
                log.warning("media connection lost: %s", type(exc).__name__)
            finally:
                await self._teardown()
            if stop.is_set():
                break
            delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
            attempt += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()

    async def _listen(self, stop: asyncio.Event) -> None:
        proxy = await JanusProxy.open(self.base_url, self._admission)
        self._proxy = proxy
        self._room = int(self._admission["room"])
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        handle = await proxy.attach(events.put_nowait)
        joined = await proxy.message(handle, {
            "request": "join", "ptype": "publisher", "room": self._room,
            "display": json.dumps({"n": self.display})})  # fmt: skip
        data = joined["plugindata"]["data"]
        self._private_id = int(data["private_id"]) if "private_id" in data else None
        self._own_feed = int(data["id"]) if "id" in data else None
        self.connected.set()
        await self._on_room_event(data)
        stopper = asyncio.create_task(stop.wait())
        closed = asyncio.create_task(proxy.closed.wait())
        try:
            while not stop.is_set() and not proxy.closed.is_set():
                self.keys.refresh()  # epochs change between packets too
                self._sync_voices()
                getter = asyncio.create_task(events.get())
                done, _ = await asyncio.wait({getter, stopper, closed}, timeout=TICK_SECONDS,
                                             return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                if getter in done:
                    event = getter.result()
                    plugin = (event.get("plugindata") or {}).get("data")
                    if isinstance(plugin, dict):
                        await self._on_room_event(plugin)
                else:
                    getter.cancel()
        finally:
            stopper.cancel()
            closed.cancel()
            self.connected.clear()
        if proxy.closed.is_set() and not stop.is_set():
            raise JanusError("media connection closed")

    def _sync_voices(self) -> None:
        """Give each wanted listener language its publisher (in the background)."""
        if self.voice is None or self._proxy is None:
            return
        if self._voice_sync is not None and not self._voice_sync.done():
            return
        if time.monotonic() < self._voice_retry_at:
            return
        voice, proxy = self.voice, self._proxy
        present = self.interpreter.present_languages()
        if set(voice.feeds) == set(voice.wanted(present)):
            return

        async def sync() -> None:
            try:
                await voice.sync(proxy, self._room, ice_servers(self._admission), present)
            except Exception as exc:  # captions go on without a voice; tried again later
                self._voice_retry_at = time.monotonic() + VOICE_RETRY_SECONDS
                log.warning("could not publish the interpretation: %s", type(exc).__name__)

        self._voice_sync = asyncio.create_task(sync())

    async def _on_room_event(self, data: dict[str, Any]) -> None:
        publishers = data.get("publishers")
        if isinstance(publishers, list):
            for publisher in publishers:
                if isinstance(publisher, dict) and isinstance(publisher.get("id"), int):
                    try:
                        await self._subscribe(publisher)
                    except (JanusError, TimeoutError, ValueError, KeyError) as exc:
                        log.warning("could not subscribe: %s", type(exc).__name__)
                        await self._unsubscribe(int(publisher["id"]))  # until it publishes again
        for key in ("unpublished", "leaving"):
            gone = data.get(key)
            if isinstance(gone, int):
                await self._unsubscribe(gone)

    async def _subscribe(self, publisher: dict[str, Any]) -> None:
        feed = int(publisher["id"])
        if feed in self._feeds or feed == self._own_feed or self._proxy is None:
            return
        if interpretation_language(publisher.get("display")) is not None:
            return  # an interpreter's voice (ours or another's) is not interpreted
        mids = audio_mids(publisher)
        if not mids and isinstance(publisher.get("streams"), list):
            return  # a publisher without audio (screen share)
        proxy = self._proxy
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        handle = await proxy.attach(events.put_nowait)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers(self._admission)))
        state = _Feed(feed, handle, pc)
        self._feeds[feed] = state
        self.stats.feeds += 1
        body: dict[str, Any] = {"request": "join", "ptype": "subscriber", "room": self._room,
                                "streams": [{"feed": feed, "mid": mid} for mid in mids]
                                or [{"feed": feed}]}  # fmt: skip
        if self._private_id is not None:
            body["private_id"] = self._private_id
        joined = await proxy.message(handle, body)
        offer = await wait_for_jsep(proxy, handle, joined, events)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                state.tasks.append(asyncio.create_task(self._consume(state, track)))

        await self._answer(state, offer)
        state.tasks.append(asyncio.create_task(self._renegotiate(state, events)))

    async def _answer(self, state: _Feed, offer: dict[str, Any]) -> None:
        """Answer Janus's offer; every audio receiver is guarded before any RTP can come."""
        pc = state.pc
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        for transceiver in pc.getTransceivers():
            if transceiver.kind != "audio":
                transceiver.direction = "inactive"  # never video
            elif id(transceiver.receiver) not in state.guarded:
                guard_receiver(transceiver.receiver, self._opener(state))
                state.guarded.add(id(transceiver.receiver))
        await pc.setLocalDescription(await pc.createAnswer())
        assert self._proxy is not None
        await self._proxy.message(state.handle, {"request": "start"},
                                  {"type": "answer", "sdp": pc.localDescription.sdp})  # fmt: skip

    async def _renegotiate(self, state: _Feed, events: asyncio.Queue[dict[str, Any]]) -> None:
        """Janus offers again when the publisher's streams change: answer each offer."""
        while True:
            event = await events.get()
            jsep = event.get("jsep")
            if isinstance(jsep, dict) and jsep.get("type") == "offer":
                try:
                    await self._answer(state, jsep)
                except (JanusError, TimeoutError, ValueError) as exc:
                    log.warning("could not renegotiate: %s", type(exc).__name__)

    def _opener(self, state: _Feed) -> Callable[[bytes], bytes | None]:
        def open_frame(payload: bytes) -> bytes | None:
            opened = self.keys.open(payload)
            if opened is None:
                self.stats.dropped += 1
                return None
            speaker, frame = opened
            state.speaker = speaker
            if not self._may_interpret(speaker):
                self.stats.withheld += 1
                self._forget_speaker(speaker)
                return None
            self.stats.frames += 1
            return frame

        return open_frame

    def _may_interpret(self, speaker: str) -> bool:
        if speaker == self.member.member_id:
            return False
        profile = self.interpreter.profiles.get(speaker)
        return profile is not None and profile.interpret and not profile.interpreter

    async def _unsubscribe(self, feed: int) -> None:
        state = self._feeds.pop(feed, None)
        if state is None:
            return
        for task in state.tasks:
            task.cancel()
        await state.pc.close()
        if self._proxy is not None:
            await self._proxy.detach(state.handle)
        speaker = self._speakers.get(state.speaker or "")
        if speaker is not None:  # the publisher left: close what they were saying
            speaker.queue.put_nowait(None)

    async def _teardown(self) -> None:
        if self._voice_sync is not None:
            self._voice_sync.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._voice_sync
            self._voice_sync = None
        if self.voice is not None:
            await self.voice.close(None if self._proxy is None or self._proxy.closed.is_set()
                                   else self._proxy)  # fmt: skip
        for feed in list(self._feeds):
            with contextlib.suppress(Exception):
                await self._unsubscribe(feed)
        for speaker in list(self._speakers.values()):
            if speaker.task is not None:
                speaker.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await speaker.task
        self._speakers.clear()
        if self._proxy is not None:
            with contextlib.suppress(Exception):
                await self._proxy.close()
        self._proxy = None
        self.connected.clear()

    # -- audio to captions -------------------------------------------------------------------
    async def _consume(self, state: _Feed, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                if state.speaker is not None and isinstance(frame, av.AudioFrame):
                    self.hear(state.speaker, frame)
        except MediaStreamError:
            return

    def hear(self, member_id: str, frame: av.AudioFrame) -> bool:
        """Queue one decoded frame of ``member_id``'s speech for their pipeline; False if
        it is withheld (no profile yet, opted out, no recogniser for their language)."""
        if not self._may_interpret(member_id):
            return False
        speaker = self._speaker(member_id)
        if speaker is None:
            return False
        speaker.queue.put_nowait(frame)
        return True

    def _speaker(self, member_id: str) -> _Speaker | None:
        speaker = self._speakers.get(member_id)
        if speaker is not None:
            return speaker
        profile = self.interpreter.profiles.get(member_id)
        if profile is None:
            return None
        if (member_id, profile.lang) in self._unsupported:
            self.stats.withheld += 1
            return None
        kind = InProcess if self.processes else InThread
        recognition = kind(self.recognizer_for, profile.lang, self.router, self.endpoint)
        speaker = _Speaker(member_id, profile.lang, recognition)
        speaker.task = asyncio.create_task(self._work(speaker))
        self._speakers[member_id] = speaker
        return speaker

    def _forget_speaker(self, member_id: str) -> None:
        speaker = self._speakers.pop(member_id, None)
        if speaker is not None and speaker.task is not None:
            speaker.task.cancel()  # an opt-out: what was heard is dropped, not captioned

    async def _work(self, speaker: _Speaker) -> None:
        try:
            try:
                rate = await speaker.recognition.start()
            except (EngineError, ValueError):
                self._unsupported.add((speaker.member_id, speaker.language))
                self._speakers.pop(speaker.member_id, None)
                log.warning("no speech recogniser for a speaker's language",
                            extra={"lang": speaker.language})  # fmt: skip
                return
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            closing = silence(self.endpoint.end_silence_ms / 1000
                              + 2 * self.endpoint.frame_ms / 1000, rate)  # fmt: skip
            while True:
                try:
                    # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
                    async with asyncio.timeout(QUIET_SECONDS):
                        frame = await speaker.queue.get()
                except TimeoutError:
                    frame = None  # the feed went quiet (muted, gone, undecryptable)
                if frame is None:
                    if speaker.dirty:  # close an utterance left open
                        speaker.dirty = False
                        await self._feed(speaker, closing)
                    continue
                frames = [frame]
                while not speaker.queue.empty() and len(frames) < 10:  # up to 200 ms at once
                    more = speaker.queue.get_nowait()
                    if more is None:
                        speaker.queue.put_nowait(None)  # handled on the next turn
                        break
                    frames.append(more)
                pcm = self._pcm(resampler, frames)
                if pcm:
                    speaker.dirty = True
                    await self._feed(speaker, pcm)
        finally:
            await speaker.recognition.close()

    @staticmethod
    def _pcm(resampler: av.AudioResampler, frames: list[av.AudioFrame]) -> bytes:
        out = bytearray()
        for frame in frames:
            try:
                for converted in resampler.resample(frame):
                    out += converted.to_ndarray().tobytes()
            except (av.FFmpegError, ValueError) as exc:  # a frame PyAV cannot resample
                log.warning("audio frame skipped: %s", type(exc).__name__)
        return bytes(out)

    async def _feed(self, speaker: _Speaker, pcm: bytes) -> None:
        present = self.interpreter.present_languages()
        try:
            events = await speaker.recognition.feed(pcm, present)
        except (EngineError, ValueError) as exc:
            log.warning("speech pipeline failed: %s", type(exc).__name__)
            return
        if not self._may_interpret(speaker.member_id):
            return  # opted out while this chunk was being recognised
        captions = self.interpreter.captions(speaker.member_id, events)
        for data in captions:
            await self.send(data)
            self.stats.captions += 1
        if self.voice is not None:
            speaking = set(self.interpreter.present_languages())
            for event in events:
                if (isinstance(event, Caption) and event.final and event.machine_translated
                        and event.language in speaking):  # fmt: skip
                    self.voice.say(event.language, event.text)
        if captions:
            log.info("captions sent", extra={"count": self.stats.captions})
