"""Notification fixtures: settings with short backoff and lease, a small team, a worker and a helper that
runs it until the outbox has nothing left to deliver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lodestar.auth.models import Role, User
from lodestar.db.engine import session_factory
from lodestar.kit.text import Text
from lodestar.notifications import repository
from lodestar.notifications.models import OutboxMessage
from lodestar.notifications.schemas import Notice
from lodestar.notifications.worker import Tally, Worker
from lodestar.settings import Settings, load_settings
from tests.api_fixtures import client, quick_password_hashes, team
from tests.factories import make_user

__all__ = ["client", "quick_password_hashes", "team"]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings with retries measured in tens of milliseconds and one-second leases."""
    return load_settings(
        database_url=db_url,
        data_dir=tmp_path,
        base_url="http://cs.example.com",
        notify_backoff_base_s=0.02,
        notify_backoff_cap_s=0.1,
        notify_max_attempts=4,
        notify_lease_s=1.0,
        notify_poll_s=0.05,
    )


@dataclass
class People:
    """A manager, a CSM in their team (English) and a CSM who reads Chinese."""

    manager: User
    csm: User
    zh: User


@pytest.fixture
def people(db: Session) -> People:
    """The team, committed."""
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    zh = make_user(db, Role.CSM, name="Zhao Lei", locale="zh_CN")
    db.commit()
    return People(manager, csm, zh)


def notice(key: str, severity: str = "warning", **kw: object) -> Notice:
    """An alert-like notice with two evidence lines."""
    title = Text("Health of %(account)s fell to %(grade)s", account="Aurora Retail", grade="red")
    lines = [Text("Active users %(before)s → %(after)s", before=42, after=21), Text("No login for 14 days")]
    return Notice(key=key, severity=severity, title=title, lines=lines, link="/accounts/7#alerts", **kw)  # type: ignore[arg-type]


def outbox(engine: Engine) -> list[OutboxMessage]:
    """Every outbox row, by id, as committed."""
    with session_factory(engine)() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def drain(worker: Worker, engine: Engine, limit_s: float = 60.0) -> Tally:
    """Runs the worker until no message is pending, waiting only as long as the next one is due."""
    tally = Tally()
    deadline = time.monotonic() + limit_s  # a guard against a hang, not a timing assertion
    while time.monotonic() < deadline:
        tally.add(worker.run_once())
        with session_factory(engine)() as s:
            if repository.pending(s) == 0:
                return tally
        time.sleep(worker.idle_wait_s())
    raise AssertionError(f"the outbox was not drained: {tally}")


@pytest.fixture
def worker(engine: Engine, settings: Settings) -> Iterator[Worker]:
    """A worker on the test database."""
    w = Worker(engine, settings)
    yield w
    w.close()
