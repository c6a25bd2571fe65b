"""A run whose inputs are all as the last run left them is skipped: it records a run with no change and
touches no table or file. Any change to any input — each kind tried here — makes the next run a full one."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

import lodestar
from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.analytics.event_store import EVENT_SCHEMA, write_events
from lodestar.config import service as config_service
from lodestar.contracts.models import Contract
from lodestar.db import generations
from lodestar.engagement.models import SurveyResponse, Ticket, Touch
from lodestar.health import config_kind as health_kind
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from lodestar.snapshots.models import SnapshotRun
from tests.pipeline.test_daily import _every_row, _store_files
from tests.snapshots.conftest import DAY, World, event

Change = Callable[[World], None]


def _run(world: World, days: list[date] | None = None) -> SnapshotRun:
    return run_job(world.engine, world.settings, days or [DAY], analytics=world.analytics())


def _skipped(run: SnapshotRun) -> bool:
    return [p["name"] for p in run.phases] == ["commercials", "unchanged"]


def test_the_same_date_again_is_skipped_writes_nothing_and_reports_no_change(world: World) -> None:
    first = _run(world)
    assert first.transitions > 0 and first.fingerprint and not _skipped(first)
    tables, files = _every_row(world.engine), _store_files(snapshot_store.root_of(world.settings))
    again = _run(world)
    assert _skipped(again) and again.phases[0]["rows"] == 0
    assert (again.status, again.transitions, again.rows, again.accounts) == (
        "succeeded",
        0,
        0,
        first.accounts,
    )
    assert again.versions == first.versions and again.fingerprint == first.fingerprint
    assert _every_row(world.engine) == tables
    assert _store_files(snapshot_store.root_of(world.settings)) == files  # same bytes, same modification time
    assert _skipped(_run(world))  # and again: the skipped run vouches for the same inputs


def _sql(world: World, statement: str) -> None:
    with world.engine.begin() as conn:  # raw SQL on its own connection: no ORM, no service
        conn.execute(text(statement))


def _contract_edited(world: World) -> None:
    with Session(world.engine) as s:
        s.execute(update(Contract).where(Contract.account_id == world.ids["busy"]).values(seats=3))
        s.commit()


def _account_edited(world: World) -> None:
    _sql(world, f"UPDATE accounts SET employees = 4321 WHERE id = {world.ids['quiet']}")


def _ticket_opened(world: World) -> None:
    opened = datetime(DAY.year, DAY.month, DAY.day, 9, tzinfo=UTC) - timedelta(days=2)
    with Session(world.engine) as s:
        s.add(Ticket(account_id=world.ids["busy"], opened_at=opened))
        s.commit()


def _touch_logged(world: World) -> None:
    with Session(world.engine) as s:
        s.add(
            Touch(
                account_id=world.ids["busy"], kind="call", occurred_at=datetime(2026, 3, 20, 10, tzinfo=UTC)
            )
        )
        s.commit()


def _nps_answered(world: World) -> None:
    answered = datetime(2026, 3, 30, tzinfo=UTC)
    with Session(world.engine) as s:
        s.add(SurveyResponse(account_id=world.ids["busy"], kind="nps", score=2, answered_at=answered))
        s.commit()


def _nps_deleted(world: World) -> None:
    _nps_answered(world)
    _run(world)  # the answer is in the last run's inputs; then it is deleted
    with Session(world.engine) as s:
        s.execute(delete(SurveyResponse))
        s.commit()


def _health_model_saved(world: World) -> None:
    with Session(world.engine) as s:
        body = health_kind.current(s)[0].model_dump(mode="json")
        body["models"][-1]["measures"][0]["weight"] = 9
        config_service.save(s, "health", body, "test")
        s.commit()


def _event_landed(world: World) -> None:
    late = [event(DAY, "g-quiet", "q9", "Report Exported")]
    write_events(world.settings.events_dir, pa.Table.from_pylist(late, schema=EVENT_SCHEMA))


def _snapshot_file_touched(world: World) -> None:
    file = snapshot_store.folder(snapshot_store.root_of(world.settings), DAY) / snapshot_store.FILE
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def _rollup_removed(world: World) -> None:
    files = sorted((world.settings.data_dir / "rollups").rglob("*.parquet"))
    files[0].unlink()


def _settings_changed(world: World) -> None:
    world.settings = load_settings(
        data_dir=world.settings.data_dir, database_url=world.settings.database_url, timezone="Europe/Berlin"
    )


def _code_changed(world: World) -> None:
    lodestar.__version__ += "+changed"


CHANGES: dict[str, Change] = {
    "contract": _contract_edited,
    "account (raw SQL)": _account_edited,
    "ticket": _ticket_opened,
    "touch": _touch_logged,
    "nps answer": _nps_answered,
    "nps answer deleted": _nps_deleted,
    "configuration version": _health_model_saved,
    "event": _event_landed,
    "snapshot file": _snapshot_file_touched,
    "roll-up file": _rollup_removed,
    "settings": _settings_changed,
    "code version": _code_changed,
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_any_changed_input_makes_the_next_run_a_full_one(
    world: World, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lodestar, "__version__", lodestar.__version__)  # restored after the code change
    _run(world)
    CHANGES[kind](world)
    changed = _run(world)
    assert not _skipped(changed) and "metrics" in [p["name"] for p in changed.phases]
    assert _skipped(_run(world))  # the full run vouches for the changed inputs in turn


def test_other_dates_are_not_skipped(world: World) -> None:
    _run(world, [DAY - timedelta(days=7), DAY])
    assert not _skipped(_run(world))  # the newest run had two dates, not this one alone
    assert not _skipped(_run(world, [DAY + timedelta(days=1)]))


def test_a_table_without_its_counting_triggers_records_no_fingerprint(world: World, db: Session) -> None:
    db.close()  # the fixture's session read the accounts: on PostgreSQL its open transaction would block DDL
    with world.engine.begin() as conn:
        on = "" if conn.dialect.name == "sqlite" else " ON tickets"
        conn.execute(text(f'DROP TRIGGER "{generations.PREFIX}tickets_insert"{on}'))
    assert _run(world).fingerprint is None
    assert not _skipped(_run(world))
    with world.engine.begin() as conn:
        generations.install(conn)
    assert _run(world).fingerprint is not None and _skipped(_run(world))


def test_every_table_but_the_runs_own_records_is_counted(world: World) -> None:
    with world.engine.connect() as conn:
        counted = set(generations.counted_tables(conn))
        assert generations.complete(conn)
    from lodestar.tables import metadata

    # The feature-request totals are kept by triggers from counted tables: counting them too would count
    # each write twice.
    uncounted = {"snapshot_runs", "job_locks", "data_generation", *generations.TRIGGER_KEPT}
    assert generations.TRIGGER_KEPT and counted == set(metadata.tables) - uncounted


def test_counting_resumes_after_a_run_and_after_a_failed_one(world: World) -> None:
    _run(world)
    bad = world.settings.events_dir / "date=2026-03-30" / "part-broken.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(Exception, match=r"(?i)parquet|magic"):
        _run(world)
    with Session(world.engine) as s:
        assert s.scalar(select(generations.DataGeneration.quiet)) is False
        before = generations.current(s)
    _account_edited(world)
    with Session(world.engine) as s:
        assert generations.current(s) > before
        assert s.scalar(select(Account.employees).where(Account.id == world.ids["quiet"])) == 4321


def test_a_run_begun_while_another_transaction_writes_records_no_fingerprint(world: World) -> None:
    if world.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: the run waits for it")
    with world.engine.connect() as other:
        other.execute(
            text(
                "INSERT INTO touches (account_id, kind, occurred_at) "
                f"VALUES ({world.ids['busy']}, 'call', '2026-03-20 10:00')"
            )
        )
        run = _run(world)  # the other transaction's change is invisible to the run, and uncommitted
        other.commit()
    assert run.fingerprint is None and not _skipped(_run(world))
