"""Significance tests of Pol.is (``math/stats.clj``), vectorised.

Both tests add a pseudocount of 1 to every count before testing, as Pol.is does.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

Z_90 = 1.2816
Z_95 = 1.6449


def prop_test(successes: ArrayLike, trials: ArrayLike) -> FloatArray:
    """One-proportion z-test against 1/2: ``2 sqrt(n+1) ((s+1)/(n+1) - 1/2)``."""
    s = np.asarray(successes, dtype=np.float64) + 1
    n = np.asarray(trials, dtype=np.float64) + 1
    return np.asarray(2 * np.sqrt(n) * (s / n - 0.5))


def two_prop_test(
    succ_in: ArrayLike, succ_out: ArrayLike, pop_in: ArrayLike, pop_out: ArrayLike
) -> FloatArray:
    """Two-proportion z-test of "in" above "out", every count plus one; 0 when pooled p is 1."""
    s1 = np.asarray(succ_in, dtype=np.float64) + 1
    s2 = np.asarray(succ_out, dtype=np.float64) + 1
    n1 = np.asarray(pop_in, dtype=np.float64) + 1
    n2 = np.asarray(pop_out, dtype=np.float64) + 1
    p_hat = (s1 + s2) / (n1 + n2)
    var = p_hat * (1 - p_hat) * (1 / n1 + 1 / n2)
    safe = var > 0
    z = np.where(safe, (s1 / n1 - s2 / n2) / np.sqrt(np.where(safe, var, 1.0)), 0.0)
    return np.asarray(z)


def z_sig_90(z: ArrayLike) -> NDArray[np.bool_]:
    """One-sided significance at 90 %."""
    return np.asarray(np.asarray(z) > Z_90)
