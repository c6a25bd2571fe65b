"""Queries on win-backs and churn surveys."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from lodestar.db.bulk import insert_returning_ids
from lodestar.db.upsert import update_by_id
from lodestar.renewals.winback.models import ChurnSurvey, WinBack, WinBackOutcome
from lodestar.renewals.winback.schemas import WinBackQuery

BATCH = 5_000  # under SQLite's bound-parameter limit


def opened_contracts(session: Session, contract_ids: Collection[int]) -> set[int]:
    """Those of these contracts that already have their win-back."""
    wanted, found = sorted(contract_ids), set[int]()
    for i in range(0, len(wanted), BATCH):
        stmt = select(WinBack.contract_id).where(WinBack.contract_id.in_(wanted[i : i + BATCH]))
        found.update(session.scalars(stmt))
    return found


def insert_win_backs(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-inserts win-backs; their ids in input order."""
    return insert_returning_ids(session, WinBack, rows)


def update_win_backs(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-updates win-backs by id (each dict carries its id and the columns it changes)."""
    update_by_id(session, WinBack, rows)


def unsettled(session: Session) -> list[Any]:
    """The win-backs whose story may still move: open ones, and leads not yet reactivated."""
    cols = (
        WinBack.id,
        WinBack.account_id,
        WinBack.contract_id,
        WinBack.churned_on,
        WinBack.window_ends_on,
        WinBack.outcome,
    )
    stmt = select(*cols).where(
        (WinBack.outcome == WinBackOutcome.OPEN.value)
        | ((WinBack.outcome == WinBackOutcome.LOST.value) & WinBack.lead_reactivated_on.is_(None))
    )
    return list(session.execute(stmt))


def leads_to_notify(session: Session) -> list[WinBack]:
    """Leads in the pool whose webhook has not been written yet."""
    stmt = select(WinBack).where(
        WinBack.outcome == WinBackOutcome.LOST.value, WinBack.lead_notified_at.is_(None)
    )
    return list(session.scalars(stmt.order_by(WinBack.id)))


def without_survey(session: Session, churned_from: date, churned_to: date) -> list[WinBack]:
    """Win-backs of churns in [from, to] that have no survey yet."""
    has = select(ChurnSurvey.win_back_id).where(ChurnSurvey.win_back_id == WinBack.id).exists()
    stmt = select(WinBack).where(WinBack.churned_on >= churned_from, WinBack.churned_on <= churned_to, ~has)
    return list(session.scalars(stmt.order_by(WinBack.id)))


def win_backs_by_ids(session: Session, ids: Collection[int]) -> list[WinBack]:
    """The win-backs with these ids (those that exist)."""
    wanted, found = sorted(ids), list[WinBack]()
    for i in range(0, len(wanted), BATCH):
        found.extend(session.scalars(select(WinBack).where(WinBack.id.in_(wanted[i : i + BATCH]))))
    return found


def surveyed(session: Session, win_back_ids: Collection[int]) -> set[int]:
    """Those of these win-backs that have a survey."""
    wanted, found = sorted(win_back_ids), set[int]()
    for i in range(0, len(wanted), BATCH):
        stmt = select(ChurnSurvey.win_back_id).where(ChurnSurvey.win_back_id.in_(wanted[i : i + BATCH]))
        found.update(session.scalars(stmt))
    return found


def insert_surveys(session: Session, rows: list[dict[str, Any]]) -> None:
    """Inserts churn surveys in bulk."""
    if rows:
        session.execute(insert(ChurnSurvey), rows)


def facts(session: Session) -> list[Any]:
    """(id, account_id, contract_id, churned_on, churn_reason, owner_id, outcome) of every win-back."""
    cols = (
        WinBack.id, WinBack.account_id, WinBack.contract_id, WinBack.churned_on, WinBack.churn_reason,
        WinBack.owner_id, WinBack.outcome,
    )  # fmt: skip
    return list(session.execute(select(*cols).order_by(WinBack.id)))


def add(session: Session, record: Any) -> None:
    """Adds a record and flushes it (so it has its id)."""
    session.add(record)
    session.flush()


def survey(session: Session, survey_id: int) -> ChurnSurvey | None:
    """A churn survey by id."""
    return session.get(ChurnSurvey, survey_id)


def win_back(session: Session, win_back_id: int) -> WinBack | None:
    """A win-back by id."""
    return session.get(WinBack, win_back_id)


def lead_pool(account_ids: Select[Any] | None) -> Select[Any]:
    """The win-backs now in the lead pool (of these accounts, or all), newest leads first."""
    stmt = select(WinBack).where(
        WinBack.outcome == WinBackOutcome.LOST.value, WinBack.lead_reactivated_on.is_(None)
    )
    if account_ids is not None:
        stmt = stmt.where(WinBack.account_id.in_(account_ids))
    return stmt.order_by(WinBack.lead_since.desc(), WinBack.id.desc())


def page_of(session: Session, stmt: Select[Any], limit: int | None, offset: int) -> tuple[list[Any], int]:
    """One page of a statement's objects and the total count."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return list(session.scalars(stmt)), int(total)


def churns_between(session: Session, first: date, last: date) -> list[WinBack]:
    """The win-backs of churns in [first, last]."""
    stmt = select(WinBack).where(WinBack.churned_on >= first, WinBack.churned_on <= last)
    return list(session.scalars(stmt))


def answers_between(session: Session, first: date, last: date) -> list[ChurnSurvey]:
    """The answered surveys of churns in [first, last]."""
    stmt = (
        select(ChurnSurvey)
        .join(WinBack, WinBack.id == ChurnSurvey.win_back_id)
        .where(WinBack.churned_on >= first, WinBack.churned_on <= last, ChurnSurvey.answered_at.is_not(None))
    )
    return list(session.scalars(stmt))


def outcome_counts(session: Session, account_ids: Select[Any] | None) -> dict[str, int]:
    """Win-backs by outcome, and the leads reactivated from the pool (key "from_pool")."""
    stmt = select(WinBack.outcome, func.count(), func.count(WinBack.lead_reactivated_on)).group_by(
        WinBack.outcome
    )
    if account_ids is not None:
        stmt = stmt.where(WinBack.account_id.in_(account_ids))
    out = {o.value: 0 for o in WinBackOutcome} | {"from_pool": 0}
    for outcome, n, pooled in session.execute(stmt):
        out[outcome] = int(n)
        out["from_pool"] += int(pooled)
    return out


def search(
    session: Session, query: WinBackQuery, account_ids: Select[Any] | None, limit: int, offset: int
) -> tuple[list[WinBack], int]:
    """The win-backs of these accounts (None: all) matching the query, latest churn first, and their count."""
    stmt = select(WinBack)
    if account_ids is not None:
        stmt = stmt.where(WinBack.account_id.in_(account_ids))
    if query.state is not None:
        stmt = stmt.where(WinBack.outcome == query.state)
    if query.reason is not None:
        stmt = stmt.where(WinBack.churn_reason == query.reason)
    return page_of(session, stmt.order_by(WinBack.churned_on.desc(), WinBack.id.desc()), limit, offset)
