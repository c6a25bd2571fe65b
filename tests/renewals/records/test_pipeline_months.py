"""The pipeline sums per month of contract end: each month's group converts at one rate, and a month in
which a configured rate changes is split at the change, so no renewal converts at another day's rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lodestar.config import service as config_service
from lodestar.renewals import config_kind
from lodestar.renewals.records import service
from lodestar.renewals.records.schemas import RenewalQuery
from tests.renewals.records.conftest import Team

ON = date(2026, 3, 10)  # every renewal below is open (its window opened, nothing renews it yet)


def _use_rates(team: Team) -> None:
    """USD at 7.00 CNY, then 7.50 from 2026-06-15 (inside June)."""
    data = config_kind.current(team.db)[0].model_dump(mode="json")
    data["exchange_rates"] = [
        {"currency": "USD", "rate": "7.00", "valid_from": "2020-01-01"},
        {"currency": "USD", "rate": "7.50", "valid_from": "2026-06-15"},
    ]
    config_service.save(team.db, "renewals", data, "tests")


def test_a_month_splits_at_a_rate_change_and_the_list_counts_the_same_groups(team: Team) -> None:
    _use_rates(team)
    account = team.account()
    for end, arr, currency in (
        (date(2026, 6, 1), "1000", "USD"),  # 7,000 CNY
        (date(2026, 6, 10), "1000", "USD"),  # 7,000 CNY: same month, same rate
        (date(2026, 6, 20), "1000", "USD"),  # 7,500 CNY: after the change
        (date(2026, 6, 25), "10000", "CNY"),
        (date(2026, 7, 5), "2000", "USD"),  # 15,000 CNY
    ):
        team.contract(account, date(end.year - 1, end.month, end.day), end, arr, currency=currency)
    assert service.open_and_derive(team.db, ON)["opened"] == 5
    page = service.pipeline_page(team.db, team.admin, RenewalQuery(), ON)
    june, july = date(2026, 6, 1), date(2026, 7, 1)
    assert {m: (c.count, c.arr) for m, c in page.pipeline.by_month.items()} == {
        june: (4, Decimal("31500.00")),
        july: (1, Decimal("15000.00")),
    }
    assert page.pipeline.cells[(june, "none")].arr == Decimal("31500.00")
    _, total = service.list_renewals(team.db, team.admin, RenewalQuery(), 10, 0)
    assert total == 5
    _, csm_total = service.list_renewals(team.db, team.csm, RenewalQuery(end_to=date(2026, 6, 30)), 10, 0)
    assert csm_total == 4  # the count keeps the list's own filters
