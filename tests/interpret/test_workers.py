"""A speaker's recognition in a process of its own gives what the in-thread pipeline gives."""

from __future__ import annotations

import math

import numpy as np

from indaba.interpret.base import EngineError, EngineUnavailable
from indaba.interpret.endpoint import EndpointConfig
from indaba.interpret.fakes import DictionaryTranslator, ScriptedRecognizer
from indaba.interpret.pipeline import Caption, Event, UtteranceDone
from indaba.interpret.routing import Router
from indaba.interpret.workers import InProcess, InThread, Recognition

TABLE = {("en", "es"): {"Save the oceans": "Salvar los océanos"},
         ("es", "fr"): {"Salvar los océanos": "Sauver les océans"}}  # fmt: skip


def scripted(language: str) -> ScriptedRecognizer:
    """Module level, so the spawned speaker process can import it."""
    if language != "en":
        raise EngineUnavailable("scripted", f"no model for {language!r}", "none to install")
    return ScriptedRecognizer(["Save the oceans", "Save the oceans"], bytes_per_word=3200)


def speech(seconds: float, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * math.pi * 220 * t)).astype("<i2").tobytes()


def quiet(seconds: float, rate: int = 16000) -> bytes:
    return b"\0\0" * int(seconds * rate)


async def run(recognition: Recognition) -> list[Event]:
    assert await recognition.start() == 16000
    events: list[Event] = []
    try:
        for chunk in (quiet(0.2), speech(1.0), quiet(0.4), speech(0.6), quiet(0.4)):
            for offset in range(0, len(chunk), 6400):
                events += await recognition.feed(chunk[offset : offset + 6400], ["en", "es", "fr"])
    finally:
        await recognition.close()
    return events


def finals(events: list[Event]) -> list[tuple[int, str, str, tuple[str, ...]]]:
    return [(e.utterance, e.language, e.text, e.route) for e in events
            if isinstance(e, Caption) and e.final]  # fmt: skip


async def test_a_speaker_process_recognises_and_the_interpreter_translates() -> None:
    router = Router([DictionaryTranslator(TABLE)])
    config = EndpointConfig(end_silence_ms=200)
    process = InProcess(scripted, "en", router, config)
    in_process = await run(process)
    in_thread = await run(InThread(scripted, "en", router, config))
    assert finals(in_process) == finals(in_thread) == [
        (n, lang, text, route) for n in (1, 2) for lang, text, route in (
            ("en", "Save the oceans", ("en",)),
            ("es", "Salvar los océanos", ("en", "es")),
            ("fr", "Sauver les océans", ("en", "es", "fr")))]  # fmt: skip
    assert [type(e) for e in in_process if not isinstance(e, Caption) or e.final] == [
        Caption, Caption, Caption, UtteranceDone] * 2  # translations before the timing
    assert any(isinstance(e, Caption) and not e.final for e in in_process)  # partials too
    assert process._process is None  # closed: the pipe is gone and the process joined


async def test_a_speaker_process_without_a_recogniser_for_the_language_says_so() -> None:
    process = InProcess(scripted, "fr", None, EndpointConfig())
    try:
        await process.start()
    except EngineError as exc:
        assert "no model for 'fr'" in str(exc)
    else:
        raise AssertionError("a French recogniser was made")
    assert process._process is None
