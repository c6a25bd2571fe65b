"""A backup restored into an empty installation holds every row, every event and every data file."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from lodestar.backup.archive import BackupError
from lodestar.backup.service import create_backup, restore_backup
from lodestar.config import service as config_service
from lodestar.db.engine import make_engine, session_factory
from lodestar.db.migrate import current_revision
from lodestar.events.ingest.log import IngestLog, write_json_atomic
from lodestar.events.ingest.mover import Mover, read_checkpoint
from tests.backup.conftest import (
    add_account_with_contacts,
    all_events,
    all_rows,
    fill,
    log_record,
    move_everything,
    settings_for,
)
from tests.conftest import wipe


def _backup_taken_while_the_mover_writes(data_dir: Path, engine: Engine) -> None:
    """Leaves the mover between its two steps: a range's Parquet file written, the database not yet told.

    Then one more message arrives. A backup must not keep that file: after a restore the mover moves the
    log again from the database's offset, in a range that ends elsewhere, under another file name.
    """
    log = IngestLog(data_dir / "ingest").open()
    try:
        log.append(log_record("half-moved", 2))
        mover = Mover(log, session_factory(engine), data_dir / "events")
        start = read_checkpoint(log.folder)["offset"]
        records = log.read(start)
        end = records[-1].end
        write_json_atomic(log.folder / "checkpoint.json", {"offset": start, "pending": [start, end]})
        table, _ = mover._rows(records, start, end)
        mover._write(table, start, end)  # the backup's database snapshot is taken here
        log.append(log_record("late", 1))
    finally:
        log.close()


def test_a_backup_restored_into_an_empty_installation_holds_every_row_event_and_file(
    engine: Engine, db_url: str, postgres_or_sqlite_fresh: str, tmp_path: Path
) -> None:
    wipe(engine)
    source = tmp_path / "source"
    fill(engine, source)
    _backup_taken_while_the_mover_writes(source, engine)
    archive = tmp_path / "lodestar.tar.gz"
    manifest = create_backup(engine, settings_for(source, db_url), archive)
    assert manifest["database"]["rows"]["accounts"] == 4
    assert manifest["database"]["rows"]["contacts"] == 2

    target = tmp_path / "restored"
    target_engine = make_engine(postgres_or_sqlite_fresh)
    report = restore_backup(target_engine, settings_for(target, postgres_or_sqlite_fresh), archive)
    assert report["rows"] == sum(manifest["database"]["rows"].values())

    # Both sides store what the ingest log still held: the restored mover starts at the archived offset.
    move_everything(source, engine)
    move_everything(target, target_engine)
    assert all_rows(target_engine) == all_rows(engine)
    events = all_events(target)
    assert events == all_events(source)
    assert len(events) == 30 + 4 + 3 + 2 + 1  # imported, moved, waiting, half-moved, late: none lost or twice
    for name in ("snapshots/as_of=2026-03-01/snapshot.parquet", "evidence/7/minutes.pdf"):
        assert (target / name).read_bytes() == (source / name).read_bytes()
    with session_factory(target_engine)() as session:
        restored_yaml = config_service.export_yaml(session)
    with tarfile.open(archive) as tar, tar.extractfile("configuration.yaml") as fh:  # type: ignore[union-attr]
        assert fh.read().decode() == restored_yaml
    target_engine.dispose()


def test_restore_refuses_a_target_that_holds_data_unless_forced(
    engine: Engine, db_url: str, postgres_or_sqlite_fresh: str, tmp_path: Path
) -> None:
    wipe(engine)
    fill(engine, tmp_path / "source")
    archive = tmp_path / "lodestar.tar.gz"
    create_backup(engine, settings_for(tmp_path / "source", db_url), archive)
    target_settings = settings_for(tmp_path / "restored", postgres_or_sqlite_fresh)
    target_engine = make_engine(postgres_or_sqlite_fresh)
    restore_backup(target_engine, target_settings, archive)
    add_account_with_contacts(target_engine, "Written after the restore")
    before = all_rows(target_engine)

    with pytest.raises(BackupError, match=r"the target is not empty \(.*table accounts \(5 rows\).*--force"):
        restore_backup(target_engine, target_settings, archive)
    assert all_rows(target_engine) == before

    restore_backup(target_engine, target_settings, archive, force=True)
    assert all_rows(target_engine) == all_rows(engine)
    target_engine.dispose()


def _sqlite(tmp_path: Path, name: str) -> tuple[Engine, Path]:
    return make_engine(f"sqlite:///{tmp_path / name}.db"), tmp_path / name


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda a: a.write_bytes(b"not an archive at all"), "damaged or not a tar file"),
        (lambda a: a.write_bytes(a.read_bytes()[: a.stat().st_size // 2]), "damaged or not a tar file"),
        (lambda a: _repack(a, drop="manifest.json"), "not a Lodestar backup"),
        (lambda a: _repack(a, replace=("manifest.json", b'{"format": "other"}')), "not a Lodestar backup"),
        (
            lambda a: _repack(a, replace=("configuration.yaml", b"tampered")),
            "configuration.yaml does not match",
        ),
        (lambda a: _repack(a, drop="database/lodestar.sqlite3"), "lodestar.sqlite3 is missing"),
        (lambda a: _edit_manifest(a, "dialect", "postgresql"), "a postgresql database but LODESTAR_DATA"),
        (lambda a: _edit_manifest(a, "revision", "9999"), r"newer Lodestar \(database revision 9999"),
    ],
)
def test_restore_refuses_a_damaged_or_foreign_archive_and_writes_nothing(
    tmp_path: Path, spoil: object, message: str
) -> None:
    from lodestar.db.migrate import upgrade

    source_engine, source_dir = _sqlite(tmp_path, "source")
    upgrade(source_engine)
    add_account_with_contacts(source_engine, "Acme")
    archive = tmp_path / "lodestar.tar.gz"
    create_backup(source_engine, settings_for(source_dir, str(source_engine.url)), archive)
    spoil(archive)  # type: ignore[operator]

    target_engine, target_dir = _sqlite(tmp_path, "target")
    with pytest.raises(BackupError, match=message):
        restore_backup(target_engine, settings_for(target_dir, str(target_engine.url)), archive)
    assert current_revision(target_engine) is None
    assert list(target_dir.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".lodestar-restore-")] == []


def _repack(archive: Path, drop: str | None = None, replace: tuple[str, bytes] | None = None) -> None:
    import io

    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in members:
            if member.name == drop:
                continue
            if replace and member.name == replace[0]:
                data = replace[1]
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def _edit_manifest(archive: Path, key: str, value: str) -> None:
    import json

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    manifest["database"][key] = value
    _repack(archive, replace=("manifest.json", json.dumps(manifest).encode()))
