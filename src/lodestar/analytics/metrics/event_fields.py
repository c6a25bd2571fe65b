"""Event fields and properties as Ibis columns, read the same way on DuckDB, Spark and PostgreSQL.

A property is read from the event's `properties` JSON text as a scalar: its text (a string without its
quotes, a number or true/false as written; JSON null counts as absent), or as a number when that text is
one (so "7" and 7 both count as 7). Only functions every engine compiles natively are used: JSON get,
casts, string tests and a regular-expression match (Spark's typed JSON unwrapping runs Python workers).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from lodestar.analytics.metrics.custom_spec import Condition, property_name

NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
SECONDS_PER_DAY = 86_400


def usage_events(raw: ir.Table) -> ir.Table:
    """The events the usage metrics count (track and page with a group), with `feature` and `day` added."""
    t = raw.filter(raw.type.isin(["track", "page"]) & raw.group_id.notnull())
    return t.mutate(
        feature=ibis.coalesce(t.event, t.name),
        day=(t.timestamp.epoch_seconds() // SECONDS_PER_DAY).cast("int32"),
    )


def _text_column(name: str) -> str:
    return f"property_text__{name}"


def _number_column(name: str) -> str:
    return f"property_number__{name}"


def with_properties(t: ir.Table, names: Sequence[str]) -> ir.Table:
    """The events with each named property's text and number as columns, each extracted once.

    One projection per step keeps the compiled SQL small: written inline, every use of a property
    would repeat its JSON extraction several times over.
    """
    names = sorted(set(names))
    if not names:
        return t
    t = t.mutate(**{_text_column(n): t.properties.cast("json")[n].cast("string") for n in names})
    stripped = {}
    for n in names:
        text = t[_text_column(n)]
        quoted = text.startswith('"') & text.endswith('"') & (text.length() >= 2)
        stripped[_text_column(n)] = ibis.ifelse(quoted, text.substr(1, text.length() - 2), text).nullif(
            "null"
        )
    t = t.mutate(**stripped)
    number = {}
    for n in names:
        text = t[_text_column(n)]
        number[_number_column(n)] = ibis.ifelse(
            text.re_search(NUMBER), text.cast("float64"), ibis.null("float64")
        )
    return t.mutate(**number)


def field_text(t: ir.Table, field: str) -> ir.StringValue:
    """A field's value as text: an event field (`event` is the event or page name) or a property
    (from the columns `with_properties` added)."""
    prop = property_name(field)
    if prop is not None:
        return t[_text_column(prop)]
    return t.feature if field == "event" else t[field].cast("string")


def field_number(t: ir.Table, field: str) -> ir.FloatingValue:
    """A field's value as a number; null when absent or not a number."""
    prop = property_name(field)
    if prop is not None:
        return t[_number_column(prop)]
    text = field_text(t, field)
    return ibis.ifelse(text.re_search(NUMBER), text.cast("float64"), ibis.null("float64"))


def _as_text(value: object) -> str:
    """How a configured value reads as field text: JSON's true/false for booleans."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def condition(t: ir.Table, c: Condition) -> ir.BooleanValue:
    """The filter as a boolean column: numbers compare as numbers, anything else as text."""
    values = c.value if isinstance(c.value, list) else [c.value]
    if c.op in ("gt", "gte", "lt", "lte") or all(_is_number(v) for v in values):
        number = field_number(t, c.field)
        nums = [float(v) for v in values]
        ops = {
            "eq": lambda: number == nums[0],
            "ne": lambda: number != nums[0],
            "in": lambda: number.isin(nums),
            "not_in": lambda: number.notin(nums),
            "gt": lambda: number > nums[0],
            "gte": lambda: number >= nums[0],
            "lt": lambda: number < nums[0],
            "lte": lambda: number <= nums[0],
        }
        return ops[c.op]()
    text = field_text(t, c.field)
    texts = [_as_text(v) for v in values]
    by_op = {
        "eq": lambda: text == texts[0],
        "ne": lambda: text != texts[0],
        "in": lambda: text.isin(texts),
        "not_in": lambda: text.notin(texts),
    }
    return by_op[c.op]()


def all_of(t: ir.Table, conditions: Sequence[Condition]) -> ir.BooleanValue:
    """Every condition met (null, from an absent field, counts as not met)."""
    met: ir.BooleanValue = ibis.literal(True)
    for c in conditions:
        met = met & condition(t, c).fill_null(False)
    return met
