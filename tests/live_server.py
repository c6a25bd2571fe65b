"""A live Lodestar server per database backend, seeded with a small team, and headless Chromium."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import ContactCreate
from lodestar.app import create_app
from lodestar.auth.models import Role
from lodestar.db.engine import make_engine, session_factory
from lodestar.settings import load_settings
from tests.conftest import create_database_url, drop_database_url
from tests.factories import PASSWORD, make_account, make_contract, make_user


@dataclass
class Live:
    """A running server: its base URL, engine, and the seeded users and accounts by short name."""

    url: str
    engine: Engine
    users: dict[str, str] = field(default_factory=dict)  # short name -> e-mail
    data_dir: Path | None = None  # the server's data folder (event store, roll-ups, snapshots)
    accounts: dict[str, int] = field(default_factory=dict)  # account name -> id


def _seed(engine: Engine, live: Live) -> None:
    """An admin, a manager with two CSMs (three accounts each), a viewer, and spare users."""
    with session_factory(engine)() as db:
        admin = make_user(db, Role.ADMIN, name="Ada Admin", email="admin@example.com")
        manager = make_user(db, Role.MANAGER, name="Mei Manager", email="manager@example.com")
        csm1 = make_user(db, Role.CSM, manager=manager, name="Chen Jing", email="chen@example.com")
        csm2 = make_user(db, Role.CSM, manager=manager, name="Li Wei", email="li@example.com")
        make_user(db, Role.VIEWER, name="Vic Viewer", email="viewer@example.com")
        make_user(db, Role.CSM, name="Gao Fei", email="gao@example.com")  # creates accounts in tests
        make_user(db, Role.CSM, name="Lan Yu", email="lan@example.com")  # switches language in tests
        rows = [
            (csm1, "Aurora Retail", "Retail", "KA", "Enterprise", 5400, "CRM-001"),
            (csm1, "Birch Logistics", "Logistics", "MM", "Pro", 800, "CRM-002"),
            (csm1, "Cobalt Health", "Healthcare", "SMB", "Starter", 120, "CRM-003"),
            (csm2, "Delta Foods", "Retail", "MM", "Pro", 650, "CRM-004"),
            (csm2, "Ember Games", "Gaming", "SMB", "Starter", 60, "CRM-005"),
            (csm2, "Fjord Bank", "Finance", "KA", "Enterprise", 12000, "CRM-006"),
        ]
        for owner, name, industry, tier, plan, employees, crm in rows:
            account = make_account(
                db,
                owner,
                admin,
                name=name,
                industry=industry,
                tier=tier,
                plan=plan,
                employees=employees,
                crm_id=crm,
                region="East China",
                purchase_intent="Unify customer data",
            )
            live.accounts[name] = account.id
        aurora = accounts_service.get_account(db, admin, live.accounts["Aurora Retail"])
        aurora.business_model = "Omni-channel apparel retail"
        aurora.departments, aurora.scenarios = ["Sales", "Service"], ["Store operations"]
        first = make_contract(
            db,
            aurora,
            admin,
            start_date=date(2025, 1, 1),
            end_date=date(2026, 1, 1),
            arr=Decimal("300000"),
            status="renewed",
        )
        make_contract(
            db,
            aurora,
            admin,
            start_date=date(2026, 1, 1),
            end_date=date(2027, 1, 1),
            arr=Decimal("360000"),
            renews_contract_id=first.id,
        )
        for index, name in enumerate(("Birch Logistics", "Delta Foods", "Fjord Bank", "Cobalt Health")):
            other = accounts_service.get_account(db, admin, live.accounts[name])
            make_contract(
                db, other, admin, arr=Decimal(50000 * (index + 1)), end_date=date(2026, 7 + index, 1)
            )
        for name, role, left in (
            ("Zhang Min", "decision_maker", None),
            ("Wu Lei", "champion", date(2026, 3, 1)),
            ("Sun Yue", "system_owner", None),
        ):
            accounts_service.create_contact(
                db,
                admin,
                ContactCreate(
                    account_id=aurora.id,
                    name=name,
                    role=role,
                    left_on=left,
                    title="Director",
                    email=f"{name.split()[0].lower()}@aurora.example",
                ),
            )
        db.commit()
    for user in ("admin", "manager", "chen", "li", "viewer", "gao", "lan"):
        live.users[user] = f"{user}@example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, data_dir: Path, port: int) -> Iterator[None]:
    """Runs the app with uvicorn in a background thread until the block ends."""
    app = create_app(load_settings(database_url=database_url, data_dir=data_dir))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture(scope="session")
def live_server(
    db_url: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """Uvicorn in a background thread on its own fresh database of the db_url fixture's backend."""
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    admin_url = request.getfixturevalue("postgres_admin_url") if backend == "postgresql" else None
    tmp: Path = tmp_path_factory.mktemp("live")
    url = create_database_url(backend, tmp, admin_url)
    engine = make_engine(url)
    port = free_port()
    live = Live(url=f"http://127.0.0.1:{port}", engine=engine, data_dir=tmp)
    _seed(engine, live)
    with serve(url, tmp, port):
        yield live
    engine.dispose()
    drop_database_url(url, admin_url)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab with no cookies, 1280x800."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def sign_in(page: Page, live: Live, who: str, next_path: str | None = "/accounts") -> None:
    """Signs in through the login form as one of the seeded users, landing on next_path (the portfolio,
    where most tests start; None: no page asked for, so the home page, the cockpit)."""
    page.goto(f"{live.url}/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#email", live.users[who])
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Sign in')")


def signed_in_client(live: Live, who: str) -> httpx.Client:
    """An HTTP client with a signed-in session cookie."""
    return signed_in_at(live.url, live.users[who])


def signed_in_at(url: str, email: str) -> httpx.Client:
    """An HTTP client signed in through the login form of the server at `url`."""
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=10)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)
