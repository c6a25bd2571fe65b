"""Exports of a stored snapshot, the CLI's refusals, and the admin-only run list."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lodestar.analytics.snapshot_store import root_of as snapshot_root
from lodestar.app import create_app
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.cli import app as cli
from lodestar.kit.errors import InvalidInput, NotFound
from lodestar.pipeline.daily import run_job
from lodestar.snapshots import service
from tests.factories import make_user
from tests.snapshots.conftest import DAY, World

COLUMNS = {"account_id", "as_of", "active_user_ratio_30d", "score", "grade", "coverage", "stage", "tier"}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_one_row_per_account_with_metrics_health_stage_and_tier(
    world: World, tmp_path: Path, suffix: str
) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    out = tmp_path / f"snap{suffix}"
    with Session(world.engine) as db:
        assert service.export_snapshot(db, snapshot_root(world.settings), DAY, out) == 3
    table = pcsv.read_csv(out) if suffix == ".csv" else pq.read_table(out)
    assert set(table.column_names) >= COLUMNS and "explanations" not in table.column_names
    assert sorted(table.column("account_id").to_pylist()) == sorted(world.ids.values())


def test_export_refuses_other_extensions_and_missing_dates(world: World, db: Session, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        service.export_snapshot(db, snapshot_root(world.settings), DAY, tmp_path / "snap.xlsx")
    assert err.value.problems[0].field == "out" and ".csv or .parquet" in err.value.problems[0].message
    with pytest.raises(NotFound, match="no snapshot for 2026-03-31"):
        service.export_snapshot(db, snapshot_root(world.settings), DAY, tmp_path / "snap.csv")


def test_the_cli_names_bad_options(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LODESTAR_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("LODESTAR_DATABASE_URL", world.settings.resolved_database_url)
    runner = CliRunner()
    bad = runner.invoke(
        cli, ["export", "snapshot", "--as-of", "2026-03-31", "--out", str(tmp_path / "x.json")]
    )
    assert bad.exit_code == 2 and "out: x.json: use a .csv or .parquet file name" in bad.output
    every = runner.invoke(cli, ["run", "--from", "2026-03-01", "--to", "2026-03-31", "--every", "weekly"])
    assert every.exit_code == 2 and "--every: 'weekly' is not a period" in every.output
    backwards = runner.invoke(cli, ["run", "--from", "2026-03-31", "--to", "2026-03-01"])
    assert backwards.exit_code == 2 and "to: 2026-03-01 is before --from 2026-03-31" in backwards.output


def test_the_cli_runs_a_date_and_exports_it(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LODESTAR_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("LODESTAR_DATABASE_URL", world.settings.resolved_database_url)
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", "--as-of", "2026-03-31"])
    assert ran.exit_code == 0 and "snapshot 2026-03-31: 3 accounts" in ran.output
    out = tmp_path / "s.csv"
    done = runner.invoke(cli, ["export", "snapshot", "--as-of", "2026-03-31", "--out", str(out)])
    assert done.exit_code == 0 and pcsv.read_csv(out).num_rows == 3


def test_a_backfill_from_the_cli_draws_no_progress_bar_when_not_on_a_terminal(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LODESTAR_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("LODESTAR_DATABASE_URL", world.settings.resolved_database_url)
    runner = CliRunner()
    text = runner.invoke(cli, ["run", "--from", "2026-03-17", "--to", "2026-03-31"])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("snapshot 2026-03-17 .. 2026-03-31 (3 dates): 3 accounts")
    _, phases = text.output.splitlines()  # the result and its phases, nothing drawn between them
    assert phases.startswith("phases: commercials ")
    assert "━" not in text.output and "eta" not in text.output
    as_json = runner.invoke(cli, ["run", "--from", "2026-03-17", "--to", "2026-03-31", "--json"])
    assert as_json.exit_code == 0 and json.loads(as_json.output)["dates"] == 3


def test_only_admins_see_the_snapshot_runs(world: World, db: Session) -> None:
    run_job(world.engine, world.settings, [DAY], analytics=world.analytics())
    admin, csm = make_user(db, Role.ADMIN), make_user(db, Role.CSM)
    headers = {
        u.role: {"Authorization": f"Bearer {auth_service.create_api_token(db, u, 't')[1]}"}
        for u in (admin, csm)
    }
    db.commit()
    client = TestClient(create_app(world.settings))
    runs = client.get("/api/v1/snapshot-runs", headers=headers["admin"])
    assert runs.status_code == 200
    assert [(r["status"], r["as_of"], r["accounts"]) for r in runs.json()] == [("succeeded", "2026-03-31", 3)]
    refused = client.get("/api/v1/snapshot-runs", headers=headers["csm"])
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
