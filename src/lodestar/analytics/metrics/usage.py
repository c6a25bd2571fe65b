"""Usage metrics: events and active users over windows, adoption ratios, key features, last activity.

Their working columns come from the daily roll-ups for any grid of dates (usage_over_rollups), or from the
last-active state when one date on or after the newest roll-up day is asked for (usage_from_state).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.metrics.definition import F64, I64, Family, Metric, Scope
from lodestar.analytics.metrics.usage_from_state import latest_event_columns, uses_latest_state
from lodestar.analytics.metrics.usage_over_rollups import EVENT_WINDOWS, USER_WINDOWS, rollup_event_columns


def _columns(scope: Scope, rows: ir.Table) -> ir.Table:
    engine, grid, inputs = scope.engine, scope.grid, scope.inputs
    if uses_latest_state(engine, grid):
        return latest_event_columns(engine, scope.accounts, grid.hi, inputs.key_features, rows)
    return rollup_event_columns(engine, inputs, grid, rows)


def _per_seat(t: ir.Table, count: ir.IntegerColumn) -> ir.FloatingValue:
    seats = t.seats.cast("int64")
    return ibis.ifelse(seats > 0, count.cast("float64") / seats, ibis.null())


def _trend(t: ir.Table) -> ir.FloatingValue:
    prev = t.events_prev_30d
    return ibis.ifelse(prev > 0, (t.events_30d - prev).cast("float64") / prev, ibis.null())


def _window_metric(key: str, doc: str) -> Metric:
    return Metric(key, "usage", I64, lambda t: t[key], doc)


FAMILY = Family(
    "usage",
    _columns,
    (
        *(
            _window_metric(f"events_{n}d", f"Events of the account in the {n} days up to the date.")
            for n in EVENT_WINDOWS
        ),
        *(
            _window_metric(
                f"active_users_{n}d", f"Distinct users with an event in the {n} days up to the date."
            )
            for n in USER_WINDOWS
        ),
        Metric(
            "seats",
            "usage",
            I64,
            lambda t: t.seats.cast("int64"),
            "Seats of the live contracts (summed by the contracts family): what the ratios divide by.",
        ),
        Metric(
            "active_user_ratio_30d",
            "usage",
            F64,
            lambda t: _per_seat(t, t.active_users_30d),
            "Active users in 30 days per seat.",
        ),
        Metric(
            "usage_trend_30d",
            "usage",
            F64,
            _trend,
            "Change of the 30-day event count against the 30 days before, as a share of those.",
        ),
        _window_metric("key_features_used_30d", "Distinct configured key features used in 30 days."),
        Metric(
            "days_since_last_activity",
            "usage",
            I64,
            lambda t: (t.gday - t.last_day).cast("int64"),
            "Days from the account's latest event day on or before the date.",
        ),
        Metric(
            "training_completion",
            "usage",
            F64,
            lambda t: _per_seat(t, t.trained_users),
            "Users who completed the training event, per seat.",
        ),
    ),
)
