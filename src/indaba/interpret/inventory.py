"""What `indaba engines` reports: engines installed, routes reachable, UN-language gaps."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

from indaba.interpret.base import EngineUnavailable, SpeechSynthesizer, Translator
from indaba.interpret.registry import SPECS, EngineSpec, create
from indaba.interpret.routing import Router

UN_LANGUAGES = {"ar": "Arabic", "zh": "Chinese", "en": "English", "fr": "French",
                "ru": "Russian", "es": "Spanish"}  # fmt: skip
_PACKAGES = {"faster-whisper": ("faster_whisper",), "ctranslate2": ("ctranslate2", "sentencepiece"),
             "piper": ("piper",)}  # fmt: skip


@dataclass
class EngineStatus:
    spec: EngineSpec
    available: bool
    detail: str


@dataclass
class Inventory:
    engines: list[EngineStatus] = field(default_factory=list)
    routes: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    recognition: set[str] = field(default_factory=set)
    synthesis: set[str] = field(default_factory=set)

    def missing(self, language: str) -> list[str]:
        """What stops ``language`` from being fully interpreted to and from the others."""
        gaps = []
        if language not in self.recognition:
            gaps.append("speech recognition (a Whisper-class model: faster-whisper)")
        if language not in self.synthesis:
            gaps.append("speech synthesis")
        others = [code for code in UN_LANGUAGES if code != language]
        no_to = [c for c in others if (language, c) not in self.routes]
        no_from = [c for c in others if (c, language) not in self.routes]
        if no_to:
            gaps.append(f"translation to {', '.join(no_to)} (e.g. an OPUS-MT model: ctranslate2)")
        if no_from:
            gaps.append(f"translation from {', '.join(no_from)}")
        return gaps


def take_inventory() -> Inventory:
    inventory = Inventory()
    translators: list[Translator] = []
    for item in SPECS:
        if item.name == "fake":
            continue
        if item.needs_models:
            modules = _PACKAGES.get(item.name, ())
            present = all(importlib.util.find_spec(m) is not None for m in modules)
            detail = ("installed; give it local model files" if present
                      else f"not installed: {item.install}")  # fmt: skip
            inventory.engines.append(EngineStatus(item, present, detail))
            continue
        try:
            engine = create(item.kind, item.name)
        except EngineUnavailable as exc:
            inventory.engines.append(EngineStatus(item, False, f"{exc.reason}: {exc.install}"))
            continue
        inventory.engines.append(EngineStatus(item, True, item.summary))
        if item.kind == "translator":
            translators.append(engine)
        elif item.kind == "recognizer":
            inventory.recognition.add(engine.language)
        elif item.kind == "synthesizer":
            assert isinstance(engine, SpeechSynthesizer)
            inventory.synthesis |= engine.languages()
    if translators:
        router = Router(translators)
        inventory.routes = router.reachable()
        router.close()
    return inventory


def render(inventory: Inventory) -> str:
    lines = ["Engines:"]
    for status in inventory.engines:
        mark = "yes" if status.available else "no "
        lines.append(f"  [{mark}] {status.spec.kind:<11} {status.spec.name:<15} {status.detail}")
    lines.append("")
    lines.append("Translation routes (→ marks a pivot):")
    if not inventory.routes:
        lines.append("  none")
    for (source, target), route in sorted(inventory.routes.items()):
        kind = "direct" if len(route) == 2 else "pivot"
        lines.append(f"  {source} → {target}: {' → '.join(route)} ({kind})")
    lines.append("")
    lines.append("UN official languages:")
    for code, name in UN_LANGUAGES.items():
        gaps = inventory.missing(code)
        state = "complete" if not gaps else "missing " + "; ".join(gaps)
        lines.append(f"  {code} {name}: {state}")
    return "\n".join(lines)
