"""Apertium translation, kept warm: one long-lived pipeline per language pair.

A fresh ``apertium eng-spa`` process costs ~100 ms per sentence (it loads every
transducer again); the same pipeline kept open and driven in null-flush mode answers
in about a millisecond.  Each pair's mode file (``/usr/share/apertium/modes``) is
rewritten by ``apertium-wblank-mode -z`` so that every stage flushes at a NUL byte::

    text ─escape─► "…[]\\0" ─► lt-proc -z │ tagger -z │ … │ lt-proc -z -p ─► "…[]\\0"
                                                     ─unescape─► text

The deformatter and reformatter are done here (escaping Apertium's stream syntax) so
no per-sentence process is started.  A pipeline that dies is restarted once.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from indaba.interpret.base import EngineError, EngineUnavailable, UnsupportedPair

MODES_DIR = Path("/usr/share/apertium/modes")
INSTALL = "apt-get install apertium apertium-eng-spa apertium-fr-es"

#: ISO 639-3 codes used in Apertium mode names, to the two-letter codes used here
ISO3 = {
    "eng": "en", "spa": "es", "fra": "fr", "cat": "ca", "por": "pt", "ita": "it",
    "glg": "gl", "eus": "eu", "epo": "eo", "rus": "ru", "ukr": "uk", "ara": "ar",
    "zho": "zh", "cmn": "zh", "deu": "de", "nld": "nl", "oci": "oc", "ron": "ro",
}  # fmt: skip

_ESCAPE = re.compile(r"([\[\]^$<>@{}/\\])")
_BLANK = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]")
_UNESCAPE = re.compile(r"\\(.)")


def _code(part: str) -> str | None:
    if part in ISO3:
        return ISO3[part]
    if re.fullmatch(r"[a-z]{2}", part):
        return part
    return None


def discover_modes(modes_dir: Path = MODES_DIR) -> dict[tuple[str, str], str]:
    """(source, target) → mode name, for every plain pair mode installed."""
    found: dict[tuple[str, str], str] = {}
    if not modes_dir.is_dir():
        return found
    for path in sorted(modes_dir.glob("*.mode")):
        parts = path.stem.split("-")
        if len(parts) != 2:
            continue  # variants (spa-eng_US) and debug modes (eco-es-fr)
        source, target = _code(parts[0]), _code(parts[1])
        if source and target and (source, target) not in found:
            found[(source, target)] = path.stem
    return found


def escape(text: str) -> str:
    """Plain text into Apertium's stream format (what ``apertium-destxt`` does)."""
    return _ESCAPE.sub(r"\\\1", text).replace("\n", "[\n]")


def unescape(stream: str) -> str:
    """Apertium's stream format back into plain text (what ``apertium-retxt`` does)."""
    text = _BLANK.sub(lambda m: m.group(1), stream)
    return _UNESCAPE.sub(r"\1", text).strip()


class ApertiumPipe:
    """One warm pipeline for one mode."""

    def __init__(self, mode: str, modes_dir: Path = MODES_DIR, mark_unknown: bool = False) -> None:
        self.mode = mode
        self.modes_dir = modes_dir
        self.mark_unknown = mark_unknown
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def _command(self) -> str:
        mode_file = self.modes_dir / f"{self.mode}.mode"
        result = subprocess.run(
            ["apertium-wblank-mode", "-z", str(mode_file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not result.stdout.strip():
            raise EngineError(f"apertium-wblank-mode could not read mode {self.mode}")
        command = result.stdout.strip()
        return command.replace("$1", "-g" if self.mark_unknown else "-n").replace("$2", "")

    def _start(self) -> subprocess.Popen[bytes]:
        self.starts += 1
        return subprocess.Popen(
            ["bash", "-c", self._command()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _exchange(self, proc: subprocess.Popen[bytes], data: bytes) -> bytes:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(data)
        proc.stdin.flush()
        buffer = bytearray()
        fd = proc.stdout.fileno()
        while not buffer.endswith(b"\0"):
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EngineError(f"the apertium {self.mode} pipeline closed")
            buffer.extend(chunk)
        return bytes(buffer[:-1])

    def translate(self, text: str) -> str:
        if "\0" in text:
            text = text.replace("\0", " ")
        data = (escape(text) + "[]").encode("utf-8") + b"\0"
        with self._lock:
            for attempt in (1, 2):
                if self._proc is None or self._proc.poll() is not None:
                    self._proc = self._start()
                try:
                    return unescape(self._exchange(self._proc, data).decode("utf-8", "replace"))
                except (BrokenPipeError, EngineError):
                    self._kill()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        proc.wait()

    def close(self) -> None:
        with self._lock:
            self._kill()


class ApertiumTranslator:
    """Every installed Apertium pair; pipelines start on first use and stay open."""

    name = "apertium"

    def __init__(self, modes_dir: Path | str = MODES_DIR, mark_unknown: bool = False) -> None:
        self.modes_dir = Path(modes_dir)
        if shutil.which("apertium-wblank-mode") is None or shutil.which("lt-proc") is None:
            raise EngineUnavailable("apertium", "the apertium programs are not installed", INSTALL)
        self.modes = discover_modes(self.modes_dir)
        if not self.modes:
            raise EngineUnavailable(
                "apertium", f"no language pair is installed in {self.modes_dir}", INSTALL
            )
        self.mark_unknown = mark_unknown
        self._pipes: dict[str, ApertiumPipe] = {}
        self._lock = threading.Lock()

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.modes)

    def pipe(self, source: str, target: str) -> ApertiumPipe:
        mode = self.modes.get((source, target))
        if mode is None:
            raise UnsupportedPair(source, target)
        with self._lock:
            if mode not in self._pipes:
                self._pipes[mode] = ApertiumPipe(mode, self.modes_dir, self.mark_unknown)
            return self._pipes[mode]

    def translate(self, text: str, source: str, target: str) -> str:
        return self.pipe(source, target).translate(text)

    def warm(self) -> None:
        """Start every pipeline now, so that the first sentence is not the slow one."""
        for source, target in sorted(self.modes):
            self.translate("Hello.", source, target)

    def close(self) -> None:
        with self._lock:
            pipes, self._pipes = list(self._pipes.values()), {}
        for pipe in pipes:
            pipe.close()
