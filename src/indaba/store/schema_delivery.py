"""Tables of the MLS delivery service: groups, their ordered logs, KeyPackages, settings.

The service stores ciphertext and routing fields only (see docs/delivery.md): a log row
holds the MLSMessage bytes exactly as a member sent them, its epoch and content type,
and a digest for replay detection -- never who sent it.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)

from indaba.store.schema import UTCDateTime, metadata

delivery_groups = Table(
    "delivery_groups",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", LargeBinary, nullable=False),
    Column("cipher_suite", Integer, nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("head_seq", BigInteger, nullable=False),
    Column("group_info", LargeBinary, nullable=False),
    Column("roster", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

delivery_log = Table(
    "delivery_log",
    metadata,
    Column(
        "session_id",
        ForeignKey("delivery_groups.session_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", BigInteger, nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("content_type", SmallInteger, nullable=False),
    Column("wire_format", SmallInteger, nullable=False),
    Column("digest", LargeBinary(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("session_id", "seq", name="pk_delivery_log"),
    UniqueConstraint("session_id", "digest", name="uq_delivery_log_digest"),
    Index("ix_delivery_log_created_at", "created_at"),
)

key_packages = Table(
    "key_packages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("ref", LargeBinary(64), nullable=False, unique=True),
    Column("cipher_suite", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("last_resort", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

delivery_removals = Table(
    "delivery_removals",
    metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("removed_by", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("session_id", "member_id", name="pk_delivery_removals"),
)

delivery_settings = Table(
    "delivery_settings",
    metadata,
    Column("dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True),
    Column("retention_seconds", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
