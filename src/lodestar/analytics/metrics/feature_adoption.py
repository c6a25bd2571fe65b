"""Feature adoption: per account, date and feature, the users and events of the 30 days up to the date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pyarrow as pa

from lodestar.analytics.engines.engine import AnalyticsEngine
from lodestar.analytics.inputs import MetricInputs
from lodestar.analytics.metrics.date_grid import Grid

ADOPTION_SCHEMA = pa.schema(
    [
        ("account_id", pa.int64()),
        ("as_of", pa.date32()),
        ("feature", pa.string()),
        ("users_30d", pa.int64()),
        ("events_30d", pa.int64()),
    ]
)


def compute_feature_adoption(
    engine: AnalyticsEngine, inputs: MetricInputs, as_of_dates: Sequence[date]
) -> pa.Table:
    """Long (account_id, as_of, feature, users_30d, events_30d) for features used in the 30 days."""
    grid = Grid.of(as_of_dates)
    dates = grid.table(engine)
    u = engine.rollup("usage", grid.lo - 29, grid.hi)
    u = u.filter((u.day <= grid.hi) & (u.day > grid.lo - 30) & u.feature.notnull())
    j = u.join(dates, (u.day <= dates.gday) & (u.day > dates.gday - 30))
    agg = j.group_by(["group_id", "as_of", "feature"]).aggregate(
        users_30d=j.user_id.nunique().cast("int64"), events_30d=j.events.sum().cast("int64")
    )
    accounts = engine.table("accounts", inputs.accounts).select("account_id", "group_id")
    out = agg.join(accounts, "group_id").select("account_id", "as_of", "feature", "users_30d", "events_30d")
    result = engine.to_arrow(out).select(ADOPTION_SCHEMA.names).cast(ADOPTION_SCHEMA)
    return result.sort_by([("account_id", "ascending"), ("as_of", "ascending"), ("feature", "ascending")])
