"""A first build writes its newest days' roll-ups and folds the older days into the state; those days are
written when something first reads them, equal to a build that wrote every day."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from lodestar.analytics import rollups
from lodestar.analytics.deferred_rollups import FIRST_BUILD_DAYS, load_deferred, writer_lock
from lodestar.analytics.last_active_state import STATE_KINDS, read_state
from lodestar.analytics.metrics.table import compute_metrics
from lodestar.analytics.rollups import ensure_days, update_rollups
from lodestar.kit.time import day_number
from lodestar.value_reports.usage_figures import period_usage
from tests.analytics.random_world import LAST, random_events, random_inputs, write_random
from tests.analytics.world import event

Built = tuple[Path, Path, Path]


def _days(rollup_dir: Path, kind: str) -> list[str]:
    return sorted(f.stem for f in (rollup_dir / kind).glob("*.parquet"))


def _rows(path: Path) -> list[dict[str, Any]]:
    return sorted(pq.read_table(path).to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))


@pytest.fixture
def built(tmp_path: Path) -> Built:
    """One random company's events, its roll-ups built first (deferring) and built writing every day."""
    events = tmp_path / "events"
    write_random(events, random_events(7))
    update_rollups(events, tmp_path / "first", reading=[LAST])  # the latest date's run
    update_rollups(events, tmp_path / "whole")
    return events, tmp_path / "first", tmp_path / "whole"


def test_a_first_build_writes_the_newest_days_and_lists_the_older_ones(
    built: Built,
) -> None:
    _, first, whole = built
    every = _days(whole, "usage")
    assert len(every) > FIRST_BUILD_DAYS + 30
    for kind in rollups.KINDS:
        assert _days(first, kind) == every[-FIRST_BUILD_DAYS:]
    assert sorted(load_deferred(first)) == every[:-FIRST_BUILD_DAYS]
    assert rollups.load_manifest(first) == rollups.load_manifest(whole)


@pytest.mark.parametrize(
    "reading",
    [(), (LAST - timedelta(days=60),), (LAST, LAST + timedelta(days=7)), (LAST - timedelta(days=1),)],
    ids=["caller-unknown", "a-past-date", "two-dates", "before-the-newest-events"],
)
def test_a_first_build_for_anything_but_the_latest_date_writes_every_day(
    tmp_path: Path, reading: tuple[date, ...]
) -> None:
    events = tmp_path / "events"
    write_random(events, random_events(7))
    update_rollups(events, tmp_path / "rollups", reading=reading)
    assert load_deferred(tmp_path / "rollups") == {}
    assert _days(tmp_path / "rollups", "usage") == sorted(rollups.load_manifest(tmp_path / "rollups"))


def test_the_folded_state_equals_the_state_built_from_every_days_roll_ups(
    built: Built,
) -> None:
    _, first, whole = built
    for kind in STATE_KINDS:
        folded, read = read_state(first, kind), read_state(whole, kind)
        assert folded.num_rows > 0, kind
        assert folded.to_pylist() == read.to_pylist(), kind


def test_reading_a_range_writes_its_deferred_days_equal_to_a_whole_build(
    built: Built,
) -> None:
    events, first, whole = built
    listed = sorted(load_deferred(first))
    lo, hi = date.fromisoformat(listed[10]), date.fromisoformat(listed[20])
    written = ensure_days(events, first, day_number(lo), day_number(hi))
    assert written == listed[10:21]
    assert sorted(load_deferred(first)) == listed[:10] + listed[21:]
    for kind in rollups.KINDS:
        for day in written:
            assert _rows(first / kind / f"{day}.parquet") == _rows(whole / kind / f"{day}.parquet"), (
                kind,
                day,
            )
    assert ensure_days(events, first, day_number(lo), day_number(hi)) == []  # already written
    ensure_days(events, first)
    assert load_deferred(first) == {}
    assert not (first / "deferred.json").exists()
    assert _days(first, "usage") == _days(whole, "usage")


def test_past_dates_metrics_read_the_deferred_days_as_a_whole_build_does(
    built: Built, make_engine: Any
) -> None:
    _, first, whole = built
    dates = [LAST - timedelta(days=150), LAST - timedelta(days=60), LAST]
    deferred = compute_metrics(make_engine(first), random_inputs(), dates)
    everything = compute_metrics(make_engine(whole), random_inputs(), dates)
    assert deferred.to_pylist() == everything.to_pylist()
    assert sum(r["events_30d"] for r in deferred.to_pylist() if r["as_of"] == dates[0]) > 0
    assert load_deferred(first) == {}  # the past dates' windows reach back to the first day


def test_a_value_reports_period_reads_its_deferred_days(built: Built) -> None:
    events, first, whole = built
    start, through = LAST - timedelta(days=200), LAST - timedelta(days=100)
    groups = [f"g{i}" for i in range(6)]
    found = period_usage(first, groups, start, through, events)
    assert found == period_usage(whole, groups, start, through, events)
    assert sum(u.events for u in found.values()) > 0


def test_an_old_deferred_day_that_changes_is_written_and_the_state_rebuilt_from_every_day(
    built: Built, tmp_path: Path
) -> None:
    events, first, whole = built
    old = date.fromisoformat(sorted(load_deferred(first))[5])
    replaced = events / f"date={old.isoformat()}"
    shutil.rmtree(replaced)  # a day re-imported with other events: a rebuild, not a merge
    write_random(events, [event(datetime.combine(old, datetime.min.time(), UTC), "g1", "u1", "Report")])
    update_rollups(events, first)
    fresh = tmp_path / "fresh"
    update_rollups(events, fresh)
    assert load_deferred(first) == {}  # the state's rebuild read every day's roll-ups
    for kind in STATE_KINDS:
        assert read_state(first, kind).to_pylist() == read_state(fresh, kind).to_pylist(), kind
    assert _rows(first / "usage" / f"{old.isoformat()}.parquet") == [
        {"group_id": "g1", "user_id": "u1", "feature": "Report", "day": day_number(old), "events": 1}
    ]
    assert _days(first, "usage") == _days(whole, "usage")


def test_the_next_day_merges_into_a_folded_state_as_into_a_built_one(built: Built, tmp_path: Path) -> None:
    events, first, whole = built
    listed = load_deferred(first)
    when = datetime.combine(LAST + timedelta(days=1), datetime.min.time(), UTC)
    write_random(events, [event(when, "g2", "u9", "Training Completed"), event(when, "g3", "u1", "Report")])
    update_rollups(events, first)
    update_rollups(events, whole)
    assert load_deferred(first) == listed  # a merge reads the new day's roll-ups only
    for kind in STATE_KINDS:
        assert read_state(first, kind).to_pylist() == read_state(whole, kind).to_pylist(), kind
    users = {(r["group_id"], r["user_id"]): r["last_day"] for r in read_state(first, "users").to_pylist()}
    assert users[("g2", "u9")] == day_number(when.date())


def test_a_reader_of_days_not_deferred_never_waits_for_a_writer(built: Built) -> None:
    events, first, _ = built
    newest = day_number(LAST)
    done: list[list[str]] = []
    with writer_lock(first):  # an update holding the folder for as long as it takes
        reader = threading.Thread(target=lambda: done.append(ensure_days(events, first, newest - 20, newest)))
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive()
    assert done == [[]]
    assert load_deferred(first)  # the older days are still listed
