"""Shared test configuration.

Reference data (MLS vectors, Pol.is conversations) is read from the `shared/` folder
beside the project, never copied into it; INDABA_SHARED points elsewhere if needed.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("INDABA_SHARED", Path(__file__).resolve().parents[2] / "shared"))
