"""SOP test fixtures: a small CS team and portfolio for the service tests (`crew`), and a team with
hand-started playbooks served for page tests (TestClient) and browser tests (`world`, `client`, `live`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
import yaml
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.app import create_app
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.db.engine import make_engine
from lodestar.settings import Settings, load_settings
from lodestar.sop.tasks import service as sop_service
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.conftest import create_database_url, drop_database_url, wipe
from tests.factories import PASSWORD, make_account, make_user
from tests.live_server import free_port, serve

DAY = date(2026, 3, 2)


@dataclass
class Crew:
    """An admin, a manager with two CSMs, a CSM outside the team, and their accounts."""

    admin: User
    manager: User
    csm: User
    mate: User
    outsider: User
    mine: Account  # owned by csm
    theirs: Account  # owned by outsider
    unowned: Account


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with the lightest parameters: these tests seed users and never log in."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def crew(db: Session) -> Crew:
    """The team and three accounts, committed."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    mate = make_user(db, Role.CSM, manager=manager, name="Mia Mate")
    outsider = make_user(db, Role.CSM, name="Otto Other")
    mine = make_account(db, csm, admin, name="Mine Ltd", tier="KA")
    theirs = make_account(db, outsider, admin, name="Theirs Ltd")
    unowned = make_account(db, admin, admin, name="Nobody's Ltd")
    unowned.owner_id = None
    db.commit()
    return Crew(admin, manager, csm, mate, outsider, mine, theirs, unowned)


def entry(account: Account | int, to: str, on: date = DAY, frm: str | None = "handover") -> dict[str, Any]:
    """One stage transition as the snapshot job writes it."""
    account_id = account if isinstance(account, int) else account.id
    return {"account_id": account_id, "on": on, "from_stage": frm, "to_stage": to, "reason": "test"}


def tasks_of(db: Session, account: Account, playbook: str | None = None) -> list[Task]:
    """The account's tasks in step order."""
    stmt = select(Task).where(Task.account_id == account.id).order_by(Task.run_id, Task.position)
    if playbook:
        stmt = stmt.where(Task.playbook_key == playbook)
    return list(db.scalars(stmt))


def runs_of(db: Session, account: Account) -> list[PlaybookRun]:
    """The account's playbook runs."""
    return list(db.scalars(select(PlaybookRun).where(PlaybookRun.account_id == account.id)))


def at(day: date, hour: int = 12) -> datetime:
    """An instant on a day (UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# --- Page and browser tests: a team with hand-started playbooks ------------------------------------------

PLAYBOOKS = """
assignment: least_load
playbooks:
  - key: check_in
    name: Quarterly check-in
    name_zh: 季度回访
    trigger: {kind: manual}
    goal: Know what the customer wants from this quarter.
    steps:
      - key: confirm_goals
        title: Confirm the goals
        title_zh: 确认目标
        how_to: Ask which two goals matter most this quarter.
        how_to_zh: 询问本季度最重要的两个目标。
        due_days: 0
        evidence: {kind: checkbox}
      - key: write_summary
        title: Write the summary
        title_zh: 撰写纪要
        due_days: 0
        evidence: {kind: note}
      - key: call_sponsor
        title: Call the sponsor
        title_zh: 致电发起人
        due_days: 3
        evidence: {kind: touch, touch_kinds: [call], subject_contains: sponsor}
      - key: upload_plan
        title: Upload the success plan
        title_zh: 上传成功计划
        due_days: 5
        required: false
        evidence: {kind: file}
