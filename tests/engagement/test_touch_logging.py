"""A person logs a touch: it is stored and audited, and the SOP tasks it proves are completed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from lodestar.engagement import service
from lodestar.engagement.schemas import TouchIn
from lodestar.kit.errors import NotFound
from lodestar.sop import service as sop_service
from lodestar.sop.tasks import service as tasks_service
from tests.sop.conftest import DAY, Crew, at, crew, entry, quick_password_hashes, tasks_of

__all__ = ["crew", "quick_password_hashes"]


@pytest.fixture(autouse=True)
def sop_listens() -> None:
    """SOP evidence hears of logged touches, as the app wires it."""
    service.after_touch_logged(sop_service.complete_tasks_proved_by)


def _start(db: Session, crew: Crew, stage: str = "onboarding", frm: str | None = "handover") -> None:
    tasks_service.fire_stage_entries(db, [entry(crew.mine, stage, frm=frm)], lifecycle_first_stage="handover")


def _task(db: Session, crew: Crew, step: str) -> int:
    return next(t.id for t in tasks_of(db, crew.mine) if t.step_key == step)


def test_log_touch_creates_the_touch_and_completes_what_it_proves(db: Session, crew: Crew) -> None:
    _start(db, crew, "at_risk", frm="growth")
    touch = TouchIn(
        kind="call", occurred_at=at(DAY + timedelta(days=1)), subject="Checking in", duration_minutes=15
    )
    read = service.log_touch(db, crew.csm, crew.mine.id, touch)
    revisit = _task(db, crew, "revisit")
    assert (read.user_id, read.kind, read.completed_task_ids) == (crew.csm.id, "call", [revisit])
    with pytest.raises(NotFound):
        service.log_touch(db, crew.outsider, crew.mine.id, touch)


def test_a_touch_dated_in_the_future_is_refused_naming_the_field(db: Session, crew: Crew) -> None:
    from pydantic import ValidationError

    from lodestar.kit.errors import problems_from_pydantic
    from lodestar.kit.time import utcnow

    tomorrow = utcnow() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        TouchIn(kind="call", occurred_at=tomorrow)
    problems = problems_from_pydantic(list(caught.value.errors())).problems  # type: ignore[arg-type]
    assert [(p.field, p.message) for p in problems] == [("occurred_at", "must not be in the future")]
    assert TouchIn(kind="call", occurred_at=utcnow() + timedelta(minutes=1)).kind == "call"  # clock skew
