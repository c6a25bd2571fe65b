import json

import pytest
from typer.testing import CliRunner

from lodestar.cli import app
from tests.conftest import wipe

runner = CliRunner()


@pytest.fixture
def env(db_url, engine, tmp_path):
    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def test_import_prints_counts_as_json_and_a_dry_run_writes_nothing(env, tmp_path):
    file = tmp_path / "accounts.csv"
    file.write_text('crm_id,name,employees\nC-1,Acme,"2,500"\nC-2,Beta,10\n', encoding="utf-8")
    dry = runner.invoke(app, ["import", "accounts", str(file), "--dry-run", "--json"], env=env)
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output) | {"problems": []} == json.loads(dry.output)
    assert (json.loads(dry.output)["created"], json.loads(dry.output)["dry_run"]) == (2, True)
    real = runner.invoke(app, ["import", "accounts", str(file), "--json"], env=env)
    assert json.loads(real.output)["created"] == 2
    again = runner.invoke(app, ["import", "accounts", str(file)], env=env)
    assert again.output.strip() == "imported 2 accounts rows: 0 created, 0 updated, 2 unchanged"


def test_import_with_a_mapping_file_refuses_bad_rows_naming_them(env, tmp_path):
    file = tmp_path / "accounts.csv"
    file.write_text("id,title,size\nC-1,Acme,12\nC-2,Beta,lots\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "kind: accounts\nfields: {crm_id: id, name: title, employees: size}\n", encoding="utf-8"
    )
    result = runner.invoke(
        app, ["import", "accounts", str(file), "--mapping", str(mapping), "--json"], env=env
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["problems"] == [
        {"row": 3, "column": "size", "value": "lots", "reason": "is not a whole number"}
    ]
    listed = runner.invoke(app, ["import", "accounts", str(file), "--dry-run"], env=env)
    assert listed.exit_code == 2 and "fields.name" in listed.output


def test_import_of_a_missing_file_names_it(env, tmp_path):
    result = runner.invoke(app, ["import", "tickets", str(tmp_path / "nope.csv")], env=env)
    assert result.exit_code == 2
    assert "does not exist" in result.output
