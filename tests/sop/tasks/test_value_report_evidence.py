"""Playbook evidence "value report published": the daily run completes the task when a report of the
account (of the step's kind) is published in the task's window; never by hand (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from lodestar.sop.tasks import service
from lodestar.sop.tasks.report_evidence import check_value_reports
from lodestar.sop.tasks.schemas import EvidenceIn
from lodestar.value_reports.models import ValueReport
from tests.sop.conftest import DAY, Crew, crew, quick_password_hashes, tasks_of

__all__ = ["crew", "quick_password_hashes"]
PLAYBOOK = {
    "playbooks": [
        {
            "key": "renewal_prep",
            "name": "Renewal preparation",
            "name_zh": "续约准备",
            "trigger": {"kind": "manual"},
            "goal": "Show the year's value before the renewal.",
            "steps": [
                {"key": "annual", "title": "Annual report sent", "due_days": 30,
                 "evidence": {"kind": "value_report", "report_kind": "year"}},
                {"key": "any", "title": "Any report", "due_days": 30, "evidence": {"kind": "value_report"}},
            ],
        }
    ]
}  # fmt: skip


def _published(db: Session, crew: Crew, period: str, at: datetime) -> None:
    db.add(
        ValueReport(account_id=crew.mine.id, period=period, status="published", published_at=at, figures={})
    )
    db.flush()


def test_a_published_report_of_the_steps_kind_completes_its_task(db: Session, crew: Crew) -> None:
    config_service.save(db, "sop", PLAYBOOK, "tests")
    service.start_playbook(db, crew.csm, crew.mine.id, "renewal_prep", on=DAY)
    _published(db, crew, "2025Q4", datetime(2026, 1, 5, tzinfo=UTC))  # before the task's window
    assert check_value_reports(db) == 0
    _published(db, crew, "2026Q1", datetime(2026, 3, 10, 8, tzinfo=UTC))
    assert check_value_reports(db) == 1  # the "any report" step only
    _published(db, crew, "2025", datetime(2026, 3, 20, 8, tzinfo=UTC))
    assert check_value_reports(db) == 1
    done = {t.step_key: (t.status, t.evidence) for t in tasks_of(db, crew.mine)}
    assert done == {
        "annual": ("done", {"report_period": "2025", "published_on": "2026-03-20"}),
        "any": ("done", {"report_period": "2026Q1", "published_on": "2026-03-10"}),
    }


def test_a_value_report_step_cannot_be_completed_by_hand(db: Session, crew: Crew) -> None:
    config_service.save(db, "sop", PLAYBOOK, "tests")
    service.start_playbook(db, crew.csm, crew.mine.id, "renewal_prep", on=DAY)
    with pytest.raises(InvalidInput) as caught:
        service.complete_task(db, crew.csm, tasks_of(db, crew.mine)[0].id, EvidenceIn(checkbox=True))
    assert caught.value.problems[0].field == "evidence"
