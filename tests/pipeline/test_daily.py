"""The daily pipeline: the locked, recorded run, its SOP step after the snapshot, and the daily schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.contracts.models import Contract
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
from lodestar.tables import metadata
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


def _every_row(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every operational table but the run's own record and lock, in a stable order."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in ("snapshot_runs", "job_locks"):
                continue
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _store_files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*.parquet")}


def test_a_rerun_of_the_same_date_writes_nothing_and_reports_no_stage_change(world: World) -> None:
    first = run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    assert first.transitions > 0
    tables = _every_row(world.engine)
    assert tables["health_history"] and tables["stage_transitions"] and tables["accounts"]
    root = snapshot_store.root_of(world.settings)
    files = _store_files(root)
    again = run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    assert again.transitions == 0
    written = {p["name"]: p["rows"] for p in again.phases if p["rows"] is not None}
    assert written == {
        "commercials": 0,
        "renewal_links": 0,
        "tiers": 0,
        "history": 0,
        "stage_changes": 0,
        "write_back": 0,
        "success_plans": 0,
        "alerts": 0,
        "renewals": 0,
        "churn": 0,  # no churn model is active
        "winback": 0,
        "intent": 0,
    }
    assert _every_row(world.engine) == tables
    assert _store_files(root) == files  # same bytes, and not even rewritten (same modification time)


def test_a_run_records_the_seconds_of_each_phase_and_the_rows_each_one_wrote(world: World) -> None:
    run = run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    names = [p["name"] for p in run.phases]
    assert names == [
        "commercials",  # the accounts' ARR, renewal date and status brought to today
        "unchanged",  # the check whether the newest run had every input this one has (it had not)
        "renewal_links",  # which contract renews which, for the stage engine (renewals' successor rule)
        "tiers",
        "inputs",
        "rollups",
        "state",
        "metrics",
        "health_and_stages",
        "history",
        "store",
        "stage_changes",
        "write_back",
        "publish",
        "sop",
        "success_plans",
        "alerts",
        "renewals",
        "churn",
        "winback",
        "intent",
        "fingerprint",
        "commit",
    ]
    assert all(p["seconds"] >= 0 for p in run.phases)
    assert sum(p["seconds"] for p in run.phases) <= (run.finished_at - run.started_at).total_seconds()
    with Session(world.engine) as s:
        stored_history = s.scalar(select(func.count()).select_from(HealthHistory))
        stored_changes = s.scalar(select(func.count()).select_from(StageTransition))
        tiered = s.scalar(select(func.count()).select_from(Account).where(Account.tier.is_not(None)))
        stored = s.get(SnapshotRun, run.id).phases
    rows = {p["name"]: p["rows"] for p in run.phases}
    # A first run: every history row, stage change and account value is new (all three accounts change).
    assert rows["history"] == stored_history == 9 and rows["stage_changes"] == stored_changes
    assert rows["write_back"] == 3 and rows["tiers"] == tiered == 3
    assert run.transitions == stored_changes and stored == run.phases


def test_a_run_brings_the_accounts_commercials_to_today_whatever_date_it_snapshots(world: World) -> None:
    # Busy's and Quiet's contracts (1 Oct 2025 - 30 Sep 2026) were written on DAY, in force then.
    with Session(world.engine) as s:
        s.execute(update(Contract).values(updated_at=datetime(2026, 3, 31, 10, tzinfo=UTC)))
        s.commit()
    busy, quiet = world.ids["busy"], world.ids["quiet"]
    before = run_job(world.engine, world.settings, [DAY], analytics=world.analytics(), today=DAY)
    assert _counted(before, "commercials") == 0
    with Session(world.engine) as s:  # as if that run had started on DAY, not on this clock's today
        s.execute(update(SnapshotRun).values(started_at=datetime(2026, 3, 31, 10, tzinfo=UTC)))
        s.commit()
    after = run_job(world.engine, world.settings, [DAY], analytics=world.analytics(), today=date(2026, 10, 1))
    assert _counted(after, "commercials") == 2  # both contracts ended on 30 Sep: no account is in force
    with Session(world.engine) as s:
        for account_id in (busy, quiet):
            account = s.get(Account, account_id)
            assert (account.status, account.arr, account.renewal_date) == ("churned", Decimal("0.00"), None)


def _counted(run: SnapshotRun, phase: str) -> Any:
    return next(p["rows"] for p in run.phases if p["name"] == phase)
