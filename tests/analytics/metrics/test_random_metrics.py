"""Event metrics on seeded random companies, checked against a brute-force count over the raw events."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from lodestar.analytics.engines.engine import connect
from lodestar.analytics.metrics.table import account_metrics, compute_metrics, iter_metrics
from lodestar.analytics.rollups import update_rollups
from lodestar.kit.time import day_number
from tests.analytics.random_world import (
    EVENT_METRICS,
    LAST,
    SEATS,
    brute_force,
    random_events,
    random_inputs,
    write_random,
)
from tests.analytics.world import event

GRIDS = {
    "newest-day": [LAST],
    "after-the-newest-day": [LAST + timedelta(days=4)],
    "a-past-day": [LAST - timedelta(days=45)],
    "weekly": [LAST - timedelta(weeks=k) for k in range(14)],
    "uneven": [LAST - timedelta(days=k) for k in (0, 1, 2, 9, 40, 41, 200, 400)],
}
GROUPS = {i + 1: f"g{i}" for i in range(6)} | {99: None}


def _observed(row: dict[str, Any]) -> dict[str, Any]:
    out = {m: row[m] for m in EVENT_METRICS if m != "trained_users"}
    share = row["training_completion"]
    out["trained_users"] = None if share is None else round(share * SEATS)
    return out


@pytest.fixture(params=[1, 2], ids=lambda s: f"seed-{s}")
def company(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, list[dict[str, object]]]:
    """A DuckDB engine over a random company's roll-ups, and its raw events."""
    rows = random_events(request.param)
    write_random(tmp_path / "events", rows)
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    return connect("duckdb", tmp_path / "rollups"), rows


@pytest.mark.parametrize("grid", list(GRIDS), ids=list(GRIDS))
def test_event_metrics_equal_a_brute_force_count_at_every_date(company: Any, grid: str) -> None:
    engine, rows = company
    table = compute_metrics(engine, random_inputs(), GRIDS[grid])
    assert table.num_rows == len(GROUPS) * len(GRIDS[grid])
    for row in table.to_pylist():
        expected = brute_force(rows, GROUPS[row["account_id"]], row["as_of"])
        if GROUPS[row["account_id"]] is None:
            expected = {m: 0 for m in expected} | {"days_since_last_activity": None, "trained_users": None}
        assert _observed(row) == expected, (row["account_id"], row["as_of"])


def test_streamed_dates_come_oldest_first_and_equal_the_whole_table(company: Any) -> None:
    engine, _ = company
    dates = GRIDS["uneven"]
    parts = list(iter_metrics(engine, random_inputs(), dates))
    assert [p.column("as_of")[0].as_py() for p in parts] == sorted(dates)
    assert all(p.column("account_id").to_pylist() == sorted(GROUPS) for p in parts)
    whole = compute_metrics(engine, random_inputs(), dates)
    rows = sorted((r for p in parts for r in p.to_pylist()), key=lambda r: (r["account_id"], r["as_of"]))
    assert rows == whole.to_pylist()


def test_recomputing_each_account_gives_its_row_of_the_whole_run(company: Any) -> None:
    engine, _ = company
    inputs = random_inputs()
    for day in (LAST, LAST - timedelta(days=20)):
        whole = {r["account_id"]: r for r in compute_metrics(engine, inputs, [day]).to_pylist()}
        assert {a: account_metrics(engine, inputs, a, day) for a in GROUPS} == whole
    assert sum(1 for p in engine.plans.values() if p.per_account) == 2  # one compiled query per date
    with pytest.raises(LookupError):
        account_metrics(engine, inputs, 12345, LAST)


def test_a_recompute_after_new_events_land_sees_them(tmp_path: Path) -> None:
    rows = random_events(4)
    write_random(tmp_path / "events", rows)
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    engine, inputs = connect("duckdb", tmp_path / "rollups"), random_inputs()
    day = LAST + timedelta(days=1)
    before = account_metrics(engine, inputs, 1, day)
    fresh = [event(datetime.combine(day, time(9), UTC), "g0", "u-new", "Report") for _ in range(3)]
    write_random(tmp_path / "events", fresh)
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    after = account_metrics(engine, inputs, 1, day)
    assert after["events_7d"] == before["events_7d"] + 3
    assert after["active_users_7d"] == before["active_users_7d"] + 1
    assert after["days_since_last_activity"] == 0
    assert _observed(after) == brute_force(rows + fresh, "g0", day)


def test_a_rollup_read_for_some_days_lists_only_their_files(company: Any) -> None:
    engine, _ = company
    every = engine.rollup_files("usage")
    first = LAST - timedelta(days=29)
    some = engine.rollup_files("usage", day_number(first), day_number(LAST))
    assert some == [f for f in every if first <= date.fromisoformat(f.stem) <= LAST]
    assert 0 < len(some) < len(every)
    up_to_first = engine.rollup_files("usage", None, day_number(first))
    assert up_to_first == [f for f in every if date.fromisoformat(f.stem) <= first]
