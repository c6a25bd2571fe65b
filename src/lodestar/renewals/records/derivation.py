"""Outcomes read from the contract chain: a renewing contract's ARR against the ARR at stake (in the company
currency on the contract end's rate) says flat, expanded or contracted; one starting well before the old
end says early-renewed; a contract that ended with none says churned. The renewing contracts are the
stored chain, or where the source named none, those the dates imply (renewals/succession.py: the same rule
retention reads). Pure functions of plain rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from lodestar.kit.errors import FieldProblem, InvalidInput
from lodestar.kit.text import Text
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.schemas import SuccessorRule
from lodestar.renewals.succession import (
    CLOSED_STATUSES,
    EARLY_RENEWAL_GRACE_DAYS,
    merged_ids,
    renewed_ids,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Chain:
    """A contract at stake and the contracts renewing it (earliest start first)."""

    contract: Any  # id, end_date, arr, currency, status, churned_on, churn_reason
    followers: Sequence[Any] = ()  # id, start_date, arr, currency
    # Per follower renewing several contracts (two merged into one): those contracts, the one it names
    # (or was paired with) first; its ARR is shared among them by their ARR at stake.
    shared_with: Mapping[int, Sequence[Any]] = field(default_factory=dict)


def chains(rows: Sequence[Any], wanted: Collection[int], rule: SuccessorRule) -> dict[int, Chain]:
    """The chain of each wanted contract found among rows (every contract of their accounts, as
    contracts_service.account_chain_rows gives them): the contracts renewing it, stored or implied by the
    account and dates, earliest start first."""
    live = [r for r in rows if r.status != "cancelled"]
    cols = (
        np.array([r.id for r in live], dtype=np.int64),
        np.array([r.account_id for r in live], dtype=np.int64),
        np.array([r.start_date.toordinal() for r in live], dtype=np.int64),
        np.array([r.end_date.toordinal() for r in live], dtype=np.int64),
    )
    ended = [r.churned_on is None and r.status not in CLOSED_STATUSES for r in live]
    open_ended = np.array(ended, dtype=bool)
    stored = np.array([r.renews_contract_id or -1 for r in live], dtype=np.int64)
    renews = renewed_ids(*cols, stored, open_ended, rule)
    said = np.array([r.status == "renewed" for r in live], dtype=bool)
    merged = merged_ids(*cols, renews, open_ended, rule, stored, said)
    by_id = {r.id: r for r in rows}
    followers: dict[int, list[Any]] = defaultdict(list)
    renewed_by: dict[int, list[Any]] = defaultdict(list)  # follower id -> the contracts it renews
    for row, renewed in zip(live, renews.tolist(), strict=True):
        if renewed >= 0:
            followers[renewed].append(row)
            renewed_by[row.id].append(by_id[renewed])
    for row, into in zip(live, merged.tolist(), strict=True):
        if into >= 0:
            followers[row.id].append(by_id[into])
            renewed_by[into].append(row)
    shared = {f: renewed for f, renewed in renewed_by.items() if len(renewed) > 1}
    return {
        i: Chain(by_id[i], sorted(followers.get(i, []), key=lambda f: (f.start_date, f.id)), shared)
        for i in wanted
        if i in by_id
    }


@dataclass(frozen=True)
class Derived:
    """What the contracts say of a renewal; outcome None: nothing decided yet."""

    outcome: str | None = None
    renewing_contract_id: int | None = None
    closed_on: date | None = None
    change_currency: str | None = None
    renewal_arr: Decimal | None = None
    expansion_arr: Decimal | None = None
    contraction_arr: Decimal | None = None
    churn_arr: Decimal | None = None
    reasons: list[str] = field(default_factory=list)


def amounts(chain: Chain, rates: ExchangeRates) -> tuple[Decimal, Decimal | None]:
    """(ARR at stake, renewing ARR or None) in the company currency on the contract end's rate."""
    c, on = chain.contract, chain.contract.end_date
    at_stake = rates.convert(Decimal(c.arr), c.currency, on)
    if not chain.followers:
        return at_stake, None
    return at_stake, sum((_share(chain, f, rates) for f in chain.followers), ZERO)


def _share(chain: Chain, follower: Any, rates: ExchangeRates) -> Decimal:
    """The part of a follower's ARR that renews this contract (company currency, on its end's rate): all of
    it, or when it renews several contracts (merged into one) its share by their ARR at stake; the first of
    them takes the cent left by rounding, so the shares add up to the follower's ARR."""
    on = chain.contract.end_date
    whole = rates.convert(Decimal(follower.arr), follower.currency, on)
    renewed = chain.shared_with.get(follower.id)
    if not renewed:
        return whole
    stakes = [rates.convert(Decimal(r.arr), r.currency, on) for r in renewed]
    total = sum(stakes, ZERO)
    parts = [(whole * s / total).quantize(ZERO) if total else ZERO for s in stakes]
    parts[0] = whole - sum(parts[1:], ZERO)
    return parts[[r.id for r in renewed].index(chain.contract.id)]


