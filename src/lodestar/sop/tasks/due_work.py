"""The cockpit's task lists: open tasks due today, and overdue tasks that still matter.

Both run over a set of live accounts that the accounts domain hands over as a subquery of (id, owner_id,
stage), already narrowed to what the viewer may see, so a churned account's tasks never show. An overdue
task still matters while, for a task a stage entry started, the account is still in that stage; tasks of
a stage the account has left are counted apart as stale (the inbox closes them as expired).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from lodestar.sop.tasks.models import PlaybookRun, Task, TaskStatus


@dataclass
class DueWork:
    """Tasks due today and overdue ones that still matter (the first `limit` of each, soonest due first),
    how many there are in all, and per account owner: (due today, overdue that matters)."""

    today: list[Any] = field(default_factory=list)
    overdue: list[Any] = field(default_factory=list)
    today_count: int = 0
    overdue_count: int = 0
    stale_count: int = 0
    by_owner: dict[int | None, tuple[int, int]] = field(default_factory=dict)


def _still_matters(live_stage: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(
        PlaybookRun.trigger_kind != "stage_entered",
        PlaybookRun.stage.is_(None),
        PlaybookRun.stage == live_stage,
    )


def _of_accounts(live: Any) -> ColumnElement[bool]:
    """The join's condition again as IN (...): it lets SQLite start from the accounts' owner index and
    reach tasks by (account_id, status), instead of walking every open task of the company."""
    return Task.account_id.in_(select(live.c.id))


def _rows(session: Session, live: Any, conds: Sequence[ColumnElement[bool]], limit: int) -> list[Any]:
    cols = (
        Task.id,
        Task.account_id,
        Task.title,
        Task.title_zh,
        Task.due_on,
        Task.playbook_key,
        PlaybookRun.stage,
        live.c.owner_id,
    )
    stmt: Select[Any] = (
        select(*cols)
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .join(live, live.c.id == Task.account_id)
        .where(_of_accounts(live), Task.status == TaskStatus.OPEN.value, *conds)
        .order_by(Task.due_on, Task.id)
        .limit(limit)
    )
    return list(session.execute(stmt))


def due_work(
    session: Session, live_accounts: Select[*tuple[Any, ...]], today: date, limit: int = 15
) -> DueWork:
    """Open tasks of these live accounts due today or overdue and still mattering: lists and counts."""
    live = live_accounts.subquery()
    matters = _still_matters(live.c.stage)
    overdue = Task.due_on < today
    counts = (
        select(
            live.c.owner_id,
            func.sum(case((Task.due_on == today, 1), else_=0)),
            func.sum(case((and_(overdue, matters), 1), else_=0)),
            func.sum(case((and_(overdue, ~matters), 1), else_=0)),
        )
        .join(PlaybookRun, PlaybookRun.id == Task.run_id)
        .join(live, live.c.id == Task.account_id)
        .where(_of_accounts(live), Task.status == TaskStatus.OPEN.value, Task.due_on <= today)
        .group_by(live.c.owner_id)
    )
    work = DueWork()
    for owner, due_today, due_before, stale in session.execute(counts):
        work.by_owner[owner] = (int(due_today or 0), int(due_before or 0))
        work.today_count += int(due_today or 0)
        work.overdue_count += int(due_before or 0)
        work.stale_count += int(stale or 0)
    work.today = _rows(session, live, [Task.due_on == today], limit)
    work.overdue = _rows(session, live, [overdue, matters], limit)
    return work
