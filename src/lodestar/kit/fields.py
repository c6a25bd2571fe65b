"""Helpers for moving validated fields onto records."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator


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


def _refuse_none(cls: type, value: Any) -> Any:
    if value is None:
        raise ValueError("must not be null; leave the field out to keep it as it is")
    return value


def refuse_null(*names: str) -> Any:
    """A validator for fields stored NOT NULL: an explicit null is refused, an absent field stays absent."""
    return field_validator(*names, mode="before")(_refuse_none)


def _blank_none(cls: type, value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def blank_as_none(*names: str) -> Any:
    """A validator reading an empty string as no value (for unique keys, where "" would collide)."""
    return field_validator(*names, mode="before")(_blank_none)
