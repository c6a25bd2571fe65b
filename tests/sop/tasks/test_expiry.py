"""Tasks of a stage the account has left close themselves as expired, and attainment counts them apart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.lifecycle import service as lifecycle_service
from lodestar.sop import service as sop_service
from lodestar.sop.measurement import compliance
from lodestar.sop.tasks import service
from lodestar.sop.tasks.models import PlaybookRun, Task
from lodestar.sop.tasks.schemas import EvidenceIn
from tests.sop.conftest import DAY, Crew, entry, tasks_of


@pytest.fixture(autouse=True)
def work_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "company_today", lambda: DAY + timedelta(days=1))


def _move(db: Session, crew: Crew, on: date, frm: str, to: str) -> None:
    """Records a stage change as the snapshot run does, and fires its playbooks."""
    move = entry(crew.mine, to, on=on, frm=frm)
    lifecycle_service.record_stage_changes(db, [on], [move])
    service.fire_stage_entries(db, [move], lifecycle_first_stage="handover")


def _expected(db: Session, as_of: date) -> dict[int, date]:
    """Brute force: open tasks of runs not started by hand, and the first stage change after the trigger."""
    changes = sorted(lifecycle_service.stage_entries_until(db, as_of))
    out: dict[int, date] = {}
    for task, run in db.execute(select(Task, PlaybookRun).join(PlaybookRun, PlaybookRun.id == Task.run_id)):
        if task.status != "open" or run.trigger_kind == "manual":
            continue
        later = [on for account, on, _ in changes if account == run.account_id and on > run.triggered_on]
        if later:
            out[task.id] = min(later)
    return out


def test_open_tasks_of_a_stage_the_account_left_expire_on_the_day_it_left(db: Session, crew: Crew) -> None:
    _move(db, crew, DAY, "lead", "handover")
    handover = tasks_of(db, crew.mine, "handover")
    service.complete_task(db, crew.csm, handover[0].id, EvidenceIn(note="form received"))
    manual = service.start_playbook(db, crew.csm, crew.mine.id, "at_risk", DAY)
    _move(db, crew, DAY + timedelta(days=10), "handover", "onboarding")
    expected = _expected(db, DAY + timedelta(days=20))
    assert service.expire_left_stages(db, DAY + timedelta(days=20)) == len(expected) == 3
    by_id = {t.id: t for t in db.scalars(select(Task))}
    assert {i for i, t in by_id.items() if t.status == "expired"} == set(expected)
    assert all(by_id[i].expired_on == day == DAY + timedelta(days=10) for i, day in expected.items())
    # Done work stays done; the new stage's tasks and a playbook started by hand stay open.
    assert by_id[handover[0].id].status == "done"
    assert {t.status for t in tasks_of(db, crew.mine, "onboarding")} == {"open"}
    assert {t.status for t in by_id.values() if t.run_id == manual.id} == {"open"}
    assert service.expire_left_stages(db, DAY + timedelta(days=20)) == 0  # once


def test_a_change_after_the_as_of_date_expires_nothing_yet(db: Session, crew: Crew) -> None:
    _move(db, crew, DAY, "lead", "handover")
    _move(db, crew, DAY + timedelta(days=10), "handover", "onboarding")
    assert service.expire_left_stages(db, DAY + timedelta(days=9)) == 0
    assert {t.status for t in tasks_of(db, crew.mine, "handover")} == {"open"}


def test_a_churned_accounts_older_tasks_expire_and_its_win_back_stays(db: Session, crew: Crew) -> None:
    _move(db, crew, DAY, "onboarding", "growth")
    _move(db, crew, DAY + timedelta(days=30), "growth", "churned")
    # The win-back flow is the playbook of the churn's reason, started by the win-back step that day.
    start = sop_service.ChurnStart(1, crew.mine.id, "price_budget", DAY + timedelta(days=30))
    assert sop_service.start_win_back_playbooks(db, [start]) == 1
    service.expire_left_stages(db, DAY + timedelta(days=30))
    assert {t.status for t in tasks_of(db, crew.mine, "growth")} == {"expired"}
    assert {t.status for t in tasks_of(db, crew.mine, "win_back_price_budget")} == {"open"}
    assert tasks_of(db, crew.mine, "churned") == []  # no second flow on entering the stage


def _by_playbook(db: Session, as_of: date) -> compliance.AttainmentRow:
    [row] = compliance.attainment(db, by="playbook", as_of=as_of, playbook_key="handover")
    return row


def test_expired_before_its_due_day_is_left_out_and_after_it_counts_as_missed(
    db: Session, crew: Crew
) -> None:
    # Handover steps are due DAY + 2 (three) and DAY + 7 (service intro); the account moves on at DAY + 5.
    _move(db, crew, DAY, "lead", "handover")
    _move(db, crew, DAY + timedelta(days=5), "handover", "onboarding")
    service.expire_left_stages(db, DAY + timedelta(days=5))
    row = _by_playbook(db, DAY + timedelta(days=30))
    # The three steps due before the move were owed and not done: missed. The intro was not yet due: expired.
    assert (row.due, row.on_time, row.missed, row.expired, row.rate) == (3, 0, 3, 1, 0.0)
    assert row.due == row.on_time + row.late + row.skipped + row.missed
    missed = compliance.missed_tasks(db, None, as_of=DAY + timedelta(days=30), by="playbook", key="handover")
    assert len(missed) == 3 and {m.reason for m in missed} == {"missed"}
