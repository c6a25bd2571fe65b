"""An installation to back up: a database with rows of every kind, an event store, an ingest log, files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
from sqlalchemy import Engine, select

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import ContactCreate
from lodestar.analytics import event_store as store
from lodestar.auth.models import Role
from lodestar.db.engine import session_factory, unit_of_work
from lodestar.events.ingest.log import IngestLog
from lodestar.events.ingest.log_records import encode
from lodestar.events.ingest.mover import Mover
from lodestar.settings import Settings
from lodestar.tables import metadata
from tests.factories import make_account, make_contract, make_user


def settings_for(data_dir: Path, url: str) -> Settings:
    """Settings of an installation in data_dir on the database at url."""
    return Settings(data_dir=data_dir, database_url=url)


def add_account_with_contacts(engine: Engine, name: str, contacts: int = 2) -> None:
    """One transaction: an account and its contacts (a restore must never hold one without the others)."""
    with unit_of_work(engine) as session:
        admin = make_user(session, Role.ADMIN)
        account = make_account(session, admin, name=name)
        for i in range(contacts):
            accounts_service.create_contact(
                session, admin, ContactCreate(account_id=account.id, name=f"C{i}")
            )


def event_table(prefix: str, n: int, start: datetime) -> pa.Table:
    """n track events with ids prefix-0..n-1, an hour apart."""
    rows: dict[str, list[Any]] = {name: [] for name in store.EVENT_SCHEMA.names}
    for i in range(n):
        rows["message_id"].append(f"{prefix}-{i}")
        rows["type"].append("track")
        rows["event"].append("Opened")
        rows["user_id"].append(f"u{i % 3}")
        rows["timestamp"].append(start + timedelta(hours=i))
        rows["received_at"].append(start + timedelta(hours=i))
        for name in ("name", "anonymous_id", "group_id", "source", "properties", "traits"):
            rows[name].append(None)
    return pa.table(rows, schema=store.EVENT_SCHEMA)


def log_record(key: str, n: int) -> bytes:
    """An ingest-log record of n track messages, as the receiver writes it."""
    body = {
        "k": 1,
        "s": "web",
        "r": "2026-03-01T10:00:00+00:00",
        "m": [
            {
                "type": "track",
                "event": "Clicked",
                "userId": "u1",
                "messageId": f"{key}-{i}",
                "timestamp": "2026-03-01T09:00:00Z",
            }
            for i in range(n)
        ],
    }
    return encode([f"1:{key}-{i}".encode() for i in range(n)], orjson.dumps(body))


def fill(engine: Engine, data_dir: Path) -> None:
    """Rows in the main tables, imported events, a partly moved ingest log and other data files."""
    with unit_of_work(engine) as session:
        admin = make_user(session, Role.ADMIN)
        csm = make_user(session, Role.CSM, name="李 CSM")
        for i in range(3):
            account = make_account(session, csm, admin, name=f"Acme {i}", traits={"plan": "pro", "n": i})
            make_contract(session, account, admin)
    add_account_with_contacts(engine, "Contacts Inc")
    store.write_events(data_dir / "events", event_table("imported", 30, datetime(2026, 2, 27, tzinfo=UTC)))
    log = IngestLog(data_dir / "ingest").open()
    try:
        log.append(log_record("moved", 4))
        Mover(log, session_factory(engine), data_dir / "events").move_once()
        log.append(log_record("waiting", 3))  # acknowledged, not yet moved when the backup is taken
    finally:
        log.close()
    (data_dir / "snapshots" / "as_of=2026-03-01").mkdir(parents=True)
    (data_dir / "snapshots" / "as_of=2026-03-01" / "snapshot.parquet").write_bytes(b"PAR1 snapshot")
    (data_dir / "evidence" / "7").mkdir(parents=True)
    (data_dir / "evidence" / "7" / "minutes.pdf").write_bytes(b"%PDF evidence")


def move_everything(data_dir: Path, engine: Engine) -> None:
    """Runs the mover until the ingest log is fully stored, as `serve` does."""
    log = IngestLog(data_dir / "ingest").open()
    try:
        mover = Mover(log, session_factory(engine), data_dir / "events")
        while mover.move_once():
            pass
    finally:
        log.close()


def all_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order (but the data generation, a count of writes each
    database keeps for itself: a restore's upgrade seeds it again)."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in metadata.sorted_tables
            if t.name != "data_generation"
        }


def all_events(data_dir: Path) -> list[dict[str, Any]]:
    """Every stored event, by message id."""
    return sorted(store.read_events(data_dir / "events").to_pylist(), key=lambda e: e["message_id"])
