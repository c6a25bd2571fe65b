"""Recomputing a few accounts on one date without touching the rest of the portfolio.

Only these accounts' rows are loaded (tier profile, contracts, contacts, tickets, touches, surveys), their
metrics come from a query filtered on them, their stage starts from their own rows of the previous
snapshot (point reads), and percentile measures rank them among the other accounts' stored values of the
date, read column by column. The result is stored as the date's patch (analytics.snapshot_patch), their
health history and stage changes of the date are replaced, and when the date is the newest their
accounts carry the new values. A full run of the date computes the same rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lodestar.accounts import config_kind as tiers_kind
from lodestar.accounts import service as accounts_service
from lodestar.accounts.tiers import assign_tiers
from lodestar.analytics import snapshot_store as store
from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.metrics.custom_spec import CustomMetric
from lodestar.analytics.metrics.registry import metrics_schema
from lodestar.analytics.metrics.table import account_metrics, compute_metrics
from lodestar.analytics.snapshot_patch import write_patch
from lodestar.health import config_kind as health_kind
from lodestar.health import service as health_service
from lodestar.kit.errors import NotFound
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle import service as lifecycle_service
from lodestar.snapshots import config_kind as metrics_kind
from lodestar.snapshots.health_and_stages import (
    STATE_COLUMNS,
    TIER_COLUMNS,
    Models,
    contract_terms,
    score_and_stage,
    state_from_snapshot,
)
from lodestar.snapshots.metric_inputs import load_inputs

BATCH = 5_000  # accounts per recompute round (bounded IN lists and memory)
NONE = pa.table({"account_id": pa.array([], pa.int64())})  # no account recomputed
HISTORY_COLUMNS = ["account_id", "as_of", "score", "grade", "coverage", "model", "model_version", "stage"]


@dataclass(frozen=True)
class Setup:
    """The configuration a recompute uses: models, tier rules, custom metrics and key features."""

    models: Models
    tier_rules: Any
    custom: list[CustomMetric]
    key_features: tuple[str, ...]


def load_setup(session: Any) -> Setup:
    """The current configuration (read once per recompute round)."""
    health, hv = health_kind.current(session)
    lifecycle, lv = lifecycle_kind.current(session)
    rules, tv = tiers_kind.current(session)
    metrics_config, _ = metrics_kind.current(session)
    custom = list(metrics_config.custom)
    return Setup(Models(health, hv, lifecycle, lv, tv), rules, custom, tuple(metrics_config.key_features))


def _tiers(session: Any, setup: Setup, ids: list[int]) -> pa.Table:
    """These accounts' tiers (pinned wins), storing the ones that moved."""
    profiles = accounts_service.tier_profiles(session, ids)
    if not profiles:
        return NONE
    tiers = assign_tiers(pa.Table.from_pylist(profiles), setup.tier_rules)
    before = {p["account_id"]: p["tier"] for p in profiles}
    moved = [
        {"id": a, "tier": t}
        for a, t in zip(tiers["account_id"].to_pylist(), tiers["tier"].to_pylist(), strict=True)
        if before[a] != t
    ]
    accounts_service.set_snapshot_values(session, moved)
    return tiers


def _metrics(engine: AnalyticsEngine, inputs: MetricInputs, setup: Setup, as_of: date) -> pa.Table:
    """The accounts' metrics on one date (one account: DuckDB's prepared per-account query)."""
    ids = inputs.accounts.column("account_id").to_pylist()
    if len(ids) == 1:
        row = account_metrics(engine, inputs, ids[0], as_of, setup.custom)
        return pa.Table.from_pylist([row], schema=metrics_schema(setup.custom))
    return compute_metrics(engine, inputs, [as_of], setup.custom)


def _percentile_metrics(setup: Setup) -> list[str]:
    return sorted(
        {
            ms.metric
            for m in setup.models.health.models
            for ms in m.measures
            if ms.scoring.method == "percentile"
        }
    )


def _peers(root: Path, as_of: date, setup: Setup, ids: list[int]) -> pa.Table | None:
    """Other accounts' stored tiers, models and percentile metrics of the date (None when not needed)."""
    wanted = _percentile_metrics(setup)
    names = set(store.column_names(root, as_of))
    if not wanted or not names:
        return None
    columns = ["account_id", "as_of", *TIER_COLUMNS, "model", *(m for m in wanted if m in names)]
    stored = store.read(root, as_of, columns)
    if stored is None:
        return None
    return stored.filter(pc.invert(pc.is_in(stored.column("account_id"), pa.array(ids, pa.int64()))))


