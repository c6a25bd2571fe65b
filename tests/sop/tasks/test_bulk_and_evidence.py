"""Bulk inbox actions (all or nothing, row-level checked, audited), inbox sorting, per-language evidence
keywords, a touch that names its step, and no completion dated in the future."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.auth.models import AuditEntry
from lodestar.engagement import service as engagement_service
from lodestar.engagement.schemas import TouchIn
from lodestar.kit import money
from lodestar.kit.errors import InvalidInput
from lodestar.renewals import config_kind as renewals_kind
from lodestar.sop.playbooks.schemas import Evidence
from lodestar.sop.tasks import service
from lodestar.sop.tasks.bulk import bulk_act
from lodestar.sop.tasks.schemas import EvidenceIn
from tests.factories import make_account
from tests.sop.conftest import DAY, Crew, at, entry, tasks_of


@pytest.fixture(autouse=True)
def work_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "company_today", lambda: DAY + timedelta(days=1))


@pytest.fixture(autouse=True)
def listener() -> None:
    engagement_service.after_touch_logged(service.complete_tasks_proved_by)


def _handover(db: Session, crew: Crew) -> dict[str, int]:
    service.fire_stage_entries(db, [entry(crew.mine, "handover", frm=None)], lifecycle_first_stage="handover")
    db.commit()
    return {t.step_key: t.id for t in tasks_of(db, crew.mine, "handover")}


def _problems(call: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        call()  # type: ignore[operator]
    return [(p.field, p.message) for p in caught.value.problems]


def test_a_touch_with_a_chinese_subject_completes_the_welcome_email(db: Session, crew: Crew) -> None:
    steps = _handover(db, crew)
    touch = TouchIn(kind="email", occurred_at=at(DAY), subject="欢迎邮件：开通账号")
    logged = engagement_service.log_touch(db, crew.csm, crew.mine.id, touch)
    assert logged.completed_task_ids == [steps["welcome_email"]]


def test_a_touch_that_names_its_step_completes_that_step_whatever_its_subject(
    db: Session, crew: Crew
) -> None:
    steps = _handover(db, crew)
    # Named for another step, a "Welcome" subject does not complete the welcome e-mail...
    other = TouchIn(kind="email", occurred_at=at(DAY), subject="Welcome", step="first_contact")
    assert engagement_service.log_touch(db, crew.csm, crew.mine.id, other).completed_task_ids == []
    # ...and named for it, any subject does.
    named = TouchIn(kind="email", occurred_at=at(DAY), subject="hello", step="welcome_email")
    assert engagement_service.log_touch(db, crew.csm, crew.mine.id, named).completed_task_ids == [
        steps["welcome_email"]
    ]


def test_the_older_subject_contains_reads_as_english_keywords() -> None:
    rule = Evidence.model_validate({"kind": "touch", "touch_kinds": ["call"], "subject_contains": "Renewal"})
    assert rule.keywords == {"en": ["Renewal"]}
    with pytest.raises(ValueError, match="not both"):
        Evidence.model_validate(
            {"kind": "touch", "touch_kinds": ["call"], "subject_contains": "x", "keywords": {"en": ["y"]}}
        )


def test_a_touch_dated_in_the_future_completes_nothing(db: Session, crew: Crew) -> None:
    steps = _handover(db, crew)
    future = at(DAY + timedelta(days=30))
    [touch_id] = engagement_service.import_touches(
        db, [{"account_id": crew.mine.id, "kind": "email", "occurred_at": future, "subject": "Welcome"}]
    )
    assert service.match_touches(db) == 0
    assert _problems(
        lambda: service.complete_task(db, crew.csm, steps["welcome_email"], EvidenceIn(touch_id=touch_id))
    ) == [
        (
            "evidence.touch_id",
            f"touch {touch_id} is dated {(DAY + timedelta(days=30)).isoformat()}, in the future: "
            "a step is done when it happens",
        )
    ]


def test_bulk_complete_takes_checkbox_and_note_steps_and_audits_each(db: Session, crew: Crew) -> None:
    steps = _handover(db, crew)
    picked = [steps["handover_form"], steps["service_intro"]]  # a note step and a checkbox step
    assert bulk_act(db, crew.csm, "complete", picked, note="form received") == picked
    done = {t.id: t for t in tasks_of(db, crew.mine, "handover")}
    assert [done[i].status for i in picked] == ["done", "done"]
    assert done[picked[0]].evidence == {"note": "form received"}
    audits = db.scalar(
        select(func.count()).where(AuditEntry.action == "task.complete", AuditEntry.entity_id.in_(picked))
    )
    assert audits == 2


def test_a_bulk_batch_with_one_refused_task_names_it(db: Session, crew: Crew) -> None:
    steps = _handover(db, crew)
    theirs = service.start_playbook(db, crew.admin, crew.theirs.id, "at_risk", DAY)
    db.commit()
    [their_task] = [t.id for t in tasks_of(db, crew.theirs)][:1]
    picked = [steps["service_intro"], steps["welcome_email"], their_task]
    problems = _problems(lambda: bulk_act(db, crew.csm, "complete", picked))
    db.rollback()  # as the request does: the batch is one transaction
    assert problems == [
        ("task_ids[1]", f"task {steps['welcome_email']}: evidence: this step needs touch evidence: open the "
         "task to give it"),
        ("task_ids[2]", f"task {their_task}: task {their_task} not found"),
    ]  # fmt: skip
    assert {t.status for t in tasks_of(db, crew.mine, "handover")} == {"open"}  # nothing kept
    del theirs


def test_bulk_skip_needs_a_reason_and_reassign_a_person(db: Session, crew: Crew) -> None:
    steps = _handover(db, crew)
    ids = list(steps.values())
    assert _problems(lambda: bulk_act(db, crew.csm, "skip", ids)) == [
        ("reason", "is required: say why the steps are skipped")
    ]
    assert _problems(lambda: bulk_act(db, crew.csm, "reassign", ids)) == [
        ("assignee_id", "pick the person to give the tasks to")
    ]
    assert _problems(lambda: bulk_act(db, crew.csm, "skip", [])) == [("task_ids", "pick at least one task")]
    assert bulk_act(db, crew.csm, "reassign", ids, assignee_id=crew.mate.id) == ids
    assert {t.assignee_id for t in tasks_of(db, crew.mine, "handover")} == {crew.mate.id}


def test_the_inbox_sorts_by_arr_health_and_risk(db: Session, crew: Crew) -> None:
    facts = {"Small Sick": (10_000, 20.0), "Big Healthy": (900_000, 90.0), "Mid Weak": (200_000, 40.0)}
    for name, (arr, score) in facts.items():
        account = make_account(db, crew.csm, crew.admin, name=name)
        account.arr, account.health_score = Decimal(arr), score
        service.start_playbook(db, crew.csm, account.id, "usage_swing", DAY)
    db.flush()

    def order(sort: str) -> list[str]:
        rows = service.list_tasks(db, crew.csm, bucket="open", sort=sort, today=DAY)[0]  # type: ignore[arg-type]
        return [r.account_name for r in rows]

    # Brute force: ARR, health (worst first) and ARR at risk = ARR x (100 - score) / 100.
    by_arr = sorted(facts, key=lambda n: -facts[n][0])
    by_health = sorted(facts, key=lambda n: facts[n][1])
    by_risk = sorted(facts, key=lambda n: -facts[n][0] * (100 - facts[n][1]))
    assert (order("arr"), order("health"), order("risk")) == (by_arr, by_health, by_risk)
    assert by_risk == ["Mid Weak", "Big Healthy", "Small Sick"]  # the three orders differ
    with pytest.raises(InvalidInput):
        service.list_tasks(db, crew.csm, sort="name")  # type: ignore[arg-type]


def test_the_inbox_sorts_arr_and_risk_by_what_the_arr_is_worth_in_the_company_currency(
    db: Session, crew: Crew
) -> None:
    money.read_rates_with(renewals_kind.exchange_rates)  # as the app does as it starts
    # At the default rates: 71,000 CNY, 50,000 CNY and 46,800 CNY.
    facts = {"Dollars": ("USD", 10_000, 50.0), "Yuan": ("CNY", 50_000, 50.0), "Euros": ("EUR", 6_000, 10.0)}
    for name, (currency, arr, score) in facts.items():
        account = make_account(db, crew.csm, crew.admin, name=name)
        account.currency, account.arr, account.health_score = currency, Decimal(arr), score
        service.start_playbook(db, crew.csm, account.id, "usage_swing", DAY)
    db.flush()

    def order(sort: str) -> list[str]:
        rows = service.list_tasks(db, crew.csm, bucket="open", sort=sort, today=DAY)[0]  # type: ignore[arg-type]
        return list(dict.fromkeys(r.account_name for r in rows))

    assert order("arr") == ["Dollars", "Yuan", "Euros"]
    # At risk: 71,000 x 50 = 3,550,000; 50,000 x 50 = 2,500,000; 46,800 x 90 = 4,212,000.
    assert order("risk") == ["Euros", "Dollars", "Yuan"]
