"""Interoperation with ts-mls 1.6.4 (the browser's MLS) through Node, both directions.

The ts-mls peer is ``tests/mls/interop/ts_member.mjs``; install it with
``npm ci --prefix tests/mls/interop``.  Skipped, with the reason, when Node or the
package is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.group import (
    ApplicationMessage,
    Group,
    GroupConfig,
    StagedCommit,
    create_group,
    create_key_package,
    join_from_welcome,
)
from indaba.mls.tree.leaf_node import Credential

HERE = Path(__file__).parent / "interop"
NODE = shutil.which("node")
READY = NODE is not None and (HERE / "node_modules" / "ts-mls").is_dir()
pytestmark = pytest.mark.skipif(
    not READY, reason="needs node and `npm ci --prefix tests/mls/interop` (ts-mls 1.6.4)"
)
SUITES = [pytest.param(s, id=f"suite{s}") for s in (1, 2, 3)]


class TsMember:
    def __init__(self) -> None:
        assert NODE is not None
        self.proc = subprocess.Popen(
            [NODE, str(HERE / "ts_member.mjs")],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self, cmd: str, **kwargs: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.proc.stdin.flush()
        reply: dict[str, Any] = json.loads(self.proc.stdout.readline())
        assert reply.pop("ok"), f"ts-mls {cmd} failed: {reply.get('error')}"
        return reply

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


@pytest.fixture
def ts() -> Iterator[TsMember]:
    member = TsMember()
    yield member
    member.close()


def _process(g: Group, message: str) -> Any:
    result = g.process(bytes.fromhex(message))
    if isinstance(result, StagedCommit):
        g.merge(result)
    return result


def _exchange_and_compare(g: Group, ts: TsMember) -> None:
    got = ts("process", message=g.encrypt(b"from python").hex())
    assert got == {"kind": "application", "data": b"from python".hex()}
    result = _process(g, ts("encrypt", data=b"from ts-mls".hex())["message"])
    assert isinstance(result, ApplicationMessage) and result.data == b"from ts-mls"
    status = ts("status")
    assert status["epoch"] == g.epoch
    assert bytes.fromhex(status["epoch_authenticator"]) == g.epoch_authenticator
    secret = ts("export", label="sframe", context=b"ctx".hex(), length=32)["secret"]
    assert bytes.fromhex(secret) == g.export_secret(b"sframe", b"ctx", 32)


@pytest.mark.parametrize("suite_id", SUITES)
@pytest.mark.parametrize("private", [True, False], ids=["private", "public"])
def test_python_creates_ts_joins(ts: TsMember, suite_id: int, private: bool) -> None:
    cs = cipher_suite(suite_id)
    ts("init", suite=suite_id)
    kp = bytes.fromhex(ts("key_package", name="ts")["key_package"])
    sig, _ = cs.generate_signature_key_pair()
    g = create_group(
        cs, b"py-group", Credential.basic(b"py"), sig, config=GroupConfig(encrypt_handshake=private)
    )
    out = g.commit(add=[kp])
    g.merge(out.staged)
    assert out.welcome is not None
    ts("join", welcome=out.welcome.hex(), tree=None)
    _exchange_and_compare(g, ts)
    # ts-mls commits (PrivateMessage or PublicMessage), Python follows
    _process(g, ts("commit", public_message=not private)["commit"])
    _exchange_and_compare(g, ts)
    # Python commits with a path, ts-mls follows
    out = g.commit()
    g.merge(out.staged)
    assert ts("process", message=out.commit.hex()) == {"kind": "state"}
    _exchange_and_compare(g, ts)


@pytest.mark.parametrize("suite_id", SUITES)
def test_ts_creates_python_joins(ts: TsMember, suite_id: int) -> None:
    cs = cipher_suite(suite_id)
    ts("init", suite=suite_id)
    ts("key_package", name="ts")
    ts("create", group_id=b"ts-group".hex())
    sig, _ = cs.generate_signature_key_pair()
    bundle = create_key_package(cs, Credential.basic(b"py"), sig)
    out = ts("add", key_package=bundle.to_message().hex())
    g = join_from_welcome(bytes.fromhex(out["welcome"]), bundle)
    _exchange_and_compare(g, ts)
    # a third member, from Python, while ts-mls follows
    other_sig, _ = cs.generate_signature_key_pair()
    third = create_key_package(cs, Credential.basic(b"py2"), other_sig)
    commit = g.commit(add=[third.key_package])
    g.merge(commit.staged)
    assert ts("process", message=commit.commit.hex()) == {"kind": "state"}
    assert commit.welcome is not None
    g3 = join_from_welcome(commit.welcome, third)
    _exchange_and_compare(g, ts)
    assert g3.epoch_authenticator == g.epoch_authenticator
    _process(g3, ts("commit")["commit"])
