"""Every query on feature requests, their links to accounts and their status changes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account, Contact
from lodestar.feature_requests.models import FeatureRequest, RequestLink, StatusChange


def get(session: Session, request_id: int) -> FeatureRequest | None:
    """One request by id (merged ones too)."""
    return session.get(FeatureRequest, request_id)


def by_external_id(session: Session, external_ids: Collection[str]) -> dict[str, FeatureRequest]:
    """The stored requests with these tracker keys, by key."""
    query = select(FeatureRequest).where(FeatureRequest.external_id.in_(list(external_ids)))
    return {r.external_id: r for r in session.scalars(query) if r.external_id}


LIST_COLUMNS = ("id", "title", "status", "external_id", "public_note", "created_at")


def live(query: Any, status: str | None, q: str | None) -> Any:
    """Only the requests not merged away, optionally of one status or with text in their title."""
    query = query.where(FeatureRequest.merged_into_id.is_(None))
    if status is not None:
        query = query.where(FeatureRequest.status == status)
    if q:
        query = query.where(func.lower(FeatureRequest.title).contains(q.lower(), autoescape=True))
    return query


def count_live(session: Session, status: str | None, q: str | None) -> int:
    """How many requests not merged away (of one status, with text in their title)."""
    return int(session.scalar(live(select(func.count()).select_from(FeatureRequest), status, q)) or 0)


def owned(owner_ids: frozenset[int] | None) -> ColumnElement[bool]:
    if owner_ids is None:
        return Account.id.is_not(None)
    return Account.owner_id.in_(owner_ids) if owner_ids else false()


def at_stake(at_risk_stages: Collection[str]) -> ColumnElement[bool]:
    at_stake: ColumnElement[bool] = Account.in_renewal_window.is_(True)
    if at_risk_stages:
        at_stake = or_(at_stake, Account.stage.in_(list(at_risk_stages)))
    return at_stake


def figure_rows(
    session: Session,
    owner_ids: frozenset[int] | None,
    at_risk_stages: Collection[str],
    request_ids: Collection[int] | None = None,
) -> list[tuple[int, str, str | None, int, Any, Any]]:
    """(request, currency, tier, accounts, ARR, ARR at risk or renewing) summed over the links to accounts
    these people own (None: everyone's), one row per request, currency and tier; only these requests' when
    given (a page's)."""
    query = (
        select(
            RequestLink.request_id,
            Account.currency,
            Account.tier,
            func.count(),
            func.sum(Account.arr),
            func.sum(case((at_stake(at_risk_stages), Account.arr), else_=0)),
        )
        .join(Account, Account.id == RequestLink.account_id)
        .where(owned(owner_ids))
        .group_by(RequestLink.request_id, Account.currency, Account.tier)
    )
    if request_ids is not None:
        query = query.where(RequestLink.request_id.in_(list(request_ids)))
    return [tuple(row) for row in session.execute(query)]


def _link_query() -> Any:
    return (
        select(
            RequestLink,
            Account.name,
            Account.tier,
            Account.owner_id,
            Account.arr,
            Account.currency,
            Contact.name,
        )
        .join(Account, Account.id == RequestLink.account_id)
        .outerjoin(Contact, Contact.id == RequestLink.contact_id)
    )


def links_visible(session: Session, request_id: int, owner_ids: frozenset[int] | None) -> list[Any]:
    """The request's links to accounts these people own, with the account's name, tier, owner, ARR and
    currency and the contact's name, by account name."""
    query = _link_query().where(RequestLink.request_id == request_id, owned(owner_ids))
    return list(session.execute(query.order_by(Account.name, Account.id)))


def link_of(session: Session, request_id: int, account_id: int) -> RequestLink | None:
    """The link of this account to this request, if it asked."""
    query = select(RequestLink).where(
        RequestLink.request_id == request_id, RequestLink.account_id == account_id
    )
    return session.scalars(query).one_or_none()


def linked_accounts(session: Session, request_id: int) -> list[int]:
    """Every account linked to the request, whoever owns it."""
    query = select(RequestLink.account_id).where(RequestLink.request_id == request_id)
    return list(session.scalars(query.order_by(RequestLink.account_id)))


def move_links(session: Session, from_id: int, to_id: int) -> int:
    """Moves a request's links to another; an account already linked there keeps its link there (the
    duplicate is dropped). How many links moved."""
    there = select(RequestLink.account_id).where(RequestLink.request_id == to_id)
    session.execute(
        delete(RequestLink).where(RequestLink.request_id == from_id, RequestLink.account_id.in_(there))
    )
    moved = session.execute(
        update(RequestLink).where(RequestLink.request_id == from_id).values(request_id=to_id)
    )
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]


def repoint_merged(session: Session, from_id: int, to_id: int) -> None:
    """Requests merged earlier into `from_id` point to the survivor now."""
    session.execute(
        update(FeatureRequest).where(FeatureRequest.merged_into_id == from_id).values(merged_into_id=to_id)
    )


def changes_of(session: Session, request_id: int) -> list[StatusChange]:
    """The request's status changes, newest first."""
    query = select(StatusChange).where(StatusChange.request_id == request_id)
    return list(session.scalars(query.order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())))


def all_changes(session: Session) -> list[tuple[int, int, str, date, str]]:
    """(change, request, status it changed to, day, request title) of every change of a live request."""
    query = (
        select(
            StatusChange.id,
            StatusChange.request_id,
            StatusChange.to_status,
            StatusChange.changed_on,
            FeatureRequest.title,
        )
        .join(FeatureRequest, FeatureRequest.id == StatusChange.request_id)
        .where(FeatureRequest.merged_into_id.is_(None))
    )
    return [tuple(row) for row in session.execute(query.order_by(StatusChange.id))]  # type: ignore[misc]


def of_account(session: Session, account_id: int) -> list[tuple[FeatureRequest, date]]:
    """The live requests this account asked for, with the day it asked, newest first."""
    query = (
        select(FeatureRequest, RequestLink.asked_on)
        .join(RequestLink, RequestLink.request_id == FeatureRequest.id)
        .where(RequestLink.account_id == account_id, FeatureRequest.merged_into_id.is_(None))
    )
    return [
        (r, d) for r, d in session.execute(query.order_by(RequestLink.asked_on.desc(), FeatureRequest.id))
    ]


def changes_of_account(session: Session, account_id: int) -> list[tuple[StatusChange, str]]:
    """The status changes of the requests this account asked for, with each request's title."""
    query = (
        select(StatusChange, FeatureRequest.title)
        .join(FeatureRequest, FeatureRequest.id == StatusChange.request_id)
        .join(RequestLink, RequestLink.request_id == FeatureRequest.id)
        .where(RequestLink.account_id == account_id)
    )
    return [(c, t) for c, t in session.execute(query.order_by(StatusChange.id))]


def account_names(session: Session, account_ids: Collection[int]) -> dict[int, tuple[str, int | None]]:
    """(name, owner) of these accounts."""
    query = select(Account.id, Account.name, Account.owner_id).where(Account.id.in_(list(account_ids)))
    return {i: (n, o) for i, n, o in session.execute(query)}
