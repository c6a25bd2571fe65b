"""What stands behind each request: accounts, ARR, tier mix and ARR at stake, among the accounts a reader
may see, in the company currency (each currency's sum converted with today's rate, never CNY added to USD).

One grouped pass over the links gives every request's figures; they are kept while the accounts, requests
and links stay as they are (a `GenerationCache`), so sorting and paging the list do not redo the sums.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.db.base import table_of
from lodestar.db.generation import GenerationCache
from lodestar.feature_requests import repository
from lodestar.feature_requests.models import FeatureRequest, RequestLink
from lodestar.feature_requests.schemas import Figures
from lodestar.kit.money import to_amount
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.currency import ExchangeRates

_CACHE: GenerationCache[dict[int, Figures]] = GenerationCache(
    [table_of(Account), table_of(FeatureRequest)], counted=[table_of(RequestLink)], size=32
)


def at_risk_stages(session: Session) -> list[str]:
    """The stages of the active lifecycle model that cover the at-risk phase."""
    model, _ = lifecycle_kind.current(session)
    return [s.key for s in model.stages if "at_risk" in s.covers]


def compute(
    session: Session, owner_ids: frozenset[int] | None, rates: ExchangeRates, today: date
) -> dict[int, Figures]:
    """Each request's figures over the accounts these people own (None: every account)."""
    out: dict[int, Figures] = {}
    for request_id, currency, tier, count, arr, at_stake in repository.figure_rows(
        session, owner_ids, at_risk_stages(session)
    ):
        f = out.setdefault(request_id, Figures())
        f.accounts += int(count)
        f.arr += rates.convert(Decimal(arr or 0), currency, today)
        f.arr_at_stake += rates.convert(Decimal(at_stake or 0), currency, today)
        f.tiers[tier or ""] = f.tiers.get(tier or "", 0) + int(count)
    for f in out.values():
        f.arr, f.arr_at_stake = to_amount(f.arr), to_amount(f.arr_at_stake)
    return out


def by_request(
    session: Session, owner_ids: frozenset[int] | None, today: date
) -> tuple[dict[int, Figures], str]:
    """Each request's figures for a reader of this scope, and the company currency."""
    settings, version = renewals_kind.current(session)
    rates = ExchangeRates(settings)
    scope = None if owner_ids is None else tuple(sorted(owner_ids))
    _, lifecycle_version = lifecycle_kind.current(session)
    key = ("feature_requests", scope, today, version, lifecycle_version)
    found = _CACHE.get(session, key, lambda: compute(session, owner_ids, rates, today))
    return found, settings.company_currency
