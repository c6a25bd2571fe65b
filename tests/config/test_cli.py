import pytest
import yaml
from typer.testing import CliRunner

from lodestar.cli import app
from tests.conftest import wipe

runner = CliRunner()


@pytest.fixture
def env(db_url, engine, tmp_path):
    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def test_export_then_apply_then_export_is_identical(env, tmp_path):
    first = runner.invoke(app, ["config", "export"], env=env)
    assert first.exit_code == 0, first.output
    doc = yaml.safe_load(first.output)
    doc["health"]["models"][1]["grades"]["green"] = 75
    edited = tmp_path / "config.yaml"
    edited.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    applied = runner.invoke(app, ["config", "apply", str(edited)], env=env)
    assert applied.exit_code == 0, applied.output
    assert applied.output.strip() == "applied: health v1"
    out = tmp_path / "out.yaml"
    exported = runner.invoke(app, ["config", "export", "--out", str(out)], env=env)
    assert exported.exit_code == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["health"]["models"][1]["grades"]["green"] == 75
    again = runner.invoke(app, ["config", "apply", str(out)], env=env)
    assert again.output.strip() == "applied: nothing changed"
    assert runner.invoke(app, ["config", "export"], env=env).output == out.read_text(encoding="utf-8")


def test_a_bad_file_is_refused_with_the_path_and_reason_of_every_problem(env, tmp_path):
    doc = yaml.safe_load(runner.invoke(app, ["config", "export"], env=env).output)
    doc["health"]["models"][0]["measures"][2]["weight"] = -1
    doc["tiers"]["tiers"][1]["touch_model"] = "medium"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = runner.invoke(app, ["config", "apply", str(bad)], env=env)
    assert result.exit_code == 2
    assert "refused: 2 problem(s); nothing was applied" in result.output
    assert "health.models[0].measures[2].weight: must be > 0" in result.output
    assert "tiers.tiers[1].touch_model: Input should be 'high', 'low' or 'tech'" in result.output


def test_a_dry_run_changes_nothing(env, tmp_path):
    doc = yaml.safe_load(runner.invoke(app, ["config", "export"], env=env).output)
    doc["lifecycle"]["churn"]["win_back_days"] = 30
    file = tmp_path / "c.yaml"
    file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    dry = runner.invoke(app, ["config", "apply", str(file), "--dry-run"], env=env)
    assert dry.output.strip() == "would apply: lifecycle v1"
    after = yaml.safe_load(runner.invoke(app, ["config", "export"], env=env).output)
    assert after["lifecycle"]["churn"]["win_back_days"] == 90


def test_applying_a_missing_file_names_it(env, tmp_path):
    result = runner.invoke(app, ["config", "apply", str(tmp_path / "nope.yaml")], env=env)
    assert result.exit_code == 2 and "nope.yaml does not exist" in result.output
