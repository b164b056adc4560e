"""K-means as Pol.is runs it: base clusters, then groups of base clusters.

Pol.is (``math/clusters.clj``) clusters the projected participants into up to 100
*base clusters*, then clusters the base-cluster centres (weighted by member counts)
into k = 2..max_k *groups*, and keeps the k with the best silhouette, computed over
base clusters (``conversation.clj``, ``:group-clusterings-silhouettes``)::

    participants --kmeans(100)--> base clusters --weighted kmeans(k)--> groups
                                        |                                  |
                                        +---- silhouette over centres -----+--> k

Its k-means is plain Lloyd: start from the first k distinct points (or from the
previous run's clusters), assign each point to the nearest centre, drop empty
clusters, move centres to the (weighted) means, stop when every centre moves less
than 0.01 or after ``max_iter`` steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class KMeansResult:
    centers: FloatArray
    labels: IntArray
    n_iter: int
    origin: IntArray | None = None  # for each centre, the start centre it grew from


def first_distinct(points: FloatArray, k: int) -> FloatArray:
    """The first k distinct rows, in order (Pol.is ``init-clusters``)."""
    size = max(4 * k, 64)
    while True:  # usually the first few points are already distinct
        head = points[:size]
        _, first = np.unique(head, axis=0, return_index=True)
        if len(first) >= k or size >= len(points):
            return np.asarray(head[np.sort(first)[:k]], dtype=np.float64)
        size *= 4


def assign(points: FloatArray, centers: FloatArray) -> IntArray:
    """Index of the nearest centre for every point."""
    _, idx = cKDTree(centers).query(points)  # one thread: faster than contended threads
    return np.asarray(idx, dtype=np.int64)


def _weighted_centers(
    points: FloatArray, labels: IntArray, weights: FloatArray, n: int
) -> tuple[FloatArray, FloatArray]:
    mass = np.bincount(labels, weights=weights, minlength=n)
    sums = np.stack(
        [
            np.bincount(labels, weights=weights * points[:, d], minlength=n)
            for d in range(points.shape[1])
        ],
        axis=1,
    )
    return sums / np.maximum(mass, 1e-300)[:, None], mass.astype(np.float64)


def kmeans(
    points: FloatArray,
    k: int,
    *,
    weights: FloatArray | None = None,
    init: FloatArray | None = None,
    max_iter: int = 100,
    threshold: float = 0.01,
) -> KMeansResult:
    """Pol.is k-means; ``init`` (centres) replaces the first-distinct start.

    Assignments are exact, but a point is re-examined only when Hamerly's bounds allow
    its nearest centre to have changed: ``upper`` bounds the distance to its centre,
    ``lower`` the distance to any other, and centre moves loosen both.  Late iterations,
    where centres barely move, touch few points.
    """
    if len(points) == 0:
        return KMeansResult(np.zeros((0, points.shape[1])), np.zeros(0, dtype=np.int64), 0)
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    centers = first_distinct(points, k) if init is None or not len(init) else np.array(init)
    labels, upper, lower = _nearest_two(points, centers)
    origin = np.arange(len(centers), dtype=np.int64)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007
        new, mass = _weighted_centers(points, labels, w, len(centers))
        keep = mass > 0
        if not keep.all():  # Pol.is drops empty clusters; renumber and start afresh
            centers, origin = new[keep], origin[keep]
            labels, upper, lower = _nearest_two(points, centers)
            continue
        shift = np.linalg.norm(new - centers, axis=1)
        centers = new
        upper += shift[labels]
        lower -= shift.max()
        stale = np.flatnonzero(upper >= lower)
        if len(stale):
            labels[stale], upper[stale], lower[stale] = _nearest_two(points[stale], centers)
        if not np.any(shift >= threshold):
            break
    return KMeansResult(centers, labels, n_iter, origin)


def _nearest_two(points: FloatArray, centers: FloatArray
                 ) -> tuple[IntArray, FloatArray, FloatArray]:
    """Nearest centre, its distance, and the distance to the second nearest (inf if none)."""
    if len(centers) == 1:
        d = np.linalg.norm(points - centers[0], axis=1)
        return np.zeros(len(points), dtype=np.int64), d, np.full(len(points), np.inf)
    dist, idx = cKDTree(centers).query(points, k=2)
    return np.asarray(idx[:, 0], dtype=np.int64), dist[:, 0].copy(), dist[:, 1].copy()


def inertia(points: FloatArray, result: KMeansResult, weights: FloatArray | None = None) -> float:
    """Weighted sum of squared distances to the assigned centres."""
    w = np.ones(len(points)) if weights is None else weights
    d = points - result.centers[result.labels]
    return float(np.sum(w * np.einsum("ij,ij->i", d, d)))


def plus_plus_init(points: FloatArray, k: int, weights: FloatArray, rng: np.random.Generator
                   ) -> FloatArray:
    """k-means++ seeding (weighted), for restarts beside Pol.is's first-distinct start."""
    centers = [points[rng.choice(len(points), p=weights / weights.sum())]]
    for _ in range(1, k):
        d = ((points[:, None, :] - np.array(centers)[None]) ** 2).sum(2).min(1) * weights
        if d.sum() <= 0:
            break
        centers.append(points[rng.choice(len(points), p=d / d.sum())])
    return np.array(centers)


