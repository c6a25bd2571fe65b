"""The tiny snapshot company run through the real snapshot job, served by the app for page tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.auth.models import Role
from lodestar.contracts.models import Contract
from lodestar.events.store import EVENT_SCHEMA, write_events
from lodestar.settings import Settings
from lodestar.snapshots import service
from lodestar.snapshots.tasks import run_job, snapshot_root
from tests.conftest import wipe
from tests.factories import PASSWORD, make_user
from tests.snapshots.conftest import DAY, build_world, event

DATES = [DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]
QUIET_CHURNED_ON = date(2026, 6, 15)
BACKTEST_TODAY = date(2026, 11, 1)  # every date's 180-day horizon has passed


@dataclass
class Snapped:
    """The company after three weekly snapshots: ids by short name, settings and the engine."""

    engine: Engine
    settings: Settings
    ids: dict[str, int]

    @property
    def root(self) -> Path:
        """Where the snapshots are stored."""
        return snapshot_root(self.settings)


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
        service.backtest_health(db, None, 180, BACKTEST_TODAY)
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
