import asyncio
from collections.abc import Sequence

from indaba.media.supervisor import Backoff, Child, Supervisor


def test_backoff_doubles_on_quick_exits_and_resets_when_stable() -> None:
    policy = Backoff(min_delay=0.5, max_delay=4, stable_after=30)
    delays = []
    delay = None
    for _ in range(6):
        delay = policy.next_delay(delay, ran_for=1)
        delays.append(delay)
    assert delays == [0.5, 1, 2, 4, 4, 4]
    assert policy.next_delay(4, ran_for=31) == 0.5


class FakeChild:
    def __init__(self, exits: asyncio.Future[int] | None) -> None:
        self.returncode: int | None = None
        self._exit = exits
        self.killed = False

    async def wait(self) -> int:
        if self._exit is None:
            self._exit = asyncio.get_running_loop().create_future()
        self.returncode = await self._exit
        return self.returncode

    def terminate(self) -> None:
        self.kill()

    def kill(self) -> None:
        self.killed = True
        if self._exit is not None and not self._exit.done():
            self._exit.set_result(-9)


async def test_restarts_with_backoff_then_stops() -> None:
    loop = asyncio.get_running_loop()
    children: list[FakeChild] = []
    slept: list[float] = []
    exits: list[int] = []

    async def spawn(argv: Sequence[str]) -> Child:
        assert list(argv) == ["janus", "-C", "cfg"]
        # The first three crash at once; the fourth keeps running.
        future: asyncio.Future[int] = loop.create_future()
        if len(children) < 3:
            future.set_result(1)
        child = FakeChild(future)
        children.append(child)
        return child

    async def sleep(delay: float) -> None:
        slept.append(delay)

    supervisor = Supervisor(
        ["janus", "-C", "cfg"],
        spawn,
        Backoff(min_delay=0.5, max_delay=30),
        sleep=sleep,
        monotonic=lambda: 0.0,
        on_exit=exits.append,
    )
    supervisor.start()
    while len(children) < 4:
        await asyncio.sleep(0)
    assert slept == [0.5, 1.0, 2.0]
    assert exits == [1, 1, 1]
    assert supervisor.running and supervisor.starts == 4
    await supervisor.stop(grace=0)
    assert children[-1].killed and not supervisor.running
    assert exits == [1, 1, 1]  # a stop is not reported as a crash


async def test_spawn_failure_is_retried() -> None:
    attempts = 0
    slept: list[float] = []

    async def spawn(argv: Sequence[str]) -> Child:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise FileNotFoundError("janus")
        return FakeChild(None)

    async def sleep(delay: float) -> None:
        slept.append(delay)

    supervisor = Supervisor(["janus"], spawn, sleep=sleep, monotonic=lambda: 0.0)
    supervisor.start()
    while attempts < 2:
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert slept == [0.5] and supervisor.running
    await supervisor.stop()
