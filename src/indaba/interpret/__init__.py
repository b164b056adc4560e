"""Interpretation inside the encryption: engines, the streaming pipeline, the interpreter.

See docs/interpretation.md.  Engines sit behind the small Protocols in
:mod:`indaba.interpret.base`; :mod:`~indaba.interpret.registry` builds them by name;
:mod:`~indaba.interpret.routing` translates across engines and pivots;
:mod:`~indaba.interpret.pipeline` turns one speaker's audio into captions;
:mod:`~indaba.interpret.member` is the interpreter member of a session's group.
"""

from indaba.interpret.base import (
    EngineError,
    EngineUnavailable,
    Hypothesis,
    LanguageIdentifier,
    Speech,
    SpeechRecognizer,
    SpeechSynthesizer,
    Translation,
    Translator,
    UnsupportedPair,
)
from indaba.interpret.registry import EngineConfig, create
from indaba.interpret.routing import Router

__all__ = [
    "EngineConfig",
    "EngineError",
    "EngineUnavailable",
    "Hypothesis",
    "LanguageIdentifier",
    "Router",
    "Speech",
    "SpeechRecognizer",
    "SpeechSynthesizer",
    "Translation",
    "Translator",
    "UnsupportedPair",
    "create",
]
