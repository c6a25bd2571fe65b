"""Queries on playbook runs and tasks."""

from __future__ import annotations

import json
import typing
from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    Table,
    Text,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from lodestar.db.bulk import insert_returning_ids
from lodestar.sop.tasks.models import PlaybookRun, Task, TaskStatus

BATCH = 5_000  # keeps IN (...) lists under SQLite's bound-parameter limit
OPEN = TaskStatus.OPEN.value
TaskRows = Select[Task, PlaybookRun, Any, Any, Any]


def _chunks(values: Collection[Any]) -> Iterable[list[Any]]:
    ordered = sorted(values)
    for i in range(0, len(ordered), BATCH):
        yield ordered[i : i + BATCH]


def existing_run_keys(session: Session, refs: Collection[str]) -> set[tuple[str, int, str]]:
    """(playbook_key, account_id, trigger_ref) of the runs already made for these trigger refs."""
    found: set[tuple[str, int, str]] = set()
    cols = (PlaybookRun.playbook_key, PlaybookRun.account_id, PlaybookRun.trigger_ref)
    for chunk in _chunks(refs):
        found.update(
            (k, a, r) for k, a, r in session.execute(select(*cols).where(PlaybookRun.trigger_ref.in_(chunk)))
        )
    return found


def runs_of_refs(session: Session, refs: Collection[str]) -> list[tuple[int, str, str]]:
    """(id, playbook_key, trigger_ref) of the runs made for these trigger refs, oldest first."""
    cols = (PlaybookRun.id, PlaybookRun.playbook_key, PlaybookRun.trigger_ref)
    found: list[tuple[int, str, str]] = []
    for chunk in _chunks(refs):
        found.extend(
            (i, k, r) for i, k, r in session.execute(select(*cols).where(PlaybookRun.trigger_ref.in_(chunk)))
        )
    return sorted(found)


def task_states_of_refs(session: Session, refs: Collection[str]) -> list[tuple[str, int, str, int | None]]:
    """(trigger ref, account, task status, assignee) of the tasks of the runs made for these trigger refs."""
    out: list[tuple[str, int, str, int | None]] = []
    query = select(PlaybookRun.trigger_ref, Task.account_id, Task.status, Task.assignee_id).join(
        Task, Task.run_id == PlaybookRun.id
    )
    for chunk in _chunks(refs):
        out.extend(
            (r, a, s, u) for r, a, s, u in session.execute(query.where(PlaybookRun.trigger_ref.in_(chunk)))
        )
    return out


