"""Win-backs open once per churned contract, end in a reactivation or the lead pool on the exact day the
lifecycle says, and a reactivation from the pool is counted apart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.auth.models import AuditEntry
from lodestar.renewals.winback import service
from lodestar.settings import Settings
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.factories import make_contract
from tests.renewals.winback.conftest import WINDOW, Churned, churned_account, count, day, win_backs


def test_a_churned_contract_opens_its_win_back_once_with_the_reason_owner_and_window(
    db: Session, churned: Churned, settings: Settings
) -> None:
    assert service.after_snapshot(db, day(0), settings).opened == 0  # its last day: still a customer
    first = service.after_snapshot(db, day(1), settings)
    again = [service.after_snapshot(db, d, settings) for d in (day(1), day(2), day(30))]
    [w] = win_backs(db)
    assert (first.opened, [a.opened for a in again]) == (1, [0, 0, 0])
    assert (w.account_id, w.contract_id, w.churned_on) == (churned.account.id, churned.contract.id, day(0))
    assert (w.window_ends_on, w.outcome, w.owner_id) == (day(WINDOW), "open", churned.csm.id)
    assert (w.churn_reason, w.arr, w.currency) == ("price_budget", Decimal("120000.00"), "CNY")
    # The playbook of the churn's reason, once, its tasks for the owner.
    runs = list(db.scalars(select(PlaybookRun)))
    assert [(r.playbook_key, r.trigger_kind, r.trigger_ref, r.triggered_on) for r in runs] == [
        ("win_back_price_budget", "churn_reason", f"winback:{w.id}", day(1))
    ]
    tasks = list(db.scalars(select(Task).order_by(Task.id)))
    assert [t.step_key for t in tasks] == ["budget_call", "price_option"]
    assert {t.assignee_id for t in tasks} == {churned.csm.id}
    assert first.playbook_runs == 1 and sum(a.playbook_runs for a in again) == 0
    opened = db.scalars(select(AuditEntry).where(AuditEntry.action == "win_back.open")).all()
    assert [e.entity_id for e in opened] == [w.id]


def test_the_account_enters_the_lead_pool_the_day_after_the_window_ends(
    db: Session, churned: Churned, settings: Settings
) -> None:
    service.after_snapshot(db, day(1), settings)
    service.after_snapshot(db, day(WINDOW), settings)
    [w] = win_backs(db)
    assert (w.outcome, w.lead_since) == ("open", None)
    assert service.lead_pool(db, churned.csm)[1] == 0
    done = service.after_snapshot(db, day(WINDOW + 1), settings)
    [w] = win_backs(db)
    assert (done.lost, w.outcome, w.lead_since, w.closed_on) == (1, "lost", day(WINDOW + 1), day(WINDOW + 1))
    leads, total = service.lead_pool(db, churned.csm)
    assert total == 1 and [(lead.account, lead.churn_reason, lead.arr) for lead in leads] == [
        ("Aurora Retail", "price_budget", Decimal("120000.00"))
    ]
    assert [c.name for c in leads[0].contacts] == ["Wang Fang"]  # the champion has left
    assert service.after_snapshot(db, day(WINDOW + 2), settings).lost == 0


def test_a_contract_begun_within_the_window_reactivates_the_win_back(
    db: Session, churned: Churned, settings: Settings
) -> None:
    service.after_snapshot(db, day(1), settings)
    back = make_contract(
        db, churned.account, churned.admin, start_date=day(30), end_date=date(2027, 1, 31), today=day(30)
    )
    assert service.after_snapshot(db, day(29), settings).reactivated == 0  # signed but not begun yet
    done = service.after_snapshot(db, day(31), settings)
    [w] = win_backs(db)
    assert (done.reactivated, w.outcome, w.closed_on, w.reactivated_contract_id) == (
        1, "reactivated", day(30), back.id,
    )  # fmt: skip
    service.after_snapshot(db, day(WINDOW + 5), settings)
    assert service.lead_pool(db, churned.csm)[1] == 0
    assert service.outcome_counts(db, churned.csm) == {"open": 0, "reactivated": 1, "lost": 0, "from_pool": 0}


def test_a_contract_begun_after_the_window_is_a_reactivation_from_the_pool_counted_apart(
    db: Session, churned: Churned, settings: Settings
) -> None:
    service.after_snapshot(db, day(1), settings)
    back = make_contract(
        db, churned.account, churned.admin, start_date=day(120), end_date=date(2027, 6, 1), today=day(100)
    )
    service.after_snapshot(db, day(WINDOW + 1), settings)
    assert service.lead_pool(db, churned.csm)[1] == 1
    done = service.after_snapshot(db, day(121), settings)
    [w] = win_backs(db)
    assert (done.from_pool, w.outcome, w.lead_reactivated_on, w.lead_contract_id) == (
        1, "lost", day(120), back.id,
    )  # fmt: skip
    assert service.lead_pool(db, churned.csm)[1] == 0
    assert service.outcome_counts(db, churned.csm) == {"open": 0, "reactivated": 0, "lost": 1, "from_pool": 1}


def test_renewed_and_live_contracts_open_nothing_and_a_churn_without_reason_takes_the_other_playbook(
    db: Session, churned: Churned, settings: Settings
) -> None:
    renewed = make_contract(
        db, churned.account, churned.admin, start_date=date(2024, 1, 1), end_date=date(2025, 1, 1),
        status="renewed", today=day(1),
    )  # fmt: skip
    quiet = churned_account(db, churned.admin, churned.csm, "Birch Logistics", reason=None)
    make_contract(
        db, quiet.account, churned.admin, start_date=day(0), end_date=date(2027, 1, 1), today=day(1)
    )
    unreasoned = churned_account(db, churned.admin, churned.csm, "Cobalt Health", reason=None)
    service.after_snapshot(db, day(1), settings)
    opened = {w.contract_id: w for w in win_backs(db)}
    assert set(opened) == {churned.contract.id, unreasoned.contract.id}  # not `renewed`, not Birch's
    assert renewed.id not in opened
    keys = db.scalars(select(PlaybookRun.playbook_key).where(PlaybookRun.account_id == unreasoned.account.id))
    assert list(keys) == ["win_back_other"]


def test_a_churn_found_after_its_window_becomes_a_lead_without_a_playbook(
    db: Session, churned: Churned, settings: Settings
) -> None:
    done = service.after_snapshot(db, day(200), settings)
    [w] = win_backs(db)
    assert (done.opened, done.lost, done.playbook_runs) == (1, 1, 0)
    assert (w.outcome, w.lead_since) == ("lost", day(WINDOW + 1))
    assert count(db, PlaybookRun) == 0
