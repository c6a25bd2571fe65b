"""`lodestar serve` as a real process and `lodestar demo --fresh`, as a person runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from lodestar.cli import app
from tests.live_server import free_port

runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src"


def _wait_for_health(url: str, proc: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 120  # start-up on a loaded machine, not a performance figure
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            return httpx.get(f"{url}/healthz", timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("lodestar serve never answered /healthz")


def test_serve_migrates_an_empty_data_dir_answers_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "LODESTAR_DATA_DIR": str(tmp_path / "data"),
        "LODESTAR_DATABASE_URL": "",
        # The daily snapshot thread is another test's subject; here only the serving process is.
        "LODESTAR_SNAPSHOT_SCHEDULE": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lodestar.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = _wait_for_health(f"http://127.0.0.1:{port}", proc)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert "server" not in response.headers
        assert (tmp_path / "data" / "lodestar.db").is_file()  # serve migrated the empty data dir first
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # Uvicorn shuts down gracefully on SIGTERM, then re-raises the signal so the exit status reports it.
    assert proc.returncode in (0, -signal.SIGTERM), err
    assert f"Lodestar is serving on http://127.0.0.1:{port}" in out
    assert "Traceback" not in err


def _demo(data_dir: Path, *args: str) -> dict[str, object]:
    env = {"LODESTAR_DATA_DIR": str(data_dir), "LODESTAR_DATABASE_URL": ""}
    result = runner.invoke(app, ["demo", "--no-serve", "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def _users(data_dir: Path) -> list[str]:
    env = {"LODESTAR_DATA_DIR": str(data_dir), "LODESTAR_DATABASE_URL": ""}
    result = runner.invoke(app, ["users", "list", "--json"], env=env)
    return [u["email"] for u in json.loads(result.output)["users"]]


def test_demo_keeps_an_existing_company_and_fresh_regenerates_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _demo(data, "--accounts", "10")
    assert (first["generated"], first["accounts"]) == (True, 10)
    assert first["snapshot"]["dates"] >= 27  # type: ignore[index]
    env = {"LODESTAR_DATA_DIR": str(data), "LODESTAR_DATABASE_URL": ""}
    marker = ["users", "create", "--email", "kept@example.com", "--name", "Kept", "--password", "long-enough"]
    assert runner.invoke(app, marker, env=env).exit_code == 0

    again = _demo(data, "--accounts", "11")
    assert again == {"generated": False, "accounts": 10}
    assert "kept@example.com" in _users(data)

    fresh = _demo(data, "--accounts", "11", "--fresh")
    assert (fresh["generated"], fresh["accounts"]) == (True, 11)
    assert "kept@example.com" not in _users(data)  # the old company was thrown away, not topped up
    assert "admin@lodestar.demo" in _users(data)
    assert Path(str(fresh["truth_file"])).is_file()


def test_demo_fresh_refuses_to_reset_a_postgresql_database(tmp_path: Path) -> None:
    env = {"LODESTAR_DATA_DIR": str(tmp_path), "LODESTAR_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/x"}
    result = runner.invoke(app, ["demo", "--fresh", "--no-serve"], env=env)
    assert result.exit_code == 2
    assert "--fresh only resets the embedded SQLite store" in result.output
