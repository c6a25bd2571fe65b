"""One-account recompute: it equals that account's row of a full run, and it rewrites no snapshot file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.analytics.event_store import EVENT_SCHEMA, write_events
from lodestar.analytics.rollups import update_rollups
from lodestar.auth.models import Role
from lodestar.config import service as config_service
from lodestar.health import config_kind as health_kind
from lodestar.health.models import HealthHistory
from lodestar.kit.errors import NotFound
from lodestar.lifecycle.models import StageTransition
from lodestar.pipeline.daily import run_job
from lodestar.referrals import service as referrals_service
from lodestar.referrals.schemas import ReferralFields
from lodestar.snapshots import service
from lodestar.snapshots.recompute import recompute_accounts
from tests.factories import make_user
from tests.snapshots.conftest import DAY, World, event

WEEK = [DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]
ACCOUNT_COLUMNS = ("tier", "health_score", "health_grade", "health_trend_7d", "health_trend_30d", "stage")
ACCOUNT_COLUMNS += ("stage_since", "in_renewal_window")


def _stored(world: World) -> dict[int, dict[str, Any]]:
    table = store.read(store.root_of(world.settings), DAY)
    assert table is not None
    return {r["account_id"]: r for r in table.to_pylist()}


def _database(world: World) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Health history, stage changes and the accounts' snapshot values, in a fixed order."""
    with Session(world.engine) as s:
        history = [
            (h.account_id, h.as_of, h.score, h.grade, h.coverage, h.model, h.model_version, h.stage)
            for h in s.scalars(select(HealthHistory).order_by(HealthHistory.account_id, HealthHistory.as_of))
        ]
        changes = s.scalars(select(StageTransition))
        # A day's rows are rewritten: their ids change, their content must not.
        moves = sorted(((t.account_id, t.on, t.from_stage, t.to_stage, t.reason) for t in changes), key=repr)
        accounts = [
            (a.id, *(getattr(a, c) for c in ACCOUNT_COLUMNS))
            for a in s.scalars(select(Account).order_by(Account.id))
        ]
    return history, moves, accounts


def _use_percentiles(world: World) -> None:
    """Scores the default model's activity measures as percentiles among peers (same date and tier)."""
    with Session(world.engine) as s:
        body = health_kind.current(s)[0].model_dump(mode="json")
        for measure in body["models"][-1]["measures"][:4]:
            measure["scoring"] = {"method": "percentile", "direction": measure["scoring"]["direction"]}
        config_service.save(s, "health", body, "test")
        s.commit()


def _recompute(world: World, order: list[str]) -> dict[int, dict[str, Any]]:
    root, out = store.root_of(world.settings), {}
    analytics = world.analytics()
    for name in order:
        with Session(world.engine) as s:
            row = service.recompute_account(s, analytics, root, world.ids[name], DAY)
            s.commit()
        out[row["account_id"]] = row
    return out


@pytest.mark.parametrize("scoring", ["thresholds", "percentiles"])
def test_one_account_recompute_equals_its_row_of_a_full_run(world: World, scoring: str) -> None:
    if scoring == "percentiles":
        _use_percentiles(world)
    run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    base = store.folder(store.root_of(world.settings), DAY) / store.FILE
    written = base.stat().st_mtime_ns, base.stat().st_ino
    before = _stored(world)
    # Quiet wakes up on the last day; its recompute comes first, so the others rank among its new values.
    woke = [event(DAY, "g-quiet", f"q{u}", "Dashboard Viewed") for u in range(6)]
    write_events(world.settings.events_dir, pa.Table.from_pylist(woke, schema=EVENT_SCHEMA))
    update_rollups(world.settings.events_dir, world.settings.data_dir / "rollups")
    recomputed = _recompute(world, ["quiet", "busy", "prospect"])
    assert (base.stat().st_mtime_ns, base.stat().st_ino) == written  # the day's file was not rewritten
    patched, database = _stored(world), _database(world)
    quiet = world.ids["quiet"]
    assert recomputed[quiet]["active_users_7d"] == before[quiet]["active_users_7d"] + 6
    assert recomputed[quiet]["score"] > before[quiet]["score"]

    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    full = _stored(world)
    assert set(recomputed) == set(full)
    for account, row in recomputed.items():
        assert row == full[account]  # every column, explanations included
        assert patched[account] == full[account]
    assert database == _database(world)


def test_a_batch_recompute_equals_one_by_one_and_skips_unknown_accounts(world: World) -> None:
    run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    root = store.root_of(world.settings)
    with Session(world.engine) as s:
        table = recompute_accounts(s, world.analytics(), root, [*world.ids.values(), 987_654], DAY)
        s.commit()
    assert sorted(table.column("account_id").to_pylist()) == sorted(world.ids.values())
    one_by_one = _recompute(world, ["busy", "quiet", "prospect"])
    assert {r["account_id"]: r for r in table.to_pylist()} == one_by_one


def test_recomputing_an_unknown_account_is_not_found(world: World) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    with Session(world.engine) as s, pytest.raises(NotFound):
        service.recompute_account(s, world.analytics(), store.root_of(world.settings), 987_654, DAY)


def test_recomputes_in_one_process_read_each_account_own_referrals(world: World, db: Session) -> None:
    # Quiet referred one lead and busy two: each recompute, made one after another on one engine (as a
    # server does), counts its own account's, not those of the account recomputed before it.
    admin = make_user(db, Role.ADMIN)
    for name, leads in (("quiet", 1), ("busy", 2)):
        for n in range(leads):
            lead = ReferralFields(
                lead_name=f"Lead {n}", lead_company="Acme", referred_on=DAY - timedelta(days=3)
            )
            referrals_service.create_referral(db, admin, world.ids[name], lead, DAY)
    db.commit()
    run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    full = _stored(world)
    recomputed = _recompute(world, ["quiet", "busy", "prospect"])
    assert {a: r["referrals_made"] for a, r in recomputed.items()} == {
        world.ids["quiet"]: 1,
        world.ids["busy"]: 2,
        world.ids["prospect"]: 0,
    }
    for account, row in recomputed.items():
        assert row == full[account]
