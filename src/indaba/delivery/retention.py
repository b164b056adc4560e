"""Retention of a group's log: each dialogue sets how long messages are kept."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600
MIN_RETENTION_SECONDS = 60
MAX_RETENTION_SECONDS = 365 * 24 * 3600


def validate_retention(seconds: int) -> int:
    """The setting, or ``ValueError`` with one sentence saying the allowed range."""
    if not MIN_RETENTION_SECONDS <= seconds <= MAX_RETENTION_SECONDS:
        raise ValueError(
            f"retention_seconds must be between {MIN_RETENTION_SECONDS} and "
            f"{MAX_RETENTION_SECONDS}."
        )
    return seconds


def cutoff(now: datetime, retention_seconds: int) -> datetime:
    """Entries created before this instant are deleted and never served."""
    return now - timedelta(seconds=retention_seconds)


def is_expired(created_at: datetime, now: datetime, retention_seconds: int) -> bool:
    return created_at < cutoff(now, retention_seconds)
