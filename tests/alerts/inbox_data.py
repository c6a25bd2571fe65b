"""Alerts for the inbox, API, CLI and page tests, written as rows: raising them is the engine's job."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.alerts.models import Alert
from lodestar.analytics import snapshot_store
from lodestar.auth.models import Role, User
from lodestar.contracts.models import Contract
from lodestar.kit.time import today_in
from lodestar.settings import load_settings
from tests.factories import make_account, make_contract, make_user
from tests.live_server import Live

RAISED = date(2026, 3, 2)
# Evidence as the engine stores it: a sentence whose values may be sentences (a metric's label).
USAGE_EVIDENCE: list[dict[str, Any]] = [
    {
        "msgid": "%(measure)s %(before)s -> %(after)s",
        "values": {
            "measure": {"msgid": "active-user ratio", "values": {}},
            "before": "0.42",
            "after": "0.21",
        },
    }
]


def make_alert(
    db: Session,
    account: Account | int,
    rule_key: str = "health_red",
    *,
    severity: str = "critical",
    state: str = "open",
    raised_on: date = RAISED,
    evidence: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> Alert:
    """One alert row on an account (flushed)."""
    alert = Alert(
        rule_key=rule_key,
        rules_version=0,
        account_id=account if isinstance(account, int) else account.id,
        severity=severity,
        state=state,
        raised_on=raised_on,
        last_seen_on=kw.pop("last_seen_on", raised_on),
        evidence=USAGE_EVIDENCE if evidence is None else evidence,
        **kw,
    )
    db.add(alert)
    db.flush()
    return alert


@dataclass
class Crew:
    """An admin, a manager with two CSMs, a CSM outside the team, a viewer; an account each for the CSMs;
    alerts of every state on them."""

    admin: User
    manager: User
    csm: User
    mate: User
    outsider: User
    viewer: User
    mine: Account  # csm's
    mates: Account  # mate's
    theirs: Account  # outsider's
    alerts: dict[str, int] = field(default_factory=dict)  # name -> alert id


@pytest.fixture
def crew(db: Session) -> Crew:
    """The team, its accounts and alerts, committed: on Mine Ltd an open critical, an open warning and a
    resolved one; on Mate Ltd an acknowledged one; on Theirs Ltd a snoozed one."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    mate = make_user(db, Role.CSM, manager=manager, name="Mia Mate")
    outsider = make_user(db, Role.CSM, name="Otto Other")
    viewer = make_user(db, Role.VIEWER, name="Vera Viewer")
    mine = make_account(db, csm, admin, name="Mine Ltd")
    make_contract(db, mine, admin, arr=Decimal("120000"))
    mates = make_account(db, mate, admin, name="Mate Ltd")
    theirs = make_account(db, outsider, admin, name="Theirs Ltd")
    crew = Crew(admin, manager, csm, mate, outsider, viewer, mine, mates, theirs)
    crew.alerts = {
        "red": make_alert(db, mine, "health_red").id,
        "usage": make_alert(db, mine, "usage_drop", severity="warning", raised_on=date(2026, 3, 1)).id,
        "old": make_alert(
            db, mine, "ticket_spike", severity="warning", state="resolved", raised_on=date(2026, 1, 5),
            resolved_on=date(2026, 1, 20), resolve_reason="Fixed the integration",
        ).id,
        "mates": make_alert(db, mates, "nps_detractor", severity="warning", state="acknowledged").id,
        "theirs": make_alert(db, theirs, "no_activity", state="snoozed", snoozed_until=date(2026, 3, 20)).id,
    }  # fmt: skip
    db.commit()
    return crew


