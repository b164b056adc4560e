"""Consensus statements (Pol.is ``repness.clj`` and ``conversation.clj``).

*Group-informed consensus* of a statement is the product over groups of the
probability that a member agrees, with a +1/+2 prior (``:group-aware-consensus``)::

    gac_j = prod_g (A_gj + 1) / (S_gj + 2)

It is high only when every group agrees, however small.  The plain *consensus*
lists (``select-consensus-comments``) take, over all participants, the statements
with p_agree > 1/2 and a significant one-proportion test, ranked by
``p_agree * z``, five each for agree and disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from indaba.consult.repness import GroupVoteCounts
from indaba.consult.stats import prop_test, z_sig_90

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def group_aware_consensus(counts: GroupVoteCounts, *, for_disagree: bool = False) -> FloatArray:
    """Product over groups of (A+1)/(S+2) (or of disagrees), per statement."""
    hits = counts.disagree if for_disagree else counts.agree
    return np.asarray(np.prod((hits + 1.0) / (counts.seen + 2.0), axis=0))


@dataclass(frozen=True)
class ConsensusStatement:
    statement_id: int
    n_success: int
    n_trials: int
    p_success: float
    p_test: float


def select_consensus(
    agree: IntArray,
    disagree: IntArray,
    seen: IntArray,
    statement_ids: IntArray,
    eligible: NDArray[np.bool_],
    pick_max: int = 5,
) -> dict[str, list[ConsensusStatement]]:
    """Top statements all participants agree (or disagree) on, by p * z."""
    out: dict[str, list[ConsensusStatement]] = {}
    for name, hits in (("agree", agree), ("disagree", disagree)):
        p = (1.0 + hits) / (2.0 + seen)
        z = prop_test(hits, seen)
        ok = np.flatnonzero(eligible & (p > 0.5) & z_sig_90(z))
        ranked = ok[np.argsort(-(p[ok] * z[ok]), kind="stable")][:pick_max]
        out[name] = [
            ConsensusStatement(
                int(statement_ids[j]), int(hits[j]), int(seen[j]), float(p[j]), float(z[j])
            )
            for j in ranked
        ]
    return out
