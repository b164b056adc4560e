"""The opinion map, step by step, as one pure function.

Theory of operation (Pol.is math worker, ``conversation.clj`` ``small-conv-update``)::

    votes ──► vote matrix (latest vote per pair; hidden statements zeroed)
          ──► PCA on mean-imputed, centred votes (pca.py)
          ──► sparsity-aware projection of every participant to 2-D
          ──► in-conv participants (inclusion.py) ──► 100 base clusters (clusters.py)
          ──► weighted k-means of base clusters for k = 2..max_k, silhouette picks k,
              a smoother holds k until a new best has won ``k_buffer`` times
          ──► group vote counts ──► repness (repness.py), consensus (consensus.py)

``compute`` takes the previous result, if any: the PCA, base clusters and group
clusterings then start from where they were (warm start), admitted participants stay
admitted and the k smoother carries on, as in Pol.is's incremental updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from indaba.consult.clusters import (
    KSmoother,
    best_kmeans,
    clean_start,
    kmeans,
    max_group_count,
    silhouette,
    warm_start_groups,
)
from indaba.consult.consensus import ConsensusStatement, group_aware_consensus, select_consensus
from indaba.consult.inclusion import included_participants
from indaba.consult.matrix import VoteMatrix
from indaba.consult.pca import (
    centre_votes,
    principal_components,
    sparsity_aware_projection,
    statement_projection,
)
from indaba.consult.repness import (
    RepStatement,
    group_vote_counts,
    repness_stats,
    select_rep_statements,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
T = TypeVar("T", bound=np.generic)


@dataclass(frozen=True)
class Params:
    n_components: int = 2
    min_votes: int = 7
    greedy_n: int = 15
    base_k: int = 100
    max_k: int = 5
    base_iters: int = 100
    group_iters: int = 20
    k_buffer: int = 4
    pca_tol: float = 1e-7
    pca_max_iter: int = 500
    pick_max: int = 5
    random_state: int = 0
    n_init: int = 0
    initial_k: int | None = None
    race_fresh_start: bool = True


@dataclass(frozen=True)
class OpinionMapState:
    """Everything one recompute produces; also the warm start of the next."""

    participant_ids: IntArray
    statement_ids: IntArray
    mean: FloatArray
    components: FloatArray
    explained_variance: FloatArray
    projection: FloatArray
    statement_projection: FloatArray
    included: BoolArray
    base_centers: FloatArray
    base_sizes: IntArray
    base_labels: IntArray  # per participant, -1 outside the clustering
    base_ids: IntArray  # per base cluster: its id, kept across updates (warm starts)
    group_of_base: IntArray
    labels: IntArray  # per participant, -1 outside the clustering
    silhouettes: dict[int, float]
    group_clusterings: dict[int, IntArray]  # k -> group of each base cluster
    k_smoother: KSmoother
    repness: list[list[RepStatement]]
    consensus: dict[str, list[ConsensusStatement]]
    group_aware_consensus: FloatArray
    n_iter: dict[str, int] = field(default_factory=dict)
    n_columns: int = 0  # statements with votes, moderated-out ones included
    n_moderated: int = 0  # moderated-out statements among them
    active: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # in the PCA

    @property
    def n_groups(self) -> int:
        return len(self.repness)


def _align(ids_new: IntArray, ids_old: IntArray, values: NDArray[T], fill: object
           ) -> NDArray[T]:
    """Values indexed by ``ids_old`` re-indexed by ``ids_new`` (``fill`` where new)."""
    pos = np.searchsorted(ids_old, ids_new)
    pos = np.minimum(pos, max(len(ids_old) - 1, 0))
    hit = (ids_old[pos] == ids_new) if len(ids_old) else np.zeros(len(ids_new), dtype=bool)
    out = np.full((len(ids_new), *values.shape[1:]), fill, dtype=values.dtype)
    out[hit] = values[pos[hit]]
    return out


def compute(votes: VoteMatrix, params: Params, previous: OpinionMapState | None = None,
            keep_participants: IntArray | None = None) -> OpinionMapState:
    """Recompute the opinion map; ``previous`` warm-starts every iterative step.

    ``keep_participants`` (ids) are admitted to the clustering whatever their vote
    count, as if admitted by an earlier update (Pol.is never drops a participant).
    """
    n_rows, n_cols = votes.shape
    columns = votes.votes_per_statement() > 0
    centred = centre_votes(votes, columns)

    start = None
    if previous is not None:
        start = _align(votes.statement_ids, previous.statement_ids,
                       previous.components.T, 0.0).T
    comps, variance, pca_iter = principal_components(
        centred.matrix, params.n_components, start=start, random_state=params.random_state,
        tol=params.pca_tol, max_iter=params.pca_max_iter,
    )
    proj = sparsity_aware_projection(centred, comps)

    was_in = None if previous is None else _align(
        votes.participant_ids, previous.participant_ids, previous.included, False)
    if keep_participants is not None:
        kept = np.isin(votes.participant_ids, keep_participants)
        was_in = kept if was_in is None else was_in | kept
    included = included_participants(
        votes.votes_per_participant(), int(columns.sum()), min_votes=params.min_votes,
        greedy_n=params.greedy_n, previously_included=was_in)
    rows_in = np.flatnonzero(included)
    points = proj[rows_in]

    init = None
    if previous is not None and len(points):
        old = _align(votes.participant_ids, previous.participant_ids, previous.base_labels, -1)
        init, kept_old = clean_start(points, np.ones(len(points)), old[rows_in], params.base_k)
        # the ids of the start centres: surviving previous clusters, then new ones
        survived = np.unique(old[rows_in][old[rows_in] >= 0])[kept_old]
        next_id = int(previous.base_ids.max()) + 1 if len(previous.base_ids) else 0
        start_ids = np.concatenate([previous.base_ids[survived],
                                    np.arange(next_id, next_id + len(init) - len(survived))])
    n_iter = {"pca": pca_iter}
    base_labels = np.full(n_rows, -1, dtype=np.int64)
    base_ids = np.zeros(0, dtype=np.int64)
    if len(points):
        base = kmeans(points, params.base_k, init=init, max_iter=params.base_iters)
        base_centers, base_labels[rows_in], n_iter["base"] = base.centers, base.labels, base.n_iter
        assert base.origin is not None
        base_ids = base.origin if init is None else start_ids[base.origin]
    else:
        base_centers = np.zeros((0, params.n_components))
    base_sizes = np.bincount(base_labels[rows_in], minlength=len(base_centers)).astype(np.int64)
    weights = base_sizes.astype(np.float64)

    clusterings: dict[int, IntArray] = {}
    silhouettes: dict[int, float] = {}
    group_ks = range(2, max_group_count(len(base_centers), params.max_k) + 1)
    for k in group_ks if len(base_centers) else ():
        warm = None
        if previous is not None and k in previous.group_clusterings:
            before = _align(base_ids, previous.base_ids, previous.group_clusterings[k], -1)
            warm = warm_start_groups(base_centers, weights, before, k)
        if warm is not None and not params.race_fresh_start:
            res = kmeans(base_centers, k, weights=weights, init=warm,
                         max_iter=params.group_iters)
        else:
            res = best_kmeans(base_centers, k, weights=weights, init=warm,
                              n_init=params.n_init, random_state=params.random_state,
                              max_iter=params.group_iters)
        clusterings[k] = res.labels
        silhouettes[k] = silhouette(base_centers, res.labels)
        n_iter[f"groups_k{k}"] = res.n_iter
    if previous is not None:
        smoother = previous.k_smoother
    elif params.initial_k is not None:  # as after Pol.is's first updates, where k = 2
        smoother = KSmoother(params.initial_k, 1, params.initial_k)
    else:
        smoother = KSmoother()
    if silhouettes:
        # ties go to the larger k, as Clojure's max-key returns the last maximum
        this_k = max(silhouettes, key=lambda k: (silhouettes[k], k))
        smoother = smoother.update(this_k, params.k_buffer)
        k_use = smoother.smoothed_k if smoother.smoothed_k in clusterings else this_k
        group_of_base = clusterings[k_use]
    else:
        group_of_base = np.zeros(len(base_centers), dtype=np.int64)
    n_groups = int(group_of_base.max()) + 1 if len(group_of_base) else 0
    labels = np.where(base_labels >= 0, group_of_base[np.maximum(base_labels, 0)]
                      if len(group_of_base) else -1, -1).astype(np.int64)

    counts = group_vote_counts(votes.indptr, votes.indices, votes.votes, labels, n_groups,
                               n_cols)
    eligible = columns & ~votes.moderated_out
    repness = select_rep_statements(repness_stats(counts), votes.statement_ids, eligible,
                                    params.pick_max) if n_groups else []
    consensus = select_consensus(*votes.column_counts, votes.statement_ids, eligible,
                                 params.pick_max)
    return OpinionMapState(
        participant_ids=votes.participant_ids, statement_ids=votes.statement_ids,
        mean=centred.mean, components=comps, explained_variance=variance / max(n_rows, 1),
        projection=proj,
        statement_projection=statement_projection(centred.mean, comps, centred.n_columns),
        included=included, base_centers=base_centers, base_sizes=base_sizes,
        base_labels=base_labels, base_ids=base_ids, group_of_base=group_of_base, labels=labels,
        silhouettes=silhouettes, group_clusterings=clusterings, k_smoother=smoother,
        repness=repness, consensus=consensus,
        group_aware_consensus=group_aware_consensus(counts) if n_groups else
        np.ones(n_cols), n_iter=n_iter, n_columns=centred.n_columns,
        n_moderated=int(np.count_nonzero(columns & votes.moderated_out)), active=eligible,
    )
