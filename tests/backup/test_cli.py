"""`lodestar backup` and `lodestar restore` from the command line: JSON out, one-sentence refusals."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lodestar.cli import app

runner = CliRunner()


def _env(data_dir: Path) -> dict[str, str]:
    return {"LODESTAR_DATA_DIR": str(data_dir), "LODESTAR_DATABASE_URL": ""}


def test_backup_then_restore_then_a_second_restore_is_refused(tmp_path: Path) -> None:
    source, target, archive = tmp_path / "source", tmp_path / "target", tmp_path / "backup.tar.gz"
    made = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "admin",
            "--password",
            "correct-horse",
        ],
        env=_env(source),
    )
    assert made.exit_code == 0, made.output

    backed = runner.invoke(app, ["backup", "--out", str(archive), "--json"], env=_env(source))
    assert backed.exit_code == 0, backed.output
    assert json.loads(backed.output)["rows"] >= 1

    restored = runner.invoke(app, ["restore", str(archive), "--json"], env=_env(target))
    assert restored.exit_code == 0, restored.output
    listed = runner.invoke(app, ["users", "list", "--json"], env=_env(target))
    assert [u["email"] for u in json.loads(listed.output)["users"]] == ["a@example.com"]

    again = runner.invoke(app, ["restore", str(archive)], env=_env(target))
    assert again.exit_code == 2
    assert "error: the target is not empty (table users (1 rows)" in again.output
    assert "--force" in again.output
    forced = runner.invoke(app, ["restore", str(archive), "--force"], env=_env(target))
    assert forced.exit_code == 0, forced.output


def test_restore_of_a_file_that_is_no_backup_names_the_problem(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    result = runner.invoke(app, ["restore", str(junk)], env=_env(tmp_path / "target"))
    assert result.exit_code == 2
    assert f"error: {junk}: the archive is damaged or not a tar file" in result.output


def test_backup_refuses_to_write_into_the_data_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["backup", "--out", str(tmp_path / "b.tar.gz")], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "--out:" in result.output and "inside the data directory" in result.output
