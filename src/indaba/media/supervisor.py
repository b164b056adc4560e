"""Run a child process (Janus) and restart it when it exits, with exponential backoff.

The backoff doubles after each quick exit (from ``min_delay`` to ``max_delay``) and starts
over once the child has stayed up for ``stable_after`` seconds.  Spawning, sleeping and the
clock are injected so the policy is tested without processes or waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

log = logging.getLogger("indaba.media")


class Child(Protocol):
    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


Spawn = Callable[[Sequence[str]], Awaitable[Child]]


@dataclass(frozen=True)
class Backoff:
    min_delay: float = 0.5
    max_delay: float = 30.0
    stable_after: float = 30.0

    def next_delay(self, previous: float | None, ran_for: float) -> float:
        """Delay before the next start, given the last delay and how long the child ran."""
        if previous is None or ran_for >= self.stable_after:
            return self.min_delay
        return min(self.max_delay, previous * 2)


def file_spawner(log_path: Path) -> Spawn:
    """Spawn with stdout and stderr appended to ``log_path``."""

    async def spawn(argv: Sequence[str]) -> Child:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        handle: IO[bytes] = log_path.open("ab")
        try:
            return await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=handle, stderr=handle
            )
        finally:
            handle.close()

    return spawn


class Supervisor:
    """Keeps ``argv`` running until :meth:`stop`."""

    def __init__(
        self,
        argv: Sequence[str],
        spawn: Spawn,
        backoff: Backoff = Backoff(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self._spawn = spawn
        self._backoff = backoff
        self._sleep = sleep
        self._monotonic = monotonic
        self._on_exit = on_exit
        self._task: asyncio.Task[None] | None = None
        self._child: Child | None = None
        self._stopping = False
        self._sleeping = False
        self.starts = 0
        self.last_delay: float | None = None

    @property
    def running(self) -> bool:
        return self._child is not None and self._child.returncode is None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="janus-supervisor")

    async def _run(self) -> None:
        delay: float | None = None
        while not self._stopping:
            started = self._monotonic()
            try:
                self._child = await self._spawn(self.argv)
            except OSError as exc:
                log.error("cannot start %s: %s", self.argv[0], exc)
                code = -1
            else:
                self.starts += 1
                if self._stopping:  # stop() came while spawning: never leave an orphan
                    await self._kill(self._child, 0.0)
                    return
                log.info("janus started", extra={"starts": self.starts})
                code = await self._child.wait()
            if self._stopping:
                return
            if self._on_exit is not None:
                self._on_exit(code)
            delay = self._backoff.next_delay(delay, self._monotonic() - started)
            self.last_delay = delay
            log.warning("janus exited", extra={"code": code, "restart_in": delay})
            self._sleeping = True
            try:
                await self._sleep(delay)
            finally:
                self._sleeping = False

    @staticmethod
    async def _kill(child: Child, grace: float) -> None:
        if child.returncode is not None:
            return
        if grace > 0:
            with contextlib.suppress(ProcessLookupError):
                child.terminate()
            try:
                await asyncio.wait_for(child.wait(), grace)
                return
            except TimeoutError:
                pass
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop the child and the loop.  The loop is cancelled only while it sleeps:
        cancelling a spawn in progress would wait for the new child to exit by itself."""
        self._stopping = True
        if self._child is not None:
            await self._kill(self._child, grace)
        if self._task is None:
            return
        if self._sleeping:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
