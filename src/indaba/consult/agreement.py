"""Agreement of Indaba's opinion map with the groups Pol.is itself assigned.

Pol.is's ``group-id`` (participants-votes.csv) is the base-cluster membership of its
last update.  Which participants it clustered depends on the conversation's
history (admitted participants stay admitted), so the comparison admits those
same participants (``keep_participants``) and scores the participants both sides
grouped.  Pol.is's exports carry no representative statements, so *rep overlap*
compares the repness selection on Pol.is's groups with the one on Indaba's groups,
groups matched by the Hungarian method on shared members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from indaba.consult.matrix import VoteMatrix
from indaba.consult.opinion_map import OpinionMap
from indaba.consult.polis_format import PolisConversation
from indaba.consult.polis_read import polis_vote_matrix
from indaba.consult.repness import group_vote_counts, repness_stats, select_rep_statements

IntArray = NDArray[np.int64]

HISTORY_INTERVAL = 1.0  # seconds: Pol.is polls for new votes every second (:polling-interval)


def history_estimator() -> OpinionMap:
    """The estimator that replays a conversation as Pol.is computed it live.

    Pol.is keeps the warm start only (no fresh start races it); for a conversation
    without vote history, the k smoother starts where a Pol.is conversation starts.
    """
    return OpinionMap(race_fresh_start=False, initial_k=2)


@dataclass(frozen=True)
class Agreement:
    name: str
    participants: int
    statements: int
    votes: int
    polis_groups: int
    indaba_groups: int
    compared: int  # participants grouped by both
    ari: float
    rep_overlap: float


def rep_sets(votes: VoteMatrix, labels: IntArray) -> list[set[int]]:
    """Representative statement ids per group for the given labels (-1 = ungrouped)."""
    n_groups = int(labels.max()) + 1 if len(labels) else 0
    counts = group_vote_counts(votes.indptr, votes.indices, votes.votes, labels, n_groups,
                               votes.shape[1])
    eligible = (votes.votes_per_statement() > 0) & ~votes.moderated_out
    reps = select_rep_statements(repness_stats(counts), votes.statement_ids, eligible)
    return [{r.statement_id for r in group} for group in reps]


def rep_overlap(votes: VoteMatrix, a: IntArray, b: IntArray) -> float:
    """Jaccard overlap of representative statements, groups matched on shared members."""
    sets_a, sets_b = rep_sets(votes, a), rep_sets(votes, b)
    both = (a >= 0) & (b >= 0)
    table = np.zeros((len(sets_a), len(sets_b)))
    np.add.at(table, (a[both], b[both]), 1)
    rows, cols = linear_sum_assignment(-table)
    shared = sum(len(sets_a[i] & sets_b[j]) for i, j in zip(rows, cols, strict=True))
    union = sum(len(s) for s in sets_a) + sum(len(s) for s in sets_b) - shared
    return shared / union if union else 1.0


def _dense_labels(ids: IntArray, groups: dict[int, int]) -> IntArray:
    codes = {g: i for i, g in enumerate(sorted(set(groups.values())))}
    return np.array([codes[groups[p]] if p in groups else -1 for p in ids.tolist()],
                    dtype=np.int64)


def compare_with_polis(conv: PolisConversation, name: str,
                       estimator: OpinionMap | None = None, *,
                       history_interval: float | None = None) -> Agreement:
    """Fit Indaba's opinion map on a Pol.is export and score it against Pol.is's groups.

    With ``history_interval`` (seconds) and a votes.csv, the map is computed as the live
    conversation was: ``fit_history`` replays the vote events, one update per burst of
    votes; otherwise one ``fit`` on the final votes.
    """
    if conv.participants is None:
        raise ValueError("the conversation has no participants-votes.csv to compare with.")
    votes = polis_vote_matrix(conv)
    ref = {p.participant: p.group_id for p in conv.participants if p.group_id is not None}
    keep = np.array(sorted(ref), dtype=np.int64)
    est = estimator or OpinionMap()
    if history_interval is not None and conv.votes is not None:
        events = conv.votes
        est.fit_history([v.voter_id for v in events], [v.comment_id for v in events],
                        [v.vote for v in events], [v.timestamp / 1000 for v in events],
                        interval=history_interval, moderated_out=conv.moderated_out,
                        keep_participants=keep)
    else:
        est.fit(votes, keep_participants=keep)
    polis = _dense_labels(votes.participant_ids, ref)
    labels = _align_labels(votes.participant_ids, est.participant_ids_, est.labels_)
    both = (polis >= 0) & (labels >= 0)
    return Agreement(
        name=name, participants=votes.shape[0],
        statements=int(np.count_nonzero(votes.votes_per_statement())), votes=votes.n_votes,
        polis_groups=len(set(ref.values())), indaba_groups=est.n_groups_,
        compared=int(both.sum()),
        ari=float(adjusted_rand_score(polis[both], labels[both])),
        rep_overlap=rep_overlap(votes, polis, labels),
    )


def _align_labels(ids: IntArray, est_ids: IntArray, labels: IntArray) -> IntArray:
    """The estimator's labels for ``ids`` (-1 where it has no row)."""
    pos = np.minimum(np.searchsorted(est_ids, ids), max(len(est_ids) - 1, 0))
    hit = est_ids[pos] == ids if len(est_ids) else np.zeros(len(ids), dtype=bool)
    return np.where(hit, labels[pos], -1).astype(np.int64)
