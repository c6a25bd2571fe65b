"""A snapshot run's fingerprint: one hash of everything the run's result depends on, so a run whose inputs
are all as the last run left them can be skipped (it would write nothing and find no change).

The hash covers the dates asked for; the database's data generation (lodestar.db.generations: any write to
any operational table — accounts, contracts, tickets, touches, survey answers, configuration versions,
alerts, tasks... — moves it); the files of the event store, the roll-ups and the snapshot store (path, size,
modification time); the settings; the engine; and the code (Lodestar's version and its package files).

A run takes it in two halves: the database generation and the event files as the run starts reading (its
own writes are not counted: they follow from its inputs), the roll-ups and snapshot store as it ends (it
writes both). A run cannot vouch for its inputs — another transaction held uncommitted writes as it began,
or a table lacks its counting triggers — records no fingerprint, and the next run is a full one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import lodestar
from lodestar.db import generations
from lodestar.settings import Settings
from lodestar.snapshots.models import SnapshotRun

CODE = Path(lodestar.__file__).parent


@dataclass(frozen=True)
class Places:
    """Where the run reads and writes files: the event store, the roll-ups, the snapshot store."""

    events: Path
    rollups: Path
    store: Path


@dataclass
class Started:
    """The first half, taken as the run starts; None where the run cannot vouch for its inputs."""

    inputs: str | None
    places: Places


def places(settings: Settings, events: Path | None = None, rollups: Path | None = None) -> Places:
    """The run's folders: the analytics engine's when the caller gave one, else the settings'."""
    return Places(
        events or settings.events_dir,
        rollups or settings.data_dir / "rollups",
        settings.data_dir / "snapshots",
    )


def _files(root: Path) -> list[tuple[str, int, int]]:
    """Every file under root (relative path, size, modification time in ns), in a stable order."""
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            stat = os.stat(os.path.join(folder, name))
            out.append((os.path.relpath(os.path.join(folder, name), root), stat.st_size, stat.st_mtime_ns))
    return sorted(out)


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _inputs(
    session: Session, settings: Settings, engine: str, days: Sequence[date], at: Places
) -> str | None:
    conn = session.connection()
    if not generations.complete(conn) or generations.others_writing(session):
        return None
    code = [lodestar.__version__, _files(CODE)]
    settings_json = settings.model_dump_json()
    return _digest(
        [d.isoformat() for d in days],
        engine,
        generations.current(session),
        _files(at.events),
        settings_json,
        code,
    )


def start(session: Session, settings: Settings, engine: str, days: Sequence[date], at: Places) -> Started:
    """The first half, as the run starts reading; stops counting the run's own writes (see `finish`)."""
    generations.quiet(session)
    return Started(_inputs(session, settings, engine, days, at), at)


def finish(session: Session, started: Started) -> str | None:
    """The whole fingerprint, as the run ends (before it commits: counting resumes for its transaction)."""
    generations.loud(session)
    if started.inputs is None:
        return None
    return _digest(started.inputs, _files(started.places.rollups), _files(started.places.store))


def now(session: Session, settings: Settings, engine: str, days: Sequence[date], at: Places) -> str | None:
    """The fingerprint a run of these dates would record if it ran now with nothing changed."""
    inputs = _inputs(session, settings, engine, days, at)
    return None if inputs is None else _digest(inputs, _files(at.rollups), _files(at.store))


def unchanged_since(session: Session, fingerprint: str | None) -> SnapshotRun | None:
    """The newest succeeded run, if it recorded this fingerprint (nothing it depends on changed since)."""
    if fingerprint is None:
        return None
    last = session.scalars(
        select(SnapshotRun).where(SnapshotRun.status == "succeeded").order_by(SnapshotRun.id.desc()).limit(1)
    ).first()
    return last if last is not None and last.fingerprint == fingerprint else None
