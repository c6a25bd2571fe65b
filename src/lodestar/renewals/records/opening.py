"""The daily step: open a renewal for every contract whose renewal window has opened (or that something
already renews) and has none yet, then let the contract chain decide the outcomes nobody set by hand.
Set-based: one read of the candidates, one bulk insert, one read of the chains, one bulk update."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.contracts import service as contracts_service
from lodestar.kit.time import utcnow
from lodestar.lifecycle import service as lifecycle_service
from lodestar.renewals import config_kind
from lodestar.renewals.records import repository
from lodestar.renewals.records.derivation import Chain, derive
from lodestar.renewals.records.models import DERIVED
from lodestar.renewals.records.repository import DERIVED_COLUMNS


def open_due(session: Session, as_of: date) -> int:
    """Opens the renewals due on as_of; how many were opened."""
    candidates = contracts_service.renewal_candidates(session, repository.contract_ids())
    if not candidates:
        return 0
    opens = lifecycle_service.renewal_window_opens(
        session, [c.start_date for c in candidates], [c.end_date for c in candidates]
    )
    rows = [
        {
            "contract_id": c.id, "account_id": c.account_id, "owner_id": c.owner_id,
            "opened_on": min(opened, as_of), "contract_end": c.end_date, "arr": c.arr,
            "currency": c.currency, "documents": [], "reasons": [],
        }
        for c, opened in zip(candidates, opens, strict=True)
        if opened <= as_of or c.renewed
    ]  # fmt: skip
    repository.insert_many(session, rows)
    auth_service.record_many(
        session, None, "renewal.open", "renewals", [(None, {"contract_id": r["contract_id"]}) for r in rows]
    )
    return len(rows)


def _chains(session: Session) -> dict[int, Chain]:
    contracts, followers = contracts_service.renewal_chain(session, repository.derivable_contract_ids())
    by_contract: dict[int, list[Any]] = defaultdict(list)
    for f in followers:
        by_contract[f.renews_contract_id].append(f)
    return {c.id: Chain(c, by_contract.get(c.id, [])) for c in contracts}


def derive_outcomes(session: Session, as_of: date) -> int:
    """Sets the outcome the contracts say of every renewal nobody closed by hand (a late renewing contract
    turns a churn into a renewal); only rows whose values change are written. How many changed."""
    settings, _ = config_kind.current(session)
    rates, keys = config_kind.exchange_rates(session), {r.key for r in settings.reasons}
    chains = _chains(session)
    changed: list[dict[str, Any]] = []
    now = utcnow()
    for row in repository.derivable_rows(session):
        found = derive(chains[row.contract_id], rates, as_of, keys)
        values = {name: getattr(found, name, None) for name in DERIVED_COLUMNS}
        values["outcome_source"] = DERIVED if found.outcome else None
        if values["reasons"] is None:
            values["reasons"] = []
        if all(_same(getattr(row, k), v) for k, v in values.items()):
            continue
        changed.append({"id": row.id, **values, "closed_at": now if found.outcome else None})
    repository.update_many(session, changed)
    auth_service.record_many(
        session, None, "renewal.derive", "renewals",
        [(r["id"], {k: r[k] for k in ("outcome", "renewing_contract_id")}) for r in changed],
    )  # fmt: skip
    return len(changed)


def _same(stored: Any, new: Any) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return bool(stored == new)
