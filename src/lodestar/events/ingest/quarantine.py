"""The dead-letter folder: messages the mover could not store, kept aside so they never stall it.

Each moved log range that held such messages gets one file,
``<data dir>/dead-letter/range-<start>-<end>.jsonl``: one JSON line per message (when, source, reason and
the message itself), written under a temporary name, fsynced and renamed. The name is fixed by the range,
so moving a range again after a crash rewrites the same file instead of counting its messages twice. The
files are the durable counter: their lines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

DEAD_LETTER = "dead-letter"
_PREFIX = "range-"


def dead_letter_dir(data_dir: Path) -> Path:
    """Where the dead-letter files of this data dir live."""
    return data_dir / DEAD_LETTER


def write_range(folder: Path, start: int, end: int, entries: list[dict[str, Any]]) -> Path | None:
    """Durably writes the quarantined messages of one log range; returns the file (None if none)."""
    if not entries:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_PREFIX}{start:016d}-{end:016d}.jsonl"
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(b"".join(orjson.dumps(e, default=str) + b"\n" for e in entries))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


@dataclass
class Quarantined:
    """How many messages were quarantined in all, and the newest few of them."""

    count: int
    newest: list[dict[str, Any]]


def summary(folder: Path, limit: int = 20) -> Quarantined:
    """Counts the quarantined messages and returns the newest `limit` of them, newest first."""
    if not folder.is_dir():
        return Quarantined(0, [])
    count = 0
    newest: list[dict[str, Any]] = []
    for path in sorted(folder.glob(f"{_PREFIX}*.jsonl"), reverse=True):  # names sort by log offset
        lines = path.read_bytes().splitlines()
        count += len(lines)
        for line in reversed(lines):
            if len(newest) < limit:
                newest.append(orjson.loads(line))
    return Quarantined(count, newest)
