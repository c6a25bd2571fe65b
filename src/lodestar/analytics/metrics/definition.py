"""What a metric definition is: one column of the metrics table, read off the working columns of its family.

The metrics table has a row for every account at every as-of date: (account_id, g, gday, as_of), g being
the date's index in the grid and gday its day number. A family reads its sources once for all its metrics:
it adds working columns to those rows (left joins of (account_id, g, ...) tables, or, for usage, running
sums over the grid). Each metric is then one Ibis expression over the rows holding every family's working
columns, so a metric may read another family's (the usage ratios divide by the contracts' seats).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.metrics.date_grid import Grid

if TYPE_CHECKING:
    from lodestar.analytics.metrics.custom_spec import CustomMetric

I64, F64 = pa.int64(), pa.float64()


@dataclass(frozen=True)
class Scope:
    """What a family reads: the engine, the operational inputs, the date grid and its tables."""

    engine: AnalyticsEngine
    inputs: MetricInputs
    grid: Grid
    dates: ir.Table  # (g, gday, as_of) of the grid
    accounts: ir.Table  # the accounts input on this engine
    custom: tuple[CustomMetric, ...] = ()


@dataclass(frozen=True)
class Metric:
    """One column of the metrics table: its key, family, stored type and expression over the rows."""

    key: str
    family: str
    dtype: pa.DataType
    value: Callable[[ir.Table], ir.Value]
    doc: str


@dataclass(frozen=True)
class Family:
    """Metrics computed together: how their working columns are added to the rows, then the metrics."""

    name: str
    columns: Callable[[Scope, ir.Table], ir.Table]
    metrics: tuple[Metric, ...] = ()
    # Metrics named in configuration rather than in code (the custom family): one per configured metric,
    # given the metrics of the families before it (a configured ratio may divide any of them).
    configured: Callable[[Sequence[CustomMetric], Mapping[str, Metric]], tuple[Metric, ...]] | None = None

    def metrics_for(
        self, custom: Sequence[CustomMetric], defined: Mapping[str, Metric]
    ) -> tuple[Metric, ...]:
        """The family's metrics, with those configured for this run."""
        return self.metrics + (self.configured(custom, defined) if self.configured else ())


def count_where(condition: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows meet the condition (null counts as not met)."""
    return ibis.ifelse(condition, 1, 0).sum()


def join_parts(rows: ir.Table, parts: Sequence[ir.Table]) -> ir.Table:
    """The rows with the columns of each (account_id, g, ...) part left-joined on."""
    for part in parts:
        rows = rows.left_join(part, ["account_id", "g"]).drop("account_id_right", "g_right")
    return rows


def joining(parts: Callable[[Scope], Sequence[ir.Table]]) -> Callable[[Scope, ir.Table], ir.Table]:
    """A family's column builder that left-joins the (account_id, g, ...) parts it makes onto the rows."""
    return lambda scope, rows: join_parts(rows, parts(scope))
