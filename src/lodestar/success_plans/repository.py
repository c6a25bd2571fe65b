"""Every query on success plans, milestones and the applied template entries."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.success_plans.models import Milestone, MilestoneStatus, SuccessPlan, TemplateEntry

OPEN = (MilestoneStatus.PLANNED.value, MilestoneStatus.IN_PROGRESS.value)


def plan_of(session: Session, account_id: int) -> SuccessPlan | None:
    """The account's plan row (None before anyone wrote objectives)."""
    return session.scalars(select(SuccessPlan).where(SuccessPlan.account_id == account_id)).one_or_none()


def milestones_of(session: Session, account_ids: Collection[int]) -> list[Milestone]:
    """These accounts' milestones by account, target date, id."""
    query = select(Milestone).where(Milestone.account_id.in_(list(account_ids)))
    return list(session.scalars(query.order_by(Milestone.account_id, Milestone.target_on, Milestone.id)))


def milestones_visible(
    session: Session, owner_ids: frozenset[int] | None, account_id: int | None, status: str | None
) -> list[Milestone]:
    """Milestones of accounts owned by these people (None: everyone's), optionally one account, one status."""
    query = select(Milestone).join(Account, Account.id == Milestone.account_id)
    if owner_ids is not None:
        query = query.where(Account.owner_id.in_(owner_ids))
    if account_id is not None:
        query = query.where(Milestone.account_id == account_id)
    if status is not None:
        query = query.where(Milestone.status == status)
    return list(session.scalars(query.order_by(Milestone.target_on, Milestone.id)))


def get(session: Session, milestone_id: int) -> Milestone | None:
    """One milestone by id."""
    return session.get(Milestone, milestone_id)


def open_with_metric(session: Session) -> list[Milestone]:
    """Milestones not yet reached (planned or in progress) that a metric completes."""
    query = select(Milestone).where(Milestone.status.in_(OPEN), Milestone.metric.is_not(None))
    return list(session.scalars(query.order_by(Milestone.id)))


def entries_of(session: Session, account_ids: Collection[int]) -> set[tuple[int, str, date]]:
    """(account, template, entry day) of the template entries already applied to these accounts."""
    query = select(TemplateEntry.account_id, TemplateEntry.template_key, TemplateEntry.entered_on)
    return {
        (a, k, d) for a, k, d in session.execute(query.where(TemplateEntry.account_id.in_(list(account_ids))))
    }


def by_external_id(session: Session, external_ids: Collection[str]) -> dict[str, Milestone]:
    """The stored milestones with these external ids, by external id."""
    query = select(Milestone).where(Milestone.external_id.in_(list(external_ids)))
    return {m.external_id: m for m in session.scalars(query) if m.external_id}


def reached_kinds(session: Session, account_ids: Collection[int]) -> list[tuple[int, str, date]]:
    """(account, kind, reached day) of every reached milestone of these accounts."""
    query = select(Milestone.account_id, Milestone.kind, Milestone.reached_on).where(
        Milestone.account_id.in_(list(account_ids)), Milestone.status == MilestoneStatus.REACHED.value
    )
    return [(a, k, d) for a, k, d in session.execute(query) if d is not None]


def milestone_rows(session: Session, account_ids: Collection[int] | None) -> list[dict[str, Any]]:
    """(account_id, target_on, reached_on, status) of every milestone, or of these accounts'."""
    query = select(Milestone.account_id, Milestone.target_on, Milestone.reached_on, Milestone.status)
    if account_ids is not None:
        query = query.where(Milestone.account_id.in_(list(account_ids)))
    keys = ("account_id", "target_on", "reached_on", "status")
    return [dict(zip(keys, row, strict=True)) for row in session.execute(query.order_by(Milestone.id))]
