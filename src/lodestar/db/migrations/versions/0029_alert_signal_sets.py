"""Alert signals as packed sets: one row per date, rule and rules version instead of one per account

Revision ID: 0029
Revises: 0028
"""

import zlib

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# The packing of lodestar.alerts.signal_sets, kept here as it was when this revision was written.


def _pack(ids: list[int]) -> bytes:
    ordered = np.unique(np.asarray(ids, dtype=np.int64))
    return zlib.compress(np.diff(ordered, prepend=0).astype("<i8").tobytes())


def _unpack(blob: bytes) -> list[int]:
    return np.cumsum(np.frombuffer(zlib.decompress(blob), dtype="<i8")).astype(np.int64).tolist()


_SETS = sa.table(
    "alert_signal_sets",
    sa.column("as_of", sa.Date()),
    sa.column("rule_key", sa.String()),
    sa.column("rules_version", sa.Integer()),
    sa.column("accounts", sa.Integer()),
    sa.column("account_ids", sa.LargeBinary()),
)
_ROWS = sa.table(
    "alert_signals",
    sa.column("as_of", sa.Date()),
    sa.column("rule_key", sa.String()),
    sa.column("rules_version", sa.Integer()),
    sa.column("account_id", sa.Integer()),
)
_KEY = (_ROWS.c.as_of, _ROWS.c.rule_key, _ROWS.c.rules_version)


def upgrade() -> None:
    op.create_table(
        "alert_signal_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rule_key", sa.String(length=60), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("account_ids", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_signal_sets")),
        sa.UniqueConstraint(
            "as_of",
            "rule_key",
            "rules_version",
            name=op.f("uq_alert_signal_sets_as_of"),
        ),
    )
    bind = op.get_bind()
    # One set per date, rule and version, read one at a time: memory stays that of one date's rule.
    for as_of, rule_key, version in bind.execute(sa.select(*_KEY).distinct().order_by(*_KEY)).all():
        same = (_ROWS.c.as_of == as_of, _ROWS.c.rule_key == rule_key, _ROWS.c.rules_version == version)
        ids = list(bind.execute(sa.select(_ROWS.c.account_id).where(*same)).scalars())
        packed = {"accounts": len(set(ids)), "account_ids": _pack(ids)}
        bind.execute(sa.insert(_SETS).values(as_of=as_of, rule_key=rule_key, rules_version=version, **packed))
    op.drop_table("alert_signals")


def downgrade() -> None:
    op.create_table(
        "alert_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rule_key", sa.String(length=60), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_alert_signals_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_signals")),
    )
    op.create_index("ix_alert_signals_date_rule", "alert_signals", ["as_of", "rule_key"])
    op.create_index(op.f("ix_alert_signals_account_id"), "alert_signals", ["account_id"])
    bind = op.get_bind()
    known = set(bind.execute(sa.text("SELECT id FROM accounts")).scalars())
    sets = sa.select(_SETS.c.as_of, _SETS.c.rule_key, _SETS.c.rules_version, _SETS.c.account_ids)
    for as_of, rule_key, version, blob in bind.execute(sets).all():
        rows = [
            {"as_of": as_of, "rule_key": rule_key, "rules_version": version, "account_id": a}
            for a in _unpack(blob)
            if a in known  # a row per account had gone with its account (ON DELETE CASCADE)
        ]
        if rows:
            bind.execute(sa.insert(_ROWS), rows)
    op.drop_table("alert_signal_sets")
