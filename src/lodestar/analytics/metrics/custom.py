"""Custom metrics from configuration (metrics.custom_spec), compiled to the same Ibis on every engine.

A metric that reads only the event name and the user comes from the daily usage roll-up; one that reads
other fields or properties, or sums a number, from the raw events of its window in the event store. Each
aggregates its events over the window ending on every grid date: one (account_id, g, <slug>) part. A ratio
is an expression over the rows, dividing two metrics (built-in or custom) by their own expressions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis.expr.types as ir

from lodestar.analytics.metrics.custom_spec import (
    NUMERIC,
    CustomMetric,
    custom_problems,
    in_dependency_order,
    property_name,
)
from lodestar.analytics.metrics.definition import F64, I64, Family, Metric, Scope, joining
from lodestar.analytics.metrics.event_fields import (
    all_of,
    field_number,
    field_text,
    usage_events,
    with_properties,
)


def _event_metrics(custom: Sequence[CustomMetric]) -> list[CustomMetric]:
    return [m for m in custom if m.aggregate != "ratio"]


def _raw_events(scope: Scope) -> ir.Table | None:
    """The usage events of every day a metric reading raw events needs, read once for all of them."""
    wanted = [m for m in _event_metrics(scope.custom) if m.needs_raw_events()]
    if not wanted:
        return None
    widest = max(m.window_days or 1 for m in wanted)
    events = usage_events(scope.engine.events(scope.grid.lo - widest + 1, scope.grid.hi))
    read = [property_name(f) for m in wanted for f in m.fields_read()]
    return with_properties(events, [p for p in read if p is not None])


def _value(m: CustomMetric, j: ir.Table, raw: bool) -> ir.Scalar:
    """The aggregate over one account's events in one window."""
    if m.aggregate == "count_events":
        return j.count() if raw else j.events.sum()
    if m.aggregate == "distinct_users":
        return j.user_id.nunique()
    assert m.field is not None
    if m.aggregate == "distinct":
        return field_text(j, m.field).nunique()
    number = field_number(j, m.field)
    return {"sum": number.sum, "avg": number.mean, "min": number.min, "max": number.max}[m.aggregate]()


def _part(scope: Scope, m: CustomMetric, raw: ir.Table | None, accounts: ir.Table) -> ir.Table:
    grid, dates, window = scope.grid, scope.dates, m.window_days or 1
    from_raw = m.needs_raw_events()
    if from_raw:
        assert raw is not None  # _raw_events read the days of every such metric
        u = raw
    else:
        u = scope.engine.rollup("usage", grid.lo - window + 1, grid.hi)
    u = u.filter(all_of(u, m.where)) if m.where else u  # the roll-up has `feature` and `user_id` too
    if m.events:
        u = u.filter(u.feature.isin(m.events))
    u = u.filter((u.day <= grid.hi) & (u.day > grid.lo - window))
    u = scope.engine.read_ahead(u.filter(u.group_id.isin(accounts.group_id)))
    j = u.join(dates, (u.day <= dates.gday) & (u.day > dates.gday - window))
    dtype = "float64" if m.aggregate in NUMERIC else "int64"
    agg = j.group_by(["group_id", "g"]).aggregate(**{m.slug: _value(m, j, from_raw).cast(dtype)})
    return agg.join(accounts, "group_id").select("account_id", "g", m.slug)


def _parts(scope: Scope) -> list[ir.Table]:
    """One (account_id, g, <slug>) table per custom metric aggregating events (`_configured` checked them)."""
    accounts = scope.engine.table("accounts", scope.inputs.accounts).select("account_id", "group_id")
    raw = _raw_events(scope)
    return [_part(scope, m, raw, accounts) for m in _event_metrics(scope.custom)]


def _describe(m: CustomMetric) -> str:
    if m.aggregate == "ratio":
        return f"Configured: {m.numerator} / {m.denominator} (null when the denominator is 0)."
    what = {"count_events": "events", "distinct_users": "distinct users"}.get(m.aggregate)
    what = what or f"{m.aggregate} of {m.field}"
    which = f" of {', '.join(m.events)}" if m.events else ""
    where = f" where {'; '.join(f'{c.field} {c.op} {c.value}' for c in m.where)}" if m.where else ""
    return f"Configured: {what}{which}{where} in {m.window_days} days."


def _column(m: CustomMetric) -> Metric:
    doc = _describe(m)
    if m.aggregate in ("count_events", "distinct_users", "distinct"):
        return Metric(m.slug, "custom", I64, lambda t: t[m.slug].fill_null(0).cast("int64"), doc)
    if m.aggregate == "sum":  # no matching event sums to 0, as it counts 0
        return Metric(m.slug, "custom", F64, lambda t: t[m.slug].fill_null(0.0).cast("float64"), doc)
    return Metric(m.slug, "custom", F64, lambda t: t[m.slug].cast("float64"), doc)


def _ratio(m: CustomMetric, numerator: Metric, denominator: Metric) -> Metric:
    def value(t: ir.Table) -> ir.Value:
        below = denominator.value(t).cast("float64")
        return (numerator.value(t).cast("float64") / below.nullif(0.0)).cast("float64")

    return Metric(m.slug, "custom", F64, value, _describe(m))


def _configured(custom: Sequence[CustomMetric], defined: Mapping[str, Metric]) -> tuple[Metric, ...]:
    """Each configured metric in configuration order; ratios read the metrics defined before them."""
    problems = custom_problems(custom, tuple(defined))
    if problems:
        raise ValueError("; ".join(f"{p.field}: {p.message}" for p in problems))
    made: dict[str, Metric] = {}
    for m in in_dependency_order(custom):
        if m.aggregate != "ratio":
            made[m.slug] = _column(m)
            continue
        assert m.numerator is not None and m.denominator is not None
        known = {**defined, **made}
        made[m.slug] = _ratio(m, known[m.numerator], known[m.denominator])
    return tuple(made[m.slug] for m in custom)


FAMILY = Family("custom", joining(_parts), configured=_configured)
