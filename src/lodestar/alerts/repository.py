"""Queries on alerts: the inbox's filtered, ordered pages, counts, and one account's alerts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, case, func, select
from sqlalchemy.orm import Session

from lodestar.alerts.models import LIVE_STATES, Alert, AlertState

AlertRows = Select[tuple[Alert, Any]]
# The inbox shows what needs doing first: new before acknowledged before snoozed, critical before info.
_STATE_RANK = {"open": 0, "acknowledged": 1, "snoozed": 2, "resolved": 3}
_SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
# Alerts that need attention now: live and not snoozed.
AWAKE_STATES = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value)


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts a query keeps; None leaves a field unfiltered."""

    states: tuple[str, ...] | None = LIVE_STATES
    severity: str | None = None
    rule_key: str | None = None
    account_id: int | None = None
    owned: Select[Any] | None = None  # account ids of the owner picked (the CSM filter)
    scope: Select[Any] | None = None  # account ids the viewer may see (None: every account)


def alert_rows(standing: Subquery, flt: AlertFilter) -> AlertRows:
    """Alerts with their account's ARR, filtered."""
    stmt: AlertRows = select(Alert, standing.c.arr).outerjoin(
        standing, standing.c.account_id == Alert.account_id
    )
    return stmt.where(*conditions(flt))


def conditions(flt: AlertFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter."""
    found: list[ColumnElement[bool]] = []
    if flt.states is not None:
        found.append(Alert.state.in_(flt.states))
    if flt.severity is not None:
        found.append(Alert.severity == flt.severity)
    if flt.rule_key is not None:
        found.append(Alert.rule_key == flt.rule_key)
    if flt.account_id is not None:
        found.append(Alert.account_id == flt.account_id)
    if flt.owned is not None:
        found.append(Alert.account_id.in_(flt.owned))
    if flt.scope is not None:
        found.append(Alert.account_id.in_(flt.scope))
    return found


def inbox_order() -> list[ColumnElement[Any]]:
    """New first, then by severity, newest raised first."""
    return [
        case(_STATE_RANK, value=Alert.state, else_=9),
        case(_SEVERITY_RANK, value=Alert.severity, else_=9),
        Alert.raised_on.desc(),
        Alert.id.desc(),
    ]


def page(session: Session, stmt: AlertRows, limit: int, offset: int) -> tuple[list[tuple[Any, ...]], int]:
    """One page of an alert query in the inbox's order, and how many match in all."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ordered = stmt.order_by(*inbox_order()).limit(limit).offset(offset)
    return [tuple(r) for r in session.execute(ordered)], int(total)


def first(session: Session, stmt: AlertRows, limit: int) -> list[tuple[Any, ...]]:
    """The first rows of an alert query in the inbox's order (no count: the caller knows it)."""
    return [tuple(r) for r in session.execute(stmt.order_by(*inbox_order()).limit(limit))]


def get(session: Session, alert_id: int) -> Alert | None:
    """One alert."""
    return session.get(Alert, alert_id)


def get_many(session: Session, alert_ids: Collection[int]) -> dict[int, Alert]:
    """These alerts, by id (one query)."""
    if not alert_ids:
        return {}
    stmt = select(Alert).where(Alert.id.in_(sorted(alert_ids)))
    return {a.id: a for a in session.scalars(stmt)}


def counts_by_severity(session: Session, flt: AlertFilter) -> dict[tuple[str, str], int]:
    """(severity, state) -> how many alerts of a filter, in one statement."""
    stmt = (
        select(Alert.severity, Alert.state, func.count())
        .where(*conditions(flt))
        .group_by(Alert.severity, Alert.state)
    )
    return {(sev, state): int(n) for sev, state, n in session.execute(stmt)}


def live_raised_since(session: Session, day: date) -> list[Alert]:
    """The live alerts raised on or after `day`, oldest first."""
    stmt = select(Alert).where(Alert.state.in_(LIVE_STATES), Alert.raised_on >= day).order_by(Alert.id)
    return list(session.scalars(stmt))
