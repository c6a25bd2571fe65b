"""The latest-date state: kept beside the roll-ups as events land, and the fast path it gives."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from lodestar.analytics.engines.engine import connect
from lodestar.analytics.last_active_state import state_meta_path, state_path
from lodestar.analytics.metrics.date_grid import Grid
from lodestar.analytics.metrics.table import compute_metrics
from lodestar.analytics.metrics.usage_from_state import uses_latest_state
from lodestar.analytics.rollups import update_rollups
from lodestar.kit.time import day_number
from tests.analytics.random_world import random_events, random_inputs, write_random
from tests.analytics.world import A, B, event, world_inputs, write_world


def _state(rollups: Path, kind: str) -> list[dict[str, Any]]:
    return pq.read_table(state_path(rollups, kind)).to_pylist()


def _day(d: date) -> int:
    return day_number(d)


@pytest.fixture
def rollups(tmp_path: Path) -> Path:
    """The hand-made company's roll-ups and state."""
    write_world(tmp_path / "events")
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    return tmp_path / "rollups"


def test_state_keeps_each_users_last_day_first_training_and_the_recent_days(rollups: Path) -> None:
    assert _state(rollups, "users") == [
        {"group_id": "g1", "user_id": "u1", "last_day": _day(A)},
        {"group_id": "g1", "user_id": "u2", "last_day": _day(A)},
        {"group_id": "g1", "user_id": "u3", "last_day": _day(date(2026, 3, 10))},
        {"group_id": "g1", "user_id": "u4", "last_day": _day(date(2026, 1, 10))},
        {"group_id": "g2", "user_id": "u9", "last_day": _day(date(2026, 2, 20))},
    ]
    assert _state(rollups, "trained") == [
        {"group_id": "g1", "user_id": "u3", "first_day": _day(date(2026, 3, 10))}
    ]
    assert _state(rollups, "accounts") == [
        {"group_id": "g1", "last_day": _day(A)},
        {"group_id": "g2", "last_day": _day(date(2026, 2, 20))},
    ]
    features = {(r["group_id"], r["feature"]): r["last_day"] for r in _state(rollups, "features")}
    assert features[("g1", "Report")] == _day(A)
    assert features[("g1", "Home")] == _day(date(2026, 2, 15))
    assert [(r["day"], r["events"]) for r in _state(rollups, "recent") if r["group_id"] == "g1"] == [
        (_day(date(2026, 1, 10)), 1),
        (_day(date(2026, 2, 15)), 1),
        (_day(date(2026, 3, 10)), 1),
        (_day(date(2026, 3, 25)), 1),
        (_day(A), 3),
    ]


def _all_state(rollups: Path) -> dict[str, Any]:
    return {
        kind: pq.read_table(state_path(rollups, kind)) for kind in ("recent", "users", "features", "trained")
    }


@pytest.mark.parametrize("late", [False, True], ids=["new-day", "late-event-for-an-old-day"])
def test_an_update_gives_the_same_state_as_a_rebuild_from_scratch(tmp_path: Path, late: bool) -> None:
    events = tmp_path / "events"
    write_world(events)
    update_rollups(events, tmp_path / "rollups")
    when = datetime(2026, 3, 10, 8, tzinfo=UTC) if late else datetime(2026, 4, 2, 8, tzinfo=UTC)
    write_random(events, [event(when, "g1", "u7", "Report"), event(when, "g3", "u1", "Training Completed")])
    update_rollups(events, tmp_path / "rollups")
    shutil.copytree(tmp_path / "rollups", tmp_path / "fresh")
    shutil.rmtree(tmp_path / "fresh" / "state")
    update_rollups(events, tmp_path / "fresh")
    updated, fresh = _all_state(tmp_path / "rollups"), _all_state(tmp_path / "fresh")
    assert {k: t.to_pylist() for k, t in updated.items()} == {k: t.to_pylist() for k, t in fresh.items()}
    users = {(r["group_id"], r["user_id"]): r["last_day"] for r in updated["users"].to_pylist()}
    assert users[("g1", "u7")] == day_number(when.date())


def test_the_fast_path_serves_one_date_on_or_after_the_newest_roll_up_day(rollups: Path) -> None:
    engine = connect("duckdb", rollups)
    assert uses_latest_state(engine, Grid.of([A]))
    assert uses_latest_state(engine, Grid.of([A + timedelta(days=5)]))
    assert not uses_latest_state(engine, Grid.of([B]))
    assert not uses_latest_state(engine, Grid.of([B, A]))
    state_meta_path(rollups).unlink()  # a state not known to match the roll-ups is not used
    assert not uses_latest_state(engine, Grid.of([A]))


def _both_paths(engine: Any, inputs: Any, day: date, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    fast = compute_metrics(engine, inputs, [day])
    with monkeypatch.context() as m:
        m.setattr(engine, "latest_day", lambda: None)
        slow = compute_metrics(engine, inputs, [day])
    return fast, slow


@pytest.mark.parametrize("later", [0, 12])
def test_the_fast_path_equals_the_roll_up_path_on_the_hand_made_company(
    tmp_path: Path, make_engine: Any, monkeypatch: pytest.MonkeyPatch, later: int
) -> None:
    write_world(tmp_path / "events")
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    engine = make_engine(tmp_path / "rollups")
    day = A + timedelta(days=later)
    assert uses_latest_state(engine, Grid.of([day]))
    fast, slow = _both_paths(engine, world_inputs(), day, monkeypatch)
    assert fast.to_pylist() == slow.to_pylist()
    assert fast.num_rows == 3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_fast_path_equals_the_roll_up_path_on_random_companies(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_random(tmp_path / "events", random_events(seed))
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    engine = connect("duckdb", tmp_path / "rollups")
    latest = max(r["day"] for r in _state(tmp_path / "rollups", "recent"))
    day = date(1970, 1, 1) + timedelta(days=latest)
    fast, slow = _both_paths(engine, random_inputs(), day, monkeypatch)
    assert fast.to_pylist() == slow.to_pylist()
    assert sum(fast.column("events_180d").to_pylist()) > 0


def test_a_file_that_leaves_an_old_day_makes_the_state_forget_it(tmp_path: Path) -> None:
    """Merging again is exact only while days grow: a day that lost a file is rebuilt."""
    events = tmp_path / "events"
    write_world(events)
    update_rollups(events, tmp_path / "rollups")
    before = _all_state(tmp_path / "rollups")
    late = datetime(2026, 3, 10, 8, tzinfo=UTC)
    write_random(events, [event(late, "g1", "u-late", "Report")])
    update_rollups(events, tmp_path / "rollups")  # grown: merged
    users = {(r["group_id"], r["user_id"]) for r in _state(tmp_path / "rollups", "users")}
    assert ("g1", "u-late") in users
    folder = events / f"date={late.date().isoformat()}"
    newest = max(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    newest.unlink()
    update_rollups(events, tmp_path / "rollups")  # shrunk: rebuilt
    after = _all_state(tmp_path / "rollups")
    assert {k: t.to_pylist() for k, t in after.items()} == {k: t.to_pylist() for k, t in before.items()}
