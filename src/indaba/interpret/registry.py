"""Engines by name: what the configuration names, what is installed, what is missing.

``create("translator", "apertium")`` builds an engine; an unknown name is a
``ValueError`` listing the known ones, and an engine that cannot run here raises
:class:`EngineUnavailable` saying what to install.  The ``fake`` engines are for tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from indaba.interpret.base import (
    EngineUnavailable,
    LanguageIdentifier,
    SpeechRecognizer,
    SpeechSynthesizer,
    Translator,
)

Kind = Literal["recognizer", "translator", "synthesizer", "language_id"]
KINDS: tuple[Kind, ...] = ("recognizer", "translator", "synthesizer", "language_id")


@dataclass(frozen=True)
class EngineSpec:
    kind: Kind
    name: str
    target: str  # "module:Class"
    summary: str
    install: str
    needs_models: bool = False  # operator-provided model files

    def load(self) -> Callable[..., Any]:
        module, _, attr = self.target.partition(":")
        return cast(Callable[..., Any], getattr(importlib.import_module(module), attr))


_P = "indaba.interpret."
SPECS: tuple[EngineSpec, ...] = (
    EngineSpec("recognizer", "pocketsphinx", _P + "speech:PocketsphinxRecognizer",
               "CMU pocketsphinx 5, English model from the wheel", "pip install pocketsphinx"),
    EngineSpec("recognizer", "faster-whisper", _P + "optional:WhisperRecognizer",
               "Whisper-class recognition on a local CTranslate2 model",
               "pip install 'indaba[interpret-models]' and give model=PATH", needs_models=True),
    EngineSpec("recognizer", "fake", _P + "fakes:ScriptedRecognizer", "scripted, for tests", ""),
    EngineSpec("translator", "apertium", _P + "apertium:ApertiumTranslator",
               "Apertium rule-based pairs from Debian, kept warm",
               "apt-get install apertium apertium-eng-spa apertium-fr-es"),
    EngineSpec("translator", "ctranslate2", _P + "optional:CTranslate2Translator",
               "OPUS-MT / Marian / Argos models converted for CTranslate2",
               "pip install 'indaba[interpret-models]' and give models={'en-de': PATH}",
               needs_models=True),
    EngineSpec("translator", "fake", _P + "fakes:DictionaryTranslator", "a table, for tests", ""),
    EngineSpec("synthesizer", "espeak-ng", _P + "speech:EspeakSynthesizer",
               "espeak-ng, all six UN languages", "apt-get install espeak-ng"),
    EngineSpec("synthesizer", "flite", _P + "speech:FliteSynthesizer",
               "flite, English", "apt-get install flite"),
    EngineSpec("synthesizer", "piper", _P + "optional:PiperSynthesizer",
               "Piper neural voices from local .onnx files",
               "pip install 'indaba[interpret-models]' and give voices={'en': PATH}",
               needs_models=True),
    EngineSpec("synthesizer", "fake", _P + "fakes:ToneSynthesizer", "silence, for tests", ""),
    EngineSpec("language_id", "py3langid", _P + "langid:Py3LangidIdentifier",
               "py3langid, model in the wheel", "pip install py3langid"),
    EngineSpec("language_id", "fake", _P + "fakes:FixedIdentifier", "fixed answer", ""),
)  # fmt: skip

DEFAULTS: dict[Kind, str] = {
    "recognizer": "pocketsphinx",
    "translator": "apertium",
    "synthesizer": "espeak-ng",
    "language_id": "py3langid",
}


def spec(kind: Kind, name: str) -> EngineSpec:
    for item in SPECS:
        if item.kind == kind and item.name == name:
            return item
    known = ", ".join(s.name for s in SPECS if s.kind == kind)
    raise ValueError(f"unknown {kind.replace('_', ' ')} engine {name!r} (known: {known})")


def create(kind: Kind, name: str, **options: Any) -> Any:
    """Build the engine ``name`` of ``kind`` with ``options``."""
    item = spec(kind, name)
    try:
        factory = item.load()
    except ImportError as exc:
        raise EngineUnavailable(name, f"cannot import it ({exc})", item.install) from exc
    return factory(**options)


@dataclass
class EngineConfig:
    """Which engine of each kind, and its options (from ``[interpret]`` TOML or flags)."""

    recognizer: str = DEFAULTS["recognizer"]
    translators: list[str] = field(default_factory=lambda: [DEFAULTS["translator"]])
    synthesizer: str | None = DEFAULTS["synthesizer"]
    language_id: str = DEFAULTS["language_id"]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    pivots: tuple[str, ...] = ("es", "en", "fr")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EngineConfig:
        known = {"recognizer", "translators", "synthesizer", "language_id", "options", "pivots"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown} (known: {sorted(known)})")
        config = cls()
        if "recognizer" in data:
            config.recognizer = str(data["recognizer"])
        if "translators" in data:
            value = data["translators"]
            config.translators = [value] if isinstance(value, str) else [str(v) for v in value]
        if "synthesizer" in data:
            config.synthesizer = str(data["synthesizer"]) or None
        if "language_id" in data:
            config.language_id = str(data["language_id"])
        if "options" in data:
            config.options = {str(k): dict(v) for k, v in dict(data["options"]).items()}
        if "pivots" in data:
            config.pivots = tuple(str(p) for p in data["pivots"])
        return config

    @classmethod
    def from_toml(cls, path: Path) -> EngineConfig:
        import tomllib

        with path.open("rb") as handle:
            data = tomllib.load(handle)
        return cls.from_mapping(data.get("interpret", data))

    def engine_names(self) -> list[str]:
        names = [self.recognizer, *self.translators]
        if self.synthesizer:
            names.append(self.synthesizer)
        return names

    def recognizer_engine(self, language: str = "en") -> SpeechRecognizer:
        options = {"language": language, **self.options.get(self.recognizer, {})}
        return cast(SpeechRecognizer, create("recognizer", self.recognizer, **options))

    def translator_engines(self) -> list[Translator]:
        return [
            cast(Translator, create("translator", name, **self.options.get(name, {})))
            for name in self.translators
        ]

    def synthesizer_engine(self) -> SpeechSynthesizer | None:
        if not self.synthesizer:
            return None
        options = self.options.get(self.synthesizer, {})
        return cast(SpeechSynthesizer, create("synthesizer", self.synthesizer, **options))

    def language_identifier(self) -> LanguageIdentifier:
        options = self.options.get(self.language_id, {})
        return cast(LanguageIdentifier, create("language_id", self.language_id, **options))
