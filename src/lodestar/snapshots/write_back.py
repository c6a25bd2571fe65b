"""What a snapshot run keeps in the operational tables, as column operations written set-based.

Health history, stage changes and the accounts' denormalised values (health, trend, stage, tier) are built as
Arrow columns and handed to the domains' bulk writers, which touch only rows whose values changed: a rerun of
the same date writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.health import service as health_service
from lodestar.lifecycle import service as lifecycle_service

HISTORY_COLUMNS = ["account_id", "as_of", "score", "grade", "coverage", "model", "model_version", "stage"]
TREND_DAYS = (7, 30)
TREND_WINDOW_DAYS = 60  # a trend compares with the latest score this far back at most


def _lookup(ids: pa.ChunkedArray | pa.Array, other: pa.Table, column: str) -> pa.ChunkedArray:
    """other's `column` for each id (null where other has no row for it)."""
    if other.num_rows == 0:
        return pa.chunked_array([pa.nulls(len(ids), other.schema.field(column).type)])
    # Plain arrays throughout: a chunked `at` would make the taken values chunked, and wrapping those in
    # pa.chunked_array([...]) converts them value by value in Python.
    plain = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    at = pc.index_in(plain, value_set=other.column("account_id").combine_chunks())
    return pa.chunked_array([other.column(column).combine_chunks().take(at)])


def history(session: Session, as_of: date, table: pa.Table) -> int:
    """Stores one date's health history from its snapshot rows; rows written."""
    return health_service.write_history(session, as_of, table.select(HISTORY_COLUMNS))


def stage_changes(session: Session, days: Sequence[date], moves: pa.Table) -> tuple[int, int]:
    """Stores the stage changes of these dates (account_id, on, from_stage, to_stage, reason); (new, gone)."""
    return lifecycle_service.write_stage_changes(session, days, moves)


def tiers(session: Session, assigned: pa.Table, stored: pa.ChunkedArray | None = None) -> int:
    """Stores each account's assigned tier; accounts whose tier changed.

    `stored` (each account's tier as read, in the same order) leaves out the unchanged before anything is
    sent to the database: on most days no tier moves, and nothing is staged at all."""
    values = pa.table({"id": assigned.column("account_id"), "tier": assigned.column("tier")})
    if stored is not None:
        new = values.column("tier")
        same = pc.fill_null(pc.equal(new, stored), False)
        both_null = pc.and_(pc.is_null(new), pc.is_null(stored))
        values = values.filter(pc.invert(pc.or_(same, both_null)))
        if values.num_rows == 0:
            return 0
    return accounts_service.write_snapshot_values(session, values)


def account_values(session: Session, as_of: date, table: pa.Table) -> pa.Table:
    """The accounts' denormalised values from one date's snapshot rows (its history already stored)."""
    ids, score = table.column("account_id"), table.column("score")
    one = ids[0].as_py() if len(ids) == 1 else None  # a one-account recompute looks up that account only
    values = {
        "id": ids,
        "health_score": pc.round(score, 2),
        "health_grade": table.column("grade"),
    }
    for back in TREND_DAYS:
        earlier = health_service.scores_back(session, as_of, back, TREND_WINDOW_DAYS, one)
        values[f"health_trend_{back}d"] = pc.round(pc.subtract(score, _lookup(ids, earlier, "score")), 2)
    values["stage"] = table.column("stage")
    values["stage_since"] = _lookup(ids, lifecycle_service.last_change_columns(session, as_of, one), "on")
    values["in_renewal_window"] = pc.fill_null(table.column("in_renewal_window"), False)
    return pa.table(values)


def accounts(session: Session, as_of: date, table: pa.Table) -> int:
    """Copies the newest snapshot's health, trend and stage onto the accounts; accounts changed."""
    return accounts_service.write_snapshot_values(session, account_values(session, as_of, table))
