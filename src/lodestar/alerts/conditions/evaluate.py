"""The entry point: which rules hold for which accounts on a date, with evidence in words and numbers."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path

import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.alerts.schemas import AlertRules

# The findings table: one row per (rule, account) whose condition holds on the date.
FINDINGS = pa.schema(
    [
        ("rule_key", pa.string()),
        ("account_id", pa.int64()),
        # JSON text: [{"msgid": "active users %(before)s → %(now)s (%(pct)s) vs the prior 4 weeks",
        #              "values": {...}}] — sentences a page or message renders in the reader's language.
        ("evidence", pa.string()),
    ]
)


def evaluate(
    session: Session,
    root: Path,
    rules: AlertRules,
    as_of: date,
    account_ids: Collection[int] | None = None,
) -> pa.Table:
    """Every enabled rule's condition on `as_of` over the accounts (all, or these): the rows that hold."""
    raise NotImplementedError("being built")
