"""Custom metrics in configuration: a YAML round trip, use by health models, and bad definitions refused."""

import pytest
import yaml
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.config import service
from lodestar.kit.errors import InvalidInput
from lodestar.snapshots import config_kind as metrics_kind
from tests.conftest import wipe

runner = CliRunner()

DEFINED = [
    {
        "slug": "features_90d",
        "label": "features used",
        "label_zh": "使用功能数",
        "aggregate": "distinct",
        "field": "event",
        "window_days": 90,
    },
    {
        "slug": "order_value_30d",
        "aggregate": "sum",
        "field": "properties.amount",
        "events": ["Order Placed"],
        "where": [
            {"field": "properties.currency", "op": "eq", "value": "USD"},
            {"field": "properties.amount", "op": "gt", "value": 0},
        ],
        "window_days": 30,
    },
    {"slug": "orders_30d", "aggregate": "count_events", "events": ["Order Placed"], "window_days": 30},
    {
        "slug": "avg_order_30d",
        "aggregate": "ratio",
        "numerator": "order_value_30d",
        "denominator": "orders_30d",
    },
]


@pytest.fixture
def env(db_url, engine, tmp_path):
    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def _exported(env):
    return yaml.safe_load(runner.invoke(app, ["config", "export"], env=env).output)


def test_custom_metrics_round_trip_through_export_and_apply_and_health_may_measure_them(env, tmp_path):
    doc = _exported(env)
    doc["metrics"]["custom"] = DEFINED
    doc["health"]["models"][1]["measures"][0]["metric"] = "avg_order_30d"
    file = tmp_path / "c.yaml"
    file.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    applied = runner.invoke(app, ["config", "apply", str(file)], env=env)
    assert applied.exit_code == 0, applied.output
    assert applied.output.strip() == "applied: health v1, metrics v1"
    again = _exported(env)
    assert again["metrics"]["custom"] == DEFINED  # empty options stay out of the export
    assert again["health"]["models"][1]["measures"][0]["metric"] == "avg_order_30d"
    file.write_text(yaml.safe_dump(again, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert (
        runner.invoke(app, ["config", "apply", str(file)], env=env).output.strip()
        == "applied: nothing changed"
    )


def test_labels_show_in_the_readers_language(db):
    doc = service.document(db).model_dump(mode="json")
    doc["metrics"]["custom"] = DEFINED
    config = service.parse_document(doc).metrics
    assert metrics_kind.labels(config)["features_90d"] == "features used"
    assert metrics_kind.labels(config, chinese=True)["features_90d"] == "使用功能数"
    assert metrics_kind.labels(config, chinese=True)["orders_30d"] == "orders_30d"  # no label: the slug


BAD = [
    (
        {"slug": "a", "aggregate": "median", "field": "properties.x", "window_days": 7},
        "metrics.custom[0].aggregate",
    ),
    ({"slug": "b", "aggregate": "distinct", "field": "plan", "window_days": 7}, "metrics.custom[1].field"),
    (
        {"slug": "c", "aggregate": "sum", "field": "properties.order value", "window_days": 7},
        "metrics.custom[2].field",
    ),
    ({"slug": "d", "aggregate": "sum", "field": "user_id", "window_days": 7}, "metrics.custom[3].field"),
    ({"slug": "e", "aggregate": "count_events", "window_days": 0}, "metrics.custom[4].window_days"),
    ({"slug": "f", "aggregate": "count_events", "window_days": 400}, "metrics.custom[5].window_days"),
    (
        {"slug": "loop_a", "aggregate": "ratio", "numerator": "loop_b", "denominator": "nope"},
        "metrics.custom[6].denominator",
    ),
    (
        {"slug": "loop_b", "aggregate": "ratio", "numerator": "loop_a", "denominator": "events_30d"},
        "metrics.custom[7]",
    ),
    (
        {
            "slug": "i",
            "aggregate": "count_events",
            "window_days": 7,
            "where": [{"field": "event", "op": "gt", "value": "x"}],
        },
        "metrics.custom[8].where[0].value",
    ),
    ({"slug": "events_30d", "aggregate": "count_events", "window_days": 30}, "metrics.custom[9].slug"),
]
REASONS = {
    "metrics.custom[1].field": "unknown field 'plan': use event, user_id, anonymous_id, source or "
    "properties.<name>",
    "metrics.custom[2].field": "unknown property 'order value': a property name is letters, digits and _ "
    "(at most 64)",
    "metrics.custom[3].field": "sum reads a numeric property: properties.<name>",
    "metrics.custom[4].window_days": "must be at least 1 day",
    "metrics.custom[5].window_days": "is longer than the 365 days of history kept",
    "metrics.custom[6].denominator": "unknown metric 'nope'",
    "metrics.custom[7]": "ratio 'loop_b' depends on itself",
    "metrics.custom[8].where[0].value": "gt compares numbers: give a number",
    "metrics.custom[9].slug": "'events_30d' is already a metric or a reserved name",
}


def test_an_unknown_aggregate_is_refused_by_path_and_nothing_is_written(env, tmp_path):
    doc = _exported(env)
    doc["metrics"]["custom"] = [BAD[0][0]]
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = runner.invoke(app, ["config", "apply", str(file)], env=env)
    assert result.exit_code == 2 and "nothing was applied" in result.output
    assert "metrics.custom[0].aggregate: Input should be 'count_events', 'distinct_users'" in result.output
    assert _exported(env)["metrics"]["custom"][0]["slug"] == "approvals_30d"


def test_every_bad_custom_metric_is_named_by_path_and_reason_and_nothing_is_written(env, tmp_path):
    doc = _exported(env)
    doc["metrics"]["custom"] = [bad for bad, _ in BAD[1:]]
    doc["metrics"]["custom"].insert(0, DEFINED[0])  # a good one keeps the paths of BAD
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["config", "apply", str(file)], env=env)
    assert (
        result.exit_code == 2
        and f"refused: {len(REASONS) + 1} problem(s); nothing was applied" in result.output
    )
    for path, reason in REASONS.items():
        assert f"{path}: {reason}" in result.output
    assert "metrics.custom[6].numerator" not in result.output  # loop_b exists: only the cycle
    assert _exported(env)["metrics"]["custom"][0]["slug"] == "approvals_30d"


def test_the_service_refuses_the_same_problems_with_every_path(db):
    doc = service.document(db).model_dump(mode="json")
    doc["metrics"]["custom"] = [DEFINED[0], *(bad for bad, _ in BAD[1:])]
    with pytest.raises(InvalidInput) as caught:
        service.parse_document(doc)
    fields = [p.field for p in caught.value.problems]
    assert set(REASONS) <= set(fields)
