"""Which accounts a rule watches: customers (or the stages its scope names) within its tiers, plans,
industries, regions and tags."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.accounts import service as accounts_service
from lodestar.alerts.conditions.account_frame import AccountFrame, Reads
from lodestar.alerts.schemas import Scope
from lodestar.lifecycle.schemas import LEAD_POOL

# Contract phases (the snapshot's `phase`) of accounts that are no longer customers.
CLOSED_PHASES = ("churned", LEAD_POOL)


def _among(values: pa.Array, allowed: list[str]) -> np.ndarray:
    found = pc.fill_null(pc.is_in(pc.cast(values, pa.string()), pa.array(allowed, pa.string())), False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def customers(frame: AccountFrame) -> np.ndarray:
    """Accounts with a contract phase on as_of that is neither churned nor the lead pool (an account with
    no contract yet has none); a snapshot without phases is read by the stage keys of the same names."""
    name = "phase" if frame.has(frame.as_of, "phase") else "stage"
    phase = frame.column(frame.as_of, name)
    placed = np.asarray(pc.is_valid(phase).to_numpy(zero_copy_only=False), dtype=bool)
    return placed & ~_among(phase, list(CLOSED_PHASES))


def scope_reads(frame: AccountFrame, scope: Scope) -> Reads:
    """What a scope reads of as_of: the stage or the contract phase, and the tier when it names tiers."""
    names = ["stage" if scope.stages else "phase"] + (["tier"] if scope.tiers else [])
    return [(frame.as_of, n) for n in names]


def watched(frame: AccountFrame, scope: Scope) -> np.ndarray:
    """The frame accounts a rule of this scope watches. Without stages in the scope, only customers;
    stages named in it are watched whatever the account's phase (churned or lead_pool included)."""
    mask = _among(frame.column(frame.as_of, "stage"), scope.stages) if scope.stages else customers(frame)
    if scope.tiers:
        mask &= _among(frame.column(frame.as_of, "tier"), scope.tiers)
    if scope.plans or scope.industries or scope.regions or scope.tags:
        ids = accounts_service.ids_in_scope(
            frame.session,
            plans=scope.plans,
            industries=scope.industries,
            regions=scope.regions,
            tags=scope.tags,
            account_ids=frame.scoped_ids,
        )
        pos, hit = frame.positions(np.asarray(ids, dtype=np.int64))
        inside = np.zeros(len(frame), dtype=bool)
        inside[pos[hit]] = True
        mask &= inside
    return mask
