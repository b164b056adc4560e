"""Agreement with Pol.is on real conversations, Indaba and red-dwarf side by side.

For every conversation in the shared Pol.is data with vote data, compute Indaba's
``OpinionMap`` three ways (one fit from scratch; one fit with the k smoother started as
a Pol.is conversation starts; the conversation's history replayed through updates, as
Pol.is computed it live) and red-dwarf's ``run_pipeline`` on the same votes, admitting
the participants Pol.is clustered (both tools accept this), and compare each with
Pol.is's own ``group-id``: adjusted Rand index, number of groups, representative-
statement overlap, time.  Prints the table and writes docs/polis-agreement.md.

    .venv/bin/python bench/polis_agreement.py [--data DIR] [--no-reddwarf]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from indaba.consult import OpinionMap, read_polis_export
from indaba.consult.agreement import (
    HISTORY_INTERVAL,
    Agreement,
    compare_with_polis,
    history_estimator,
    rep_overlap,
)
from indaba.consult.polis_format import PolisConversation
from indaba.consult.polis_read import polis_vote_matrix

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "polis"

ATTRIBUTION = (
    "Data was gathered using the Polis software (compdemocracy.org/polis) and is "
    "sub-licensed under CC BY 4.0 with Attribution to The Computational Democracy Project. "
    "The data and more information about how the data was collected can be found at the "
    "following link(s): compdemocracy.org/case-studies/{2014-seattle-15-per-hour, "
    "2018-kentucky, 2022-Austria-Klimarat, 2017-brexit-consensus, "
    "2016-canadian-electoral-reform, 2015-football-concussions, 2022-london-youth-policing, "
    "2018-march-on, 2017-scoop-hivemind-affordable-housing, 2019-scoop-hivemind-biodiversity, "
    "2017-scoop-hivemind-freshwater, 2018-scoop-hivemind-taxes, 2017-scoop-hivemind-ubi, "
    "2021-san-juan-island, 2015-vtaiwan-uberx}. Source: github.com/compdemocracy/openData "
    "(commit 0bc2ce0f32c673f68da20b57bce15c457aa787b5), licence "
    "https://creativecommons.org/licenses/by/4.0/."
)


def red_dwarf(conv: PolisConversation) -> tuple[int, float, float, float]:
    """(groups, ARI vs Pol.is, rep overlap vs Pol.is, seconds) for red-dwarf."""
    from reddwarf.implementations.polis import run_pipeline

    votes = polis_vote_matrix(conv)
    assert conv.participants is not None
    ref = {p.participant: p.group_id for p in conv.participants if p.group_id is not None}
    records = [{"participant_id": int(votes.participant_ids[r]),
                "statement_id": int(votes.statement_ids[c]), "vote": int(v), "modified": 0}
               for r, c, v in zip(votes.row_of(), votes.indices, votes.votes, strict=True)]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_pipeline(votes=records, mod_out_statement_ids=sorted(conv.moderated_out),
                           keep_participant_ids=sorted(ref), random_state=0)
    seconds = time.perf_counter() - t0
    series = res.participants_df["cluster_id"]
    theirs = np.array([-1 if series.isna()[p] else int(series[p])
                       for p in votes.participant_ids.tolist()], dtype=np.int64)
    codes = {g: i for i, g in enumerate(sorted(set(ref.values())))}
    polis = np.array([codes[ref[p]] if p in ref else -1 for p in votes.participant_ids.tolist()],
                     dtype=np.int64)
    both = (polis >= 0) & (theirs >= 0)
    groups = len(set(theirs[theirs >= 0].tolist()))
    return (groups, float(adjusted_rand_score(polis[both], theirs[both])),
            rep_overlap(votes, polis, theirs), seconds)


Result = tuple[int, float, float, float]  # groups, ARI, rep overlap, seconds
VARIANTS = ("fresh", "from k=2", "history")


def indaba(conv: PolisConversation, name: str, variant: str) -> tuple[Agreement, float]:
    t0 = time.perf_counter()
    if variant == "fresh":
        result = compare_with_polis(conv, name)
    elif variant == "from k=2":
        result = compare_with_polis(conv, name, OpinionMap(initial_k=2))
    else:
        result = compare_with_polis(conv, name, history_estimator(),
                                    history_interval=HISTORY_INTERVAL)
    return result, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--no-reddwarf", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows: list[tuple[Agreement, dict[str, Result], bool]] = []
    for folder in sorted(p for p in args.data.iterdir() if p.is_dir()):
        if not (folder / "participants-votes.csv").exists():
            continue
        conv = read_polis_export(folder)
        results: dict[str, Result] = {}
        first: Agreement | None = None
        for variant in VARIANTS:
            a, seconds = indaba(conv, folder.name, variant)
            first = first or a
            results[variant] = (a.indaba_groups, a.ari, a.rep_overlap, seconds)
        if not args.no_reddwarf:
            results["red-dwarf"] = red_dwarf(conv)
        assert first is not None
        rows.append((first, results, conv.votes is not None))
        print(f"{first.name:40s} Pol.is k={first.polis_groups} | " + " | ".join(
            f"{v} k={r[0]} ARI={r[1]:.3f} reps={r[2]:.2f} {r[3]:.1f}s"
            for v, r in results.items()), flush=True)
    text = render(rows)
    if not args.no_write:
        (ROOT / "docs" / "polis-agreement.md").write_text(text)
    print(text)


LABELS = {
    "fresh": "Indaba, `OpinionMap()`, one fit",
    "from k=2": "Indaba, `OpinionMap(initial_k=2)`, one fit (smoother started as a Pol.is "
                "conversation starts)",
    "history": "Indaba, history replayed (`fit_history`, one update per burst of votes "
               f"{HISTORY_INTERVAL:.0f} s apart, warm starts as in Pol.is)",
    "red-dwarf": "red-dwarf 0.4.0, `run_pipeline`",
}


def _summary(label: str, results: list[Result], polis: list[int]) -> str:
    aris = [r[1] for r in results]
    same = sum(r[0] == p for r, p in zip(results, polis, strict=True))
    return (f"- {label}: median ARI **{statistics.median(aris):.3f}**, ARI >= 0.8 on "
            f"{sum(a >= 0.8 for a in aris)}/{len(aris)}, same number of groups on "
            f"**{same}/{len(aris)}**, median rep overlap "
            f"{statistics.median(r[2] for r in results):.2f}, "
            f"total {sum(r[3] for r in results):.1f} s.")


def render(rows: list[tuple[Agreement, dict[str, Result], bool]]) -> str:
    variants = [v for v in (*VARIANTS, "red-dwarf") if all(v in r for _, r, _ in rows)]
    head = "| conversation | participants | statements | votes | history | Pol.is groups | " + \
        " | ".join(f"{v}: groups | {v}: ARI | {v}: rep overlap | {v}: s" for v in variants) + " |"
    lines = [head, "|---|---:|---:|---:|---|---:|" + "---:|" * (4 * len(variants))]
    for a, results, history in rows:
        cells = " | ".join(f"{results[v][0]} | {results[v][1]:.3f} | {results[v][2]:.2f} | "
                           f"{results[v][3]:.2f}" for v in variants)
        lines.append(f"| {a.name} | {a.participants:,} | {a.statements:,} | {a.votes:,} | "
                     f"{'votes.csv' if history else 'none'} | {a.polis_groups} | {cells} |")
    polis = [a.polis_groups for a, _, _ in rows]
    summary = [_summary(LABELS[v], [r[v] for _, r, _ in rows], polis) for v in variants]
    return "\n".join([
        "# Agreement with Pol.is on real conversations", "",
        "Generated by `bench/polis_agreement.py`; the test "
        "`tests/consult/test_polis_agreement.py` asserts the Indaba figures.", "",
        "Every conversation of the shared Pol.is open data that has vote data; *votes* "
        "counts the latest vote per (participant, statement). *ARI* is the "
        "adjusted Rand index between a tool's groups and the `group-id` Pol.is itself assigned "
        "(participants-votes.csv), over the participants both grouped; all tools admit the "
        "participants Pol.is clustered (Pol.is's admission depends on the conversation's "
        "history). *Rep overlap* is the Jaccard overlap of representative statements chosen by "
        "Pol.is's repness rules on Pol.is's groups and on the tool's groups, groups matched by "
        "shared members (the export does not carry Pol.is's own selection). *From k=2* starts "
        "the k smoother where every Pol.is conversation starts (k = 2 until another k wins "
        "four updates in a row). *History* replays votes.csv in time order through "
        "`OpinionMap.fit_history`: each burst of votes (events less than "
        f"{HISTORY_INTERVAL:.0f} s apart) is one `partial_fit`, with Pol.is's warm starts "
        "(`race_fresh_start=False`) and k smoother; conversations whose export has no "
        "votes.csv (*history: none*) have no history to replay, and get the *from k=2* fit "
        "instead. Times are on this (shared) machine: the fit, or the whole replay.", "",
        *summary, "", *lines, "",
        "docs/consult.md explains what is reproduced and why the rest is out of reach.", "",
        "## Data attribution", "", ATTRIBUTION, ""])


if __name__ == "__main__":
    main()
