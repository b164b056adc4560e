"""Apertium kept warm: same output as the apertium command, one process per pair."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indaba.interpret.apertium import ApertiumTranslator, discover_modes, escape, unescape
from indaba.interpret.base import EngineUnavailable, UnsupportedPair

SENTENCES = [
    "We must protect the oceans for our children.",
    "Young people need good jobs and a fair chance.",
    "Clean water is a human right.",
    "What should the world look like in twenty-five years?",
]


@given(st.text(alphabet=st.characters(exclude_characters="\0", exclude_categories=["Cs"])))
def test_escape_then_unescape_gives_the_text_back(text: str) -> None:
    assert unescape(escape(text)) == text.strip()


def test_mode_names_map_to_two_letter_codes(tmp_path: Path) -> None:
    for name in ("eng-spa", "spa-eng", "es-fr", "spa-eng_US", "eco-es-fr", "xx-yyyy"):
        (tmp_path / f"{name}.mode").write_text("cat\n")
    assert discover_modes(tmp_path) == {
        ("en", "es"): "eng-spa",
        ("es", "en"): "spa-eng",
        ("es", "fr"): "es-fr",
    }


def test_no_pairs_installed_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="apt-get install apertium"):
        ApertiumTranslator(modes_dir=tmp_path)


def test_warm_pipeline_matches_the_apertium_command(apertium: ApertiumTranslator) -> None:
    for sentence in SENTENCES:
        fresh = subprocess.run(
            ["apertium", "-u", "eng-spa"], input=sentence, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        assert apertium.translate(sentence, "en", "es") == fresh


def test_one_long_lived_process_per_pair(apertium: ApertiumTranslator) -> None:
    pipe = apertium.pipe("en", "es")
    apertium.translate("Hello.", "en", "es")
    starts = pipe.starts
    for _ in range(20):
        apertium.translate("The climate is changing fast.", "en", "es")
    assert pipe.starts == starts
    assert apertium.translate("Water", "en", "es") == "Agua"


def test_a_dead_pipeline_is_restarted(apertium: ApertiumTranslator) -> None:
    pipe = apertium.pipe("es", "fr")
    apertium.translate("Hola.", "es", "fr")
    pipe.close()
    assert apertium.translate("El agua limpia", "es", "fr") == "L'eau nette"


def test_special_characters_survive(apertium: ApertiumTranslator) -> None:
    out = apertium.translate("Water [ok] ^ $ <b> @x {y} a/b \\ end", "en", "es")
    for token in ("[", "]", "^", "$", "<b>", "@x", "{y}", "\\"):
        assert token in out


def test_unknown_pair(apertium: ApertiumTranslator) -> None:
    with pytest.raises(UnsupportedPair):
        apertium.translate("hello", "en", "zh")
