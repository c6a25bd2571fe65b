"""A renewal opens once per contract when its renewal window opens (the lifecycle model's rule), however
often and on whichever dates the daily step runs."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lodestar.auth.models import AuditEntry
from lodestar.config import service as config_service
from lodestar.renewals.records import service
from lodestar.renewals.records.models import Renewal
from tests.renewals.records.conftest import Team


def _opens(start: date, end: date, share: float = 1 / 3) -> date:
    """The window's first day, worked out here: the last third of the term (rounded up to whole days)."""
    return end - timedelta(days=math.ceil((end - start).days * share))


def _count(team: Team) -> int:
    return team.db.scalar(select(func.count()).select_from(Renewal)) or 0


def test_a_renewal_opens_on_the_day_the_window_opens_and_never_twice(team: Team) -> None:
    account = team.account()
    start, end = date(2025, 1, 1), date(2026, 1, 1)
    contract = team.contract(account, start, end)
    opens = _opens(start, end)
    assert opens == date(2025, 9, 1)
    assert service.open_and_derive(team.db, opens - timedelta(days=1)) == {"opened": 0, "derived": 0}
    assert service.open_and_derive(team.db, opens) == {"opened": 1, "derived": 0}
    assert service.open_and_derive(team.db, opens) == {"opened": 0, "derived": 0}
    assert service.open_and_derive(team.db, opens + timedelta(days=30)) == {"opened": 0, "derived": 0}
    renewal = team.renewal_of(contract)
    assert (renewal.opened_on, renewal.contract_end, renewal.account_id) == (opens, end, account.id)
    assert (renewal.arr, renewal.currency, renewal.owner_id) == (120000, "CNY", team.csm.id)
    assert renewal.forecast is None and renewal.likelihood is None and renewal.outcome is None
    assert (renewal.documents, renewal.reasons) == ([], [])
    assert renewal.created_at is not None and renewal.updated_at is not None
    entries = team.db.scalars(select(AuditEntry).where(AuditEntry.action == "renewal.open")).all()
    assert [(e.entity, e.entity_id, e.changes) for e in entries] == [
        ("renewals", None, {"contract_id": contract.id})
    ]


def test_each_contract_opens_on_its_own_date_across_two_runs(team: Team) -> None:
    first = team.contract(team.account(), date(2025, 1, 1), date(2026, 1, 1))
    second = team.contract(team.account(), date(2025, 6, 1), date(2026, 6, 1))
    team.contract(team.account(), date(2025, 1, 1), date(2026, 1, 1), status="cancelled")
    day_one, day_two = _opens(date(2025, 1, 1), date(2026, 1, 1)), _opens(date(2025, 6, 1), date(2026, 6, 1))
    assert service.open_and_derive(team.db, day_one)["opened"] == 1
    assert service.open_and_derive(team.db, day_two)["opened"] == 1
    assert service.open_and_derive(team.db, day_two)["opened"] == 0
    assert team.renewal_of(first).opened_on == day_one
    assert team.renewal_of(second).opened_on == day_two
    assert _count(team) == 2  # the cancelled contract never opens one


def test_a_fixed_lead_in_the_lifecycle_model_moves_the_opening(team: Team) -> None:
    model = config_service.current(team.db, "lifecycle", type(config_service.default("lifecycle")))[0]
    timeline = model.timeline.model_dump() | {"renewal_share": None, "renewal_lead_days": 60}
    config_service.save(team.db, "lifecycle", model.model_dump() | {"timeline": timeline}, "test")
    contract = team.contract(team.account(), date(2025, 1, 1), date(2026, 1, 1))
    assert service.open_and_derive(team.db, date(2025, 11, 1))["opened"] == 0
    assert service.open_and_derive(team.db, date(2025, 11, 2))["opened"] == 1  # 60 days before the end
    assert team.renewal_of(contract).opened_on == date(2025, 11, 2)


def test_a_contract_renewed_before_its_window_opens_its_renewal_at_once(team: Team) -> None:
    account = team.account()
    old = team.contract(account, date(2025, 1, 1), date(2026, 1, 1))
    team.contract(account, date(2025, 5, 1), date(2026, 5, 1), renews_contract_id=old.id)
    assert service.open_and_derive(team.db, date(2025, 5, 2)) == {"opened": 1, "derived": 1}
    renewal = team.renewal_of(old)
    assert renewal.opened_on == date(2025, 5, 2) and renewal.outcome == "early_renewed"


def test_the_database_refuses_a_second_renewal_of_a_contract(team: Team) -> None:
    contract = team.contract(team.account(), date(2025, 1, 1), date(2026, 1, 1))
    service.open_and_derive(team.db, date(2025, 10, 1))
    twin = team.renewal_of(contract)
    copied = {c: getattr(twin, c) for c in ("account_id", "opened_on", "contract_end", "arr", "currency")}
    team.db.add(Renewal(contract_id=contract.id, documents=[], reasons=[], **copied))
    with pytest.raises(IntegrityError):
        team.db.flush()
