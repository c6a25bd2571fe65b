"""The daily pipeline's alert step (a timed phase in the run's unit of work) and the recompute's: signals
for every date of a run, alerts for the present date only; a backfill of the past raises nothing.

The rules are evaluated for real on the snapshots the runs write: one rule, no_activity (14 days without
activity), which holds for Quiet (last seen 40 days before DAY) on every date from 14
days after and never for Busy (active every day up to DAY) before DAY + 14."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.alerts import snapshot_step
from lodestar.alerts.models import Alert
from lodestar.alerts.signal_sets import signal_rows
from lodestar.config import service as config_service
from lodestar.kit.time import today_in
from lodestar.pipeline.daily import run_job
from lodestar.pipeline.freshness import Refresh
from tests.snapshots.conftest import DAY, World, world

__all__ = ["world"]
WEEK = [DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]
NO_ACTIVITY = {
    "key": "no_activity",
    "name": "No activity for 14 days",
    "name_zh": "连续 14 天无使用",
    "severity": "warning",
    "when": {"kind": "absence", "days": 14},
    # Churned too: the contracts end on 2026-09-30, so by the recompute's (real) today Quiet has churned.
    "scope": {"stages": ["onboarding", "growth", "maturity", "renewal", "at_risk", "churned"]},
}


@pytest.fixture
def rules(world: World, db: Session) -> None:
    """The company's alert rules: no_activity alone."""
    config_service.save(db, "alerts", {"rules": [NO_ACTIVITY]}, "test")
    db.commit()


def _state(world: World) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with Session(world.engine) as s:
        alerts = s.execute(
            select(Alert.rule_key, Alert.account_id, Alert.raised_on, Alert.last_seen_on)
        ).all()
        signals = [tuple(r.values()) for r in signal_rows(s).select(["as_of", "account_id"]).to_pylist()]
    return [tuple(a) for a in alerts], [tuple(x) for x in signals]


def test_a_run_records_signals_for_each_date_and_raises_on_its_present_date_in_a_timed_phase(
    world: World, rules: None
) -> None:
    run = run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    quiet = world.ids["quiet"]
    alerts, signals = _state(world)
    assert alerts == [("no_activity", quiet, DAY, DAY)]
    assert signals == [(d, quiet) for d in WEEK]
    phase = next(p for p in run.phases if p["name"] == "alerts")
    assert phase["rows"] == 4 and phase["seconds"] >= 0  # 3 signals written, 1 alert raised
    assert [p["name"] for p in run.phases][-9:] == [
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


def test_a_backfill_of_past_dates_fills_signals_and_raises_nothing_for_the_present(
    world: World, rules: None
) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    past = [DAY - timedelta(days=28), DAY - timedelta(days=21)]
    run_job(world.engine, world.settings, past, kind="backfill", analytics=world.analytics())
    alerts, signals = _state(world)
    assert alerts == [("no_activity", world.ids["quiet"], DAY, DAY)]
    # On DAY - 28 Quiet had been seen 12 days before: no signal.
    assert signals == [(d, world.ids["quiet"]) for d in [past[1], DAY]]


def test_the_present_is_the_runs_latest_date_unless_a_stored_snapshot_is_newer(world: World) -> None:
    root = world.settings.data_dir / "no-snapshots"
    assert snapshot_step.present_date(root, [DAY, DAY - timedelta(days=7)]) == DAY
    assert snapshot_step.present_date(root, []) is None


def test_a_recompute_evaluates_the_rules_for_its_accounts_and_raises_on_today(
    world: World, rules: None
) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    quiet, today = world.ids["quiet"], today_in(world.settings.zone)
    refresh = Refresh(world.settings, world.engine)
    refresh.analytics = world.analytics()
    assert refresh.recompute([quiet]) == 1
    alerts, signals = _state(world)
    assert alerts == [("no_activity", quiet, DAY, today)]  # the live alert is seen again, not raised twice
    # Busy, idle too by today, was not asked about: only Quiet's signal is recorded for today.
    assert today - DAY > timedelta(days=14) and signals == [(DAY, quiet), (today, quiet)]
