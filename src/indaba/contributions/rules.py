"""Fixed lists and limits of the consultation."""

from __future__ import annotations

from typing import Literal

MAX_STATEMENT_CHARS = 280
VOTE_VALUES: dict[str, int] = {"agree": 1, "disagree": -1, "pass": 0}
VOTE_NAMES = {value: name for name, value in VOTE_VALUES.items()}

# Why a participant reports a statement, and why a facilitator decides; no keyword lists.
ReportReason = Literal["spam", "harassment", "hate", "personal_information", "off_topic", "other"]
HideReason = Literal["spam", "harassment", "hate", "personal_information", "off_topic", "duplicate"]
ACCEPT_REASON = "within_guidelines"

# Pol.is: unmoderated statements are voted on unless the conversation is strict;
# hidden ones leave the cards and the math.
VISIBLE_STATUSES = ("unmoderated", "accepted")
