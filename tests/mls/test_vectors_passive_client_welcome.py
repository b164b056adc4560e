"""passive-client-welcome.json: a member joins by Welcome and follows the group."""

from __future__ import annotations

from typing import Any

import pytest

from .passive import run_passive_client
from .vectors import cases


@pytest.mark.parametrize("case", cases("passive-client-welcome.json"))
def test_passive_client_welcome(case: dict[str, Any]) -> None:
    run_passive_client(case)