def best_kmeans(
    points: FloatArray,
    k: int,
    *,
    weights: FloatArray | None = None,
    init: FloatArray | None = None,
    n_init: int = 10,
    random_state: int = 0,
    max_iter: int = 100,
) -> KMeansResult:
    """Lowest-inertia Pol.is k-means over the given start and ``n_init`` k-means++ starts.

    A warm start (``init``) is also raced against the first-distinct start, so that an
    update cannot stay locked in a poor optimum an earlier update fell into (Pol.is
    keeps the warm start only); ties keep the warm start.
    """
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    best = kmeans(points, k, weights=w, init=init, max_iter=max_iter)
    best_cost = inertia(points, best, w)
    rng = np.random.default_rng(random_state)
    starts: list[FloatArray | None] = [None] if init is not None and len(init) else []
    starts += [plus_plus_init(points, k, w, rng) for _ in range(n_init)]
    for start in starts:
        res = kmeans(points, k, weights=w, init=start, max_iter=max_iter)
        cost = inertia(points, res, w)
        if len(res.centers) >= len(best.centers) and cost < best_cost - 1e-12:
            best, best_cost = res, cost
    return best


def warm_start_centers(
    points: FloatArray, previous_labels: IntArray, k: int, weights: FloatArray | None = None
) -> FloatArray:
    """Previous clusters recentred on their members' new positions (``clean-start-clusters``).

    ``previous_labels`` gives each current point's earlier cluster, -1 if new; see
    :func:`clean_start`.
    """
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    return clean_start(points, w, previous_labels, k)[0]


def warm_start_groups(
    base_centers: FloatArray, base_sizes: FloatArray, previous_group: IntArray, k: int
) -> FloatArray:
    """Start centres for a group clustering from the previous one for this k.

    ``previous_group`` gives each current base cluster its group in the previous
    clustering (-1 for base clusters that did not exist then); base clusters weigh
    their member counts.  See :func:`clean_start`.
    """
    return clean_start(base_centers, base_sizes, previous_group, k)[0]


