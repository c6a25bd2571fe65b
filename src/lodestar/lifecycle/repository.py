"""Queries on the stage history (the recorded changes of each account's lifecycle stage)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import pyarrow as pa
from sqlalchemy import Row, Table, delete, func, insert, select
from sqlalchemy.orm import Session

from lodestar.db.staging import delete_missing, fetch_columns, insert_missing, staged
from lodestar.lifecycle.models import StageTransition

# The Core table: plain executemany inserts, much faster than the ORM's bulk path.
TRANSITIONS_TABLE = cast(Table, StageTransition.__table__)


def replace_transitions(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the stage changes recorded on these dates."""
    session.execute(delete(StageTransition).where(StageTransition.on.in_(list(days))))
    if rows:
        session.execute(insert(TRANSITIONS_TABLE), rows)


CHANGE_KEY = ("account_id", "on")
CHANGE_VALUES = ("from_stage", "to_stage", "reason")


def sync_transitions(session: Session, days: Sequence[date], rows: pa.Table) -> tuple[int, int]:
    """Makes the stage changes recorded on these dates equal these rows, keeping the ones already recorded
    (their ids too): a change not found any more is deleted, a new one inserted; (inserted, deleted)."""
    table = TRANSITIONS_TABLE
    columns = [table.c[n] for n in (*CHANGE_KEY, *CHANGE_VALUES)]
    with staged(session, columns, rows, CHANGE_KEY) as staging:
        scope = table.c.on.in_(list(days))
        deleted = delete_missing(session, table, staging, scope, CHANGE_KEY, CHANGE_VALUES)
        inserted = insert_missing(session, table, staging, CHANGE_KEY, CHANGE_VALUES)
    return inserted, deleted


def last_change_columns(session: Session, as_of: date, account_id: int | None = None) -> pa.Table:
    """last_change_on_or_before (of every account, or just this one) as columns: account_id, on."""
    stmt = (
        select(StageTransition.account_id, func.max(StageTransition.on))
        .where(StageTransition.on <= as_of)
        .group_by(StageTransition.account_id)
    )
    if account_id is not None:
        stmt = stmt.where(StageTransition.account_id == account_id)
    return fetch_columns(session, stmt, pa.schema([("account_id", pa.int64()), ("on", pa.date32())]))


def transitions_of(session: Session, account_id: int, newest_first: bool = False) -> list[StageTransition]:
    """One account's stage changes, oldest first (newest first when asked)."""
    stmt = select(StageTransition).where(StageTransition.account_id == account_id)
    if newest_first:
        stmt = stmt.order_by(StageTransition.on.desc(), StageTransition.id.desc())
    else:
        stmt = stmt.order_by(StageTransition.on, StageTransition.id)
    return list(session.scalars(stmt))


def last_change_on_or_before(session: Session, as_of: date) -> dict[int, date]:
    """Each account's latest stage change on or before a date."""
    stmt = (
        select(StageTransition.account_id, func.max(StageTransition.on))
        .where(StageTransition.on <= as_of)
        .group_by(StageTransition.account_id)
    )
    return {account: on for account, on in session.execute(stmt)}


def entries_on_or_before(session: Session, as_of: date) -> Sequence[Row[int, date, str | None]]:
    """Every stage change on or before a date as (account_id, on, to_stage) rows."""
    stmt = select(StageTransition.account_id, StageTransition.on, StageTransition.to_stage).where(
        StageTransition.on <= as_of
    )
    return session.execute(stmt).all()
