"""The streaming pipeline: endpointing, partials, finals, translations, voice, timings."""

from __future__ import annotations

from itertools import count
from pathlib import Path

import numpy as np

from indaba.interpret.audio import pcm16, read_wav, silence
from indaba.interpret.endpoint import EndpointConfig, Endpointer, SpeechEnded, SpeechStarted
from indaba.interpret.fakes import DictionaryTranslator, ScriptedRecognizer, ToneSynthesizer
from indaba.interpret.pipeline import Caption, Pipeline, UtteranceDone, Voice
from indaba.interpret.routing import Router

RATE = 16000


def tone(seconds: float) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    return pcm16(8000 * np.sin(2 * np.pi * 220 * t))


def test_endpointer_finds_start_and_end_after_the_silence_wait() -> None:
    config = EndpointConfig(frame_ms=20, start_ms=60, end_silence_ms=300)
    endpointer = Endpointer(config, RATE)
    audio = silence(0.5) + tone(1.0) + silence(1.0)
    changes = []
    for offset in range(0, len(audio), endpointer.frame_bytes):
        change = endpointer.frame(audio[offset : offset + endpointer.frame_bytes])
        if change is not None:
            changes.append(change)
    started, ended = changes
    assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded)
    assert abs(started.at - 0.5) < 0.03
    assert abs(ended.at - 1.5) < 0.03
    assert abs(ended.detected - ended.at - 0.3) < 0.03  # the wait is the configured silence


def pipeline(clock_step: float = 0.001) -> Pipeline:
    ticks = count()
    recognizer = ScriptedRecognizer(["save the oceans", "thank you"], bytes_per_word=6400)
    table = {("en", "es"): {"save the oceans": "salvar los océanos", "thank you": "gracias"},
             ("es", "fr"): {"salvar los océanos": "sauver les océans", "gracias": "merci"}}
    return Pipeline(recognizer, Router([DictionaryTranslator(table)]), ["es", "fr", "en"],
                    ToneSynthesizer(), clock=lambda: next(ticks) * clock_step)  # fmt: skip


def test_two_utterances_give_partials_finals_translations_and_voice() -> None:
    pipe = pipeline()
    audio = silence(0.3) + tone(1.2) + silence(0.6) + tone(0.8) + silence(0.6)
    events = []
    for offset in range(0, len(audio), 1000):  # odd chunk sizes on purpose
        events.extend(pipe.feed(audio[offset : offset + 1000]))
    events.extend(pipe.finish())
    captions = [e for e in events if isinstance(e, Caption)]
    partials = [c for c in captions if not c.final]
    assert partials and all(c.language == "en" for c in partials)
    assert all("save the oceans".startswith(c.text) for c in partials if c.utterance == 1)
    finals = [(c.utterance, c.language, c.text, c.route) for c in captions if c.final]
    assert finals == [
        (1, "en", "save the oceans", ("en",)),
        (1, "es", "salvar los océanos", ("en", "es")),
        (1, "fr", "sauver les océans", ("en", "es", "fr")),
        (2, "en", "thank you", ("en",)),
        (2, "es", "gracias", ("en", "es")),
        (2, "fr", "merci", ("en", "es", "fr")),
    ]
    assert all(c.machine_translated == (len(c.route) > 1) for c in captions if c.final)
    voices = [(v.utterance, v.language) for v in events if isinstance(v, Voice)]
    assert voices == [(1, "es"), (1, "fr"), (2, "es"), (2, "fr")]
    done = [e for e in events if isinstance(e, UtteranceDone)]
    assert [d.utterance for d in done] == [1, 2] and not any(d.errors for d in done)
    timing = done[0].timing
    assert abs(timing.start - 0.3) < 0.1 and abs(timing.end - 1.5) < 0.05
    assert (
        timing.speech_end_clock < timing.endpoint_clock <= timing.final_clock
        < timing.translated_clock["es"] < timing.voiced_clock["es"]
        < timing.translated_clock["fr"]
    )  # fmt: skip
    assert timing.latency("fr") > timing.latency("es") > 0


def test_speech_running_into_the_end_of_the_stream_is_closed_by_finish() -> None:
    pipe = pipeline()
    events = pipe.feed(silence(0.2) + tone(1.0))
    assert not any(isinstance(e, UtteranceDone) for e in events)
    finals = [e for e in pipe.finish() if isinstance(e, Caption) and e.final]
    assert [c.language for c in finals] == ["en", "es", "fr"]


def test_untranslatable_targets_are_reported_not_raised() -> None:
    recognizer = ScriptedRecognizer(["hello"])
    pipe = Pipeline(recognizer, Router([DictionaryTranslator({})]), ["zh"])
    events = pipe.feed(silence(0.2) + tone(0.5) + silence(0.5))
    (done,) = [e for e in events if isinstance(e, UtteranceDone)]
    assert "no translation route" in done.errors[0]


def test_spoken_english_becomes_spanish_and_french_captions(
    speech_wav: Path, apertium: object, pocketsphinx_available: None
) -> None:
    from indaba.interpret.apertium import ApertiumTranslator
    from indaba.interpret.speech import PocketsphinxRecognizer

    assert isinstance(apertium, ApertiumTranslator)
    recognizer = PocketsphinxRecognizer()
    pipe = Pipeline(recognizer, Router([apertium]), ["es", "fr"])
    pcm = read_wav(speech_wav, recognizer.sample_rate)
    events = []
    for offset in range(0, len(pcm), 3200):
        events.extend(pipe.feed(pcm[offset : offset + 3200]))
    events.extend(pipe.finish())
    finals = [e for e in events if isinstance(e, Caption) and e.final]
    spanish = " ".join(c.text.lower() for c in finals if c.language == "es")
    english = " ".join(c.text.lower() for c in finals if c.language == "en")
    assert "oceans" in english and "water" in english
    assert "océanos" in spanish and "agua" in spanish
    assert any(c.language == "fr" and c.route == ("en", "es", "fr") for c in finals)
    assert len([e for e in events if isinstance(e, UtteranceDone)]) == 2
