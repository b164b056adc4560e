"""The estimator: contract, planted groups, determinism, incremental updates."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from indaba.consult import OpinionMap, VoteMatrix
from indaba.consult.synthetic import planted_conversation


@pytest.fixture(scope="module")
def planted() -> tuple[VoteMatrix, np.ndarray]:  # type: ignore[type-arg]
    return planted_conversation(900, 60, n_groups=3, votes_per_participant=30, agreement=0.9,
                                random_state=4)


def test_init_stores_parameters_only() -> None:
    est = OpinionMap(base_k=50, random_state=3)
    assert est.get_params()["base_k"] == 50
    assert not [k for k in vars(est) if k.endswith("_")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_k": 0}, "base_k must be a positive integer, got 0."),
        ({"n_components": 1.5}, "n_components must be a positive integer, got 1.5."),
        ({"max_k": 1}, "max_k must be an integer of at least 2, got 1."),
        ({"random_state": -1}, "random_state must be a non-negative integer, got -1."),
        ({"pca_tol": 2.0}, "pca_tol must be a float between 0 and 1, got 2.0."),
        ({"initial_k": 6}, "initial_k must be None or an integer from 2 to max_k, got 6."),
    ],
)
def test_parameter_errors_are_one_sentence(kwargs: dict[str, object], message: str,
                                           planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError) as err:
        OpinionMap(**kwargs).fit(planted[0])  # type: ignore[arg-type]
    assert str(err.value) == message


def test_fit_returns_self_and_recovers_planted_groups(
        planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    votes, truth = planted
    est = OpinionMap()
    assert est.fit(votes) is est
    assert est.n_groups_ == 3
    inside = est.labels_ >= 0
    assert inside.all()
    assert adjusted_rand_score(truth, est.labels_) == 1.0
    assert est.projection_.shape == (900, 2)
    assert est.components_.shape == (2, 60)
    assert len(est.repness_) == 3 and all(est.repness_)
    assert est.group_aware_consensus_.shape == (60,)


def test_same_seed_same_map(planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    a = OpinionMap(random_state=7).fit(planted[0])
    b = OpinionMap(random_state=7).fit(planted[0])
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.projection_, b.projection_)


def test_partial_fit_reaches_the_same_groups_for_less_work(
        planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    votes, _ = planted
    rows = votes.row_of()
    order = np.random.default_rng(0).permutation(votes.n_votes)
    early = np.sort(order[: int(0.8 * votes.n_votes)])
    first = VoteMatrix.from_votes(votes.participant_ids[rows[early]],
                                  votes.statement_ids[votes.indices[early]], votes.votes[early])
    incremental = OpinionMap().fit(first).partial_fit(votes)
    scratch = OpinionMap().fit(votes)
    np.testing.assert_array_equal(incremental.participant_ids_, scratch.participant_ids_)
    assert adjusted_rand_score(scratch.labels_, incremental.labels_) == 1.0
    assert incremental.n_iter_["pca"] < scratch.n_iter_["pca"]
    assert incremental.n_iter_["base"] <= OpinionMap().base_iters


def test_moderated_statements_leave_the_map(planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    votes, _ = planted
    hidden = votes.with_moderation([0, 1, 2])
    est = OpinionMap().fit(hidden)
    np.testing.assert_allclose(est.components_[:, :3], 0.0, atol=1e-12)
    assert all(r.statement_id not in (0, 1, 2) for g in est.repness_ for r in g)
    assert all(s.statement_id not in (0, 1, 2) for v in est.consensus_.values() for s in v)


def test_votes_must_be_a_vote_matrix() -> None:
    with pytest.raises(TypeError, match=r"votes must be a VoteMatrix, got list\."):
        OpinionMap().fit([[1, 0]])  # type: ignore[arg-type]


def test_tiny_conversation_does_not_break() -> None:
    votes = VoteMatrix.from_dense([[1, -1], [1, np.nan], [-1, 1]])
    est = OpinionMap().fit(votes)
    assert est.included_.all()
    assert est.n_groups_ >= 1


def test_empty_conversation_has_no_groups() -> None:
    est = OpinionMap().fit(VoteMatrix.from_votes([], [], []))
    assert est.n_groups_ == 0 and est.repness_ == []
    assert est.consensus_ == {"agree": [], "disagree": []}


def test_initial_k_holds_until_another_k_wins_k_buffer_updates(
        planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    votes, _ = planted
    est = OpinionMap(initial_k=2).fit(votes)
    assert est.n_groups_ == 2 and est.k_smoother_.last_k == 3
    for _ in range(2):
        assert est.partial_fit(votes).n_groups_ == 2
    assert est.partial_fit(votes).n_groups_ == 3  # the fourth win in a row


def test_partial_fit_accepts_new_participants_and_statements(
        planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    votes, _ = planted
    rows = votes.row_of()
    old = (rows < 600) & (votes.indices < 50)
    first = VoteMatrix.from_votes(votes.participant_ids[rows[old]],
                                  votes.statement_ids[votes.indices[old]], votes.votes[old])
    # restarts keep the first fit out of a poor k = 3 optimum that warm starts would keep
    est = OpinionMap(n_init=5).fit(first)
    assert est.projection_.shape == (600, 2) and est.components_.shape == (2, 50)
    est.partial_fit(votes)
    assert est.projection_.shape == (900, 2) and est.components_.shape == (2, 60)
    scratch = OpinionMap(n_init=5).fit(votes)
    assert adjusted_rand_score(scratch.labels_, est.labels_) == 1.0


def test_project_places_a_voter_where_fit_did(planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    votes = planted[0].with_moderation([5])
    est = OpinionMap().fit(votes)
    for row in (0, 17, 899):
        lo, hi = votes.indptr[row], votes.indptr[row + 1]
        got = est.project(votes.statement_ids[votes.indices[lo:hi]], votes.votes[lo:hi])
        np.testing.assert_allclose(got, est.projection_[row], atol=1e-9)
    assert est.project([12345], [1]).tolist() == [0.0, 0.0]  # unknown statement


def _events(votes: VoteMatrix, seed: int = 0) -> tuple[np.ndarray, ...]:  # type: ignore[type-arg]
    """The votes as events with timestamps: 12 bursts of votes, minutes apart."""
    rows = votes.row_of()
    when = np.random.default_rng(seed).integers(0, 12, votes.n_votes) * 600.0
    when += np.random.default_rng(seed + 1).random(votes.n_votes)  # within a burst
    return (votes.participant_ids[rows], votes.statement_ids[votes.indices],
            votes.votes.astype(np.int64), when)


def test_fit_history_is_one_partial_fit_per_burst_of_votes(
        planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    p, s, v, t = _events(planted[0])
    replayed = OpinionMap(race_fresh_start=False).fit_history(p, s, v, t, interval=60.0)
    assert replayed.n_updates_ == 12
    by_hand = OpinionMap(race_fresh_start=False)
    for burst in range(12):
        seen = t < (burst + 1) * 600.0
        by_hand.partial_fit(VoteMatrix.from_votes(p[seen], s[seen], v[seen], timestamp=t[seen]))
    np.testing.assert_array_equal(replayed.labels_, by_hand.labels_)
    np.testing.assert_array_equal(replayed.projection_, by_hand.projection_)
    assert replayed.n_groups_ == 3


def test_fit_history_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match=r"interval must be a non-negative number of seconds, "
                                         r"got -1\.0\."):
        OpinionMap().fit_history([1], [1], [1], [0.0], interval=-1.0)
    with pytest.raises(ValueError, match=r"must be non-empty 1-D arrays of one length\."):
        OpinionMap().fit_history([1, 2], [1], [1], [0.0])


def test_base_cluster_ids_survive_an_update(planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    votes, _ = planted
    est = OpinionMap().fit(votes)
    before = est.state_.base_ids.copy()
    est.partial_fit(votes)
    np.testing.assert_array_equal(est.state_.base_ids, before)


def test_group_warm_start_follows_members_not_coordinates(
        planted: tuple[VoteMatrix, np.ndarray]) -> None:  # type: ignore[type-arg]
    # swapping agree and disagree mirrors the map (same components, negated positions):
    # groups warm-started from their member base clusters are already converged there,
    # whereas the old centres (coordinates of the unmirrored map) would be far off
    votes, _ = planted
    mirrored = VoteMatrix(votes.participant_ids, votes.statement_ids, votes.indptr,
                          votes.indices, (-votes.votes).astype(np.int8))
    est = OpinionMap(race_fresh_start=False).fit(votes)
    labels, base = est.labels_.copy(), est.base_centers_.copy()
    est.partial_fit(mirrored)
    np.testing.assert_allclose(est.base_centers_, -base, atol=1e-9)
    assert adjusted_rand_score(labels, est.labels_) == 1.0
    assert all(est.n_iter_[f"groups_k{k}"] == 1 for k in range(2, 6))
