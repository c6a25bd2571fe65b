"""A tiny hand-made company for snapshot tests: three accounts, contracts and a few weeks of events; and
the same company after three weekly runs of the daily pipeline, served by the app for page tests.

The page fixtures (`snapped`, `app_for`, `client`) are shared with tests/health through its conftest.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store
from lodestar.analytics.engines.engine import AnalyticsEngine, connect
from lodestar.analytics.event_store import EVENT_SCHEMA, write_events
from lodestar.app import create_app
from lodestar.auth.models import Role
from lodestar.contracts.models import Contract
from lodestar.health.backtest import backtest_health
from lodestar.pipeline.daily import run_job
from lodestar.settings import Settings, load_settings
from tests.conftest import wipe
from tests.factories import PASSWORD, make_account, make_contract, make_user

DAY = date(2026, 3, 31)
DATES = [DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]
QUIET_CHURNED_ON = date(2026, 6, 15)
BACKTEST_TODAY = date(2026, 11, 1)  # every date's 180-day horizon has passed


def event(when: date, group: str, user: str, name: str) -> dict[str, object]:
    """One track event at noon UTC."""
    at = datetime(when.year, when.month, when.day, 12, tzinfo=UTC)
    return {
        "message_id": uuid.uuid4().hex,
        "type": "track",
        "event": name,
        "name": None,
        "user_id": user,
        "anonymous_id": None,
        "group_id": group,
        "timestamp": at,
        "received_at": at,
        "source": "test",
        "properties": "{}",
        "traits": "{}",
    }


@dataclass
class World:
    """The accounts, settings and analytics engine of the tiny company."""

    engine: Engine
    settings: Settings
    ids: dict[str, int]

    def analytics(self) -> AnalyticsEngine:
        """A DuckDB engine over this world's roll-ups."""
        return connect("duckdb", self.settings.data_dir / "rollups")


def build_world(db: Session, engine: Engine, data_dir: Path, db_url: str) -> World:
    """Busy (10 seats, 8 active users), quiet (10 seats, one user a month ago) and a prospect."""
    admin = make_user(db, Role.ADMIN)
    busy = make_account(db, admin, name="Busy", segment_group_id="g-busy")
    quiet = make_account(db, admin, name="Quiet", segment_group_id="g-quiet")
    prospect = make_account(db, admin, name="Prospect", segment_group_id="g-prospect")
    for account in (busy, quiet):
        make_contract(
            db, account, admin, start_date=date(2025, 10, 1), end_date=date(2026, 9, 30), seats=10, today=DAY
        )
    db.commit()
    rows = []
    for back in range(0, 70):
        day = DAY - timedelta(days=back)
        rows += [event(day, "g-busy", f"u{u}", "Dashboard Viewed") for u in range(8)]
    rows += [event(DAY - timedelta(days=40), "g-quiet", "q1", "Dashboard Viewed")]
    write_events(data_dir / "events", pa.Table.from_pylist(rows, schema=EVENT_SCHEMA))
    settings = load_settings(data_dir=data_dir, database_url=db_url)
    return World(engine, settings, {"busy": busy.id, "quiet": quiet.id, "prospect": prospect.id})


@pytest.fixture
def world(db: Session, engine: Engine, tmp_path: Path, db_url: str) -> World:
    """The tiny company on an emptied database and a fresh data folder."""
    return build_world(db, engine, tmp_path / "data", db_url)


@dataclass
class Snapped:
    """The company after three weekly snapshots: ids by short name, settings and the engine."""

    engine: Engine
    settings: Settings
    ids: dict[str, int]

    @property
    def root(self) -> Path:
        """Where the snapshots are stored."""
        return snapshot_store.root_of(self.settings)


def snapshot_company(engine: Engine, data_dir: Path, db_url: str) -> Snapped:
    """Busy, Quiet (wakes up in the last week, churns in June), a prospect; three weekly runs; a backtest."""
    with Session(engine) as db:
        world = build_world(db, engine, data_dir, db_url)
        woke = [event(DAY - timedelta(days=2), "g-quiet", f"q{u}", "Dashboard Viewed") for u in range(4)]
        write_events(data_dir / "events", pa.Table.from_pylist(woke, schema=EVENT_SCHEMA))
        make_user(db, Role.ADMIN, name="Ada Admin", email="ui-admin@example.com")
        make_user(db, Role.MANAGER, name="Mei Manager", email="ui-manager@example.com")
        make_user(db, Role.CSM, name="Chen Jing", email="ui-csm@example.com")
        db.execute(
            update(Contract)
            .where(Contract.account_id == world.ids["quiet"])
            .values(churned_on=QUIET_CHURNED_ON)
        )
        db.commit()
    run_job(engine, world.settings, DATES, analytics=world.analytics())
    with Session(engine) as db:
        backtest_health(db, None, 180, BACKTEST_TODAY)
        db.commit()
    return Snapped(engine, world.settings, world.ids)


def sign_in(client: TestClient, who: str) -> TestClient:
    """Signs a test client in as ui-<who>@example.com."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"email": f"ui-{who}@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    return client


def visible_text(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    html = re.sub(r"<script.*?</script>|<head>.*?</head>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&gt;", ">").replace("&amp;", "&")


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture(scope="module")
def snapped(engine: Engine, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Snapped:
    """The snapshot company on an emptied database (once per module and backend)."""
    wipe(engine)
    return snapshot_company(engine, tmp_path_factory.mktemp("ui") / "data", db_url)


@pytest.fixture(scope="module")
def app_for(snapped: Snapped) -> Iterator[object]:
    """The web app over the snapshot company."""
    app = create_app(snapped.settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def client(app_for: object) -> Iterator[TestClient]:
    """A fresh, signed-out test client."""
    with TestClient(app_for, follow_redirects=False) as tc:  # type: ignore[arg-type]
        yield tc
