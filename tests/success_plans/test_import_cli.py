"""`lodestar import milestones FILE` (CSV, XLSX): all or nothing, each refusal naming its row and column."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from lodestar.auth.models import Role
from lodestar.cli import app
from lodestar.db.engine import session_factory
from tests.conftest import wipe
from tests.factories import make_account, make_contract, make_user

runner = CliRunner()
HEADER = ["external_id", "account", "kind", "title", "target_on", "metric", "target_value"]


@pytest.fixture
def env(db_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    """An empty database with one account (CRM id C-1, contract from 2026-01-01)."""
    wipe(engine)
    with session_factory(engine).begin() as db:
        admin = make_user(db, Role.ADMIN)
        account = make_account(db, admin, admin, crm_id="C-1")
        make_contract(db, account, admin, start_date=date(2026, 1, 1))
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def _import(env: dict[str, str], file: Path) -> tuple[int, dict]:
    result = runner.invoke(app, ["import", "milestones", str(file), "--json"], env=env)
    return result.exit_code, json.loads(result.output)


def _csv(tmp_path: Path, name: str, rows: list[str]) -> Path:
    file = tmp_path / name
    file.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return file


GOOD = "M-1,C-1,module_go_live,Finance live,2026-03-01,,"


def test_a_file_with_bad_rows_writes_nothing_and_names_each_row_and_column(
    env: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        GOOD,
        "M-2,C-1,module_go_live,Too early,2025-06-01,,",
        "M-4,C-1,usage_target,Seats,2026-05-01,nope,0.8",
    ]
    code, report = _import(env, _csv(tmp_path, "bad.csv", rows))
    assert code == 1
    assert [(p["row"], p["column"], p["reason"]) for p in report["problems"]] == [
        (3, "target_on", "is before the contract start 2026-01-01"),
        (4, "metric", "unknown metric nope"),
    ]
    code, report = _import(
        env, _csv(tmp_path, "unknown.csv", [GOOD, "M-3,C-9,module_go_live,X,2026-03-01,,"])
    )
    assert code == 1
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(3, "account")]
    code, report = _import(env, _csv(tmp_path, "good.csv", [GOOD]))
    assert (code, report["created"]) == (0, 1)  # the refused files left nothing behind: M-1 is new


def test_an_xlsx_file_imports_and_a_second_import_updates_by_external_id(
    env: dict[str, str], tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["M-1", "C-1", "usage_target", "80% active", "2026-05-01", "active_user_ratio_30d", 0.8])
    file = tmp_path / "milestones.xlsx"
    book.save(file)
    code, report = _import(env, file)
    assert (code, report["created"]) == (0, 1), report
    sheet["D2"] = "85% active"
    book.save(file)
    code, report = _import(env, file)
    assert (code, report["created"], report["updated"]) == (0, 0, 1), report
