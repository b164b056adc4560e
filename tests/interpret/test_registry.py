"""Engines by name, with clear errors for unknown and unavailable ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from indaba.interpret.base import EngineUnavailable, SpeechRecognizer, Translator
from indaba.interpret.registry import EngineConfig, create


def test_unknown_engine_is_a_value_error_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown translator engine 'deepl' \(known: apertium"):
        create("translator", "deepl")


def test_unavailable_engine_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable) as caught:
        create("translator", "apertium", modes_dir=tmp_path)
    assert "apt-get install apertium" in str(caught.value)


def test_model_engines_refuse_missing_local_folders(tmp_path: Path) -> None:
    pytest.importorskip("ctranslate2", reason="pip install 'indaba[interpret-models]'")
    with pytest.raises(EngineUnavailable, match="does not exist"):
        create("translator", "ctranslate2", models={"en-de": tmp_path / "absent"})


def test_fakes_satisfy_the_protocols() -> None:
    assert isinstance(create("recognizer", "fake", script=["hi"]), SpeechRecognizer)
    assert isinstance(create("translator", "fake", table={}), Translator)


def test_config_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "engines.toml"
    path.write_text(
        '[interpret]\nrecognizer = "fake"\ntranslators = ["fake"]\nsynthesizer = ""\n'
        '[interpret.options.fake]\nscript = ["one"]\n'
    )
    config = EngineConfig.from_toml(path)
    assert (config.recognizer, config.translators, config.synthesizer) == ("fake", ["fake"], None)
    assert config.recognizer_engine().finish().text == "one"


def test_config_refuses_unknown_settings() -> None:
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['asr'\]"):
        EngineConfig.from_mapping({"asr": "x"})
