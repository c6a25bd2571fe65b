"""The daily step: open a renewal for every contract whose renewal window has opened (or that something
already renews) and has none yet, then let the contract chain decide the outcomes nobody set by hand and
the ARR split of those closed by hand before their renewing contract was stored. Set-based: one read of the
candidates, one bulk insert, one read of the chains, bulk updates."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.contracts import service as contracts_service
from lodestar.kit.time import utcnow
from lodestar.lifecycle import service as lifecycle_service
from lodestar.renewals import config_kind
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.records import repository
from lodestar.renewals.records.derivation import Chain, amounts, chains, contradiction, derive, split
from lodestar.renewals.records.models import DERIVED
from lodestar.renewals.records.repository import DERIVED_COLUMNS
from lodestar.renewals.schemas import SuccessorRule
from lodestar.renewals.succession import CLOSED_STATUSES, merged_ids, renewed_by, renewed_ids

EPOCH = np.datetime64("1970-01-01", "D")


def store_links(session: Session) -> int:
    """Stores on every contract the contract renewing it by the successor rule (stored chain, implied by the
    account and dates, or merged into one), for the stage engine, which cannot read the rule: a contract so
    renewed is never a churn there either. Set-based; only changed contracts are written. How many."""
    rule = config_kind.current(session)[0].successor
    cols = contracts_service.chain_columns(session)
    start, end = ((cols[k].astype("datetime64[D]") - EPOCH).astype(np.int64) for k in ("start", "end"))
    open_ended = np.isnat(cols["churned"]) & ~np.isin(cols["status"], CLOSED_STATUSES)
    arrays = (cols["id"], cols["account_id"], start, end)
    renews = renewed_ids(*arrays, cols["renews"], open_ended, rule)
    merged = merged_ids(*arrays, renews, open_ended, rule, cols["renews"], cols["status"] == "renewed")
    return contracts_service.store_renewed_by(session, renewed_by(cols["id"], renews, merged))


def open_due(session: Session, as_of: date) -> int:
    """Opens the renewals due on as_of; how many were opened. Whose renewal is due is told from the
    candidates' dates alone; only those contracts' rows are read."""
    cols = contracts_service.renewal_candidate_columns(session, repository.contract_ids())
    opens = lifecycle_service.renewal_window_opening_days(session, cols["start"], cols["end"])
    due = (opens <= np.datetime64(as_of, "D")) | (cols["renewed"] == 1)
    opened_on = dict(zip(cols["id"][due].tolist(), opens[due].tolist(), strict=True))
    candidates = contracts_service.renewal_rows(session, list(opened_on))
    rows = [
        {
            "contract_id": c.id, "account_id": c.account_id, "owner_id": c.owner_id,
            "opened_on": min(opened_on[c.id], as_of), "contract_end": c.end_date, "arr": c.arr,
            "currency": c.currency, "documents": [], "reasons": [],
        }
        for c in candidates
    ]  # fmt: skip
    repository.insert_many(session, rows)
    auth_service.record_many(
        session, None, "renewal.open", "renewals", [(None, {"contract_id": r["contract_id"]}) for r in rows]
    )
    return len(rows)


def _chains(session: Session, rule: SuccessorRule) -> dict[int, Chain]:
    rows = contracts_service.account_chain_rows(session, repository.chain_contract_ids())
    return chains(rows, [r.id for r in rows], rule)


def derive_outcomes(session: Session, as_of: date) -> int:
    """Sets the outcome the contracts say of every renewal nobody closed by hand (a late renewing contract
    turns a churn into a renewal), and fills the ARR split of those closed by hand before their renewing
    contract was stored; only rows whose values change are written. How many changed."""
    settings, _ = config_kind.current(session)
    rates, keys = config_kind.exchange_rates(session), {r.key for r in settings.reasons}
    found_chains = _chains(session, settings.successor)
    changed: list[dict[str, Any]] = []
    now = utcnow()
    for row in repository.derivable_rows(session):
        found = derive(found_chains[row.contract_id], rates, as_of, keys)
        values = {name: getattr(found, name, None) for name in DERIVED_COLUMNS}
        values["outcome_source"] = DERIVED if found.outcome else None
        if values["reasons"] is None:
            values["reasons"] = []
        if all(_same(getattr(row, k), v) for k, v in values.items()):
            continue
        changed.append({"id": row.id, **values, "closed_at": now if found.outcome else None})
    filled = _fill_hand_closed(session, found_chains, rates, as_of)
    repository.update_many(session, changed)
    repository.update_many(session, filled)
    auth_service.record_many(
        session, None, "renewal.derive", "renewals",
        [(r["id"], {k: r[k] for k in ("outcome", "renewing_contract_id")}) for r in changed],
    )  # fmt: skip
    return len(changed) + len(filled)


def _fill_hand_closed(
    session: Session, found_chains: dict[int, Chain], rates: ExchangeRates, as_of: date
) -> list[dict[str, Any]]:
    """The ARR split of renewals closed by hand whose renewing contract has now been stored. The hand outcome
    stays when the contracts bear it out; when they contradict it (closed as renewed flat, the renewing
    contract has more ARR; closed as churned, a contract renews it) the contracts' outcome replaces it, the
    reasons and note stay, and the audit log keeps both."""
    filled: list[dict[str, Any]] = []
    audit: dict[str, list[tuple[int, dict[str, Any]]]] = {"renewal.fill": [], "renewal.correct": []}
    for row in repository.hand_rows_awaiting_contract(session):
        chain = found_chains[row.contract_id]
        found = derive(chain, rates, as_of, ())
        if not chain.followers or found.outcome is None:
            continue  # still no renewing contract, or no exchange rate yet
        agrees = contradiction(row.outcome, chain, rates, as_of) is None
        outcome = row.outcome if agrees else found.outcome
        at_stake, renewed = amounts(chain, rates)
        renewal_arr, expansion, contraction, churn = split(outcome, at_stake, renewed)
        filled.append({
            "id": row.id, "outcome": outcome, "renewing_contract_id": found.renewing_contract_id,
            "change_currency": rates.company_currency, "renewal_arr": renewal_arr, "expansion_arr": expansion,
            "contraction_arr": contraction, "churn_arr": churn,
        })  # fmt: skip
        entry = {"renewing_contract_id": found.renewing_contract_id, "outcome": outcome}
        if agrees:
            audit["renewal.fill"].append((row.id, entry))
        else:
            audit["renewal.correct"].append((row.id, {**entry, "closed_as": row.outcome}))
    for action, entries in audit.items():
        auth_service.record_many(session, None, action, "renewals", entries)
    return filled


def _same(stored: Any, new: Any) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return bool(stored == new)
