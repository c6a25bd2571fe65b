"""Queries for saved import mappings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.imports.models import ImportMapping


def mapping_named(session: Session, name: str) -> ImportMapping | None:
    """Gets the saved mapping of this name."""
    return session.scalar(select(ImportMapping).where(ImportMapping.name == name))


def mappings(session: Session, kind: str | None = None) -> list[ImportMapping]:
    """Lists saved mappings by name, of one kind or all."""
    query = select(ImportMapping).order_by(ImportMapping.name)
    if kind:
        query = query.where(ImportMapping.kind == kind)
    return list(session.scalars(query))


def add_mapping(session: Session, mapping: ImportMapping) -> ImportMapping:
    """Adds a new saved mapping to the session."""
    session.add(mapping)
    return mapping
