"""``indaba chat INVITE_URL`` against a real server, talking with another Python client."""

from __future__ import annotations

import asyncio
import io
import queue

import httpx

from indaba.cli import build_parser
from indaba.client import ChatSession
from indaba.client.chat_cli import chat
from tests.delivery.harness import LiveServer
from tests.delivery.test_python_clients import big_session, invite_url, messages, until_members
from tests.server.conftest import World


class TypedLines(io.StringIO):
    """Standard input that blocks until the test types a line."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: queue.Queue[str] = queue.Queue()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self.lines.get(timeout=30)


def test_the_subcommand_is_registered() -> None:
    args = build_parser().parse_args(["chat", "http://x/i/abc", "--name", "Zed"])
    assert args.invite_url == "http://x/i/abc" and args.name == "Zed"


async def test_chat_joins_sends_receives_and_leaves(
    client: httpx.AsyncClient, world: World, live: LiveServer
) -> None:
    session = await big_session(client, world)
    url = await invite_url(client, world, live, session)
    peer = await ChatSession.from_invite(url, "Peer", "en")
    await until_members(peer, 1)
    stdin, stdout = TypedLines(), io.StringIO()
    running = asyncio.create_task(chat(url, "Terminal", "fr", None, stdin, stdout))
    await until_members(peer, 2)
    stdin.lines.put("hello from the terminal\n")
    got = await messages(peer, 1)
    assert got[0].data == b"hello from the terminal"
    await peer.send(b"hello, terminal")
    for _ in range(200):
        if "hello, terminal" in stdout.getvalue():
            break
        await asyncio.sleep(0.05)
    assert "hello, terminal" in stdout.getvalue()
    stdin.lines.put("/leave\n")
    assert await asyncio.wait_for(running, 15) == 0
    await until_members(peer, 1)
    await peer.close()
