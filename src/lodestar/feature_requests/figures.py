"""What stands behind each request: accounts, ARR, tier mix and ARR at stake, among the accounts a reader
may see, in the company currency (each currency's sum converted with today's rate, never CNY added to USD).

The list is sorted and paged in the database (`ranking`): a reader who sees every account reads the totals
the database keeps per request (exact after every write, in every process: nothing to cache); a reader with
a scope sums the links to their accounts, and that page is kept (a `GenerationCache`) while the accounts,
requests and links stay as they are. Only the page's rows come back, their sums converted here exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.db.base import table_of
from lodestar.db.generation import GenerationCache
from lodestar.feature_requests import ranking, repository
from lodestar.feature_requests.models import FeatureRequest, RequestLink
from lodestar.feature_requests.schemas import Figures, RequestPage, RequestRow
from lodestar.kit.money import to_amount
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.currency import ExchangeRates

_CACHE: GenerationCache[RequestPage] = GenerationCache(
    [table_of(Account), table_of(FeatureRequest)], counted=[table_of(RequestLink)], size=64
)


def at_risk_stages(session: Session) -> list[str]:
    """The stages of the active lifecycle model that cover the at-risk phase."""
    model, _ = lifecycle_kind.current(session)
    return [s.key for s in model.stages if "at_risk" in s.covers]


def compute(
    session: Session,
    owner_ids: frozenset[int] | None,
    rates: ExchangeRates,
    today: date,
    request_ids: Collection[int] | None = None,
) -> dict[int, Figures]:
    """The figures of these requests (None: every one) over the accounts these people own (None: every
    account): each currency's sum converted once, rounded to cents."""
    out: dict[int, Figures] = {}
    sums: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for request_id, currency, tier, count, arr, at_stake in repository.figure_rows(
        session, owner_ids, at_risk_stages(session), request_ids
    ):
        f = out.setdefault(request_id, Figures())
        f.accounts += int(count)
        f.tiers[tier or ""] = f.tiers.get(tier or "", 0) + int(count)
        found = sums[(request_id, currency)]
        found[0] += Decimal(arr or 0)
        found[1] += Decimal(at_stake or 0)
    for (request_id, currency), (arr, at_stake) in sums.items():
        f = out[request_id]
        f.arr += rates.convert(arr, currency, today)
        f.arr_at_stake += rates.convert(at_stake, currency, today)
    for f in out.values():
        f.arr, f.arr_at_stake = to_amount(f.arr), to_amount(f.arr_at_stake)
    return out


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in repository.LIST_COLUMNS}


def _figures(row: dict[str, Any], rates: ExchangeRates, today: date) -> Figures:
    """A ranked row's figures: each currency's sum converted once, rounded to cents."""
    arr = sum((rates.convert(Decimal(v) / 100, c, today) for c, v in row["arr"].items()), Decimal(0))
    stake = sum((rates.convert(Decimal(v) / 100, c, today) for c, v in row["stake"].items()), Decimal(0))
    return Figures(accounts=row["n"], arr=to_amount(arr), arr_at_stake=to_amount(stake), tiers=row["tiers"])


def _page(
    session: Session,
    owner_ids: frozenset[int] | None,
    rates: ExchangeRates,
    today: date,
    page: ranking.Page,
) -> RequestPage:
    in_force, stages = rates.in_force(today), at_risk_stages(session)
    if owner_ids is None:
        sums, tier_values = ranking.kept_sums(stages, list(in_force)), []
    else:
        dialect, tier_values = session.get_bind().dialect.name, ranking.tiers(session)
        sums = ranking.scoped_sums(owner_ids, stages, list(in_force), tier_values, dialect)
    rows, total, unrated = ranking.ranked(session, sums, in_force, tier_values, page)
    if unrated:  # an account in a currency without a rate: refused, naming it, as the figures would be
        for currency in ranking.currencies_linked(session, owner_ids):
            rates.rate(currency, today)
    if owner_ids is None:  # the kept totals' tier mix, of the page's requests only
        kept = ranking.kept_tiers(session, [r["id"] for r in rows])
        for r in rows:
            r["tiers"] = kept.get(r["id"], {})
    items = [RequestRow(**_fields(r), figures=_figures(r, rates, today)) for r in rows]
    return RequestPage(items=items, total=total, currency=rates.company_currency)


def page(
    session: Session,
    owner_ids: frozenset[int] | None,
    today: date,
    wanted: ranking.Page,
) -> RequestPage:
    """One page of the live requests (sort, status, text in the title, limit, offset) with their figures
    for a reader of this scope."""
    settings, version = renewals_kind.current(session)
    rates = ExchangeRates(settings)
    if owner_ids is None:  # the kept totals: exact now, in every process
        return _page(session, None, rates, today, wanted)
    scope = tuple(sorted(owner_ids))
    _, lifecycle_version = lifecycle_kind.current(session)
    key = ("feature_requests", scope, today, version, lifecycle_version, wanted)
    return _CACHE.get(session, key, lambda: _page(session, owner_ids, rates, today, wanted))


def of_request(session: Session, owner_ids: frozenset[int] | None, request_id: int, today: date) -> Figures:
    """One request's figures for a reader of this scope."""
    rates = renewals_kind.exchange_rates(session)
    return compute(session, owner_ids, rates, today, [request_id]).get(request_id) or Figures()
