"""JSON objects built by the database from a row's columns, so a set-based INSERT … SELECT needs no Python
per row: json_object on SQLite (compact JSON text), jsonb_build_object on PostgreSQL (JSONB)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, literal
from sqlalchemy.orm import Session

from lodestar.db.base import JSONType


def json_object(session: Session, values: Mapping[str, ColumnElement[Any]]) -> ColumnElement[Any]:
    """The JSON object {name: value, ...} of each row, in this order (a NULL value is JSON null)."""
    # Names are cast to text: PostgreSQL cannot infer the type of a bare parameter passed as "any".
    args = [part for name, value in values.items() for part in (cast(literal(name), String), value)]
    build = func.json_object if session.get_bind().dialect.name == "sqlite" else func.jsonb_build_object
    return build(*args, type_=JSONType)
