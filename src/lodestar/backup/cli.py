"""`lodestar backup` and `lodestar restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lodestar.cli_support import JsonOpt, emit, fail, migrated_engine, settings_or_exit


def backup(
    out: Annotated[Path, typer.Option("--out", help="The archive to write (a .tar.gz file).")],
    as_json: JsonOpt = False,
) -> None:
    """Writes the database, event store, data files and configuration to one archive (safe while serving)."""
    from lodestar.backup.archive import BackupError
    from lodestar.backup.service import create_backup

    settings = settings_or_exit()
    engine = migrated_engine(settings)
    try:
        manifest = create_backup(engine, settings, out)
    except BackupError as exc:
        fail(exc.message)
    rows = manifest["database"]["rows"]
    size = out.stat().st_size
    payload = {
        "out": str(out),
        "bytes": size,
        "tables": len(rows),
        "rows": sum(rows.values()),
        "files": manifest["files"],
    }
    emit(
        as_json,
        payload,
        f"wrote {out} ({size / 1e6:.1f} MB): {sum(rows.values()):,} rows in {len(rows)} tables, "
        f"{sum(manifest['files'].values()):,} data files",
    )


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by `lodestar backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database and data directory that already hold data.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Restores an archive into the configured database and data directory (stop the server first)."""
    from lodestar.backup.archive import BackupError
    from lodestar.backup.service import restore_backup
    from lodestar.db.engine import engine_for

    settings = settings_or_exit()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_for(settings.resolved_database_url)
    try:
        report = restore_backup(engine, settings, archive, force=force)
    except BackupError as exc:
        fail(exc.message)
    emit(
        as_json,
        report,
        f"restored {archive} (taken {report['created_at']}): {report['rows']:,} rows in "
        f"{report['tables']} tables, {report['files']:,} data files; "
        f"database at revision {report['revision']}",
    )
