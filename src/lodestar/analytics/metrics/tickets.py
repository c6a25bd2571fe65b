"""Ticket metrics: open and critical tickets, SLA breaches and median response and resolution hours."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.metrics.definition import F64, I64, Family, Metric, Scope, count_where, joining

RECENT_DAYS = 90


def _median(rows: ir.Table, value: str, name: str) -> ir.Table:
    """Exact median of `value` per (account_id, g), the same on every engine."""
    w = ibis.window(group_by=["account_id", "g"], order_by=rows[value])
    ranked = rows.mutate(
        rn=ibis.row_number().over(w), n=rows[value].count().over(ibis.window(group_by=["account_id", "g"]))
    )
    middle = ranked.filter((ranked.rn == (ranked.n - 1) // 2) | (ranked.rn == ranked.n // 2))
    return middle.group_by(["account_id", "g"]).aggregate(**{name: middle[value].cast("float64").mean()})


def _parts(scope: Scope) -> list[ir.Table]:
    """Counts of open, critical and SLA-breaching tickets, and the two medians, per (account_id, g)."""
    engine, inputs = scope.engine, scope.inputs
    t = engine.table("tickets", inputs.tickets)
    acc = engine.table("accounts", inputs.accounts).select("account_id", "sla_first_response_hours")
    t = t.join(acc, "account_id").cross_join(scope.dates)
    end = (t.gday + 1) * 24.0
    t = t.filter(t.opened_hour < end).mutate(end_hour=end)
    is_open = t.resolved_hour.isnull() | (t.resolved_hour >= t.end_hour)
    recent = t.opened_hour >= (t.gday - (RECENT_DAYS - 1)) * 24.0
    waited = ibis.least(t.first_response_hour.fill_null(t.end_hour), t.end_hour) - t.opened_hour
    sla = t.sla_first_response_hours.fill_null(24.0)
    counts = t.group_by(["account_id", "g"]).aggregate(
        tickets_open=count_where(is_open),
        tickets_critical_open=count_where(is_open & (t.severity == "critical")),
        sla_breaches_90d=count_where(recent & (waited > sla)),
    )
    rec = t.filter(recent)
    answered = rec.filter(rec.first_response_hour < rec.end_hour)
    answered = answered.select("account_id", "g", h=answered.first_response_hour - answered.opened_hour)
    resolved = rec.filter(rec.resolved_hour < rec.end_hour)
    resolved = resolved.select("account_id", "g", h=resolved.resolved_hour - resolved.opened_hour)
    return [
        counts,
        _median(answered, "h", "first_response_hours_90d"),
        _median(resolved, "h", "resolution_hours_90d"),
    ]


def _zero_if_missing(key: str, doc: str) -> Metric:
    return Metric(key, "tickets", I64, lambda t: t[key].fill_null(0), doc)


def _as_is(key: str, doc: str) -> Metric:
    return Metric(key, "tickets", F64, lambda t: t[key], doc)


FAMILY = Family(
    "tickets",
    joining(_parts),
    (
        _zero_if_missing("tickets_open", "Tickets opened by the date and not resolved by its end."),
        _zero_if_missing("tickets_critical_open", "Open tickets of critical severity."),
        _zero_if_missing(
            "sla_breaches_90d",
            "Tickets opened in 90 days that waited longer than the SLA for a first response.",
        ),
        _as_is("first_response_hours_90d", "Median hours to the first response, tickets opened in 90 days."),
        _as_is("resolution_hours_90d", "Median hours to resolution, tickets opened in 90 days."),
    ),
)
