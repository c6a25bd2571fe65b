"""A fresh install works: the daily run on no accounts, and on accounts with nothing else yet."""

from __future__ import annotations

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from lodestar.accounts.tiers import TierRules, assign_tiers
from lodestar.cli import app
from lodestar.config import service as config_service

runner = CliRunner()


def test_tiers_are_assigned_on_no_accounts() -> None:
    rules = config_service.default("tiers")
    assert isinstance(rules, TierRules)
    empty = pa.table(
        {
            "account_id": pa.array([], pa.int64()),
            "arr": pa.array([], pa.float64()),
            "tier": pa.array([], pa.string()),
            "tier_pinned": pa.array([], pa.bool_()),
        }
    )
    out = assign_tiers(empty, rules)
    assert out.num_rows == 0 and "tier" in out.column_names


@pytest.fixture
def env(db_url, engine, tmp_path):
    from tests.conftest import wipe

    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path)}


def test_the_daily_run_succeeds_on_an_empty_database(env) -> None:
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    result = runner.invoke(app, ["run", "--as-of", "2025-06-01"], env=env)
    assert result.exit_code == 0, result.output
    assert "0 accounts" in result.output


def test_the_daily_run_succeeds_with_accounts_but_no_contracts_events_or_tickets(env, tmp_path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("crm_id,name,tier\nC-1,Acme,KA\nC-2,Beta,\n")
    imported = runner.invoke(app, ["import", "accounts", str(accounts)], env=env)
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["run", "--as-of", "2025-06-01"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 accounts" in result.output
