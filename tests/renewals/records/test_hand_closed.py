"""A renewal closed by hand before its renewing contract was stored gets its ARR split when the contract
comes; where the contract contradicts the hand outcome the contracts win (reasons and note stay, the audit
log keeps both); closing against the contracts, a stored chain or one the dates imply, is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from lodestar.auth.models import AuditEntry
from lodestar.kit.errors import InvalidInput
from lodestar.renewals.records import service
from lodestar.renewals.records.models import Renewal
from lodestar.renewals.records.schemas import RenewalClose
from tests.renewals.records.conftest import Team

START, END = date(2025, 1, 1), date(2026, 1, 1)
CALLED = date(2025, 12, 10)  # inside the window, before the end: nothing contradicts a renewal yet
LATER = date(2026, 2, 1)


def _split(renewal: Renewal) -> tuple[Decimal | None, ...]:
    return (renewal.renewal_arr, renewal.expansion_arr, renewal.contraction_arr, renewal.churn_arr)


def _amounts(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def _closed(team: Team, outcome: str, on: date = CALLED, **kw: object) -> tuple[Renewal, object]:
    account = team.account()
    old = team.contract(account, START, END)
    service.open_and_derive(team.db, on)
    renewal = team.renewal_of(old)
    service.close_renewal(team.db, team.csm, renewal.id, RenewalClose(outcome=outcome, **kw), on)  # type: ignore[arg-type]
    return renewal, account


def _audit(team: Team, renewal: Renewal) -> list[tuple[str, dict[str, object]]]:
    stmt = select(AuditEntry).where(AuditEntry.entity == "renewals", AuditEntry.entity_id == renewal.id)
    return [(e.action, e.changes) for e in team.db.scalars(stmt.order_by(AuditEntry.id))]


def test_an_expansion_called_before_the_contract_gets_its_split_when_the_contract_comes(team: Team) -> None:
    renewal, account = _closed(team, "expanded", note="two more departments")
    assert _split(renewal) == (None, None, None, None)  # the contracts cannot say yet
    new = team.contract(account, END, date(2027, 1, 1), "150000")  # stored later, no chain id
    assert service.open_and_derive(team.db, LATER)["derived"] == 1
    assert (renewal.outcome, renewal.outcome_source, renewal.renewing_contract_id) == (
        "expanded",
        "hand",
        new.id,
    )
    assert _split(renewal) == _amounts("120000", "30000", "0", "0")
    assert (renewal.closed_by, renewal.closed_on, renewal.note) == (
        team.csm.id,
        CALLED,
        "two more departments",
    )
    assert _audit(team, renewal)[-1] == (
        "renewal.fill",
        {"renewing_contract_id": new.id, "outcome": "expanded"},
    )
    assert service.open_and_derive(team.db, LATER)["derived"] == 0  # filled once


def test_a_flat_call_the_contract_contradicts_takes_the_contracts_outcome(team: Team) -> None:
    renewal, account = _closed(team, "renewed_flat")
    assert _split(renewal) == _amounts("120000", "0", "0", "0")
    new = team.contract(account, END, date(2027, 1, 1), "100000", renews_contract_id=renewal.contract_id)
    service.open_and_derive(team.db, LATER)
    assert (renewal.outcome, renewal.outcome_source, renewal.renewing_contract_id) == (
        "contracted",
        "hand",
        new.id,
    )
    assert _split(renewal) == _amounts("100000", "0", "20000", "0")
    assert _audit(team, renewal)[-1] == (
        "renewal.correct",
        {"renewing_contract_id": new.id, "outcome": "contracted", "closed_as": "renewed_flat"},
    )


def test_a_churn_called_by_hand_becomes_a_renewal_when_a_renewing_contract_is_stored(team: Team) -> None:
    after_end = date(2026, 1, 5)
    renewal, account = _closed(team, "churned", on=after_end, reasons=["price_budget"])
    assert _split(renewal) == _amounts("0", "0", "0", "120000")
    team.contract(account, date(2026, 1, 20), date(2027, 1, 20))  # 19 days late, within the tolerance
    service.open_and_derive(team.db, LATER)
    assert (renewal.outcome, renewal.reasons) == ("renewed_flat", ["price_budget"])
    assert _split(renewal) == _amounts("120000", "0", "0", "0")


def test_closing_against_a_successor_the_dates_imply_is_refused_naming_the_outcome(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    service.open_and_derive(team.db, date(2025, 12, 1))
    renewal = team.renewal_of(old)
    team.contract(account, END, date(2027, 1, 1), "130000")  # stored after the renewal opened, no chain id
    for outcome, reasons in (("churned", ["competitor"]), ("contracted", ["price_budget"])):
        close = RenewalClose(outcome=outcome, reasons=reasons)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput) as caught:
            service.close_renewal(team.db, team.csm, renewal.id, close, date(2025, 12, 2))
        assert [p.field for p in caught.value.problems] == ["outcome"]
    assert renewal.outcome is None and renewal.outcome_source is None  # nothing written
