"""Helpers for moving validated fields onto records."""

from __future__ import annotations

from typing import Any


def plain_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Replaces enum members by their stored values (columns hold strings, not enums)."""
    return {k: getattr(v, "value", v) for k, v in fields.items()}


def apply_changes(record: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """Sets the fields that differ on the record and returns them (for the audit log)."""
    changes = {}
    for name, value in fields.items():
        if getattr(record, name) != value:
            changes[name] = value
            setattr(record, name, value)
    return changes
