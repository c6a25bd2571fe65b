"""Tasks that close themselves: a task still open when its account leaves the stage it was made for expires.

The rule (docs/sop.md, "Expired tasks"): an open task of a stage-entered or alert run expires on the day of
the account's first stage change after the run's trigger day. A churned account has changed stage, so its
older tasks expire too, while the win-back playbook its churn started stays open. Manual runs never expire:
a person started them on purpose. One UPDATE does the whole portfolio.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ScalarSelect, select, update
from sqlalchemy.orm import Session

from lodestar.kit.time import utcnow
from lodestar.lifecycle import service as lifecycle_service
from lodestar.sop.tasks.models import PlaybookRun, Task, TaskStatus

MANUAL = "manual"


def stage_end_of_task(as_of: date) -> ScalarSelect[date]:
    """For the task of the enclosing statement: the day its account first changed stage after the run's
    trigger (up to as_of), NULL when it has not or the run was started by hand."""
    ended = lifecycle_service.first_change_after(PlaybookRun.account_id, PlaybookRun.triggered_on, as_of)
    return (
        select(ended)
        .where(PlaybookRun.id == Task.run_id, PlaybookRun.trigger_kind != MANUAL)
        .scalar_subquery()
    )


def expire_left_stages(session: Session, as_of: date) -> int:
    """Closes as expired every open task whose account left the task's stage by as_of; tasks expired."""
    ended = stage_end_of_task(as_of)
    session.flush()
    result = session.execute(
        update(Task)
        .where(Task.status == TaskStatus.OPEN.value, ended.is_not(None))
        .values(status=TaskStatus.EXPIRED.value, expired_on=ended, completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return int(getattr(result, "rowcount", 0) or 0)
