"""Which participants the clustering considers (Pol.is ``:in-conv``).

Pol.is (``conversation.clj``, ``:in-conv``) admits a participant once they have voted
on at least ``min(7, n_statements)`` statements, counting every vote in the raw
matrix (passes and votes on moderated-out statements included).  If fewer than 15
participants qualify, the most active others are added until there are 15.  Once
admitted, a participant stays admitted across updates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

BoolArray = NDArray[np.bool_]


def inclusion_threshold(n_statements: int, min_votes: int = 7) -> int:
    """Votes needed to be clustered: ``min(min_votes, n_statements)``."""
    return min(min_votes, n_statements)


def included_participants(
    vote_counts: NDArray[np.int64],
    n_statements: int,
    *,
    min_votes: int = 7,
    greedy_n: int = 15,
    previously_included: BoolArray | None = None,
) -> BoolArray:
    """Mask of participants in the clustering, by Pol.is's rule.

    ``vote_counts`` holds each participant's number of votes; ``previously_included``
    (same length) keeps earlier admissions, as Pol.is never drops a participant.
    """
    counts = np.asarray(vote_counts)
    included = counts >= inclusion_threshold(n_statements, min_votes)
    included &= counts > 0
    if previously_included is not None:
        included |= previously_included
    missing = greedy_n - int(included.sum())
    if missing > 0:
        candidates = np.flatnonzero(~included & (counts > 0))
        # most votes first; ties by row order (stable sort)
        order = candidates[np.argsort(-counts[candidates], kind="stable")]
        included[order[:missing]] = True
    return included
