"""The event store's day partitions as the roll-ups and engines read them: one Hive folder per UTC day.

Layout: ``<events_dir>/date=YYYY-MM-DD/part-<name>.parquet``. The event store
(analytics.event_store) writes this layout and the roll-ups read it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

PARTITION = "date="


def day_folder(events_dir: Path, day: date) -> Path:
    """The partition folder of one UTC day."""
    return events_dir / f"{PARTITION}{day.isoformat()}"


def part_files(folder: Path) -> list[Path]:
    """The Parquet files of one day's partition folder, by name."""
    return sorted(folder.glob("part-*.parquet"))


def partition_days(events_dir: Path) -> list[date]:
    """The UTC days that have at least one partition folder, oldest first."""
    if not events_dir.is_dir():
        return []
    days = []
    for child in events_dir.iterdir():
        if child.is_dir() and child.name.startswith(PARTITION):
            try:
                days.append(date.fromisoformat(child.name.removeprefix(PARTITION)))
            except ValueError:
                continue
    return sorted(days)
