"""Engines for operator-provided models (the ``interpret-models`` extra).

Nothing here downloads: every engine takes local paths and refuses hub names.
- :class:`CTranslate2Translator` -- OPUS-MT / Marian (``source.spm`` + ``target.spm``)
  or Argos-style (one ``sentencepiece.model``) models converted for CTranslate2.
- :class:`WhisperRecognizer` -- faster-whisper on a local CTranslate2 Whisper model.
- :class:`PiperSynthesizer` -- Piper voices (``voice.onnx`` + ``voice.onnx.json``).
"""

from __future__ import annotations

import array
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from indaba.interpret.base import (
    EngineError,
    EngineUnavailable,
    Hypothesis,
    Speech,
    UnsupportedPair,
)

EXTRA = "pip install 'indaba[interpret-models]'"


def _local_dir(engine: str, path: str | Path) -> Path:
    where = Path(path)
    if not where.is_dir():
        raise EngineUnavailable(engine, f"model folder {where} does not exist", "give a local path")
    return where


class _Ct2Pair:
    def __init__(self, folder: Path, threads: int) -> None:
        import ctranslate2
        import sentencepiece

        shared = folder / "sentencepiece.model"
        source = folder / "source.spm"
        target = folder / "target.spm"
        if shared.exists():
            source = target = shared
        if not (source.exists() and target.exists()):
            raise EngineError(f"{folder} has neither source.spm/target.spm nor sentencepiece.model")
        model = folder / "model" if (folder / "model" / "model.bin").exists() else folder
        self.translator = ctranslate2.Translator(str(model), device="cpu", intra_threads=threads)
        self.source = sentencepiece.SentencePieceProcessor(model_file=str(source))
        self.target = sentencepiece.SentencePieceProcessor(model_file=str(target))

    def translate(self, text: str, max_length: int) -> str:
        pieces = self.source.encode(text, out_type=str)
        result = self.translator.translate_batch(
            [[*pieces, "</s>"]], max_decoding_length=max_length, beam_size=2
        )
        tokens = [t for t in result[0].hypotheses[0] if t not in ("</s>", "<pad>")]
        return str(self.target.decode(tokens))


class CTranslate2Translator:
    """``models`` maps "en-de" (or ("en", "de")) to a local CTranslate2 model folder."""

    name = "ctranslate2"

    def __init__(
        self, models: Mapping[str, str | Path], threads: int = 1, max_length: int = 256
    ) -> None:
        try:
            import ctranslate2  # noqa: F401
            import sentencepiece  # noqa: F401
        except ImportError as exc:
            raise EngineUnavailable("ctranslate2", "its packages are missing", EXTRA) from exc
        self.folders: dict[tuple[str, str], Path] = {}
        for key, folder in models.items():
            source, _, target = str(key).partition("-")
            if not source or not target:
                raise ValueError(f"model key {key!r} must look like 'en-de'")
            self.folders[(source, target)] = _local_dir(self.name, folder)
        self.threads = threads
        self.max_length = max_length
        self._loaded: dict[tuple[str, str], _Ct2Pair] = {}

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.folders)

    def translate(self, text: str, source: str, target: str) -> str:
        pair = (source, target)
        if pair not in self.folders:
            raise UnsupportedPair(source, target)
        if pair not in self._loaded:
            self._loaded[pair] = _Ct2Pair(self.folders[pair], self.threads)
        return self._loaded[pair].translate(text, self.max_length)

    def close(self) -> None:
        self._loaded.clear()


class WhisperRecognizer:
    """faster-whisper: buffers the utterance, re-decodes for partials every ``partial_every`` s."""

    name = "faster-whisper"
    sample_rate = 16000

    def __init__(
        self, model: str | Path, language: str = "en", threads: int = 2,
        partial_every: float = 1.0, compute_type: str = "int8",
        max_new_tokens: int | None = None,
    ) -> None:  # fmt: skip
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise EngineUnavailable("faster-whisper", "the package is missing", EXTRA) from exc
        folder = _local_dir(self.name, model)
        self.model: Any = WhisperModel(
            str(folder), device="cpu", compute_type=compute_type, cpu_threads=threads,
            local_files_only=True,
        )  # fmt: skip
        self.language = language
        self.partial_every = partial_every
        self.max_new_tokens = max_new_tokens
        self._audio = bytearray()
        self._since_partial = 0

    def _decode(self) -> str:
        import numpy as np

        samples = np.frombuffer(bytes(self._audio), dtype=np.int16).astype(np.float32) / 32768.0
        segments, _ = self.model.transcribe(
            samples, language=self.language, beam_size=1, without_timestamps=True,
            condition_on_previous_text=False, vad_filter=False,
            max_new_tokens=self.max_new_tokens,
        )  # fmt: skip
        return " ".join(segment.text.strip() for segment in segments).strip()

    def start(self) -> None:
        self._audio.clear()
        self._since_partial = 0

    def feed(self, pcm: bytes) -> Hypothesis | None:
        self._audio.extend(pcm)
        self._since_partial += len(pcm)
        if self._since_partial < self.partial_every * self.sample_rate * 2:
            return None
        self._since_partial = 0
        text = self._decode()
        return Hypothesis(text, False, self.language) if text else None

    def finish(self) -> Hypothesis:
        text = self._decode() if self._audio else ""
        self.start()
        return Hypothesis(text, True, self.language)


class PiperSynthesizer:
    """``voices`` maps a language code to a local Piper ``.onnx`` voice (config beside it)."""

    name = "piper"

    def __init__(self, voices: Mapping[str, str | Path]) -> None:
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise EngineUnavailable("piper", "the piper-tts package is missing", EXTRA) from exc
        self._voices: dict[str, Any] = {}
        for language, path in voices.items():
            if not Path(path).is_file():
                raise EngineUnavailable(self.name, f"voice {path} does not exist", "a local .onnx")
            self._voices[language] = PiperVoice.load(str(path))

    def languages(self) -> frozenset[str]:
        return frozenset(self._voices)

    def synthesize(self, text: str, language: str) -> Speech:
        voice = self._voices.get(language)
        if voice is None:
            raise EngineError(f"no Piper voice for {language!r}")
        pcm = array.array("h")
        rate = int(voice.config.sample_rate)
        for chunk in voice.synthesize(text):
            pcm.frombytes(chunk.audio_int16_bytes)
        return Speech(pcm.tobytes(), rate)
