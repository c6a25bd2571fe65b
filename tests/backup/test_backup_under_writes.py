"""A backup taken while a writer keeps inserting restores to one consistent point in time."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from lodestar.analytics import event_store as store
from lodestar.backup.service import create_backup, restore_backup
from lodestar.db.engine import make_engine
from lodestar.tables import metadata
from tests.backup.conftest import add_account_with_contacts, all_events, event_table, settings_for
from tests.conftest import wipe


class Writer(threading.Thread):
    """Adds an account with two contacts (one transaction) and a file of five events, again and again."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        super().__init__(daemon=True)
        self.engine, self.data_dir = engine, data_dir
        self.done = 0
        self.stop = threading.Event()
        self.progress = threading.Condition()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                add_account_with_contacts(self.engine, f"W{self.done}")
                day = datetime(2026, 3, 1 + self.done % 20, tzinfo=UTC)
                store.write_events(self.data_dir / "events", event_table(f"w{self.done}", 5, day))
                with self.progress:
                    self.done += 1
                    self.progress.notify_all()
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: self.done >= count or self.error is not None, timeout=120)


def _contacts_per_writer_account(engine: Engine) -> dict[str, int]:
    accounts, contacts = metadata.tables["accounts"], metadata.tables["contacts"]
    query = (
        select(accounts.c.name, func.count(contacts.c.id))
        .select_from(accounts.outerjoin(contacts, contacts.c.account_id == accounts.c.id))
        .where(accounts.c.name.like("W%"))
        .group_by(accounts.c.name)
    )
    with engine.connect() as conn:
        return {name: n for name, n in conn.execute(query)}


def test_a_backup_taken_during_writes_restores_whole_transactions_and_whole_event_files(
    engine: Engine, db_url: str, postgres_or_sqlite_fresh: str, tmp_path: Path
) -> None:
    wipe(engine)
    source = tmp_path / "source"
    writer = Writer(engine, source)
    writer.start()
    try:
        writer.wait_for(3)
        archive = tmp_path / "lodestar.tar.gz"
        create_backup(engine, settings_for(source, db_url), archive)
        during = writer.done
        writer.wait_for(during + 3)  # the writer went on after the backup
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None

    target = tmp_path / "restored"
    target_engine = make_engine(postgres_or_sqlite_fresh)
    restore_backup(target_engine, settings_for(target, postgres_or_sqlite_fresh), archive)
    restored = _contacts_per_writer_account(target_engine)
    assert 3 <= len(restored) < writer.done
    assert set(restored.values()) == {2}  # never an account without the contacts of its transaction
    per_file = Counter(e["message_id"].split("-")[0] for e in all_events(target))
    assert len(per_file) >= 3
    assert set(per_file.values()) == {5}  # every event file restored whole
    target_engine.dispose()
