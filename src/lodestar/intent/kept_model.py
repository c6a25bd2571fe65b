"""The intent model the daily run keeps between runs, beside the snapshots (`<snapshots>/../models/`).

Written with joblib under a temporary name and renamed, so a reader never sees half a file. It is the
company's own file in its own data directory, read back only by Lodestar.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import joblib

from lodestar.intent.model import Fitted

NAME = "intent-stars.joblib"


@dataclass
class Kept:
    """A fitted intent model, the date it learnt at, the configuration version and its training rows."""

    fitted: Fitted
    trained_on: date
    config_version: int
    rows: int


def path_of(root: Path) -> Path:
    """Where the kept model lives for this snapshot store."""
    return root.parent / "models" / NAME


def save(root: Path, kept: Kept) -> None:
    """Keeps the model, replacing the previous one in one rename."""
    target = path_of(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    joblib.dump(kept, temporary)
    os.replace(temporary, target)


def load(root: Path) -> Kept | None:
    """The kept model, or None when there is none or it cannot be read (it is then learnt again)."""
    target = path_of(root)
    if not target.exists():
        return None
    try:
        found = joblib.load(target)
    except Exception:  # a file from another library version: learning again is always safe
        return None
    return found if isinstance(found, Kept) else None
