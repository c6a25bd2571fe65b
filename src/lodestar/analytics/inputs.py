"""The operational inputs of the metrics, as pyarrow tables with day numbers and epoch hours."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from lodestar.kit.time import day_number

SCHEMAS = {
    "accounts": pa.schema(
        [
            ("account_id", pa.int64()),
            ("group_id", pa.string()),
            ("tier", pa.string()),
            ("sla_first_response_hours", pa.float64()),
        ]
    ),
    "contracts": pa.schema(
        [
            ("account_id", pa.int64()),
            ("contract_id", pa.int64()),
            ("start_day", pa.int32()),
            ("end_day", pa.int32()),
            ("arr", pa.float64()),
            ("seats", pa.int64()),
            ("status", pa.string()),
        ]
    ),
    "contacts": pa.schema(
        [
            ("account_id", pa.int64()),
            ("role", pa.string()),
            ("active", pa.bool_()),
            ("left_day", pa.int32()),
        ]
    ),
    "tickets": pa.schema(
        [
            ("account_id", pa.int64()),
            ("severity", pa.string()),
            ("opened_hour", pa.float64()),
            ("first_response_hour", pa.float64()),
            ("resolved_hour", pa.float64()),
        ]
    ),
    "touches": pa.schema([("account_id", pa.int64()), ("kind", pa.string()), ("day", pa.int32())]),
    "milestones": pa.schema(
        [
            ("account_id", pa.int64()),
            ("target_day", pa.int32()),
            ("reached_day", pa.int32()),
            ("status", pa.string()),
        ]
    ),
    "referrals": pa.schema(
        [("account_id", pa.int64()), ("referred_day", pa.int32()), ("status", pa.string())]
    ),
    "surveys": pa.schema(
        [
            ("account_id", pa.int64()),
            ("response_id", pa.int64()),
            ("kind", pa.string()),
            ("score", pa.float64()),
            ("answered_hour", pa.float64()),
        ]
    ),
}


@dataclass(frozen=True)
class MetricInputs:
    """Operational tables the metrics read; events come from the engine's roll-ups."""

    accounts: pa.Table
    contracts: pa.Table
    contacts: pa.Table
    tickets: pa.Table
    touches: pa.Table
    surveys: pa.Table
    milestones: pa.Table
    referrals: pa.Table
    key_features: tuple[str, ...] = ()

    def only(self, account_id: int) -> MetricInputs:
        """The same inputs restricted to one account."""
        import pyarrow.compute as pc

        def keep(t: pa.Table) -> pa.Table:
            return t.filter(pc.equal(t.column("account_id"), account_id))

        return MetricInputs(
            keep(self.accounts),
            keep(self.contracts),
            keep(self.contacts),
            keep(self.tickets),
            keep(self.touches),
            keep(self.surveys),
            keep(self.milestones),
            keep(self.referrals),
            self.key_features,
        )


def hours(value: datetime | None) -> float | None:
    """Epoch hours of an instant (naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp() / 3600.0


def days(value: date | datetime | None) -> int | None:
    """Day number of a date, or of an instant's UTC day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
    return day_number(value)


def table(name: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A pyarrow table of one input, from rows already holding day numbers and hours."""
    return pa.Table.from_pylist([dict(r) for r in rows], schema=SCHEMAS[name])


def make_inputs(key_features: Iterable[str] = (), **rows: Iterable[Mapping[str, Any]]) -> MetricInputs:
    """Inputs from row dicts per table (missing tables are empty)."""
    unknown = set(rows) - set(SCHEMAS)
    if unknown:
        raise ValueError(f"unknown input tables: {', '.join(sorted(unknown))}")
    tables = {name: table(name, rows.get(name, ())) for name in SCHEMAS}
    return MetricInputs(**tables, key_features=tuple(key_features))
