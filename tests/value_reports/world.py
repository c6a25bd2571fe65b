"""A small hand-made world for the value-report tests: one account with usage, tickets, touches, answers and
milestones in 2026Q3 (and some just outside it), and peers of the same and other industries and sizes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from lodestar.analytics import event_store, snapshot_store
from lodestar.auth.models import Role, User
from lodestar.engagement import service as engagement_service
from lodestar.kit.time import day_number
from lodestar.success_plans.models import Milestone
from lodestar.value_reports.report_figures import Store
from lodestar.value_reports.service import Place
from tests.factories import make_account, make_answer, make_contract, make_tickets, make_user

TODAY = date(2026, 12, 1)
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
SNAPSHOT_DAY = date(2026, 9, 30)

# (day, user, feature, events) of the account "g-main"; the first and last rows fall outside 2026Q3.
USAGE = [
    (date(2026, 6, 30), "u1", "Workflow Run", 50),
    (date(2026, 7, 1), "u1", "Workflow Run", 10),
    (date(2026, 7, 1), "u2", "Lead Created", 4),
    (date(2026, 7, 2), "u1", "Workflow Run", 5),
    (date(2026, 8, 15), "u3", "Report Exported", 6),
    (date(2026, 8, 15), "u1", "Dashboard Viewed", 20),
    (date(2026, 9, 30), "u2", "Task Created", 3),
    (date(2026, 9, 30), "u2", "Workflow Run", 7),
    (date(2026, 10, 1), "u4", "Workflow Run", 99),
]
# (employees, industry, active_user_ratio_30d) of the other accounts; the account itself: 300, Retail, 0.6.
PEERS = [
    (150, "Retail", 0.4),
    (450, "Retail", 0.6),
    (120, "Retail", 0.9),
    (250, "Retail", 0.2),
    (1000, "Retail", 0.1),
    (300, "Banking", 0.1),
]
MAIN_RATIO, MAIN_SEATS = 0.6, 5
# (UTC instant, group, user, traits) of identify calls: u1 moved from Sales to Finance (a call stored before
# its group was known: no group); u2's team comes from the `team` trait, and its move to Ops lands after the
# period ends in Shanghai (16:30 UTC is 00:30 on 1 October); u3's blank department is no team, its Sales at
# 23:30 Shanghai on 30 September is, and a user "u3" of another account in Legal is someone else; u4 is not
# active in Q3.
IDENTIFY = [
    (
        datetime(2026, 5, 1, 2, tzinfo=UTC),
        "g-main",
        "u1",
        {"department": "Sales", "email": "u1@acme.example"},
    ),
    (datetime(2026, 8, 1, 2, tzinfo=UTC), None, "u1", {"department": "Finance"}),
    (datetime(2026, 6, 1, 2, tzinfo=UTC), "g-main", "u2", {"team": "Sales"}),
    (datetime(2026, 9, 30, 16, 30, tzinfo=UTC), "g-main", "u2", {"department": "Ops"}),
    (datetime(2026, 7, 1, 2, tzinfo=UTC), "g-main", "u3", {"department": "  "}),
    (datetime(2026, 9, 30, 15, 30, tzinfo=UTC), "g-main", "u3", {"department": "Sales"}),
    (datetime(2026, 9, 30, 15, 40, tzinfo=UTC), "g-other", "u3", {"department": "Legal"}),
    (datetime(2026, 7, 2, 2, tzinfo=UTC), "g-main", "u4", {"department": "Legal"}),
]


def at(day: date, hour: int = 9) -> datetime:
    """An instant on a day (UTC; the company's zone is Asia/Shanghai, so 09:00 UTC is the same day)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class World:
    """What the tests read back."""

    admin: User
    csm: User
    other: User
    account_id: int
    peer_ids: list[int]
    place: Place


def _usage_files(rollup_dir: Path) -> None:
    days = sorted({d for d, *_ in USAGE})
    for day in days:
        rows = [r for r in USAGE if r[0] == day]
        table = pa.table(
            {
                "group_id": ["g-main"] * len(rows),
                "user_id": [r[1] for r in rows],
                "feature": [r[2] for r in rows],
                "day": pa.array([day_number(day)] * len(rows), pa.int32()),
                "events": pa.array([r[3] for r in rows], pa.int64()),
            }
        )
        (rollup_dir / "usage").mkdir(parents=True, exist_ok=True)
        pq.write_table(table, rollup_dir / "usage" / f"{day.isoformat()}.parquet")


def _identify_calls(events_dir: Path) -> None:
    """The identify calls as the event store keeps them, and a track event whose traits name a team (only
    identify calls say who is in which team)."""
    rows = [*IDENTIFY, (datetime(2026, 9, 1, 2, tzinfo=UTC), "g-main", "u1", {"department": "Marketing"})]
    n = len(rows)
    table = pa.table(
        {
            "message_id": [f"m{i}" for i in range(n)],
            "type": ["identify"] * (n - 1) + ["track"],
            "event": [None] * (n - 1) + ["Workflow Run"],
            "name": pa.nulls(n, pa.string()),
            "user_id": [r[2] for r in rows],
            "anonymous_id": pa.nulls(n, pa.string()),
            "group_id": pa.array([r[1] for r in rows], pa.string()),
            "timestamp": [r[0] for r in rows],
            "received_at": [r[0] for r in rows],
            "source": ["test"] * n,
            "properties": pa.nulls(n, pa.string()),
            "traits": [json.dumps(r[3]) if r[3] else None for r in rows],
        }
    )
    event_store.write_events(events_dir, table)


def _engagement(db: Session, account_id: int, account: object) -> None:
    opened = [
        at(date(2026, 7, 3), 1),
        at(date(2026, 8, 3), 1),
        at(date(2026, 9, 3), 1),
        at(date(2026, 6, 3), 1),
    ]
    ids = make_tickets(db, account, opened)  # type: ignore[arg-type]
    times = [(2, 10), (6, 30), (3, None), (1, 2)]  # hours to first response and to resolution
    from lodestar.engagement.models import Ticket

    for ticket_id, (first, resolve) in zip(ids, times, strict=True):
        ticket = db.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.first_response_at = ticket.opened_at + timedelta(hours=first)
        ticket.resolved_at = ticket.opened_at + timedelta(hours=resolve) if resolve else None
    touches = [
        ("visit", date(2026, 7, 10)),
        ("training", date(2026, 8, 10)),
        ("training", date(2026, 9, 1)),
        ("call", date(2026, 9, 2)),
        ("visit", date(2026, 10, 5)),
    ]
    engagement_service.import_touches(
        db, [{"account_id": account_id, "kind": k, "occurred_at": at(d)} for k, d in touches]
    )
    for score, day in [
        (10, date(2026, 7, 5)),
        (9, date(2026, 8, 5)),
        (5, date(2026, 9, 5)),
        (7, date(2026, 9, 6)),
        (0, date(2026, 10, 6)),
    ]:
        make_answer(db, account, score, at(day))  # type: ignore[arg-type]


def _milestones(db: Session, account_id: int) -> None:
    for title, target, status, reached in [
        ("Core module live", date(2026, 7, 20), "reached", date(2026, 7, 15)),
        ("Three departments live", date(2026, 8, 31), "planned", None),
        ("Admins trained", date(2026, 6, 30), "reached", date(2026, 7, 5)),
        ("Old idea", date(2026, 8, 1), "dropped", None),
        ("80% of seats active", date(2026, 11, 15), "in_progress", None),
    ]:
        db.add(
            Milestone(
                account_id=account_id,
                kind="module_go_live",
                title=title,
                target_on=target,
                status=status,
                reached_on=reached,
            )
        )
    db.flush()


def build(db: Session, data_dir: Path) -> World:
    """The world on this database, its analytical store under data_dir."""
    admin, csm, other = make_user(db, Role.ADMIN), make_user(db, Role.CSM), make_user(db, Role.CSM)
    account = make_account(
        db,
        csm,
        admin,
        name="Acme Retail",
        industry="Retail",
        employees=300,
        tier="KA",
        segment_group_id="g-main",
        crm_id="CRM-ACME",
    )
    make_contract(db, account, admin, start_date=date(2026, 1, 1))
    peers = [make_account(db, other, admin, industry=i, employees=e) for e, i, _ in PEERS]
    ids = [account.id, *[p.id for p in peers]]
    ratios = [MAIN_RATIO, *[r for *_, r in PEERS]]
    seats = [MAIN_SEATS, *[10] * len(PEERS)]
    root = data_dir / "snapshots"
    snapshot_store.write(
        root,
        SNAPSHOT_DAY,
        pa.table(
            {
                "account_id": pa.array(ids, pa.int64()),
                "active_user_ratio_30d": ratios,
                "seats": pa.array(seats, pa.int64()),
            }
        ),
    )
    _usage_files(data_dir / "rollups")
    _identify_calls(data_dir / "events")
    _engagement(db, account.id, account)
    _milestones(db, account.id)
    from zoneinfo import ZoneInfo

    store = Store(root, data_dir / "rollups", ZoneInfo("Asia/Shanghai"), data_dir / "events")
    place = Place(store, data_dir / "reports", "test-secret-key-0123456789")
    return World(admin, csm, other, account.id, [p.id for p in peers], place)
