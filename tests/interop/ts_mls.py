"""Drive the ts-mls peer (``peer.mjs``) over stdin/stdout JSON lines.

Used by the interop tests and by ``bench/mls_bench.py``.  Bytes travel as hex; every
request gets exactly one response line with the same ``id``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent
PEER = HERE / "peer.mjs"


class TsMlsError(RuntimeError):
    """ts-mls refused an operation; the message is the JavaScript error."""


def unavailable_reason() -> str | None:
    """Why the peer cannot run here, or None if it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / "ts-mls").is_dir():
        return "ts-mls not installed: run `npm ci` in tests/interop"
    return None


class TsMlsPeer:
    """One Node process holding any number of named ts-mls clients."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["node", str(PEER)],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._next = 0

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        """Send one request and return its response; raise TsMlsError if it failed."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._next += 1
        request = {"id": self._next, "op": op, **args}
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise TsMlsError(f"ts-mls peer exited (code {self._proc.poll()})")
        response: dict[str, Any] = json.loads(line)
        if response.get("id") != self._next:
            raise TsMlsError(f"out-of-order response {response.get('id')} to {self._next}")
        if not response.pop("ok"):
            raise TsMlsError(f"{op}: {response['error']}")
        response.pop("id")
        return response

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> TsMlsPeer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
