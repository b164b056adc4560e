"""Tables, in SQLAlchemy Core. Alembic migrations in ``migrations/`` create exactly these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _id(name: str = "id") -> Column[str]:
    return Column(name, String(32), primary_key=True)


dialogues = Table(
    "dialogues",
    metadata,
    _id(),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("prompts", JSON, nullable=False),
    Column("languages", JSON, nullable=False),
    Column("opens_at", UTCDateTime, nullable=False),
    Column("closes_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

members = Table(
    "members",
    metadata,
    _id(),
    Column(
        "dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("role", String(16), nullable=False),
    Column("display_name", String(64), nullable=False),
    Column("language", String(35), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("banned", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    Column(
        "dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("topic", String(200), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("facilitator_id", ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

session_members = Table(
    "session_members",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("joined_at", UTCDateTime, nullable=False),
)

invites = Table(
    "invites",
    metadata,
    _id(),
    Column(
        "dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), nullable=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("max_uses", Integer, nullable=True),
    Column("uses", Integer, nullable=False, default=0),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_by", ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Tables of other parts register on the same metadata (imported for that side effect).
import indaba.store.schema_consult  # noqa: E402, F401
from indaba.store import schema_delivery  # noqa: E402, F401
