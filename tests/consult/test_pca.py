"""Sparse PCA and the sparsity-aware projection against a dense reference."""

from __future__ import annotations

import numpy as np
import pytest

from indaba.consult.matrix import VoteMatrix
from indaba.consult.pca import (
    centre_votes,
    flip_signs,
    principal_components,
    sparsity_aware_projection,
    statement_projection,
)


def _random_votes(seed: int, n: int = 60, m: int = 12, density: float = 0.6) -> np.ndarray:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    dense = rng.choice([-1.0, 0.0, 1.0], size=(n, m))
    dense[rng.random((n, m)) > density] = np.nan
    dense[:, 0] = np.where(np.isnan(dense[:, 0]), 1.0, dense[:, 0])  # every row votes
    return dense


def _dense_reference(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """Pol.is on a dense matrix: impute column means, centre, SVD, project sparsely."""
    mean = np.nanmean(dense, axis=0)
    filled = np.where(np.isnan(dense), mean, dense)
    centred = filled - filled.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    comps = flip_signs(vt[:2])
    n_votes = np.sum(~np.isnan(dense), axis=1)
    raw = np.where(np.isnan(dense), 0.0, dense - mean) @ comps.T
    return comps, mean, raw * np.sqrt(dense.shape[1] / n_votes)[:, None]


@pytest.mark.parametrize("seed", range(5))
def test_matches_dense_pca(seed: int) -> None:
    dense = _random_votes(seed)
    m = VoteMatrix.from_dense(dense)
    centred = centre_votes(m, np.ones(m.shape[1], dtype=bool))
    comps, _, _ = principal_components(centred.matrix, 2)
    ref_comps, ref_mean, ref_proj = _dense_reference(dense)
    np.testing.assert_allclose(centred.mean, ref_mean, atol=1e-12)
    np.testing.assert_allclose(comps, ref_comps, atol=1e-6)
    np.testing.assert_allclose(sparsity_aware_projection(centred, comps), ref_proj, atol=1e-6)


def test_moderated_column_carries_no_variance_but_counts_as_voted() -> None:
    dense = _random_votes(7)
    m = VoteMatrix.from_dense(dense, moderated_out=[3])
    centred = centre_votes(m, np.ones(m.shape[1], dtype=bool))
    comps, _, _ = principal_components(centred.matrix, 2)
    np.testing.assert_allclose(comps[:, 3], 0.0, atol=1e-12)
    assert centred.mean[3] == 0
    # Pol.is zeroes the column for everyone: it counts in every participant's n_votes
    voted_elsewhere = np.sum(~np.isnan(np.delete(dense, 3, axis=1)), axis=1)
    np.testing.assert_array_equal(centred.n_votes, voted_elsewhere + 1)


def test_signs_are_deterministic() -> None:
    dense = _random_votes(3)
    m = VoteMatrix.from_dense(dense)
    centred = centre_votes(m, np.ones(m.shape[1], dtype=bool))
    a, _, _ = principal_components(centred.matrix, 2, random_state=1)
    b, _, _ = principal_components(centred.matrix, 2, random_state=99)
    np.testing.assert_allclose(a, b, atol=1e-6)
    for row in a:
        assert row[np.argmax(np.abs(row))] > 0


def test_warm_start_needs_fewer_iterations() -> None:
    dense = _random_votes(11, n=400, m=60)
    m = VoteMatrix.from_dense(dense)
    centred = centre_votes(m, np.ones(m.shape[1], dtype=bool))
    comps, _, cold = principal_components(centred.matrix, 2, oversample=0)
    again, _, warm = principal_components(centred.matrix, 2, start=comps, oversample=0)
    np.testing.assert_allclose(again, comps, atol=1e-6)
    assert warm < cold


def test_statement_projection_is_a_lone_agree_vote() -> None:
    dense = _random_votes(5)
    m = VoteMatrix.from_dense(dense)
    centred = centre_votes(m, np.ones(m.shape[1], dtype=bool))
    comps, _, _ = principal_components(centred.matrix, 2)
    proj = statement_projection(centred.mean, comps, m.shape[1])
    j = 4
    expected = (1 - centred.mean[j]) * comps[:, j] * np.sqrt(m.shape[1])
    np.testing.assert_allclose(proj[j], expected)


def test_single_precision_start_reaches_the_double_precision_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from indaba.consult import pca

    dense = _random_votes(11, n=400, m=40)
    centred = centre_votes(VoteMatrix.from_dense(dense), np.ones(40, dtype=bool))
    exact, values, _ = principal_components(centred.matrix, 2)
    monkeypatch.setattr(pca, "SINGLE_PRECISION_MIN_VOTES", 1)
    mixed, mixed_values, _ = principal_components(centred.matrix, 2)
    np.testing.assert_allclose(mixed, exact, atol=1e-6)
    np.testing.assert_allclose(mixed_values, values, rtol=1e-9)
