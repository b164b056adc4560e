"""The vote matrix: participants × statements, kept sparse.

A cell holds +1 (agree), -1 (disagree) or 0 (pass); a cell that is not stored means
the participant never saw the statement (Pol.is's ``nil``).  Passes are stored
explicitly, so "stored" and "non-zero" are different things: never call
``eliminate_zeros`` on the arrays kept here.

Rows are sorted participant ids, columns sorted statement ids.  Statements a
facilitator hid (or meta statements) are flagged in ``moderated_out``; they stay in
the matrix because Pol.is keeps them as columns of zeros (``zero-out-columns`` in
``conversation.clj``), which still counts towards each participant's vote count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

AGREE = 1
DISAGREE = -1
PASS = 0

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Latest vote per (participant, statement), CSR by participant."""

    participant_ids: IntArray
    statement_ids: IntArray
    indptr: IntArray
    indices: NDArray[np.int32]
    votes: NDArray[np.int8]
    moderated_out: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        n_rows, n_cols = len(self.participant_ids), len(self.statement_ids)
        if self.moderated_out.shape != (n_cols,):
            if len(self.moderated_out) != 0:
                raise ValueError("moderated_out must have one flag per statement.")
            object.__setattr__(self, "moderated_out", np.zeros(n_cols, dtype=bool))
        if self.indptr.shape != (n_rows + 1,) or self.indptr[0] != 0:
            raise ValueError("indptr must have one entry per participant plus one, starting at 0.")
        if self.indptr[-1] != len(self.indices) or len(self.indices) != len(self.votes):
            raise ValueError("indptr, indices and votes disagree on the number of votes.")
        if len(self.votes) and (self.votes.min() < -1 or self.votes.max() > 1):
            raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree).")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= n_cols):
            raise ValueError("indices must point at statements of the matrix.")

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.participant_ids), len(self.statement_ids)

    @property
    def n_votes(self) -> int:
        return len(self.votes)

    @classmethod
    def from_votes(
        cls,
        participant: ArrayLike,
        statement: ArrayLike,
        vote: ArrayLike,
        *,
        timestamp: ArrayLike | None = None,
        statement_ids: ArrayLike | None = None,
        moderated_out: Iterable[int] = (),
    ) -> VoteMatrix:
        """Build from vote events; the latest event per pair wins (by timestamp, then order).

        Linear-time where the ids allow it: small non-negative integer ids are mapped
        through a lookup table instead of sorted, and events already in (participant,
        statement) order with one event per pair (a database ``ORDER BY``) skip the sort.
        """
        p = np.asarray(participant, dtype=np.int64)
        s = np.asarray(statement, dtype=np.int64)
        v = np.asarray(vote)
        if not (p.shape == s.shape == v.shape) or p.ndim != 1:
            raise ValueError("participant, statement and vote must be 1-D arrays of one length.")
        if len(v) and (v.min() < -1 or v.max() > 1):
            raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree).")
        v = v.astype(np.int8)
        pids, rows = _dense_ids(p)
        if statement_ids is None:
            sids, cols = _dense_ids(s)
        else:
            sids = np.unique(np.asarray(statement_ids, dtype=np.int64))
            cols = np.searchsorted(sids, s)
            if len(s) and (cols.max(initial=0) >= len(sids) or np.any(sids[cols] != s)):
                raise ValueError("a vote refers to a statement missing from statement_ids.")
        key = rows * max(len(sids), 1) + cols
        if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):  # else sorted, one per pair
            n = len(key)
            if timestamp is None and int(key.max()) < np.iinfo(np.int64).max // n:
                # stable order by key: sort (key, position) packed into one integer
                packed = key * n + np.arange(n, dtype=np.int64)
                packed.sort()
                order = packed % n
                del packed
            elif timestamp is None:
                order = np.argsort(key, kind="stable")
            else:
                order = np.lexsort((np.asarray(timestamp, dtype=np.float64), key))
            key = key[order]
            last = np.ones(len(key), dtype=bool)
            last[:-1] = key[1:] != key[:-1]  # the latest event of each pair comes last
            order = order[last]
            rows, cols, v = rows[order], cols[order], v[order]
            del order
        del key
        indptr = np.zeros(len(pids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(pids)), out=indptr[1:])
        mod = np.isin(sids, np.fromiter(moderated_out, dtype=np.int64))
        return cls(pids, sids, indptr, cols.astype(np.int32), v, mod)

    @classmethod
    def from_dense(
        cls,
        dense: ArrayLike,
        *,
        participant_ids: ArrayLike | None = None,
        statement_ids: ArrayLike | None = None,
        moderated_out: Iterable[int] = (),
    ) -> VoteMatrix:
        """Build from a dense array with NaN for unseen (small data and tests)."""
        a = np.asarray(dense, dtype=np.float64)
        if a.ndim != 2:
            raise ValueError("dense must be a 2-D array.")
        rows, cols = np.nonzero(~np.isnan(a))
        pids = np.arange(a.shape[0]) if participant_ids is None else np.asarray(participant_ids)
        sids = np.arange(a.shape[1]) if statement_ids is None else np.asarray(statement_ids)
        return cls.from_votes(
            pids[rows],
            sids[cols],
            a[rows, cols].astype(np.int64),
            statement_ids=sids,
            moderated_out=moderated_out,
        )

    def to_dense(self) -> NDArray[np.float64]:
        """Dense float array with NaN for unseen (small data only)."""
        out = np.full(self.shape, np.nan)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        out[rows, self.indices] = self.votes
        return out

    def csr(self, dtype: type = np.float64) -> sp.csr_matrix:
        """The votes as a CSR matrix; passes stay as explicit zeros."""
        return sp.csr_matrix(
            (self.votes.astype(dtype), self.indices, self.indptr), shape=self.shape
        )

    def row_of(self) -> IntArray:
        """Row index of every stored vote."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))

    def votes_per_participant(self) -> IntArray:
        return np.diff(self.indptr).astype(np.int64)

    @cached_property
    def column_counts(self) -> tuple[IntArray, IntArray, IntArray]:
        """(agrees, disagrees, votes) per statement, in one pass over the votes."""
        n = self.shape[1]
        key = self.indices.astype(np.int64) * 3 + (self.votes.astype(np.int64) + 1)
        table = np.bincount(key, minlength=3 * n).reshape(n, 3).astype(np.int64)
        return table[:, 2], table[:, 0], table.sum(axis=1)

    def votes_per_statement(self) -> IntArray:
        return self.column_counts[2]

    def with_moderation(self, moderated_out: Iterable[int]) -> VoteMatrix:
        """Same votes, another set of moderated-out statement ids."""
        mod = np.isin(self.statement_ids, np.fromiter(moderated_out, dtype=np.int64))
        return VoteMatrix(
            self.participant_ids, self.statement_ids, self.indptr, self.indices, self.votes, mod
        )


def _dense_ids(ids: IntArray) -> tuple[IntArray, IntArray]:
    """Sorted distinct ids and each element's index among them (``np.unique`` inverse).

    Non-negative ids below a few times the number of elements go through a presence
    table in O(n); other ids are sorted.
    """
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high > 4 * len(ids) + 1024:
        distinct, inverse = np.unique(ids, return_inverse=True)
        return distinct.astype(np.int64), inverse.astype(np.int64).reshape(-1)
    present = np.zeros(high + 1, dtype=bool)
    present[ids] = True
    distinct = np.flatnonzero(present).astype(np.int64)
    position = np.cumsum(present, dtype=np.int64) - 1
    return distinct, position[ids]