"""


@cache
def _hash_once(password: str) -> str:
    return _HASH(password)


_HASH = auth_service.hash_password


def company_today() -> date:
    """Today where the company is (the app's default time zone), as the inbox counts it."""
    return datetime.now(ZoneInfo(load_settings().timezone)).date()


@dataclass
class World:
    """The team, their accounts and tasks by short name, and the settings the app runs with."""

    engine: Engine
    settings: Settings
    users: dict[str, int] = field(default_factory=dict)  # short name -> user id
    accounts: dict[str, int] = field(default_factory=dict)  # account name -> id
    tasks: dict[str, int] = field(default_factory=dict)  # "<account>/<step>" -> task id
    today: date = field(default_factory=company_today)

    def task(self, name: str) -> Task:
        """A task as stored now."""
        with Session(self.engine) as db:
            found = db.get(Task, self.tasks[name])
            assert found is not None
            db.expunge(found)
            return found


def build_world(engine: Engine, data_dir: Path, db_url: str) -> World:
    """Admin, a manager with CSMs Chen and Li, Gao outside the team; a check-in started on three accounts.

    Aurora (Chen) started today: two steps due today, two upcoming. Birch (Chen) started three days ago:
    two steps overdue, the sponsor call due today. Delta (Li) started today.
    """
    wipe(engine)
    settings = load_settings(database_url=db_url, data_dir=data_dir)
    world = World(engine, settings)
    # Everyone shares the test password: hash it once per run, not once per user per test.
    with Session(engine) as db, patch.object(auth_service, "hash_password", _hash_once):
        admin = make_user(db, Role.ADMIN, name="Ada Admin", email="sop-admin@example.com")
        manager = make_user(db, Role.MANAGER, name="Mei Manager", email="sop-manager@example.com")
        chen = make_user(db, Role.CSM, manager=manager, name="Chen Jing", email="sop-chen@example.com")
        li = make_user(db, Role.CSM, manager=manager, name="Li Wei", email="sop-li@example.com")
        gao = make_user(db, Role.CSM, name="Gao Fei", email="sop-gao@example.com")
        make_user(db, Role.VIEWER, name="Vic Viewer", email="sop-viewer@example.com")
        world.users = {"admin": admin.id, "manager": manager.id, "chen": chen.id, "li": li.id, "gao": gao.id}
        for owner, name in ((chen, "Aurora Retail"), (chen, "Birch Logistics"), (li, "Delta Foods")):
            world.accounts[name] = make_account(db, owner, admin, name=name, tier="KA").id
        config_service.save(db, "sop", yaml.safe_load(PLAYBOOKS), "tests")
        for name, back in (("Aurora Retail", 0), ("Birch Logistics", 3), ("Delta Foods", 0)):
            run = sop_service.start_playbook(
                db, admin, world.accounts[name], "check_in", world.today - timedelta(days=back)
            )
            for task in db.scalars(select(Task).where(Task.run_id == run.id)):
                world.tasks[f"{name.split()[0]}/{task.step_key}"] = task.id
        db.commit()
    return world


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, who: str) -> TestClient:
    """Signs a test client in as sop-<who>@example.com (signing out whoever was in)."""
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"email": f"sop-{who}@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def world(engine: Engine, db_url: str, tmp_path: Path) -> World:
    """The team and its tasks on an emptied database (fresh for every test: the tests change tasks)."""
    return build_world(engine, tmp_path / "data", db_url)


@pytest.fixture
def app(world: World) -> Iterator[FastAPI]:
    """The web app over the world."""
    application = create_app(world.settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A fresh, signed-out test client."""
    with TestClient(app, follow_redirects=False) as tc:
        yield tc


# --- Browser tests: a live server on its own database, and headless Chromium ---------------------------


@dataclass
class LiveSop:
    """A running server over a world."""

    url: str
    world: World


@pytest.fixture
def live(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveSop]:
    """Uvicorn in a thread over a fresh database of the db_url fixture's backend, seeded with the world."""
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    admin_url = request.getfixturevalue("postgres_admin_url") if backend == "postgresql" else None
    url = create_database_url(backend, tmp_path, admin_url)
    engine = make_engine(url)
    world = build_world(engine, tmp_path / "data", url)
    port = free_port()
    with serve(url, tmp_path / "data", port):
        yield LiveSop(f"http://127.0.0.1:{port}", world)
    engine.dispose()
    drop_database_url(url, admin_url)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab with no cookies, 1280x900."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def browse_as(page: Page, live: LiveSop, who: str, path: str) -> None:
    """Signs in through the login form (signing out whoever was in) and opens a page."""
    page.context.clear_cookies()
    page.goto(f"{live.url}/login?next={path}")
    page.fill("#email", f"sop-{who}@example.com")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Sign in')")
