"""A seeded random company, and the event metrics worked out by brute force over its raw events."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa

from lodestar.analytics.event_store import EVENT_SCHEMA, write_events
from lodestar.analytics.inputs import MetricInputs, days, make_inputs
from tests.analytics.world import event

LAST = date(2026, 5, 31)
KEY = ("Report", "Login")
TRAINING = "Training Completed"
SEATS = 10
NAMES = ("Report", "Login", "Export", "Training Completed", "Home")
EVENT_METRICS = (
    "events_7d",
    "events_30d",
    "events_90d",
    "events_180d",
    "active_users_7d",
    "active_users_30d",
    "active_users_90d",
    "key_features_used_30d",
    "days_since_last_activity",
    "trained_users",
)


def random_events(seed: int, accounts: int = 6, days: int = 240, count: int = 900) -> list[dict[str, object]]:
    """Events over `days` days up to LAST: bursts, gaps, null users, identify calls and unknown groups."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        group = f"g{rng.randrange(accounts + 1)}"  # the last group belongs to no account
        day = LAST - timedelta(days=int(rng.triangular(0, days, 0)))
        when = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), UTC)
        user = None if rng.random() < 0.1 else f"u{rng.randrange(8)}"
        kind = rng.choice(("track", "track", "track", "page", "identify"))
        rows.append(event(when, group, user, rng.choice(NAMES), kind=kind))
    return rows


def write_random(events_dir: Path, rows: list[dict[str, object]]) -> None:
    """Writes the events into an event store."""
    write_events(events_dir, pa.Table.from_pylist(rows, schema=EVENT_SCHEMA))


def random_inputs(accounts: int = 6) -> MetricInputs:
    """Accounts g0..g<n-1> plus one without a group id."""
    rows = [
        {"account_id": i + 1, "group_id": f"g{i}", "tier": None, "sla_first_response_hours": 24.0}
        for i in range(accounts)
    ]
    rows.append({"account_id": 99, "group_id": None, "tier": None, "sla_first_response_hours": 24.0})
    contracts = [
        {
            "account_id": i + 1,
            "contract_id": i + 1,
            "start_day": days(LAST - timedelta(days=400)),
            "end_day": days(LAST + timedelta(days=400)),
            "arr": 1000.0,
            "seats": SEATS,
            "status": "active",
        }
        for i in range(accounts)
    ]
    return make_inputs(KEY, accounts=rows, contracts=contracts)


def brute_force(rows: list[dict[str, object]], group: str | None, as_of: date) -> dict[str, int | None]:
    """The event metrics of one group at one date, counted straight from the raw events."""
    seen = [
        (r["timestamp"].date(), r["user_id"], r["event"] or r["name"])  # type: ignore[attr-defined]
        for r in rows
        if group is not None and r["group_id"] == group and r["type"] in ("track", "page")
    ]
    seen = [s for s in seen if s[0] <= as_of]

    def within(n: int) -> list[tuple[date, object, object]]:
        return [s for s in seen if s[0] > as_of - timedelta(days=n)]

    out: dict[str, int | None] = {f"events_{n}d": len(within(n)) for n in (7, 30, 90, 180)}
    for n in (7, 30, 90):
        out[f"active_users_{n}d"] = len({u for _, u, _ in within(n) if u is not None})
    out["key_features_used_30d"] = len({f for _, _, f in within(30) if f in KEY})
    out["days_since_last_activity"] = (as_of - max(d for d, _, _ in seen)).days if seen else None
    out["trained_users"] = len({u for _, u, f in seen if f == TRAINING and u is not None})
    return out
