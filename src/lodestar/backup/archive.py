"""The backup archive: one tar file of named members and a manifest with each member's size and SHA-256.

Layout: ``manifest.json`` (what this is, which database and revision, row counts, the members),
``database/…`` (a SQLite file or a pg_dump custom-format dump), ``configuration.yaml`` (the configuration
document, for reading) and ``data/…`` (the files of the data directory).
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import zlib
from pathlib import Path
from typing import Any

import orjson

from lodestar.kit.errors import LodestarError

FORMAT = "lodestar-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class BackupError(LodestarError):
    """A backup or restore cannot go ahead; the message says why and what to do."""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pack(staging: Path, manifest: dict[str, Any], out: Path) -> dict[str, Any]:
    """Writes every file under staging and the manifest into the archive `out` (atomically)."""
    members: dict[str, dict[str, Any]] = {}
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    for path in files:
        members[path.relative_to(staging).as_posix()] = {
            "size": path.stat().st_size,
            "sha256": sha256_of(path),
        }
    manifest = {**manifest, "members": members}
    (staging / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    tmp = out.with_name(f".{out.name}.partial")
    try:
        # Fast gzip: the Parquet files are compressed already; the database dump is what shrinks.
        with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:
            tar.add(staging / MANIFEST, arcname=MANIFEST)
            for path in files:
                tar.add(path, arcname=path.relative_to(staging).as_posix())
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"{archive}: not a Lodestar backup (it has no {MANIFEST})") from None
    handle = tar.extractfile(member)
    try:
        manifest = orjson.loads(handle.read()) if handle else None
    except orjson.JSONDecodeError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: not a Lodestar backup (its {MANIFEST} is not a {FORMAT} manifest)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive}: backup format version {manifest.get('format_version')!r} is not supported "
            f"(this Lodestar reads version {FORMAT_VERSION})"
        )
    return manifest


def unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Extracts and verifies an archive into an empty folder; returns its manifest.

    Refuses, naming the problem, anything that is not a complete, unaltered Lodestar backup.
    """
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    try:
        with tarfile.open(archive, "r:*") as tar:
            manifest = _read_manifest(tar, archive)
            # The "data" filter refuses absolute paths, links out of the folder and device files.
            tar.extractall(into, filter="data")
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        detail = str(exc).splitlines()[0].rstrip(":")  # tarfile lists every compression it tried
        raise BackupError(f"{archive}: the archive is damaged or not a tar file ({detail})") from None
    _verify(archive, into, manifest)
    return manifest


def _verify(archive: Path, into: Path, manifest: dict[str, Any]) -> None:
    members: dict[str, dict[str, Any]] = manifest.get("members") or {}
    found = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {MANIFEST}
    unexpected = sorted(found - set(members))
    if unexpected:
        raise BackupError(f"{archive}: the archive holds files its manifest does not list: {unexpected[:3]}")
    for name, expected in sorted(members.items()):
        path = into / name
        if not path.is_file():
            raise BackupError(f"{archive}: the archive is incomplete: {name} is missing")
        if path.stat().st_size != expected["size"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{archive}: the archive is damaged: {name} does not match its checksum")
