"""The files of the data directory in a backup: event store, ingest log, snapshots, roll-ups, evidence.

Every writer here replaces files by renaming a finished temporary file into place, so copying a file
always copies one whole version; temporary and lock files (dot-names, ``*.tmp``) are left out.

The event store is cut at the mover's offset read from the same database snapshot: a ``part-log-S-E``
file is kept when E is at or below that offset and left out otherwise, the ingest log's segments are
copied after it, and the archived checkpoint says "moved up to that offset". After a restore the mover
moves the rest again from the log, so no acknowledged message is lost and none is stored twice.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

INGEST = "ingest"
EVENTS = "events"
_PART_LOG = re.compile(r"part-log-(\d+)-(\d+)\.parquet")
# Files of the running ingest log that belong to the process that owns it, never to a backup.
_INGEST_OWN = {"lock", "durable", "checkpoint.json", "staging"}
SQLITE_FILES = ("lodestar.db", "lodestar.db-wal", "lodestar.db-shm", "lodestar.db-journal")


def _skipped(path: Path) -> bool:
    return path.name.startswith(".") or path.name.endswith((".tmp", ".partial"))


def _copy_tree(source: Path, target: Path, skip: set[Path]) -> int:
    """Copies the regular files under source (dot and temporary names left out); returns how many."""
    copied = 0
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(_skipped(Path(part)) for part in rel.parts) or not path.is_file() or path in skip:
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, dest)
        except FileNotFoundError:  # replaced or removed while we looked: the newer version is not ours
            continue
        copied += 1
    return copied


def top_entries(data_dir: Path, sqlite_file: Path | None) -> list[Path]:
    """What the data directory holds besides the database files (what a restore would replace)."""
    if not data_dir.is_dir():
        return []
    skip = set(SQLITE_FILES) | ({sqlite_file.name} if sqlite_file else set())
    return sorted(p for p in data_dir.iterdir() if p.name not in skip and not _skipped(p))


def copy_events(data_dir: Path, target: Path, moved_offset: int) -> int:
    """Copies the event store up to the mover's offset; returns how many files."""
    source = data_dir / EVENTS
    copied = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*.parquet")):
        if _skipped(path):
            continue
        ranged = _PART_LOG.fullmatch(path.name)
        if ranged and int(ranged.group(2)) > moved_offset:
            continue  # moved after the database snapshot: moved again from the log after a restore
        dest = target / EVENTS / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, dest)
        except FileNotFoundError:
            continue
        copied += 1
    return copied


def copy_ingest_log(data_dir: Path, target: Path, moved_offset: int) -> int:
    """Copies the ingest log's segments (after the event store) and writes the checkpoint at the offset."""
    source = data_dir / INGEST
    if not source.is_dir():
        return 0
    dest = target / INGEST
    dest.mkdir(parents=True, exist_ok=True)
    copied = 0
    for path in sorted(source.iterdir()):
        if path.name in _INGEST_OWN or _skipped(path) or not path.is_file():
            continue
        shutil.copy2(path, dest / path.name)  # a torn last record is cut when the log is opened
        copied += 1
    (dest / "checkpoint.json").write_text(f'{{"offset": {moved_offset}, "pending": null}}')
    return copied


def copy_other_files(data_dir: Path, target: Path, sqlite_file: Path | None) -> int:
    """Copies snapshots, roll-ups, evidence, uploads and the rest (the roll-ups' deferred list, then their
    manifest, before their files)."""
    names = {p.name for p in top_entries(data_dir, sqlite_file)} - {EVENTS, INGEST}
    # An older manifest only makes the next roll-up update redo a few days; a newer one could hide them. An
    # older list of deferred days only has some days written again; a newer one could leave a day unwritten.
    first = [data_dir / "rollups" / name for name in ("deferred.json", "manifest.json")]
    copied = 0
    for path in first:
        if path.is_file():
            (target / "rollups").mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / "rollups" / path.name)
            copied += 1
    for name in sorted(names):
        path = data_dir / name
        if path.is_file():
            shutil.copy2(path, target / name)
            copied += 1
        elif path.is_dir():
            copied += _copy_tree(path, target / name, skip=set(first))
    return copied
