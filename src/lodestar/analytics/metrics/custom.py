"""Custom metrics from configuration: an event count or distinct users for some events over a window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import ibis.expr.types as ir
from pydantic import BaseModel, Field

from lodestar.analytics.metrics.definition import I64, Family, Metric, Scope, joining

RESERVED = {"account_id", "as_of", "g", "gday", "k"}


class CustomMetric(BaseModel):
    """A metric added in configuration, computed over the daily usage roll-up."""

    slug: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    kind: Literal["count_events", "distinct_users"]
    events: list[str] = Field(min_length=1)
    window_days: int = Field(ge=1, le=365)


def _parts(scope: Scope) -> list[ir.Table]:
    """One (account_id, g, <slug>) table per custom metric."""
    grid, dates = scope.grid, scope.dates
    accounts = scope.engine.table("accounts", scope.inputs.accounts).select("account_id", "group_id")
    out = []
    for m in scope.custom:
        if m.slug in RESERVED:
            raise ValueError(f"custom metric slug {m.slug!r} is reserved")
        u = scope.engine.rollup("usage")
        u = u.filter(u.feature.isin(m.events) & (u.day <= grid.hi) & (u.day > grid.lo - m.window_days))
        j = u.join(dates, (u.day <= dates.gday) & (u.day > dates.gday - m.window_days))
        value = j.events.sum() if m.kind == "count_events" else j.user_id.nunique()
        agg = j.group_by(["group_id", "g"]).aggregate(**{m.slug: value.cast("int64")})
        out.append(agg.join(accounts, "group_id").select("account_id", "g", m.slug))
    return out


def _metric(m: CustomMetric) -> Metric:
    kind = "events" if m.kind == "count_events" else "distinct users"
    doc = f"Configured: {kind} of {', '.join(m.events)} in {m.window_days} days."
    return Metric(m.slug, "custom", I64, lambda t: t[m.slug].fill_null(0).cast("int64"), doc)


def _configured(custom: Sequence[CustomMetric]) -> tuple[Metric, ...]:
    return tuple(_metric(m) for m in custom)


FAMILY = Family("custom", joining(_parts), configured=_configured)
