"""Representative statements per group (Pol.is ``math/repness.clj``).

For group g and statement j, with n = seen (passes included), a = agrees, d = disagrees
among g's members, and the same counts summed over the other groups ("rest")::

    pa  = (a+1)/(n+2)                 pat = prop_test(a, n)
    ra  = pa / ((a_rest+1)/(n_rest+2)) rat = two_prop_test(a, a_rest, n, n_rest)

(and likewise pd, pdt, rd, rdt for disagrees).  A statement is *sufficient* for g
when both the group test and the comparison test are significant at 90 % for agree
(or for disagree).  Each group gets its sufficient statements sorted by
``repness * repness_test * p_success * p_test``, the best "agree" statement put
first, at most five, agrees before disagrees; with none sufficient, the single best
candidate is returned instead (``select-rep-comments``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from indaba.consult.stats import prop_test, two_prop_test, z_sig_90

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class GroupVoteCounts:
    """Agree, disagree and seen counts, shape groups × statements."""

    agree: IntArray
    disagree: IntArray
    seen: IntArray


def group_vote_counts(
    indptr: IntArray, cols: NDArray[np.int32], votes: NDArray[np.int8], group_of_row: IntArray,
    n_groups: int, n_statements: int,
) -> GroupVoteCounts:
    """Count votes per (group, statement) from CSR arrays; rows in group -1 are skipped."""
    # one pass: key = ((group * statements) + statement) * 3 + (vote + 1); ungrouped rows
    # count in an extra group that is dropped, which spares filtering every vote
    group = np.where(group_of_row >= 0, group_of_row, n_groups).astype(np.int64)
    key = np.repeat(group * (3 * n_statements) + 1, np.diff(indptr))
    key += cols * np.int64(3)
    key += votes
    table = np.bincount(key, minlength=(n_groups + 1) * n_statements * 3)
    table = table[: n_groups * n_statements * 3].reshape(n_groups, n_statements, 3)
    table = table.astype(np.int64)
    return GroupVoteCounts(table[:, :, 2], table[:, :, 0], table.sum(axis=2))


@dataclass(frozen=True)
class RepnessStats:
    """Every statistic of ``conv-repness``, shape groups × statements."""

    na: IntArray
    nd: IntArray
    ns: IntArray
    pa: FloatArray
    pd: FloatArray
    pat: FloatArray
    pdt: FloatArray
    ra: FloatArray
    rd: FloatArray
    rat: FloatArray
    rdt: FloatArray


def repness_stats(counts: GroupVoteCounts) -> RepnessStats:
    """Group-vs-rest statistics for all groups and statements at once."""
    na, nd, ns = counts.agree, counts.disagree, counts.seen
    na_r, nd_r, ns_r = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    pa = (1 + na) / (2 + ns)
    pd = (1 + nd) / (2 + ns)
    return RepnessStats(
        na,
        nd,
        ns,
        pa,
        pd,
        prop_test(na, ns),
        prop_test(nd, ns),
        pa / ((1 + na_r) / (2 + ns_r)),
        pd / ((1 + nd_r) / (2 + ns_r)),
        two_prop_test(na, na_r, ns, ns_r),
        two_prop_test(nd, nd_r, ns, ns_r),
    )


@dataclass(frozen=True)
class RepStatement:
    """One representative statement of a group (``finalize-cmt-stats``)."""

    statement_id: int
    repful_for: str  # "agree" or "disagree"
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False

    @property
    def metric(self) -> float:
        return self.repness * self.repness_test * self.p_success * self.p_test


def _finalize(st: RepnessStats, g: int, j: int, sid: int, best_agree: bool = False) -> RepStatement:
    if st.rat[g, j] > st.rdt[g, j]:
        return RepStatement(
            sid,
            "agree",
            int(st.na[g, j]),
            int(st.ns[g, j]),
            float(st.pa[g, j]),
            float(st.pat[g, j]),
            float(st.ra[g, j]),
            float(st.rat[g, j]),
            best_agree,
        )
    return RepStatement(
        sid,
        "disagree",
        int(st.nd[g, j]),
        int(st.ns[g, j]),
        float(st.pd[g, j]),
        float(st.pdt[g, j]),
        float(st.rd[g, j]),
        float(st.rdt[g, j]),
        best_agree,
    )


def _agree_score(st: RepnessStats, g: int, j: int) -> tuple[float, float]:
    return (
        float(st.ra[g, j] * st.rat[g, j] * st.pa[g, j] * st.pat[g, j]),
        float(st.pa[g, j] * st.pat[g, j]),
    )


def _best_agree(st: RepnessStats, g: int, candidates: IntArray) -> int | None:
    """Pol.is ``beats-best-agr?`` folded over the statements in order."""
    best: int | None = None
    for j in candidates:
        if st.na[g, j] == 0 and st.nd[g, j] == 0:
            continue
        if best is not None and st.ra[g, best] > 1.0:
            better = _agree_score(st, g, j)[0] > _agree_score(st, g, best)[0]
        elif best is not None:
            better = _agree_score(st, g, j)[1] > _agree_score(st, g, best)[1]
        else:
            better = bool(st.pat[g, j] > 1.2816 or (st.ra[g, j] > 1.0 and st.pa[g, j] > 0.5))
        if better:
            best = int(j)
    return best


def select_rep_statements(
    st: RepnessStats, statement_ids: IntArray, eligible: NDArray[np.bool_], pick_max: int = 5
) -> list[list[RepStatement]]:
    """Representative statements per group; ``eligible`` masks out moderated statements."""
    sufficient_mask = (z_sig_90(st.rat) & z_sig_90(st.pat)) | (z_sig_90(st.rdt) & z_sig_90(st.pdt))
    candidates = np.flatnonzero(eligible)
    result: list[list[RepStatement]] = []
    for g in range(st.na.shape[0]):
        suff = candidates[sufficient_mask[g, candidates]]
        ba = _best_agree(st, g, candidates)
        head = (
            [_finalize(st, g, ba, int(statement_ids[ba]), best_agree=True)]
            if ba is not None
            else []
        )
        if len(suff) == 0:
            if not head and len(candidates):
                best = candidates[
                    np.argmax(np.maximum(st.rat[g, candidates], st.rdt[g, candidates]))
                ]
                head = [_finalize(st, g, int(best), int(statement_ids[best]))]
            result.append(head)
            continue
        rest = [_finalize(st, g, int(j), int(statement_ids[j])) for j in suff if j != ba]
        rest.sort(key=lambda r: -r.metric)
        chosen = (head + rest)[:pick_max]
        result.append(
            [r for r in chosen if r.repful_for == "agree"]
            + [r for r in chosen if r.repful_for == "disagree"]
        )
    return result
