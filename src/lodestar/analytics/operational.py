"""Metrics from the operational tables (tickets, surveys, touches, contracts, contacts) per (account, g)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from lodestar.analytics.engine import AnalyticsEngine
from lodestar.analytics.inputs import MetricInputs

OPEN_DAYS = 90


def _count(condition: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows meet the condition (null counts as not met)."""
    return ibis.ifelse(condition, 1, 0).sum()


def _median(rows: ir.Table, value: str, name: str) -> ir.Table:
    """Exact median of `value` per (account_id, g), the same on every engine."""
    w = ibis.window(group_by=["account_id", "g"], order_by=rows[value])
    ranked = rows.mutate(
        rn=ibis.row_number().over(w), n=rows[value].count().over(ibis.window(group_by=["account_id", "g"]))
    )
    middle = ranked.filter((ranked.rn == (ranked.n - 1) // 2) | (ranked.rn == ranked.n // 2))
    return middle.group_by(["account_id", "g"]).aggregate(**{name: middle[value].cast("float64").mean()})


def ticket_metrics(engine: AnalyticsEngine, inputs: MetricInputs, grid: ir.Table) -> list[ir.Table]:
    """Open and critical tickets, SLA breaches and median response/resolution hours."""
    t = engine.table("tickets", inputs.tickets)
    acc = engine.table("accounts", inputs.accounts).select("account_id", "sla_first_response_hours")
    t = t.join(acc, "account_id").cross_join(grid)
    end = (t.gday + 1) * 24.0
    t = t.filter(t.opened_hour < end).mutate(end_hour=end)
    is_open = t.resolved_hour.isnull() | (t.resolved_hour >= t.end_hour)
    recent = t.opened_hour >= (t.gday - (OPEN_DAYS - 1)) * 24.0
    waited = ibis.least(t.first_response_hour.fill_null(t.end_hour), t.end_hour) - t.opened_hour
    sla = t.sla_first_response_hours.fill_null(24.0)
    counts = t.group_by(["account_id", "g"]).aggregate(
        tickets_open=_count(is_open),
        tickets_critical_open=_count(is_open & (t.severity == "critical")),
        sla_breaches_90d=_count(recent & (waited > sla)),
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


def survey_metrics(engine: AnalyticsEngine, inputs: MetricInputs, grid: ir.Table) -> list[ir.Table]:
    """Latest NPS and CSAT answers at or before the date."""
    s = engine.table("surveys", inputs.surveys).cross_join(grid)
    s = s.filter(s.answered_hour < (s.gday + 1) * 24.0)
    out = []
    for kind in ("nps", "csat"):
        k = s.filter(s.kind == kind)
        w = ibis.window(group_by=["account_id", "g"], order_by=[k.answered_hour.desc(), k.response_id.desc()])
        k = k.mutate(rn=ibis.row_number().over(w))
        k = k.filter(k.rn == 0)
        out.append(k.select("account_id", "g", **{f"{kind}_latest": k.score.cast("float64")}))
    return out


def touch_metrics(engine: AnalyticsEngine, inputs: MetricInputs, grid: ir.Table) -> list[ir.Table]:
    """Days since the last touch and trainings in 180 days."""
    t = engine.table("touches", inputs.touches).cross_join(grid)
    t = t.filter(t.day <= t.gday)
    agg = t.group_by(["account_id", "g", "gday"]).aggregate(
        last_touch=t.day.max(),
        trainings_180d=_count((t.kind == "training") & (t.day > t.gday - 180)),
    )
    return [
        agg.select(
            "account_id",
            "g",
            "trainings_180d",
            days_since_last_touch=(agg.gday - agg.last_touch).cast("int64"),
        )
    ]


def contract_metrics(engine: AnalyticsEngine, inputs: MetricInputs, grid: ir.Table) -> list[ir.Table]:
    """ARR and seats of live contracts, days to end and share of term elapsed of the nearest-ending one."""
    c = engine.table("contracts", inputs.contracts).cross_join(grid)
    c = c.filter((c.start_day <= c.gday) & (c.end_day >= c.gday) & (c.status != "cancelled"))
    sums = c.group_by(["account_id", "g"]).aggregate(arr=c.arr.sum(), seats=c.seats.sum())
    w = ibis.window(group_by=["account_id", "g"], order_by=[c.end_day, c.contract_id])
    first = c.mutate(rn=ibis.row_number().over(w))
    first = first.filter(first.rn == 0)
    length = first.end_day - first.start_day
    near = first.select(
        "account_id",
        "g",
        days_to_end=(first.end_day - first.gday).cast("int64"),
        term_elapsed_share=ibis.ifelse(
            length > 0, (first.gday - first.start_day).cast("float64") / length, ibis.null()
        ),
    )
    return [sums, near]


def contact_metrics(engine: AnalyticsEngine, inputs: MetricInputs, grid: ir.Table) -> list[ir.Table]:
    """Champion present and decision maker left in 90 days.

    A contact with a leaving date is present before that day; one without is present while active.
    """
    c = engine.table("contacts", inputs.contacts).cross_join(grid)
    present = ibis.ifelse(c.left_day.isnull(), c.active.fill_null(True), c.left_day > c.gday)
    left = (c.left_day > c.gday - 90) & (c.left_day <= c.gday)
    agg = c.group_by(["account_id", "g"]).aggregate(
        champions=_count((c.role == "champion") & present),
        dm_left=_count((c.role == "decision_maker") & left),
    )
    return [agg]
