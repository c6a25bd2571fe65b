"""A backfill writes each date as it goes through a staging folder that is gone when the run ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store as store
from lodestar.analytics.snapshot_store import root_of as snapshot_root
from lodestar.health.models import HealthHistory
from lodestar.pipeline.daily import run_job
from tests.snapshots.conftest import DAY, World

WEEKS = [DAY - timedelta(days=21), DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]


def test_a_backfill_publishes_every_date_and_leaves_no_staging_folder_behind(world: World) -> None:
    run_job(world.engine, world.settings, WEEKS, kind="backfill", analytics=world.analytics())
    root = snapshot_root(world.settings)
    assert sorted(p.name for p in root.iterdir()) == [f"as_of={d.isoformat()}" for d in WEEKS]
    assert store.dates(root) == WEEKS
    assert [store.read(root, d).num_rows for d in WEEKS] == [3, 3, 3, 3]  # type: ignore[union-attr]
    with Session(world.engine) as s:
        rows = s.execute(select(HealthHistory.as_of, HealthHistory.account_id)).all()
    assert sorted({d for d, _ in rows}) == WEEKS and len(rows) == 12
