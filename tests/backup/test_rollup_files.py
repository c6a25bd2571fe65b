"""A backup's roll-ups: the list of days a first build deferred travels with them, before the files."""

from __future__ import annotations

import orjson

from lodestar.analytics.deferred_rollups import load_deferred
from lodestar.analytics.rollups import ensure_days, update_rollups
from lodestar.backup.data_files import copy_other_files
from tests.analytics.random_world import LAST, random_events, write_random


def test_a_backup_keeps_the_deferred_days_listed_and_a_restored_store_writes_them(tmp_path) -> None:
    data, target = tmp_path / "data", tmp_path / "backup"
    write_random(data / "events", random_events(3))
    update_rollups(data / "events", data / "rollups", reading=[LAST])
    deferred = load_deferred(data / "rollups")
    assert len(deferred) > 100
    target.mkdir()
    copied = copy_other_files(data, target, None)
    assert load_deferred(target / "rollups") == deferred
    manifest = orjson.loads((target / "rollups" / "manifest.json").read_bytes())
    assert manifest == orjson.loads((data / "rollups" / "manifest.json").read_bytes())
    assert not (target / "rollups" / ".lock").exists()  # the writers' lock is not data
    assert copied == sum(1 for p in (target).rglob("*") if p.is_file())
    written = ensure_days(data / "events", target / "rollups")  # the events come back with the rest
    assert sorted(written) == sorted(deferred)
    days = sorted(p.stem for p in (target / "rollups" / "usage").glob("*.parquet"))
    assert days == sorted(manifest)
