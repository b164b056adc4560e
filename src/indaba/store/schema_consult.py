"""Consultation tables: statements, translations, votes, reports, moderation decisions."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from indaba.store.schema import UTCDateTime, metadata

statements = Table(
    "statements",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("number", Integer, nullable=False),
    Column("prompt_index", Integer, nullable=False),
    Column("author_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=True),
    Column("text", Text, nullable=False),
    Column("language", String(35), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("dialogue_id", "number", name="uq_statements_dialogue_number"),
)

statement_translations = Table(
    "statement_translations",
    metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column("language", String(35), primary_key=True),
    Column("text", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

votes = Table(
    "votes",
    metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("value", SmallInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

statement_reports = Table(
    "statement_reports",
    metadata,
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column("reporter_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("reason", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

moderation_decisions = Table(
    "moderation_decisions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("sequence", Integer, nullable=False),
    Column("statement_number", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("dialogue_id", "sequence", name="uq_moderation_decisions_sequence"),
)
