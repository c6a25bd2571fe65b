"""The latest-date state: kept beside the roll-ups as events land, and the fast path it gives."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lodestar.analytics import last_active_state
from lodestar.analytics.engines.engine import connect
from lodestar.analytics.last_active_state import delta_path, read_state, state_meta_path
from lodestar.analytics.metrics.date_grid import Grid
from lodestar.analytics.metrics.table import compute_metrics
from lodestar.analytics.metrics.usage_from_state import uses_latest_state
from lodestar.analytics.rollups import update_rollups
from lodestar.kit.time import day_number
from tests.analytics.random_world import random_events, random_inputs, write_random
from tests.analytics.world import A, B, event, world_inputs, write_world


def _state(rollups: Path, kind: str) -> list[dict[str, Any]]:
    return read_state(rollups, kind).to_pylist()


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
        kind: read_state(rollups, kind) for kind in ("recent", "users", "features", "trained", "accounts")
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


@pytest.mark.parametrize("share", [0.0, 10.0], ids=["folded-each-day", "kept-as-delta"])
def test_days_merged_one_by_one_read_as_a_rebuild_from_scratch_whether_folded_or_kept_as_a_delta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    """A merged day writes only the rows it changed beside the base; read together they are the state."""
    monkeypatch.setattr(last_active_state, "COMPACT_SHARE", share)
    events, rollups = tmp_path / "events", tmp_path / "rollups"
    write_world(events)
    update_rollups(events, rollups)
    days = [datetime(2026, 4, d, 9, tzinfo=UTC) for d in (2, 3, 4)]
    late = datetime(2026, 3, 25, 9, tzinfo=UTC)  # a late event for a day already merged
    batches = [
        [event(days[0], "g1", "u7", "Report"), event(days[0], "g3", "u1", "Training Completed")],
        [event(days[1], "g1", "u1", "Home"), event(days[1], "g3", "u1", "Training Completed")],
        [event(late, "g2", "u9", "Report"), event(days[2], "g2", "u9", "Home")],
    ]
    for batch in batches:
        write_random(events, batch)
        update_rollups(events, rollups)
        fresh = tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(rollups, fresh)
        shutil.rmtree(fresh / "state")
        update_rollups(events, fresh)
        merged, rebuilt = _all_state(rollups), _all_state(fresh)
        assert {k: t.to_pylist() for k, t in merged.items()} == {k: t.to_pylist() for k, t in rebuilt.items()}
    assert delta_path(rollups, "users").exists() == (share > 1)
    trained = {(r["group_id"], r["user_id"]): r["first_day"] for r in _state(rollups, "trained")}
    assert trained[("g3", "u1")] == day_number(days[0].date())  # the first training day stays
    engine = connect("duckdb", rollups)
    fast = compute_metrics(engine, random_inputs(), [days[2].date()])
    with monkeypatch.context() as m:
        m.setattr(engine, "latest_day", lambda: None)
        slow = compute_metrics(engine, random_inputs(), [days[2].date()])
    assert fast.to_pylist() == slow.to_pylist()
