"""The benchmark's own parts: measures, the network guard, the docs section writer."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    sys.path.insert(0, str(ROOT))
    import bench.interpret_bench as module

    return module


def test_test_set_has_fifty_sentence_pairs(bench: ModuleType) -> None:
    assert len(bench.PAIRS) >= 50
    assert all(english.strip() and spanish.strip() for english, spanish in bench.PAIRS)


def test_word_error_rate(bench: ModuleType) -> None:
    assert bench.wer(["we must act now"], ["we must act now"]) == 0
    assert bench.wer(["we must act now"], ["we most act"]) == 0.5
    assert bench.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0


def test_network_guard_refuses_anything_but_loopback(bench: ModuleType) -> None:
    original = socket.socket.connect, socket.socket.connect_ex
    try:
        bench.forbid_network()
        with socket.socket() as sock, pytest.raises(bench.NetworkRefused):
            sock.connect(("192.0.2.1", 80))
        with socket.socket() as sock, pytest.raises(bench.NetworkRefused):
            sock.connect_ex(("2001:db8::1", 80))
        server = socket.create_server(("127.0.0.1", 0))
        with server, socket.socket() as sock:
            sock.connect(server.getsockname())  # loopback is allowed
    finally:
        socket.socket.connect, socket.socket.connect_ex = original  # type: ignore[method-assign]


def test_docs_section_is_replaced_in_place(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    bench.write_docs(bench.SECTION + "\n\nfirst\n", path)
    assert path.read_text().startswith("# Benchmarks\n\n" + bench.SECTION)
    path.write_text(path.read_text() + "\n## Other (x.py)\n\nkept\n")
    bench.write_docs(bench.SECTION + "\n\nsecond\n", path)
    text = path.read_text()
    assert "second" in text and "first" not in text and "## Other (x.py)\n\nkept" in text


def test_docs_subsections_written_by_others_are_kept(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(
        "# Benchmarks\n\n" + bench.SECTION + "\n\nold\n\n### Over the SFU (t.py)\n\nkept\n"
        "\n## Other (x.py)\n\nalso kept\n"
    )
    bench.write_docs(bench.SECTION + "\n\nnew\n", path)
    text = path.read_text()
    assert "new" in text and "old" not in text
    assert "### Over the SFU (t.py)\n\nkept" in text and "## Other (x.py)\n\nalso kept" in text
