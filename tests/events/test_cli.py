"""`lodestar keys create|list|revoke|rotate` and `lodestar events stats --json`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.db.engine import session_factory
from lodestar.events import service
from tests.conftest import wipe


@pytest.fixture
def run(engine: Engine, db_url: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """Invokes the CLI against the test database."""
    wipe(engine)
    monkeypatch.setenv("LODESTAR_DATABASE_URL", db_url)
    monkeypatch.setenv("LODESTAR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_keys_are_created_listed_rotated_and_revoked(run, engine: Engine) -> None:
    created = run("keys", "create", "web-app")
    assert created.exit_code == 0 and created.stdout.strip().startswith("lsk_")
    secret = created.stdout.strip()
    listed = json.loads(run("keys", "list", "--json").stdout)["keys"]
    assert [(k["name"], k["state"], k["prefix"]) for k in listed] == [("web-app", "active", secret[:8])]
    rotated = run("keys", "rotate", "web-app").stdout.strip()
    with session_factory(engine)() as session:
        assert service.active_key(session, secret) is None
        assert service.active_key(session, rotated) is not None
    assert run("keys", "revoke", "web-app").stdout.strip() == "revoked write key web-app"
    assert json.loads(run("keys", "list", "--json").stdout)["keys"][0]["state"] == "revoked"
    again = run("keys", "create", "web-app")
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_events_stats_reports_counts_per_source_and_type(run, engine: Engine) -> None:
    hour = service.utcnow().replace(minute=0, second=0, microsecond=0)
    with session_factory(engine).begin() as session:
        service.add_counts(
            session,
            {
                ("web-app", "track", hour): service.Tally(accepted=7, deduplicated=2, stored=7, newest=hour),
                ("web-app", "unknown", hour): service.Tally(rejected=1),
            },
        )
    data = json.loads(run("events", "stats", "--json").stdout)
    assert (data["accepted"], data["stored"], data["deduplicated"], data["rejected"]) == (7, 7, 2, 1)
    assert data["quarantined"] == 0
    assert data["types"]["track"]["accepted"] == 7
    assert data["sources"]["web-app"]["rejected"] == 1
    text = run("events", "stats").stdout
    assert "source web-app" in text and "newest event:" in text
