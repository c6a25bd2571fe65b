"""A CSM's small day on the shared live server, dated from the server's own today (the company's zone).

Kai Cockpit (a CSM outside every team, so no other test's figures change) owns:
- Harbor Shipping: KA, at risk and red, 250,000 USD renewing in 30 days, last touched 41 days ago (KA
  check-in every 14 days), a task due today, two tickets (one first response within the 4 h SLA and a
  resolution past the 24 h one; one still waiting past 4 h), an NPS 3 and a CSAT 5, usage on 10 days and
  three key features used recently;
- Lotus Tea: MM, maturity, green, 100,000 CNY renewing in 45 days, an overdue task of maturity (still
  matters) and an overdue one of onboarding, a stage it left (stale);
- Old Mill: churned, in the lead pool, with an overdue task that must not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from lodestar.accounts import service as accounts_service
from lodestar.analytics.last_active_state import state_path
from lodestar.auth.models import Role
from lodestar.contracts.models import Contract
from lodestar.db.engine import session_factory
from lodestar.engagement.models import SurveyResponse, Ticket, Touch
from lodestar.kit.time import day_number, today_in
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.factories import make_account, make_user
from tests.live_server import Live


@dataclass
class Day:
    """The seeded ids and the day they were dated from."""

    today: date
    harbor: int
    lotus: int
    mill: int


def _run(db: object, account: int, kind: str, stage: str, ref: str, tasks: list[tuple[str, date]]) -> None:
    run = PlaybookRun(
        playbook_key="p",
        playbook_version=1,
        account_id=account,
        trigger_kind=kind,
        trigger_ref=ref,
        triggered_on=tasks[0][1],
        counts_from=tasks[0][1],
        stage=stage,
    )
    db.add(run)  # type: ignore[attr-defined]
    db.flush()  # type: ignore[attr-defined]
    for n, (title, due) in enumerate(tasks):
        db.add(  # type: ignore[attr-defined]
            Task(
                run_id=run.id,
                account_id=account,
                playbook_key="p",
                step_key=f"s{n}",
                position=n,
                title=title,
                required=True,
                evidence_kind="checkbox",
                evidence_rule={},
                due_on=due,
                status="open",
            )
        )


def _usage(live: Live, today: date) -> None:
    """The latest-date state of the roll-ups for Harbor's group: 10 active days, 3 key features used."""
    assert live.data_dir is not None
    recent, features = (
        state_path(live.data_dir / "rollups", "recent"),
        state_path(live.data_dir / "rollups", "features"),
    )
    recent.parent.mkdir(parents=True, exist_ok=True)
    days = [day_number(today - timedelta(days=d)) for d in range(10)]
    pq.write_table(
        pa.table(
            {
                "group_id": ["org_harbor"] * 10,
                "day": pa.array(days, pa.int32()),
                "events": pa.array([5 * (d + 1) for d in range(10)], pa.int64()),
            }
        ),
        recent,
    )
    used = {"Dashboard Viewed": 1, "Report Exported": 3, "Lead Created": 12, "Workflow Run": 60}
    pq.write_table(
        pa.table(
            {
                "group_id": ["org_harbor"] * len(used),
                "feature": list(used),
                "last_day": pa.array(
                    [day_number(today - timedelta(days=d)) for d in used.values()], pa.int32()
                ),
            }
        ),
        features,
    )


