"""Language identification with py3langid (its model ships in the wheel)."""

from __future__ import annotations

from typing import Any

from indaba.interpret.base import EngineUnavailable


class Py3LangidIdentifier:
    """py3langid restricted to the languages in use; None below ``min_confidence``."""

    name = "py3langid"

    def __init__(self, min_confidence: float = 0.5) -> None:
        try:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
        except ImportError as exc:
            raise EngineUnavailable(
                "py3langid", "the Python package is not installed", "pip install py3langid"
            ) from exc
        self._identifier: Any = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self._allowed: frozenset[str] | None = None
        self.min_confidence = min_confidence

    def identify(self, text: str, candidates: frozenset[str]) -> str | None:
        if not text.strip() or not candidates:
            return None
        if len(candidates) == 1:
            return next(iter(candidates))
        if candidates != self._allowed:
            self._identifier.set_languages(sorted(candidates))
            self._allowed = candidates
        language, confidence = self._identifier.classify(text)
        return str(language) if float(confidence) >= self.min_confidence else None
