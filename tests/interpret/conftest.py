"""Fixtures: the real default engines (skipped with the package to install when missing)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from indaba.interpret.apertium import MODES_DIR, ApertiumTranslator, discover_modes
from indaba.interpret.base import EngineUnavailable
from indaba.interpret.speech import FliteSynthesizer

DEBIAN = "apertium apertium-eng-spa apertium-fr-es espeak-ng flite"


def need_program(program: str, package: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} missing: run ./dev test as root, or apt-get install {package}")


@pytest.fixture(scope="session")
def apertium() -> Iterator[ApertiumTranslator]:
    need_program("apertium", DEBIAN)
    modes = discover_modes(MODES_DIR)
    for pair in (("en", "es"), ("es", "fr")):
        if pair not in modes:
            pytest.skip(f"Apertium pair {pair} missing: apt-get install {DEBIAN}")
    translator = ApertiumTranslator()
    yield translator
    translator.close()


@pytest.fixture(scope="session")
def pocketsphinx_available() -> None:
    pytest.importorskip("pocketsphinx", reason="pip install pocketsphinx (a core dependency)")


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two English sentences spoken by flite's slt voice, with a pause between them."""
    need_program("flite", "flite")
    from indaba.interpret.audio import convert, silence, write_wav

    try:
        flite = FliteSynthesizer()
    except EngineUnavailable as exc:
        pytest.skip(str(exc))
    parts = []
    for sentence in ("We must protect the oceans for our children.",
                     "Clean water is a human right."):  # fmt: skip
        speech = flite.synthesize(sentence, "en")
        parts.append(silence(0.3) + convert(speech.pcm, speech.sample_rate, 16000))
    path = tmp_path_factory.mktemp("speech") / "two_sentences.wav"
    write_wav(path, b"".join(parts) + silence(0.8), 16000)
    return path
