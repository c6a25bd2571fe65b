"""What stands behind each request: accounts, ARR, tier mix and ARR at stake, among the accounts a reader
may see, in the company currency (each currency's sum converted with today's rate, never CNY added to USD).

The list is sorted and paged in the database (`ranking`) from the totals the database keeps per request
(and per owner, for a reader with a scope); only the page's rows come back, their sums converted here
exactly. One request's figures (its page) sum its links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lodestar.feature_requests import ranking, repository
from lodestar.feature_requests.schemas import Figures, RequestPage, RequestRow
from lodestar.kit.money import to_amount
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.currency import ExchangeRates


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


def _figures(row: dict[str, Any], rates: ExchangeRates, today: date) -> Figures:
    """A row's figures (n, "arr" and "stake" in cents by currency, "tiers"): each currency's sum converted
    once, rounded to cents."""
    arr = sum((rates.convert(Decimal(v) / 100, c, today) for c, v in row["arr"].items()), Decimal(0))
    stake = sum((rates.convert(Decimal(v) / 100, c, today) for c, v in row["stake"].items()), Decimal(0))
    return Figures(accounts=row["n"], arr=to_amount(arr), arr_at_stake=to_amount(stake), tiers=row["tiers"])


def page(
    session: Session, owner_ids: frozenset[int] | None, today: date, wanted: ranking.Page
) -> RequestPage:
    """One page of the live requests (sort, status, text in the title, limit, offset) with their figures
    for a reader of this scope, from the totals the database keeps (exact after every write, in every
    process: nothing is cached)."""
    rates = renewals_kind.exchange_rates(session)
    in_force, stages = rates.in_force(today), at_risk_stages(session)
    if ranking.unrated(session, owner_ids, in_force):  # refused, naming the currency, as figures would be
        for currency in ranking.currencies_linked(session, owner_ids):
            rates.rate(currency, today)
    dialect = session.get_bind().dialect.name
    sums = ranking.kept_sums(owner_ids, stages, in_force, dialect, with_stake=wanted[0] == "at_stake")
    rows = ranking.ranked(session, sums, wanted)
    kept = ranking.kept_figures(session, owner_ids, [r["id"] for r in rows], stages)
    empty: dict[str, Any] = {"n": 0, "arr": {}, "stake": {}, "tiers": {}}
    items = [
        RequestRow(**{name: r[name] for name in repository.LIST_COLUMNS},
                   figures=_figures(kept.get(r["id"], empty), rates, today))
        for r in rows
    ]  # fmt: skip
    total = repository.count_live(session, wanted[1], wanted[2])
    return RequestPage(items=items, total=total, currency=rates.company_currency)


def of_request(session: Session, owner_ids: frozenset[int] | None, request_id: int, today: date) -> Figures:
    """One request's figures for a reader of this scope."""
    rates = renewals_kind.exchange_rates(session)
    return compute(session, owner_ids, rates, today, [request_id]).get(request_id) or Figures()
