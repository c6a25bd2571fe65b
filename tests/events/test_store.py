from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pytest

from lodestar.analytics.event_store import EVENT_SCHEMA, count_events, read_events, write_events
from lodestar.kit.errors import InvalidInput


def _table(stamps: list[datetime], kind: str = "track") -> pa.Table:
    n = len(stamps)
    return pa.Table.from_pydict(
        {
            "message_id": [f"m{i}" for i in range(n)],
            "type": [kind] * n,
            "event": ["Report Exported" if kind == "track" else None] * n,
            "name": [None] * n,
            "user_id": [f"u{i % 3}" for i in range(n)],
            "anonymous_id": [None] * n,
            "group_id": ["org_1"] * n,
            "timestamp": stamps,
            "received_at": [s + timedelta(seconds=1) for s in stamps],
            "source": ["demo"] * n,
            "properties": ['{"a": 1}'] * n,
            "traits": [None] * n,
        },
        schema=EVENT_SCHEMA,
    )


def test_events_land_in_one_folder_per_utc_day_and_read_back_unchanged(tmp_path):
    stamps = [datetime(2025, 3, d, 23, 59, tzinfo=UTC) for d in (1, 1, 2, 5)]
    files = write_events(tmp_path, _table(stamps))
    assert sorted(p.parent.name for p in files) == ["date=2025-03-01", "date=2025-03-02", "date=2025-03-05"]
    assert not list(tmp_path.rglob("*.tmp"))
    back = read_events(tmp_path).sort_by("message_id")
    assert back.column("message_id").to_pylist() == ["m0", "m1", "m2", "m3"]
    assert back.column("timestamp").to_pylist() == stamps
    assert back.schema == EVENT_SCHEMA
    assert count_events(tmp_path) == 4


def test_a_shanghai_evening_event_is_filed_under_its_utc_day(tmp_path):
    from zoneinfo import ZoneInfo

    local = datetime(2025, 3, 2, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 2025-03-01 23:30 UTC
    files = write_events(tmp_path, _table([local]))
    assert [p.parent.name for p in files] == ["date=2025-03-01"]


def test_reading_a_date_range_opens_only_those_days(tmp_path):
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    write_events(tmp_path, _table([start + timedelta(days=d) for d in range(10)]))
    (tmp_path / "date=2025-01-01" / "part-broken.parquet").write_bytes(b"not parquet")
    week = read_events(tmp_path, date(2025, 1, 3), date(2025, 1, 6))
    assert week.num_rows == 4
    assert {t.date() for t in week.column("timestamp").to_pylist()} == {date(2025, 1, d) for d in range(3, 7)}
    assert read_events(tmp_path, start=date(2025, 1, 9)).num_rows == 2


def test_a_second_write_adds_files_without_replacing_the_first(tmp_path):
    stamp = datetime(2025, 1, 1, 8, tzinfo=UTC)
    write_events(tmp_path, _table([stamp]))
    write_events(tmp_path, _table([stamp, stamp]))
    assert len(list((tmp_path / "date=2025-01-01").glob("part-*.parquet"))) == 2
    assert count_events(tmp_path) == 3


def test_an_empty_store_reads_as_an_empty_table_with_the_schema(tmp_path):
    assert read_events(tmp_path / "missing").schema == EVENT_SCHEMA
    assert count_events(tmp_path / "missing") == 0


def test_a_bad_message_type_is_refused_naming_the_field_and_nothing_is_written(tmp_path):
    with pytest.raises(InvalidInput, match="type: must be one of"):
        write_events(tmp_path, _table([datetime(2025, 1, 1, tzinfo=UTC)], kind="click"))
    assert count_events(tmp_path) == 0


def test_a_missing_column_is_named(tmp_path):
    table = _table([datetime(2025, 1, 1, tzinfo=UTC)]).drop_columns(["received_at"])
    with pytest.raises(InvalidInput, match="received_at: column is missing"):
        write_events(tmp_path, table)


def test_a_backwards_date_range_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="end: must not be before start"):
        read_events(tmp_path, date(2025, 2, 1), date(2025, 1, 1))
