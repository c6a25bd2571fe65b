"""What a task card offers beside the task: people to give it to, touches to pick, the metric's live value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.engagement import service as engagement_service
from lodestar.snapshots import service as snapshots_service
from lodestar.sop.tasks.evidence import subject_fits
from lodestar.sop.tasks.schemas import TaskRead

TOUCH_CHOICES = 10


@dataclass(frozen=True)
class MetricState:
    """A metric-evidence task's metric in the newest snapshot, against the value it must reach."""

    metric: str
    value: float | None
    as_of: date | None
    at_least: float | None
    at_most: float | None

    @property
    def reached(self) -> bool:
        """Whether the newest snapshot already shows the value reached."""
        if self.value is None:
            return False
        if self.at_least is not None:
            return self.value >= self.at_least
        return self.at_most is not None and self.value <= self.at_most


def assignable_users(db: Session, viewer: User) -> list[User]:
    """Who a task may go to: active CSMs and managers (a manager: their own team; a viewer: nobody)."""
    people = [u for u in auth_service.list_users(db) if u.active and u.role in (Role.CSM, Role.MANAGER)]
    if viewer.role == Role.MANAGER:
        return [u for u in people if u.id == viewer.id or u.manager_id == viewer.id]
    return people if viewer.role in (Role.ADMIN, Role.CSM) else []


def queue_owners(db: Session, viewer: User) -> list[User]:
    """Whose queues the viewer may pick in the inbox (managers their team, admins everyone)."""
    if viewer.role == Role.ADMIN:
        return [u for u in auth_service.list_users(db) if u.active and u.role != Role.VIEWER]
    if viewer.role == Role.MANAGER:
        return assignable_users(db, viewer)
    return []


def touch_choices(db: Session, tasks: list[TaskRead], zone: tzinfo) -> dict[int, list[Any]]:
    """For each open touch-evidence task, the account's latest touches that fit its rule (kind, keywords or
    step, day).

    The service still has the last word (a touch may already prove the same step of another run).
    """
    choices: dict[int, list[Any]] = {}
    for task in tasks:
        if task.status != "open" or task.evidence_kind != "touch":
            continue
        rule = task.evidence_rule
        since = rule.get("counts_from")
        touches = engagement_service.account_touches(
            db, task.account_id, kinds=rule.get("touch_kinds") or None, limit=TOUCH_CHOICES
        )
        choices[task.id] = [
            t
            for t in touches
            if subject_fits(rule, task.step_key, t.subject, t.step)
            and (not since or t.occurred_at.astimezone(zone).date().isoformat() >= since)
        ]
    return choices


def metric_states(request: Request, tasks: list[TaskRead]) -> dict[int, MetricState]:
    """For each open metric-evidence task, its metric's value in the newest snapshot."""
    root = snapshot_store.root_of(request.app.state.settings)
    states: dict[int, MetricState] = {}
    for task in tasks:
        rule = task.evidence_rule
        if task.status != "open" or task.evidence_kind != "metric" or not rule.get("metric"):
            continue
        found = snapshots_service.latest_account_values(root, task.account_id, [rule["metric"]])
        value = found[1].get(rule["metric"]) if found else None
        states[task.id] = MetricState(
            metric=rule["metric"],
            value=float(value) if isinstance(value, int | float) else None,
            as_of=found[0] if found else None,
            at_least=rule.get("at_least"),
            at_most=rule.get("at_most"),
        )
    return states
