"""Queries on health history and stored backtests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, cast

import pyarrow as pa
from sqlalchemy import Table, delete, func, insert, select, true
from sqlalchemy.orm import Session

from lodestar.db.staging import (
    bulk_insert,
    delete_missing,
    fetch_columns,
    insert_missing,
    staged,
    update_changed,
)
from lodestar.health.models import Backtest, HealthHistory

# The Core table: plain executemany inserts, much faster than the ORM's bulk path.
HISTORY_TABLE = cast(Table, HealthHistory.__table__)


def replace_history(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the health history of these dates."""
    session.execute(delete(HealthHistory).where(HealthHistory.as_of.in_(list(days))))
    if rows:
        session.execute(insert(HISTORY_TABLE), rows)


HISTORY_KEY = ("account_id", "as_of")
HISTORY_VALUES = ("score", "grade", "coverage", "model", "model_version", "stage")


def sync_history(session: Session, as_of: date, rows: pa.Table, account_id: int | None = None) -> int:
    """Makes the history of one date (of one account, when given) equal these rows, touching only rows that
    differ: changed rows are updated, new ones inserted, vanished ones deleted; rows written."""
    table = HISTORY_TABLE
    scope = table.c.as_of == as_of
    if account_id is not None:
        scope = scope & (table.c.account_id == account_id)
    columns = [table.c[n] for n in (*HISTORY_KEY, *HISTORY_VALUES)]
    if session.execute(select(table.c.account_id).where(scope).limit(1)).first() is None:
        # A date with no history yet (each day's run): every row is new, nothing to compare with.
        return bulk_insert(session, table, rows.select([c.name for c in columns]))
    with staged(session, columns, rows, HISTORY_KEY) as staging:
        written = delete_missing(session, table, staging, scope, HISTORY_KEY)
        written += update_changed(session, table, staging, HISTORY_KEY, HISTORY_VALUES)
        written += insert_missing(session, table, staging, HISTORY_KEY)
    return written


def scores_before(
    session: Session, as_of: date, first: date, last: date, account_id: int | None = None
) -> pa.Table:
    """Each account with history on as_of (or only this one) and its latest score in [first, last]; accounts
    with no score in that span may be left out (their score is null)."""
    table = HISTORY_TABLE
    mine = table.c.account_id == account_id if account_id is not None else true()
    newest = session.scalar(
        select(func.max(table.c.as_of)).where(table.c.as_of >= first, table.c.as_of <= last, mine)
    )
    schema = pa.schema([("account_id", pa.int64()), ("score", pa.float64())])
    if newest is None:
        return schema.empty_table()
    # Most accounts were scored on the newest date of the span: one date's rows answer for them, read in
    # one pass. The others (new or unscored then) walk their own older history below.
    found = select(table.c.account_id, table.c.score).where(
        table.c.as_of == newest, table.c.score.is_not(None), mine
    )
    older = select(func.max(table.c.as_of)).where(table.c.as_of >= first, table.c.as_of < newest, mine)
    if session.scalar(older) is None:
        return fetch_columns(session, found, schema)
    now, then = table.alias("now"), table.alias("then")
    # A correlated lookup per account walks the (account_id, as_of) primary key backwards: its cost does
    # not grow with the days of history kept, as a scan of the whole window's rows would.
    earlier = (
        select(then.c.score)
        .where(
            then.c.account_id == now.c.account_id,
            then.c.as_of >= first,
            then.c.as_of < newest,
            then.c.score.is_not(None),
        )
        .order_by(then.c.as_of.desc())
        .limit(1)
        .scalar_subquery()
    )
    rest = select(now.c.account_id, earlier).where(
        now.c.as_of == as_of, now.c.account_id.not_in(select(found.subquery().c.account_id))
    )
    if account_id is not None:
        rest = rest.where(now.c.account_id == account_id)
    return pa.concat_tables([fetch_columns(session, found, schema), fetch_columns(session, rest, schema)])


def replace_account_history(
    session: Session, account_id: int, as_of: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces one account's health on one date."""
    session.execute(
        delete(HealthHistory).where(HealthHistory.account_id == account_id, HealthHistory.as_of == as_of)
    )
    if rows:
        session.execute(insert(HISTORY_TABLE), rows)


def replace_accounts_history(
    session: Session, account_ids: Collection[int], as_of: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces these accounts' health on one date."""
    ids = sorted(account_ids)
    stmt = delete(HealthHistory).where(HealthHistory.account_id.in_(ids), HealthHistory.as_of == as_of)
    session.execute(stmt)
    if rows:
        session.execute(insert(HISTORY_TABLE), rows)


def history_of_accounts(
    session: Session, account_ids: Collection[int], first: date, last: date
) -> list[HealthHistory]:
    """These accounts' health history in [first, last], oldest first."""
    stmt = (
        select(HealthHistory)
        .where(HealthHistory.account_id.in_(sorted(account_ids)))
        .where(HealthHistory.as_of >= first, HealthHistory.as_of <= last)
        .order_by(HealthHistory.account_id, HealthHistory.as_of)
    )
    return list(session.scalars(stmt))


def history_between(session: Session, first: date, last: date) -> list[HealthHistory]:
    """Every account's health history in [first, last]."""
    stmt = select(HealthHistory).where(HealthHistory.as_of >= first, HealthHistory.as_of <= last)
    return list(session.scalars(stmt))


def history_of(session: Session, account_id: int) -> list[HealthHistory]:
    """One account's health on every snapshot date, oldest first."""
    stmt = select(HealthHistory).where(HealthHistory.account_id == account_id).order_by(HealthHistory.as_of)
    return list(session.scalars(stmt))


def history_on(session: Session, as_of: date) -> list[HealthHistory]:
    """Every account's health on one date."""
    return list(session.scalars(select(HealthHistory).where(HealthHistory.as_of == as_of)))


def history_dates(session: Session) -> list[date]:
    """Every date with health history, oldest first."""
    stmt = select(HealthHistory.as_of).distinct().order_by(HealthHistory.as_of)
    return list(session.scalars(stmt))


def add_backtests(session: Session, rows: list[dict[str, Any]]) -> list[Backtest]:
    """Stores backtest results."""
    stored = [Backtest(**row) for row in rows]
    session.add_all(stored)
    session.flush()
    return stored


def backtests(session: Session, limit: int) -> list[Backtest]:
    """The newest backtest results first."""
    return list(session.scalars(select(Backtest).order_by(Backtest.id.desc()).limit(limit)))
