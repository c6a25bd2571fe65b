"""Tasks, their runs and the people behind them as columnar frames, for the SOP analytics.

The analytics read every task once with one SQL query and work on numpy/pandas columns; days are integers
(days since 1970-01-01) so comparisons are vectorised. A task not done carries NO_DAY as its done day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.sop.models import PlaybookRun, Task

EPOCH = date(1970, 1, 1)
NO_DAY = 2**40  # "never": later than any due day, so a task not done is never on time


def day(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def from_day(n: int) -> date:
    """The date of a day number."""
    return EPOCH + timedelta(days=int(n))


def _days(values: pd.Series) -> np.ndarray:
    """Day numbers of a column of dates or ISO date texts (None becomes NO_DAY)."""
    out = np.full(len(values), NO_DAY, dtype=np.int64)
    present = values.notna().to_numpy()
    if present.any():
        stamps = np.array(values[present].tolist(), dtype="datetime64[D]")
        out[present] = stamps.astype(np.int64)
    return out


@dataclass(frozen=True)
class People:
    """Names, managers and roles of every user, by id."""

    names: dict[int, str]
    managers: dict[int, int | None]
    roles: dict[int, str]

    def team_of(self, user_id: int | None) -> int | None:
        """The manager whose team the user is in (a manager leads their own team)."""
        if user_id is None:
            return None
        if self.roles.get(user_id) == Role.MANAGER.value:
            return user_id
        return self.managers.get(user_id)


def people(session: Session) -> People:
    """Every user's name, manager and role."""
    rows = session.execute(select(User.id, User.name, User.manager_id, User.role)).all()
    return People(
        names={r.id: r.name for r in rows},
        managers={r.id: r.manager_id for r in rows},
        roles={r.id: r.role for r in rows},
    )


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
    Task.assignee_id,
    Task.outcome_metric,
    Task.touch_id,
    PlaybookRun.triggered_on,
    PlaybookRun.stage,
    PlaybookRun.tier,
    Account.owner_id,
    # The CSM the run belongs to: its owner at the trigger, else the account's owner now.
    func.coalesce(PlaybookRun.owner_id, Account.owner_id).label("run_owner_id"),
)


def visible(session: Session, viewer: User | None) -> ColumnElement[bool] | None:
    """Tasks of accounts the viewer may see, and tasks assigned to people in the viewer's scope."""
    if viewer is None:
        return None
    scope = auth_service.scope_for(session, viewer)
    if scope.owner_ids is None:
        return None
    ids = sorted(scope.owner_ids)
    return or_(Account.owner_id.in_(ids), Task.assignee_id.in_(ids))


def load_tasks(
    session: Session,
    *,
    viewer: User | None = None,
    due_by: date | None = None,
    due_from: date | None = None,
    playbook_key: str | None = None,
    triggered_by: date | None = None,
) -> pd.DataFrame:
    """Tasks with their run's trigger day, stage and tier; day columns `due`, `done`, `triggered`."""
    stmt = (
        select(*TASK_COLUMNS)
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .join(Account, Account.id == Task.account_id)
    )
    if due_by is not None:
        stmt = stmt.where(Task.due_on <= due_by)
    if due_from is not None:
        stmt = stmt.where(Task.due_on >= due_from)
    if triggered_by is not None:
        stmt = stmt.where(PlaybookRun.triggered_on <= triggered_by)
    if playbook_key is not None:
        stmt = stmt.where(Task.playbook_key == playbook_key)
    rule = visible(session, viewer)
    if rule is not None:
        stmt = stmt.where(rule)
    result = session.execute(stmt)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    frame["due"] = _days(frame["due_on"])
    frame["done"] = _days(frame["done_on"])
    frame["triggered"] = _days(frame["triggered_on"])
    frame["required"] = frame["required"].astype(bool)
    for column in ("assignee_id", "owner_id", "touch_id", "run_owner_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def outcome_columns(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Adds on_time / late / skipped / missed as they stood on `as_of` (work after it does not count yet)."""
    cutoff = day(as_of)
    done = (frame["status"] == "done").to_numpy() & (frame["done"].to_numpy() <= cutoff)
    skipped = (frame["status"] == "skipped").to_numpy()
    on_time = done & (frame["done"].to_numpy() <= frame["due"].to_numpy())
    return frame.assign(
        on_time=on_time,
        late=done & ~on_time,
        skipped=skipped & ~done,
        missed=~done & ~skipped,
    )


COUNT_COLUMNS = ("on_time", "late", "skipped", "missed", "due")
GROUPABLE = {
    "assignee_id": Task.assignee_id,
    "playbook_key": Task.playbook_key,
    "step_key": Task.step_key,
    "tier": PlaybookRun.tier,
    "due_on": Task.due_on,
}


def required_counts(
    session: Session,
    *,
    as_of: date,
    group: Sequence[str],
    viewer: User | None = None,
    due_by: date | None = None,
    due_from: date | None = None,
    playbook_key: str | None = None,
) -> pd.DataFrame:
    """Required tasks due by `due_by` (default as_of) counted in SQL per group: how each stood on as_of."""
    done_by = and_(Task.status == "done", Task.done_on <= as_of)
    outcomes = {
        "on_time": and_(done_by, Task.done_on <= Task.due_on),
        "late": and_(done_by, Task.done_on > Task.due_on),
        "skipped": and_(Task.status == "skipped", ~done_by),
        "missed": and_(Task.status != "skipped", ~done_by),
    }
    keys = [GROUPABLE[g].label(g) for g in group]
    sums = [func.sum(case((rule, 1), else_=0)).label(name) for name, rule in outcomes.items()]
    stmt = (
        select(*keys, *sums, func.count().label("due"), func.max(Task.title).label("title"))
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .where(Task.required.is_(True), Task.due_on <= (due_by or as_of))
        .group_by(*[GROUPABLE[g] for g in group])
    )
    rule = visible(session, viewer)
    if rule is not None:
        stmt = stmt.join(Account, Account.id == Task.account_id).where(rule)
    if due_from is not None:
        stmt = stmt.where(Task.due_on >= due_from)
    if playbook_key is not None:
        stmt = stmt.where(Task.playbook_key == playbook_key)
    result = session.execute(stmt)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].fillna(0).astype(np.int64)
    if "due_on" in frame:
        frame["due_day"] = _days(frame["due_on"])
    return frame


