"""End-to-end encrypted conversations in Debian Chromium against the real server.

Browsers (ts-mls) and the Python client (indaba.mls) talk in one session's MLS group
through the delivery service: three browsers, a late joiner, a removal by the
facilitator, leaving, the same verification code everywhere, a server restart with
catch-up, and a reload from IndexedDB. A known plaintext must never reach the database
file, the server's log or the bytes the server relays.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")

from playwright.sync_api import Page, WebSocket, expect

from tests.browser.conftest import Server, _free_port, _indaba_command, _wait_for_health
from tests.browser.test_web_client import call, iso, make_dialogue

pytestmark = pytest.mark.browser

CODE = re.compile(r"^\d{5} \d{5} \d{5} \d{5}$")


class Frames:
    """Every WebSocket frame the pages sent or received (what the server relays)."""

    def __init__(self) -> None:
        self.data: list[bytes] = []

    def watch(self, page: Page) -> None:
        def on_socket(ws: WebSocket) -> None:
            ws.on("framesent", self._add)
            ws.on("framereceived", self._add)

        page.on("websocket", on_socket)

    def _add(self, payload: str | bytes) -> None:
        self.data.append(payload.encode() if isinstance(payload, str) else payload)

    def contain(self, needle: bytes) -> bool:
        return any(needle in frame for frame in self.data)


def accept(server: Server, invite: dict[str, Any], name: str) -> dict[str, Any]:
    token = invite["url"].rsplit("/", 1)[1]
    body = {"token": token, "display_name": name, "language": "en"}
    return call(server, "POST", "/invites/accept", body)  # type: ignore[no-any-return]


@pytest.fixture
def session_setup(server: Server) -> dict[str, Any]:
    return make_setup(server)


def make_setup(server: Server) -> dict[str, Any]:
    """A dialogue, a facilitator who created a session and joined it, and invites to it."""
    created = make_dialogue(server, "Talking about water")
    dialogue_id = created["dialogue"]["id"]
    invite = call(
        server,
        "POST",
        f"/dialogues/{dialogue_id}/invites",
        {"role": "facilitator"},
        created["token"],
    )
    facilitator = accept(server, invite, "Nadia")
    now = datetime.now(UTC)
    session = call(
        server,
        "POST",
        f"/dialogues/{dialogue_id}/sessions",
        {
            "topic": "Rivers",
            "languages": ["en"],
            "capacity": 10,
            "starts_at": iso(now - timedelta(minutes=5)),
            "ends_at": iso(now + timedelta(hours=2)),
        },
        facilitator["token"],
    )
    call(server, "POST", f"/sessions/{session['id']}/join", None, facilitator["token"])
    return {
        "dialogue_id": dialogue_id,
        "session_id": session["id"],
        "facilitator": facilitator,
        "created": created,
    }


def participant(server: Server, setup: dict[str, Any], name: str) -> dict[str, Any]:
    invite = call(
        server,
        "POST",
        f"/dialogues/{setup['dialogue_id']}/invites",
        {"role": "participant", "session_id": setup["session_id"]},
        setup["created"]["token"],
    )
    return accept(server, invite, name)


def open_conversation(
    server: Server,
    new_context: Any,
    setup: dict[str, Any],
    member: dict[str, Any],
    frames: Frames,
    wait: bool = True,
) -> Page:
    context = new_context()
    credentials = json.dumps({setup["dialogue_id"]: member["token"]})
    context.add_init_script(
        f"localStorage.setItem('indaba.credentials', {json.dumps(credentials)})"
    )
    page = context.new_page()
    frames.watch(page)
    page.goto(f"{server.url}/d/{setup['dialogue_id']}/s/{setup['session_id']}")
    if wait:
        expect(page.locator("#conversation-status")).to_have_attribute(
            "data-status", "ready", timeout=30_000
        )
    return page


def send(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Your message").fill(text)
    page.get_by_role("button", name="Send").click()


def messages(page: Page) -> Any:
    return page.locator("#conversation-messages .message-body")


def code_of(page: Page) -> str:
    return page.locator("#verification-code").inner_text()


def expect_members(page: Page, count: int) -> None:
    expect(page.locator("#conversation-members li")).to_have_count(count, timeout=30_000)


def expect_same_code(pages: list[Page]) -> str:
    for page in pages:
        expect(page.locator("#verification-code")).to_have_text(CODE)
    first = code_of(pages[0])
    for page in pages[1:]:
        expect(page.locator("#verification-code")).to_have_text(first)
    return first


def test_browsers_talk_join_late_remove_and_compare_codes(
    server: Server, new_context: Any, session_setup: dict[str, Any]
) -> None:
    setup = session_setup
    frames = Frames()
    secret = "the otters meet at the blue bridge at dawn"

    # The facilitator opens the conversation from the lobby.
    nadia_context = new_context()
    credentials = json.dumps({setup["dialogue_id"]: setup["facilitator"]["token"]})
    nadia_context.add_init_script(
        f"localStorage.setItem('indaba.credentials', {json.dumps(credentials)})"
    )
    nadia = nadia_context.new_page()
    frames.watch(nadia)
    nadia.goto(f"{server.url}/d/{setup['dialogue_id']}")
    nadia.get_by_role("link", name="Open the conversation").click()
    expect(nadia.locator("#conversation-status")).to_have_attribute(
        "data-status", "ready", timeout=30_000
    )
    expect(nadia.get_by_role("heading", level=1)).to_have_text("Rivers")

    ama_member = participant(server, setup, "Ama")
    kofi_member = participant(server, setup, "Kofi")
    ama = open_conversation(server, new_context, setup, ama_member, frames)
    kofi = open_conversation(server, new_context, setup, kofi_member, frames)
    for page in (nadia, ama, kofi):
        expect_members(page, 3)
    expect(nadia.locator(f"[data-member-id='{ama_member['member']['id']}']")).to_contain_text(
        "participant"
    )
    expect(
        ama.locator(f"[data-member-id='{setup['facilitator']['member']['id']}']")
    ).to_contain_text("Nadia")
    expect(
        ama.locator(f"[data-member-id='{setup['facilitator']['member']['id']}']")
    ).to_contain_text("facilitator")
    before = expect_same_code([nadia, ama, kofi])

    send(ama, secret)
    send(kofi, "Hello from Kofi")
    send(nadia, "Welcome, everyone")
    for page in (nadia, ama, kofi):
        expect(messages(page)).to_have_text(
            [secret, "Hello from Kofi", "Welcome, everyone"], timeout=30_000
        )
    expect(nadia.locator("#conversation-messages li").first).to_contain_text("Ama")

    # Own-message delete: every browser drops it.
    send(kofi, "a typo I regret")
    for page in (nadia, ama, kofi):
        expect(messages(page)).to_have_count(4)
    kofi.locator("#conversation-messages li.own", has_text="a typo I regret").get_by_role(
        "button", name="Delete"
    ).click()
    for page in (nadia, ama, kofi):
        expect(messages(page)).to_have_text([secret, "Hello from Kofi", "Welcome, everyone"])

    # The disappearing-messages timer is a setting inside the group: everyone gets it.
    ama.get_by_label("Disappearing messages").select_option("3600")
    for page in (nadia, kofi):
        expect(page.locator("#conversation-timer-note")).to_have_text(
            "Ama set disappearing messages to: 1 hour."
        )
        expect(page.get_by_label("Disappearing messages")).to_have_value("3600")
    expect(ama.locator("#conversation-timer-note")).to_have_text(
        "You set disappearing messages to: 1 hour."
    )

    # A fourth joins late: it reads what is sent after it joined, not before.
    efua = open_conversation(server, new_context, setup, participant(server, setup, "Efua"), frames)
    for page in (nadia, ama, kofi, efua):
        expect_members(page, 4)
    after_join = expect_same_code([nadia, ama, kofi, efua])
    assert after_join != before
    send(nadia, "Efua, welcome")
    send(efua, "Thank you")
    for page in (nadia, ama, kofi):
        expect(messages(page)).to_have_text(
            [secret, "Hello from Kofi", "Welcome, everyone", "Efua, welcome", "Thank you"]
        )
    expect(messages(efua)).to_have_text(["Efua, welcome", "Thank you"])

    # The facilitator removes Kofi, who reads nothing sent after the removal.
    nadia.locator(f"[data-remove='{kofi_member['member']['id']}']").click()
    expect(kofi.locator("#conversation-status")).to_have_attribute(
        "data-status", "removed", timeout=30_000
    )
    for page in (nadia, ama, efua):
        expect_members(page, 3)
    expect_same_code([nadia, ama, efua])
    send(ama, "Kofi must not read this")
    for page in (nadia, ama, efua):
        expect(messages(page).last).to_have_text("Kofi must not read this")
    expect(kofi.get_by_text("Kofi must not read this")).to_have_count(0)
    expect(messages(kofi)).to_have_count(5)

    # The known plaintext reached nobody but the members: not the database, not the log,
    # not the relayed bytes.
    needle = secret.encode()
    assert frames.data, "no WebSocket frame was captured"
    assert not frames.contain(needle)
    assert needle not in server.log.read_bytes()
    for path in server.log.parent.glob("t.db*"):
        assert needle not in path.read_bytes(), path.name


class PythonMember:
    """An indaba.client ChatSession run on its own event loop in a thread."""

    def __init__(self, server: Server, token: str, member_id: str, session_id: str) -> None:
        from indaba.client.member import ChatMember
        from indaba.client.session import ChatSession

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.chat = ChatSession(server.url, token, ChatMember(member_id, session_id))
        self.run(self.chat.start())

    def run(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def texts(self, wanted: int) -> list[str]:
        from indaba.client.envelope import decode
        from indaba.client.member import Message

        async def collect() -> list[str]:
            out: list[str] = []
            while len(out) < wanted:
                event = await self.chat.next_event(60)
                if isinstance(event, Message):
                    decoded = decode(event.data)
                    if decoded is not None and decoded.type == "text":
                        out.append(decoded.body)
            return out

        return self.run(collect(), 120)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.run(self.chat.close())
        self.run(self.loop.shutdown_asyncgens())
        self.run(self.loop.shutdown_default_executor())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def python_member(server: Server) -> Iterator[Any]:
    made: list[PythonMember] = []

    def make(token: str, member_id: str, session_id: str) -> PythonMember:
        member = PythonMember(server, token, member_id, session_id)
        made.append(member)
        return member

    yield make
    for member in made:
        member.close()


def test_python_client_and_browsers_read_each_other(
    server: Server, new_context: Any, session_setup: dict[str, Any], python_member: Any
) -> None:
    from indaba.client.envelope import encode_text
    from indaba.client.verification import verification_code

    setup = session_setup
    frames = Frames()
    nadia = open_conversation(server, new_context, setup, setup["facilitator"], frames)
    bot = participant(server, setup, "Bot")
    py = python_member(bot["token"], bot["member"]["id"], setup["session_id"])
    ama = open_conversation(server, new_context, setup, participant(server, setup, "Ama"), frames)
    for page in (nadia, ama):
        expect_members(page, 3)

    py.run(py.chat.send(encode_text("Hello from Python")))
    for page in (nadia, ama):
        expect(messages(page)).to_have_text(["Hello from Python"])
    expect(nadia.locator("#conversation-messages li").first).to_contain_text("Bot")
    send(ama, "Hello from the browser")
    send(nadia, "And from the facilitator")
    assert py.texts(3) == [
        "Hello from Python",
        "Hello from the browser",
        "And from the facilitator",
    ]

    code = expect_same_code([nadia, ama])
    group = py.chat.member.group
    assert group is not None
    assert verification_code(group) == code

    # Neither side's plaintext reached the server's database, log or relayed frames.
    assert frames.data
    for needle in (b"Hello from Python", b"Hello from the browser"):
        assert not frames.contain(needle)
        assert needle not in server.log.read_bytes()
        for path in server.log.parent.glob("t.db*"):
            assert needle not in path.read_bytes(), path.name


def test_leaving_removes_ones_keys_from_the_group(
    server: Server, new_context: Any, session_setup: dict[str, Any]
) -> None:
    setup = session_setup
    frames = Frames()
    nadia = open_conversation(server, new_context, setup, setup["facilitator"], frames)
    ama = open_conversation(server, new_context, setup, participant(server, setup, "Ama"), frames)
    expect_members(nadia, 2)
    kofi = open_conversation(server, new_context, setup, participant(server, setup, "Kofi"), frames)
    expect_members(nadia, 3)
    ama.get_by_role("button", name="Leave the conversation").click()
    expect(ama).to_have_url(re.compile(r"/d/[^/]+$"))
    expect_members(nadia, 2)

    # Leaving the session from the lobby takes the keys out of the group as well.
    kofi_lobby = kofi.context.new_page()
    kofi_lobby.goto(f"{server.url}/d/{setup['dialogue_id']}")
    kofi_lobby.locator("li.session").get_by_role("button", name="Leave").click()
    expect(kofi.locator("#conversation-status")).to_have_attribute("data-status", "removed")
    expect_members(nadia, 1)
    expect(nadia.locator("#verification-code")).to_have_text(CODE)


class RestartableServer:
    """``indaba serve`` that can be stopped and started again on the same port and database."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.server = Server(url=f"http://127.0.0.1:{self.port}", log=directory / "server.log")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("INDABA_")}
        command = [
            *_indaba_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database",
            f"sqlite+aiosqlite:///{self.directory / 't.db'}",
        ]
        with self.server.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=self.directory, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        _wait_for_health(self.server.url, self.process, self.server.log)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[RestartableServer]:
    server = RestartableServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_browsers_reconnect_after_a_server_restart_and_lose_nothing(
    restartable: RestartableServer, new_context: Any
) -> None:
    server = restartable.server
    setup = make_setup(server)
    frames = Frames()
    nadia = open_conversation(server, new_context, setup, setup["facilitator"], frames)
    ama = open_conversation(server, new_context, setup, participant(server, setup, "Ama"), frames)
    expect_members(nadia, 2)
    send(nadia, "before the restart")
    send(ama, "me too")
    for page in (nadia, ama):
        expect(messages(page)).to_have_text(["before the restart", "me too"])

    restartable.stop()
    for page in (nadia, ama):
        expect(page.locator("#conversation-status")).to_have_attribute("data-status", "offline")
    restartable.start()
    for page in (nadia, ama):
        expect(page.locator("#conversation-status")).to_have_attribute(
            "data-status", "ready", timeout=30_000
        )
    send(ama, "after the restart")
    send(nadia, "still here")
    for page in (nadia, ama):
        expect(messages(page)).to_have_text(
            ["before the restart", "me too", "after the restart", "still here"]
        )
    expect_same_code([nadia, ama])

    # A reload resumes from IndexedDB: same group, same history, no re-join.
    nadia.reload()
    expect(nadia.locator("#conversation-status")).to_have_attribute(
        "data-status", "ready", timeout=30_000
    )
    expect(messages(nadia)).to_have_text(
        ["before the restart", "me too", "after the restart", "still here"]
    )
    expect_members(ama, 2)
    send(ama, "after the reload")
    expect(messages(nadia).last).to_have_text("after the reload")
    expect_same_code([nadia, ama])


