"""One churn, one win-back flow: the day an account churns, the SOP step sees it enter the churned stage and
the win-back step opens its win-back; together they start exactly the playbook of the churn's reason, once
(no reason, or a reason without a playbook of its own: the playbook of `other`)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.renewals import config_kind
from lodestar.renewals.winback import service
from lodestar.settings import Settings
from lodestar.sop import service as sop_service
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.renewals.winback.conftest import Churned, churned_account, day


def _churn_day(db: Session, churned: Churned, settings: Settings) -> None:
    """What the daily pipeline does on the first churned day: the stage entry, then the win-back step."""
    move = {"account_id": churned.account.id, "on": day(1), "from_stage": "renewal", "to_stage": "churned"}
    sop_service.fire_stage_entries(db, [move], lifecycle_first_stage="handover")
    service.after_snapshot(db, day(1), settings)


def _runs(db: Session, churned: Churned) -> list[tuple[str, str]]:
    stmt = select(PlaybookRun).where(PlaybookRun.account_id == churned.account.id).order_by(PlaybookRun.id)
    return [(r.playbook_key, r.trigger_kind) for r in db.scalars(stmt)]


@pytest.mark.parametrize(
    ("reason", "playbook", "steps"),
    [
        ("price_budget", "win_back_price_budget", ["budget_call", "price_option"]),
        ("m_and_a", "win_back_m_and_a", ["new_parent", "parent_meeting"]),
        (None, "win_back_other", ["find_reason", "churn_reasons", "win_back_plan"]),
        ("in_house", "win_back_other", ["find_reason", "churn_reasons", "win_back_plan"]),
    ],
)
def test_one_churn_starts_exactly_the_flow_of_its_reason_once(
    db: Session, churned: Churned, settings: Settings, reason: str | None, playbook: str, steps: list[str]
) -> None:
    if reason == "in_house":  # a reason the company added to the taxonomy, with no playbook of its own
        data = config_kind.current(db)[0].model_dump(mode="json")
        data["reasons"].append({"key": "in_house", "name": "Moved in-house", "name_zh": "转为自建"})
        config_service.save(db, "renewals", data, "test")
    churned.contract.churn_reason = reason
    db.flush()
    _churn_day(db, churned, settings)
    _churn_day(db, churned, settings)  # a rerun of the day
    service.after_snapshot(db, day(2), settings)  # and the next day
    assert _runs(db, churned) == [(playbook, "churn_reason")]
    tasks = db.scalars(select(Task).where(Task.account_id == churned.account.id).order_by(Task.id))
    assert [t.step_key for t in tasks] == steps


def test_two_churned_accounts_each_get_their_own_flow(
    db: Session, churned: Churned, settings: Settings
) -> None:
    other = churned_account(db, churned.admin, churned.csm, "Birch Logistics", reason="competitor")
    service.after_snapshot(db, day(1), settings)
    assert _runs(db, churned) == [("win_back_price_budget", "churn_reason")]
    assert _runs(db, other) == [("win_back_competitor", "churn_reason")]
