"""Time MLS operations in indaba.mls and in ts-mls, in the same run.

    .venv/bin/python bench/mls_bench.py                      # 10, 100, 1000, 10000
    .venv/bin/python bench/mls_bench.py --sizes 10,100,1000 --repeat 5 --json out.json

For each group size it builds a group and times, per operation (add one member,
remove one, update = empty commit with a path): creating the commit, processing it
as another member, and joining from a Welcome; with message sizes.

Python side, level "tree": TreeKEM and the ratchet tree only (what indaba.mls.tree
does for a commit: apply the proposal to a staged tree, generate/encrypt the path,
tree hash; receiver: apply, merge, decrypt, derive).  Signing and the key schedule of
the group layer add a roughly constant cost per commit that this level leaves out;
switch to level "group" when ``indaba.mls.group`` offers create/process/join.

Two tree shapes: "fresh" (right after one commit that added everybody: every parent
blank, so a path is encrypted to ~n leaves; this is what ts-mls builds here) and
"populated" (every member has committed once: full parents, the steady state).

ts-mls side: ``tests/interop/peer.mjs`` builds the group inside Node (creator adds
everyone in one commit, the last member joins) and reports milliseconds measured in
Node.  ts-mls add-only commits carry no UpdatePath; neither does the Python "add".
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
from indaba.mls.tree import (  # noqa: E402
    RatchetTree,
    TreeKEMPrivate,
    UpdatePath,
    add_leaf,
    decrypt_update_path,
    generate_update_path,
    merge_update_path,
    remove_leaf,
    validate_tree,
)
from indaba.mls.tree.testing import SyntheticGroup, make_member, synthetic_group  # noqa: E402
from indaba.mls.tree_math import LeafIndex  # noqa: E402

OPS = ("add", "remove", "update")


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _context(g: SyntheticGroup, tree_hash: bytes) -> bytes:
    # A GroupContext-sized stand-in: version, suite, group id, epoch, tree hash, transcript.
    return b"\x00\x01\x00\x01" + g.group_id + bytes(8) + tree_hash + bytes(32)


def python_tree_level(
    suite: CipherSuite, n: int, shape: str, repeat: int
) -> dict[str, dict[str, float]]:
    """Median milliseconds per operation at the TreeKEM level, and sizes in bytes."""
    t0 = time.perf_counter()
    g = synthetic_group(suite, n, populate=shape == "populated", seed=n)
    build_s = time.perf_counter() - t0
    g.tree.tree_hash()
    committer, receiver = LeafIndex(0), LeafIndex(n - 1)
    receiver_priv = g.private(receiver)
    newcomer = make_member(suite, b"newcomer", lambda k: bytes(k))
    out: dict[str, dict[str, float]] = {"build": {"seconds": build_s}}

    def propose(kind: str, tree: RatchetTree) -> frozenset[LeafIndex]:
        if kind == "add":
            return frozenset({add_leaf(tree, newcomer.leaf_node)})
        if kind == "remove":
            remove_leaf(tree, LeafIndex(1))
        return frozenset()

    for kind in OPS:
        if n < 3 and kind == "remove":
            continue
        with_path = kind != "add"
        made: dict[str, Any] = {}

        def commit(
            kind: str = kind, with_path: bool = with_path, made: dict[str, Any] = made
        ) -> None:
            staged_tree = g.tree.copy()
            new = propose(kind, staged_tree)
            if not with_path:
                staged_tree.tree_hash()
                made["path"] = None
                return
            staged = generate_update_path(
                staged_tree, committer, g.signature_privs[committer], group_id=g.group_id
            )
            made["path"] = staged.encrypt(_context(g, staged.tree.tree_hash()), new)
            made["new"] = new

        def process(kind: str = kind, made: dict[str, Any] = made) -> None:
            tree = g.tree.copy()
            propose(kind, tree)
            path: UpdatePath | None = made["path"]
            if path is None:
                tree.tree_hash()
                return
            merge_update_path(tree, committer, path, group_id=g.group_id)
            own = receiver_priv.pruned(tree)
            decrypt_update_path(
                tree, own, committer, path, _context(g, tree.tree_hash()), made["new"]
            )

        commit_ms = _median_ms(commit, repeat)
        process_ms = _median_ms(process, repeat)
        size = len(made["path"].encode()) if made["path"] is not None else 0
        out[kind] = {"commit_ms": commit_ms, "process_ms": process_ms, "path_bytes": size}

    encoded = g.tree.encode()

    def join() -> None:
        tree = RatchetTree.decode(suite, encoded)
        validate_tree(tree, g.group_id)
        tree.tree_hash()
        TreeKEMPrivate.joiner(tree, receiver, g.leaf_privs[receiver])

    out["join"] = {"ms": _median_ms(join, max(1, repeat // 2)), "tree_bytes": len(encoded)}
    return out


def ts_mls(suite: int, n: int, repeat: int) -> dict[str, dict[str, float]] | str:
    """Median milliseconds measured inside Node, or the reason ts-mls could not run."""
    from tests.interop.ts_mls import TsMlsError, TsMlsPeer, unavailable_reason

    reason = unavailable_reason()
    if reason is not None:
        return reason
    out: dict[str, dict[str, float]] = {}
    with TsMlsPeer() as peer:
        try:
            t0 = time.perf_counter()
            built = peer.call("bench_group", suite=suite, n=n, prefix=f"b{n}")
            out["build"] = {"seconds": time.perf_counter() - t0}
            out["join"] = {"ms": built.get("join_ms", 0.0), "tree_bytes": 0}
            for kind in OPS:
                if n < 3 and kind == "remove":
                    continue
                runs = [
                    peer.call("bench_op", kind=kind, n=n, prefix=f"b{n}") for _ in range(repeat)
                ]
                out[kind] = {
                    "commit_ms": statistics.median(r["commit_ms"] for r in runs),
                    "process_ms": statistics.median(r["process_ms"] for r in runs),
                    "commit_bytes": runs[0]["commit_bytes"],
                }
        except TsMlsError as exc:
            return str(exc)
    return out


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:,.2f}"


def table(results: dict[str, Any]) -> str:
    lines = [
        "| members | shape | op | py commit ms | py process ms | py path B "
        "| ts commit ms | ts process ms | ts commit B | commit ratio ts/py |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, per_n in results.items():
        n = int(key)
        ts = per_n.get("ts-mls")
        for shape in ("fresh", "populated"):
            py = per_n.get(shape)
            if py is None:
                continue
            for op in (*OPS, "join"):
                p = py.get(op)
                if p is None:
                    continue
                t = ts.get(op) if isinstance(ts, dict) and shape == "fresh" else None
                if op == "join":
                    pc, pp, pb = p["ms"], None, p["tree_bytes"]
                    tc, tp, tb = (t["ms"] if t else None), None, None
                else:
                    pc, pp, pb = p["commit_ms"], p["process_ms"], p["path_bytes"]
                    tc = t["commit_ms"] if t else None
                    tp = t["process_ms"] if t else None
                    tb = t["commit_bytes"] if t else None
                comparable = op != "add"  # Python "add" is tree-only: no signature, no path
                ratio = f"{tc / pc:,.1f}×" if comparable and tc is not None and pc else "–"
                lines.append(
                    f"| {n:,} | {shape} | {op} | {_fmt(pc)} | {_fmt(pp)} | "
                    f"{_fmt(pb) if pb is None else f'{pb:,}'} | {_fmt(tc)} | {_fmt(tp)} | "
                    f"{'–' if tb is None else f'{tb:,}'} | {ratio} |"
                )
        if isinstance(ts, str):
            lines.append(f"| {n:,} | – | ts-mls | {ts} | | | | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--suite", type=int, default=1, choices=(1, 2, 3))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shape", choices=("fresh", "populated", "both"), default="both")
    parser.add_argument("--no-ts", action="store_true", help="skip ts-mls")
    parser.add_argument("--ts-max", type=int, default=10000, help="largest size run in ts-mls")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)

    suite = cipher_suite(args.suite)
    shapes = ("fresh", "populated") if args.shape == "both" else (args.shape,)
    results: dict[str, Any] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        per_n: dict[str, Any] = {}
        for shape in shapes:
            print(f"python n={n} shape={shape} ...", file=sys.stderr, flush=True)
            per_n[shape] = python_tree_level(suite, n, shape, args.repeat)
        if not args.no_ts and n <= args.ts_max:
            print(f"ts-mls n={n} ...", file=sys.stderr, flush=True)
            per_n["ts-mls"] = ts_mls(args.suite, n, args.repeat)
        results[str(n)] = per_n
    print(f"suite {args.suite}; Python level: tree (TreeKEM); medians of {args.repeat}\n")
    print(table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