def _on_time(as_of: date) -> ColumnElement[bool]:
    return and_(Task.status == "done", Task.done_on <= as_of, Task.done_on <= Task.due_on)


def _frame(
    session: Session, stmt: Select[*tuple[Any, ...]], viewer: User | None, joined_account: bool
) -> pd.DataFrame:
    rule = visible(session, viewer)
    if rule is not None:
        if not joined_account:
            stmt = stmt.join(Account, Account.id == Task.account_id)
        stmt = stmt.where(rule)
    result = session.connection().execute(stmt)
    names = list(result.keys())
    # The driver's plain tuples, column by column: row objects and per-value type processing cost several
    # times the query itself on large portfolios (dates arrive as ISO text or date objects; _days reads both).
    rows = result.cursor.fetchall() if result.cursor is not None else []
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pd.DataFrame({n: np.asarray(c, dtype=object) for n, c in zip(names, columns, strict=True)})


def run_frame(session: Session, *, as_of: date, viewer: User | None = None) -> pd.DataFrame:
    """One row per run triggered by as_of: context, required-step attainment, and whether all are due."""
    on_time = case((and_(_on_time(as_of), Task.required.is_(True)), 1), else_=0)
    required = case((Task.required.is_(True), 1), else_=0)
    not_due = case((and_(Task.required.is_(True), Task.due_on > as_of), 1), else_=0)
    stmt = (
        select(
            PlaybookRun.id.label("run_id"),
            PlaybookRun.account_id,
            PlaybookRun.playbook_key,
            PlaybookRun.triggered_on,
            PlaybookRun.tier,
            PlaybookRun.stage,
            func.coalesce(PlaybookRun.owner_id, Account.owner_id).label("csm"),
            func.sum(on_time).label("on_time"),
            func.sum(required).label("required"),
            func.sum(not_due).label("not_due"),
        )
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .join(Account, Account.id == Task.account_id)
        .where(PlaybookRun.triggered_on <= as_of)
        .group_by(PlaybookRun.id, Account.owner_id)
    )
    frame = _frame(session, stmt, viewer, joined_account=True)
    counts = {c: frame[c].to_numpy(dtype=np.int64) for c in ("on_time", "required", "not_due")}
    with np.errstate(invalid="ignore", divide="ignore"):
        attained = np.where(
            counts["required"] > 0, counts["on_time"] / np.maximum(counts["required"], 1), np.nan
        )
    return frame.assign(
        run_id=frame["run_id"].to_numpy(dtype=np.int64),
        account_id=frame["account_id"].to_numpy(dtype=np.int64),
        triggered=_days(frame["triggered_on"]),
        csm=frame["csm"].astype("Int64"),
        attainment=attained,
        all_due=(counts["not_due"] == 0) & (counts["required"] > 0),
    )


def step_units(
    session: Session, runs: pd.DataFrame, *, as_of: date, playbooks: Sequence[str], viewer: User | None = None
) -> pd.DataFrame:
    """Tasks of these playbooks due by as_of, each with its run's context and whether it was on time."""
    stmt = select(Task.run_id, Task.step_key, case((_on_time(as_of), 1), else_=0).label("on_time")).where(
        Task.due_on <= as_of, Task.playbook_key.in_(playbooks)
    )
    tasks = _frame(session, stmt, viewer, joined_account=False)
    tasks = tasks.assign(
        run_id=tasks["run_id"].to_numpy(dtype=np.int64),
        on_time=tasks["on_time"].to_numpy(dtype=np.int64) == 1,
    )
    return tasks.merge(runs.drop(columns=["on_time"]), on="run_id", how="inner")
