"""`lodestar notify ...`: channels add/list/test, the worker's --once pass, the outbox and retries."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.notifications import service
from lodestar.settings import load_settings
from tests.notifications.conftest import notice, outbox
from tests.notifications.receivers import receiving

SECRET = "webhook-secret-for-the-cli-9z8y"


def _run(engine: Engine, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {
        "LODESTAR_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "LODESTAR_DATA_DIR": str(tmp_path),
        "LODESTAR_NOTIFY_MAX_ATTEMPTS": "1",
    }
    result = CliRunner().invoke(app, ["notify", *args], env=env)
    return result.exit_code, result.output


def test_a_channel_added_tested_and_fed_from_the_command_line(
    db: Session, engine: Engine, tmp_path: Path
) -> None:
    with receiving("webhook", SECRET) as rx:
        options = ["--kind", "webhook", "--url", rx.url, "--secret", SECRET, "--locale", "en", "--json"]
        code, out = _run(engine, tmp_path, "channels", "add", "ops-hook", *options)
        assert code == 0, out
        added = json.loads(out)
        assert added["secret"] == "••••9z8y" and SECRET not in out and "access_token=tok" not in out
        assert _run(engine, tmp_path, "channels", "test", "ops-hook") == (0, "delivered\n")
        service.notify(db, [notice(f"a:{i}", channel_keys=["ops-hook"]) for i in range(3)], load_settings())
        db.commit()
        code, out = _run(engine, tmp_path, "work", "--once", "--json")
    assert code == 0 and json.loads(out)["sent"] == 3
    assert rx.accepted_keys()[1:] == [f"a:{i}:ops-hook" for i in range(3)]
    code, out = _run(engine, tmp_path, "outbox", "--json")
    assert json.loads(out)["counts"] == {"pending": 0, "sent": 3, "dead": 0}


def test_dead_messages_are_listed_and_retried(db: Session, engine: Engine, tmp_path: Path) -> None:
    with receiving("webhook", script=lambda n: (500, {}, "boom")) as rx:
        _run(engine, tmp_path, "channels", "add", "down", "--kind", "webhook", "--url", rx.url)
        service.notify(db, [notice("a:1", channel_keys=["down"])], load_settings())
        db.commit()
        assert json.loads(_run(engine, tmp_path, "work", "--once", "--json")[1])["dead"] == 1
    code, out = _run(engine, tmp_path, "outbox", "--status", "dead")
    assert code == 0 and "HTTP 500: boom" in out
    assert _run(engine, tmp_path, "retry", "--dead") == (0, "requeued 1 message(s)\n")
    assert [m.status for m in outbox(engine)] == ["pending"]
    code, out = _run(engine, tmp_path, "retry")
    assert code == 2 and "give a message id or --dead" in out
