"""consultation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:48:48.023901
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from indaba.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "moderation_decisions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dialogue_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("statement_number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_moderation_decisions_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_decisions")),
        sa.UniqueConstraint("dialogue_id", "sequence", name="uq_moderation_decisions_sequence"),
    )
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_decisions_dialogue_id"), ["dialogue_id"], unique=False
        )

    op.create_table(
        "statements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dialogue_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("prompt_index", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_statements_author_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_statements_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("dialogue_id", "number", name="uq_statements_dialogue_number"),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statements_dialogue_id"), ["dialogue_id"], unique=False
        )

    op.create_table(
        "statement_reports",
        sa.Column("statement_id", sa.String(length=32), nullable=False),
        sa.Column("reporter_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["members.id"],
            name=op.f("fk_statement_reports_reporter_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_reports_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", "reporter_id", name=op.f("pk_statement_reports")),
    )
    op.create_table(
        "statement_translations",
        sa.Column("statement_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_translations_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", "language", name=op.f("pk_statement_translations")),
    )
    op.create_table(
        "votes",
        sa.Column("statement_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("dialogue_id", sa.String(length=32), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogues.id"],
            name=op.f("fk_votes_dialogue_id_dialogues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_votes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_votes_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", "member_id", name=op.f("pk_votes")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_votes_dialogue_id"), ["dialogue_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_votes_dialogue_id"))

    op.drop_table("votes")
    op.drop_table("statement_translations")
    op.drop_table("statement_reports")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_dialogue_id"))

    op.drop_table("statements")
    with op.batch_alter_table("moderation_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_decisions_dialogue_id"))

    op.drop_table("moderation_decisions")
