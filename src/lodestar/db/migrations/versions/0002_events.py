"""event ingestion: write keys, counters, rejections, group links, unmatched groups, move state

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "event_write_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("rotated_at", _TS, nullable=True),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_write_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_event_write_keys_name")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_event_write_keys_key_hash")),
    )
    op.create_table(
        "event_counters",
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("hour", _TS, nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("deduplicated", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.BigInteger(), nullable=False),
        sa.Column("newest_event_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("source", "type", "hour", name=op.f("pk_event_counters")),
    )
    op.create_table(
        "event_rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sample", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_rejections")),
    )
    op.create_index(op.f("ix_event_rejections_at"), "event_rejections", ["at"], unique=False)
    op.create_table(
        "event_group_links",
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("group_id", sa.String(length=200), nullable=False),
        sa.Column("linked_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_event_group_links")),
    )
    op.create_table(
        "event_unmatched_groups",
        sa.Column("group_id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("first_seen", _TS, nullable=False),
        sa.Column("last_seen", _TS, nullable=False),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_event_unmatched_groups")),
    )
    op.create_table(
        "event_move_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.String(length=40), nullable=False),
        sa.Column("moved_offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_move_state")),
    )
    op.create_index("ix_event_move_state_log", "event_move_state", ["log_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_event_move_state_log", table_name="event_move_state")
    op.drop_table("event_move_state")
    op.drop_table("event_unmatched_groups")
    op.drop_table("event_group_links")
    op.drop_index(op.f("ix_event_rejections_at"), table_name="event_rejections")
    op.drop_table("event_rejections")
    op.drop_table("event_counters")
    op.drop_table("event_write_keys")
