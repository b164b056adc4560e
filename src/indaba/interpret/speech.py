"""Default speech engines: pocketsphinx (recognition), espeak-ng and flite (synthesis)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

from indaba.interpret.base import EngineError, EngineUnavailable, Hypothesis, Speech

#: espeak-ng voices for the six UN languages (Chinese needs its pinyin voice)
ESPEAK_VOICES = {"ar": "ar", "zh": "cmn-latn-pinyin", "en": "en-us", "fr": "fr-fr",
                 "ru": "ru", "es": "es"}  # fmt: skip


class PocketsphinxRecognizer:
    """CMU pocketsphinx 5 with the English model its wheel carries; streaming."""

    name = "pocketsphinx"

    def __init__(self, language: str = "en", partial_every_ms: int = 200, **config: Any) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise EngineUnavailable(
                "pocketsphinx", "the Python package is not installed", "pip install pocketsphinx"
            ) from exc
        if language != "en" and "hmm" not in config:
            raise EngineUnavailable(
                "pocketsphinx",
                f"the packaged model is English only, not {language!r}",
                "give hmm=, dict= and lm= paths of a model for that language",
            )
        self.language = language
        self._decoder = Decoder(**config) if config else Decoder()
        self.sample_rate = int(self._decoder.config["samprate"])
        # a hypothesis costs a search over the lattice: ask for one every so often only
        self._partial_bytes = self.sample_rate * 2 * partial_every_ms // 1000
        self._since_partial = 0
        self._started = False

    def start(self) -> None:
        self._decoder.start_utt()
        self._since_partial = 0
        self._started = True

    def feed(self, pcm: bytes) -> Hypothesis | None:
        if not self._started:
            self.start()
        self._decoder.process_raw(pcm, False, False)
        self._since_partial += len(pcm)
        if self._since_partial < self._partial_bytes:
            return None
        self._since_partial = 0
        hyp = self._decoder.hyp()
        return Hypothesis(hyp.hypstr, False, self.language) if hyp and hyp.hypstr else None

    def finish(self) -> Hypothesis:
        if not self._started:
            self.start()
        self._decoder.end_utt()
        self._started = False
        hyp = self._decoder.hyp()
        return Hypothesis(hyp.hypstr if hyp else "", True, self.language)


def _wav_to_speech(data: bytes) -> Speech:
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise EngineError("the synthesiser returned audio that is not 16-bit mono")
        return Speech(wav.readframes(wav.getnframes()), wav.getframerate())


class EspeakSynthesizer:
    """espeak-ng: every UN language, ~15 ms a sentence, robotic but intelligible."""

    name = "espeak-ng"

    def __init__(self, voices: dict[str, str] | None = None, speed: int = 165) -> None:
        self.binary = shutil.which("espeak-ng")
        if self.binary is None:
            raise EngineUnavailable(
                "espeak-ng", "the espeak-ng program is not installed", "apt-get install espeak-ng"
            )
        self.voices = dict(ESPEAK_VOICES if voices is None else voices)
        self.speed = speed

    def languages(self) -> frozenset[str]:
        return frozenset(self.voices)

    def synthesize(self, text: str, language: str) -> Speech:
        voice = self.voices.get(language, language)
        assert self.binary is not None
        result = subprocess.run(
            [self.binary, "-v", voice, "-s", str(self.speed), "--stdout"],
            input=text.encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if result.returncode != 0 or not result.stdout:
            raise EngineError(f"espeak-ng failed for voice {voice!r}")
        return _wav_to_speech(result.stdout)


class FliteSynthesizer:
    """flite (English only); its ``slt`` voice is what the benchmark speaks with."""

    name = "flite"

    def __init__(self, voice: str = "slt") -> None:
        self.binary = shutil.which("flite")
        if self.binary is None:
            raise EngineUnavailable(
                "flite", "the flite program is not installed", "apt-get install flite"
            )
        self.voice = voice

    def languages(self) -> frozenset[str]:
        return frozenset({"en"})

    def synthesize(self, text: str, language: str) -> Speech:
        if language != "en":
            raise EngineError("flite speaks English only")
        assert self.binary is not None
        with tempfile.TemporaryDirectory(prefix="indaba-flite-") as tmp:
            source, out = Path(tmp, "text.txt"), Path(tmp, "speech.wav")
            source.write_text(text, encoding="utf-8")
            result = subprocess.run(
                [self.binary, "-voice", self.voice, "-f", str(source), "-o", str(out)],
                capture_output=True,
                check=False,
            )
            if result.returncode != 0 or not out.exists():
                raise EngineError("flite failed")
            return _wav_to_speech(out.read_bytes())
