"""Reading the metric inputs from the operational store, through the domains' services."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts.models import Contact
from lodestar.analytics.engines.engine import connect
from lodestar.analytics.inputs import days, hours
from lodestar.analytics.metrics.table import compute_metrics
from lodestar.auth.models import Role
from lodestar.engagement.models import SurveyResponse, Ticket, Touch
from lodestar.snapshots.metric_inputs import load_inputs
from tests.factories import make_account, make_contract, make_user

OPENED = datetime(2025, 3, 1, 9, tzinfo=UTC)


def _company(db: Session) -> int:
    admin = make_user(db, Role.ADMIN)
    account = make_account(db, admin, segment_group_id="g-1", tier="KA")
    make_contract(db, account, admin, start_date=date(2025, 1, 1), end_date=date(2026, 1, 1), seats=5)
    db.add_all(
        [
            Contact(account_id=account.id, name="Stays", role="champion", active=True),
            Contact(
                account_id=account.id, name="Left", role="champion", active=False, left_on=date(2025, 3, 10)
            ),
            Contact(account_id=account.id, name="Gone", role="decision_maker", active=False),
            Ticket(account_id=account.id, severity="critical", opened_at=OPENED),
            Touch(account_id=account.id, kind="training", occurred_at=OPENED),
            SurveyResponse(account_id=account.id, kind="nps", score=9, answered_at=OPENED),
        ]
    )
    db.flush()
    return account.id


def test_inputs_hold_each_domains_rows_in_day_numbers_and_hours(db: Session) -> None:
    account_id = _company(db)
    inputs = load_inputs(db, {"KA": 4.0}, ["Report"])
    assert inputs.accounts.to_pylist() == [
        {"account_id": account_id, "group_id": "g-1", "tier": "KA", "sla_first_response_hours": 4.0}
    ]
    contract = inputs.contracts.drop_columns(["contract_id"]).to_pylist()
    assert contract == [
        {
            "account_id": account_id,
            "start_day": days(date(2025, 1, 1)),
            "end_day": days(date(2026, 1, 1)),
            "arr": 120000.0,
            "seats": 5,
            "status": "active",
        }
    ]
    assert sorted(inputs.contacts.to_pylist(), key=lambda c: (c["role"], c["active"])) == [
        {"account_id": account_id, "role": "champion", "active": False, "left_day": days(date(2025, 3, 10))},
        {"account_id": account_id, "role": "champion", "active": True, "left_day": None},
        {"account_id": account_id, "role": "decision_maker", "active": False, "left_day": None},
    ]
    assert inputs.tickets.column("opened_hour").to_pylist() == [hours(OPENED)]
    assert inputs.touches.column("day").to_pylist() == [days(OPENED)]
    assert inputs.surveys.select(["kind", "score"]).to_pylist() == [{"kind": "nps", "score": 9.0}]
    assert inputs.key_features == ("Report",)


def test_contacts_imported_today_count_on_past_dates_until_they_leave(db: Session, tmp_path: Path) -> None:
    account_id = _company(db)
    db.add(
        Contact(account_id=account_id, name="Later", role="champion", active=False, left_on=date(2025, 2, 1))
    )
    db.flush()
    engine = connect("duckdb", tmp_path / "rollups")
    before, after = date(2025, 3, 9), date(2025, 3, 10)
    table = compute_metrics(engine, load_inputs(db), [before, after])
    present = table.select(["as_of", "champion_present", "decision_maker_left_90d"]).to_pylist()
    assert present == [
        {"as_of": before, "champion_present": True, "decision_maker_left_90d": False},
        {"as_of": after, "champion_present": True, "decision_maker_left_90d": False},
    ]
    inputs = load_inputs(db)
    leavers = replace(inputs, contacts=inputs.contacts.filter(pc.invert(inputs.contacts.column("active"))))
    rows = compute_metrics(engine, leavers, [date(2025, 1, 31), before, after]).column("champion_present")
    assert rows.to_pylist() == [True, True, False]
