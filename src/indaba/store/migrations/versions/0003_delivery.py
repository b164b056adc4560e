"""delivery: MLS groups, ordered logs, KeyPackages, removals, retention settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:54:48.077696
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from indaba.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_settings",
        sa.Column("dialogue_id", sa.String(length=32), nullable=False),
        sa.Column("retention_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_delivery_settings_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dialogue_id", name=op.f("pk_delivery_settings")),
    )
    op.create_table(
        "key_packages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.LargeBinary(length=64), nullable=False),
        sa.Column("cipher_suite", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("last_resort", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_key_packages_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_packages")),
        sa.UniqueConstraint("ref", name=op.f("uq_key_packages_ref")),
    )
    with op.batch_alter_table("key_packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_packages_member_id"), ["member_id"], unique=False)

    op.create_table(
        "delivery_groups",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.LargeBinary(), nullable=False),
        sa.Column("cipher_suite", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("group_info", sa.LargeBinary(), nullable=False),
        sa.Column("roster", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_delivery_groups_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_delivery_groups")),
    )
    op.create_table(
        "delivery_removals",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("removed_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_delivery_removals_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_delivery_removals_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "member_id", name="pk_delivery_removals"),
    )
    op.create_table(
        "delivery_log",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.SmallInteger(), nullable=False),
        sa.Column("wire_format", sa.SmallInteger(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["delivery_groups.session_id"],
            name=op.f("fk_delivery_log_session_id_delivery_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "seq", name="pk_delivery_log"),
        sa.UniqueConstraint("session_id", "digest", name="uq_delivery_log_digest"),
    )
    with op.batch_alter_table("delivery_log", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_log_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery_log", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_log_created_at")

    op.drop_table("delivery_log")
    op.drop_table("delivery_removals")
    op.drop_table("delivery_groups")
    with op.batch_alter_table("key_packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_packages_member_id"))

    op.drop_table("key_packages")
    op.drop_table("delivery_settings")
