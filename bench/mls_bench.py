"""Time MLS operations in indaba.mls and in ts-mls, in the same run.

    .venv/bin/python bench/mls_bench.py                      # 10, 100, 1000, 10000
    .venv/bin/python bench/mls_bench.py --sizes 10,100,1000 --repeat 5 --json out.json

Per group size, both libraries build a group the same way (the creator adds everybody
in one commit, the last member joins from the Welcome), then time, per operation
(add one member, remove one, update = empty commit with a path): creating the commit
as the creator, processing it as the joiner, with message sizes; and the join itself.
Commits are never merged, so every repetition starts from the same epoch.  Handshake
messages are PrivateMessages on both sides (ts-mls's default); add-only commits carry
no UpdatePath on both sides (ts-mls never sends one for them).

Right after that first commit every parent node is blank, so a path is encrypted to
~n leaves: the worst case.  The "warm" table repeats the indaba.mls measurements after
the members at leaves 1, 2, 4, 8, ... have committed once, so the creator's copath
subtrees are keyed and a path is encrypted to ~log2(n) nodes: the steady state of an
active group.  The last table measures the ratchet tree and TreeKEM alone
(``indaba.mls.tree``; no framing, signature or key schedule) on a tree where every
member has committed once.

ts-mls runs in ``tests/interop/peer.mjs`` (``npm ci`` there first); its times are
measured inside Node.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indaba.mls.crypto import CipherSuite, cipher_suite  # noqa: E402
from indaba.mls.group.creation import (  # noqa: E402
    create_group,
    create_key_package,
    join_from_welcome,
)
from indaba.mls.group.results import StagedCommit  # noqa: E402
from indaba.mls.group.state import GroupConfig  # noqa: E402
from indaba.mls.tree import (  # noqa: E402
    Credential,
    RatchetTree,
    TreeKEMPrivate,
    decrypt_update_path,
    generate_update_path,
    merge_update_path,
    remove_leaf,
    validate_tree,
)
from indaba.mls.tree.testing import synthetic_group  # noqa: E402
from indaba.mls.tree_math import LeafIndex  # noqa: E402

OPS = ("add", "remove", "update")
Result = dict[str, dict[str, float]]


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _victim(n: int) -> int:
    """The leaf removed by the "remove" operation (not a warm-up committer)."""
    return 3 if n > 4 else 1


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- indaba.mls, full protocol ---------------------------------------------------------
def _warm_up(creator: Any, first: Any, bundles: list[Any], config: Any) -> Any:
    """Members at leaves 1, 2, 4, 8, ... join and commit once each (everyone joined merges
    every commit), so the roots of the creator's copath subtrees are keyed; return the
    last member, joined too, as the receiver."""
    n = len(bundles) + 1
    warmers = [1 << k for k in range(n.bit_length()) if (1 << k) < n - 1]
    joined = {i: join_from_welcome(first.welcome, bundles[i - 1], config=config) for i in warmers}
    receiver = join_from_welcome(first.welcome, bundles[-1], config=config)
    everyone = [creator, receiver, *joined.values()]
    for i in warmers:
        out = joined[i].commit()
        for member in everyone:
            if member is joined[i]:
                member.merge(out.staged)
            else:
                result = member.process(out.commit)
                assert isinstance(result, StagedCommit)
                member.merge(result)
    return receiver


def python_group(cs: CipherSuite, n: int, repeat: int, shape: str = "fresh") -> Result:
    config = GroupConfig(encrypt_handshake=True)

    def bundle(i: int) -> Any:
        sig, _ = cs.generate_signature_key_pair()
        return create_key_package(cs, Credential.basic(b"member-%d" % i), sig)

    sig0, _ = cs.generate_signature_key_pair()
    t0 = time.perf_counter()
    creator = create_group(cs, b"bench-%d" % n, Credential.basic(b"member-0"), sig0, config=config)
    bundles = [bundle(i) for i in range(1, n)]
    out: Result = {}
    if not bundles:
        return out
    t1 = time.perf_counter()
    first = creator.commit(add=[b.key_package for b in bundles], path=False)
    out["build"] = {
        "seconds": time.perf_counter() - t0,
        "add_all_ms": (time.perf_counter() - t1) * 1000,
    }
    creator.merge(first.staged)
    assert first.welcome is not None
    joiner_bundle = bundles[-1]
    join_ms = _median_ms(
        lambda: join_from_welcome(first.welcome, joiner_bundle, config=config), max(1, repeat // 2)
    )
    if shape == "warm":
        joiner = _warm_up(creator, first, bundles, config)
    else:
        joiner = join_from_welcome(first.welcome, joiner_bundle, config=config)
    out["join"] = {"ms": join_ms, "bytes": len(first.welcome)}
    newcomer = bundle(n)

    for kind in OPS:
        if kind == "remove" and n < 3:
            continue
        made: dict[str, Any] = {}

        def commit(kind: str = kind, made: dict[str, Any] = made) -> None:
            if kind == "add":
                made["out"] = creator.commit(add=[newcomer.key_package], path=False)
            elif kind == "remove":
                made["out"] = creator.commit(remove=[_victim(n)])
            else:
                made["out"] = creator.commit()
            made.setdefault("all", []).append(made["out"].commit)

        commit_ms = _median_ms(commit, repeat)
        messages = iter(made["all"])

        def process(messages: Any = messages) -> None:
            result = joiner.process(next(messages))
            assert isinstance(result, StagedCommit)

        process_ms = _median_ms(process, repeat)
        out[kind] = {
            "commit_ms": commit_ms,
            "process_ms": process_ms,
            "bytes": len(made["out"].commit),
        }
    return out


# --- indaba.mls, tree level on a populated tree ----------------------------------------
def python_tree_populated(cs: CipherSuite, n: int, repeat: int) -> Result:
    g = synthetic_group(cs, n, populate=True, seed=n)
    g.tree.tree_hash()
    committer, receiver = LeafIndex(0), LeafIndex(n - 1)
    receiver_priv = g.private(receiver)
    out: Result = {}

    def context(tree_hash: bytes) -> bytes:
        return b"\x00\x01\x00\x01" + g.group_id + bytes(8) + tree_hash + bytes(32)

    for kind in ("remove", "update"):
        if kind == "remove" and n < 3:
            continue
        made: dict[str, Any] = {}

        def commit(kind: str = kind, made: dict[str, Any] = made) -> None:
            tree = g.tree.copy()
            if kind == "remove":
                remove_leaf(tree, LeafIndex(1))
            staged = generate_update_path(
                tree, committer, g.signature_privs[committer], group_id=g.group_id
            )
            made["path"] = staged.encrypt(context(staged.tree.tree_hash()))

        def process(kind: str = kind, made: dict[str, Any] = made) -> None:
            tree = g.tree.copy()
            if kind == "remove":
                remove_leaf(tree, LeafIndex(1))
            merge_update_path(tree, committer, made["path"], group_id=g.group_id)
            own = receiver_priv.pruned(tree)
            decrypt_update_path(tree, own, committer, made["path"], context(tree.tree_hash()))

        commit_ms = _median_ms(commit, repeat)
        process_ms = _median_ms(process, repeat)
        out[kind] = {
            "commit_ms": commit_ms,
            "process_ms": process_ms,
            "bytes": len(made["path"].encode()),
        }
    encoded = g.tree.encode()

    def join() -> None:
        tree = RatchetTree.decode(cs, encoded)
        validate_tree(tree, g.group_id)
        tree.tree_hash()
        TreeKEMPrivate.joiner(tree, receiver, g.leaf_privs[receiver])

    out["join"] = {"ms": _median_ms(join, max(1, repeat // 2)), "bytes": len(encoded)}
    return out


# --- ts-mls ------------------------------------------------------------------------------
def ts_mls(suite: int, n: int, repeat: int) -> Result | str:
    """Median milliseconds measured inside Node, or why ts-mls could not run."""
    from tests.interop.ts_mls import TsMlsError, TsMlsPeer, unavailable_reason

    reason = unavailable_reason()
    if reason is not None:
        return reason
    out: Result = {}
    with TsMlsPeer() as peer:
        try:
            t0 = time.perf_counter()
            built = peer.call("bench_group", suite=suite, n=n, prefix=f"b{n}")
            out["build"] = {
                "seconds": time.perf_counter() - t0,
                "add_all_ms": built["build_add_ms"],
            }
            out["join"] = {"ms": built.get("join_ms", 0.0), "bytes": 0}
            for kind in OPS:
                if kind == "remove" and n < 3:
                    continue
                runs = [
                    peer.call("bench_op", kind=kind, n=n, prefix=f"b{n}", leaf=_victim(n))
                    for _ in range(repeat)
                ]
                out[kind] = {
                    "commit_ms": statistics.median(r["commit_ms"] for r in runs),
                    "process_ms": statistics.median(r["process_ms"] for r in runs),
                    "bytes": runs[0]["commit_bytes"],
                }
        except TsMlsError as exc:
            return str(exc)
    return out


# --- report ------------------------------------------------------------------------------
def _num(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _ratio(ts: float | None, py: float | None) -> str:
    return "–" if ts is None or not py else f"{ts / py:,.1f}×"


def table(results: dict[str, Any]) -> str:
    lines = [
        "| members | op | py commit ms | py process ms | py bytes "
        "| ts commit ms | ts process ms | ts bytes | ts/py commit | ts/py process |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, per_n in results.items():
        py, ts = per_n.get("python", {}), per_n.get("ts-mls")
        tsd: Result = ts if isinstance(ts, dict) else {}
        for op in (*OPS, "join"):
            p, t = py.get(op), tsd.get(op)
            if p is None and t is None:
                continue
            if op == "join":
                pc, pp, pb = (p or {}).get("ms"), None, (p or {}).get("bytes")
                tc, tp, tb = (t or {}).get("ms"), None, None
            else:
                pc, pp, pb = (
                    (p or {}).get("commit_ms"),
                    (p or {}).get("process_ms"),
                    (p or {}).get("bytes"),
                )
                tc, tp, tb = (
                    (t or {}).get("commit_ms"),
                    (t or {}).get("process_ms"),
                    (t or {}).get("bytes"),
                )
            lines.append(
                f"| {int(key):,} | {op} | {_num(pc)} | {_num(pp)} | {_num(pb, 0)} | {_num(tc)} "
                f"| {_num(tp)} | {_num(tb, 0)} | {_ratio(tc, pc)} | {_ratio(tp, pp)} |"
            )
        if isinstance(ts, str):
            lines.append(f"| {int(key):,} | ts-mls | {ts} | | | | | | | |")
    return "\n".join(lines)


def warm_table(results: dict[str, Any]) -> str:
    lines = [
        "| members | op | commit ms | process ms | commit bytes |",
        "|---:|---|---:|---:|---:|",
    ]
    for key, per_n in results.items():
        w = per_n.get("python-warm")
        if not w:
            continue
        for op in OPS:
            r = w.get(op)
            if r is not None:
                lines.append(
                    f"| {int(key):,} | {op} | {_num(r['commit_ms'])} | {_num(r['process_ms'])} "
                    f"| {_num(r['bytes'], 0)} |"
                )
    return "\n".join(lines)


def tree_table(results: dict[str, Any]) -> str:
    lines = [
        "| members | op | commit ms | process ms | path/tree bytes |",
        "|---:|---|---:|---:|---:|",
    ]
    for key, per_n in results.items():
        t = per_n.get("tree-populated")
        if not t:
            continue
        for op in ("remove", "update", "join"):
            r = t.get(op)
            if r is None:
                continue
            c = r.get("ms") if op == "join" else r.get("commit_ms")
            lines.append(
                f"| {int(key):,} | {op} | {_num(c)} | {_num(r.get('process_ms'))} "
                f"| {_num(r['bytes'], 0)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--suite", type=int, default=1, choices=(1, 2, 3))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-ts", action="store_true", help="skip ts-mls")
    parser.add_argument("--no-tree", action="store_true", help="skip the populated-tree table")
    parser.add_argument("--no-warm", action="store_true", help="skip the warm-group table")
    parser.add_argument("--ts-max", type=int, default=10000, help="largest size run in ts-mls")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)

    cs = cipher_suite(args.suite)
    results: dict[str, Any] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        per_n: dict[str, Any] = {}
        _log(f"indaba.mls n={n} ...")
        per_n["python"] = python_group(cs, n, args.repeat)
        if not args.no_warm:
            _log(f"indaba.mls warm n={n} ...")
            per_n["python-warm"] = python_group(cs, n, args.repeat, shape="warm")
        if not args.no_tree:
            _log(f"indaba.mls tree level, populated, n={n} ...")
            per_n["tree-populated"] = python_tree_populated(cs, n, args.repeat)
        if not args.no_ts and n <= args.ts_max:
            _log(f"ts-mls n={n} ...")
            per_n["ts-mls"] = ts_mls(args.suite, n, args.repeat)
        results[str(n)] = per_n
    print(f"cipher suite {args.suite}; medians of {args.repeat}; one core\n")
    print("Fresh group (creator added everyone, last member joined):\n")
    print(table(results))
    if not args.no_warm:
        print("\nWarm group (log2(n) members committed once; indaba.mls only):\n")
        print(warm_table(results))
    if not args.no_tree:
        print("\nTree level, populated tree (indaba.mls.tree only):\n")
        print(tree_table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
