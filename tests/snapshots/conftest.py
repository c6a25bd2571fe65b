"""A tiny hand-made company for snapshot tests: three accounts, contracts and a few weeks of events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.analytics.engines.engine import AnalyticsEngine, connect
from lodestar.auth.models import Role
from lodestar.events.store import EVENT_SCHEMA, write_events
from lodestar.settings import Settings, load_settings
from tests.factories import make_account, make_contract, make_user

DAY = date(2026, 3, 31)


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
