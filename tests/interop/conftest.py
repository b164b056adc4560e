from __future__ import annotations

from collections.abc import Iterator

import pytest

from .ts_mls import TsMlsPeer, unavailable_reason


@pytest.fixture(scope="module")
def peer() -> Iterator[TsMlsPeer]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with TsMlsPeer() as p:
        yield p
