"""Queries for tickets, touches and survey answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.db.bulk import insert_returning_ids
from lodestar.engagement.models import Ticket

# Keeps every IN (...) list under SQLite's limit on bound parameters.
ID_BATCH = 10_000


def insert_many(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-inserts rows and returns their new ids in input order."""
    return insert_returning_ids(session, model, rows)


def taken_ticket_ids(session: Session, external_ids: Iterable[str]) -> set[str]:
    """Which of these external ticket ids are already stored."""
    wanted = sorted(set(external_ids))
    found: set[str] = set()
    for i in range(0, len(wanted), ID_BATCH):
        batch = wanted[i : i + ID_BATCH]
        found.update(session.scalars(select(Ticket.external_id).where(Ticket.external_id.in_(batch))))
    return found
