"""Synthetic conversations with planted opinion groups (tests and benchmarks)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from indaba.consult.matrix import VoteMatrix


def planted_conversation(
    n_participants: int,
    n_statements: int,
    *,
    n_groups: int = 3,
    votes_per_participant: int = 50,
    agreement: float = 0.8,
    pass_rate: float = 0.1,
    random_state: int = 0,
) -> tuple[VoteMatrix, NDArray[np.int64]]:
    """A vote matrix and each participant's planted group.

    Each group holds a random opinion (+1/-1) on every statement; a member votes it
    with probability ``agreement``, passes with ``pass_rate``, else votes against it.
    Every participant sees ``votes_per_participant`` random statements (fewer after
    removing repeats).  Built directly in CSR form, so 1M × 10k is cheap.
    """
    rng = np.random.default_rng(random_state)
    groups = rng.integers(0, n_groups, size=n_participants)
    opinion = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n_groups, n_statements))
    k = min(votes_per_participant, n_statements)
    seen = np.sort(rng.integers(0, n_statements, size=(n_participants, k), dtype=np.int32),
                   axis=1)
    fresh = np.ones_like(seen, dtype=bool)
    fresh[:, 1:] = seen[:, 1:] != seen[:, :-1]
    counts = fresh.sum(axis=1)
    cols = seen[fresh]
    del seen
    rows = np.repeat(np.arange(n_participants), counts)
    held = opinion[groups[rows], cols]
    u = rng.random(len(cols), dtype=np.float32)
    votes = np.where(u < agreement, held, np.where(u < agreement + pass_rate, 0, -held))
    indptr = np.zeros(n_participants + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    matrix = VoteMatrix(
        np.arange(n_participants, dtype=np.int64), np.arange(n_statements, dtype=np.int64),
        indptr, cols.astype(np.int32), votes.astype(np.int8))
    return matrix, groups.astype(np.int64)