@pytest.mark.parametrize(
    ("script", "says"),
    [
        ("Object.defineProperty(window, 'indexedDB', {value: undefined})", "IndexedDB"),
        (
            "Object.defineProperty(crypto.subtle, 'generateKey', "
            "{value: () => Promise.reject(new Error('NotSupportedError'))})",
            "WebCrypto",
        ),
    ],
)
def test_without_indexeddb_or_webcrypto_the_browser_does_not_join(
    server: Server, new_context: Any, session_setup: dict[str, Any], script: str, says: str
) -> None:
    setup = session_setup
    member = participant(server, setup, "Ama")
    context = new_context()
    credentials = json.dumps({setup["dialogue_id"]: member["token"]})
    context.add_init_script(
        f"localStorage.setItem('indaba.credentials', {json.dumps(credentials)})"
    )
    context.add_init_script(script)
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"{server.url}/d/{setup['dialogue_id']}/s/{setup['session_id']}")
    expect(page.locator("#conversation-unsupported")).to_contain_text(says)
    expect(page.get_by_role("textbox", name="Your message")).to_have_count(0)
    assert sockets == []
    status = call(server, "GET", "/key-packages", None, member["token"])
    assert status["one_time_available"] == 0  # no keys were even made


def test_browsers_opening_at_once_create_and_join_one_group(
    server: Server, new_context: Any, session_setup: dict[str, Any]
) -> None:
    """Racing creates (one wins, the others join) and racing external commits (stale ones
    are redone) end in one group that everyone agrees on."""
    setup = session_setup
    frames = Frames()
    members = [setup["facilitator"], *(participant(server, setup, n) for n in ("Ama", "Kofi"))]
    pages = [open_conversation(server, new_context, setup, m, frames, wait=False) for m in members]
    for page in pages:
        expect(page.locator("#conversation-status")).to_have_attribute(
            "data-status", "ready", timeout=30_000
        )
        expect_members(page, 3)
    expect_same_code(pages)
    send(pages[2], "we all made it")
    for page in pages:
        expect(messages(page)).to_have_text(["we all made it"])


