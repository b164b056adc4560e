"""Load the IETF MLS interop vectors from ../shared/vectors/mls (never copied here).

Hex strings become ``bytes`` in the loader (keys named like labels stay text), so
tests read like the RFC.  :func:`cases` yields ``pytest.param`` objects with ids such
as ``suite1-case0`` and skips suites 4..7 with a stated reason.
"""

from __future__ import annotations

import dataclasses
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED

VECTOR_DIR = Path(os.environ.get("INDABA_MLS_VECTORS", SHARED / "vectors" / "mls"))
SUPPORTED = (1, 2, 3)
# Fields whose values are text, not hex, per file.  The key-schedule exporter label
# looks like hex but every implementation (and the generator) uses its ASCII text.
TEXT_KEYS = {
    "crypto-basics.json": frozenset({"label"}),
    "key-schedule.json": frozenset({"label"}),
}


def _decode(value: Any, text_keys: frozenset[str], key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _decode(v, text_keys, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, text_keys, key) for v in value]
    if isinstance(value, str) and key not in text_keys:
        return bytes.fromhex(value)
    if isinstance(value, str):
        return value.encode()
    return value


@cache
def load(name: str) -> list[dict[str, Any]]:
    path = VECTOR_DIR / name
    if not path.exists():
        pytest.skip(
            f"vector file {path} not present (set INDABA_SHARED to the shared/ folder)",
            allow_module_level=True,
        )
    with path.open() as fh:
        data: list[dict[str, Any]] = _decode(json.load(fh), TEXT_KEYS.get(name, frozenset()))
    return data


def cases(name: str) -> list[Any]:
    """One ``pytest.param`` per case, id ``suiteN-caseK`` (or ``caseK`` if suite-free)."""
    out: list[Any] = []
    per_suite: dict[int | None, int] = {}
    for case in load(name):
        suite = case.get("cipher_suite")
        k = per_suite.get(suite, 0)
        per_suite[suite] = k + 1
        if suite is None:
            out.append(pytest.param(case, id=f"case{k}"))
        elif suite in SUPPORTED:
            out.append(pytest.param(case, id=f"suite{suite}-case{k}"))
        else:
            reason = f"cipher suite {suite} unsupported (indaba.mls supports 1, 2, 3)"
            mark = pytest.mark.skip(reason=reason)
            out.append(pytest.param(case, id=f"suite{suite}-case{k}", marks=mark))
    return out


def strip_encoding_caches(obj: Any) -> None:
    """Forget encodings cached at decode time, so that re-encoding really re-encodes."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj.__dict__.pop("_encoded", None)
        for f in dataclasses.fields(obj):
            strip_encoding_caches(getattr(obj, f.name))
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            strip_encoding_caches(item)
