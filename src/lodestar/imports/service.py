"""Bulk imports: read a file, map and check every cell, then write all rows or none."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.imports import event_import, mapping, readers, records, repository
from lodestar.imports.models import ImportMapping
from lodestar.imports.schemas import KINDS, ImportReport, MappingSpec
from lodestar.kit.errors import (
    InvalidInput,
    LodestarError,
    NotFound,
    PermissionDenied,
    problems_from_pydantic,
)
from lodestar.kit.progress import Progress, silent
from lodestar.sop import service as sop_service


class ImportRejected(LodestarError):
    """The file has bad rows; nothing was written. The report names each one."""

    status_code = 422

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{len(report.problems)} problems in the file; nothing was imported")


# Imports upsert by global keys (crm_id, external_id) and resolve references across every account, so a
# row-level rule per row would still tell a scoped user which keys exist elsewhere. Only admins import;
# the command line (an operator on the server) passes no actor.
IMPORT_RULE = "Only admins may import data (the API, the upload pages and saved mappings alike)."


def require_importer(user: User) -> None:
    """Refuses an import by anyone but an admin, before the file is read."""
    if user.role != Role.ADMIN:
        raise PermissionDenied("only admins may import data")


def parse_spec(data: Any, kind: str | None = None) -> MappingSpec:
    """A mapping spec from parsed YAML/JSON, checked; `kind` fills in a missing kind."""
    if not isinstance(data, dict):
        raise InvalidInput.one("mapping", "must be a mapping of settings (kind, fields, ...)")
    if kind is not None:
        data = {"kind": kind, **data}
        if data["kind"] != kind:
            raise InvalidInput.one("kind", f"the mapping is for {data['kind']}, not {kind}")
    try:
        return MappingSpec.model_validate(data)
    except ValidationError as exc:
        raise problems_from_pydantic(exc.errors()) from None  # type: ignore[arg-type]


def load_spec(text: str, kind: str | None = None) -> MappingSpec:
    """A mapping spec from YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput.one("mapping", f"is not valid YAML: {exc}") from None
    return parse_spec(data, kind)


def read(raw: bytes, filename: str, spec: MappingSpec) -> pa.Table:
    """The file as text columns, read as the spec says."""
    return readers.read_table(raw, filename, spec.encoding, spec.sheet)


def run_import(
    session: Session,
    kind: str,
    source: readers.Source,
    filename: str,
    spec: MappingSpec | None,
    *,
    events_dir: Path,
    today: date,
    dry_run: bool = False,
    actor: User | None = None,
    batch_rows: int = event_import.BATCH_ROWS,
    progress: Progress = silent,
) -> ImportReport:
    """Imports a file (its bytes, or its path) all rows or none; raises ImportRejected naming every bad cell.

    Events stream through in batches of `batch_rows` rows, reporting each batch's rows to `progress` (and
    the file's row count first, when the format states it); other records are read whole. A dry run
    checks and counts everything but writes no events; the caller rolls the session back.
    """
    if actor is not None:
        require_importer(actor)
    if kind not in KINDS:
        raise InvalidInput.one("kind", f"must be one of {', '.join(KINDS)}")
    spec = spec or MappingSpec.model_validate({"kind": kind})
    if spec.kind != kind:
        raise InvalidInput.one("kind", f"the mapping is for {spec.kind}, not {kind}")
    if kind == "events":
        report = event_import.import_events(
            session, source, filename, spec,
            events_dir=events_dir, dry_run=dry_run, batch_rows=batch_rows, progress=progress,
        )  # fmt: skip
    else:
        report = _import_records(session, source, filename, spec, today, dry_run)
    if report.problems:
        raise ImportRejected(report)
    if not dry_run:
        summary = {
            "file": filename,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
        }
        auth_service.record(session, actor, "import", kind, None, summary)
    return report


def _import_records(
    session: Session, source: readers.Source, filename: str, spec: MappingSpec, today: date, dry_run: bool
) -> ImportReport:
    kind = spec.kind
    table = read(source if isinstance(source, bytes) else source.read_bytes(), filename, spec)
    report = ImportReport(kind=kind, rows=table.num_rows, dry_run=dry_run)
    problems = mapping.Problems()
    mapped = mapping.apply(table, spec, problems)
    if any(p.row == 0 for p in problems.items):
        pass  # a whole column is unreadable (ambiguous dates): say so, without knock-on row problems
    else:
        rows = records.build_rows(session, spec, table, mapped, problems)
        if not problems.items:
            counts = records.write_rows(session, spec, rows, mapped, problems, today)
            if counts is not None:
                report.created, report.updated, report.unchanged = (
                    counts.created,
                    counts.updated,
                    counts.unchanged,
                )
            if counts is not None and kind == "touches" and not dry_run:
                # Imported calls, IM chats and e-mails are evidence: they complete the SOP steps they match.
                sop_service.match_touches(session, {r["account_id"] for r in rows if r.get("account_id")})
    report.problems = problems.final()
    return report


def preview(
    source: readers.Source, filename: str, spec: MappingSpec, sample: int = 3
) -> dict[str, list[str | None]]:
    """Each column of the file with its first few values, for the mapping step (only they are read)."""
    head = next(readers.batches(source, filename, spec.encoding, spec.sheet, rows=sample).tables, None)
    if head is None:
        return {}
    return {name: head.column(name).to_pylist() for name in head.column_names}


def save_mapping(session: Session, actor: User, name: str, spec: MappingSpec) -> ImportMapping:
    """Saves (or replaces) a named mapping."""
    require_importer(actor)
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput.one("name", "give the mapping a name of 1 to 120 characters")
    saved = repository.mapping_named(session, name)
    if saved is None:
        saved = repository.add_mapping(
            session, ImportMapping(name=name, kind=spec.kind, spec={}, created_by_id=actor.id)
        )
    saved.kind = spec.kind
    saved.spec = spec.model_dump(mode="json", exclude_none=True)
    session.flush()
    return saved


def list_mappings(session: Session, kind: str | None = None) -> list[ImportMapping]:
    """Saved mappings by name, of one kind or all."""
    return repository.mappings(session, kind)


def get_mapping(session: Session, name: str) -> MappingSpec:
    """A saved mapping by name."""
    saved = repository.mapping_named(session, name)
    if saved is None:
        raise NotFound(f"no saved mapping named {name!r}")
    return parse_spec(saved.spec)
