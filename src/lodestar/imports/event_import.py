"""A streamed event import: the file is read, checked and staged a batch at a time, then published whole.

Memory holds one batch (BATCH_ROWS rows) and the staged row groups, whatever the file's size. Every
problem names the row as the file counts it (rows are numbered across batches). Only when no row of the
whole file is bad are the staged files moved into the event store; otherwise nothing reaches it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.imports import events, mapping, readers, staging
from lodestar.imports.parsers import DateEvidence
from lodestar.imports.schemas import FieldMap, ImportReport, MappingSpec
from lodestar.kit.errors import InvalidInput
from lodestar.kit.progress import Progress, silent

BATCH_ROWS = 500_000
_PASS_ROWS = 1_000_000  # the date-format pass reads one or two columns, so it takes longer batches


def _pad(table: pa.Table, fields: dict[str, FieldMap]) -> pa.Table:
    """A schemaless batch (NDJSON) with the mapped columns its rows lack, as empty cells."""
    for f in fields.values():
        if f.column is not None and f.column not in table.column_names:
            table = table.append_column(f.column, pa.nulls(table.num_rows, pa.string()))
    return table


def _date_formats(
    source: readers.Source,
    filename: str,
    spec: MappingSpec,
    head: pa.Table,
    read: readers.Batches,
    problems: mapping.Problems,
) -> dict[str, str]:
    """The format of each date field the mapping leaves to detection, from the whole file's values (a
    pass over just those columns, skipped for columns the file stores as dates); a column that cannot
    tell d/m/Y from m/d/Y goes to `problems` as a whole-column (row 0) problem."""
    undated = mapping.undated_fields(spec, head.column_names)
    formats = {t: "iso" for t, f in undated.items() if f.column in read.temporal and not f.values}
    pending = {t: f for t, f in undated.items() if t not in formats}
    if not pending:
        return formats
    evidence = {t: DateEvidence() for t in pending}
    columns = sorted({f.column for f in pending.values() if f.column and f.column in head.column_names})
    again = readers.batches(source, filename, spec.encoding, spec.sheet, _PASS_ROWS, columns or None)
    for table in again.tables:
        table = _pad(table, pending) if again.schemaless else table
        for target, field in pending.items():
            evidence[target].add(mapping.text_of(table, target, field)[0])
    for target, field in pending.items():
        try:
            formats[target] = evidence[target].format(field.column or "constant")
        except InvalidInput as exc:  # the column cannot tell d/m/Y from m/d/Y
            problems.add(0, field.column or target, None, exc.problems[0].message)
    return formats


def import_events(
    session: Session,
    source: readers.Source,
    filename: str,
    spec: MappingSpec,
    *,
    events_dir: Path,
    dry_run: bool = False,
    batch_rows: int = BATCH_ROWS,
    progress: Progress = silent,
) -> ImportReport:
    """Checks every row and, when none is bad (and not a dry run), publishes them all; the report's
    problems name each bad cell (the caller refuses the import when there are any).

    `progress` is told the file's row count when the format states it (Parquet, XLSX) and each batch's
    rows once the batch is checked."""
    report = ImportReport(kind="events", dry_run=dry_run)
    problems = mapping.Problems()
    with readers.opened(source) as handle:
        name = events.store_name(handle, spec)
    read = readers.batches(source, filename, spec.encoding, spec.sheet, batch_rows)
    head = next(read.tables, None)
    if head is None:
        return report
    fields = spec.fields or mapping.auto_fields(spec.kind, head.column_names)
    spec = spec.model_copy(update={"fields": fields})
    formats = _date_formats(source, filename, spec, head, read, problems)
    if problems.items:  # no row is checked against a column whose dates cannot be read
        report.problems = problems.final()
        return report
    stage = staging.Stage(events_dir, name, write=not dry_run)
    if read.total is not None:
        progress(0, total=read.total)
    try:
        groups = events.group_lookup(session, spec, fields)
        done = 0
        for table in itertools.chain([head], read.tables):
            table = _pad(table, fields) if read.schemaless else table
            problems.first_row = read.first_row + done
            mapped = mapping.apply(table, spec, problems, formats)
            frame = events.event_table(spec, mapped, table.num_rows, problems, name=name, groups=groups)
            if "message_id" in mapped:
                stage.add_ids(mapped["message_id"].values, problems.first_row)
            if frame is not None:
                stage.add(frame)
            done += table.num_rows
            progress(table.num_rows)
        report.rows = done
        _repeated_ids(stage, fields, problems)
        report.problems = problems.final()
        if not report.problems:
            report.created, report.unchanged = stage.publish(events_dir)
    finally:
        stage.discard()
    return report


def _repeated_ids(stage: staging.Stage, fields: dict[str, FieldMap], problems: mapping.Problems) -> None:
    """A message id given on more than one row of the file: each later row is a problem."""
    field = fields.get("message_id")
    column = (field.column if field else None) or "message_id"
    for message_id, rows in stage.repeated_ids(mapping.MAX_PROBLEMS):
        for row in rows[1:]:
            problems.add(row, column, message_id, f"message_id repeats row {rows[0]}")
