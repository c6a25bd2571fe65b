"""The list's order, computed in the database: each live request's sums per currency (accounts, ARR, ARR at
risk or renewing) converted to the company currency at today's rates, sorted, and only one page handed back.

The sums come from one of two places. A reader who sees every account reads the kept totals
(`feature_request_totals`: per request, currency, tier and stage, kept by the database's triggers on every
write of links and accounts, migration 0028): about a quarter as many rows as the links, and no account
read. A reader with a scope (a CSM, a manager) sums the links to the accounts they own, joined as they are.
Which stages are at risk and the rates are applied here, as the list is read: they are configuration and
the day's, never kept in the totals.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Numeric,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.feature_requests.models import FeatureRequest, RequestLink, RequestTotal
from lodestar.feature_requests.repository import LIST_COLUMNS, at_stake, count_live, live, owned
from lodestar.feature_requests.schemas import Sort

Page = tuple[Sort, str | None, str | None, int, int]  # sort, status, text in the title, limit, offset


def _cents(dialect: str) -> ColumnElement[Any]:
    """An account's ARR in whole cents: sums of integers are exact on SQLite (floats are not) and several
    times cheaper than sums of numerics on PostgreSQL (the totals' triggers compute the same)."""
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


def kept_sums(at_risk_stages: Collection[str], currencies: list[str]) -> Subquery:
    """Per request, from the kept totals: n (accounts), arr_i and stake_i (ARR, and ARR at risk or
    renewing, of the accounts in currencies[i], in cents) and unrated (accounts in a currency not listed).
    A row at risk stakes all its ARR, any other the ARR of its accounts in their renewal window."""
    t = RequestTotal
    stake = t.renewing_cents
    if at_risk_stages:
        stake = case((t.stage.in_(list(at_risk_stages)), t.arr_cents), else_=t.renewing_cents)
    columns: list[Any] = [t.request_id.label("rid"), func.sum(t.accounts).label("n")]
    for i, code in enumerate(currencies):
        columns.append(func.sum(t.arr_cents).filter(t.currency == code).label(f"arr_{i}"))
        columns.append(func.sum(stake).filter(t.currency == code).label(f"stake_{i}"))
    columns.append(func.sum(t.accounts).filter(t.currency.not_in(currencies)).label("unrated"))
    # Rows whose accounts all left (a link removed, an account moved to another tier) add nothing.
    return select(*columns).where(t.accounts != 0).group_by(t.request_id).subquery()


def scoped_sums(
    owner_ids: frozenset[int] | None, at_risk_stages: Collection[str], currencies: list[str],
    tier_values: list[str | None], dialect: str,
) -> Subquery:  # fmt: skip
    """Per request, over the links to accounts these people own: the columns of `kept_sums` and tier_j
    (accounts in tier_values[j]). One group per request: no group per currency or tier."""
    stake, cents = at_stake(at_risk_stages), _cents(dialect)
    columns: list[Any] = [RequestLink.request_id.label("rid"), func.count().label("n")]
    for i, code in enumerate(currencies):
        mine = Account.currency == code
        columns.append(func.sum(cents).filter(mine).label(f"arr_{i}"))
        columns.append(func.sum(cents).filter(and_(mine, stake)).label(f"stake_{i}"))
    columns.append(func.count().filter(Account.currency.not_in(currencies)).label("unrated"))
    for j, tier in enumerate(tier_values):
        same = Account.tier.is_(None) if tier is None else Account.tier == tier
        columns.append(func.count().filter(same).label(f"tier_{j}"))
    # SQLite would walk the links by request and fetch each account at random (twice as slow as reading
    # the accounts in order and each one's links from the (account, request) index, then grouping): "+ 0"
    # keeps it from seeking accounts by id, so it reads them in order. PostgreSQL hashes either way.
    account_id = Account.id + 0 if dialect == "sqlite" else Account.id
    query = select(*columns).select_from(Account).join(RequestLink, RequestLink.account_id == account_id)
    return query.where(owned(owner_ids)).group_by(RequestLink.request_id).subquery()


def ranked(
    session: Session, sums: Subquery, rates: Mapping[str, Decimal], tier_values: list[str | None], page: Page
) -> tuple[list[dict[str, Any]], int, int]:
    """One page of the live requests (sort, status, text in the title, limit, offset) ordered by their sums
    (ties by id, so pages are stable), each currency's sum converted at its rate in `rates` (the order of
    the sums' currencies) as ExchangeRates.convert rounds. The page's rows (LIST_COLUMNS, n, "arr" and
    "stake" by currency, "tiers" by tier when the sums count them), how many requests in all, and how many
    linked accounts are in a currency without a rate (the caller refuses those)."""
    sort, status, q, limit, offset = page
    dialect, currencies, c = session.get_bind().dialect.name, list(rates), sums.c

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
    query = live(query.outerjoin(sums, c.rid == FeatureRequest.id), status, q)
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


def kept_tiers(session: Session, request_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """Accounts by tier ("" for none) of these requests, from the kept totals."""
    t = RequestTotal
    query = (
        select(t.request_id, t.tier, func.sum(t.accounts))
        .where(t.request_id.in_(list(request_ids)), t.accounts != 0)
        .group_by(t.request_id, t.tier)
    )
    out: dict[int, dict[str, int]] = {}
    for request_id, tier, count in session.execute(query):
        out.setdefault(request_id, {})[tier] = int(count)
    return out


def currencies_linked(session: Session, owner_ids: frozenset[int] | None) -> list[str]:
    """The currencies of the linked accounts these people own, sorted."""
    query = select(Account.currency).join(RequestLink, RequestLink.account_id == Account.id)
    return list(session.scalars(query.where(owned(owner_ids)).distinct().order_by(Account.currency)))
