"""Rows to API-shaped dictionaries, and the dialogue status rule."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

ROLES = ("convener", "facilitator", "participant")


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601 with a ``Z``: the one time format of the API."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def dialogue_status(row: Mapping[Any, Any], now: datetime) -> str:
    if now < row["opens_at"]:
        return "scheduled"
    if now >= row["closes_at"]:
        return "closed"
    return "open"


def dialogue_dict(row: Mapping[Any, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "prompts": list(row["prompts"]),
        "languages": list(row["languages"]),
        "opens_at": iso(row["opens_at"]),
        "closes_at": iso(row["closes_at"]),
        "created_at": iso(row["created_at"]),
        "status": dialogue_status(row, now),
    }


def member_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "dialogue_id": row["dialogue_id"],
        "role": row["role"],
        "display_name": row["display_name"],
        "language": row["language"],
        "created_at": iso(row["created_at"]),
    }


def invite_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "dialogue_id": row["dialogue_id"],
        "session_id": row["session_id"],
        "role": row["role"],
        "expires_at": iso(row["expires_at"]),
        "max_uses": row["max_uses"],
        "uses": row["uses"],
        "revoked": bool(row["revoked"]),
        "created_at": iso(row["created_at"]),
    }
