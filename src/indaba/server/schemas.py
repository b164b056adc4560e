"""Request bodies: strict types, lengths, no unknown fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from indaba.contributions.rules import HideReason, ReportReason

LANGUAGE_PATTERN = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def _language(value: str) -> str:
    if not LANGUAGE_PATTERN.match(value):
        raise ValueError("must be a language tag such as 'en' or 'pt-BR'")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a timezone, e.g. 2026-01-31T12:00:00Z")
    return value.astimezone(UTC)


def _trimmed_nonblank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Language = Annotated[str, StringConstraints(min_length=2, max_length=35), AfterValidator(_language)]
Timestamp = Annotated[datetime, AfterValidator(_aware)]
Title = Annotated[str, StringConstraints(max_length=200), AfterValidator(_trimmed_nonblank)]
DisplayName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_trimmed_nonblank)]
Prompt = Annotated[str, StringConstraints(max_length=500), AfterValidator(_trimmed_nonblank)]
Token = Annotated[
    str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
]
Role = Literal["participant", "facilitator"]


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


Languages = Annotated[list[Language], Field(min_length=1, max_length=20), AfterValidator(_unique)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ConvenerIn(Strict):
    display_name: DisplayName
    language: Language


class DialogueIn(Strict):
    title: Title
    description: str = Field(default="", max_length=5000)
    prompts: list[Prompt] = Field(min_length=1, max_length=10)
    languages: Languages
    opens_at: Timestamp
    closes_at: Timestamp
    convener: ConvenerIn


class DialoguePatch(Strict):
    title: Title | None = None
    description: str | None = Field(default=None, max_length=5000)
    prompts: list[Prompt] | None = Field(default=None, min_length=1, max_length=10)
    languages: Languages | None = None
    opens_at: Timestamp | None = None
    closes_at: Timestamp | None = None


class SessionIn(Strict):
    topic: Title
    languages: Languages
    capacity: int = Field(ge=2, le=1000)
    starts_at: Timestamp
    ends_at: Timestamp
    facilitator_id: str | None = Field(default=None, min_length=1, max_length=32)


class InviteIn(Strict):
    role: Role = "participant"
    session_id: str | None = Field(default=None, min_length=1, max_length=32)
    expires_at: Timestamp | None = None
    max_uses: int | None = Field(default=None, ge=1, le=1_000_000)


class InvitePreviewIn(Strict):
    token: Token


class InviteAcceptIn(Strict):
    token: Token
    display_name: DisplayName
    language: Language


StatementText = Annotated[str, StringConstraints(max_length=280), AfterValidator(_trimmed_nonblank)]


class StatementIn(Strict):
    prompt_index: int = Field(default=0, ge=0, le=9)
    text: StatementText
    language: Language


class VoteIn(Strict):
    vote: Literal["agree", "disagree", "pass"]


class TranslationIn(Strict):
    language: Language
    text: StatementText


class ReportIn(Strict):
    reason: ReportReason


class ModerationIn(Strict):
    action: Literal["accept", "hide"]
    reason: HideReason | Literal["within_guidelines"] | None = None