def ended_unrenewed(chain: Chain, as_of: date) -> bool:
    """The contract ended (or was churned) and nothing renews it."""
    c = chain.contract
    if chain.followers or c.status == "renewed":
        return False
    churned = c.churned_on is not None and c.churned_on <= as_of
    return churned or c.status == "expired" or c.end_date < as_of


def split(outcome: str, at_stake: Decimal, renewed: Decimal | None) -> tuple[Decimal | None, ...]:
    """(renewal, expansion, contraction, churn) ARR of an outcome; None where the contracts cannot say."""
    if outcome == "churned":
        return ZERO, ZERO, ZERO, at_stake
    if renewed is None:
        return (at_stake, ZERO, ZERO, ZERO) if outcome == "renewed_flat" else (None, None, None, None)
    kept = min(at_stake, renewed)
    return kept, max(renewed - at_stake, ZERO), max(at_stake - renewed, ZERO), ZERO


def _renewed_outcome(chain: Chain, at_stake: Decimal, renewed: Decimal) -> str:
    first = chain.followers[0]
    if first.start_date < chain.contract.end_date - timedelta(days=EARLY_RENEWAL_GRACE_DAYS):
        return "early_renewed"
    if renewed > at_stake:
        return "expanded"
    return "contracted" if renewed < at_stake else "renewed_flat"


def derive(chain: Chain, rates: ExchangeRates, as_of: date, reason_keys: Collection[str]) -> Derived:
    """The outcome the contracts say on as_of, with its ARR change; Derived() while still undecided or when
    a currency has no exchange rate (the renewal stays open until one is configured)."""
    c = chain.contract
    if not chain.followers and not ended_unrenewed(chain, as_of):
        return Derived()
    try:
        at_stake, renewed = amounts(chain, rates)
    except InvalidInput:
        return Derived()
    if renewed is None:
        reasons = [c.churn_reason] if c.churn_reason in reason_keys else []
        closed = c.churned_on if c.churned_on is not None and c.churned_on <= c.end_date else c.end_date
        parts = split("churned", at_stake, None)
        return _derived("churned", None, closed, rates.company_currency, parts, reasons)
    outcome = _renewed_outcome(chain, at_stake, renewed)
    first = chain.followers[0]
    closed = min(first.start_date, c.end_date)
    return _derived(outcome, first.id, closed, rates.company_currency, split(outcome, at_stake, renewed), [])


def _derived(
    outcome: str, renewing: int | None, closed: date, currency: str, parts: tuple[Decimal | None, ...],
    reasons: list[str],
) -> Derived:  # fmt: skip
    renewal, expansion, contraction, churn = parts
    return Derived(outcome, renewing, closed, currency, renewal, expansion, contraction, churn, reasons)


def contradiction(outcome: str, chain: Chain, rates: ExchangeRates, as_of: date) -> FieldProblem | None:
    """Why a hand outcome contradicts the contracts (None when it does not): churned while a contract renews
    it, renewed when it ended unrenewed, or an ARR direction the renewing contract does not show."""
    if outcome == "churned":
        if chain.followers:
            return FieldProblem("outcome", Text("contract %(id)s renews this one", id=chain.followers[0].id))
        return None
    if not chain.followers:
        if ended_unrenewed(chain, as_of):
            return FieldProblem("outcome", Text("the contract ended and no contract renews it"))
        return None
    at_stake, renewed = amounts(chain, rates)
    assert renewed is not None
    early = chain.followers[0].start_date < chain.contract.end_date - timedelta(days=EARLY_RENEWAL_GRACE_DAYS)
    wrong = {
        "expanded": renewed <= at_stake,
        "contracted": renewed >= at_stake,
        "renewed_flat": renewed != at_stake,
        "early_renewed": not early,
    }[outcome]
    if not wrong:
        return None
    return FieldProblem(
        "outcome",
        Text(
            "the renewing contract says otherwise: %(renewed)s %(currency)s against %(at_stake)s at stake, "
            "starting %(start)s",
            renewed=renewed, currency=rates.company_currency, at_stake=at_stake,
            start=chain.followers[0].start_date.isoformat(),
        ),
    )  # fmt: skip
