import json

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.db.migrate import alembic_config

runner = CliRunner()


@pytest.fixture
def env(db_url, engine, tmp_path):
    from tests.conftest import wipe

    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path)}


def test_every_command_has_help():
    for args in (
        ["--help"],
        ["demo", "--help"],
        ["serve", "--help"],
        ["migrate", "--help"],
        ["users", "--help"],
        ["users", "create", "--help"],
        ["users", "list", "--help"],
        ["users", "token", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.output


def test_migrate_reports_the_revision_as_json(env):
    result = runner.invoke(app, ["migrate", "--json"], env=env)
    assert result.exit_code == 0, result.output
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    assert json.loads(result.output)["revision"] == head


def test_users_create_list_and_token(env):
    made = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "Boss@Example.com",
            "--name",
            "Boss",
            "--role",
            "manager",
            "--password",
            "long-enough-1",
            "--json",
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["email"] == "boss@example.com"
    csm = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "c@example.com",
            "--name",
            "C",
            "--manager-email",
            "boss@example.com",
            "--password",
            "long-enough-2",
            "--json",
        ],
        env=env,
    )
    assert csm.exit_code == 0, csm.output
    assert json.loads(csm.output)["manager_id"] == json.loads(made.output)["id"]
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"], env=env).output)
    assert [u["email"] for u in listed["users"]] == ["boss@example.com", "c@example.com"]
    token = runner.invoke(app, ["users", "token", "c@example.com", "--json"], env=env)
    assert json.loads(token.output)["token"].startswith("lst_")


def test_users_create_names_the_bad_field(env):
    short = runner.invoke(
        app, ["users", "create", "--email", "x@example.com", "--name", "X", "--password", "short"], env=env
    )
    assert short.exit_code == 2
    assert "password" in short.output
    bad_role = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "y@example.com",
            "--name",
            "Y",
            "--role",
            "king",
            "--password",
            "long-enough-3",
        ],
        env=env,
    )
    assert bad_role.exit_code == 2
    assert "role" in bad_role.output
    no_manager = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "z@example.com",
            "--name",
            "Z",
            "--manager-email",
            "nobody@example.com",
            "--password",
            "long-enough-4",
        ],
        env=env,
    )
    assert no_manager.exit_code == 2
    assert "manager_email" in no_manager.output
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"], env=env).output)
    assert listed["users"] == []


def test_a_bad_setting_stops_the_cli_naming_it(env):
    result = runner.invoke(app, ["migrate"], env={**env, "LODESTAR_DEFAULT_LOCALE": "xx"})
    assert result.exit_code == 2
    assert "LODESTAR_DEFAULT_LOCALE" in result.output


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_load_command_imports_the_named_domain_command_only():
    show = "import sys; print(' '.join(m for m in sys.modules if m.startswith('lodestar.')))"
    loaded = _modules_after(f"from lodestar.cli import load_command; load_command(['run', '--json']); {show}")
    assert "lodestar.pipeline.daily" in loaded
    assert "lodestar.value_reports.cli" not in loaded
    own = _modules_after(f"from lodestar.cli import load_command; load_command(['users', 'list']); {show}")
    assert "lodestar.pipeline.daily" not in own


def test_the_console_script_freezes_its_imports_and_runs_the_command():
    import subprocess
    import sys

    code = (
        "import atexit, gc, sys; sys.argv = ['lodestar', 'run', '--help'];"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), gc.isenabled()));"
        "from lodestar.__main__ import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "--as-of" in done.stdout
    frozen, count, enabled = done.stdout.split()[-3:]
    assert frozen == "frozen" and int(count) > 100_000 and enabled == "True"
