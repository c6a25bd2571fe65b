"""The win-back windows: opened once per contract that ended without renewal, settled from the contracts.

The dates follow the lifecycle's rule: a contract's last day D is its end (or its earlier churn date); the
window runs from D + 1 to D + `churn.win_back_days`, the lead pool from the day after. A contract of the
account begun after D and within the window reactivates the win-back; one begun after the window is a
reactivation from the pool, counted apart.

"Ended without renewal" is the successor rule's (renewals/succession.py), the one renewal records and
retention read: a contract renewed by a stored chain id or by a successor the dates imply is no churn, and
one that may still be succeeded by date (no churn date, not expired) waits `successor.days_after` days
after its end before its win-back opens (its window still counted from D).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.contracts import service as contracts_service
from lodestar.kit.time import utcnow
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.succession import CLOSED_STATUSES, merged_ids, renewed_ids
from lodestar.renewals.winback import repository
from lodestar.renewals.winback.models import WinBackOutcome
from lodestar.sop import service as sop_service

ENTITY = "win_backs"
OPEN, REACTIVATED, LOST = (o.value for o in WinBackOutcome)


def window_days(session: Session) -> int:
    """The win-back window of the active lifecycle model, in days."""
    return lifecycle_kind.current(session)[0].churn.win_back_days


def open_win_backs(session: Session, as_of: date) -> tuple[int, list[sop_service.ChurnStart]]:
    """Opens a win-back for every contract churned by as_of that has none and that the successor rule does
    not spare (not_churned_yet): how many, and the starts of those whose window is still open on as_of
    (their reason's playbook is due; an old churn found late only gets its record)."""
    churned = contracts_service.churned_by(session, as_of)
    seen = repository.opened_contracts(session, [c[0] for c in churned])
    fresh = [c for c in churned if c[0] not in seen]
    if fresh:
        spared = not_churned_yet(session, {c[0] for c in fresh}, as_of)
        fresh = [c for c in fresh if c[0] not in spared]
    if not fresh:
        return 0, []
    days = timedelta(days=window_days(session))
    owners = accounts_service.owner_tier_stage(session, {c[1] for c in fresh})
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "account_id": account_id,
            "contract_id": contract_id,
            "churned_on": last,
            "window_ends_on": last + days,
            "churn_reason": reason,
            "arr": arr,
            "currency": currency,
            "owner_id": owners.get(account_id, (None, None, None))[0],
            "outcome": OPEN,
            "created_at": now,
        }
        for contract_id, account_id, last, arr, currency, reason in sorted(fresh)
    ]
    ids = repository.insert_win_backs(session, rows)
    keys = ("contract_id", "churned_on", "window_ends_on", "churn_reason")
    entries = [(i, {k: str(r[k]) for k in keys}) for i, r in zip(ids, rows, strict=True)]
    auth_service.record_many(session, None, "win_back.open", ENTITY, entries)
    return len(ids), [
        sop_service.ChurnStart(i, r["account_id"], r["churn_reason"], as_of)
        for i, r in zip(ids, rows, strict=True)
        if as_of <= r["window_ends_on"]
    ]


def not_churned_yet(session: Session, contract_ids: set[int], as_of: date) -> set[int]:
    """Of these ended contracts, those the successor rule reads as renewed (a stored chain id, or a contract
    of the account starting within the rule's days around the end), and those a successor may still renew
    on as_of: no churn date, not expired, ended at most `successor.days_after` days before."""
    rule = renewals_kind.current(session)[0].successor
    cols = contracts_service.chain_columns(session)  # every non-cancelled contract: the whole chain
    epoch = np.datetime64("1970-01-01", "D")
    start, end = ((cols[k].astype("datetime64[D]") - epoch).astype(np.int64) for k in ("start", "end"))
    open_ended = np.isnat(cols["churned"]) & ~np.isin(cols["status"], CLOSED_STATUSES)
    renews = renewed_ids(cols["id"], cols["account_id"], start, end, cols["renews"], open_ended, rule)
    said = cols["status"] == "renewed"
    merged = merged_ids(
        cols["id"], cols["account_id"], start, end, renews, open_ended, rule, cols["renews"], said
    )
    renewed = (set(renews[renews >= 0].tolist()) | set(cols["id"][merged >= 0].tolist())) & contract_ids
    # The last day a successor may start, counted from the end: until then the churn is not yet known.
    last_start = (np.datetime64(as_of, "D") - epoch).astype(np.int64) - rule.days_after
    waiting = np.isin(cols["id"], list(contract_ids)) & open_ended & (end >= last_start)
    return renewed | set(cols["id"][waiting].tolist())


def _first_after(contracts: Sequence[dict[str, Any]], day: date, as_of: date) -> dict[str, Any] | None:
    """The first contract begun after the day and by as_of (cancelled ones do not count)."""
    later = [c for c in contracts if day < c["start_date"] <= as_of and c["status"] != "cancelled"]
    return min(later, key=lambda c: (c["start_date"], c["contract_id"])) if later else None


def _settled(row: Any, back: dict[str, Any] | None, as_of: date) -> dict[str, Any] | None:
    """The changes of one unsettled win-back as of the day, or None."""
    if back is not None and back["start_date"] <= row.window_ends_on:
        return {
            "id": row.id, "outcome": REACTIVATED, "closed_on": back["start_date"],
            "reactivated_contract_id": back["contract_id"], "lead_since": None,
        }  # fmt: skip
    lead_since = row.window_ends_on + timedelta(days=1)
    if as_of < lead_since:
        return None
    change: dict[str, Any] = {"id": row.id}
    if row.outcome == OPEN:
        change |= {"outcome": LOST, "closed_on": lead_since, "lead_since": lead_since}
    if back is not None:
        change |= {"lead_reactivated_on": back["start_date"], "lead_contract_id": back["contract_id"]}
    return change if len(change) > 1 else None


def settle(session: Session, as_of: date) -> dict[str, int]:
    """Closes open win-backs (reactivated by a new contract, or lost when the window ended: a lead) and marks
    leads won back from the pool; counts of each."""
    rows = repository.unsettled(session)
    if not rows:
        return {"reactivated": 0, "lost": 0, "from_pool": 0}
    by_account: dict[int, list[dict[str, Any]]] = {}
    for c in contracts_service.analytics_rows(session, {r.account_id for r in rows}):
        by_account.setdefault(c["account_id"], []).append(c)
    changes = []
    for row in rows:
        back = _first_after(by_account.get(row.account_id, []), row.churned_on, as_of)
        change = _settled(row, back, as_of)
        if change is not None:
            changes.append(change)
    repository.update_win_backs(session, changes)
    picks = {
        ("reactivate", "reactivated"): lambda c: c.get("outcome") == REACTIVATED,
        ("lose", "lost"): lambda c: c.get("outcome") == LOST,
        ("reactivate_from_pool", "from_pool"): lambda c: "lead_reactivated_on" in c,
    }
    counts = {}
    for (action, key), picked in picks.items():
        done = [(c["id"], _plain(c)) for c in changes if picked(c)]
        counts[key] = auth_service.record_many(session, None, f"win_back.{action}", ENTITY, done)
    return counts


def _plain(change: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, date) else v) for k, v in change.items() if k != "id"}