def clean_start(
    points: FloatArray, weights: FloatArray, previous: IntArray, k: int
) -> tuple[FloatArray, IntArray]:
    """Pol.is ``clean-start-clusters``: the previous clustering, ready for new data.

    ``previous`` gives each point its earlier cluster (-1 if the point is new).  Each
    earlier cluster is recentred on the current positions of its members (weighted);
    new points join no cluster yet.  Clusters with identical centres are merged; then,
    while there are fewer than k clusters (and more distinct points), the point
    farthest from every centre leaves its cluster and opens a new one (``most-distal``),
    and the centres are recomputed.  Without an earlier cluster: the first k distinct
    points.  Returns the centres (earlier clusters in id order, then the new ones)
    and, for each earlier cluster kept, its position among the sorted earlier ids.
    """
    member = np.asarray(previous, dtype=np.int64).copy()
    if not np.any(member >= 0):
        return first_distinct(points, k), np.zeros(0, dtype=np.int64)
    _, member[member >= 0] = np.unique(member[member >= 0], return_inverse=True)
    n_groups = int(member.max()) + 1
    inside = member >= 0
    centers, _ = _weighted_centers(points[inside], member[inside], weights[inside], n_groups)
    kept = np.arange(n_groups, dtype=np.int64)
    _, first, inverse = np.unique(centers, axis=0, return_index=True, return_inverse=True)
    if len(first) < len(centers):  # merge clusters whose centres coincide
        kept = np.sort(first)
        relabel = np.searchsorted(kept, first)[inverse.reshape(-1)]
        member[inside] = relabel[member[inside]]
        n_groups = len(kept)
        centers = centers[kept]
    if n_groups >= k:
        return centers, kept
    possible = min(k, len(np.unique(points, axis=0)))
    while n_groups < possible:
        dist, _ = cKDTree(centers).query(points)
        far = int(np.argmax(dist))
        if dist[far] <= 0:
            break
        member[far] = n_groups
        n_groups += 1
        inside = member >= 0
        centers, _ = _weighted_centers(points[inside], member[inside], weights[inside],
                                       n_groups)
    return centers, kept


def fill_centers(points: FloatArray, centers: FloatArray, k: int) -> FloatArray:
    """Merge identical centres (keeping order), then open clusters at distal points up to k."""
    _, first = np.unique(centers, axis=0, return_index=True)
    centers = centers[np.sort(first)]
    possible = min(k, len(np.unique(points, axis=0)))
    while len(centers) < possible:
        dist, _ = cKDTree(centers).query(points)
        far = int(np.argmax(dist))
        if dist[far] <= 0:
            break
        centers = np.vstack([centers, points[far]])
    return centers


def silhouette(centers: FloatArray, labels: IntArray) -> float:
    """Mean silhouette over base clusters, unweighted; a singleton scores 0 (``silhouette``)."""
    d = np.linalg.norm(centers[:, None, :] - centers[None, :, :], axis=2)
    groups = np.unique(labels)
    if len(groups) < 2:
        return 0.0
    member = labels[:, None] == groups[None, :]  # base × group
    sizes = member.sum(axis=0).astype(np.float64)
    sums = d @ member  # base × group: sum of distances to members
    own = np.searchsorted(groups, labels)
    own_size = sizes[own] - 1
    a = sums[np.arange(len(labels)), own] / np.maximum(own_size, 1)
    other = sums / np.maximum(sizes, 1)[None, :]
    other[np.arange(len(labels)), own] = np.inf
    b = other.min(axis=1)
    denom = np.maximum(a, b)
    s = np.where((own_size > 0) & (denom > 0), (b - a) / np.where(denom > 0, denom, 1), 0.0)
    return float(s.mean())


def max_group_count(n_base: int, max_k: int = 5) -> int:
    """Pol.is ``max-k-fn``: ``min(max_k, 2 + n_base // 12)``."""
    return min(max_k, 2 + n_base // 12)


@dataclass(frozen=True)
class KSmoother:
    """Pol.is ``:group-k-smoother``: a new k is adopted after ``buffer`` updates in a row."""

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None

    def update(self, this_k: int, buffer: int) -> KSmoother:
        count = self.last_k_count + 1 if self.last_k == this_k else 1
        keep_old = count < buffer and self.smoothed_k is not None
        smoothed = self.smoothed_k if keep_old and self.smoothed_k is not None else this_k
        return KSmoother(this_k, count, smoothed)
