"""The list sorted and paged in the database equals the figures computed by hand in Python: two currencies
(a rate with a half-cent to round up, a later rate not yet in force), a CSM who sees only their accounts,
ties broken by the next figure and then by id, every page of three."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.feature_requests import service
from lodestar.feature_requests.models import FeatureRequest
from lodestar.feature_requests.schemas import LinkCreate, MergeRequest, RequestCreate
from lodestar.kit.errors import InvalidInput
from lodestar.renewals import config_kind
from tests.factories import make_account, make_user

TODAY = date(2026, 6, 1)
USD = Decimal("7.1")  # in force today; 7.5 from 2026-07-01 is not
# name, owner (index), currency, ARR, in the renewal window, stage
ACCOUNTS = [
    ("A", 0, "CNY", "100000.00", True, None),
    ("B", 0, "USD", "100.15", False, "at_risk"),  # 711.065 CNY: 711.07 half up (711.06 half even)
    ("C", 1, "CNY", "50000.40", False, None),
    ("D", 1, "USD", "7042.30", True, None),  # 50,000.33 CNY
    ("E", 0, "USD", "0.05", False, None),  # 0.355 CNY: 0.36
    ("F", 2, "CNY", "711.07", False, "at_risk"),  # as much as B
    ("G", 2, "USD", "14084.51", False, None),
]
# request title: the accounts that asked (by name)
LINKS = {
    "R1": "ABCDEFG",
    "R2": "B",
    "R3": "F",  # the same ARR as R2: by id
    "R4": "BE",  # B and E apart: 711.07 + 0.36 (converted per currency sum: 100.20 USD = 711.42)
    "R5": "CD",
    "R6": "",  # nobody asked
    "R7": "AG",
    "R8": "DG",  # merged into R7 below: left out
}


def _convert(amount: Decimal, currency: str) -> Decimal:
    rate = USD if currency == "USD" else Decimal(1)
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _world(db: Session) -> tuple[list[User], dict[str, int], dict[int, list[Account]]]:
    data = config_kind.current(db)[0].model_dump(mode="json")
    data["exchange_rates"] = [
        {"currency": "USD", "rate": str(USD), "valid_from": "2020-01-01"},
        {"currency": "USD", "rate": "7.5", "valid_from": "2026-07-01"},
    ]
    config_service.save(db, "renewals", data, "tests")
    admin, manager = make_user(db, Role.ADMIN), make_user(db, Role.MANAGER)
    owners = [make_user(db, Role.CSM, manager=manager), make_user(db, Role.CSM), make_user(db, Role.CSM)]
    accounts = {}
    for name, owner, currency, arr, renewing, stage in ACCOUNTS:
        account = make_account(db, owners[owner], admin, name=name, tier="KA" if owner else "SMB")
        account.currency, account.arr, account.in_renewal_window, account.stage = (
            currency, Decimal(arr), renewing, stage
        )  # fmt: skip
        accounts[name] = account
    db.flush()
    ids, linked = {}, {}
    for title, names in LINKS.items():
        request = service.create_request(db, admin, RequestCreate(title=title))
        ids[title], linked[request.id] = request.id, [accounts[n] for n in names]
        for n in names:
            service.link_account(db, admin, request.id, LinkCreate(account_id=accounts[n].id), TODAY)
    service.merge(db, admin, ids["R8"], MergeRequest(into_id=ids["R7"]))
    linked[ids["R7"]] = [accounts[n] for n in "ADG"]
    del linked[ids["R8"]]
    return [admin, manager, owners[0]], ids, linked


def _by_hand(linked: dict[int, list[Account]], owner_ids: set[int] | None) -> dict[int, Any]:
    """Each request's (accounts, ARR, ARR at stake, tiers), each currency's sum converted once."""
    out = {}
    for request_id, accounts in linked.items():
        seen = [a for a in accounts if owner_ids is None or a.owner_id in owner_ids]
        arr: dict[str, Decimal] = defaultdict(Decimal)
        stake: dict[str, Decimal] = defaultdict(Decimal)
        tiers: dict[str, int] = defaultdict(int)
        for a in seen:
            arr[a.currency] += a.arr
            if a.in_renewal_window or a.stage == "at_risk":
                stake[a.currency] += a.arr
            tiers[a.tier or ""] += 1
        out[request_id] = (
            len(seen),
            sum((_convert(v, c) for c, v in arr.items()), Decimal(0)),
            sum((_convert(v, c) for c, v in stake.items()), Decimal(0)),
            dict(tiers),
        )
    return out


KEYS = {
    "arr": lambda i, f: (-f[1], -f[0], i),
    "accounts": lambda i, f: (-f[0], -f[1], i),
    "at_stake": lambda i, f: (-f[2], -f[1], i),
    "newest": lambda i, f: (-i,),
}


@pytest.mark.parametrize("who", [0, 1, 2])  # admin, manager (the first CSM's team), the first CSM
def test_each_sorted_page_equals_the_figures_computed_by_hand(db: Session, who: int) -> None:
    viewers, ids, linked = _world(db)
    viewer = viewers[who]
    scope = None if who == 0 else {viewers[2].id}  # the manager's team is the first CSM
    expected = _by_hand(linked, scope)
    for sort, key in KEYS.items():
        order = sorted(expected, key=lambda i: key(i, expected[i]))
        got = []
        for offset in range(0, 9, 3):
            page = service.list_requests(db, viewer, TODAY, sort=sort, limit=3, offset=offset)  # type: ignore[arg-type]
            assert page.total == 7 and page.currency == "CNY"
            got += [(r.id, (r.figures.accounts, r.figures.arr, r.figures.arr_at_stake, r.figures.tiers))
                    for r in page.items]  # fmt: skip
        assert got == [(i, expected[i]) for i in order], sort
    if who == 2:  # the CSM's R1: A, B and E only
        r1 = expected[ids["R1"]]
        assert r1[:3] == (3, Decimal("100711.42"), Decimal("100711.07"))  # 100.20 USD = 711.42


def test_an_account_in_a_currency_without_a_rate_is_refused_naming_the_rates(db: Session) -> None:
    viewers, ids, linked = _world(db)
    account = linked[ids["R2"]][0]
    account.currency = "EUR"
    db.flush()
    with pytest.raises(InvalidInput) as refused:
        service.list_requests(db, viewers[0], TODAY, limit=1, offset=5)
    assert refused.value.problems[0].field == "renewals.exchange_rates"
    assert "EUR" in str(refused.value.problems[0].message)
    assert db.get(FeatureRequest, ids["R2"]) is not None
