"""Pol.is's participant-inclusion rule."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from indaba.consult.inclusion import included_participants, inclusion_threshold


def test_threshold_is_seven_or_all_statements() -> None:
    assert inclusion_threshold(100) == 7
    assert inclusion_threshold(4) == 4


def test_participants_with_enough_votes_are_in() -> None:
    counts = np.array([7] * 20 + [6, 1])
    assert included_participants(counts, 50).tolist() == [True] * 20 + [False, False]


def test_fewer_than_fifteen_fills_with_the_most_active() -> None:
    counts = np.array([9, 1, 3, 2, 8, 0] + [1] * 12)
    got = included_participants(counts, 50)
    assert got.sum() == 15
    assert got[[0, 4, 2, 3]].all() and not got[5]


def test_once_in_stays_in() -> None:
    counts = np.array([1] + [10] * 20)
    before = np.zeros(21, dtype=bool)
    before[0] = True
    assert included_participants(counts, 50, previously_included=before)[0]
    assert not included_participants(counts, 50)[0]


@given(st.lists(st.integers(0, 30), min_size=1, max_size=60), st.integers(1, 40))
def test_rule_properties(counts: list[int], n_statements: int) -> None:
    c = np.array(counts)
    got = included_participants(c, n_statements)
    threshold = inclusion_threshold(n_statements)
    assert np.all(got[c >= max(threshold, 1)])
    assert not np.any(got[c == 0])
    assert got.sum() >= min(15, int(np.count_nonzero(c)))
