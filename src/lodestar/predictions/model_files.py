"""The trained model's file under the data directory (never in the database): written once per version,
read back only when its sha256 matches the checksum stored with the version."""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any

import joblib

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text

FOLDER = "models"
LIBRARIES = ("lightgbm", "scikit-learn", "numpy", "pandas", "joblib")


def relative_path(version: int) -> str:
    return f"{FOLDER}/churn-v{version}.joblib"


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(data_dir: Path, version: int, bundle: dict[str, Any]) -> tuple[str, str]:
    """(path relative to the data directory, sha256) of the written bundle."""
    target = data_dir / relative_path(version)
    target.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, target, compress=3)
    return relative_path(version), checksum(target)


def load(data_dir: Path, relative: str, expected: str) -> dict[str, Any]:
    """The bundle, refused when the file is missing or is not the one stored (its checksum differs)."""
    path = data_dir / relative
    if not path.exists():
        raise InvalidInput.one("model", Text("the model file %(path)s is missing", path=str(path)))
    if checksum(path) != expected:
        raise InvalidInput.one("model", Text("the model file %(path)s was changed", path=str(path)))
    loaded: dict[str, Any] = joblib.load(path)
    return loaded


def library_versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in LIBRARIES}