def _with_peer_tiers(tiers: pa.Table, peers: pa.Table | None) -> pa.Table:
    """The accounts' tiers, and the peers' stored ones (the percentile ranks group by tier)."""
    mine = tiers.select(["account_id", *TIER_COLUMNS])
    if peers is None:
        return mine
    return pa.concat_tables([mine, peers.select(mine.column_names).cast(mine.schema)])


def _stage_state(root: Path, as_of: date, ids: list[int]) -> Any:
    """The accounts' stage state carried from the previous snapshot (their rows only)."""
    previous = store.latest_before(root, as_of)
    rows = (
        store.read_accounts(root, previous, ids, ["account_id", "as_of", *STATE_COLUMNS])
        if previous
        else None
    )
    return state_from_snapshot(rows) if rows is not None and rows.num_rows else {}


def _trend(series: list[tuple[date, float]], as_of: date, back: int, now: float | None) -> float | None:
    earlier = [score for day, score in series if day <= as_of - timedelta(days=back)]
    return None if now is None or not earlier else round(now - earlier[-1], 2)


def _denormalise(session: Any, as_of: date, table: pa.Table) -> None:
    """Copies the accounts' new health, trend and stage onto them (as the run does for the newest date)."""
    ids = table.column("account_id").to_pylist()
    series: dict[int, list[tuple[date, float]]] = {}
    for h in health_service.accounts_history_between(session, ids, as_of - timedelta(days=60), as_of):
        if h.score is not None:
            series.setdefault(h.account_id, []).append((h.as_of, h.score))
    since = lifecycle_service.last_change_dates(session, as_of, ids)
    values = []
    for row in table.select(["account_id", "score", "grade", "stage", "in_renewal_window"]).to_pylist():
        account, score = row["account_id"], row["score"]
        values.append(
            {
                "id": account,
                "health_score": None if score is None else round(score, 2),
                "health_grade": row["grade"],
                "health_trend_7d": _trend(series.get(account, []), as_of, 7, score),
                "health_trend_30d": _trend(series.get(account, []), as_of, 30, score),
                "stage": row["stage"],
                "stage_since": since.get(account),
                "in_renewal_window": bool(row["in_renewal_window"]),
            }
        )
    accounts_service.set_snapshot_values(session, values)


def _round(
    session: Any, engine: AnalyticsEngine, root: Path, ids: list[int], as_of: date, setup: Setup
) -> pa.Table:
    """Recomputes one batch of accounts and stores what it found."""
    tiers = _tiers(session, setup, ids)
    ids = tiers.column("account_id").to_pylist()  # accounts that no longer exist drop out
    if not ids:
        return NONE
    sla = {t.key: t.sla.first_response_hours for t in setup.tier_rules.tiers}
    inputs = load_inputs(session, sla, setup.key_features, ids)
    metrics = _metrics(engine, inputs, setup, as_of)
    peers = _peers(root, as_of, setup, ids)
    state = _stage_state(root, as_of, ids)
    terms = contract_terms(inputs.contracts)
    computed = score_and_stage(
        metrics, _with_peer_tiers(tiers, peers), setup.models, terms, state, peers=peers
    )
    assert computed.last is not None  # every account has a row of metrics
    table = computed.last[1]
    health_service.record_accounts_history(session, ids, as_of, table.select(HISTORY_COLUMNS).to_pylist())
    moves = computed.transitions.rename_columns(["account_id", "on", "from_stage", "to_stage", "reason"])
    lifecycle_service.record_account_stage_changes(session, ids, as_of, moves.to_pylist())
    if max(store.dates(root), default=as_of) <= as_of:
        _denormalise(session, as_of, table)
    write_patch(root, as_of, table)
    return table


def recompute_accounts(
    session: Any, engine: AnalyticsEngine, root: Path, account_ids: Collection[int], as_of: date
) -> pa.Table:
    """Recomputes these accounts on a date, in rounds of BATCH; their full snapshot rows come back."""
    setup = load_setup(session)
    engine.refresh()
    ordered = sorted(set(account_ids))
    parts = [
        _round(session, engine, root, ordered[i : i + BATCH], as_of, setup)
        for i in range(0, len(ordered), BATCH)
    ]
    return (
        pa.concat_tables(parts, promote_options="permissive")
        if parts
        else pa.table({"account_id": pa.array([], pa.int64())})
    )


def recompute_account(
    session: Any, engine: AnalyticsEngine, root: Path, account_id: int, as_of: date
) -> dict[str, Any]:
    """One account's full snapshot row on a date, recomputed and stored (NotFound when it does not exist)."""
    table = recompute_accounts(session, engine, root, [account_id], as_of)
    if table.num_rows == 0:
        raise NotFound(f"account {account_id} not found")
    row: dict[str, Any] = table.drop_columns(["explanations"]).to_pylist()[0]
    return row | {"explanations": table["explanations"].to_pylist()[0]}
