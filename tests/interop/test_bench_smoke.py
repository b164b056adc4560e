"""bench/mls_bench.py runs end to end on a tiny group (Python side; ts-mls if present)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "mls_bench.py"


def test_bench_prints_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("mls_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    assert bench.main(["--sizes", "4", "--repeat", "1", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    for op in ("add", "remove", "update", "join"):
        assert f"| 4 | {op} |" in table
    assert out.exists()
