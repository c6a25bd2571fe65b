"""Purchase-intent stars against the database: the target read from hand-made contract chains, the stars
the daily step keeps on accounts, and the portfolio filter each role sees (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from lodestar.accounts.intent_stars import set_intent_stars
from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.auth.models import Role, User
from lodestar.intent import kept_model, service, targets
from lodestar.intent.targets import day_number
from lodestar.kit.errors import InvalidInput
from lodestar.renewals.records.models import Renewal
from tests.api_fixtures import Team
from tests.factories import make_account, make_contract, make_user


def test_expansions_are_larger_renewals_and_add_ons_and_new_contracts_skip_the_first(db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    grows, flat, shrinks, new = (make_account(db, admin, name=n) for n in ("Grows", "Flat", "Shrinks", "New"))
    year = {"start_date": date(2025, 1, 1), "end_date": date(2026, 1, 1), "arr": Decimal("100000")}
    nxt = {"start_date": date(2026, 1, 1), "end_date": date(2027, 1, 1)}
    first = make_contract(db, grows, admin, **year)
    make_contract(db, grows, admin, **nxt, arr=Decimal("120000"), renews_contract_id=first.id)
    first = make_contract(db, flat, admin, **year)
    make_contract(db, flat, admin, **nxt, arr=Decimal("100000"), renews_contract_id=first.id)
    add_on = {"start_date": date(2026, 3, 1), "end_date": date(2027, 1, 1), "arr": Decimal("5000")}
    make_contract(db, flat, admin, **add_on)
    make_contract(db, shrinks, admin, **year)  # renewed 9 days late, smaller, no chain id: the successor rule
    late = {"start_date": date(2026, 1, 10), "end_date": date(2027, 1, 10), "arr": Decimal("90000")}
    make_contract(db, shrinks, admin, **late)
    make_contract(db, new, admin, **nxt, arr=Decimal("50000"))
    db.commit()

    contracts = targets._contracts(db)
    found = targets.expansions(contracts)
    assert list(zip(found.account_id.tolist(), found.day.tolist(), strict=True)) == [
        (grows.id, day_number(date(2026, 1, 1))),
        (flat.id, day_number(date(2026, 3, 1))),
    ]
    starts = targets.new_contracts(contracts)
    assert sorted(zip(starts.account_id.tolist(), starts.day.tolist(), strict=True)) == sorted(
        [
            (grows.id, day_number(date(2026, 1, 1))),
            (flat.id, day_number(date(2026, 1, 1))),
            (flat.id, day_number(date(2026, 3, 1))),
            (shrinks.id, day_number(date(2026, 1, 10))),
        ]
    )


def _company(
    db: Session, root: Path, admin: User, owners: list[User], accounts: int = 240
) -> tuple[list[Account], date]:
    """Weekly snapshots over 40 weeks; accounts with a high active-user ratio take add-on contracts often."""
    rng = np.random.default_rng(5)
    made = [make_account(db, owners[i % len(owners)], admin, name=f"Acme {i:03d}") for i in range(accounts)]
    start = date(2025, 1, 7)
    days = [start + timedelta(days=7 * w) for w in range(40)]
    keen = rng.uniform(size=accounts) < 0.3
    for a, is_keen in zip(made, keen, strict=True):
        make_contract(db, a, admin, start_date=date(2024, 6, 1), end_date=date(2027, 6, 1))
        for week in np.flatnonzero(rng.uniform(size=40) < (0.08 if is_keen else 0.004)):
            on = start + timedelta(days=7 * int(week) + 2)
            make_contract(db, a, admin, start_date=on, end_date=date(2027, 6, 1), arr=Decimal("9000"))
    db.commit()
    ratio = np.where(keen, 0.75, 0.3)
    for day in days:
        table = {
            "account_id": [a.id for a in made],
            "active_user_ratio_30d": np.clip(ratio + rng.normal(0, 0.1, size=accounts), 0, 1),
            "events_30d": rng.gamma(2.0, 10.0, size=accounts),
            "stage": ["adoption"] * accounts,
        }
        snapshot_store.write(root, day, pa.table(table))
    return made, days[-1]


def test_the_daily_step_keeps_stars_on_accounts_and_the_portfolio_filters_them_by_role(
    db: Session, client, team: Team, tmp_path: Path
) -> None:
    root = tmp_path / "snapshots"
    made, last = _company(db, root, team.admin.user, [team.csm.user, team.other_csm.user])
    given = service.after_snapshot(db, root, tmp_path / "events", last)
    db.commit()
    assert given == len(made)
    stars = {a.id: (a.intent_stars, a.intent_scored_on) for a in db.query(Account).all()}
    assert {s for s, _ in stars.values()} == {1, 2, 3} and {d for _, d in stars.values()} == {last}
    assert kept_model.load(root) is not None

    # the same date again: the kept model, the same stars, nothing written
    assert service.after_snapshot(db, root, tmp_path / "events", last) == 0
    db.commit()
    assert {a.id: (a.intent_stars, a.intent_scored_on) for a in db.query(Account).all()} == stars

    def names(member, **params: object) -> set[str]:
        res = client.get("/api/v1/accounts", headers=member.headers, params={"size": 200, **params})
        assert res.status_code == 200
        return {a["name"] for a in res.json()["items"]}

    three = {a.name for a in made if stars[a.id][0] == 3}
    mine = {a.name for a in made if a.owner_id == team.csm.user.id}
    assert names(team.admin, stars=3) == three
    assert names(team.csm, stars=3) == three & mine
    assert names(team.other_csm, stars=3) == three - mine
    res = client.get("/api/v1/accounts", headers=team.admin.headers, params={"stars": 4})
    assert res.status_code == 422 and [p["field"] for p in res.json()["problems"]] == ["query.stars"]


def test_a_company_without_enough_history_gets_no_stars_and_the_run_goes_on(
    db: Session, tmp_path: Path
) -> None:
    admin = make_user(db, Role.ADMIN)
    account = make_account(db, admin, name="Alone")
    db.commit()
    root = tmp_path / "snapshots"
    snapshot_store.write(root, date(2026, 1, 6), pa.table({"account_id": [account.id], "events_30d": [3.0]}))
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(db.get_bind(), "before_cursor_execute", seen)
    try:
        assert service.after_snapshot(db, root, tmp_path / "events", date(2026, 1, 6)) == 0
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", seen)
    assert statements  # the configuration was read...
    assert not [s for s in statements if "FROM contracts" in s]  # ...but no contract, with nothing to learn
    db.refresh(account)
    assert account.intent_stars is None


def test_the_backtest_learns_before_its_date_and_refuses_a_horizon_still_open(
    db: Session, team: Team, tmp_path: Path
) -> None:
    root = tmp_path / "snapshots"
    made, last = _company(db, root, team.admin.user, [team.csm.user])
    as_of = last - timedelta(days=91)
    found = service.backtest(db, root, tmp_path / "events", as_of, today=last, horizon=91)
    assert found.as_of == as_of and found.accounts == len(made)
    assert found.training_dates == 14  # weekly dates whose 91 days had passed by the as-of date
    assert found.model.rising and found.model.auc.low is not None and found.model.auc.low > 0.6
    assert sum(g.hits for g in found.model.groups) == found.hits == sum(g.hits for g in found.baseline.groups)
    with pytest.raises(InvalidInput) as refused:
        service.backtest(db, root, tmp_path / "events", as_of + timedelta(days=7), today=last, horizon=91)
    assert [p.field for p in refused.value.problems] == ["--as-of"]
    assert "has not passed yet" in str(refused.value.problems[0].message)


def test_the_sales_list_holds_each_roles_3_star_accounts_without_an_expansion_in_hand(
    db: Session, client, team: Team
) -> None:
    admin = team.admin.user
    accounts = {
        name: make_account(db, owner, admin, name=name)
        for name, owner in (
            ("Mine hot", team.csm.user),
            ("Mine proposed", team.csm.user),
            ("Mine cool", team.csm.user),
            ("Theirs hot", team.other_csm.user),
        )
    }
    db.commit()
    set_intent_stars(
        db,
        date(2026, 6, 1),
        {
            accounts["Mine hot"].id: (3, 0.4),
            accounts["Mine proposed"].id: (3, 0.6),
            accounts["Mine cool"].id: (2, 0.1),
            accounts["Theirs hot"].id: (3, 0.5),
        },
    )
    proposed = accounts["Mine proposed"]
    contract = make_contract(db, proposed, admin, start_date=date(2025, 7, 1), end_date=date(2026, 7, 1))
    db.add(
        Renewal(
            contract_id=contract.id,
            account_id=proposed.id,
            owner_id=team.csm.user.id,
            opened_on=date(2026, 4, 1),
            contract_end=date(2026, 7, 1),
            arr=Decimal("120000"),
            currency="CNY",
            proposal_price=Decimal("150000"),
            proposal_discount=Decimal("10"),  # 135,000 after discount: above the ARR at stake
        )
    )
    db.commit()

    def leads(member) -> list[str]:
        res = client.get("/api/v1/intent/leads", headers=member.headers)
        assert res.status_code == 200
        body = res.json()
        assert body["total"] == len(body["items"])
        return [item["name"] for item in body["items"]]

    assert leads(team.admin) == ["Theirs hot", "Mine hot"]  # highest score first
    assert leads(team.csm) == ["Mine hot"]
    assert leads(team.manager) == ["Mine hot"]
    assert leads(team.other_csm) == ["Theirs hot"]
    res = client.get("/api/v1/intent/leads", headers=team.admin.headers, params={"size": 0})
    assert res.status_code == 422 and [p["field"] for p in res.json()["problems"]] == ["query.size"]
