"""Where one live speaker's recognition runs: a process of its own, or a worker thread.

pocketsphinx holds the GIL while it decodes, so two people talking at once in one Python
process wait for each other, and the event loop that receives their audio waits too.
The interpreter therefore gives each speaker of the meeting a process of its own
(:class:`InProcess`)::

    interpreter process                              speaker process (spawned)
      16 kHz PCM chunk ── pipe (bytes) ────────────►   Pipeline(recogniser, no router)
      events ◄──────────── pipe (pickled) ──────────   partial / final captions, timings
      final caption ─► Router (warm Apertium pipes, shared by every speaker, in a thread)
                    ─► translated captions

Translation stays in the interpreter process: Apertium runs in its own processes and a
warm pipeline per language pair is shared by all speakers (each costs ~380 MB).  The
speaker process is spawned (it inherits no event loop, socket or key), ignores SIGINT
(the interpreter stops it), logs nothing and exits when its pipe closes.  A speaker
costs ~140 MB and ~1–2 s to start; audio that arrives meanwhile waits in the queue.

:class:`InThread` runs the whole Pipeline in a worker thread of the interpreter process:
for tests, and for engines that release the GIL.  Both give the same events in the same
order: each final source caption followed by its translations, then ``UtteranceDone``.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Protocol

from indaba.interpret.base import EngineError, SpeechRecognizer, UnsupportedPair
from indaba.interpret.endpoint import EndpointConfig
from indaba.interpret.pipeline import Caption, Event, Pipeline
from indaba.interpret.routing import Router

RecognizerFactory = Callable[[str], SpeechRecognizer]


class Recognition(Protocol):
    async def start(self) -> int:
        """Make the recogniser; its sample rate, or EngineError (no engine for the language)."""
        ...

    async def feed(self, pcm: bytes, targets: Sequence[str]) -> list[Event]:
        """16-bit mono PCM at the sample rate in; captions in the source and ``targets``."""
        ...

    async def close(self) -> None: ...


def translated(router: Router | None, caption: Caption, targets: Sequence[str]) -> list[Caption]:
    """A final source caption in each target language the router can reach."""
    out: list[Caption] = []
    for target in targets:
        if router is None or target == caption.language:
            continue
        try:
            result = router.translate(caption.text, caption.language, target)
        except (UnsupportedPair, EngineError):
            continue
        out.append(Caption(caption.utterance, target, result.text, True, caption.start,
                           caption.end, result.route, result.engine, True))  # fmt: skip
    return out


class _Speaker:
    """What every way of running one speaker's recognition is built from."""

    def __init__(self, recognizer_for: RecognizerFactory, language: str, router: Router | None,
                 endpoint: EndpointConfig) -> None:  # fmt: skip
        self.recognizer_for = recognizer_for
        self.language = language
        self.router = router
        self.endpoint = endpoint


class InThread(_Speaker):
    """The whole Pipeline (recognition and translation) in a worker thread."""

    pipeline: Pipeline | None = None

    async def start(self) -> int:
        recognizer = await asyncio.to_thread(self.recognizer_for, self.language)
        self.pipeline = Pipeline(recognizer, self.router, (), endpoint=self.endpoint)
        return recognizer.sample_rate

    async def feed(self, pcm: bytes, targets: Sequence[str]) -> list[Event]:
        assert self.pipeline is not None, "start() first"
        pipeline = self.pipeline
        pipeline.targets = [t for t in dict.fromkeys(targets) if t != pipeline.source]
        return await asyncio.to_thread(pipeline.feed, pcm)

    async def close(self) -> None:
        self.pipeline = None


def _serve(conn: Connection, recognizer_for: RecognizerFactory, language: str,
           endpoint: EndpointConfig) -> None:  # fmt: skip
    """The speaker process: recognition only, chunk by chunk, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        recognizer = recognizer_for(language)
    except (EngineError, ValueError) as exc:
        conn.send(("error", str(exc)))
        return
    pipeline = Pipeline(recognizer, None, (), endpoint=endpoint)
    conn.send(("ready", recognizer.sample_rate))
    while True:
        try:
            pcm = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            conn.send(("events", pipeline.feed(pcm)))
        except (EngineError, ValueError) as exc:
            conn.send(("error", type(exc).__name__))


class InProcess(_Speaker):
    """Recognition in a spawned process of its own; translation here."""

    _conn: Connection | None = None
    _process: Any = None

    async def start(self) -> int:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, daemon=True, name="indaba-speaker",
                                  args=(child, self.recognizer_for, self.language,
                                        self.endpoint))  # fmt: skip
        await asyncio.to_thread(process.start)
        child.close()
        self._conn, self._process = parent, process
        reply = await asyncio.to_thread(self._receive)
        if reply[0] != "ready":
            await self.close()
            raise EngineError(str(reply[1]))
        return int(reply[1])

    def _receive(self) -> tuple[Any, ...]:
        assert self._conn is not None
        try:
            reply: tuple[Any, ...] = self._conn.recv()
        except (EOFError, OSError):
            return ("error", "the speaker process stopped")
        return reply

    def _round_trip(self, pcm: bytes) -> tuple[Any, ...]:
        assert self._conn is not None
        try:
            self._conn.send_bytes(pcm)
        except (OSError, ValueError):
            return ("error", "the speaker process stopped")
        return self._receive()

    async def feed(self, pcm: bytes, targets: Sequence[str]) -> list[Event]:
        if self._conn is None:
            raise EngineError("the speaker process is not running")
        reply = await asyncio.to_thread(self._round_trip, pcm)
        if reply[0] != "events":
            raise EngineError(str(reply[1]))
        events: list[Event] = reply[1]
        if not any(isinstance(e, Caption) and e.final for e in events):
            return events
        out: list[Event] = []
        for event in events:
            out.append(event)
            if isinstance(event, Caption) and event.final and event.language == self.language:
                out.extend(await asyncio.to_thread(translated, self.router, event, targets))
        return out

    async def close(self) -> None:
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            conn.close()  # the speaker process sees the pipe close and exits
        if process is not None:
            await asyncio.to_thread(process.join, 2)
            if process.is_alive():
                process.terminate()
                await asyncio.to_thread(process.join, 2)
            with contextlib.suppress(ValueError):
                process.close()
