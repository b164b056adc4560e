"""Pol.is k-means, silhouette and the k smoother."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import silhouette_score

from indaba.consult.clusters import (
    KSmoother,
    best_kmeans,
    first_distinct,
    kmeans,
    max_group_count,
    silhouette,
    warm_start_centers,
    warm_start_groups,
)


def _blobs(seed: int = 0, n: int = 300) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return centres[truth] + rng.normal(scale=0.5, size=(n, 2)), truth


def test_first_distinct_keeps_order() -> None:
    pts = np.array([[1.0, 1], [1, 1], [0, 0], [2, 2]])
    assert first_distinct(pts, 2).tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_kmeans_separates_blobs() -> None:
    pts, truth = _blobs()
    res = best_kmeans(pts, 3, n_init=5)
    assert len(res.centers) == 3
    # a perfect partition up to relabelling
    pairs = {(int(a), int(b)) for a, b in zip(truth, res.labels, strict=True)}
    assert len(pairs) == 3


def test_weights_pull_the_centre() -> None:
    pts = np.array([[0.0, 0.0], [1.0, 0.0]])
    res = kmeans(pts, 1, weights=np.array([3.0, 1.0]))
    np.testing.assert_allclose(res.centers, [[0.25, 0.0]])


def test_empty_clusters_are_dropped() -> None:
    pts = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0]])
    res = kmeans(pts, 3, init=np.array([[0.0, 0.0], [10.0, 0.0], [50.0, 50.0]]))
    assert len(res.centers) == 2


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 1000), st.integers(2, 5))
def test_silhouette_matches_sklearn_without_singletons(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(40, 2))
    labels = np.repeat(np.arange(k), 40 // k + 1)[:40]
    rng.shuffle(labels)
    assert np.isclose(silhouette(pts, labels), silhouette_score(pts, labels))


def test_singleton_scores_zero() -> None:
    pts = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    labels = np.array([0, 0, 1])
    b0, b1 = float(np.hypot(5, 5)), float(np.hypot(5, 4))
    expected = ((b0 - 1) / b0 + (b1 - 1) / b1 + 0.0) / 3
    assert np.isclose(silhouette(pts, labels), expected)


def test_max_group_count() -> None:
    assert max_group_count(11) == 2
    assert max_group_count(12) == 3
    assert max_group_count(100) == 5


def test_smoother_waits_for_four_wins_in_a_row() -> None:
    s = KSmoother().update(2, 4)
    assert s.smoothed_k == 2
    for _ in range(3):
        s = s.update(3, 4)
        assert s.smoothed_k == 2
    s = s.update(3, 4)
    assert s.smoothed_k == 3
    s = s.update(2, 4).update(3, 4)
    assert s.smoothed_k == 3 and s.last_k_count == 1


def test_warm_start_recentres_previous_members() -> None:
    pts, truth = _blobs(1)
    moved = pts + 0.3
    centers = warm_start_centers(moved, truth.astype(np.int64), 3)
    for g in range(3):
        assert np.min(np.linalg.norm(centers - moved[truth == g].mean(0), axis=1)) < 1e-9


def test_warm_start_opens_clusters_at_distal_points() -> None:
    pts = np.array([[0.0, 0.0], [0.1, 0.0], [9.0, 9.0]])
    centers = warm_start_centers(pts, np.array([0, 0, -1]), 2)
    assert len(centers) == 2 and [9.0, 9.0] in centers.tolist()


def test_kmeans_reports_which_start_centre_each_cluster_grew_from() -> None:
    pts = np.array([[0.0, 0.0], [0.1, 0.0], [9.0, 9.0]])
    res = kmeans(pts, 3, init=np.array([[0.0, 0.0], [50.0, 50.0], [9.0, 9.0]]))
    assert res.origin is not None and res.origin.tolist() == [0, 2]  # the empty one dropped


def test_warm_start_groups_recentre_on_member_base_clusters() -> None:
    base = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0], [5.0, 5.0]])
    sizes = np.array([1.0, 3.0, 2.0, 2.0, 1.0])
    # the last base cluster is new: it belongs to no previous group and moves no centre
    centers = warm_start_groups(base, sizes, np.array([1, 1, 0, 0, -1]), 2)
    assert centers.tolist() == [[10.5, 0.0], [0.75, 0.0]]


def test_warm_start_groups_open_a_group_at_the_most_distal_base_cluster() -> None:
    base = np.array([[0.0, 0.0], [1.0, 0.0], [30.0, 0.0]])
    centers = warm_start_groups(base, np.ones(3), np.array([0, 0, 0]), 2)
    # the distal base cluster leaves its group, which recentres on the others
    assert centers.tolist() == [[0.5, 0.0], [30.0, 0.0]]


def test_warm_start_groups_without_history_start_from_first_distinct() -> None:
    base = np.array([[2.0, 0.0], [2.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    np.testing.assert_array_equal(warm_start_groups(base, np.ones(4), np.full(4, -1), 2),
                                  first_distinct(base, 2))
