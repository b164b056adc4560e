"""In-memory engines for tests: scripted, instant, no dependencies."""

from __future__ import annotations

from collections.abc import Mapping

from indaba.interpret.base import Hypothesis, Speech, UnsupportedPair


class ScriptedRecognizer:
    """Recognises each utterance as the next text of a script, word by word as audio arrives.

    ``bytes_per_word`` of audio reveal one more word of the current line as a partial.
    """

    name = "scripted"

    def __init__(
        self, script: list[str], language: str = "en", sample_rate: int = 16000,
        bytes_per_word: int = 6400,
    ) -> None:  # fmt: skip
        self.script = list(script)
        self.language = language
        self.sample_rate = sample_rate
        self.bytes_per_word = bytes_per_word
        self._heard = 0
        self._index = 0

    def start(self) -> None:
        self._heard = 0

    def _current(self) -> list[str]:
        return self.script[self._index].split() if self._index < len(self.script) else []

    def feed(self, pcm: bytes) -> Hypothesis | None:
        self._heard += len(pcm)
        words = self._current()[: self._heard // self.bytes_per_word]
        return Hypothesis(" ".join(words), False, self.language) if words else None

    def finish(self) -> Hypothesis:
        text = " ".join(self._current())
        self._index += 1
        self._heard = 0
        return Hypothesis(text, True, self.language)


class DictionaryTranslator:
    """Translates whole sentences found in a table, else tags the text with the pair."""

    name = "dictionary"

    def __init__(self, table: Mapping[tuple[str, str], Mapping[str, str]]) -> None:
        self.table = {pair: dict(entries) for pair, entries in table.items()}
        self.calls = 0

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.table)

    def translate(self, text: str, source: str, target: str) -> str:
        if (source, target) not in self.table:
            raise UnsupportedPair(source, target)
        self.calls += 1
        return self.table[(source, target)].get(text, f"[{source}>{target}] {text}")

    def close(self) -> None:
        pass


class ToneSynthesizer:
    """'Speaks' 10 ms of silence per character."""

    name = "tone"

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate

    def languages(self) -> frozenset[str]:
        return frozenset({"ar", "en", "es", "fr", "ru", "zh"})

    def synthesize(self, text: str, language: str) -> Speech:
        return Speech(b"\0\0" * (self.sample_rate // 100) * len(text), self.sample_rate)


class FixedIdentifier:
    name = "fixed"

    def __init__(self, language: str | None) -> None:
        self.language = language

    def identify(self, text: str, candidates: frozenset[str]) -> str | None:
        return self.language if self.language in candidates else None
