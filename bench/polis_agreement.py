"""Agreement with Pol.is on real conversations, Indaba and red-dwarf side by side.

For every conversation in the shared Pol.is data with vote data, fit Indaba's
``OpinionMap`` and red-dwarf's ``run_pipeline`` on the same votes, admitting the
participants Pol.is clustered (both tools accept this), and compare each with
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
from indaba.consult.agreement import Agreement, compare_with_polis, rep_overlap
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


Row = tuple[Agreement, Agreement, float, tuple[int, float, float, float] | None]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--no-reddwarf", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows: list[Row] = []
    for folder in sorted(p for p in args.data.iterdir() if p.is_dir()):
        if not (folder / "participants-votes.csv").exists():
            continue
        conv = read_polis_export(folder)
        t0 = time.perf_counter()
        fresh = compare_with_polis(conv, folder.name)
        seconds = time.perf_counter() - t0
        start = compare_with_polis(conv, folder.name, OpinionMap(initial_k=2))
        theirs = None if args.no_reddwarf else red_dwarf(conv)
        rows.append((fresh, start, seconds, theirs))
        print(f"{fresh.name:40s} Pol.is k={fresh.polis_groups} | Indaba k={fresh.indaba_groups} "
              f"ARI={fresh.ari:.3f} reps={fresh.rep_overlap:.2f} {seconds:.2f}s | from k=2: "
              f"k={start.indaba_groups} ARI={start.ari:.3f}"
              + ("" if theirs is None else
                 f" | red-dwarf k={theirs[0]} ARI={theirs[1]:.3f} reps={theirs[2]:.2f} "
                 f"{theirs[3]:.2f}s"), flush=True)
    text = render(rows)
    if not args.no_write:
        (ROOT / "docs" / "polis-agreement.md").write_text(text)
    print(text)


def _summary(label: str, groups: list[int], aris: list[float], reps: list[float],
             polis: list[int], seconds: float) -> str:
    same = sum(a == b for a, b in zip(groups, polis, strict=True))
    return (f"- {label}: median ARI **{statistics.median(aris):.3f}**, ARI >= 0.8 on "
            f"{sum(a >= 0.8 for a in aris)}/{len(aris)}, same number of groups on "
            f"**{same}/{len(aris)}**, median rep overlap {statistics.median(reps):.2f}, "
            f"total {seconds:.1f} s.")


def render(rows: list[Row]) -> str:
    head = ("| conversation | participants | statements | votes | Pol.is groups "
            "| Indaba groups | Indaba ARI | Indaba rep overlap | Indaba s "
            "| from k=2: groups | from k=2: ARI | from k=2: rep overlap "
            "| red-dwarf groups | red-dwarf ARI | red-dwarf rep overlap | red-dwarf s |")
    lines = [head, "|---|" + "---:|" * 15]
    for a, b, s, rd in rows:
        rd_cells = ("— | — | — | —" if rd is None else
                    f"{rd[0]} | {rd[1]:.3f} | {rd[2]:.2f} | {rd[3]:.2f}")
        lines.append(f"| {a.name} | {a.participants:,} | {a.statements:,} | {a.votes:,} | "
                     f"{a.polis_groups} | {a.indaba_groups} | {a.ari:.3f} | "
                     f"{a.rep_overlap:.2f} | {s:.2f} | {b.indaba_groups} | {b.ari:.3f} | "
                     f"{b.rep_overlap:.2f} | {rd_cells} |")
    polis = [a.polis_groups for a, _, _, _ in rows]
    summary = [
        _summary("Indaba, `OpinionMap()`", [a.indaba_groups for a, _, _, _ in rows],
                 [a.ari for a, _, _, _ in rows], [a.rep_overlap for a, _, _, _ in rows],
                 polis, sum(s for _, _, s, _ in rows)),
        _summary("Indaba, `OpinionMap(initial_k=2)` (smoother started as a Pol.is "
                 "conversation starts)", [b.indaba_groups for _, b, _, _ in rows],
                 [b.ari for _, b, _, _ in rows], [b.rep_overlap for _, b, _, _ in rows],
                 polis, sum(s for _, _, s, _ in rows)),
    ]
    rds = [rd for _, _, _, rd in rows if rd is not None]
    if len(rds) == len(rows):
        summary.append(_summary("red-dwarf 0.4.0, `run_pipeline`", [r[0] for r in rds],
                                [r[1] for r in rds], [r[2] for r in rds], polis,
                                sum(r[3] for r in rds)))
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
        "four updates in a row). Times are the fit alone, on this (shared) machine.", "",
        *summary, "", *lines, "",
        "docs/consult.md explains why exact agreement is out of reach without the "
        "conversation's update history.", "",
        "## Data attribution", "", ATTRIBUTION, ""])


if __name__ == "__main__":
    main()
