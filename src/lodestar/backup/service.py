"""`lodestar backup` and `lodestar restore`: one archive holds the whole installation.

Backup order matters: the database first (one snapshot, which also gives the mover's offset and the
configuration), then the event store cut at that offset, then the ingest log, then the other files.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from lodestar import __version__
from lodestar.backup import data_files, database_copy
from lodestar.backup.archive import FORMAT, FORMAT_VERSION, BackupError, pack, unpack
from lodestar.config import service as config_service
from lodestar.db.migrate import alembic_config, current_revision, upgrade
from lodestar.kit.time import utcnow
from lodestar.settings import Settings
from lodestar.tables import metadata

CONFIGURATION_MEMBER = "configuration.yaml"


@dataclass(frozen=True)
class DatabaseSnapshot:
    """What is read from the database at the instant it is copied."""

    revision: str | None
    rows: dict[str, int]
    log_id: str | None
    moved_offset: int
    configuration: str


def _log_id(settings: Settings) -> str | None:
    path = settings.data_dir / data_files.INGEST / "log-id"
    return str(orjson.loads(path.read_bytes())) if path.is_file() else None


def _read_snapshot(conn: Connection, log_id: str | None) -> DatabaseSnapshot:
    rows = database_copy.row_counts(conn)
    moved = 0
    if log_id is not None and "event_move_state" in rows:
        state = metadata.tables["event_move_state"]
        found = conn.execute(select(state.c.moved_offset).where(state.c.log_id == log_id)).scalar()
        moved = int(found or 0)
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    with Session(bind=conn) as session:
        configuration = config_service.export_yaml(session)
    return DatabaseSnapshot(revision, rows, log_id, moved, configuration)


def _sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    return database_copy.sqlite_path(engine.url.render_as_string(hide_password=False))


def create_backup(engine: Engine, settings: Settings, out: Path) -> dict[str, Any]:
    """Writes a consistent backup of the database and data directory to `out`; returns its manifest."""
    if out.resolve().is_relative_to(settings.data_dir.resolve()):
        raise BackupError(
            f"--out: {out} is inside the data directory {settings.data_dir}; write it elsewhere"
        )
    if not out.parent.is_dir():
        raise BackupError(f"--out: the folder {out.parent} does not exist")
    log_id = _log_id(settings)
    with tempfile.TemporaryDirectory(prefix=".lodestar-backup-", dir=out.parent) as tmp:
        staging = Path(tmp)
        member, snap = database_copy.dump(engine, staging, lambda conn: _read_snapshot(conn, log_id))
        (staging / CONFIGURATION_MEMBER).write_text(snap.configuration, encoding="utf-8")
        data = staging / "data"
        data.mkdir()
        files = {
            "events": data_files.copy_events(settings.data_dir, data, snap.moved_offset),
            "ingest": data_files.copy_ingest_log(settings.data_dir, data, snap.moved_offset),
            "other": data_files.copy_other_files(settings.data_dir, data, _sqlite_file(engine)),
        }
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "lodestar_version": __version__,
            "created_at": utcnow().isoformat(),
            "database": {
                **database_copy.describe(engine),
                "member": member,
                "revision": snap.revision,
                "rows": snap.rows,
            },
            "events": {"log_id": snap.log_id, "moved_offset": snap.moved_offset},
            "files": files,
        }
        return pack(staging, manifest, out)


def target_contents(engine: Engine, settings: Settings) -> list[str]:
    """What the restore target already holds: tables with rows and data-directory entries."""
    held: list[str] = []
    if current_revision(engine) is not None:
        with engine.connect() as conn:
            held += [f"table {name} ({n} rows)" for name, n in database_copy.row_counts(conn).items() if n]
    held += [
        f"{p.name} in {settings.data_dir}"
        for p in data_files.top_entries(settings.data_dir, _sqlite_file(engine))
    ]
    return held


def _check_fits(engine: Engine, manifest: dict[str, Any], archive: Path) -> None:
    database = manifest["database"]
    if database["dialect"] != engine.dialect.name:
        raise BackupError(
            f"{archive} holds a {database['dialect']} database but LODESTAR_DATABASE_URL names a "
            f"{engine.dialect.name} one; restore into the same kind of database"
        )
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    known = {rev.revision for rev in script.walk_revisions()}
    if database["revision"] not in known:
        raise BackupError(
            f"{archive} was made by a newer Lodestar (database revision {database['revision']}); "
            f"upgrade Lodestar (this is {__version__}) before restoring it"
        )


def restore_backup(engine: Engine, settings: Settings, archive: Path, force: bool = False) -> dict[str, Any]:
    """Restores an archive into the configured database and data directory; refuses a non-empty target."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the data directory, so the files move into place by rename on the same disk.
    tmp = Path(tempfile.mkdtemp(prefix=".lodestar-restore-", dir=settings.data_dir.parent))
    try:
        manifest = unpack(archive, tmp)
        _check_fits(engine, manifest, archive)
        held = target_contents(engine, settings)
        if held and not force:
            raise BackupError(
                "the target is not empty (" + "; ".join(held[:5]) + (" …" if len(held) > 5 else "") + "); "
                "restore into an empty database and data directory, or pass --force to replace them"
            )
        _restore_database(engine, tmp / manifest["database"]["member"], manifest, archive)
        moved = _restore_files(settings, tmp / "data", _sqlite_file(engine))
        upgrade(engine)  # an archive from an older Lodestar is brought up to this version's schema
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = manifest["database"]["rows"]
    return {
        "archive": str(archive),
        "created_at": manifest["created_at"],
        "database": database_copy.describe(engine)["url"],
        "revision": current_revision(engine),
        "rows": sum(rows.values()),
        "tables": len(rows),
        "files": moved,
    }


def _restore_database(engine: Engine, source: Path, manifest: dict[str, Any], archive: Path) -> None:
    if engine.dialect.name == "postgresql" and current_revision(engine) is not None:
        from lodestar.db.migrate import downgrade

        # Tables a newer schema added would survive pg_restore --clean and break the upgrade that follows.
        downgrade(engine, "base")
    database_copy.restore(engine, source)
    with engine.connect() as conn:
        restored = database_copy.row_counts(conn)
    expected = manifest["database"]["rows"]
    wrong = sorted(name for name, n in expected.items() if restored.get(name) != n)
    if wrong:
        raise BackupError(
            f"{archive}: the restored database does not match the manifest (tables {wrong[:5]})"
        )


def _restore_files(settings: Settings, source: Path, sqlite_file: Path | None) -> int:
    for entry in data_files.top_entries(settings.data_dir, sqlite_file):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    moved = 0
    if source.is_dir():
        for entry in sorted(source.iterdir()):
            entry.replace(settings.data_dir / entry.name)
            moved += sum(1 for p in (settings.data_dir / entry.name).rglob("*") if p.is_file()) or 1
    return moved
