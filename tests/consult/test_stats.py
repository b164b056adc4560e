"""Pol.is's significance tests."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from indaba.consult.stats import prop_test, two_prop_test, z_sig_90


def test_prop_test_matches_polis_formula() -> None:
    # (prop-test 8 10) = 2 sqrt(11) (9/11 - 1/2)
    assert math.isclose(float(prop_test(8, 10)), 2 * math.sqrt(11) * (9 / 11 - 0.5))
    assert float(prop_test(0, 0)) == 1.0  # pseudocounts: (0+1)/(0+1)


def test_two_prop_test_matches_polis_formula() -> None:
    s1, s2, n1, n2 = 9, 3, 11, 21  # counts after the +1 pseudocount
    p1, p2, p = s1 / n1, s2 / n2, (s1 + s2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    assert math.isclose(float(two_prop_test(8, 2, 10, 20)), z)


def test_two_prop_test_is_zero_when_everyone_succeeds() -> None:
    assert float(two_prop_test(5, 5, 5, 5)) == 0.0


def test_significance_threshold() -> None:
    assert z_sig_90(np.array([1.2816, 1.29])).tolist() == [False, True]


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_two_prop_test_is_antisymmetric(a: int, b: int, extra_a: int, extra_b: int) -> None:
    n1, n2 = a + extra_a, b + extra_b
    assert math.isclose(float(two_prop_test(a, b, n1, n2)), -float(two_prop_test(b, a, n2, n1)),
                        abs_tol=1e-12)
