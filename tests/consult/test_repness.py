"""Representative statements and consensus, on hand-computed counts."""

from __future__ import annotations

import math

import numpy as np

from indaba.consult.consensus import group_aware_consensus, select_consensus
from indaba.consult.repness import (
    GroupVoteCounts,
    group_vote_counts,
    repness_stats,
    select_rep_statements,
)
from indaba.consult.stats import prop_test, two_prop_test

IDS = np.array([100, 101, 102])
ALL = np.ones(3, dtype=bool)


def _counts() -> GroupVoteCounts:
    # s100: group 0 agrees, group 1 disagrees; s101: everyone agrees; s102: split
    agree = np.array([[10, 10, 5], [0, 10, 5]])
    disagree = np.array([[0, 0, 5], [10, 0, 5]])
    seen = np.array([[10, 10, 10], [10, 10, 10]])
    return GroupVoteCounts(agree, disagree, seen)


def test_counts_from_votes_skip_ungrouped_rows() -> None:
    indptr = np.array([0, 2, 3, 4])  # rows 0, 0, 1, 2
    cols = np.array([0, 1, 0, 1], dtype=np.int32)
    votes = np.array([1, -1, 0, 1], dtype=np.int8)
    c = group_vote_counts(indptr, cols, votes, np.array([0, 1, -1]), 2, 2)
    assert c.agree.tolist() == [[1, 0], [0, 0]]
    assert c.disagree.tolist() == [[0, 1], [0, 0]]
    assert c.seen.tolist() == [[1, 1], [1, 0]]


def test_stats_follow_polis_formulas() -> None:
    st = repness_stats(_counts())
    assert math.isclose(st.pa[0, 0], 11 / 12)
    assert math.isclose(st.ra[0, 0], (11 / 12) / (1 / 12))
    assert math.isclose(st.pat[0, 0], float(prop_test(10, 10)))
    assert math.isclose(st.rat[0, 0], float(two_prop_test(10, 0, 10, 10)))
    assert st.rat[0, 1] == 0.0  # everyone agrees: pooled p is 1


def test_each_group_gets_its_distinguishing_statement() -> None:
    reps = select_rep_statements(repness_stats(_counts()), IDS, ALL)
    assert [(r.statement_id, r.repful_for) for r in reps[0]] == [(100, "agree")]
    assert reps[0][0].best_agree
    assert [(r.statement_id, r.repful_for) for r in reps[1]][-1] == (100, "disagree")


def test_moderated_statements_are_never_representative() -> None:
    eligible = np.array([False, True, True])
    reps = select_rep_statements(repness_stats(_counts()), IDS, eligible)
    assert all(r.statement_id != 100 for g in reps for r in g)


def test_at_most_pick_max_and_agrees_first() -> None:
    rng = np.random.default_rng(0)
    agree = rng.integers(0, 30, size=(3, 40))
    disagree = rng.integers(0, 30, size=(3, 40))
    counts = GroupVoteCounts(agree, disagree, agree + disagree + 3)
    reps = select_rep_statements(repness_stats(counts), np.arange(40), np.ones(40, bool))
    for group in reps:
        assert 1 <= len(group) <= 5
        kinds = [r.repful_for for r in group]
        assert kinds == sorted(kinds)  # "agree" < "disagree"


def test_group_aware_consensus_is_a_product_over_groups() -> None:
    gac = group_aware_consensus(_counts())
    assert math.isclose(gac[1], (11 / 12) ** 2)
    assert gac[1] > gac[2] > gac[0]


def test_consensus_lists() -> None:
    c = _counts()
    out = select_consensus(c.agree.sum(0), c.disagree.sum(0), c.seen.sum(0), IDS, ALL)
    assert [s.statement_id for s in out["agree"]] == [101]
    assert out["disagree"] == []
