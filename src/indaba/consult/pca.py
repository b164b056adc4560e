"""PCA of the vote matrix with Pol.is's sparsity-aware projection.

Pol.is (``math/pca.clj``) fills each unseen cell with its column mean, centres the
columns and finds two principal components by power iteration with deflation.
Mean imputation followed by centring leaves every unseen cell at exactly zero, so
the centred matrix has the sparsity pattern of the votes::

    Xc[i, j] = vote[i, j] - mean_j   if i voted on j,   else 0

and ``Xc.T @ Xc`` is never formed: block power (subspace) iteration multiplies by
``Xc`` and ``Xc.T`` only, O(n_votes) per step, and can start from the previous
fit's components (warm start).  Moderated-out columns are zero in Pol.is, so they
carry no variance and are left out of ``Xc``.

A participant is projected from their own votes only, then pushed out from the
centre by ``sqrt(n_columns / n_votes)`` (``sparsity-aware-project-ptpt``), so that
someone with few votes is not pulled towards the origin.  As in Pol.is, a
moderated-out column counts as voted for everybody (its cells are zeros, not nil).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from indaba.consult.matrix import VoteMatrix

FloatArray = NDArray[np.float64]
SINGLE_PRECISION_MIN_VOTES = 1_000_000  # below this every step is float64
SINGLE_PRECISION_TOL = 1e-5  # switch to float64 once a step turns less than this


@dataclass(frozen=True)
class CentredVotes:
    """Centred sparse votes on the columns that carry variance."""

    matrix: sp.csr_matrix  # participants × all columns; moderated-out columns empty
    mean: FloatArray  # per column; 0 for moderated-out and unvoted columns
    n_votes: NDArray[np.int64]  # per participant, as Pol.is counts them
    n_columns: int


def centre_votes(votes: VoteMatrix, columns: NDArray[np.bool_]) -> CentredVotes:
    """Column means over observed votes and the centred sparse matrix.

    ``columns`` marks the matrix columns Pol.is would have (statements with votes).
    """
    active = columns & ~votes.moderated_out
    agree, disagree, counts = votes.column_counts
    mean = np.where(active & (counts > 0), (agree - disagree) / np.maximum(counts, 1), 0.0)
    data = votes.votes - mean[votes.indices]  # int8 - float64: one float64 pass
    if active[counts > 0].all():  # nothing moderated out: reuse the vote structure
        indptr, indices = votes.indptr, votes.indices
        n_active = np.diff(votes.indptr)
    else:  # drop moderated-out cells, rows stay sorted
        keep = active[votes.indices]
        n_active = np.bincount(votes.row_of()[keep], minlength=votes.shape[0])
        indptr = np.concatenate([[0], np.cumsum(n_active)])
        indices, data = votes.indices[keep], data[keep]
    matrix = sp.csr_matrix((data, indices, indptr), shape=votes.shape)
    n_modout = int(np.count_nonzero(columns & votes.moderated_out))
    return CentredVotes(matrix, np.asarray(mean, dtype=np.float64), n_active + n_modout,
                        int(np.count_nonzero(columns)))


def flip_signs(components: FloatArray) -> FloatArray:
    """Deterministic signs: each component's largest-magnitude loading is positive."""
    idx = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), idx])
    signs[signs == 0] = 1.0
    return np.asarray(components * signs[:, None], dtype=np.float64)


def principal_components(
    xc: sp.csr_matrix,
    n_components: int,
    *,
    start: FloatArray | None = None,
    random_state: int = 0,
    tol: float = 1e-7,
    max_iter: int = 500,
    oversample: int = 6,
) -> tuple[FloatArray, FloatArray, int]:
    """Top eigenvectors of ``xc.T @ xc`` by subspace iteration.

    Returns ``(components, eigenvalues, n_iter)``; components are rows.  ``start``
    (rows) warm-starts the iteration, e.g. with the previous fit's components; it
    stops when no component turns by more than ``tol`` radians in one step.
    """
    n_cols = xc.shape[1]
    if n_cols == 0 or xc.shape[0] == 0:
        return np.zeros((n_components, n_cols)), np.zeros(n_components), 0
    k = min(n_components, n_cols)
    r = min(n_cols, k + oversample)
    rng = np.random.default_rng(random_state)
    q = rng.standard_normal((n_cols, r))
    if start is not None and len(start):
        s = np.asarray(start, dtype=np.float64)[:r].T
        q[: s.shape[0], : s.shape[1]] = s
    q, _ = np.linalg.qr(q)
    # Large matrices start in float32 (half the memory traffic per step) and finish in
    # float64: the float64 steps alone decide convergence, so the answer meets ``tol``.
    fast = xc.nnz >= SINGLE_PRECISION_MIN_VOTES
    x32 = (sp.csr_matrix((xc.data.astype(np.float32), xc.indices, xc.indptr), shape=xc.shape)
           if fast else None)
    previous: FloatArray | None = None
    vecs = q[:, :k]
    vals = np.zeros(k)
    n_iter = 0
    last_turn = np.inf
    for n_iter in range(1, max_iter + 1):  # noqa: B007
        if x32 is not None:
            q32 = q.astype(np.float32)
            z = np.asarray((x32 @ q32).T @ x32, dtype=np.float64).T
        else:
            z = np.asarray((xc @ q).T @ xc).T  # = Xc.T Xc q, reading Xc row by row
        t = q.T @ z
        w, u = np.linalg.eigh((t + t.T) / 2)
        order = np.argsort(w)[::-1]
        vecs = q @ u[:, order[:k]]
        vals = w[order[:k]]
        if previous is not None:
            cos = np.minimum(np.abs(np.sum(vecs * previous, axis=0)), 1.0)
            turn = float(np.max(np.sqrt(1.0 - cos**2)))  # sine of the largest angle moved
            if x32 is None and turn <= tol:
                break
            if x32 is not None and (turn <= SINGLE_PRECISION_TOL or turn >= last_turn):
                x32 = None  # float32 has done its part (or reached its rounding floor)
            last_turn = turn
        previous = vecs
        q, _ = np.linalg.qr(z)
    comps = np.zeros((n_components, n_cols))
    comps[:k] = flip_signs(vecs.T)
    values = np.zeros(n_components)
    values[:k] = np.maximum(vals, 0.0)
    return comps, values, n_iter


def sparsity_aware_projection(centred: CentredVotes, components: FloatArray) -> FloatArray:
    """Project each participant from their votes and scale by sqrt(n_columns / n_votes)."""
    raw = np.asarray(centred.matrix @ components.T)
    scale = np.sqrt(centred.n_columns / np.maximum(centred.n_votes, 1))
    return np.asarray(raw * scale[:, None])


def statement_projection(mean: FloatArray, components: FloatArray, n_columns: int) -> FloatArray:
    """Where a participant who agreed with only statement j would sit (``pca-project-cmnts``)."""
    return np.asarray(((1.0 - mean)[:, None] * components.T) * np.sqrt(n_columns))
