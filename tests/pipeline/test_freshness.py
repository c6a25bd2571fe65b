"""Freshness: an event acknowledged by /v1/batch reaches its account's metrics and health, with no run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.health.models import HealthHistory
from lodestar.kit.time import today_in
from lodestar.pipeline.daily import run_job
from lodestar.snapshots.models import SnapshotRun
from tests.events.conftest import Server, eventually, new_key
from tests.snapshots.conftest import World

COLUMNS = ["active_users_7d", "events_7d", "days_since_last_activity", "score", "grade"]


def _track(user: str, group: str) -> dict[str, Any]:
    """A track event of this user in this account (group), stamped now."""
    now = datetime.now(UTC).isoformat()
    return {
        "type": "track",
        "userId": user,
        "event": "Dashboard Viewed",
        "timestamp": now,
        "messageId": user,
        "context": {"groupId": group},
    }


def test_an_acknowledged_event_updates_its_accounts_metrics_and_health_without_a_run(
    world: World, db_url: str
) -> None:
    today = today_in(world.settings.zone)
    run_job(world.engine, world.settings, [today], analytics=world.analytics())
    root = store.root_of(world.settings)
    quiet, busy = world.ids["quiet"], world.ids["busy"]
    before = store.read_account(root, today, quiet, COLUMNS)
    busy_before = store.read_account(root, today, busy, COLUMNS)
    assert before is not None and before["active_users_7d"] == 0
    key = new_key(world.engine, "fresh")
    server = Server(db_url, world.settings.data_dir, {})
    try:
        server.start(wait_s=120)  # the server and its mover process start together
        batch = [_track(f"fresh-{u}", "g-quiet") for u in range(3)]
        answer = httpx.post(f"{server.url}/v1/batch", json={"batch": batch}, auth=(key, ""), timeout=10)
        assert answer.status_code == 200, answer.text

        def updated() -> dict[str, Any] | None:
            row = store.read_account(root, today, quiet, COLUMNS)
            return row if row and row["active_users_7d"] == 3 else None

        after = eventually(updated, timeout=90)
    finally:
        server.stop()
    assert after is not None, (world.settings.data_dir / "server.err").read_text()[-3000:]
    assert after["events_7d"] == before["events_7d"] + 3
    assert after["days_since_last_activity"] <= 1  # today, or yesterday where UTC is a day behind
    assert after["score"] > before["score"]
    assert store.read_account(root, today, busy, COLUMNS) == busy_before  # an untouched account stays
    with Session(world.engine) as s:
        account = s.get(Account, quiet)
        assert account is not None and account.health_score == round(after["score"], 2)
        history = s.scalars(select(HealthHistory).where(HealthHistory.account_id == quiet)).all()
        assert [(h.as_of, h.score) for h in history if h.as_of == today] == [(today, after["score"])]
        assert s.scalar(select(func.count()).select_from(SnapshotRun)) == 1  # only the run before the events
