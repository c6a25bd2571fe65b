"""Read-only figures over accounts for the portfolio and the cockpit (re-exported by the service):
summaries grouped in SQL, health movers and at-risk accounts as light rows."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lodestar.accounts import repository
from lodestar.accounts.schemas import AccountFilter
from lodestar.auth import service as auth_service
from lodestar.auth.models import User


def portfolio_summary(session: Session, viewer: User, flt: AccountFilter) -> list[tuple[Any, ...]]:
    """(currency, grade, stage, accounts, ARR) groups of the viewer's accounts matching the filter."""
    return repository.summary(session, flt, auth_service.scope_for(session, viewer).owner_ids)


def summary_by_owner(session: Session, owner_ids: frozenset[int] | None) -> list[tuple[Any, ...]]:
    """(owner_id, currency, grade, stage, accounts, ARR) groups of the live accounts these users own
    (None: everyone's); the caller has narrowed owner_ids to what the viewer may see."""
    return repository.owner_summary(session, owner_ids)


def live_accounts(owner_ids: frozenset[int] | None) -> Select[int, int | None, str | None]:
    """(id, owner_id, stage) of the live (not churned) accounts these users own, as a subquery to join."""
    return repository.live_accounts(owner_ids)


def health_movers(session: Session, owner_ids: frozenset[int] | None, limit: int = 10) -> list[Any]:
    """The live accounts whose health moved most in 7 days, as light rows (id, name, owner_id, tier, arr,
    currency, health_score, health_grade, health_trend_7d, stage, renewal_date)."""
    return repository.movers(session, owner_ids, limit)


def at_risk_accounts(
    session: Session, owner_ids: frozenset[int] | None, stages: Collection[str]
) -> list[Any]:
    """Live accounts in one of these (at-risk) stages or graded red, as light rows like health_movers'."""
    return repository.at_risk(session, owner_ids, stages)


def matching_ids(session: Session, viewer: User, flt: AccountFilter) -> Select[Any]:
    """The ids of the accounts the viewer may see that match the filter, as a subquery (another domain's
    list filtered by its accounts' tier, owner, industry or grade)."""
    return repository.matching_ids(flt, auth_service.scope_for(session, viewer).owner_ids)
