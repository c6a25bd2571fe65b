"""The metric registry: every family in the order its metrics are stored, custom metrics last.

A new metric is one `Metric` in its family's module; a new family is one module and one line below.
The stored order never changes (snapshot files already written keep theirs): add at the end of a family
or as a new family before `custom`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from lodestar.analytics.metrics import (
    contracts,
    custom,
    labels,  # noqa: F401  (registers every built-in metric's label and unit)
    milestones,
    referrals,
    stakeholders,
    surveys,
    tickets,
    touches,
    usage,
)
from lodestar.analytics.metrics.custom_spec import CustomMetric
from lodestar.analytics.metrics.definition import I64, Family, Metric

FAMILIES: tuple[Family, ...] = (
    usage.FAMILY,
    tickets.FAMILY,
    surveys.FAMILY,
    touches.FAMILY,
    contracts.FAMILY,
    stakeholders.FAMILY,
    milestones.FAMILY,
    referrals.FAMILY,
    custom.FAMILY,
)
KEYS = ("account_id", "as_of")  # every metrics table's row key, ahead of the metrics


def metrics_of(configured: Sequence[CustomMetric] = ()) -> list[Metric]:
    """Every metric in stored order, with the configured custom ones last."""
    found: dict[str, Metric] = {}
    for family in FAMILIES:
        for m in family.metrics_for(configured, found):
            if m.key in found or m.key in KEYS:
                raise ValueError(f"metric {m.key!r} is defined twice")
            found[m.key] = m
    return list(found.values())


def metrics_schema(configured: Sequence[CustomMetric] = ()) -> pa.Schema:
    """The metrics table's columns: account_id, as_of, then every metric."""
    fields = [("account_id", I64), ("as_of", pa.date32())]
    return pa.schema(fields + [(m.key, m.dtype) for m in metrics_of(configured)])
