"""The snapshot export carries each account's CRM id and every metric the health model measures."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics.event_store import EVENT_SCHEMA, write_events
from lodestar.analytics.snapshot_store import root_of as snapshot_root
from lodestar.app import create_app
from lodestar.auth.models import Role
from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from lodestar.pipeline.daily import run_job
from lodestar.snapshots import service
from tests.factories import make_user
from tests.snapshots.conftest import DAY, World, event, sign_in, visible_text

ORDER_VALUE = {
    "slug": "order_value_30d",
    "label": "order value",
    "label_zh": "订单金额",
    "aggregate": "sum",
    "field": "properties.amount",
    "events": ["Order Placed"],
    "where": [{"field": "properties.currency", "op": "eq", "value": "USD"}],
    "window_days": 30,
}


def _orders(world: World) -> float:
    """Orders of Busy over 40 days, some in another currency; returns the USD value of the last 30 days."""
    rows, expected = [], 0.0
    for back in range(40):
        for currency in ("USD", "EUR"):
            row = event(DAY - timedelta(days=back), "g-busy", "u1", "Order Placed")
            amount = 10.0 + back
            row["properties"] = json.dumps({"amount": amount, "currency": currency})
            rows.append(row)
            expected += amount if currency == "USD" and back < 30 else 0.0
    write_events(world.settings.data_dir / "events", pa.Table.from_pylist(rows, schema=EVENT_SCHEMA))
    return expected


def _measure_order_value(db: Session) -> None:
    metrics = config_service.document(db).model_dump(mode="json")["metrics"]
    config_service.save(db, "metrics", metrics | {"custom": [*metrics["custom"], ORDER_VALUE]}, "test")
    health = config_service.document(db).model_dump(mode="json")["health"]
    health["models"][1]["measures"].append(
        {
            "metric": "order_value_30d",
            "group": "co",
            "weight": 1,
            "scoring": {"method": "thresholds", "direction": "higher", "poor": 0, "healthy": 500},
        }
    )
    config_service.save(db, "health", health, "test")


def test_the_export_carries_crm_ids_and_the_custom_metric_the_model_measures(
    world: World, db: Session, tmp_path: Path
) -> None:
    expected = _orders(world)
    db.execute(update(Account).where(Account.id == world.ids["busy"]).values(crm_id="SF-0001"))
    _measure_order_value(db)
    db.commit()
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    out = tmp_path / "snap.parquet"
    assert service.export_snapshot(db, snapshot_root(world.settings), DAY, out) == 3
    table = pq.read_table(out)
    assert table.column_names[:2] == ["account_id", "crm_id"]
    rows = {r["account_id"]: r for r in table.to_pylist()}
    assert rows[world.ids["busy"]]["crm_id"] == "SF-0001"
    assert rows[world.ids["quiet"]]["crm_id"] is None
    assert rows[world.ids["busy"]]["order_value_30d"] == pytest.approx(expected)
    assert rows[world.ids["quiet"]]["order_value_30d"] == 0.0
    health = config_service.document(db).health
    assert {m.metric for model in health.models for m in model.measures} <= set(table.column_names)


def test_the_account_page_names_a_measured_custom_metric_in_the_readers_language(
    world: World, db: Session
) -> None:
    _orders(world)
    _measure_order_value(db)
    make_user(db, Role.ADMIN, email="ui-metrics-en@example.com")
    make_user(db, Role.ADMIN, email="ui-metrics-zh@example.com", locale="zh_CN")
    db.commit()
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    app = create_app(world.settings)
    seen = {}
    try:
        for who in ("en", "zh"):
            with TestClient(app, follow_redirects=False) as client:
                sign_in(client, f"metrics-{who}")
                seen[who] = visible_text(client.get(f"/accounts/{world.ids['busy']}").text)
    finally:
        app.state.engine.dispose()
    assert "order value CO 735" in seen["en"] and "订单金额 CO 735" in seen["zh"]  # label, group, value


def test_an_export_of_a_snapshot_without_a_measured_metric_is_refused_naming_it(
    world: World, db: Session, tmp_path: Path
) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    _measure_order_value(db)  # defined after the run: the stored snapshot cannot hold it
    db.commit()
    out = tmp_path / "snap.csv"
    with pytest.raises(InvalidInput, match="lacks order_value_30d, which the health model measures"):
        service.export_snapshot(db, snapshot_root(world.settings), DAY, out)
    assert not out.exists()
