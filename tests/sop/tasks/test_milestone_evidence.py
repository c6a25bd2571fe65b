"""Playbook evidence "milestone reached": the daily run completes the task when the account reaches a
milestone of the step's kind in the task's window; never by hand (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from lodestar.sop.tasks import service
from lodestar.sop.tasks.evidence import check_milestones
from lodestar.sop.tasks.schemas import EvidenceIn
from lodestar.success_plans import service as plans_service
from lodestar.success_plans.schemas import MilestoneCreate, MilestoneUpdate
from tests.factories import make_contract
from tests.sop.conftest import DAY, Crew, crew, quick_password_hashes, tasks_of

__all__ = ["crew", "quick_password_hashes"]
PLAYBOOK = {
    "playbooks": [
        {
            "key": "adoption_push",
            "name": "Adoption push",
            "name_zh": "推动使用",
            "trigger": {"kind": "manual"},
            "goal": "Get the seats used.",
            "steps": [
                {"key": "seats", "title": "Seats used", "due_days": 30,
                 "evidence": {"kind": "milestone", "milestone_kind": "usage_target"}},
                {"key": "any", "title": "Any reached", "due_days": 30, "evidence": {"kind": "milestone"}},
            ],
        }
    ]
}  # fmt: skip


def _reach(db: Session, crew: Crew, kind: str, on: date) -> None:
    goal = MilestoneCreate(kind=kind, title=kind, target_on=date(2026, 6, 1))  # type: ignore[arg-type]
    made = plans_service.create_milestone(db, crew.admin, crew.mine.id, goal, date(2026, 12, 31))
    fields = goal.model_dump(exclude={"external_id"}) | {"status": "reached", "reached_on": on}
    plans_service.update_milestone(
        db, crew.admin, made.id, MilestoneUpdate.model_validate(fields), date(2026, 12, 31)
    )


def test_a_reached_milestone_of_the_steps_kind_completes_its_task(db: Session, crew: Crew) -> None:
    make_contract(db, crew.mine, crew.admin, start_date=date(2026, 1, 1))
    config_service.save(db, "sop", PLAYBOOK, "tests")
    service.start_playbook(db, crew.csm, crew.mine.id, "adoption_push", on=DAY)
    _reach(db, crew, "people_trained", date(2026, 2, 1))  # before the task's window: proves nothing
    assert check_milestones(db) == 0
    _reach(db, crew, "people_trained", date(2026, 3, 10))
    assert check_milestones(db) == 1  # the "any kind" step only
    _reach(db, crew, "usage_target", date(2026, 3, 20))
    assert check_milestones(db) == 1
    done = {t.step_key: (t.status, t.done_on, t.evidence) for t in tasks_of(db, crew.mine)}
    assert done == {
        "seats": ("done", date(2026, 3, 20), {"milestone_kind": "usage_target", "reached_on": "2026-03-20"}),
        "any": ("done", date(2026, 3, 10), {"milestone_kind": "people_trained", "reached_on": "2026-03-10"}),
    }


def test_a_milestone_step_cannot_be_completed_by_hand(db: Session, crew: Crew) -> None:
    config_service.save(db, "sop", PLAYBOOK, "tests")
    service.start_playbook(db, crew.csm, crew.mine.id, "adoption_push", on=DAY)
    task = tasks_of(db, crew.mine)[0]
    with pytest.raises(InvalidInput) as caught:
        service.complete_task(db, crew.csm, task.id, EvidenceIn(checkbox=True))
    assert caught.value.problems[0].field == "evidence"
