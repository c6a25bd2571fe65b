"""Event imports stream: a file larger than the batch size is checked whole, published whole or not at all.

Every format (CSV, Parquet, NDJSON, XLSX) is read in batches of BATCH rows; row numbers in problems count
across batches, a bad row near the end leaves the event store and the staging folder as they were, and a
good file lands exactly as a brute-force reading of it says.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from lodestar.analytics.event_store import count_events, read_events
from lodestar.imports import service, staging
from lodestar.imports.schemas import ImportReport
from tests.imports.conftest import run
from tests.progress_calls import Recorded

BATCH = 4
ROWS = 23  # six batches, the last one short
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
MAPPING = "fields: {timestamp: when, account: account, event: feature, user_id: user}"
FORMATS = ("csv", "parquet", "ndjson", "xlsx")


def _rows(bad_at: int | None = None) -> list[dict[str, str]]:
    """ROWS usage rows over three days and two accounts; the row at file row `bad_at` has no valid time."""
    rows = []
    for i in range(ROWS):
        when = (START + timedelta(hours=5 * i)).strftime("%Y-%m-%d %H:%M")
        rows.append({"when": when, "account": f"A-{1 + i % 2}", "feature": f"f{i % 3}", "user": f"u{i}"})
    if bad_at is not None:
        rows[bad_at - 2]["when"] = "last tuesday"  # file row 2 is the first data row
    return rows


def _file(fmt: str, rows: list[dict[str, str]]) -> tuple[bytes, str]:
    """The rows written as a file of the format, and its name."""
    if fmt == "ndjson":
        return b"".join(orjson.dumps(r) + b"\n" for r in rows), "usage.ndjson"
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(list(rows[0]))
        for r in rows:
            sheet.append(list(r.values()))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), "usage.xlsx"
    table = pa.Table.from_pylist(rows)
    out = io.BytesIO()
    if fmt == "parquet":
        pq.write_table(table, out)
        return out.getvalue(), "usage.parquet"
    pacsv.write_csv(table, out)
    return out.getvalue(), "usage.csv"


def _import(db: Session, raw: bytes, name: str, events_dir: Path, **kw: object) -> ImportReport:
    spec = service.load_spec(str(kw.pop("mapping", MAPPING)), "events")
    report = service.run_import(
        db, "events", raw, name, spec, events_dir=events_dir, today=date(2025, 1, 1), batch_rows=BATCH, **kw
    )  # type: ignore[arg-type]
    db.commit()
    return report


@pytest.fixture
def events_dir(db: Session, tmp_path: Path) -> Path:
    """An event store with two accounts to look up, and one earlier import in it."""
    accounts = b"crm_id,name,segment_group_id\nA-1,Acme,g-1\nA-2,Bolt,g-2\n"
    run(db, "accounts", accounts, "a.csv", tmp_path)
    folder = tmp_path / "events"
    earlier = b"when,account,feature\n2024-01-05 10:00,A-1,login\n"
    run(
        db,
        "events",
        earlier,
        "earlier.csv",
        folder,
        "fields: {timestamp: when, account: account, event: feature}",
    )
    return folder


def _store_files(events_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(events_dir)): p.read_bytes() for p in sorted(events_dir.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_row_in_the_last_batch_writes_nothing_and_is_named_by_its_file_row(db, events_dir, fmt):
    before = _store_files(events_dir)
    bad_row = 2 + 21 if fmt != "ndjson" else 1 + 21  # the 22nd data row: in the sixth batch
    raw, name = _file(fmt, _rows(bad_at=23))
    with pytest.raises(service.ImportRejected) as caught:
        _import(db, raw, name, events_dir)
    db.rollback()
    assert [(p.row, p.column, p.value) for p in caught.value.report.problems] == [
        (bad_row, "when", "last tuesday")
    ]
    assert _store_files(events_dir) == before
    assert count_events(events_dir) == 1
    assert list((events_dir.parent / staging.STAGING).iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_good_file_lands_whole_in_one_file_per_day(db, events_dir, fmt):
    rows = _rows()
    raw, name = _file(fmt, rows)
    seen = Recorded()
    report = _import(db, raw, name, events_dir, progress=seen)
    assert (report.rows, report.created, report.unchanged) == (ROWS, ROWS, 0)
    assert [a for a, _, _ in seen.calls if a] == [4, 4, 4, 4, 4, 3]  # one call per batch
    assert seen.done == ROWS
    assert seen.totals == ([ROWS] if fmt in ("parquet", "xlsx") else [])
    # Brute force: each row's own time, group and user, straight from the rows written.
    expected = sorted(
        (
            datetime.strptime(r["when"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC),
            {"A-1": "g-1", "A-2": "g-2"}[r["account"]],
            r["feature"],
            r["user"],
        )
        for r in rows
    )
    stored = read_events(events_dir, start=date(2024, 3, 1))
    assert (
        sorted(
            zip(
                *(stored.column(c).to_pylist() for c in ("timestamp", "group_id", "event", "user_id")),
                strict=True,
            )
        )
        == expected
    )
    days = {(START + timedelta(hours=5 * i)).date() for i in range(ROWS)}
    files = sorted(p.parent.name for p in events_dir.rglob("part-import-*.parquet"))
    assert files == sorted(f"date={d.isoformat()}" for d in days | {date(2024, 1, 5)})
    assert len(set(stored.column("message_id").to_pylist())) == ROWS
    again = _import(db, raw, name, events_dir)
    assert (again.created, again.unchanged) == (0, ROWS)
    assert count_events(events_dir) == ROWS + 1
    assert list((events_dir.parent / staging.STAGING).iterdir()) == []


def test_the_batch_size_does_not_change_what_is_stored(db, events_dir):
    raw, name = _file("csv", _rows())
    _import(db, raw, name, events_dir)
    small = read_events(events_dir, start=date(2024, 3, 1)).sort_by("message_id")
    other = events_dir.parent / "other-events"
    spec = service.load_spec(MAPPING, "events")
    service.run_import(
        db, "events", raw, name, spec, events_dir=other, today=date(2025, 1, 1), batch_rows=1000
    )
    assert read_events(other).sort_by("message_id").equals(small)


def test_a_message_id_repeated_in_a_later_batch_names_both_rows(db, events_dir):
    rows = [{**r, "id": f"m-{i}"} for i, r in enumerate(_rows())]
    rows[20]["id"] = "m-1"  # file row 22 repeats file row 3
    raw, name = _file("csv", rows)
    mapping = MAPPING[:-1] + ", message_id: id}"
    with pytest.raises(service.ImportRejected) as caught:
        _import(db, raw, name, events_dir, mapping=mapping)
    assert [(p.row, p.column, p.value, p.reason) for p in caught.value.report.problems] == [
        (22, "id", "m-1", "message_id repeats row 3")
    ]
    assert count_events(events_dir) == 1


def test_day_first_dates_are_detected_from_the_whole_file_not_the_first_batch(db, events_dir):
    rows = _rows()
    for i, r in enumerate(rows):  # d/m/Y; only the last row shows a day over 12
        r["when"] = f"{1 + i % 12}/3/2024 10:00" if i < ROWS - 1 else "13/3/2024 10:00"
    raw, name = _file("csv", rows)
    _import(db, raw, name, events_dir)
    days = sorted(
        {t.day for t in read_events(events_dir, start=date(2024, 3, 1)).column("timestamp").to_pylist()}
    )
    assert days == list(range(1, 14))


def test_ambiguous_dates_across_batches_are_refused_for_the_column(db, events_dir):
    rows = _rows()
    for i, r in enumerate(rows):
        r["when"] = f"{1 + i % 12}/{1 + (i + 5) % 12}/2024"
    raw, name = _file("csv", rows)
    with pytest.raises(service.ImportRejected) as caught:
        _import(db, raw, name, events_dir)
    assert [(p.row, p.column) for p in caught.value.report.problems] == [(0, "when")]
    assert "ambiguous" in caught.value.report.problems[0].reason


def test_ndjson_rows_may_lack_a_field_and_carry_nested_properties(db, events_dir):
    lines = [
        {"when": "2024-03-01T09:00:00Z", "account": "A-1", "feature": "export", "meta": {"size": 3}},
        {"when": "2024-03-01T10:00:00Z", "account": "A-2", "feature": "export"},
    ] * 3
    raw = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
    mapping = "fields: {timestamp: when, account: account, event: feature, properties.meta: meta}"
    report = _import(db, raw, "usage.jsonl", events_dir, mapping=mapping)
    assert report.created == 6
    stored = read_events(events_dir, start=date(2024, 3, 1)).sort_by("timestamp").to_pylist()
    assert [e["properties"] for e in stored] == ['{"meta":"{\\"size\\":3}"}'] * 3 + ['{"meta":null}'] * 3


def test_a_broken_ndjson_line_is_named(db, events_dir):
    raw = b'{"when": "2024-03-01", "account": "A-1", "feature": "x"}\n{"when": \n'
    with pytest.raises(service.InvalidInput, match="line 2 is not valid JSON"):
        _import(db, raw, "usage.ndjson", events_dir)


def test_a_file_that_goes_back_in_time_between_batches_still_lands_whole(db, events_dir):
    # Each batch is in time order, so the days before a batch's last day are written out and closed as
    # finished; the third batch then goes back to such a day, which takes a further file of that day.
    rows = _rows()
    shuffled = rows[0:4] + rows[8:12] + rows[4:8] + rows[12:]
    raw, name = _file("csv", shuffled)
    report = _import(db, raw, name, events_dir)
    assert (report.rows, report.created) == (ROWS, ROWS)
    stored = read_events(events_dir, start=date(2024, 3, 1))
    assert sorted(stored.column("user_id").to_pylist()) == sorted(r["user"] for r in rows)
    reopened = (START + timedelta(hours=5 * 4)).date()
    day_files = sorted(p.name for p in events_dir.glob(f"**/date={reopened.isoformat()}/part-import-*"))
    assert len(day_files) == 2 and sum(f.endswith("-1.parquet") for f in day_files) == 1
    again = _import(db, raw, name, events_dir)
    assert (again.created, again.unchanged) == (0, ROWS)
    assert count_events(events_dir) == ROWS + 1


def test_reading_a_parquet_file_in_batches_holds_memory_flat(tmp_path):
    # pyarrow's pre-buffering keeps every range it has read until the reader closes: reading a 50M-row
    # file held 1.2 GiB more at its end than at its start. While reading, memory must stay within a few
    # batches, far below the file's size (random text, so compression cannot make the file small).
    import numpy as np

    from lodestar.imports import readers

    path = tmp_path / "many-groups.parquet"
    rows, groups = 40_000, 60
    rng = np.random.default_rng(3)
    with pq.ParquetWriter(path, pa.schema([("user", pa.string())]), compression="zstd") as writer:
        for _ in range(groups):
            users = pa.array(rng.integers(0, 2**62, rows).astype(str))
            writer.write_table(pa.table({"user": users}))
    before = pa.total_allocated_bytes()
    read = readers.batches(path, path.name, None, None, rows)
    held, total = [], 0
    for table in read.tables:
        total += table.num_rows
        held.append(pa.total_allocated_bytes() - before)
        del table
    assert total == rows * groups
    assert path.stat().st_size > 20 * 2**20
    assert max(held) < path.stat().st_size / 4
