"""The renewals page's sums and count are cached per table generation: after each edit, close, account
change or daily step they equal the same figures computed from scratch (the cache emptied), and they show
the change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import AccountUpdate
from lodestar.auth.models import User
from lodestar.renewals.records import service
from lodestar.renewals.records.schemas import RenewalClose, RenewalQuery, RenewalUpdate
from tests.renewals.records.conftest import Team

START, END = date(2025, 1, 1), date(2026, 1, 1)
ON = date(2025, 12, 10)  # inside the window of the contracts ending 2026-01-01: their renewals are open
KA = RenewalQuery(tier="KA")


def _figures(team: Team, viewer: User, query: RenewalQuery) -> tuple[Any, ...]:
    page = service.pipeline_page(team.db, viewer, query, ON)
    cells = {k: (c.count, c.arr) for k, c in page.pipeline.cells.items()}
    calls = [(c.category, c.closed, c.renewed, c.arr, c.renewed_arr) for c in page.calls]
    renewals, total = service.list_renewals(team.db, viewer, query, 50, 0)
    return cells, page.pipeline.total.count, calls, total, sorted(r.id for r in renewals)


def _checked(team: Team, viewer: User, query: RenewalQuery = RenewalQuery()) -> tuple[Any, ...]:
    """The cached figures, asserted equal to the same ones computed with nothing cached."""
    cached = _figures(team, viewer, query)
    service._SUMS.clear()
    assert _figures(team, viewer, query) == cached
    return cached


def test_the_cached_page_follows_every_change_and_equals_a_fresh_computation(team: Team) -> None:
    ka, smb, gone = team.account(tier="KA"), team.account(tier="SMB"), team.account(tier="SMB")
    ka_contract = team.contract(ka, START, END, "100000")
    team.contract(smb, START, END, "40000")
    past = team.contract(gone, date(2024, 11, 1), date(2025, 11, 1), "20000")  # ended, nothing renews it
    service.open_and_derive(team.db, ON)
    first = _checked(team, team.admin)
    assert (first[1], first[3]) == (2, 2)
    assert next(c for c in first[2] if c[0] == "none")[1:3] == (1, 0)  # the churn, called by nobody
    assert _checked(team, team.admin, KA)[3] == 1

    later = team.account(tier="MM")
    team.contract(later, date(2025, 3, 1), date(2026, 3, 1), "30000")
    team.contract(gone, date(2025, 11, 1), date(2026, 11, 1), "20000", renews_contract_id=past.id)
    service.open_and_derive(team.db, ON)
    after_step = _checked(team, team.admin)
    assert after_step[3] == 3  # the daily step's new renewal is counted
    assert next(c for c in after_step[2] if c[0] == "none")[1:3] == (1, 1)  # re-derived: renewed

    renewal = team.renewal_of(ka_contract)
    service.update_renewal(team.db, team.csm, renewal.id, RenewalUpdate(forecast="commit"))
    assert _checked(team, team.admin)[0][(date(2026, 1, 1), "commit")] == (1, Decimal("100000.00"))

    accounts_service.update_account(team.db, team.admin, smb.id, AccountUpdate(tier="KA"))
    assert _checked(team, team.admin, KA)[3] == 2  # the filter reads the account as it is now

    closing = RenewalClose(outcome="churned", reasons=["other"])
    service.close_renewal(team.db, team.csm, renewal.id, closing, ON)
    after = _checked(team, team.admin)
    assert after[3] == 2 and (date(2026, 1, 1), "commit") not in after[0]  # no longer open
    assert _checked(team, team.csm)[3] == 2  # the CSM's scope is cached apart and agrees
