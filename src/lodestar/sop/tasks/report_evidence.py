"""Playbook evidence "value report published": a task is done when a report of its account (of the rule's
kind: a quarter's or a year's) was published on or after the day its work starts to count."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from lodestar.kit.time import utcnow
from lodestar.sop.tasks import repository
from lodestar.sop.tasks.models import Task, TaskStatus
from lodestar.value_reports import service as value_reports_service


def _counts_from(task: Task) -> date:
    return date.fromisoformat(task.evidence_rule["counts_from"])


def check_value_reports(session: Session) -> int:
    """Completes open value-report tasks whose account has a fitting published report; how many."""
    waiting = [t for t, _ in repository.open_tasks_of_kind(session, "value_report")]
    if not waiting:
        return 0
    published: dict[int, list[tuple[date, str]]] = {}
    for account_id, period, at in value_reports_service.published_reports(
        session, {t.account_id for t in waiting}
    ):
        published.setdefault(account_id, []).append((at.date(), period))
    now, done = utcnow(), []
    for task in waiting:
        wanted = task.evidence_rule.get("report_kind")
        fits = sorted(
            (day, period)
            for day, period in published.get(task.account_id, [])
            if day >= _counts_from(task) and (wanted is None or ("Q" in period) == (wanted == "quarter"))
        )
        if fits:
            day, period = fits[0]
            done.append(
                {
                    "id": task.id,
                    "status": TaskStatus.DONE.value,
                    "done_on": day,
                    "completed_at": now,
                    "evidence": {"report_period": period, "published_on": day.isoformat()},
                }
            )
    if done:
        session.flush()
        repository.close_tasks(session, done)
        for task in waiting:
            session.expire(task)
    return len(done)
