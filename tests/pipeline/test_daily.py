"""The daily pipeline: the locked, recorded run, its SOP step after the snapshot, and the daily schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store
from lodestar.health.models import HealthHistory
from lodestar.kit.time import utcnow
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle.models import StageTransition
from lodestar.pipeline.daily import run_daily_if_due, run_job
from lodestar.snapshots import repository
from lodestar.snapshots import service as snapshots_service
from lodestar.snapshots.models import SnapshotRun
from lodestar.snapshots.run_records import LOCK, SnapshotBusy, claim
from lodestar.sop import service as sop_service
from tests.progress_calls import Recorded
from tests.snapshots.conftest import DAY, World

WEEK = [DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]


def test_a_second_run_is_refused_while_the_lock_is_held_and_a_stale_lock_is_taken_over(world: World) -> None:
    claim(world.engine, "someone-else")
    with pytest.raises(SnapshotBusy, match="another snapshot run is in progress \\(someone-else since"):
        run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    with Session(world.engine) as s:
        assert s.scalar(select(SnapshotRun.id)) is None
        s.get(repository.JobLock, LOCK).claimed_at = utcnow() - timedelta(hours=7)
        s.commit()
    assert run_job(world.engine, world.settings, [DAY], analytics=world.analytics()).status == "succeeded"
    with Session(world.engine) as s:
        assert s.get(repository.JobLock, LOCK).holder is None


def test_a_failed_run_is_recorded_with_its_error_and_releases_the_lock(world: World) -> None:
    bad = world.settings.events_dir / "date=2026-03-30" / "part-broken.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(Exception, match=r"(?i)parquet|magic"):
        run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    with Session(world.engine) as s:
        run = s.scalars(select(SnapshotRun)).one()
        assert run.status == "failed" and run.finished_at is not None and run.error
        assert s.get(repository.JobLock, LOCK).holder is None
        assert s.scalar(select(HealthHistory.account_id)) is None  # nothing half-written


def test_runs_are_recorded_with_their_dates_counts_and_versions(world: World) -> None:
    heard = Recorded()
    run_job(world.engine, world.settings, WEEK, kind="backfill", analytics=world.analytics(), progress=heard)
    assert heard.totals == [3] and heard.done == 3  # one step per date stored, in date order
    assert heard.done_notes == [str(d) for d in WEEK]
    with Session(world.engine) as s:
        run = s.scalars(select(SnapshotRun)).one()
    assert (run.kind, run.first_as_of, run.as_of, run.dates, run.rows) == ("backfill", WEEK[0], DAY, 3, 9)
    assert run.transitions >= 2 and run.versions == {"health": 0, "lifecycle": 0, "tiers": 0}
    assert run.started_at <= run.finished_at


def _record_sop_step(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replaces the SOP step with one that notes what it was given (and what its session already holds)."""
    calls: list[dict[str, Any]] = []

    def step(session: Session, root: Path, days: Any, changes: Any, first_stage: str) -> dict[str, int]:
        in_session = session.scalar(select(func.count()).select_from(StageTransition))
        moves = sorted((c["account_id"], c["on"], c["to_stage"]) for c in changes)
        calls.append(
            {"root": root, "days": list(days), "moves": moves, "first": first_stage, "seen": in_session}
        )
        return {}

    monkeypatch.setattr(sop_service, "after_snapshot", step)
    return calls


def test_the_snapshot_run_alone_does_not_call_the_sop_step(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _record_sop_step(monkeypatch)
    with Session(world.engine) as s:
        root = snapshot_store.root_of(world.settings)
        outcome = snapshots_service.run_snapshots(s, world.analytics(), root, WEEK, world.settings.events_dir)
        s.rollback()
    assert outcome.stage_changes and calls == []


def test_the_pipeline_hands_the_runs_stage_changes_to_the_sop_step_in_the_same_unit_of_work(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _record_sop_step(monkeypatch)
    run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    with Session(world.engine) as s:
        stored = sorted((t.account_id, t.on, t.to_stage) for t in s.scalars(select(StageTransition)))
        lifecycle, _ = lifecycle_kind.current(s)
    assert calls == [
        {
            "root": snapshot_store.root_of(world.settings),
            "days": WEEK,
            "moves": stored,
            "first": lifecycle.stages[0].key,
            "seen": len(stored),
        }
    ]


def test_the_daily_run_waits_for_its_hour_and_runs_once_a_day(world: World) -> None:
    zone = world.settings.zone
    early = datetime(DAY.year, DAY.month, DAY.day, world.settings.snapshot_hour - 1, tzinfo=zone)
    assert run_daily_if_due(world.engine, world.settings, early) is None
    due = early + timedelta(hours=3)
    ran = run_daily_if_due(world.engine, world.settings, due)
    assert ran is not None and (ran.kind, ran.as_of, ran.status) == ("daily", DAY, "succeeded")
    assert run_daily_if_due(world.engine, world.settings, due + timedelta(hours=10)) is None
    with Session(world.engine) as s:
        assert s.scalar(select(func.count()).select_from(SnapshotRun)) == 1
