"""Interpretation in the browser: the interpreter member, Debian Chromium, the real server.

An English writer and a Spanish reader open the session's conversation in two browsers;
the interpreter joins as a real process (``indaba interpreter --invite URL --run-by
Test``) and is listed as a member. The writer's English message reaches the reader in
Spanish, labelled machine translated with its route, the original one tap away; with
"Keep my messages out of interpretation" checked, the writer's next message is not
translated (docs/interpretation.md).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")

from playwright.sync_api import Page, expect

from indaba.interpret.apertium import MODES_DIR, discover_modes
from tests.browser.conftest import Server, _indaba_command
from tests.browser.test_conversation import Frames, expect_members, messages, send
from tests.browser.test_web_client import call, iso

pytestmark = pytest.mark.browser

DEBIAN = "apertium apertium-eng-spa"
RUN_BY = "Test"


@pytest.fixture
def apertium_en_es() -> None:
    try:
        modes = discover_modes(MODES_DIR)
    except OSError:
        modes = {}
    if ("en", "es") not in modes or ("es", "en") not in modes:
        pytest.skip(f"interpretation browser test skipped: Apertium English↔Spanish missing "
                    f"(apt-get install {DEBIAN})")  # fmt: skip


def setup_session(server: Server) -> dict[str, Any]:
    now = datetime.now(UTC)
    created = call(
        server,
        "POST",
        "/dialogues",
        {
            "title": "Water for all",
            "description": "How do we share water?",
            "prompts": ["What should change?"],
            "languages": ["en", "es"],
            "opens_at": iso(now - timedelta(hours=1)),
            "closes_at": iso(now + timedelta(days=30)),
            "convener": {"display_name": "Zola", "language": "en"},
        },
    )
    dialogue_id = created["dialogue"]["id"]
    session = call(
        server,
        "POST",
        f"/dialogues/{dialogue_id}/sessions",
        {
            "topic": "Oceans",
            "languages": ["en", "es"],
            "capacity": 10,
            "starts_at": iso(now - timedelta(minutes=5)),
            "ends_at": iso(now + timedelta(hours=2)),
        },
        created["token"],
    )
    return {"dialogue_id": dialogue_id, "session_id": session["id"], "created": created}


def invite(server: Server, setup: dict[str, Any]) -> dict[str, Any]:
    body = {"role": "participant", "session_id": setup["session_id"]}
    path = f"/dialogues/{setup['dialogue_id']}/invites"
    return call(server, "POST", path, body, setup["created"]["token"])  # type: ignore[no-any-return]


def member(server: Server, setup: dict[str, Any], name: str, language: str) -> dict[str, Any]:
    token = invite(server, setup)["url"].rsplit("/", 1)[1]
    body = {"token": token, "display_name": name, "language": language}
    return call(server, "POST", "/invites/accept", body)  # type: ignore[no-any-return]


def open_page(server: Server, new_context: Any, setup: dict[str, Any], who: dict[str, Any],
              frames: Frames) -> Page:  # fmt: skip
    context = new_context()
    credentials = json.dumps({setup["dialogue_id"]: who["token"]})
    context.add_init_script(
        f"localStorage.setItem('indaba.credentials', {json.dumps(credentials)})"
    )
    page: Page = context.new_page()
    frames.watch(page)
    page.goto(f"{server.url}/d/{setup['dialogue_id']}/s/{setup['session_id']}")
    expect(page.locator("#conversation-status")).to_have_attribute(
        "data-status", "ready", timeout=30_000
    )
    return page


@pytest.fixture
def interpreter_process(server: Server, tmp_path: Any) -> Iterator[Any]:
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []

    def start(invite_url: str) -> subprocess.Popen[bytes]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("INDABA_")}
        log = (tmp_path / "interpreter.log").open("wb")
        logs.append(log)
        process = subprocess.Popen(
            [*_indaba_command(), "interpreter", "--invite", invite_url, "--run-by", RUN_BY],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=log,
        )  # fmt: skip
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()  # the worker prints it once it is in the group
        assert line.startswith(b"joined session"), (tmp_path / "interpreter.log").read_text()
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
    for log in logs:
        log.close()


def test_a_message_in_english_reaches_the_spanish_reader_translated_unless_opted_out(
    server: Server, new_context: Any, apertium_en_es: None, interpreter_process: Any
) -> None:
    setup = setup_session(server)
    frames = Frames()
    alice_member = member(server, setup, "Alice", "en")
    beatriz_member = member(server, setup, "Beatriz", "es")
    alice = open_page(server, new_context, setup, alice_member, frames)
    beatriz = open_page(server, new_context, setup, beatriz_member, frames)
    for page in (alice, beatriz):
        expect_members(page, 2)

    interpreter_process(server.url + invite(server, setup)["url"])
    for page in (alice, beatriz):
        expect_members(page, 3)
        expect(page.locator("#conversation-members")).to_contain_text(
            f"Interpreter — engines: apertium, run by: {RUN_BY}"
        )

    original = "We must protect the oceans."
    send(alice, original)
    item = beatriz.locator("#conversation-messages li", has_text="Alice")
    body = item.locator(".message-body")
    expect(body).to_contain_text("océanos", timeout=30_000)
    expect(item.locator(".message-translated")).to_have_text("Machine translated (en → es)")
    toggle = item.get_by_role("button", name="Show original")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.focus()
    beatriz.keyboard.press("Enter")  # keyboard-usable
    expect(body).to_have_text(original)
    shown = item.get_by_role("button", name="Show translation")
    expect(shown).to_have_attribute("aria-pressed", "true")
    shown.click()
    expect(body).to_contain_text("océanos")
    # the writer reads her own words, untranslated
    expect(messages(alice)).to_have_text([original])
    expect(alice.locator(".message-translated")).to_have_count(0)

    # Alice keeps her messages out of interpretation (remembered for this session).
    alice.get_by_label("Keep my messages out of interpretation").check()
    private = "This stays in English."
    send(alice, private)
    # The interpreter answers in log order: once Beatriz's next message reaches Alice in
    # English, it has already passed over Alice's opted-out one.
    send(beatriz, "El agua limpia es un derecho.")
    reply = alice.locator("#conversation-messages li", has_text="Beatriz")
    expect(reply.locator(".message-translated")).to_have_text(
        "Machine translated (es → en)", timeout=30_000
    )
    expect(reply.locator(".message-body")).to_contain_text("water")
    expect(messages(beatriz)).to_have_count(3)
    kept = beatriz.locator("#conversation-messages li", has_text=private)
    expect(kept.locator(".message-body")).to_have_text(private)
    expect(kept.locator(".message-translated")).to_have_count(0)
    expect(kept.get_by_role("button", name="Show original")).to_have_count(0)

    alice.reload()
    expect(alice.locator("#conversation-status")).to_have_attribute("data-status", "ready")
    expect(alice.get_by_label("Keep my messages out of interpretation")).to_be_checked()
