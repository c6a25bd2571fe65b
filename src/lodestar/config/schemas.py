"""What the configuration store shows: stored versions and the report of an apply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class ConfigVersionRead(BaseModel):
    """One stored version of one kind."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    version: int
    body: dict[str, Any]
    author: str | None
    created_at: datetime | None
    active: bool


class ApplyReport(BaseModel):
    """What `apply` did (or would do): the kinds changed, with their new versions."""

    dry_run: bool
    changed: dict[str, int]
    unchanged: list[str]