def insert_runs(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-inserts playbook runs; their ids in input order."""
    return insert_returning_ids(session, PlaybookRun, rows) if rows else []


def open_task_counts(session: Session) -> dict[int, int]:
    """Open tasks per assignee."""
    stmt = (
        select(Task.assignee_id, func.count())
        .where(Task.status == OPEN, Task.assignee_id.is_not(None))
        .group_by(Task.assignee_id)
    )
    return {int(a): int(n) for a, n in session.execute(stmt) if a is not None}


def last_unowned_assignee(session: Session) -> int | None:
    """The assignee of the newest task of an account without owner (where round robin carries on)."""
    stmt = (
        select(Task.assignee_id)
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .where(PlaybookRun.owner_id.is_(None), Task.assignee_id.is_not(None))
        .order_by(Task.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def get_run(session: Session, run_id: int) -> PlaybookRun | None:
    """One playbook run."""
    return session.get(PlaybookRun, run_id)


def get_task(session: Session, task_id: int) -> Task | None:
    """One task."""
    return session.get(Task, task_id)


def task_rows_stmt(standing: Subquery) -> TaskRows:
    """Tasks with their run and their account's ARR, health score and grade (for reading and sorting)."""
    stmt: TaskRows = (
        select(Task, PlaybookRun, standing.c.arr, standing.c.health_score, standing.c.health_grade)
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .outerjoin(standing, standing.c.account_id == Task.account_id)
    )
    return stmt


def sort_order(sort: str, standing: Subquery) -> list[Any]:
    """The ORDER BY of an inbox sort. ARR: biggest first, by its worth in the company currency. Health: worst
    score first. Risk: most ARR (worth) at risk first, where until a churn model exists the risk of an
    account is 1 - health score / 100 (no score: counted as 50)."""
    arr = func.coalesce(standing.c.worth, 0)
    score = standing.c.health_score
    if sort == "arr":
        keys: list[ColumnElement[Any]] = [arr.desc()]
    elif sort == "health":
        keys = [case((score.is_(None), 1), else_=0), score.asc()]
    elif sort == "risk":
        keys = [(arr * (100 - func.coalesce(score, 50))).desc()]
    else:
        keys = []
    return [*keys, Task.due_on, Task.id]


def in_scope(owned: Select[int], people: Sequence[int]) -> ColumnElement[bool]:
    """Tasks of the accounts `owned` selects (the scope's accounts), or assigned to one of these people."""
    return or_(Task.account_id.in_(owned), Task.assignee_id.in_(people))


def bucket_filter(bucket: str, today: date, upcoming_days: int) -> list[ColumnElement[bool]]:
    """The conditions of an inbox bucket on a day."""
    is_open = Task.status == OPEN
    if bucket == "today":
        return [is_open, Task.due_on == today]
    if bucket == "overdue":
        return [is_open, Task.due_on < today]
    if bucket == "upcoming":
        return [is_open, Task.due_on > today, Task.due_on <= today + timedelta(days=upcoming_days)]
    if bucket == "later":
        return [is_open, Task.due_on > today + timedelta(days=upcoming_days)]
    if bucket in {s.value for s in TaskStatus}:
        return [Task.status == bucket]
    return []


def task_filters(
    *, assignee_id: int | None, stage: str | None, playbook_key: str | None, account_id: int | None
) -> list[ColumnElement[bool]]:
    """The conditions of the inbox filters that are set."""
    out: list[ColumnElement[bool]] = []
    if assignee_id is not None:
        out.append(Task.assignee_id == assignee_id)
    if stage:
        out.append(PlaybookRun.stage == stage)
    if playbook_key:
        out.append(Task.playbook_key == playbook_key)
    if account_id is not None:
        out.append(Task.account_id == account_id)
    return out


def page(
    session: Session, stmt: TaskRows, order: Sequence[ColumnElement[Any]], limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of a task query in this order, and the total count."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ordered = stmt.order_by(*order).limit(limit).offset(offset)
    return [tuple(r) for r in session.execute(ordered)], total


def task_row(session: Session, task_id: int, standing: Subquery) -> tuple[Any, ...] | None:
    """One task with its run and its account's standing."""
    row = session.execute(task_rows_stmt(standing).where(Task.id == task_id)).first()
    return tuple(row) if row else None


def count_by_bucket(session: Session, stmt: TaskRows, today: date, upcoming_days: int) -> dict[str, int]:
    """How many open tasks of a query fall in each inbox bucket, in one statement."""
    soon = today + timedelta(days=upcoming_days)
    inner = stmt.where(Task.status == OPEN).with_only_columns(Task.due_on).order_by(None).subquery()
    due = inner.c.due_on
    buckets = {
        "overdue": due < today,
        "today": due == today,
        "upcoming": and_(due > today, due <= soon),
        "later": due > soon,
    }
    sums = [func.coalesce(func.sum(case((rule, 1), else_=0)), 0).label(k) for k, rule in buckets.items()]
    row = session.execute(select(*sums).select_from(inner)).one()
    return {k: int(v) for k, v in zip(buckets, row, strict=True)}


def open_due_counts(session: Session, assignee_id: int, last: date) -> list[tuple[date, int]]:
    """Open tasks of an assignee per due day, for every day up to `last` (overdue ones included)."""
    stmt = (
        select(Task.due_on, func.count())
        .where(Task.assignee_id == assignee_id, Task.status == OPEN, Task.due_on <= last)
        .group_by(Task.due_on)
    )
    return [(d, n) for d, n in session.execute(stmt)]


def open_tasks_of_kind(
    session: Session,
    kind: str,
    account_ids: Collection[int] | None = None,
    statuses: Collection[str] = (OPEN,),
) -> list[tuple[Task, date]]:
    """Open tasks (or those of these statuses) of this evidence kind, with their run's trigger day."""
    stmt = (
        select(Task, PlaybookRun.triggered_on)
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .where(Task.status.in_(sorted(statuses)), Task.evidence_kind == kind)
    )
    if account_ids is None:
        return [(t, d) for t, d in session.execute(stmt)]
    out: list[tuple[Task, date]] = []
    for chunk in _chunks(account_ids):
        out.extend((t, d) for t, d in session.execute(stmt.where(Task.account_id.in_(chunk))))
    return out


def used_touches(session: Session, account_ids: Collection[int]) -> set[tuple[Any, ...]]:
    """The touches already used as evidence on these accounts, as ("step", playbook_key, step_key,
    touch_id) and ("run", run_id, touch_id) keys."""
    out: set[tuple[Any, ...]] = set()
    cols = (Task.playbook_key, Task.step_key, Task.touch_id, Task.run_id)
    for chunk in _chunks(account_ids):
        stmt = select(*cols).where(Task.account_id.in_(chunk), Task.touch_id.is_not(None))
        for playbook, step, touch, run in session.execute(stmt):
            out |= {("step", playbook, step, touch), ("run", run, touch)}
    return out


def run_steps(session: Session, run_ids: Collection[int]) -> dict[tuple[int, str], tuple[str, date | None]]:
    """(status, done_on) of every task of these runs, by (run_id, step_key)."""
    out: dict[tuple[int, str], tuple[str, date | None]] = {}
    cols = (Task.run_id, Task.step_key, Task.status, Task.done_on)
    for chunk in _chunks(run_ids):
        out.update(
            {(r, k): (s, d) for r, k, s, d in session.execute(select(*cols).where(Task.run_id.in_(chunk)))}
        )
    return out


def close_tasks(session: Session, values: Sequence[dict[str, Any]]) -> None:
    """Writes many completions at once (each dict carries the task id as `id`)."""
    if values:
        session.execute(update(Task), list(values))


def task_ids_proved_by(session: Session, touch_id: int) -> list[int]:
    """The tasks a touch is the evidence of, by id."""
    return list(session.scalars(select(Task.id).where(Task.touch_id == touch_id).order_by(Task.id)))


def open_tasks_for_digest(session: Session, last: date) -> list[tuple[Any, ...]]:
    """(assignee_id, id, title, title_zh, due_on, account_id) of the open tasks due up to `last` with an
    assignee, for the e-mail digest."""
    stmt = (
        select(Task.assignee_id, Task.id, Task.title, Task.title_zh, Task.due_on, Task.account_id)
        .where(Task.status == OPEN, Task.assignee_id.is_not(None), Task.due_on <= last)
        .order_by(Task.assignee_id, Task.due_on, Task.id)
    )
    return [tuple(r) for r in session.execute(stmt)]


def cast_table(model: type[Any]) -> Table:
    """A mapped class's table, typed as the Table it is."""
    return typing.cast(Table, model.__table__)


def _days_after(session: Session, day: ColumnElement[Any], days: int) -> ColumnElement[Any]:
    """`day` + `days` as a date, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(day, f"{days:+d} days")
    return day + days  # PostgreSQL: date + integer is a date


def insert_step_tasks(
    session: Session,
    first_run: int,
    last_run: int,
    fields: dict[str, Any],
    rule: dict[str, Any],
    due_days: int,
    counts_from_days: int,
    managers: dict[int, int] | None = None,
) -> None:
    """Makes one step's task for every run with an id in [first_run, last_run] in one INSERT ... SELECT.

    The due date and the evidence window come from each run's trigger day inside the database, so 100,000
    runs cost five statements rather than half a million bound rows. Tasks go to the run's owner, or with
    `managers` (user id -> their active manager) to the owner's manager when they have one; runs of accounts
    without an active owner are then given a CSM by `assign_runs`.
    """
    runs, tasks = cast_table(PlaybookRun), cast_table(Task)
    sqlite = session.get_bind().dialect.name == "sqlite"
    since = _days_after(session, runs.c.triggered_on, counts_from_days)
    text_rule = json.dumps(rule)
    if sqlite:
        evidence_rule: ColumnElement[Any] = func.json_set(text_rule, "$.counts_from", since)
    else:
        evidence_rule = func.jsonb_set(
            cast(literal(text_rule), JSONB),
            cast(literal("{counts_from}"), ARRAY(Text)),
            func.to_jsonb(cast(since, Text)),
        )
    assignee: ColumnElement[Any] = runs.c.owner_id
    if managers:  # the owner's manager when they have an active one, else the owner
        assignee = case(managers, value=runs.c.owner_id, else_=runs.c.owner_id)
    columns = {
        "run_id": runs.c.id,
        "account_id": runs.c.account_id,
        "playbook_key": runs.c.playbook_key,
        "evidence_rule": evidence_rule,
        "assignee_id": assignee,
        "due_on": _days_after(session, runs.c.triggered_on, due_days),
        **{name: literal(value, tasks.c[name].type) for name, value in fields.items()},
    }
    source = select(*[v.label(k) for k, v in columns.items()]).where(runs.c.id.between(first_run, last_run))
    session.execute(insert(tasks).from_select(list(columns), source))


def assign_runs(session: Session, run_ids: Sequence[int], user_id: int) -> None:
    """Gives every task of these runs to one person (a run of an account without an active owner)."""
    for chunk in _chunks(run_ids):
        session.execute(update(Task).where(Task.run_id.in_(chunk)).values(assignee_id=user_id))
