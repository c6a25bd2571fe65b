"""Custom metrics from configuration: an event count or distinct users for some events over a window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import ibis.expr.types as ir
from pydantic import BaseModel, Field

from lodestar.analytics.engine import AnalyticsEngine
from lodestar.analytics.grid import Grid
from lodestar.analytics.inputs import MetricInputs

RESERVED = {"account_id", "as_of", "g", "gday", "k"}


class CustomMetric(BaseModel):
    """A metric added in configuration, computed over the daily usage roll-up."""

    slug: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    kind: Literal["count_events", "distinct_users"]
    events: list[str] = Field(min_length=1)
    window_days: int = Field(ge=1, le=365)


def custom_columns(
    engine: AnalyticsEngine,
    inputs: MetricInputs,
    grid: Grid,
    dates: ir.Table,
    metrics: Sequence[CustomMetric],
) -> list[ir.Table]:
    """One (account_id, g, <slug>) table per custom metric."""
    accounts = engine.table("accounts", inputs.accounts).select("account_id", "group_id")
    out = []
    for m in metrics:
        if m.slug in RESERVED:
            raise ValueError(f"custom metric slug {m.slug!r} is reserved")
        u = engine.rollup("usage")
        u = u.filter(u.feature.isin(m.events) & (u.day <= grid.hi) & (u.day > grid.lo - m.window_days))
        j = u.join(dates, (u.day <= dates.gday) & (u.day > dates.gday - m.window_days))
        value = j.events.sum() if m.kind == "count_events" else j.user_id.nunique()
        agg = j.group_by(["group_id", "g"]).aggregate(**{m.slug: value.cast("int64")})
        out.append(agg.join(accounts, "group_id").select("account_id", "g", m.slug))
    return out
