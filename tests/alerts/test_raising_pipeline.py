"""The daily pipeline's alert step (a timed phase in the run's unit of work) and the recompute's: signals
for every date of a run, alerts for the present date only; a backfill of the past raises nothing.

The rules' evaluation is replaced here by a fixed answer (the tests of alerts.conditions cover it): these
tests are about when and on which dates the pipeline raises."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.alerts import snapshot_step
from lodestar.alerts.models import Alert, AlertSignal
from lodestar.alerts.schemas import AlertRules
from lodestar.kit.time import today_in
from lodestar.pipeline.daily import run_job
from lodestar.pipeline.freshness import Refresh
from tests.alerts.raising_fixtures import findings
from tests.snapshots.conftest import DAY, World, world

__all__ = ["world"]
WEEK = [DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]


@pytest.fixture
def calls(world: World, monkeypatch: pytest.MonkeyPatch) -> list[tuple[date, Any]]:
    """Every evaluation asked for: health_red holds for Quiet on every date, for every account asked."""
    heard: list[tuple[date, Any]] = []

    def evaluate(
        session: Session,
        root: Path,
        rules: AlertRules,
        as_of: date,
        account_ids: Collection[int] | None = None,
    ) -> pa.Table:
        heard.append((as_of, None if account_ids is None else sorted(account_ids)))
        return findings(("health_red", world.ids["quiet"], 1))

    monkeypatch.setattr(snapshot_step, "evaluate", evaluate)
    return heard


def _state(world: World) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with Session(world.engine) as s:
        alerts = s.execute(
            select(Alert.rule_key, Alert.account_id, Alert.raised_on, Alert.last_seen_on)
        ).all()
        signals = s.execute(
            select(AlertSignal.as_of, AlertSignal.account_id).order_by(AlertSignal.as_of)
        ).all()
    return [tuple(a) for a in alerts], [tuple(x) for x in signals]


def test_a_run_records_signals_for_each_date_and_raises_on_its_present_date_in_a_timed_phase(
    world: World, calls: list[tuple[date, Any]]
) -> None:
    run = run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    quiet = world.ids["quiet"]
    assert calls == [(d, None) for d in WEEK]
    alerts, signals = _state(world)
    assert alerts == [("health_red", quiet, DAY, DAY)]
    assert signals == [(d, quiet) for d in WEEK]
    phase = next(p for p in run.phases if p["name"] == "alerts")
    assert phase["rows"] == 4 and phase["seconds"] >= 0  # 3 signals written, 1 alert raised
    assert [p["name"] for p in run.phases][-3:] == ["sop", "alerts", "commit"]


def test_a_backfill_of_past_dates_fills_signals_and_raises_nothing_for_the_present(
    world: World, calls: list[tuple[date, Any]]
) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    past = [DAY - timedelta(days=28), DAY - timedelta(days=21)]
    run_job(world.engine, world.settings, past, kind="backfill", analytics=world.analytics())
    alerts, signals = _state(world)
    assert alerts == [("health_red", world.ids["quiet"], DAY, DAY)]
    assert [d for d, _ in signals] == [*past, DAY]


def test_the_present_is_the_runs_latest_date_unless_a_stored_snapshot_is_newer(world: World) -> None:
    root = world.settings.data_dir / "no-snapshots"
    assert snapshot_step.present_date(root, [DAY, DAY - timedelta(days=7)]) == DAY
    assert snapshot_step.present_date(root, []) is None


def test_a_recompute_evaluates_the_rules_for_its_accounts_and_raises_on_today(
    world: World, calls: list[tuple[date, Any]]
) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    quiet, today = world.ids["quiet"], today_in(world.settings.zone)
    refresh = Refresh(world.settings, world.engine)
    refresh.analytics = world.analytics()
    assert refresh.recompute([quiet]) == 1
    assert calls[-1] == (today, [quiet])
    alerts, signals = _state(world)
    assert alerts == [("health_red", quiet, DAY, today)]  # the live alert is seen again, not raised twice
    assert signals == [(DAY, quiet), (today, quiet)]
