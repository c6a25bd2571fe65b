"""`lodestar import KIND FILE [--mapping M] [--dry-run] [--json]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lodestar.cli_support import context, emit, fail, progress
from lodestar.imports.schemas import KINDS, ImportReport, MappingSpec
from lodestar.kit.time import today_in

KindArg = Annotated[str, typer.Argument(help=f"What the file holds: {', '.join(KINDS)}.")]
FileArg = Annotated[Path, typer.Argument(help="A .csv, .xlsx, .parquet or .ndjson/.jsonl file.")]
MappingOpt = Annotated[
    str | None, typer.Option("--mapping", "-m", help="A YAML mapping file, or the name of a saved mapping.")
]


def _text(report: ImportReport) -> str:
    verb = "would import" if report.dry_run else "imported"
    lines = [
        f"{verb} {report.rows:,} {report.kind} rows: {report.created:,} created, "
        f"{report.updated:,} updated, {report.unchanged:,} unchanged"
    ]
    return "\n".join(lines)


def _refusal(report: ImportReport) -> str:
    lines = [f"refused: {len(report.problems)} problems; nothing was imported"]
    lines += [f"  row {p.row}, column {p.column!r}, value {p.value!r}: {p.reason}" for p in report.problems]
    return "\n".join(lines)


def import_file(
    kind: KindArg,
    file: FileArg,
    mapping: MappingOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Imports a file of one kind of record: every row, or none when any row is bad."""
    from lodestar.db.engine import session_factory
    from lodestar.imports import service
    from lodestar.kit.errors import LodestarError

    engine, settings = context()
    session = session_factory(engine)()
    try:
        if not file.is_file():
            raise _usage(f"file: {file} does not exist")
        spec = _spec(session, kind, mapping)
        # Events stream in batches, so their rows can be counted as they go; records are read whole.
        with progress(f"import {kind}", enabled=not as_json and kind == "events") as advance:
            report = service.run_import(
                session, kind, file, file.name, spec,
                events_dir=settings.events_dir, today=today_in(settings.zone), dry_run=dry_run,
                batch_rows=settings.import_batch_rows, progress=advance,
            )  # fmt: skip
        session.rollback() if dry_run else session.commit()
    except service.ImportRejected as exc:
        session.rollback()
        emit(as_json, exc.report.as_dict(), _refusal(exc.report))
        raise typer.Exit(1) from None
    except LodestarError as exc:
        session.rollback()
        if not as_json:
            fail(exc.message)
        typer.echo(json.dumps({"ok": False, "message": exc.message}, ensure_ascii=False))
        raise typer.Exit(2) from None
    finally:
        session.close()
    emit(as_json, report.as_dict(), _text(report))


def _usage(message: str) -> Exception:
    from lodestar.kit.errors import InvalidInput

    field, _, text = message.partition(": ")
    return InvalidInput.one(field, text)


def _spec(session: object, kind: str, mapping: str | None) -> MappingSpec | None:
    from lodestar.imports import service

    if mapping is None:
        return None
    path = Path(mapping)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.is_file():
        if not path.is_file():
            raise _usage(f"mapping: {mapping} does not exist")
        return service.load_spec(path.read_text(encoding="utf-8"), kind)
    return service.get_mapping(session, mapping)  # type: ignore[arg-type]
