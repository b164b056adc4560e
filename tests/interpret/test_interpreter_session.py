"""The interpreter as a member of a real session, through the real server.

Alice writes English, Beatriz reads Spanish; the interpreter joined through an invite
like them.  Her English message reaches Beatriz in Spanish (original alongside,
labelled machine translated, with its route); opted-out messages stay untranslated;
spoken English from a WAV file arrives as Spanish captions; and a known plaintext
never reaches the database, the logs or the bytes the server relays.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

import tests.server.conftest as server_fixtures
from indaba.client import ChatSession, Message
from indaba.config import Settings
from indaba.interpret import envelope
from indaba.interpret.apertium import ApertiumTranslator
from indaba.interpret.audio import read_wav
from indaba.interpret.member import Interpreter, join_as_interpreter, run_interpreter
from indaba.interpret.pipeline import Pipeline
from indaba.interpret.routing import Router
from tests.delivery.harness import LiveServer, start_server
from tests.delivery.test_plaintext_absence import _as_bytes, database_bytes
from tests.server.conftest import NOW, World, auth, iso

client = server_fixtures.client
clock = server_fixtures.clock
database_url = server_fixtures.database_url
postgres_url = server_fixtures.postgres_url
settings = server_fixtures.settings
world = server_fixtures.world

pytestmark = pytest.mark.slow


@pytest.fixture
async def live(settings: Settings, clock: server_fixtures.FakeClock) -> AsyncIterator[LiveServer]:
    server = await start_server(settings, clock)
    yield server
    await server.stop()


async def session_invite(client: httpx.AsyncClient, world: World, live: LiveServer) -> str:
    response = await client.post(
        f"/api/dialogues/{world.dialogue_id}/sessions",
        json={"topic": "Oceans", "languages": ["en", "fr"], "capacity": 10,
              "starts_at": iso(NOW), "ends_at": iso(NOW + timedelta(hours=2)),
              "facilitator_id": world.facilitator_id},
        headers=auth(world.convener),
    )
    assert response.status_code == 201, response.text
    invite = await client.post(
        f"/api/dialogues/{world.dialogue_id}/invites",
        json={"session_id": response.json()["id"], "max_uses": 10},
        headers=auth(world.convener),
    )
    assert invite.status_code == 201, invite.text
    return live.http_url + str(invite.json()["url"])


async def until_members(chat: ChatSession, count: int) -> None:
    async def wait() -> None:
        while len(chat.member.members()) != count:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), 20)


async def read_until(
    chat: ChatSession, done: Callable[[envelope.Envelope], bool], seen: list[envelope.Envelope]
) -> envelope.Envelope:
    async def loop() -> envelope.Envelope:
        async for event in chat.events():
            if isinstance(event, Message) and not event.own:
                item = envelope.decode(event.data, event.seq)
                if item is not None:
                    seen.append(item)
                    if done(item):
                        return item
        raise AssertionError("the session closed")

    return await asyncio.wait_for(loop(), 30)


def translation_of(ref: str, lang: str) -> Callable[[envelope.Envelope], bool]:
    def match(item: envelope.Envelope) -> bool:
        return isinstance(item, envelope.TranslationMessage) and item.ref == ref and (
            item.lang == lang
        )

    return match


async def test_interpreter_member_translates_inside_the_encrypted_session(
    client: httpx.AsyncClient,
    world: World,
    live: LiveServer,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    apertium: ApertiumTranslator,
    speech_wav: Path,
    pocketsphinx_available: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = f"CANARY{secrets.token_hex(6)}"
    relayed: list[bytes] = []
    original = ChatSession._on_frame

    async def tap(self: ChatSession, data: str | bytes) -> None:
        relayed.append(data if isinstance(data, bytes) else data.encode())
        await original(self, data)

    ChatSession._on_frame = tap  # type: ignore[method-assign]
    chats: list[ChatSession] = []
    stop = asyncio.Event()
    try:
        url = await session_invite(client, world, live)
        alice = await ChatSession.from_invite(url, "Alice", "en")
        chats.append(alice)
        await until_members(alice, 1)
        router = Router([apertium])
        interp_chat = await join_as_interpreter(url, ("apertium",), "the convener")
        chats.append(interp_chat)
        interpreter = Interpreter(interp_chat.member.member_id, router, None,
                                  ("apertium",), "the convener")  # fmt: skip
        worker = asyncio.create_task(run_interpreter(interp_chat, interpreter, stop))
        beatriz = await ChatSession.from_invite(url, "Beatriz", "es")
        chats.append(beatriz)
        for chat in chats:
            await until_members(chat, 3)
        assert interp_chat.member.member_id in beatriz.member.members()  # a visible key holder

        await alice.send(envelope.encode(envelope.Profile("en", name="Alice")))
        await beatriz.send(envelope.encode(envelope.Profile("es", name="Beatriz")))
        kept = envelope.text("The secret plan stays in English.", "en", interpret=False)
        await alice.send(kept)
        kept_id = envelope.decode(kept, 0)
        assert isinstance(kept_id, envelope.Text)
        message = envelope.text(f"We must protect the oceans {canary}.", "en")
        message_id = envelope.decode(message, 0)
        assert isinstance(message_id, envelope.Text)
        await alice.send(message)

        seen: list[envelope.Envelope] = []
        got = await read_until(beatriz, translation_of(message_id.id, "es"), seen)
        assert isinstance(got, envelope.TranslationMessage)
        assert "océanos" in got.text and canary in got.text
        assert got.route == ("en", "es") and got.source_lang == "en" and got.engine == "apertium"
        originals = [i for i in seen if isinstance(i, envelope.Text) and i.id == message_id.id]
        assert originals and originals[0].text.startswith("We must protect")  # one tap away
        assert not any(
            isinstance(i, envelope.TranslationMessage) and i.ref == kept_id.id for i in seen
        )  # the opted-out message was processed before, and not translated
        profiles = [i for i in seen if isinstance(i, envelope.Profile) and i.interpreter]
        assert profiles and profiles[0].name.startswith("Interpreter — engines: apertium")

        # a member-level opt-out: Alice keeps all her messages out from now on
        await alice.send(envelope.encode(envelope.Profile("en", interpret=False, name="Alice")))
        private = envelope.text("Another sentence about water.", "en")
        private_id = envelope.decode(private, 0)
        assert isinstance(private_id, envelope.Text)
        await alice.send(private)
        hola = envelope.text("El agua limpia es un derecho.", "es")
        hola_id = envelope.decode(hola, 0)
        assert isinstance(hola_id, envelope.Text)
        await beatriz.send(hola)
        to_alice: list[envelope.Envelope] = []
        english = await read_until(alice, translation_of(hola_id.id, "en"), to_alice)
        assert isinstance(english, envelope.TranslationMessage) and "water" in english.text
        assert not any(
            isinstance(i, envelope.TranslationMessage) and i.ref == private_id.id
            for i in to_alice
        )

        # speech: English from a WAV file through the pipeline, captions sent encrypted
        from indaba.interpret.speech import PocketsphinxRecognizer

        recognizer = PocketsphinxRecognizer()
        pipeline = Pipeline(recognizer, router, interpreter.present_languages())
        events = pipeline.feed(read_wav(speech_wav, recognizer.sample_rate))
        events.extend(pipeline.finish())
        for data in interpreter.captions(alice.member.member_id, events):
            await interp_chat.send(data)

        def spanish_caption(item: envelope.Envelope) -> bool:
            return isinstance(item, envelope.CaptionMessage) and item.lang == "es" and (
                "agua" in item.text
            )

        caption = await read_until(beatriz, spanish_caption, seen)
        assert isinstance(caption, envelope.CaptionMessage)
        assert caption.route == ("en", "es") and caption.end is not None
        assert caption.speaker == alice.member.member_id
        assert interpreter.stats.translated >= 2 and interpreter.stats.opted_out == 2
    finally:
        stop.set()
        ChatSession._on_frame = original  # type: ignore[method-assign]
        for chat in chats:
            await chat.close()
    await asyncio.wait_for(worker, 10)

    assert relayed and all(canary.encode() not in frame for frame in relayed)
    assert canary.encode() not in await database_bytes(settings.database_url)
    logged = caplog.text.encode() + b"".join(_as_bytes(r.__dict__) for r in caplog.records)
    assert canary.encode() not in logged
    assert b"protect the oceans" not in logged and "océanos".encode() not in logged


async def test_the_interpreter_command_is_a_worker_process_that_joins_and_translates(
    client: httpx.AsyncClient, world: World, live: LiveServer, apertium: ApertiumTranslator
) -> None:
    url = await session_invite(client, world, live)
    alice = await ChatSession.from_invite(url, "Alice", "en")
    await until_members(alice, 1)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "indaba.cli", "interpreter", "--invite", url,
        "--run-by", "the test",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert worker.stdout is not None
        line = await asyncio.wait_for(worker.stdout.readline(), 30)
        assert line.startswith(b"joined session")
        await until_members(alice, 2)
        message = envelope.text("Clean water is a human right.", "en", id="w1")
        await alice.send(message)
        seen: list[envelope.Envelope] = []
        # nobody announced a language: the session's (en, fr) are the targets
        got = await read_until(alice, translation_of("w1", "fr"), seen)
        assert isinstance(got, envelope.TranslationMessage) and "eau" in got.text.lower()
        assert got.route == ("en", "es", "fr")
        names = [i.name for i in seen if isinstance(i, envelope.Profile) and i.interpreter]
        assert set(names) == {"Interpreter — engines: apertium, run by: the test"}
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(worker.communicate(), 20)
        await alice.close()
    assert worker.returncode == 0 and b"1 translations sent" in out
    assert b"listening to the meeting" not in out  # media is off on this server
