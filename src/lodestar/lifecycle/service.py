"""Stage history: the recorded changes of each account's lifecycle stage, written by the snapshot run."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import ColumnElement, Row, ScalarSelect
from sqlalchemy.orm import InstrumentedAttribute, Session

from lodestar.lifecycle import config_kind, phases, repository
from lodestar.lifecycle.models import StageTransition


def record_stage_changes(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the stage changes recorded on these dates with these rows."""
    repository.replace_transitions(session, days, rows)


def record_account_stage_changes(
    session: Session, account_ids: Collection[int], on: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces these accounts' stage changes recorded on one date (a recompute of a few accounts)."""
    repository.replace_account_transitions(session, account_ids, on, rows)


def write_stage_changes(session: Session, days: Sequence[date], rows: pa.Table) -> tuple[int, int]:
    """Makes the stage changes of these dates equal these rows (account_id, on, from_stage, to_stage,
    reason), leaving the ones already recorded untouched; (inserted, deleted)."""
    return repository.sync_transitions(session, days, rows)


def last_change_columns(session: Session, as_of: date, account_id: int | None = None) -> pa.Table:
    """last_change_dates (of every account, or just this one) as columns: account_id, on."""
    return repository.last_change_columns(session, as_of, account_id)


def stage_history(session: Session, account_id: int, newest_first: bool = False) -> list[StageTransition]:
    """An account's stage changes with dates and reasons, oldest first (newest first when asked)."""
    return repository.transitions_of(session, account_id, newest_first)


def last_change_dates(
    session: Session, as_of: date, account_ids: Collection[int] | None = None
) -> dict[int, date]:
    """The date of each account's (or each of these accounts') latest stage change on or before as_of."""
    return repository.last_change_on_or_before(session, as_of, account_ids)


def stage_entries_until(session: Session, as_of: date) -> Sequence[Row[int, date, str | None]]:
    """Every stage change on or before as_of as (account_id, on, to_stage) rows."""
    return repository.entries_on_or_before(session, as_of)


def first_change_after(
    account_id: ColumnElement[int] | InstrumentedAttribute[int],
    day: ColumnElement[date] | InstrumentedAttribute[date],
    as_of: date,
) -> ScalarSelect[date]:
    """The day of an account's first stage change after `day` (up to as_of), as a correlated subquery that
    another domain's statement embeds (the SOP expires tasks of stages their account has left with it)."""
    return repository.first_change_after(account_id, day, as_of)


def renewal_window_opening_days(session: Session, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The day each contract's renewal window opens under the active lifecycle model (the same rule the
    stage engine places the renewal phase with), over arrays of days (datetime64[D])."""
    model, _ = config_kind.current(session)
    epoch = np.datetime64("1970-01-01", "D")
    start, end = ((a.astype("datetime64[D]") - epoch).astype(np.int64) for a in (starts, ends))
    return phases.renewal_window_opens(model, start, end) + epoch
