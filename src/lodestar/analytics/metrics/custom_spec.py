"""What a team may define as a custom metric in configuration, and the checks across its metrics.

A custom metric aggregates the usage events of each account over a window of days ending on the as-of
date (only `track` and `page` events with a group id count, as for the built-in usage metrics), after
optional filters on the event name and on any field or property; or it divides two other metrics.
Fields are `event` (the event or page name), `user_id`, `anonymous_id`, `source` and `properties.<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from lodestar.kit.errors import FieldProblem

Aggregate = Literal["count_events", "distinct_users", "distinct", "sum", "avg", "min", "max", "ratio"]
Operator = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte"]
Scalar = str | int | float | bool

EVENT_FIELDS = ("event", "user_id", "anonymous_id", "source")
PROPERTY_PREFIX = "properties."
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")  # a plain key: a JSON path on every engine
NUMERIC = ("sum", "avg", "min", "max")
COMPARISONS = ("gt", "gte", "lt", "lte")
# The longest window: the rolled-up history the metrics are expected to reach back over.
MAX_WINDOW_DAYS = 365
RESERVED = {"account_id", "as_of", "g", "gday", "k"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Condition(_Strict):
    """One filter on the events: a field or property compared with a value (an absent one never matches)."""

    field: str
    op: Operator = "eq"
    value: Scalar | list[str | int | float]


class CustomMetric(_Strict):
    """A metric column defined in configuration (see the module docstring for what each aggregate reads)."""

    slug: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")
    label: str | None = None
    label_zh: str | None = None
    aggregate: Aggregate
    events: list[str] = Field(default_factory=list)  # event or page names; empty: every event
    field: str | None = None  # what distinct / sum / avg / min / max read
    where: list[Condition] = Field(default_factory=list)
    window_days: int | None = None
    numerator: str | None = None  # ratio only: numerator / denominator, null when the denominator is 0
    denominator: str | None = None

    @model_serializer(mode="wrap")
    def _only_what_is_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leaves out empty options, so an exported metric reads as it was written."""
        return {k: v for k, v in handler(self).items() if v is not None and v != []}

    def shown(self, chinese: bool = False) -> str:
        """The name people see, in their language (the slug when no label is set)."""
        return (self.label_zh if chinese and self.label_zh else self.label) or self.slug

    def fields_read(self) -> list[str]:
        """Every event field or property the metric reads (its value and its filters)."""
        return ([self.field] if self.field else []) + [c.field for c in self.where]

    def needs_raw_events(self) -> bool:
        """Whether the daily roll-up (group, user, event name, day, count) cannot serve this metric."""
        return self.aggregate in NUMERIC or any(f not in ("event", "user_id") for f in self.fields_read())


def property_name(field: str) -> str | None:
    """The property a field names (`properties.plan` -> `plan`), None for an event field."""
    return field.removeprefix(PROPERTY_PREFIX) if field.startswith(PROPERTY_PREFIX) else None


def _field_problem(field: str) -> str | None:
    prop = property_name(field)
    if prop is None and field not in EVENT_FIELDS:
        return f"unknown field {field!r}: use {', '.join(EVENT_FIELDS)} or properties.<name>"
    if prop is not None and not PROPERTY_NAME.match(prop):
        return f"unknown property {prop!r}: a property name is letters, digits and _ (at most 64)"
    return None


def _condition_problems(at: str, c: Condition) -> list[FieldProblem]:
    out = []
    if problem := _field_problem(c.field):
        out.append(FieldProblem(f"{at}.field", problem))
    listed = isinstance(c.value, list)
    if c.op in ("in", "not_in") and (not listed or not c.value):
        out.append(FieldProblem(f"{at}.value", f"{c.op} needs a non-empty list of values"))
    elif c.op not in ("in", "not_in") and listed:
        out.append(FieldProblem(f"{at}.value", f"{c.op} compares with one value, not a list"))
    elif c.op in COMPARISONS and (isinstance(c.value, bool) or not isinstance(c.value, int | float)):
        out.append(FieldProblem(f"{at}.value", f"{c.op} compares numbers: give a number"))
    return out


