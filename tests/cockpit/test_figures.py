"""The cockpit's figures against a brute-force count over a random company, for each kind of viewer."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.intent_stars import set_intent_stars
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.cockpit.figures import build
from lodestar.contracts.models import Contract
from lodestar.engagement.models import Touch
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.factories import make_account, make_user

TODAY = date(2026, 6, 10)
ZONE = ZoneInfo("Asia/Shanghai")
WINDOW = 60
CADENCE = {"KA": 14, "MM": 30, "SMB": 90}  # the default tiers' check-in cadence; LT has none
LIVE_STAGES = ("onboarding", "growth", "maturity", "at_risk", "renewal")


@dataclass
class Company:
    """The random company as plain Python values, to count by hand."""

    users: dict[str, User]
    accounts: dict[int, dict] = field(default_factory=dict)
    contracts: list[dict] = field(default_factory=list)
    last_touch: dict[int, date] = field(default_factory=dict)
    tasks: list[dict] = field(default_factory=list)


def _accounts(db: Session, rng: random.Random, company: Company, admin: User) -> None:
    owners = [company.users[k] for k in ("csm", "mate", "outsider")]
    for n in range(40):
        live = rng.random() < 0.8
        values = {
            "owner_id": rng.choice(owners).id,
            "status": "active" if live else "churned",
            "stage": rng.choice(LIVE_STAGES) if live else rng.choice(("churned", "lead_pool")),
            "grade": rng.choice(("green", "yellow", "red", None)),
            "trend": rng.choice([None, 0.0, *[round(rng.uniform(-30, 30), 2) for _ in range(4)]]),
            "tier": rng.choice(("KA", "MM", "SMB", "LT")),
            "currency": rng.choice(("CNY", "USD")),
            "arr": Decimal(rng.randrange(1000, 900000, 100)),
        }
        owner = next(u for u in owners if u.id == values["owner_id"])
        account = make_account(db, owner, admin, name=f"Account {n:02d}", tier=values["tier"])
        company.accounts[account.id] = values
    db.flush()
    accounts_service.set_commercials(
        db,
        [
            {"id": i, "arr": v["arr"], "currency": v["currency"], "status": v["status"], "renewal_date": None}
            for i, v in company.accounts.items()
        ],
    )
    accounts_service.set_snapshot_values(
        db,
        [
            {
                "id": i,
                "stage": v["stage"],
                "health_grade": v["grade"],
                "health_score": {"green": 80.0, "yellow": 55.0, "red": 20.0}.get(v["grade"] or ""),
                "health_trend_7d": v["trend"],
                "tier": v["tier"],
            }
            for i, v in company.accounts.items()
        ],
    )
    drawn = random.Random(99)  # its own draws: the figures above keep theirs
    for v in company.accounts.values():
        v["stars"] = drawn.choice((None, 1, 2, 3))
    set_intent_stars(db, TODAY, {i: (v["stars"], 0.5) for i, v in company.accounts.items() if v["stars"]})


def _contracts_and_touches(db: Session, rng: random.Random, company: Company) -> None:
    for account_id in company.accounts:
        for _ in range(rng.randint(0, 2)):
            end = TODAY + timedelta(days=rng.randint(-20, 120))
            row = {
                "account_id": account_id,
                "start_date": end - timedelta(days=365),
                "end_date": end,
                "arr": Decimal(rng.randrange(1000, 500000, 100)),
                "currency": rng.choice(("CNY", "USD")),
                "status": rng.choice(("active", "active", "renewed")),
            }
            db.add(Contract(**row, seats=10))
            company.contracts.append(row)
        for _ in range(rng.randint(0, 3)):
            # Noon in Shanghai is 04:00 UTC: the same calendar day in both, so counting days is unambiguous.
            day = TODAY - timedelta(days=rng.randint(0, 100))
            db.add(Touch(account_id=account_id, kind="call", occurred_at=datetime.combine(day, time(4), UTC)))
            company.last_touch[account_id] = max(day, company.last_touch.get(account_id, day))


def _tasks(db: Session, rng: random.Random, company: Company) -> None:
    for n, account_id in enumerate(rng.sample(sorted(company.accounts), 30)):
        kind = rng.choice(("stage_entered", "stage_entered", "manual"))
        stage = rng.choice((*LIVE_STAGES, "churned"))
        run = PlaybookRun(
            playbook_key="p", playbook_version=1, account_id=account_id, trigger_kind=kind,
            trigger_ref=f"r{n}", triggered_on=TODAY, counts_from=TODAY, stage=stage,
        )  # fmt: skip
        db.add(run)
        db.flush()
        for step in range(3):
            due = TODAY + timedelta(days=rng.randint(-40, 3))
            status = rng.choice(("open", "open", "done"))
            db.add(
                Task(
                    run_id=run.id,
                    account_id=account_id,
                    playbook_key="p",
                    step_key=f"s{step}",
                    position=step,
                    title=f"Step {step}",
                    required=True,
                    evidence_kind="checkbox",
                    evidence_rule={},
                    due_on=due,
                    status=status,
                )
            )
            company.tasks.append(
                {"account_id": account_id, "kind": kind, "stage": stage, "due": due, "status": status}
            )


@pytest.fixture
def company(db: Session) -> Company:
    rng = random.Random(12)
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    users = {
        "admin": admin,
        "manager": manager,
        "csm": make_user(db, Role.CSM, manager=manager, name="Cora Csm"),
        "mate": make_user(db, Role.CSM, manager=manager, name="Mia Mate"),
        "outsider": make_user(db, Role.CSM, name="Otto Other"),
    }
    world = Company(users)
    _accounts(db, rng, world, admin)
    _contracts_and_touches(db, rng, world)
    _tasks(db, rng, world)
    db.commit()
    return world


def _expected(company: Company, owners: set[int]) -> dict:
    """Every figure counted by hand over the live accounts these users own."""
    live = {i: v for i, v in company.accounts.items() if v["owner_id"] in owners and v["status"] == "active"}
    arr: dict[str, Decimal] = defaultdict(Decimal)
    for v in live.values():
        arr[v["currency"]] += v["arr"]
    renewals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for c in company.contracts:
        ending = TODAY <= c["end_date"] <= TODAY + timedelta(days=WINDOW)
        if c["account_id"] in live and c["status"] == "active" and ending:
            renewals[c["currency"]][0] += 1
            renewals[c["currency"]][1] += c["arr"]
    risky = {i for i, v in live.items() if v["stage"] == "at_risk" or v["grade"] == "red"}
    untouched = {
        i
        for i in risky
        if live[i]["tier"] in CADENCE
        and (i not in company.last_touch or (TODAY - company.last_touch[i]).days > CADENCE[live[i]["tier"]])
    }

    def biggest_first(i: int) -> tuple[Decimal, int, int]:  # in CNY at the default 7.10 per USD
        worth = live[i]["arr"] * (Decimal("7.10") if live[i]["currency"] == "USD" else 1)
        since = (TODAY - company.last_touch[i]).days if i in company.last_touch else 10**6
        return (-worth, -since, i)

    open_tasks = [t for t in company.tasks if t["account_id"] in live and t["status"] == "open"]
    matters = [
        t for t in open_tasks if t["kind"] != "stage_entered" or t["stage"] == live[t["account_id"]]["stage"]
    ]
    moved = sorted((abs(v["trend"]), i) for i, v in live.items() if v["trend"])
    return {
        "accounts": len(live),
        "arr": {k: v for k, v in arr.items()},
        "renewals": {k: (n, a) for k, (n, a) in renewals.items()},
        "at_risk": len(risky),
        "untouched": sorted(untouched, key=biggest_first),
        "today": sum(t["due"] == TODAY for t in open_tasks),
        "overdue": sum(t["due"] < TODAY for t in matters),
        "stale": sum(t["due"] < TODAY for t in open_tasks) - sum(t["due"] < TODAY for t in matters),
        "movers": {i for _, i in moved[-15:]},
        "stars": {k: sum(v["stars"] == k for v in live.values()) for k in (3, 2, 1)},
    }


@pytest.mark.parametrize("who", ["csm", "manager", "admin", "outsider"])
def test_every_figure_equals_a_count_by_hand_over_the_viewers_accounts(
    db: Session, company: Company, who: str
) -> None:
    viewer = company.users[who]
    scope = auth_service.scope_for(db, viewer).owner_ids
    owners = set(scope) if scope is not None else {u.id for u in company.users.values()}
    want = _expected(company, owners)
    got = build(db, viewer, scope, TODAY, ZONE, WINDOW)
    assert got.view == {"csm": "mine", "outsider": "mine", "manager": "team", "admin": "company"}[who]
    assert got.summary.accounts == want["accounts"] > 0
    assert dict(got.summary.arr) == want["arr"]  # never one total across CNY and USD
    assert {c: (n, a) for c, n, a in got.renewal_totals} == want["renewals"]
    assert got.at_risk_count == want["at_risk"]
    # Biggest ARR first across currencies, each converted to CNY.
    assert [u.account.id for u in got.untouched] == want["untouched"]
    assert got.untouched_count == len(want["untouched"])
    assert (got.work.today_count, got.work.overdue_count, got.work.stale_count) == (
        want["today"], want["overdue"], want["stale"],
    )  # fmt: skip
    assert {a.id for a in got.movers} == want["movers"]
    assert got.intent_counts == want["stars"]  # live accounts only, per star
    shown = {r.account_id for r in [*got.work.today, *got.work.overdue, *got.renewals]}
    shown |= {a.id for a in got.movers} | {u.account.id for u in got.untouched}
    assert shown <= {i for i, v in company.accounts.items() if v["owner_id"] in owners}


def test_the_team_view_has_a_line_per_owner_that_adds_up_to_the_team(db: Session, company: Company) -> None:
    manager = company.users["manager"]
    scope = auth_service.scope_for(db, manager).owner_ids
    got = build(db, manager, scope, TODAY, ZONE, WINDOW)
    names = {p.name for p in got.people}
    assert names <= {"Cora Csm", "Mia Mate", "Max Manager"} and "Otto Other" not in names
    assert sum(p.summary.accounts for p in got.people) == got.summary.accounts
    assert sum(p.overdue for p in got.people) == got.work.overdue_count
    assert sum(p.untouched for p in got.people) == got.untouched_count
    for line in got.people:
        own = _expected(company, {line.owner_id})
        assert (line.summary.accounts, line.at_risk, line.untouched) == (
            own["accounts"], own["at_risk"], len(own["untouched"]),
        )  # fmt: skip


def test_untouched_accounts_are_listed_by_what_their_arr_is_worth_across_currencies(db: Session) -> None:
    admin, csm = make_user(db, Role.ADMIN), make_user(db, Role.CSM)
    worth = {"yuan": ("CNY", "50000"), "dollars": ("USD", "10000"), "euros": ("EUR", "6000")}  # 46,800 CNY
    ids = {name: make_account(db, csm, admin, name=name, tier="KA").id for name in worth}
    db.flush()
    accounts_service.set_commercials(
        db,
        [
            {"id": ids[n], "arr": Decimal(a), "currency": c, "status": "active", "renewal_date": None}
            for n, (c, a) in worth.items()
        ],
    )
    accounts_service.set_snapshot_values(
        db, [{"id": i, "stage": "at_risk", "health_grade": "red", "tier": "KA"} for i in ids.values()]
    )
    got = build(db, admin, None, TODAY, ZONE, WINDOW)
    # 71,000 CNY (10,000 USD at the default 7.10), then 50,000 CNY, then 46,800 CNY (6,000 EUR at 7.80).
    assert [u.account.id for u in got.untouched] == [ids["dollars"], ids["yuan"], ids["euros"]]
