"""The snapshot run: stored history and account values, idempotence, locking, run records, backfills."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.analytics.event_store import EVENT_SCHEMA, write_events
from lodestar.analytics.snapshot_store import root_of as snapshot_root
from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.health import config_kind as health_kind
from lodestar.health.models import HealthHistory
from lodestar.lifecycle.models import StageTransition
from lodestar.pipeline.daily import run_job
from lodestar.snapshots.run_records import SnapshotBusy, claim, release
from tests.factories import make_account, make_contract
from tests.snapshots.conftest import DAY, World, build_world, event

WEEK = [DAY - timedelta(days=14), DAY - timedelta(days=7), DAY]


def _history(world: World) -> list[tuple[object, ...]]:
    with Session(world.engine) as s:
        rows = s.scalars(select(HealthHistory).order_by(HealthHistory.account_id, HealthHistory.as_of))
        return [
            (h.account_id, h.as_of, h.score, h.grade, h.coverage, h.model, h.model_version, h.stage)
            for h in rows
        ]


def _transitions(world: World) -> list[tuple[object, ...]]:
    with Session(world.engine) as s:
        rows = s.scalars(select(StageTransition).order_by(StageTransition.account_id, StageTransition.on))
        return [(t.account_id, t.on, t.from_stage, t.to_stage, t.reason) for t in rows]


def _accounts(world: World) -> dict[str, dict[str, object]]:
    cols = (
        "tier",
        "health_score",
        "health_grade",
        "health_trend_7d",
        "stage",
        "stage_since",
        "in_renewal_window",
    )
    with Session(world.engine) as s:
        return {a.name: {c: getattr(a, c) for c in cols} for a in s.scalars(select(Account))}


def test_a_run_scores_every_account_and_stores_history_parquet_and_account_values(world: World) -> None:
    run = run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    assert (run.status, run.accounts, run.rows, run.dates) == ("succeeded", 3, 3, 1)
    accounts = _accounts(world)
    assert accounts["Busy"]["health_grade"] == "green" and accounts["Busy"]["stage"] == "maturity"
    assert accounts["Quiet"]["health_score"] < accounts["Busy"]["health_score"]
    assert accounts["Quiet"]["stage"] == "at_risk"
    assert accounts["Prospect"]["stage"] is None and accounts["Prospect"]["health_score"] is not None
    table = pq.read_table(store.folder(snapshot_root(world.settings), DAY) / store.FILE)
    assert table.num_rows == 3
    row = {r["account_id"]: r for r in table.to_pylist()}[world.ids["busy"]]
    assert (row["active_users_30d"], row["seats"], row["active_user_ratio_30d"]) == (8, 10, 0.8)
    assert row["tier"] == "MM" and row["model"] == "default" and row["explanations"][0]["measure"]
    assert [h[1] for h in _history(world)] == [DAY] * 3


def test_running_twice_for_the_same_date_changes_nothing(world: World) -> None:
    run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    before = (_history(world), _transitions(world), _accounts(world))
    parquet = store.read(snapshot_root(world.settings), DAY)
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    assert (_history(world), _transitions(world), _accounts(world)) == before
    assert store.read(snapshot_root(world.settings), DAY).equals(parquet)


def test_a_backfill_in_one_pass_equals_runs_date_by_date(world: World, tmp_path) -> None:
    run_job(world.engine, world.settings, WEEK, analytics=world.analytics())
    together = {d: store.read(snapshot_root(world.settings), d) for d in WEEK}
    moves = _transitions(world)
    one_by_one = world.settings.model_copy(update={"data_dir": tmp_path / "second"})
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / "events").symlink_to(world.settings.events_dir)
    for day in WEEK:
        run_job(world.engine, one_by_one, [day], analytics=world.analytics())
    for day in WEEK:
        assert store.read(snapshot_root(one_by_one), day).equals(together[day])
    assert _transitions(world) == moves


def test_history_keeps_each_rows_model_version_across_a_model_change(world: World) -> None:
    run_job(world.engine, world.settings, [WEEK[0]], analytics=world.analytics())
    with Session(world.engine) as s:
        body = health_kind.current(s)[0].model_dump(mode="json")
        body["models"][-1]["measures"][0]["weight"] = 9
        assert config_service.save(s, "health", body, "test") == 1
        s.commit()
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    versions = {(h[1], h[6]) for h in _history(world)}
    assert versions == {(WEEK[0], 0), (DAY, 1)}


def test_of_two_runs_claiming_at_once_exactly_one_gets_the_lock(world: World) -> None:
    for attempt in range(5):
        start, won, lost = threading.Barrier(2), [], []

        def contend(
            name: str, start: threading.Barrier = start, won: list[str] = won, lost: list[str] = lost
        ) -> None:
            start.wait()
            try:
                claim(world.engine, name)
                won.append(name)
            except SnapshotBusy:
                lost.append(name)

        threads = [threading.Thread(target=contend, args=(f"run-{attempt}-{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert (len(won), len(lost)) == (1, 1)
        release(world.engine, won[0])


def test_an_older_date_does_not_overwrite_the_accounts_current_values(world: World) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    current = _accounts(world)
    run_job(world.engine, world.settings, [DAY - timedelta(days=30)], analytics=world.analytics())
    assert _accounts(world) == current


def test_trend_compares_with_the_score_a_week_and_a_month_earlier(world: World) -> None:
    run_job(world.engine, world.settings, [DAY - timedelta(days=7), DAY], analytics=world.analytics())
    history = {(h[0], h[1]): h[2] for h in _history(world)}
    quiet = world.ids["quiet"]
    expected = round(history[(quiet, DAY)] - history[(quiet, DAY - timedelta(days=7))], 2)
    assert _accounts(world)["Quiet"]["health_trend_7d"] == expected


_ = (date, build_world)


def test_a_new_customer_is_judged_by_its_contract_phase_stage_not_thrown_at_risk_by_the_general_model(
    db: Session, engine, tmp_path, db_url: str
) -> None:
    # Four days in, 2 of 10 seats active and one trained: too shallow for the general model (red), a fair
    # start for the onboarding model that judges handover accounts.
    world = build_world(db, engine, tmp_path / "data", db_url)
    admin = db.scalars(select(User).where(User.role == Role.ADMIN.value)).first()
    fresh = make_account(db, admin, name="Fresh", segment_group_id="g-fresh")
    make_contract(
        db,
        fresh,
        admin,
        start_date=DAY - timedelta(days=4),
        end_date=DAY + timedelta(days=360),
        seats=10,
        today=DAY,
    )
    db.commit()
    rows = [
        event(DAY - timedelta(days=b), "g-fresh", f"f{u}", "Dashboard Viewed")
        for b in range(4)
        for u in range(2)
    ]
    rows.append(event(DAY - timedelta(days=1), "g-fresh", "f0", "Training Completed"))
    write_events(world.settings.data_dir / "events", pa.Table.from_pylist(rows, schema=EVENT_SCHEMA))
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    with Session(world.engine) as s:
        history = s.get(HealthHistory, (fresh.id, DAY))
    assert history is not None
    assert (history.stage, history.model) == ("handover", "onboarding")
    assert history.grade in ("yellow", "green")
