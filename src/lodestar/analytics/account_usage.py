"""One account's usage from the latest-date state beside the roll-ups: daily events of the last 180 days
and the last day each feature was used. Point reads: the state files are sorted by group_id, so a filter
on it reads one row group."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from lodestar.analytics.last_active_state import read_state, state_path
from lodestar.kit.time import from_day_number


def _read(rollup_dir: Path, kind: str, group_id: str, columns: list[str]) -> list[dict]:
    if not state_path(rollup_dir, kind).exists():
        return []
    table = read_state(rollup_dir, kind, group_id).select(columns)
    return table.sort_by([(columns[0], "ascending")]).to_pylist() if table.num_rows else []


def daily_events(rollup_dir: Path, group_id: str) -> list[tuple[str, int]]:
    """(ISO day, events) of each day with events in the state's 180 days, oldest first."""
    rows = _read(rollup_dir, "recent", group_id, ["day", "events"])
    return [(from_day_number(r["day"]).isoformat(), int(r["events"])) for r in rows]


def features_last_used(rollup_dir: Path, group_id: str, features: list[str]) -> dict[str, str]:
    """The ISO day each of these features was last used (absent: never in the events kept)."""
    if not state_path(rollup_dir, "features").exists() or not features:
        return {}
    table = read_state(rollup_dir, "features", group_id)
    table = table.filter(pc.is_in(table.column("feature"), pa.array(features, pa.string())))
    return {r["feature"]: from_day_number(r["last_day"]).isoformat() for r in table.to_pylist()}
