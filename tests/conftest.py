"""Shared fixtures: every database test runs on SQLite and on the local PostgreSQL.

With CI=true PostgreSQL must be reachable (the run fails otherwise); elsewhere its tests are skipped
when it is not.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from lodestar import configuration  # noqa: F401  (registers every configuration kind)
from lodestar.db.engine import make_engine, session_factory
from lodestar.db.migrate import upgrade
from lodestar.tables import metadata

# The live server, browser page and sign-in helpers of the page and browser tests in every folder.
pytest_plugins = ["tests.live_server"]

ADMIN_URL = os.environ.get("LODESTAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _postgres_reachable() -> str | None:
    try:
        eng = create_engine(ADMIN_URL)
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any connection failure means "not reachable"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The URL of the local PostgreSQL; fails in CI and skips elsewhere when it is unreachable."""
    problem = _postgres_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL must be reachable in CI ({ADMIN_URL}): {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return ADMIN_URL


def create_database_url(backend: str, tmp: Path, admin_url: str | None) -> str:
    """A brand-new empty database of this backend, migrated to head."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'lodestar-{uuid.uuid4().hex[:8]}.db'}"
    else:
        assert admin_url
        name = f"lodestar_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = admin_url.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_database_url(url: str, admin_url: str | None) -> None:
    """Removes a database made by create_database_url."""
    if url.startswith("postgresql") and admin_url:
        name = url.rsplit("/", 1)[1]
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database URL, once per backend per test session."""
    admin = request.getfixturevalue("postgres_admin_url") if request.param == "postgresql" else None
    url = create_database_url(request.param, tmp_path_factory.mktemp("db"), admin)
    yield url
    drop_database_url(url, admin)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """The engine of the migrated test database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def wipe(engine: Engine) -> None:
    """Empties every table so each test starts from nothing."""
    from lodestar.accounts.service import forget_filter_options

    forget_filter_options()
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on an empty database; the test commits or flushes as it likes."""
    wipe(engine)
    session = session_factory(engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def postgres_or_sqlite_fresh(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty, unmigrated database of the same backend as `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"lodestar_fresh_{uuid.uuid4().hex[:12]}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    url = admin.rsplit("/", 1)[0] + "/" + name
    yield url
    drop_database_url(url, admin)


# One Playwright driver and one Chromium for the whole session, shared by every browser-test folder: a second
# sync_playwright() in the same process finds the first one's event loop running and refuses to start.
@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """Playwright's driver for the whole session."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """The system's headless Chromium (never a downloaded browser)."""
    chromium = playwright_instance.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