def _ratio_problems(at: str, m: CustomMetric, known: Collection[str]) -> list[FieldProblem]:
    out = []
    for name in ("numerator", "denominator"):
        ref = getattr(m, name)
        if ref is None:
            out.append(FieldProblem(f"{at}.{name}", "a ratio needs a numerator and a denominator metric"))
        elif ref not in known:
            out.append(FieldProblem(f"{at}.{name}", f"unknown metric {ref!r}"))
    for name in ("field", "window_days"):
        if getattr(m, name) is not None:
            out.append(FieldProblem(f"{at}.{name}", "a ratio divides two metrics: set it on them instead"))
    if m.events or m.where:
        out.append(FieldProblem(f"{at}.{'events' if m.events else 'where'}", "a ratio takes no filters"))
    return out


def _event_problems(at: str, m: CustomMetric) -> list[FieldProblem]:
    out = []
    if m.window_days is None:
        out.append(FieldProblem(f"{at}.window_days", "is required"))
    elif m.window_days <= 0:
        out.append(FieldProblem(f"{at}.window_days", "must be at least 1 day"))
    elif m.window_days > MAX_WINDOW_DAYS:
        out.append(
            FieldProblem(f"{at}.window_days", f"is longer than the {MAX_WINDOW_DAYS} days of history kept")
        )
    if m.aggregate in ("count_events", "distinct_users") and m.field is not None:
        out.append(FieldProblem(f"{at}.field", f"{m.aggregate} reads no field"))
    elif m.aggregate in ("distinct", *NUMERIC) and m.field is None:
        out.append(FieldProblem(f"{at}.field", f"{m.aggregate} needs a field to read"))
    elif m.field is not None and (problem := _field_problem(m.field)):
        out.append(FieldProblem(f"{at}.field", problem))
    elif m.aggregate in NUMERIC and property_name(m.field or "") is None:
        out.append(FieldProblem(f"{at}.field", f"{m.aggregate} reads a numeric property: properties.<name>"))
    for name in ("numerator", "denominator"):
        if getattr(m, name) is not None:
            out.append(FieldProblem(f"{at}.{name}", "only a ratio divides metrics"))
    for j, c in enumerate(m.where):
        out += _condition_problems(f"{at}.where[{j}]", c)
    return out


def _cycles(custom: Sequence[CustomMetric]) -> list[FieldProblem]:
    """A ratio that reaches itself through its numerator or denominator (it could never be computed)."""
    ratios = {m.slug: m for m in custom if m.aggregate == "ratio"}
    out = []
    for i, m in enumerate(custom):
        if m.slug not in ratios:
            continue
        seen, todo = set(), [m.numerator, m.denominator]
        while todo:
            ref = todo.pop()
            if ref == m.slug:
                out.append(FieldProblem(f"custom[{i}]", f"ratio {m.slug!r} depends on itself"))
                break
            if ref in ratios and ref not in seen:
                seen.add(ref)
                todo += [ratios[ref].numerator, ratios[ref].denominator]
    return out


def custom_problems(custom: Sequence[CustomMetric], builtin: Collection[str]) -> list[FieldProblem]:
    """Everything wrong with these custom metrics, each at its path (`custom[2].field`) with the reason."""
    out: list[FieldProblem] = []
    seen: set[str] = set()
    known = set(builtin) | {m.slug for m in custom}
    for i, m in enumerate(custom):
        at = f"custom[{i}]"
        if m.slug in RESERVED or m.slug in builtin or m.slug in seen:
            out.append(FieldProblem(f"{at}.slug", f"{m.slug!r} is already a metric or a reserved name"))
        seen.add(m.slug)
        out += _ratio_problems(at, m, known) if m.aggregate == "ratio" else _event_problems(at, m)
    return out + _cycles(custom)


def in_dependency_order(custom: Sequence[CustomMetric]) -> list[CustomMetric]:
    """The metrics with every ratio after the custom metrics it divides (the stored order is kept apart)."""
    by_slug: Mapping[str, CustomMetric] = {m.slug: m for m in custom}
    done: dict[str, CustomMetric] = {}

    def visit(m: CustomMetric, path: tuple[str, ...]) -> None:
        if m.slug in done:
            return
        if m.slug in path:
            raise ValueError(f"ratio {m.slug!r} depends on itself")
        for ref in (m.numerator, m.denominator):
            if ref is not None and ref in by_slug:
                visit(by_slug[ref], (*path, m.slug))
        done[m.slug] = m

    for m in custom:
        visit(m, ())
    return list(done.values())
