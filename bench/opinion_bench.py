"""Opinion-map benchmark: planted groups at 10k, 100k and 1M participants.

Each (tool, size) runs in its own subprocess so that peak memory (``ru_maxrss``) is
its own.  Indaba is timed end to end (vote triples -> VoteMatrix -> OpinionMap.fit)
and for the fit alone; red-dwarf (``reddwarf.implementations.polis.run_pipeline``)
gets the same votes as a list of records, its documented input.  Recovery of the
planted groups is the adjusted Rand index over the participants each tool clusters.

    .venv/bin/python bench/opinion_bench.py            # table, and docs/benchmarks.md
    .venv/bin/python bench/opinion_bench.py --sizes 10000 --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from indaba.consult import OpinionMap, VoteMatrix
from indaba.consult.synthetic import planted_conversation

ROOT = Path(__file__).resolve().parents[1]
# participants -> statements; every participant votes on 50 statements
SIZES = {10_000: 1_000, 30_000: 2_000, 100_000: 5_000, 1_000_000: 10_000}
REDDWARF_MAX = 100_000
TIMEOUT_S = 900
MEMORY_CAP = 16 * 1024**3
HEADING = "## Opinion map (bench/opinion_bench.py)"


def _triples(n: int) -> tuple[VoteMatrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    votes, truth = planted_conversation(n, SIZES[n], n_groups=3, votes_per_participant=50,
                                        agreement=0.8, random_state=1)
    rows = votes.row_of()
    return votes, truth, rows, votes.indices.astype(np.int64), votes.votes.astype(np.int64)


def worker(tool: str, n: int) -> dict[str, object]:
    votes, truth, rows, cols, vals = _triples(n)
    out: dict[str, object] = {"tool": tool, "n": n, "statements": SIZES[n],
                              "votes": votes.n_votes, "load": os.getloadavg()[0]}
    if tool == "indaba":
        t0 = time.perf_counter()
        matrix = VoteMatrix.from_votes(rows, cols, vals)
        t1 = time.perf_counter()
        est = OpinionMap(random_state=0).fit(matrix)
        t2 = time.perf_counter()
        inside = est.labels_ >= 0
        out.update(total_s=t2 - t0, fit_s=t2 - t1, groups=est.n_groups_,
                   ari=adjusted_rand_score(truth[inside], est.labels_[inside]),
                   pca_iter=est.n_iter_["pca"])
        # incremental: the map of 95 % of the votes, updated with the last 5 %
        early = np.random.default_rng(2).random(len(rows)) < 0.95
        first = VoteMatrix.from_votes(rows[early], cols[early], vals[early])
        warm = OpinionMap(random_state=0).fit(first)
        del first
        t3 = time.perf_counter()
        warm.partial_fit(matrix)
        t4 = time.perf_counter()
        out.update(update_s=t4 - t3, update_pca_iter=warm.n_iter_["pca"],
                   update_ari=adjusted_rand_score(est.labels_, warm.labels_))
    else:
        from reddwarf.implementations.polis import run_pipeline

        records = [{"participant_id": int(r), "statement_id": int(c), "vote": int(v),
                    "modified": 0} for r, c, v in zip(rows, cols, vals, strict=True)]
        del votes
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run_pipeline(votes=records, random_state=0)
        t2 = time.perf_counter()
        labels = res.participants_df["cluster_id"]
        known = ~labels.isna().to_numpy()
        ids = labels.index.to_numpy()[known].astype(np.int64)
        out.update(total_s=t2 - t0, fit_s=t2 - t0, groups=int(labels.nunique()),
                   ari=adjusted_rand_score(truth[ids], labels.to_numpy()[known].astype(int)))
    out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return out


def run(tool: str, n: int) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--worker", tool, str(n)]
    def cap() -> None:  # a runaway worker fails alone instead of waking the OOM killer
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S,
                              check=False, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "n": n, "error": f"timed out after {TIMEOUT_S} s"}
    if proc.returncode != 0:
        errors = [x for x in proc.stderr.splitlines() if "Error" in x]
        reason = errors[-1] if errors else f"exit status {proc.returncode}"
        if "MemoryError" in reason or "Unable to allocate" in reason:
            reason = f"out of memory under a {MEMORY_CAP / 1024**3:.0f} GiB address-space cap"
        return {"tool": tool, "n": n, "error": reason[:120]}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    model = "unknown CPU"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        found = re.search(r"Model name:\s*(.+)", lscpu)
        model = found.group(1).strip() if found else model
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, "
            f"{ram:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average at the end "
            f"{load} (the machine is shared: other work inflates the times)")


def _f(r: dict[str, object], key: str, fmt: str) -> str:
    return format(r[key], fmt) if key in r else "—"


def _update(r: dict[str, object]) -> str:
    if "update_s" not in r:
        return "—"
    return (f"{r['update_s']:.1f} ({r['update_pca_iter']} vs {r['pca_iter']}; "
            f"ARI {r['update_ari']:.3f})")


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| participants | statements | votes | tool | load at start | end-to-end s | fit s "
             "| peak GB | groups | ARI vs planted | red-dwarf / Indaba time "
             "| update s (PCA iters; ARI) |",
             "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    by = {(r["tool"], r["n"]): r for r in rows}
    for r in rows:
        n = r["n"]
        ratio = "—"
        mine, theirs = by.get(("indaba", n), {}), by.get(("red-dwarf", n), {})
        if r["tool"] == "red-dwarf" and "total_s" in theirs and "total_s" in mine:
            ratio = f"{float(theirs['total_s']) / float(mine['total_s']):.1f}×"  # type: ignore[arg-type]
        if "error" in r:
            lines.append(f"| {n:,} | {SIZES[int(n)]:,} | — | {r['tool']} | | did not finish: "  # type: ignore[call-overload]
                         f"{r['error']} | | | | | | |")
            continue
        lines.append(
            f"| {n:,} | {r['statements']:,} | {r['votes']:,} | {r['tool']} | "
            f"{_f(r, 'load', '.1f')} | {_f(r, 'total_s', '.1f')} | {_f(r, 'fit_s', '.1f')} | "
            f"{_f(r, 'peak_gb', '.2f')} | "
            f"{r['groups']} | {_f(r, 'ari', '.3f')} | {ratio} | {_update(r)} |")
    return "\n".join(lines)


def write_docs(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    start = old.find(HEADING)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(HEADING))
        new = old[:start] + text + ("" if nxt < 0 else old[nxt:])
    path.write_text(new.rstrip("\n") + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "N"))
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--no-reddwarf", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    rows = []
    done: set[tuple[str, int]] = set()  # a size given twice times Indaba twice, red-dwarf once
    for n in args.sizes:
        rows.append(run("indaba", n))
        print(rows[-1], flush=True)
        if not args.no_reddwarf and n <= REDDWARF_MAX and ("red-dwarf", n) not in done:
            done.add(("red-dwarf", n))
            rows.append(run("red-dwarf", n))
            print(rows[-1], flush=True)
    text = "\n".join([
        HEADING, "",
        "Synthetic conversations with three planted opinion groups; every participant votes "
        "on 50 random statements (agree with the group's side 80 %, pass 10 %, against 10 %). "
        "One subprocess per row; *end-to-end* for Indaba includes building the sparse "
        "`VoteMatrix` from vote triples, *fit* is `OpinionMap.fit` alone; red-dwarf "
        f"(`run_pipeline`, same votes as records) is run up to {REDDWARF_MAX:,} participants. "
        "Peak GB is the subprocess's `ru_maxrss` (data generation included); each "
        f"subprocess runs under a {MEMORY_CAP / 1024**3:.0f} GiB address-space cap. "
        "*Update* is `partial_fit` of a map fitted on 95 % of the votes, given all of them "
        "(warm start): its time, its PCA iterations against the fit from scratch, and the "
        "ARI between its groups and the from-scratch groups. *Load at start* is the 1-minute "
        "load average when the row's subprocess started (other work on the machine slows "
        "every row down). The vote triples arrive in participant order, as from a database "
        "`ORDER BY participant, statement`; `VoteMatrix.from_votes` then skips its sort. "
        "Goal: 1M participants in <= 60 s and <= 8 GB.", "",
        f"Machine: {machine()}.", "", table(rows), "",
        "Reproduce: `.venv/bin/python bench/opinion_bench.py`.", ""])
    print(text)
    if not args.no_write:
        write_docs(text)


if __name__ == "__main__":
    main()
