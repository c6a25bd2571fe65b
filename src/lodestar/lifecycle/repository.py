"""Queries on the stage history (the recorded changes of each account's lifecycle stage)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, cast

import pyarrow as pa
from sqlalchemy import ColumnElement, Row, ScalarSelect, Table, delete, func, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lodestar.db.staging import bulk_insert, delete_missing, fetch_columns, insert_missing, staged
from lodestar.lifecycle.models import StageTransition

# The Core table: plain executemany inserts, much faster than the ORM's bulk path.
TRANSITIONS_TABLE = cast(Table, StageTransition.__table__)


def replace_transitions(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the stage changes recorded on these dates."""
    session.execute(delete(StageTransition).where(StageTransition.on.in_(list(days))))
    if rows:
        session.execute(insert(TRANSITIONS_TABLE), rows)


def replace_account_transitions(
    session: Session, account_ids: Collection[int], on: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces these accounts' stage changes recorded on one date."""
    ids = sorted(account_ids)
    session.execute(
        delete(StageTransition).where(StageTransition.account_id.in_(ids), StageTransition.on == on)
    )
    if rows:
        session.execute(insert(TRANSITIONS_TABLE), rows)


CHANGE_KEY = ("account_id", "on")
CHANGE_VALUES = ("from_stage", "to_stage", "reason")


def sync_transitions(session: Session, days: Sequence[date], rows: pa.Table) -> tuple[int, int]:
    """Makes the stage changes recorded on these dates equal these rows, keeping the ones already recorded
    (their ids too): a change not found any more is deleted, a new one inserted; (inserted, deleted)."""
    table = TRANSITIONS_TABLE
    columns = [table.c[n] for n in (*CHANGE_KEY, *CHANGE_VALUES)]
    scope = table.c.on.in_(list(days))
    if session.execute(select(table.c.id).where(scope).limit(1)).first() is None:
        # Dates with no stage change recorded yet (a first run: every account enters its first stage): all
        # rows are new, nothing to compare with or delete.
        return bulk_insert(session, table, rows.select([c.name for c in columns])), 0
    with staged(session, columns, rows, CHANGE_KEY) as staging:
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


def last_change_on_or_before(
    session: Session, as_of: date, account_ids: Collection[int] | None = None
) -> dict[int, date]:
    """Each account's (or each of these accounts') latest stage change on or before a date."""
    stmt = (
        select(StageTransition.account_id, func.max(StageTransition.on))
        .where(StageTransition.on <= as_of)
        .group_by(StageTransition.account_id)
    )
    if account_ids is not None:
        stmt = stmt.where(StageTransition.account_id.in_(sorted(account_ids)))
    return {account: on for account, on in session.execute(stmt)}


def entries_on_or_before(session: Session, as_of: date) -> Sequence[Row[int, date, str | None]]:
    """Every stage change on or before a date as (account_id, on, to_stage) rows."""
    stmt = select(StageTransition.account_id, StageTransition.on, StageTransition.to_stage).where(
        StageTransition.on <= as_of
    )
    return session.execute(stmt).all()


def first_change_after(
    account_id: ColumnElement[int] | InstrumentedAttribute[int],
    day: ColumnElement[date] | InstrumentedAttribute[date],
    as_of: date,
) -> ScalarSelect[date]:
    """The day of an account's first stage change after `day` and on or before as_of (NULL when none), as a
    correlated subquery over another table's account and day columns."""
    return (
        select(func.min(StageTransition.on))
        .where(
            StageTransition.account_id == account_id, StageTransition.on > day, StageTransition.on <= as_of
        )
        .scalar_subquery()
    )
