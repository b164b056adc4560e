"""The sparse vote matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from indaba.consult.matrix import VoteMatrix


def test_latest_vote_wins_by_timestamp() -> None:
    m = VoteMatrix.from_votes([1, 1, 2], [10, 10, 10], [1, -1, 0], timestamp=[5, 3, 1])
    assert m.to_dense().tolist() == [[1.0], [0.0]]


def test_same_timestamp_keeps_the_later_event() -> None:
    m = VoteMatrix.from_votes([1, 1], [10, 10], [1, -1], timestamp=[5, 5])
    assert m.to_dense().tolist() == [[-1.0]]


def test_passes_are_stored_and_unseen_is_nan() -> None:
    m = VoteMatrix.from_votes([1, 2], [10, 11], [0, 1])
    dense = m.to_dense()
    assert dense[0, 0] == 0 and np.isnan(dense[0, 1])
    assert m.votes_per_participant().tolist() == [1, 1]
    assert m.csr().nnz == 2  # the pass is an explicit zero


def test_moderation_flags_statements() -> None:
    m = VoteMatrix.from_votes([1, 2], [10, 11], [1, 1], moderated_out={11, 99})
    assert m.moderated_out.tolist() == [False, True]
    assert m.with_moderation([10]).moderated_out.tolist() == [True, False]


def test_statement_ids_may_include_unvoted_statements() -> None:
    m = VoteMatrix.from_votes([1], [10], [1], statement_ids=[10, 11, 12])
    assert m.shape == (1, 3)
    assert m.votes_per_statement().tolist() == [1, 0, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"participant": [1], "statement": [1], "vote": [2]},
         "votes must be -1 (disagree), 0 (pass) or 1 (agree)."),
        ({"participant": [1, 2], "statement": [1], "vote": [1]},
         "participant, statement and vote must be 1-D arrays of one length."),
        ({"participant": [1], "statement": [5], "vote": [1], "statement_ids": [1, 2]},
         "a vote refers to a statement missing from statement_ids."),
    ],
)
def test_bad_votes_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as err:
        VoteMatrix.from_votes(**kwargs)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_inconsistent_csr_is_refused() -> None:
    with pytest.raises(ValueError, match="indptr, indices and votes disagree"):
        VoteMatrix(np.arange(1), np.arange(2), np.array([0, 2]), np.array([0], dtype=np.int32),
                   np.array([1], dtype=np.int8))


cells = st.sampled_from([np.nan, -1.0, 0.0, 1.0])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 8)), elements=cells))
def test_dense_round_trip(dense: np.ndarray) -> None:  # type: ignore[type-arg]
    m = VoteMatrix.from_dense(dense)
    voted_rows = ~np.all(np.isnan(dense), axis=1)
    np.testing.assert_array_equal(m.to_dense(), dense[voted_rows])
    assert m.n_votes == int(np.sum(~np.isnan(dense)))


@pytest.mark.parametrize("offset", [0, 10**12])  # dense ids (lookup table) and sparse ids (sort)
def test_unordered_events_give_the_ordered_matrix(offset: int) -> None:
    rng = np.random.default_rng(3)
    p = rng.integers(0, 40, 500) + offset
    s = rng.integers(0, 30, 500)
    v = rng.integers(-1, 2, 500)
    reference = VoteMatrix.from_votes(p, s, v, timestamp=np.arange(500))  # lexsort path
    m = VoteMatrix.from_votes(p, s, v)  # later events win by their order: packed sort
    for name in ("participant_ids", "statement_ids", "indptr", "indices", "votes"):
        np.testing.assert_array_equal(getattr(m, name), getattr(reference, name))


def test_events_in_matrix_order_skip_the_sort_and_match_it() -> None:
    dense = np.array([[1.0, np.nan, 0.0], [np.nan, -1.0, 1.0]])
    m = VoteMatrix.from_dense(dense)
    rows, cols = m.row_of(), m.indices
    again = VoteMatrix.from_votes(rows, cols, m.votes)
    np.testing.assert_array_equal(again.to_dense(), dense)
    shuffled = VoteMatrix.from_votes(rows[::-1], cols[::-1], m.votes[::-1])
    np.testing.assert_array_equal(shuffled.to_dense(), dense)
