"""The account activity feed: touches, playbook runs and tasks, stage and health changes, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from itertools import pairwise
from typing import Any, Literal

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.engagement import service as engagement_service
from lodestar.health import service as health_service
from lodestar.lifecycle import service as lifecycle_service
from lodestar.sop.tasks import service as tasks_service
from lodestar.sop.tasks.schemas import TaskRead

# alert_* and feature_request: entries the account page adds from the alerts and feature requests (domains
# above this one) through `extra`.
EntryKind = Literal[
    "touch", "run", "task_done", "task_skipped", "stage", "health", "alert_raised", "alert_resolved",
    "feature_request",
]  # fmt: skip
# A score move this large between two snapshots is worth a line even when the grade stays.
BIG_SCORE_MOVE = 10.0
TASKS_PER_ACCOUNT = 500
# Same-day entries read in the order things happen: a stage change or a health move raises an alert, which
# starts a playbook whose tasks get done; an alert is resolved after the work.
_SAME_DAY_ORDER: dict[str, int] = {
    "stage": 0,
    "health": 1,
    "alert_raised": 2,
    "run": 3,
    "touch": 4,
    "task_done": 5,
    "task_skipped": 5,
    "alert_resolved": 6,
    "feature_request": 2,  # a status change starts the run that tells the customer
}


@dataclass(frozen=True)
class FeedEntry:
    """One thing that happened to an account; `data` holds what the template shows for its kind."""

    kind: EntryKind
    day: date
    at: datetime | None = None  # the instant, when one is known (touches, closed tasks)
    data: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[date, int, datetime]:
        """Orders entries by day, then by what usually comes first, then by instant."""
        instant = self.at or datetime.combine(self.day, time.min, UTC)
        return (self.day, _SAME_DAY_ORDER[self.kind], instant)


def _touch_entries(session: Session, account_id: int, limit: int, zone: tzinfo) -> list[FeedEntry]:
    touches = engagement_service.account_touches(session, account_id, limit=limit)
    names = _user_names(session, {t.user_id for t in touches})
    return [
        FeedEntry(
            "touch",
            _local_day(t.occurred_at, zone),
            t.occurred_at,
            {
                "id": t.id,
                "touch_kind": t.kind,
                "subject": t.subject,
                "notes": t.notes,
                "duration_minutes": t.duration_minutes,
                "by": names.get(t.user_id) if t.user_id is not None else None,
                "local_time": t.occurred_at.astimezone(zone).strftime("%H:%M"),
            },
        )
        for t in touches
    ]


def _task_entries(session: Session, tasks: Sequence[TaskRead], zone: tzinfo) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    runs: dict[int, list[TaskRead]] = {}
    # Who closed a task is who did it (an admin completing a CSM's task), as the audit log records it.
    names = _user_names(session, {t.completed_by for t in tasks})
    for task in tasks:
        runs.setdefault(task.run_id, []).append(task)
        closed = {"task": task, "by": names.get(task.completed_by) if task.completed_by else None}
        if task.status == "done" and task.done_on is not None:
            entries.append(FeedEntry("task_done", task.done_on, task.completed_at, closed))
        elif task.status == "skipped" and task.completed_at is not None:
            day = _local_day(task.completed_at, zone)
            entries.append(FeedEntry("task_skipped", day, task.completed_at, closed))
    for run_tasks in runs.values():
        first = run_tasks[0]
        entries.append(
            FeedEntry(
                "run",
                first.triggered_on,
                None,
                {
                    "playbook_key": first.playbook_key,
                    "playbook_name": first.playbook_name,
                    "stage": first.stage,
                    "tasks": sorted(run_tasks, key=lambda t: (t.due_on, t.id)),
                },
            )
        )
    return entries


def _stage_entries(session: Session, account_id: int) -> list[FeedEntry]:
    return [
        FeedEntry("stage", t.on, None, {"from": t.from_stage, "to": t.to_stage, "reason": t.reason_text})
        for t in lifecycle_service.stage_history(session, account_id)
    ]


def _health_entries(session: Session, account_id: int) -> list[FeedEntry]:
    """Grade changes and big score moves between consecutive snapshots."""
    history = health_service.history(session, account_id)
    entries = []
    for before, after in pairwise(history):
        moved = (
            before.score is not None
            and after.score is not None
            and abs(after.score - before.score) >= BIG_SCORE_MOVE
        )
        if before.grade != after.grade or moved:
            entries.append(
                FeedEntry(
                    "health",
                    after.as_of,
                    None,
                    {
                        "from_grade": before.grade,
                        "to_grade": after.grade,
                        "from_score": before.score,
                        "to_score": after.score,
                        "since": before.as_of,
                    },
                )
            )
    return entries


def account_activity_feed(
    session: Session,
    viewer: User,
    account_id: int,
    limit: int = 100,
    *,
    zone: tzinfo = UTC,
    extra: Iterable[FeedEntry] = (),
) -> list[FeedEntry]:
    """Touches, tasks (started, done, skipped), stage and health changes of an account, with the `extra`
    entries a caller above adds (alerts), newest first."""
    accounts_service.get_account(session, viewer, account_id)  # NotFound unless the viewer may see it
    tasks, _ = tasks_service.list_tasks(
        session, viewer, bucket="all", account_id=account_id, limit=TASKS_PER_ACCOUNT
    )
    entries = [
        *_touch_entries(session, account_id, limit, zone),
        *_task_entries(session, tasks, zone),
        *_stage_entries(session, account_id),
        *_health_entries(session, account_id),
        *extra,
    ]
    entries.sort(key=FeedEntry.sort_key, reverse=True)
    return entries[:limit]


def _user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return {u.id: u.name for u in auth_service.list_users(session) if u.id in wanted} if wanted else {}


def _local_day(value: datetime, zone: tzinfo) -> date:
    return value.astimezone(zone).date()
