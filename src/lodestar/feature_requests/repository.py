"""Every query on feature requests, their links to accounts and their status changes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Numeric,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal,
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


def _live(query: Any, status: str | None, q: str | None) -> Any:
    """Only the requests not merged away, optionally of one status or with text in their title."""
    query = query.where(FeatureRequest.merged_into_id.is_(None))
    if status is not None:
        query = query.where(FeatureRequest.status == status)
    if q:
        query = query.where(func.lower(FeatureRequest.title).contains(q.lower(), autoescape=True))
    return query


def count_live(session: Session, status: str | None, q: str | None) -> int:
    """How many requests not merged away (of one status, with text in their title)."""
    return int(session.scalar(_live(select(func.count()).select_from(FeatureRequest), status, q)) or 0)


def _owned(owner_ids: frozenset[int] | None) -> ColumnElement[bool]:
    if owner_ids is None:
        return Account.id.is_not(None)
    return Account.owner_id.in_(owner_ids) if owner_ids else false()


def _at_stake(at_risk_stages: Collection[str]) -> ColumnElement[bool]:
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
            func.sum(case((_at_stake(at_risk_stages), Account.arr), else_=0)),
        )
        .join(Account, Account.id == RequestLink.account_id)
        .where(_owned(owner_ids))
        .group_by(RequestLink.request_id, Account.currency, Account.tier)
    )
    if request_ids is not None:
        query = query.where(RequestLink.request_id.in_(list(request_ids)))
    return [tuple(row) for row in session.execute(query)]


def _cents(dialect: str) -> ColumnElement[Any]:
    """An account's ARR in whole cents: sums of integers are exact on SQLite (floats are not) and several
    times cheaper than sums of numerics on PostgreSQL."""
    if dialect == "postgresql":
        return cast(Account.arr * 100, BigInteger)
    return cast(func.round(Account.arr * 100), Integer)


def _in_company_cents(cents: ColumnElement[Any], rate: Decimal, dialect: str) -> ColumnElement[Any]:
    """A sum of cents in cents of the company currency at this rate, rounded half up as
    ExchangeRates.convert rounds (so the sort agrees with the figures shown, to the cent): exact numerics
    on PostgreSQL; integers on SQLite, the rate being the fraction p / 10^k (half up, away from zero:
    (2·|cents|·p + 10^k) // (2·10^k), signed)."""
    if dialect == "postgresql":
        return func.round(cents * literal(rate, Numeric()))
    exponent = int(rate.normalize().as_tuple().exponent)
    p, scale = int(rate.scaleb(max(-exponent, 0))), 10 ** max(-exponent, 0)
    return case(
        (cents >= 0, (cents * (2 * p) + scale) // (2 * scale)),
        else_=-((-cents * (2 * p) + scale) // (2 * scale)),
    )


def tiers(session: Session) -> list[str | None]:
    """Every tier accounts have (None among them when some have none)."""
    return list(session.scalars(select(Account.tier).distinct()))


def _sums(
    owner_ids: frozenset[int] | None, at_risk_stages: Collection[str], currencies: list[str],
    tier_values: list[str | None], dialect: str,
) -> Any:  # fmt: skip
    """Per request, over the links to accounts these people own: n (accounts), arr_i and stake_i (ARR,
    and ARR at risk or renewing, of the accounts in currencies[i]), tier_j (accounts in tier_values[j]) and
    unrated (accounts in a currency not listed). One group per request: no group per currency or tier."""
    at_stake = _at_stake(at_risk_stages)
    cents = _cents(dialect)
    columns: list[Any] = [RequestLink.request_id.label("rid"), func.count().label("n")]
    for i, code in enumerate(currencies):
        mine = Account.currency == code
        columns.append(func.sum(cents).filter(mine).label(f"arr_{i}"))
        columns.append(func.sum(cents).filter(and_(mine, at_stake)).label(f"stake_{i}"))
    for j, tier in enumerate(tier_values):
        same = Account.tier.is_(None) if tier is None else Account.tier == tier
        columns.append(func.count().filter(same).label(f"tier_{j}"))
    columns.append(func.count().filter(Account.currency.not_in(currencies)).label("unrated"))
    # SQLite would walk the links by request and fetch each account at random (twice as slow as reading
    # the accounts in order and each one's links from the (account, request) index, then grouping): "+ 0"
    # keeps it from seeking accounts by id, so it reads them in order. PostgreSQL hashes either way.
    account_id = Account.id + 0 if dialect == "sqlite" else Account.id
    query = select(*columns).select_from(Account).join(RequestLink, RequestLink.account_id == account_id)
    return query.where(_owned(owner_ids)).group_by(RequestLink.request_id).subquery()


def ranked(
    session: Session,
    owner_ids: frozenset[int] | None,
    at_risk_stages: Collection[str],
    rates: Mapping[str, Decimal],
    page: tuple[str, str | None, str | None, int, int],
) -> tuple[list[dict[str, Any]], int, int]:
    """One page of the live requests (sort, status, text in the title, limit, offset) ordered in the
    database by their figures over the accounts these people own (ties by id, so pages are stable), each
    currency's sum converted at its rate in `rates` as ExchangeRates.convert rounds. The page's rows
    (LIST_COLUMNS, n, "arr" and "stake" by currency, "tiers" by tier), how many requests in all, and how
    many linked accounts are in a currency without a rate (the caller refuses those)."""
    sort, status, q, limit, offset = page
    dialect, currencies = session.get_bind().dialect.name, list(rates)
    tier_values = tiers(session)
    sums = _sums(owner_ids, at_risk_stages, currencies, tier_values, dialect)
    c = sums.c

    def converted(prefix: str) -> ColumnElement[Any]:
        parts = [
            _in_company_cents(func.coalesce(c[f"{prefix}_{i}"], 0), rates[code], dialect)
            for i, code in enumerate(currencies)
        ]
        return sum(parts[1:], parts[0])

    n, arr, stake = func.coalesce(c.n, 0), converted("arr"), converted("stake")
    order = {
        "arr": (arr.desc(), n.desc(), FeatureRequest.id),
        "accounts": (n.desc(), arr.desc(), FeatureRequest.id),
        "at_stake": (stake.desc(), arr.desc(), FeatureRequest.id),
        "newest": (FeatureRequest.id.desc(),),
    }[sort]
    figures = [col for col in c if col.name not in ("rid", "unrated")]
    totals = [func.count().over(), func.coalesce(func.sum(c.unrated).over(), 0)]
    query = select(*[getattr(FeatureRequest, name) for name in LIST_COLUMNS], *figures, *totals)
    query = _live(query.outerjoin(sums, c.rid == FeatureRequest.id), status, q)
    rows = list(session.execute(query.order_by(*order).limit(limit).offset(offset)))
    if not rows:
        return [], count_live(session, status, q), 0
    return [_row(r, currencies, tier_values) for r in rows], int(rows[0][-2]), int(rows[0][-1])


def _row(row: Any, currencies: list[str], tier_values: list[str | None]) -> dict[str, Any]:
    """A ranked row as LIST_COLUMNS, n, arr and stake by currency (those with accounts), tiers by tier."""
    out = dict(zip(LIST_COLUMNS, row, strict=False))
    values = row[len(LIST_COLUMNS) : -2]
    out["n"] = int(values[0] or 0)
    sums = values[1 : 1 + 2 * len(currencies)]
    out["arr"] = {code: sums[2 * i] for i, code in enumerate(currencies) if sums[2 * i] is not None}
    out["stake"] = {code: sums[2 * i + 1] or 0 for i, code in enumerate(currencies) if code in out["arr"]}
    counts = values[1 + 2 * len(currencies) :]
    out["tiers"] = {}
    for tier, k in zip(tier_values, counts, strict=True):  # no tier and "" are both ""
        if k:
            out["tiers"][tier or ""] = out["tiers"].get(tier or "", 0) + int(k)
    return out


def currencies_linked(session: Session, owner_ids: frozenset[int] | None) -> list[str]:
    """The currencies of the linked accounts these people own, sorted."""
    query = select(Account.currency).join(RequestLink, RequestLink.account_id == Account.id)
    return list(session.scalars(query.where(_owned(owner_ids)).distinct().order_by(Account.currency)))


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
    query = _link_query().where(RequestLink.request_id == request_id, _owned(owner_ids))
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
