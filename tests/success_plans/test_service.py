"""Success plans on SQLite and PostgreSQL: editing with history, refusals naming the field with nothing
written, templates applied once per stage entry, milestones reached by their metric, the import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store as store
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.success_plans import service
from lodestar.success_plans.models import Milestone, TemplateEntry
from lodestar.success_plans.schemas import MilestoneCreate, MilestoneUpdate, SuccessPlanUpdate
from tests.factories import make_account, make_contract, make_user

TODAY = date(2026, 6, 1)


def _setup(db: Session) -> tuple:
    admin = make_user(db, Role.ADMIN)
    csm, other = make_user(db, Role.CSM), make_user(db, Role.CSM)
    account = make_account(db, csm, admin, tier="KA", expectations="Cut month-end close to 3 days")
    make_contract(db, account, admin, start_date=date(2026, 1, 1))
    return csm, other, account


def _milestone(**kw: object) -> MilestoneCreate:
    fields = {"kind": "module_go_live", "title": "Finance module live", "target_on": date(2026, 3, 1)} | kw
    return MilestoneCreate.model_validate(fields)


def _count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Milestone)) or 0)


def test_a_plan_is_written_read_back_and_its_changes_kept_in_history(db: Session) -> None:
    csm, _, account = _setup(db)
    plan = service.put_plan(db, csm, account.id, SuccessPlanUpdate.model_validate({
        "objectives": "Close the books in 3 days",
        "milestones": [
            {"kind": "people_trained", "title": "20 accountants trained", "target_on": "2026-02-15",
             "owner_side": "ours", "owner_person": "Cora", "status": "reached", "reached_on": "2026-02-10"},
            {"kind": "usage_target", "title": "80% of seats active", "target_on": "2026-05-01",
             "metric": "active_user_ratio_30d", "target_value": 0.8},
        ],
    }), TODAY)  # fmt: skip
    assert plan.expectations == "Cut month-end close to 3 days"
    assert plan.objectives == "Close the books in 3 days"
    assert [(m.title, m.status) for m in plan.milestones] == [
        ("20 accountants trained", "reached"),
        ("80% of seats active", "planned"),
    ]
    # By June 1st both are due; only the first was reached (on time).
    assert (plan.attainment.due, plan.attainment.reached_on_time, plan.attainment.ratio) == (2, 1, 0.5)
    second = plan.milestones[1]
    fields = second.model_dump(include=set(MilestoneUpdate.model_fields)) | {"status": "missed"}
    service.update_milestone(db, csm, second.id, MilestoneUpdate.model_validate(fields), TODAY)
    history = service.history(db, csm, second.id)
    assert [h.action for h in history] == ["milestone.update", "milestone.create"]  # newest first
    assert history[0].changes == {"status": "missed"}
    assert history[1].changes["title"] == "80% of seats active"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"target_on": date(2025, 12, 31)}, "target_on", "is before the contract start 2026-01-01"),
        ({"metric": "no_such_metric", "target_value": 3.0}, "metric", "unknown metric no_such_metric"),
    ],
)
def test_a_bad_milestone_is_refused_naming_the_field_and_nothing_is_written(
    db: Session, fields: dict, field: str, message: str
) -> None:
    csm, _, account = _setup(db)
    with pytest.raises(InvalidInput) as caught:
        service.create_milestone(db, csm, account.id, _milestone(**fields), TODAY)
    assert [(p.field, str(p.message)) for p in caught.value.problems] == [(field, message)]
    assert _count(db) == 0


def test_a_target_without_a_metric_and_a_bad_date_are_refused_by_the_schema() -> None:
    from pydantic import ValidationError

    from lodestar.kit.errors import problems_from_pydantic

    with pytest.raises(ValidationError) as caught:
        _milestone(target_value=0.8)
    problems = problems_from_pydantic(list(caught.value.errors())).problems  # type: ignore[arg-type]
    assert [str(p.message) for p in problems] == ["a target value needs a metric"]
    with pytest.raises(ValidationError) as caught:
        _milestone(target_on="01/03/2026")
    assert problems_from_pydantic(list(caught.value.errors())).problems[0].field == "target_on"  # type: ignore[arg-type]


def test_a_plan_with_one_bad_milestone_writes_nothing_at_all(db: Session) -> None:
    csm, _, account = _setup(db)
    data = SuccessPlanUpdate.model_validate({"objectives": "x", "milestones": [
        {"kind": "module_go_live", "title": "ok", "target_on": "2026-03-01"},
        {"kind": "module_go_live", "title": "too early", "target_on": "2025-03-01"},
    ]})  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        service.put_plan(db, csm, account.id, data, TODAY)
    assert [p.field for p in caught.value.problems] == ["milestones[1].target_on"]
    db.rollback()
    assert _count(db) == 0


def test_an_account_outside_the_scope_is_not_found(db: Session) -> None:
    csm, other, account = _setup(db)
    with pytest.raises(NotFound):
        service.get_plan(db, other, account.id, TODAY)
    mine = service.create_milestone(db, csm, account.id, _milestone(), TODAY)
    with pytest.raises(NotFound):
        service.get_milestone(db, other, mine.id)
    assert service.list_milestones(db, other) == []
    assert [m.id for m in service.list_milestones(db, csm)] == [mine.id]


def test_the_daily_run_reaches_a_milestone_when_its_metric_reaches_the_target(
    db: Session, tmp_path: Path
) -> None:
    csm, _, account = _setup(db)
    target = service.create_milestone(db, csm, account.id, _milestone(
        kind="usage_target", title="80% active", target_on=date(2026, 5, 3),
        metric="active_user_ratio_30d", target_value=0.8), TODAY)  # fmt: skip
    plain = service.create_milestone(db, csm, account.id, _milestone(), TODAY)
    ratios = {date(2026, 5, 1): 0.5, date(2026, 5, 2): 0.79, date(2026, 5, 3): 0.8, date(2026, 5, 4): 0.9}
    for day, ratio in ratios.items():
        store.write(tmp_path, day, pa.table({"account_id": [account.id], "active_user_ratio_30d": [ratio]}))
    assert service.complete_from_metrics(db, tmp_path, list(ratios)) == 1
    db.refresh(target)
    db.refresh(plain)
    assert (target.status, target.reached_on) == ("reached", date(2026, 5, 3))  # the first day at 0.8
    assert (plain.status, plain.reached_on) == ("planned", None)
    assert service.complete_from_metrics(db, tmp_path, list(ratios)) == 0  # a rerun changes nothing
    assert [h.action for h in auth_service.history(db, "milestones", target.id)] == [
        "milestone.reached",
        "milestone.create",
    ]


def _entry(account_id: int, on: date, to: str = "onboarding", frm: str | None = "handover") -> dict:
    return {"account_id": account_id, "from_stage": frm, "to_stage": to, "on": on}


def test_templates_are_applied_once_per_stage_entry(db: Session) -> None:
    csm, _, account = _setup(db)
    admin = make_user(db, Role.ADMIN)
    small = make_account(db, csm, admin, tier="SMB")
    moves = [_entry(account.id, date(2026, 1, 5)), _entry(small.id, date(2026, 1, 5)),
             _entry(account.id, date(2026, 1, 5), to="growth", frm="onboarding")]  # fmt: skip
    assert service.apply_templates(db, moves, "handover") == 5 + 3  # KA template: 5, standard: 3
    assert service.apply_templates(db, moves, "handover") == 0  # the same entries again: nothing
    mine = service.list_milestones(db, csm, account.id)
    assert [(m.title, m.target_on) for m in mine][:2] == [
        ("Core module live", date(2026, 2, 4)),
        ("Admins and key users trained", date(2026, 2, 4)),
    ]
    assert {m.template_key for m in mine} == {"key_account_onboarding"}
    # An account seen for the first time in onboarding (not the first stage) is no new customer.
    late = make_account(db, csm, admin, tier="SMB")
    assert service.apply_templates(db, [_entry(late.id, date(2026, 1, 5), frm=None)], "handover") == 0
    # A second entry into onboarding (a later date) is a new entry.
    assert service.apply_templates(db, [_entry(small.id, date(2026, 8, 1))], "handover") == 3
    assert db.scalar(select(func.count()).select_from(TemplateEntry)) == 3


def test_a_chinese_owner_gets_the_template_titles_in_chinese(db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    csm = make_user(db, Role.CSM, locale="zh_CN")
    account = make_account(db, csm, admin, tier="MM")
    service.apply_templates(db, [_entry(account.id, date(2026, 1, 5))], "handover")
    assert [m.title for m in service.list_milestones(db, csm, account.id)] == [
        "核心模块上线",
        "关键用户完成培训",
        "60% 席位活跃",
    ]


def test_the_import_is_all_or_nothing_naming_row_and_field(db: Session) -> None:
    _, _, account = _setup(db)
    good = {"account_id": account.id, "external_id": "m-1", "kind": "module_go_live", "title": "Live",
            "target_on": date(2026, 3, 1)}  # fmt: skip
    bad = good | {"external_id": "m-2", "target_on": date(2025, 1, 1)}
    worse = good | {"external_id": "m-3", "target_value": 5.0}
    with pytest.raises(InvalidInput) as caught:
        service.upsert_milestones(db, [good, bad, worse], [2, 3, 4], TODAY)
    assert [(p.field, str(p.message)) for p in caught.value.problems] == [
        ("row 3: target_on", "is before the contract start 2026-01-01"),
        ("row 4: input", "a target value needs a metric"),
    ]
    assert _count(db) == 0
    counts = service.upsert_milestones(db, [good], [2], TODAY)
    assert (counts.created, counts.updated) == (1, 0)
    again = service.upsert_milestones(db, [good | {"title": "Live!"}], [2], TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 0)
    assert [m.title for m in service.list_milestones(db, make_user(db, Role.ADMIN))] == ["Live!"]
