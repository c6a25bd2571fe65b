"""Helpers for import tests: run an import on the test session and count rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.imports import service
from lodestar.imports.schemas import ImportReport

TODAY = date(2025, 1, 1)


def run(
    db: Session,
    kind: str,
    raw: bytes,
    filename: str,
    events_dir: Path,
    mapping: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Imports (committing) or dry-runs (rolling back) a file on the test session."""
    spec = service.load_spec(mapping, kind) if mapping else None
    report = service.run_import(
        db, kind, raw, filename, spec, events_dir=events_dir, today=TODAY, dry_run=dry_run
    )
    db.rollback() if dry_run else db.commit()
    return report


def rejected(db: Session, *args: object, **kw: object) -> ImportReport:
    """The report of an import that must be refused (the session is rolled back)."""
    with pytest.raises(service.ImportRejected) as caught:
        run(db, *args, **kw)  # type: ignore[arg-type]
    db.rollback()
    return caught.value.report


def count(db: Session, model: type) -> int:
    """Rows in a table."""
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


from tests.api_fixtures import client, quick_password_hashes, team  # noqa: E402  (the API tests' fixtures)

__all__ = ["client", "quick_password_hashes", "run", "team"]
