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


def test_events_stats_counts_imported_events_as_stored(run, engine: Engine, tmp_path) -> None:
    from collections import Counter

    from lodestar.analytics.event_store import read_events

    lines = ["when,group,feature,src,kind"]
    for i in range(1_234):  # two sources, and identify rows among the tracks of one of them
        source, kind = ("crm-export", "track") if i % 3 else ("billing", "identify" if i % 2 else "track")
        lines.append(f"2024-03-{1 + i % 28:02d} {i % 24:02d}:00,g-{i % 5},f{i % 4},{source},{kind}")
    path = tmp_path / "usage.csv"
    path.write_text("\n".join(lines) + "\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields: {timestamp: when, group_id: group, event: feature, source: src, type: kind}\n"
    )
    imported = run("import", "events", str(path), "--mapping", str(mapping), "--json")
    assert imported.exit_code == 0, imported.output
    hour = service.utcnow().replace(minute=0, second=0, microsecond=0)
    with session_factory(engine).begin() as session:
        service.add_counts(
            session, {("web-app", "track", hour): service.Tally(accepted=7, stored=7, newest=hour)}
        )
    answer = run("events", "stats", "--json")
    assert answer.exit_code == 0, (answer.output, answer.exception)
    data = json.loads(answer.stdout)
    stored = read_events(tmp_path / "events").select(["source", "type"]).to_pylist()
    by_source = Counter(r["source"] for r in stored)
    by_type = Counter(r["type"] for r in stored)
    assert (data["stored"], data["imported"], data["accepted"]) == (1_234 + 7, 1_234, 7)
    assert {s: v["stored"] for s, v in data["sources"].items()} == {**by_source, "web-app": 7}
    assert {t: v["stored"] for t, v in data["types"].items()} == {
        "track": by_type["track"] + 7,
        "identify": by_type["identify"],
    }
    assert data["sources"]["crm-export"]["newest_event_at"].startswith("2024-03-28")
    assert "imported from files: 1,234" in run("events", "stats").stdout
