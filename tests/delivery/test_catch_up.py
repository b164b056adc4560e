"""Catch-up: whatever mix of live chunks, duplicates and gaps, each entry arrives once, in order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indaba.delivery.catch_up import (
    Cursor,
    Drop,
    FetchGap,
    Send,
    SendFrom,
    offer_range,
    plan_catch_up,
)


def test_offer_single_entries() -> None:
    cursor = Cursor(4)
    assert cursor.offer(5) == Send(5)
    assert cursor.offer(5) == Drop(5)
    assert cursor.offer(8) == FetchGap(6, 7)
    assert cursor.position == 5
    with pytest.raises(ValueError):
        Cursor(-1)


def test_offer_ranges() -> None:
    cursor = Cursor(3)
    assert offer_range(cursor, 4, 6) == Send(4)
    assert offer_range(cursor, 5, 9) == SendFrom(7)
    assert offer_range(cursor, 2, 9) == Drop(9)
    assert offer_range(cursor, 12, 12) == FetchGap(10, 11)
    assert cursor.position == 9


def test_plan_catch_up() -> None:
    assert plan_catch_up(0, 10, 1) == plan_catch_up(0, 10, 1)
    assert plan_catch_up(3, 10, 1).first == 4
    assert plan_catch_up(3, 10, 6).expired
    assert not plan_catch_up(10, 10, None).expired
    assert plan_catch_up(2, 10, None).expired
    with pytest.raises(ValueError):
        plan_catch_up(11, 10, 1)


chunks = st.lists(st.tuples(st.integers(1, 30), st.integers(0, 3)), max_size=40)


@settings(max_examples=200)
@given(st.integers(0, 10), chunks)
def test_every_entry_is_delivered_exactly_once_in_order(
    start: int, script: list[tuple[int, int]]
) -> None:
    """Live chunks arrive late, twice, out of order; gaps are fetched from the log."""
    log = list(range(1, 41))
    cursor = Cursor(start)
    delivered: list[int] = []
    for first, extra in script:
        last = first + extra
        step = offer_range(cursor, first, last)
        if isinstance(step, FetchGap):
            delivered.extend(log[step.first - 1 : step.last])
            cursor.position = step.last
            step = offer_range(cursor, first, last)
        if isinstance(step, Send):
            delivered.extend(range(first, last + 1))
        elif isinstance(step, SendFrom):
            delivered.extend(range(step.seq, last + 1))
    assert delivered == list(range(start + 1, cursor.position + 1))
