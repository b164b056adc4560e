"""``OpinionMap``: the Pol.is opinion map as a scikit-learn-style estimator.

``fit(votes)`` recomputes from scratch; ``partial_fit(votes)`` takes the updated vote
matrix (all votes so far) and warm-starts from the previous fit, as Pol.is's math
worker does on every update.  The math lives in :mod:`indaba.consult.pipeline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from indaba.consult.clusters import KSmoother
from indaba.consult.consensus import ConsensusStatement
from indaba.consult.matrix import VoteMatrix
from indaba.consult.pipeline import OpinionMapState, Params, compute
from indaba.consult.repness import RepStatement

_POSITIVE = ("n_components", "min_votes", "base_k", "base_iters", "group_iters", "k_buffer",
             "pca_max_iter", "pick_max")


class OpinionMap:
    """Opinion groups, representative and consensus statements from votes.

    Parameters follow Pol.is's names (``conversation.clj`` options): ``base_k`` base
    clusters, ``max_k`` groups at most, ``base_iters``/``group_iters`` k-means steps,
    ``k_buffer`` updates a new k must win in a row, ``min_votes`` and ``greedy_n`` for
    inclusion, ``pick_max`` statements per list; ``n_init`` adds k-means++ restarts to
    the group step (0, Pol.is's single start, by default); ``initial_k`` starts the
    k smoother as a Pol.is conversation starts, holding that k until another wins
    ``k_buffer`` updates in a row (None: the first fit takes the best k); ``random_state``
    seeds the PCA start vectors and restarts.

    Learned attributes: ``participant_ids_``, ``statement_ids_``, ``mean_``,
    ``components_``, ``explained_variance_``, ``projection_`` (participants × 2),
    ``statement_projection_``, ``included_``, ``base_centers_``, ``base_labels_``,
    ``labels_`` (group per participant, -1 outside the clustering), ``n_groups_``,
    ``silhouettes_``, ``repness_``, ``consensus_``, ``group_aware_consensus_``,
    ``n_iter_``, ``state_`` (everything, for a warm start).
    """

    def __init__(
        self,
        *,
        n_components: int = 2,
        min_votes: int = 7,
        greedy_n: int = 15,
        base_k: int = 100,
        max_k: int = 5,
        base_iters: int = 100,
        group_iters: int = 20,
        k_buffer: int = 4,
        pca_tol: float = 1e-7,
        pca_max_iter: int = 500,
        pick_max: int = 5,
        n_init: int = 0,
        initial_k: int | None = None,
        race_fresh_start: bool = True,
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.min_votes = min_votes
        self.greedy_n = greedy_n
        self.base_k = base_k
        self.max_k = max_k
        self.base_iters = base_iters
        self.group_iters = group_iters
        self.k_buffer = k_buffer
        self.pca_tol = pca_tol
        self.pca_max_iter = pca_max_iter
        self.pick_max = pick_max
        self.n_init = n_init
        self.initial_k = initial_k
        self.race_fresh_start = race_fresh_start
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in Params.__dataclass_fields__
                if hasattr(self, name)}

    def _params(self) -> Params:
        for name in _POSITIVE:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        for name in ("greedy_n", "n_init", "random_state"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
        if not isinstance(self.max_k, int) or self.max_k < 2:
            raise ValueError(f"max_k must be an integer of at least 2, got {self.max_k!r}.")
        if not isinstance(self.pca_tol, float) or not 0 < self.pca_tol < 1:
            raise ValueError(f"pca_tol must be a float between 0 and 1, got {self.pca_tol!r}.")
        if not isinstance(self.race_fresh_start, bool):
            raise ValueError(f"race_fresh_start must be True or False, got "
                             f"{self.race_fresh_start!r}.")
        k0 = self.initial_k
        if k0 is not None and (not isinstance(k0, int) or not 2 <= k0 <= self.max_k):
            raise ValueError(f"initial_k must be None or an integer from 2 to max_k, got {k0!r}.")
        return Params(**self.get_params())

    def fit(self, votes: VoteMatrix, keep_participants: NDArray[np.int64] | None = None
            ) -> OpinionMap:
        """Recompute from scratch; ``keep_participants`` (ids) join the clustering regardless."""
        return self._set(compute(self._checked(votes), self._params(), None, keep_participants))

    def partial_fit(self, votes: VoteMatrix, keep_participants: NDArray[np.int64] | None = None
                    ) -> OpinionMap:
        """Update with the current votes, warm-started from the previous fit."""
        previous = getattr(self, "state_", None)
        return self._set(compute(self._checked(votes), self._params(), previous,
                                 keep_participants))

    def fit_history(
        self,
        participant: ArrayLike,
        statement: ArrayLike,
        vote: ArrayLike,
        timestamp: ArrayLike,
        *,
        interval: float = 60.0,
        moderated_out: Iterable[int] = (),
        keep_participants: NDArray[np.int64] | None = None,
    ) -> OpinionMap:
        """Recompute as a live conversation would have been computed, from its vote events.

        The events are replayed in time order: every burst of votes (events closer than
        ``interval`` seconds to the previous one; ``timestamp`` in seconds) is one update,
        ``fit`` on the first and ``partial_fit`` on each next, as Pol.is's math worker
        updates a conversation while people vote.  The result is the state after the last
        update; ``n_updates_`` counts the updates.  Admissions, warm starts and the k
        smoother carry over between updates exactly as in live use.
        """
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval < 0:
            raise ValueError(
                f"interval must be a non-negative number of seconds, got {interval!r}.")
        p = np.asarray(participant, dtype=np.int64)
        s = np.asarray(statement, dtype=np.int64)
        v = np.asarray(vote, dtype=np.int64)
        t = np.asarray(timestamp, dtype=np.float64)
        if not (p.shape == s.shape == v.shape == t.shape) or p.ndim != 1 or not len(p):
            raise ValueError("participant, statement, vote and timestamp must be non-empty 1-D "
                             "arrays of one length.")
        order = np.argsort(t, kind="stable")
        p, s, v, t = p[order], s[order], v[order], t[order]
        ends = np.append(np.flatnonzero(np.diff(t) > interval) + 1, len(t))
        hidden = list(moderated_out)
        self._params()  # refuse bad parameters before the first update
        if hasattr(self, "state_"):
            del self.state_
        for end in ends.tolist():
            votes = VoteMatrix.from_votes(p[:end], s[:end], v[:end], timestamp=t[:end],
                                          moderated_out=hidden)
            self.partial_fit(votes, keep_participants)
        self.n_updates_ = len(ends)
        return self

    def project(self, statement_ids: ArrayLike, votes: ArrayLike) -> NDArray[np.float64]:
        """Map position of one participant's votes, without refitting (e.g. a new voter)."""
        state: OpinionMapState = self.state_
        sids = np.asarray(statement_ids, dtype=np.int64)
        vals = np.asarray(votes, dtype=np.float64)
        pos = np.searchsorted(state.statement_ids, sids)
        pos = np.minimum(pos, max(len(state.statement_ids) - 1, 0))
        known = (state.statement_ids[pos] == sids) if len(sids) else np.zeros(0, bool)
        pos, vals = pos[known], vals[known]
        pos, vals = pos[state.active[pos]], vals[state.active[pos]]
        raw = state.components[:, pos] @ (vals - state.mean[pos])
        n_votes = len(pos) + state.n_moderated  # Pol.is: moderated-out cells count as votes
        return np.asarray(raw * np.sqrt(state.n_columns / max(n_votes, 1)), dtype=np.float64)

    @staticmethod
    def _checked(votes: VoteMatrix) -> VoteMatrix:
        if not isinstance(votes, VoteMatrix):
            raise TypeError(f"votes must be a VoteMatrix, got {type(votes).__name__}.")
        return votes

    def _set(self, state: OpinionMapState) -> OpinionMap:
        self.state_ = state
        self.participant_ids_ = state.participant_ids
        self.statement_ids_ = state.statement_ids
        self.mean_ = state.mean
        self.components_ = state.components
        self.explained_variance_ = state.explained_variance
        self.projection_ = state.projection
        self.statement_projection_ = state.statement_projection
        self.included_ = state.included
        self.base_centers_ = state.base_centers
        self.base_labels_ = state.base_labels
        self.labels_ = state.labels
        self.n_groups_ = state.n_groups
        self.silhouettes_ = state.silhouettes
        self.k_smoother_: KSmoother = state.k_smoother
        self.repness_: list[list[RepStatement]] = state.repness
        self.consensus_: dict[str, list[ConsensusStatement]] = state.consensus
        self.group_aware_consensus_ = state.group_aware_consensus
        self.n_iter_ = state.n_iter
        return self
