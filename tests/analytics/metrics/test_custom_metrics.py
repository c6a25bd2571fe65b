"""Custom metrics from configuration on every engine, against brute-force values over the raw events."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from lodestar.analytics.engines.engine import connect
from lodestar.analytics.metrics.custom_spec import CustomMetric
from lodestar.analytics.metrics.table import account_metrics, compute_metrics
from lodestar.analytics.rollups import update_rollups
from tests.analytics.random_world import LAST, random_events, random_inputs, write_random
from tests.analytics.world import event

GROUPS = {i + 1: f"g{i}" for i in range(6)} | {99: None}
DATES = [LAST, LAST - timedelta(days=20), LAST + timedelta(days=3)]
PLANS = ("pro", "free", "team", "免费")


def _metric(**fields: Any) -> CustomMetric:
    return CustomMetric.model_validate(fields)


CUSTOM = [
    _metric(slug="features_90d", aggregate="distinct", field="event", window_days=90),
    _metric(slug="plans_30d", aggregate="distinct", field="properties.plan", window_days=30),
    _metric(
        slug="order_value_30d", aggregate="sum", field="properties.amount", events=["Report"], window_days=30
    ),
    _metric(
        slug="avg_paid_60d",
        aggregate="avg",
        field="properties.amount",
        where=[{"field": "properties.plan", "op": "in", "value": ["pro", "team"]}],
        window_days=60,
    ),
    _metric(slug="max_seats_45d", aggregate="max", field="properties.seats", window_days=45),
    _metric(
        slug="min_amount_10d",
        aggregate="min",
        field="properties.amount",
        where=[{"field": "properties.amount", "op": "gt", "value": 0}],
        window_days=10,
    ),
    _metric(
        slug="big_orders_30d",
        aggregate="count_events",
        where=[
            {"field": "properties.amount", "op": "gte", "value": 50},
            {"field": "properties.plan", "op": "ne", "value": "free"},
        ],
        window_days=30,
    ),
    _metric(
        slug="pair_users_14d",
        aggregate="distinct_users",
        where=[{"field": "user_id", "op": "in", "value": ["u1", "u2"]}],
        window_days=14,
    ),
    _metric(slug="value_per_event", aggregate="ratio", numerator="order_value_30d", denominator="events_30d"),
    _metric(
        slug="value_per_big", aggregate="ratio", numerator="order_value_30d", denominator="big_orders_30d"
    ),
]


def _properties(rng: random.Random) -> str:
    """A properties object with numbers, numeric strings, words, nulls and absent keys mixed."""
    props: dict[str, object] = {}
    roll = rng.random()
    if roll < 0.5:
        props["amount"] = rng.randrange(0, 120)
    elif roll < 0.6:
        props["amount"] = str(rng.randrange(0, 120))  # a number sent as text still counts
    elif roll < 0.65:
        props["amount"] = "n/a"  # not a number: ignored by sums, never matches a comparison
    elif roll < 0.7:
        props["amount"] = rng.randrange(0, 400) / 4
    if rng.random() < 0.8:
        props["plan"] = rng.choice((*PLANS, None))
    if rng.random() < 0.5:
        props["seats"] = rng.randrange(1, 60)
    return json.dumps(props, ensure_ascii=False)


def _events(seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = random_events(seed, count=600, days=120)
    for row in rows:
        row["properties"] = _properties(rng)
    return rows


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except ValueError:
        return None


def brute_force(rows: list[dict[str, Any]], group: str | None, as_of: date) -> dict[str, Any]:
    """Every custom metric of one group at one date, straight from the raw events in plain Python."""
    mine = [
        (r["timestamp"].date(), r["user_id"], r["event"] or r["name"], json.loads(r["properties"]))
        for r in rows
        if group is not None and r["group_id"] == group and r["type"] in ("track", "page")
    ]

    def within(n: int) -> list[tuple[date, Any, Any, dict[str, Any]]]:
        return [e for e in mine if as_of - timedelta(days=n) < e[0] <= as_of]

    def numbers(events: list[Any], key: str) -> list[float]:
        return [x for x in (_number(p.get(key)) for *_, p in events) if x is not None]

    paid = [e for e in within(60) if _text(e[3].get("plan")) in ("pro", "team")]
    positive = [e for e in within(10) if (_number(e[3].get("amount")) or 0) > 0]
    big = [
        e
        for e in within(30)
        if (_number(e[3].get("amount")) or 0) >= 50 and _text(e[3].get("plan")) not in (None, "free")
    ]
    order_value = sum(numbers([e for e in within(30) if e[2] == "Report"], "amount"))
    events_30d = len(within(30))
    return {
        "features_90d": len({f for _, _, f, _ in within(90)}),
        "plans_30d": len({_text(p.get("plan")) for *_, p in within(30)} - {None}),
        "order_value_30d": order_value,
        "avg_paid_60d": (sum(numbers(paid, "amount")) / len(numbers(paid, "amount")))
        if numbers(paid, "amount")
        else None,
        "max_seats_45d": max(numbers(within(45), "seats"), default=None),
        "min_amount_10d": min(numbers(positive, "amount"), default=None),
        "big_orders_30d": len(big),
        "pair_users_14d": len({u for _, u, _, _ in within(14) if u in ("u1", "u2")}),
        "value_per_event": order_value / events_30d if events_30d else None,
        "value_per_big": order_value / len(big) if big else None,
    }


def _approx(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v if v is None or isinstance(v, int) else pytest.approx(v) for k, v in values.items()}


def test_custom_metrics_equal_brute_force_values_on_every_engine(tmp_path: Path, make_engine: Any) -> None:
    rows = _events(7)
    write_random(tmp_path / "events", rows)
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    engine = make_engine(tmp_path / "rollups")
    table = compute_metrics(engine, random_inputs(), DATES, CUSTOM)
    assert table.num_rows == len(GROUPS) * len(DATES)
    assert any(r["plans_30d"] > 1 and r["order_value_30d"] > 0 for r in table.to_pylist())  # not all empty
    for row in table.to_pylist():
        got = {m.slug: row[m.slug] for m in CUSTOM}
        assert got == _approx(brute_force(rows, GROUPS[row["account_id"]], row["as_of"])), (
            row["account_id"],
            row["as_of"],
        )


def test_one_account_recompute_reads_new_events_and_equals_its_row(tmp_path: Path) -> None:
    rows = _events(3)
    write_random(tmp_path / "events", rows)
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    engine, inputs = connect("duckdb", tmp_path / "rollups"), random_inputs()
    whole = {r["account_id"]: r for r in compute_metrics(engine, inputs, [LAST], CUSTOM).to_pylist()}
    assert {a: account_metrics(engine, inputs, a, LAST, CUSTOM) for a in GROUPS} == whole
    (planned,) = [p for p in engine.plans.values() if p.per_account]
    # Its file sources (state, roll-up, raw events) are read ahead for each account, so the prepared
    # statement reads tables in memory only and DuckDB need not bind and plan it again on every run.
    assert len(planned.ahead) >= 3
    assert not re.search(r"lodestar_(rollup|state|events)", planned.sql)
    order = event(datetime.combine(LAST, time(9), UTC), "g0", "u1", "Report")
    order["properties"] = json.dumps({"amount": 1000, "plan": "enterprise"})
    write_random(tmp_path / "events", [order])  # the roll-ups are not rebuilt: the raw events are read
    after = account_metrics(engine, inputs, 1, LAST, CUSTOM)
    expected = brute_force([*rows, order], "g0", LAST)
    raw = [m.slug for m in CUSTOM if m.aggregate != "ratio" and m.needs_raw_events()] + ["value_per_big"]
    assert {k: after[k] for k in raw} == _approx({k: expected[k] for k in raw})
    assert after["order_value_30d"] == pytest.approx(whole[1]["order_value_30d"] + 1000)


def test_a_bad_custom_metric_is_refused_before_anything_runs(tmp_path: Path) -> None:
    engine = connect("duckdb", tmp_path / "rollups")
    loop = [
        _metric(slug="a", aggregate="ratio", numerator="b", denominator="events_30d"),
        _metric(slug="b", aggregate="ratio", numerator="a", denominator="events_30d"),
    ]
    with pytest.raises(ValueError, match=r"custom\[0\]: ratio 'a' depends on itself"):
        compute_metrics(engine, random_inputs(), [LAST], loop)
    wide = [_metric(slug="c", aggregate="count_events", window_days=400)]
    with pytest.raises(ValueError, match=r"custom\[0\].window_days: is longer than the 365 days"):
        compute_metrics(engine, random_inputs(), [LAST], wide)
