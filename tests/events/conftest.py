"""Event-ingestion fixtures: a real `lodestar serve` process on loopback with a fresh write key."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.analytics import event_store as store
from lodestar.db.engine import session_factory
from lodestar.events import service
from tests.conftest import wipe

T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# uvicorn straight on the app factory: no CLI import and no migration check (the fixtures migrated).
_SERVE = (
    "import sys, uvicorn; from lodestar.app import create_app; from lodestar.settings import load_settings; "
    "uvicorn.run(create_app(load_settings()), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
)


def eventually(check: Callable[[], T], timeout: float = 15) -> T:
    """Polls check until it returns something truthy (or the timeout passes); returns its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


class Server:
    """A `lodestar serve` child process that tests can kill and restart."""

    def __init__(self, db_url: str, data_dir: Path, env: dict[str, str]) -> None:
        self.db_url, self.data_dir, self.extra_env = db_url, data_dir, env
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait_s: float = 30, **env: str) -> Server:
        """Starts the server and waits (up to wait_s) until it answers."""
        full = {
            **os.environ,
            "LODESTAR_DATABASE_URL": self.db_url,
            "LODESTAR_DATA_DIR": str(self.data_dir),
            **self.extra_env,
            **env,
        }
        with open(self.data_dir / "server.err", "ab") as err:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _SERVE, str(self.port)],
                env=full,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + (self.data_dir / "server.err").read_text()[-2000:])

    def kill(self) -> None:
        """SIGKILLs the server: no clean shutdown at all."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """Stops the server cleanly (the mover drains the log first)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def stored(self, prefix: str = "") -> list[dict[str, Any]]:
        """Rows in the event store whose message id starts with prefix."""
        rows = store.read_events(self.data_dir / "events").to_pylist()
        return [r for r in rows if str(r["message_id"]).startswith(prefix)]

    def wait_stored(self, count: int, prefix: str = "", timeout: float = 30) -> list[dict[str, Any]]:
        """Waits until the store holds at least `count` rows with this id prefix; returns them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.stored(prefix)) >= count:
                time.sleep(0.6)  # let a wrongly duplicated row show up too
                return self.stored(prefix)
            time.sleep(0.05)
        return self.stored(prefix)


@pytest.fixture
def write_key(db: Session) -> str:
    """A fresh write key named web-app on an emptied database (committed)."""
    _, secret = service.create_key(db, "web-app")
    db.commit()
    return secret


def new_key(engine: Engine, name: str) -> str:
    """Creates and commits a write key with a unique name; returns its secret."""
    with session_factory(engine).begin() as session:
        return service.create_key(session, f"{name}-{uuid.uuid4().hex[:6]}")[1]


@pytest.fixture(scope="module")
def server(engine: Engine, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One running server per module and backend; tests use their own keys and message ids."""
    wipe(engine)
    srv = Server(db_url, tmp_path_factory.mktemp("srv"), {}).start()
    yield srv
    srv.stop()


@pytest.fixture
def make_server(db_url: str, write_key: str, tmp_path: Path) -> Iterator[type]:
    """Builds servers with extra environment (started by the test)."""
    made: list[Server] = []

    def build(**env: str) -> Server:
        srv = Server(db_url, tmp_path, env)
        made.append(srv)
        return srv

    yield build  # type: ignore[misc]
    for srv in made:
        srv.stop()
