"""The SQL the SOP measurement runs over tasks and runs: one set-based statement per frame.

Visibility comes in as a condition the caller builds (tasks of the scope's accounts or its people); account
columns (owner, tier) are joined in by the caller from the accounts service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from lodestar.sop.tasks.models import PlaybookRun, Task

TASK_COLUMNS = (
    Task.id.label("task_id"),
    Task.run_id,
    Task.account_id,
    Task.playbook_key,
    Task.step_key,
    Task.position,
    Task.title,
    Task.required,
    Task.status,
    Task.due_on,
    Task.done_on,
    Task.expired_on,
    Task.assignee_id,
    Task.outcome_metric,
    Task.touch_id,
    PlaybookRun.triggered_on,
    PlaybookRun.stage,
    PlaybookRun.tier,
    PlaybookRun.owner_id.label("run_owner_id"),  # the owner at the trigger (None: the account's now)
)
GROUPABLE = {
    "assignee_id": Task.assignee_id,
    "playbook_key": Task.playbook_key,
    "step_key": Task.step_key,
    "tier": PlaybookRun.tier,
    "due_on": Task.due_on,
}


def not_owed() -> ColumnElement[bool]:
    """A task that expired on or before its due day: its stage ended before the step was owed, so it is
    left out of every count of due steps (an expiry after the due day stays a missed step)."""
    return and_(Task.status == "expired", func.coalesce(Task.expired_on <= Task.due_on, False))


def _frame(session: Session, stmt: Select[*tuple[Any, ...]]) -> pd.DataFrame:
    """A statement's rows as object columns, read straight from the driver."""
    result = session.connection().execute(stmt)
    names = list(result.keys())
    # The driver's plain tuples, column by column: row objects and per-value type processing cost several
    # times the query itself on large portfolios (dates come as ISO text or date objects; readers take both).
    rows = result.cursor.fetchall() if result.cursor is not None else []
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pd.DataFrame({n: np.asarray(c, dtype=object) for n, c in zip(names, columns, strict=True)})


def task_rows(
    session: Session,
    *,
    visible: ColumnElement[bool] | None,
    due_by: date | None = None,
    due_from: date | None = None,
    playbook_key: str | None = None,
    triggered_by: date | None = None,
) -> pd.DataFrame:
    """Tasks with their run's trigger day, stage, tier and owner at the trigger."""
    stmt = select(*TASK_COLUMNS).join(PlaybookRun, PlaybookRun.id == Task.run_id)
    if due_by is not None:
        stmt = stmt.where(Task.due_on <= due_by)
    if due_from is not None:
        stmt = stmt.where(Task.due_on >= due_from)
    if triggered_by is not None:
        stmt = stmt.where(PlaybookRun.triggered_on <= triggered_by)
    if playbook_key is not None:
        stmt = stmt.where(Task.playbook_key == playbook_key)
    if visible is not None:
        stmt = stmt.where(visible)
    result = session.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def required_counts(
    session: Session,
    *,
    as_of: date,
    group: Sequence[str],
    visible: ColumnElement[bool] | None,
    due_by: date | None = None,
    due_from: date | None = None,
    playbook_key: str | None = None,
) -> pd.DataFrame:
    """Required tasks due by `due_by` (default as_of) counted per group: how each stood on as_of."""
    done_by = and_(Task.status == "done", Task.done_on <= as_of)
    left_out = not_owed()
    outcomes = {
        "on_time": and_(done_by, Task.done_on <= Task.due_on),
        "late": and_(done_by, Task.done_on > Task.due_on),
        "skipped": and_(Task.status == "skipped", ~done_by),
        "missed": and_(Task.status != "skipped", ~done_by, ~left_out),
        "expired": left_out,
        "due": ~left_out,
    }
    keys = [GROUPABLE[g].label(g) for g in group]
    sums = [func.sum(case((rule, 1), else_=0)).label(name) for name, rule in outcomes.items()]
    stmt = (
        select(*keys, *sums, func.max(Task.title).label("title"))
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .where(Task.required.is_(True), Task.due_on <= (due_by or as_of))
        .group_by(*[GROUPABLE[g] for g in group])
    )
    if visible is not None:
        stmt = stmt.where(visible)
    if due_from is not None:
        stmt = stmt.where(Task.due_on >= due_from)
    if playbook_key is not None:
        stmt = stmt.where(Task.playbook_key == playbook_key)
    result = session.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _on_time(as_of: date) -> ColumnElement[bool]:
    return and_(Task.status == "done", Task.done_on <= as_of, Task.done_on <= Task.due_on)


def run_rows(session: Session, *, as_of: date, visible: ColumnElement[bool] | None) -> pd.DataFrame:
    """One row per run triggered by as_of: its context and owner at the trigger, and its required-step
    counts (on time by as_of, required, not yet due)."""
    owed = and_(Task.required.is_(True), ~not_owed())
    on_time = case((and_(_on_time(as_of), owed), 1), else_=0)
    required = case((owed, 1), else_=0)
    not_due = case((and_(owed, Task.due_on > as_of), 1), else_=0)
    stmt = (
        select(
            PlaybookRun.id.label("run_id"),
            PlaybookRun.account_id,
            PlaybookRun.playbook_key,
            PlaybookRun.triggered_on,
            PlaybookRun.tier,
            PlaybookRun.stage,
            PlaybookRun.owner_id,
            func.sum(on_time).label("on_time"),
            func.sum(required).label("required"),
            func.sum(not_due).label("not_due"),
        )
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .where(PlaybookRun.triggered_on <= as_of)
        .group_by(PlaybookRun.id)
    )
    return _frame(session, stmt if visible is None else stmt.where(visible))


def step_rows(
    session: Session, *, as_of: date, playbooks: Sequence[str], visible: ColumnElement[bool] | None
) -> pd.DataFrame:
    """(run_id, step_key, on_time 0/1) of the tasks of these playbooks due by as_of (those that expired
    before they were owed left out, as attainment leaves them out)."""
    on_time = case((_on_time(as_of), 1), else_=0).label("on_time")
    stmt = select(Task.run_id, Task.step_key, on_time).where(
        Task.due_on <= as_of, Task.playbook_key.in_(playbooks), ~not_owed()
    )
    return _frame(session, stmt if visible is None else stmt.where(visible))


def done_steps(session: Session, first: date, as_of: date) -> list[tuple[Any, ...]]:
    """(account_id, assignee_id, done_on) of the steps done in [first, as_of] without a touch."""
    stmt = select(Task.account_id, Task.assignee_id, Task.done_on).where(
        Task.status == "done", Task.touch_id.is_(None), Task.done_on >= first, Task.done_on <= as_of
    )
    return [tuple(r) for r in session.execute(stmt)]