def seed_day(live: Live) -> Day:
    """Seeds Kai's accounts once per live server and signs Kai in as `kai`."""
    today = today_in(ZoneInfo("Asia/Shanghai"))
    now = datetime.now(UTC)
    with session_factory(live.engine)() as db:
        kai = make_user(db, Role.CSM, name="Kai Cockpit", email="kai@example.com")
        admin = make_user(db, Role.ADMIN, name="Seed Admin", email="seed-admin@example.com")  # sets tiers
        harbor = make_account(
            db, kai, admin, name="Harbor Shipping", tier="KA", segment_group_id="org_harbor"
        )
        lotus = make_account(db, kai, admin, name="Lotus Tea", tier="MM")
        mill = make_account(db, kai, admin, name="Old Mill", tier="SMB")
        for account, end, arr, currency in ((harbor, 30, "250000", "USD"), (lotus, 45, "100000", "CNY")):
            db.add(
                Contract(
                    account_id=account.id,
                    start_date=today - timedelta(days=300),
                    end_date=today + timedelta(days=end),
                    arr=Decimal(arr),
                    currency=currency,
                    seats=20,
                    status="active",
                )
            )
        accounts_service.set_commercials(
            db,
            [
                {
                    "id": harbor.id,
                    "arr": Decimal("250000"),
                    "currency": "USD",
                    "status": "active",
                    "renewal_date": today + timedelta(days=30),
                },
                {
                    "id": lotus.id,
                    "arr": Decimal("100000"),
                    "currency": "CNY",
                    "status": "active",
                    "renewal_date": today + timedelta(days=45),
                },
                {
                    "id": mill.id,
                    "arr": Decimal("0"),
                    "currency": "CNY",
                    "status": "churned",
                    "renewal_date": None,
                },
            ],
        )
        accounts_service.set_snapshot_values(
            db,
            [
                {
                    "id": harbor.id,
                    "stage": "at_risk",
                    "health_grade": "red",
                    "health_score": 31.0,
                    "health_trend_7d": -12.0,
                    "tier": "KA",
                },
                {
                    "id": lotus.id,
                    "stage": "maturity",
                    "health_grade": "green",
                    "health_score": 82.0,
                    "health_trend_7d": 3.0,
                    "tier": "MM",
                },
                {
                    "id": mill.id,
                    "stage": "lead_pool",
                    "health_grade": "red",
                    "health_score": 12.0,
                    "tier": "SMB",
                },
            ],
        )
        db.add(
            Touch(
                account_id=harbor.id,
                kind="call",
                occurred_at=datetime.combine(today - timedelta(days=41), time(4), UTC),
            )
        )
        _run(db, harbor.id, "manual", "at_risk", "m1", [("Call the champion", today)])
        _run(
            db, lotus.id, "stage_entered", "maturity", "s1", [("Quarterly review", today - timedelta(days=5))]
        )
        _run(
            db,
            lotus.id,
            "stage_entered",
            "onboarding",
            "s2",
            [("Welcome e-mail", today - timedelta(days=100))],
        )
        _run(db, mill.id, "manual", "churned", "m2", [("Win-back call", today - timedelta(days=3))])
        db.add_all(
            [
                Ticket(
                    account_id=harbor.id,
                    subject="Export fails",
                    severity="high",
                    opened_at=now - timedelta(days=3),
                    first_response_at=now - timedelta(days=3) + timedelta(hours=2),
                    resolved_at=now - timedelta(days=3) + timedelta(hours=30),
                ),
                Ticket(
                    account_id=harbor.id,
                    subject="Cannot sign in",
                    severity="critical",
                    opened_at=now - timedelta(hours=10),
                ),
                SurveyResponse(
                    account_id=harbor.id,
                    kind="nps",
                    score=3,
                    answered_at=now - timedelta(days=20),
                    comment="Too slow",
                ),
                SurveyResponse(
                    account_id=harbor.id, kind="csat", score=5, answered_at=now - timedelta(days=10)
                ),
            ]
        )
        db.commit()
        day = Day(today, harbor.id, lotus.id, mill.id)
    _usage(live, today)
    live.users["kai"] = "kai@example.com"
    live.accounts.update({"Harbor Shipping": day.harbor, "Lotus Tea": day.lotus, "Old Mill": day.mill})
    return day


def day_of(live: Live) -> Day:
    """Kai's day on this live server, seeded on first use."""
    if "kai" not in live.users:
        return seed_day(live)
    today = today_in(ZoneInfo("Asia/Shanghai"))
    return Day(today, live.accounts["Harbor Shipping"], live.accounts["Lotus Tea"], live.accounts["Old Mill"])
