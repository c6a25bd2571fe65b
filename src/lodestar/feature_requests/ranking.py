"""The list's order, computed in the database: each live request's sums per currency (accounts, ARR, ARR at
risk or renewing) converted to the company currency at today's rates, sorted, and only one page handed back.

The sums are the totals the database keeps (migration 0028's triggers on every write of links and
accounts): a reader who sees every account reads the totals per request and currency (about 15,000 rows
for 10,000 requests, against 300,000 links and their accounts), and those per tier and stage for the
at-risk ARR and the page's tier mix; a CSM or a manager reads their owners' rows of the totals per owner,
request, currency, tier and stage. Which stages are at risk and the rates are
applied here, as the list is read: they are configuration and the day's, never kept in the totals.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, Subquery, and_, case, false, func, literal, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.feature_requests.models import (
    FeatureRequest,
    RequestLink,
    RequestOwnerTotal,
    RequestTierStageTotal,
    RequestTotal,
)
from lodestar.feature_requests.repository import LIST_COLUMNS, live, owned
from lodestar.feature_requests.schemas import Sort

Page = tuple[Sort, str | None, str | None, int, int]  # sort, status, text in the title, limit, offset


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


def _converted(currency: ColumnElement[str], cents: ColumnElement[Any], rates: Mapping[str, Decimal],
               dialect: str) -> ColumnElement[Any]:  # fmt: skip
    """A sum of cents in its currency as cents of the company currency (None in a currency without a rate)."""
    return case(
        *[(currency == code, _in_company_cents(cents, rate, dialect)) for code, rate in rates.items()]
    )


def _mine(owner_ids: frozenset[int]) -> ColumnElement[bool]:
    o = RequestOwnerTotal
    return and_(o.owner_id.in_(owner_ids) if owner_ids else false(), o.accounts != 0)


def _per_currency(
    owner_ids: frozenset[int] | None, at_risk_stages: Collection[str], with_stake: bool
) -> Subquery:
    """Per request and currency: accounts, arr_cents and, when asked for, stake_cents (ARR at risk or
    renewing: of an at-risk stage all of it, of any other the ARR in the renewal window), over everyone's
    accounts (the totals per request and currency, and the rows of the at-risk stages) or these people's
    (their owners' rows)."""
    o, risky = RequestOwnerTotal, list(at_risk_stages)
    if owner_ids is not None:
        stake = case((o.stage.in_(risky), o.arr_cents), else_=o.renewing_cents) if risky else o.renewing_cents
        sums = (o.request_id, o.currency, func.sum(o.accounts).label("accounts"),
                func.sum(o.arr_cents).label("arr_cents"), func.sum(stake).label("stake_cents"))  # fmt: skip
        return select(*sums).where(_mine(owner_ids)).group_by(o.request_id, o.currency).subquery()
    t, b = RequestTotal, RequestTierStageTotal
    columns: list[Any] = [t.request_id, t.currency, t.accounts, t.arr_cents]
    source: Any = t.__table__
    if with_stake and risky:
        at_risk = (  # the ARR of the at-risk stages not already counted as renewing
            select(b.request_id, b.currency, func.sum(b.arr_cents - b.renewing_cents).label("cents"))
            .where(b.stage.in_(risky), b.accounts != 0)
            .group_by(b.request_id, b.currency)
            .subquery()
        )
        source = source.outerjoin(
            at_risk, and_(at_risk.c.request_id == t.request_id, at_risk.c.currency == t.currency)
        )
        columns.append((t.renewing_cents + func.coalesce(at_risk.c.cents, 0)).label("stake_cents"))
    else:
        columns.append(t.renewing_cents.label("stake_cents"))
    return select(*columns).select_from(source).where(t.accounts != 0).subquery()


def kept_sums(
    owner_ids: frozenset[int] | None, at_risk_stages: Collection[str], rates: Mapping[str, Decimal],
    dialect: str, with_stake: bool,
) -> Subquery:  # fmt: skip
    """Per request, from the kept totals, over everyone's accounts (None) or these people's: rid, n
    (accounts), arr_key (ARR in company cents, each currency's sum converted once; none of a currency
    without a rate) and, when asked for (the at-risk ARR costs a second look), stake_key (the same of the
    ARR at risk or renewing)."""
    p = _per_currency(owner_ids, at_risk_stages, with_stake)
    columns: list[Any] = [
        p.c.request_id.label("rid"),
        func.sum(p.c.accounts).label("n"),
        func.sum(_converted(p.c.currency, p.c.arr_cents, rates, dialect)).label("arr_key"),
    ]
    if with_stake:
        columns.append(func.sum(_converted(p.c.currency, p.c.stake_cents, rates, dialect)).label("stake_key"))
    return select(*columns).group_by(p.c.request_id).subquery()


def kept_figures(
    session: Session, owner_ids: frozenset[int] | None, request_ids: Collection[int],
    at_risk_stages: Collection[str],
) -> dict[int, dict[str, Any]]:  # fmt: skip
    """n, "arr" and "stake" in cents by currency and "tiers" of these requests over everyone's accounts
    (None: the rows per tier and stage) or these people's (their owners' rows), summed in the database."""
    o: Any = RequestTierStageTotal if owner_ids is None else RequestOwnerTotal
    risky = list(at_risk_stages)
    stake = case((o.stage.in_(risky), o.arr_cents), else_=o.renewing_cents) if risky else o.renewing_cents
    query = (
        select(o.request_id, o.currency, o.tier, func.sum(o.accounts), func.sum(o.arr_cents), func.sum(stake))
        .where(o.request_id.in_(list(request_ids)), o.accounts != 0)
        .group_by(o.request_id, o.currency, o.tier)
    )
    if owner_ids is not None:
        query = query.where(_mine(owner_ids))
    out: dict[int, dict[str, Any]] = {}
    for request_id, currency, tier, n, arr, at_stake in session.execute(query):
        f = out.setdefault(request_id, {"n": 0, "arr": {}, "stake": {}, "tiers": {}})
        f["n"] += int(n)
        f["arr"][currency] = f["arr"].get(currency, 0) + int(arr)
        f["stake"][currency] = f["stake"].get(currency, 0) + int(at_stake)
        f["tiers"][tier] = f["tiers"].get(tier, 0) + int(n)
    return out


def ranked(session: Session, sums: Subquery, page: Page) -> list[dict[str, Any]]:
    """One page of the live requests (sort, status, text in the title, limit, offset) ordered by their sums
    (ties by id, so pages are stable): LIST_COLUMNS and every column of the sums. (No window counts the
    requests: over 10,000 rows that cost as much as the ranking; `count_live` is an index count.)"""
    sort, status, q, limit, offset = page
    c = sums.c
    n, arr = func.coalesce(c.n, 0), func.coalesce(c.arr_key, 0)
    order = {
        "arr": lambda: (arr.desc(), n.desc(), FeatureRequest.id),
        "accounts": lambda: (n.desc(), arr.desc(), FeatureRequest.id),
        "at_stake": lambda: (func.coalesce(c.stake_key, 0).desc(), arr.desc(), FeatureRequest.id),
        "newest": lambda: (FeatureRequest.id.desc(),),
    }[sort]()
    figures = [col for col in c if col.name != "rid"]
    query = select(*[getattr(FeatureRequest, name) for name in LIST_COLUMNS], *figures)
    query = live(query.outerjoin(sums, c.rid == FeatureRequest.id), status, q)
    names = [*LIST_COLUMNS, *(col.name for col in figures)]
    rows = session.execute(query.order_by(*order).limit(limit).offset(offset))
    return [dict(zip(names, r, strict=True)) for r in rows]


def unrated(session: Session, owner_ids: frozenset[int] | None, currencies: Collection[str]) -> int:
    """How many linked accounts of everyone (None: counted in the totals) or of these people (their
    accounts in such a currency, by the owner's index, that asked for anything) are in a currency not among
    these."""
    if owner_ids is None:
        t = RequestTotal
        query = select(func.sum(t.accounts)).where(t.currency.not_in(list(currencies)), t.accounts != 0)
    else:
        asked = select(RequestLink.id).where(RequestLink.account_id == Account.id).exists()
        query = select(func.count()).where(owned(owner_ids), Account.currency.not_in(list(currencies)), asked)
    return int(session.scalar(query) or 0)


def currencies_linked(session: Session, owner_ids: frozenset[int] | None) -> list[str]:
    """The currencies of the linked accounts these people own, sorted."""
    query = select(Account.currency).join(RequestLink, RequestLink.account_id == Account.id)
    return list(session.scalars(query.where(owned(owner_ids)).distinct().order_by(Account.currency)))
