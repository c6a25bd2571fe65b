"""`lodestar serve` delivers the outbox from a background thread, started and stopped with the app."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.notifications import service
from lodestar.notifications.schemas import ChannelCreate
from lodestar.settings import Settings
from tests.notifications.conftest import notice, outbox
from tests.notifications.receivers import receiving


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_the_served_app_runs_the_worker_and_stops_it_on_shutdown(
    db: Session, engine: Engine, settings: Settings
) -> None:
    served = settings.model_copy(update={"snapshot_schedule": False})  # the worker alone
    with receiving("wecom") as rx:
        service.create_channel(
            db, ChannelCreate(key="wx", name="wx", kind="wecom", url=rx.url), None, served.secret_key
        )
        service.notify(db, [notice("a:1", channel_keys=["wx"])], served)
        db.commit()
        with TestClient(create_app(served, scheduler=True)):
            assert "lodestar-notify" in _threads()
            deadline = time.monotonic() + 30  # a guard against a hang, not a timing assertion
            while not rx.accepted and time.monotonic() < deadline:
                time.sleep(0.02)
        assert rx.accepted_keys() == ["a:1:wx"]
    assert [m.status for m in outbox(engine)] == ["sent"]
    assert "lodestar-notify" not in _threads()  # joined on shutdown


def test_the_worker_stays_off_when_the_setting_says_so(settings: Settings) -> None:
    off = settings.model_copy(update={"snapshot_schedule": False, "notify_worker": False})
    with TestClient(create_app(off, scheduler=True)):
        assert "lodestar-notify" not in _threads()
