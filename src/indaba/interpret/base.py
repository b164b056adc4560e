"""The engine interfaces: small Protocols, the values they exchange, and their errors.

Every engine is a plain object behind one of four Protocols; the registry
(:mod:`indaba.interpret.registry`) builds them by name.  Audio is 16-bit mono PCM,
little-endian, at the rate the recogniser asks for (``sample_rate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class EngineError(Exception):
    """An engine failed while working (its process died, its model is broken)."""


class EngineUnavailable(EngineError):
    """An engine cannot be used here; ``install`` says what would make it usable."""

    def __init__(self, engine: str, reason: str, install: str) -> None:
        super().__init__(f"engine {engine!r} is not available: {reason}. To use it: {install}")
        self.engine = engine
        self.reason = reason
        self.install = install


class UnsupportedPair(EngineError):
    """The translator has no route from ``source`` to ``target``."""

    def __init__(self, source: str, target: str, known: str = "") -> None:
        hint = f" (reachable: {known})" if known else ""
        super().__init__(f"no translation route from {source!r} to {target!r}{hint}")
        self.source = source
        self.target = target


@dataclass(frozen=True)
class Hypothesis:
    """Recognised text; ``final`` ends the utterance."""

    text: str
    final: bool
    language: str = "en"

    def __repr__(self) -> str:  # content is private: never in a repr that may be logged
        return f"Hypothesis(final={self.final}, language={self.language!r}, chars={len(self.text)})"


@dataclass(frozen=True)
class Translation:
    """``text`` in ``target``; ``route`` lists every language it passed through."""

    text: str
    source: str
    target: str
    route: tuple[str, ...]
    engine: str

    @property
    def pivoted(self) -> bool:
        return len(self.route) > 2

    def __repr__(self) -> str:
        return f"Translation(route={'→'.join(self.route)}, engine={self.engine!r})"


@dataclass(frozen=True)
class Speech:
    """Synthesised audio: 16-bit mono PCM."""

    pcm: bytes = field(repr=False)
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


@runtime_checkable
class SpeechRecognizer(Protocol):
    """Streaming recognition: audio chunks in, partial then final hypotheses out."""

    name: str
    language: str
    sample_rate: int

    def start(self) -> None:
        """Begin an utterance."""

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Add audio; returns the current partial hypothesis, if any."""

    def finish(self) -> Hypothesis:
        """End the utterance and return the final hypothesis."""


@runtime_checkable
class Translator(Protocol):
    name: str

    def pairs(self) -> frozenset[tuple[str, str]]:
        """The direct pairs this engine translates, as (source, target) language codes."""

    def translate(self, text: str, source: str, target: str) -> str:
        """Translate along one direct pair."""

    def close(self) -> None: ...


@runtime_checkable
class SpeechSynthesizer(Protocol):
    name: str

    def languages(self) -> frozenset[str]: ...

    def synthesize(self, text: str, language: str) -> Speech: ...


@runtime_checkable
class LanguageIdentifier(Protocol):
    name: str

    def identify(self, text: str, candidates: frozenset[str]) -> str | None:
        """The most likely language among ``candidates``, or None when unsure."""
