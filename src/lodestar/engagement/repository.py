"""Queries for tickets, touches and survey answers."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.db.batches import rows_among
from lodestar.db.bulk import insert_returning_ids
from lodestar.engagement.models import SurveyResponse, Ticket, Touch

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


def _among(stmt: Any, column: Any, account_ids: Collection[int] | None) -> Any:
    """The statement limited to these accounts (None: every account)."""
    return stmt if account_ids is None else stmt.where(column.in_(sorted(account_ids)))


def analytics_tickets(session: Session, account_ids: Collection[int] | None = None) -> list[tuple[Any, ...]]:
    """(account_id, severity, opened_at, first_response_at, resolved_at) of each ticket (these accounts')."""
    cols = (
        Ticket.account_id,
        Ticket.severity,
        Ticket.opened_at,
        Ticket.first_response_at,
        Ticket.resolved_at,
    )
    return [tuple(r) for r in session.execute(_among(select(*cols), Ticket.account_id, account_ids))]


def analytics_touches(session: Session, account_ids: Collection[int] | None = None) -> list[tuple[Any, ...]]:
    """(account_id, kind, occurred_at) of every touch (or these accounts')."""
    stmt = select(Touch.account_id, Touch.kind, Touch.occurred_at)
    return [tuple(r) for r in session.execute(_among(stmt, Touch.account_id, account_ids))]


def analytics_surveys(session: Session, account_ids: Collection[int] | None = None) -> list[tuple[Any, ...]]:
    """(account_id, id, kind, score, answered_at) of every survey answer (or these accounts')."""
    cols = (
        SurveyResponse.account_id,
        SurveyResponse.id,
        SurveyResponse.kind,
        SurveyResponse.score,
        SurveyResponse.answered_at,
    )
    stmt = _among(select(*cols), SurveyResponse.account_id, account_ids)
    return [tuple(r) for r in session.execute(stmt)]


def touches_of(
    session: Session, account_id: int, kinds: Iterable[str] | None = None, limit: int = 50
) -> list[Touch]:
    """An account's touches, newest first, optionally of some kinds only."""
    query = select(Touch).where(Touch.account_id == account_id)
    if kinds is not None:
        query = query.where(Touch.kind.in_(list(kinds)))
    return list(session.scalars(query.order_by(Touch.occurred_at.desc(), Touch.id.desc()).limit(limit)))


def touches_since(
    session: Session, account_ids: Collection[int], kinds: Collection[str], since: datetime
) -> list[Any]:
    """Touches of these kinds on these accounts since an instant, oldest first, as light rows
    (id, account_id, user_id, kind, occurred_at, subject, step)."""
    cols = (
        Touch.id,
        Touch.account_id,
        Touch.user_id,
        Touch.kind,
        Touch.occurred_at,
        Touch.subject,
        Touch.step,
    )
    ordered = sorted(account_ids)
    out: list[Any] = []
    for i in range(0, len(ordered), ID_BATCH):
        stmt = select(*cols).where(
            Touch.account_id.in_(ordered[i : i + ID_BATCH]),
            Touch.kind.in_(sorted(kinds)),
            Touch.occurred_at >= since,
        )
        out.extend(session.execute(stmt))
    out.sort(key=lambda t: (t.occurred_at, t.id))
    return out


def touches_between(session: Session, start: datetime, stop: datetime) -> list[tuple[Any, ...]]:
    """(account_id, user_id, occurred_at) of every touch in [start, stop)."""
    stmt = select(Touch.account_id, Touch.user_id, Touch.occurred_at).where(
        Touch.occurred_at >= start, Touch.occurred_at < stop
    )
    return [tuple(r) for r in session.execute(stmt)]


def last_touch_at(session: Session, account_ids: Collection[int]) -> dict[int, datetime]:
    """The instant of each of these accounts' latest touch (accounts never touched are absent)."""
    ordered = sorted(account_ids)
    out: dict[int, datetime] = {}
    for i in range(0, len(ordered), ID_BATCH):
        stmt = (
            select(Touch.account_id, func.max(Touch.occurred_at))
            .where(Touch.account_id.in_(ordered[i : i + ID_BATCH]))
            .group_by(Touch.account_id)
        )
        out.update({a: at for a, at in session.execute(stmt)})
    return out


def tickets_of(session: Session, account_id: int, limit: int) -> tuple[list[Ticket], int]:
    """An account's latest tickets, newest first, and how many it has in all."""
    total = session.scalar(select(func.count()).where(Ticket.account_id == account_id)) or 0
    stmt = select(Ticket).where(Ticket.account_id == account_id)
    return list(session.scalars(stmt.order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(limit))), total


def surveys_of(session: Session, account_id: int, limit: int) -> list[SurveyResponse]:
    """An account's latest NPS and CSAT answers, newest first."""
    stmt = select(SurveyResponse).where(SurveyResponse.account_id == account_id)
    return list(
        session.scalars(
            stmt.order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc()).limit(limit)
        )
    )


def ticket_counts(
    session: Session,
    start: datetime,
    split: datetime,
    stop: datetime,
    at_least: int,
    account_ids: Collection[int] | None,
) -> list[tuple[int, int, int]]:
    """(account_id, tickets opened in [start, split), in [split, stop)) of the accounts with at least
    `at_least` tickets in [split, stop)."""
    before, later = (
        func.count().filter(Ticket.opened_at < split),
        func.count().filter(Ticket.opened_at >= split),
    )
    stmt = (
        select(Ticket.account_id, before, later)
        .where(Ticket.opened_at >= start, Ticket.opened_at < stop)
        .group_by(Ticket.account_id)
        .having(later >= at_least)
    )
    return [(a, b, c) for a, b, c in rows_among(session, stmt, Ticket.account_id, account_ids)]


def survey_answers(
    session: Session,
    kind: str,
    max_score: int,
    start: datetime,
    stop: datetime,
    account_ids: Collection[int] | None,
) -> list[tuple[int, int, datetime]]:
    """(account_id, score, answered_at) of the answers of a kind scored at most max_score in [start, stop)."""
    answer = SurveyResponse
    stmt = select(answer.account_id, answer.score, answer.answered_at).where(
        answer.kind == kind, answer.score <= max_score, answer.answered_at >= start, answer.answered_at < stop
    )
    return [(a, s, t) for a, s, t in rows_among(session, stmt, answer.account_id, account_ids)]