# Four weekly snapshots ending 99 days before today (inside the editor's last 180 days and the backtest
# page's whole 90-day horizons). Mate Ltd's contract churned 60 days before today; Mine and Theirs renew.
# Each account's values where they differ from green, score 80, 20 active users in 30 days, 1 idle day:
#   default health_red (grade red): Mate on week 0, Theirs on week 1 -> 2 alerts, recall 100%, precision 50%;
#   usage_drop (active users down 40%+ on 4 weeks before): Mate and Theirs on week 3 -> 2 alerts, 50%;
#   health_drop (score down 15+ in 14 days, below 55): Mate on weeks 2 and 3 -> 1 alert;
#   absence of 21 days: Mine on week 2, Theirs on week 3.
HISTORY_WEEKS = 4
HISTORY_VALUES: dict[tuple[str, int], dict[str, Any]] = {
    ("mates", 0): {"grade": "red"},
    ("theirs", 1): {"grade": "red"},
    ("mates", 2): {"score": 40.0},
    ("mine", 2): {"days_since_last_activity": 30},
    ("mates", 3): {"score": 40.0, "active_users_30d": 5},
    ("theirs", 3): {"active_users_30d": 8, "days_since_last_activity": 25},
}
HISTORY_SCHEMA = pa.schema(
    [
        ("account_id", pa.int64()),
        ("stage", pa.string()),
        ("score", pa.float64()),
        ("grade", pa.string()),
        ("active_users_30d", pa.int64()),
        ("days_since_last_activity", pa.int64()),
    ]
)


def history_dates(today: date, last_days_ago: int = 99) -> list[date]:
    """The snapshot dates of write_history, oldest first: weekly up to last_days_ago before today."""
    return [today - timedelta(days=last_days_ago + 7 * (HISTORY_WEEKS - 1 - w)) for w in range(HISTORY_WEEKS)]


def write_snapshots(root: Path, days: list[date], accounts: dict[str, int]) -> None:
    """The four weekly snapshots of HISTORY_VALUES under root, for the accounts standing for mine, mates and
    theirs."""
    for week, day in enumerate(days):
        rows = [
            {"score": 80.0, "grade": "green", "active_users_30d": 20, "days_since_last_activity": 1}
            | HISTORY_VALUES.get((name, week), {})
            | {"account_id": account_id, "stage": "maturity"}
            for name, account_id in accounts.items()
        ]
        snapshot_store.write(root, day, pa.Table.from_pylist(rows, schema=HISTORY_SCHEMA))


def write_history(db: Session, crew: Crew, root: Path, today: date) -> None:
    """The crew's four weekly snapshots under root and Mate Ltd's churned contract (committed)."""
    accounts = {"mine": crew.mine.id, "mates": crew.mates.id, "theirs": crew.theirs.id}
    write_snapshots(root, history_dates(today), accounts)
    make_contract(
        db,
        crew.mates,
        crew.admin,
        start_date=today - timedelta(days=425),
        end_date=today - timedelta(days=60),
        status="expired",
        today=today,
    )
    db.commit()


@pytest.fixture
def history(db: Session, crew: Crew, tmp_path: Path) -> list[date]:
    """write_history into the snapshot store of an app whose data folder is tmp_path; its dates."""
    today = today_in(load_settings().zone)
    write_history(db, crew, tmp_path / "snapshots", today)
    return history_dates(today)


@contextmanager
def live_history(live_server: Live, last_days_ago: int = 99) -> Iterator[list[date]]:
    """write_snapshots into the live server's store for Chen's accounts (Aurora Retail as mine, Birch
    Logistics as mates, Cobalt Health as theirs), Birch's contract churned 60 days before today; both
    undone afterwards. Yields the snapshot dates."""
    assert live_server.data_dir is not None
    today, root = today_in(load_settings().zone), live_server.data_dir / "snapshots"
    days = history_dates(today, last_days_ago)
    names = {"mine": "Aurora Retail", "mates": "Birch Logistics", "theirs": "Cobalt Health"}
    write_snapshots(root, days, {k: live_server.accounts[n] for k, n in names.items()})
    birch = update(Contract).where(Contract.account_id == live_server.accounts["Birch Logistics"])
    with Session(live_server.engine) as db:
        db.execute(birch.values(churned_on=today - timedelta(days=60)))
        db.commit()
    try:
        yield days
    finally:
        with Session(live_server.engine) as db:
            db.execute(birch.values(churned_on=None))
            db.commit()
        for day in days:
            shutil.rmtree(snapshot_store.folder(root, day))