def test_disappearing_messages_expire_on_every_browser(
    server: Server, new_context: Any, session_setup: dict[str, Any]
) -> None:
    """Page clocks are moved forward instead of waiting: texts sent after the timer was set
    disappear when it runs out, on every browser and after a reload."""
    setup = session_setup
    frames = Frames()
    members = [setup["facilitator"], participant(server, setup, "Ama")]
    pages = []
    for member in members:
        context = new_context()
        context.clock.install()
        credentials = json.dumps({setup["dialogue_id"]: member["token"]})
        context.add_init_script(
            f"localStorage.setItem('indaba.credentials', {json.dumps(credentials)})"
        )
        page = context.new_page()
        frames.watch(page)
        page.goto(f"{server.url}/d/{setup['dialogue_id']}/s/{setup['session_id']}")
        expect(page.locator("#conversation-status")).to_have_attribute(
            "data-status", "ready", timeout=30_000
        )
        pages.append(page)
    nadia, ama = pages
    expect_members(nadia, 2)
    send(nadia, "kept for good")
    nadia.get_by_label("Disappearing messages").select_option("300")
    expect(ama.get_by_label("Disappearing messages")).to_have_value("300")
    send(ama, "gone in five minutes")
    for page in pages:
        expect(messages(page)).to_have_text(["kept for good", "gone in five minutes"])
    for page in pages:
        page.clock.fast_forward("05:01")
    for page in pages:
        expect(messages(page)).to_have_text(["kept for good"])
    ama.reload()
    expect(ama.locator("#conversation-status")).to_have_attribute(
        "data-status", "ready", timeout=30_000
    )
    expect(messages(ama)).to_have_text(["kept for good"])
