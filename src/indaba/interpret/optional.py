"""Engines for operator-provided models (the ``interpret-models`` extra).

Nothing here downloads: every engine takes local paths and refuses hub names.
- :class:`CTranslate2Translator` -- OPUS-MT / Marian (``source.spm`` + ``target.spm``)
  or Argos-style (one ``sentencepiece.model``) models converted for CTranslate2.
- :class:`WhisperRecognizer` -- faster-whisper on a local CTranslate2 Whisper model.
- :class:`PiperSynthesizer` -- Piper voices (``voice.onnx`` + ``voice.onnx.json``).
"""

from __future__ import annotations

import array
import importlib.util
import json
import logging
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


# A Piper voice is a VITS model exported to ONNX: ``input`` (int64 [1, N] phoneme ids),
# ``input_lengths`` (int64 [1]), ``scales`` (float32 [noise, length, noise_w]) and, for a
# voice of several speakers, ``sid`` (int64 [1]) in; float audio [1, 1, samples] out.
_PIPER_INPUTS = ("input", "input_lengths", "scales")
_PIPER_CONFIG = (
    "a Piper voice config (audio.sample_rate, espeak.voice, num_symbols, num_speakers, "
    "phoneme_id_map)"
)
# phonemizers that need packages piper-tts does not install: (modules, its extra)
_PHONEMIZER_PACKAGES = {
    "pinyin": (("unicode_rbnf", "sentence_stream", "transformers"), "piper-tts[zh]"),
    "japanese": (("pyopenjtalk",), "piper-tts[ja]"),
    "thai": (("tltk", "unicode_rbnf"), "piper-tts[th]"),
}


def _piper_config(path: Path) -> Any:
    """The voice's ``.onnx.json``, checked enough that synthesis cannot trip over it."""
    from piper import PiperConfig

    config_path = path.with_name(path.name + ".json")
    if not config_path.is_file():
        raise EngineUnavailable(
            "piper", f"voice config {config_path} does not exist",
            "put the voice's .onnx.json beside its .onnx",
        )  # fmt: skip
    try:
        data = json.loads(config_path.read_text(encoding="utf-8"))
        config = PiperConfig.from_dict(data)
        ids = config.phoneme_id_map
        if not all(ids.get(mark) for mark in ("^", "_", "$")):
            raise ValueError("phoneme_id_map lacks ^, _ or $")
        if int(config.sample_rate) <= 0:
            raise ValueError("audio.sample_rate must be positive")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EngineError(f"{config_path} is not {_PIPER_CONFIG}: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise EngineError(f"{config_path} is not {_PIPER_CONFIG}: {what}") from exc
    return config


def _piper_voice(path: Path, speaker: str | int | None) -> tuple[Any, Any]:
    """Load one voice (offline) and the synthesis settings for ``speaker``."""
    from piper import PiperVoice, SynthesisConfig

    if not path.is_file():
        raise EngineUnavailable(
            "piper", f"voice {path} does not exist", "give a local .onnx voice (.onnx.json beside)"
        )  # fmt: skip
    config = _piper_config(path)
    phonemes = config.phoneme_type.value
    modules, extra = _PHONEMIZER_PACKAGES.get(phonemes, ((), ""))
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise EngineUnavailable(
            "piper", f"voice {path} phonemizes with {phonemes!r}, which needs {', '.join(missing)}",
            f"pip install '{extra}'",
        )  # fmt: skip
    g2pw = path.parent / "g2pW" / "g2pw.onnx"
    if phonemes == "pinyin" and not g2pw.is_file():  # piper would download it: we never do
        raise EngineUnavailable(
            "piper", f"voice {path} phonemizes with g2pW and {g2pw} does not exist",
            f"put piper's g2pW model folder at {g2pw.parent}, or use an espeak Chinese voice",
        )  # fmt: skip
    try:
        voice = PiperVoice.load(str(path), download_dir=path.parent)
    except Exception as exc:  # onnxruntime's errors share no base class but Exception
        raise EngineError(f"voice {path} is not an ONNX model onnxruntime can load: {exc}") from exc
    if phonemes == "espeak":
        try:
            voice.phonemize("")  # selects the voice in piper's own espeak-ng data
        except RuntimeError as exc:
            raise EngineError(
                f"voice {path}: espeak-ng has no voice {config.espeak_voice!r} ({exc})"
            ) from exc
    inputs = {node.name for node in voice.session.get_inputs()}
    wanted = {*_PIPER_INPUTS, *(("sid",) if config.num_speakers > 1 else ())}
    if not wanted <= inputs or not voice.session.get_outputs():
        raise EngineError(
            f"voice {path} is not a Piper voice: its model takes {sorted(inputs)}, "
            f"a Piper voice with {config.num_speakers} speaker(s) takes {sorted(wanted)}"
        )
    return voice, SynthesisConfig(speaker_id=_speaker_id(path, config, speaker))


def _speaker_id(path: Path, config: Any, speaker: str | int | None) -> int | None:
    if speaker is None:
        return None
    names: dict[str, int] = dict(config.speaker_id_map)
    if isinstance(speaker, str) and speaker in names:
        return names[speaker]
    if config.num_speakers <= 1:
        raise ValueError(f"voice {path} has one speaker; {speaker!r} cannot be chosen")
    if isinstance(speaker, int) and 0 <= speaker < config.num_speakers:
        return speaker
    known = ", ".join(names) or f"ids 0-{config.num_speakers - 1}"
    raise ValueError(f"voice {path} has no speaker {speaker!r} ({known})")


class PiperSynthesizer:
    """``voices`` maps a language code to a local Piper ``.onnx`` voice (config beside it).

    ``speakers`` picks, per language, a speaker of a multi-speaker voice by name or id
    (else the voice's default).  Every voice is loaded here, so a broken one fails at
    start-up with :class:`EngineError`, not on the first sentence.
    """

    name = "piper"

    def __init__(
        self, voices: Mapping[str, str | Path], speakers: Mapping[str, str | int] | None = None
    ) -> None:
        try:
            import piper  # noqa: F401
        except ImportError as exc:
            raise EngineUnavailable("piper", "the piper-tts package is missing", EXTRA) from exc
        # piper logs the text it speaks at DEBUG; Indaba never logs content
        logging.getLogger("piper").setLevel(logging.INFO)
        speakers = dict(speakers or {})
        unknown = sorted(set(speakers) - set(voices))
        if unknown:
            raise ValueError(f"speakers given for {unknown}, which have no voice")
        self._voices: dict[str, tuple[Any, Any]] = {
            language: _piper_voice(Path(path), speakers.get(language))
            for language, path in voices.items()
        }

    def languages(self) -> frozenset[str]:
        return frozenset(self._voices)

    def synthesize(self, text: str, language: str) -> Speech:
        if language not in self._voices:
            known = ", ".join(sorted(self._voices)) or "none"
            raise EngineError(f"no Piper voice for {language!r} (voices: {known})")
        voice, settings = self._voices[language]
        pcm = array.array("h")
        try:
            for chunk in voice.synthesize(text, settings):
                pcm.frombytes(chunk.audio_int16_bytes)
        except Exception as exc:  # onnxruntime's errors share no base class but Exception
            raise EngineError(f"Piper voice for {language!r} failed: {exc}") from exc
        return Speech(pcm.tobytes(), int(voice.config.sample_rate))
