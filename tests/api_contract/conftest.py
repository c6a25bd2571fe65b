"""The whole app served by uvicorn on loopback (in this process) over a seeded company, once per backend.

The world: an admin, a manager with one CSM, a CSM outside that team, a viewer; each CSM owns accounts
with a contact, a contract, an open alert, touches and SOP tasks; a write key for the Segment endpoints.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import ContactCreate
from lodestar.app import create_app
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.db.engine import session_factory
from lodestar.events import service as events_service
from lodestar.feature_requests import service as feature_requests_service
from lodestar.feature_requests.schemas import LinkCreate, RequestCreate
from lodestar.kit.text import Text
from lodestar.notifications import service as notifications_service
from lodestar.notifications.models import OutboxMessage
from lodestar.notifications.schemas import ChannelCreate, Notice
from lodestar.referrals import service as referrals_service
from lodestar.referrals.schemas import ReferralFields
from lodestar.renewals.records import service as renewal_records
from lodestar.renewals.records.models import Renewal
from lodestar.renewals.winback.models import WinBack
from lodestar.settings import load_settings
from lodestar.success_plans import service as success_plans_service
from lodestar.success_plans.schemas import MilestoneCreate
from lodestar.value_reports.models import ShareLink, ValueReport
from tests.alerts.inbox_data import make_alert
from tests.conftest import wipe
from tests.factories import make_account, make_contract, make_user

DAY = date(2026, 3, 2)


@dataclass
class Portfolio:
    """One CSM's objects, by kind: the ids another CSM must not reach."""

    account: int
    contact: int
    contract: int
    token: int
    alert: int = 0  # an open alert on the account (written as a row: raising alerts is the engine's job)
    task: int = 0  # set once the server runs: tasks come from a playbook started over HTTP
    touch: int = 0
    renewal: int = 0  # the open renewal of the contract (opened by the daily step)
    win_back: int = 0  # a lost win-back of the account: a lead (written as a row, like the alert)
    milestone: int = 0  # a milestone of the account's success plan
    referral: int = 0  # a lead the account referred
    report: int = 0  # a published value report of the account (written as a row: no PDF needed)
    link: int = 0  # a share link of that report


@dataclass
class World:
    """The seeded company and how to act as each of its people."""

    url: str
    headers: dict[str, dict[str, str]]  # role name -> bearer header
    users: dict[str, int]
    mine: Portfolio  # owned by "csm"
    theirs: Portfolio  # owned by "other_csm" (outside csm's team)
    write_key: str
    emails: dict[str, str] = field(default_factory=dict)
    write_key_id: int = 0
    app: FastAPI | None = None  # the served app, for its route table
    channel_id: int = 0  # a notification channel (admins only) and a message of its outbox
    message_id: int = 0
    feature_request: int = 0  # a request both CSMs' accounts asked for: shared, its links are not


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _portfolio(db: Session, owner: User, admin: User, name: str) -> Portfolio:
    account = make_account(db, owner, admin, name=f"{name} Ltd", tier="KA")
    account.intent_stars, account.intent_score = 3, 0.5  # on the sales list of 3-star accounts
    contact = accounts_service.create_contact(
        db, admin, ContactCreate(account_id=account.id, name=f"{name} Contact", email=f"{name}@example.com")
    )
    contract = make_contract(db, account, admin)
    token, _ = auth_service.create_api_token(db, owner, "second")
    alert = make_alert(db, account, "health_red")
    goal = MilestoneCreate(kind="module_go_live", title=f"{name} go-live", target_on=date(2026, 4, 1))
    milestone = success_plans_service.create_milestone(db, admin, account.id, goal, DAY)
    lead = ReferralFields(lead_name=f"{name} Lead", lead_company=f"{name} Friend Co", referred_on=DAY)
    referral = referrals_service.create_referral(db, admin, account.id, lead, DAY)
    pdf = Path(tempfile.mkdtemp()) / "2026Q1-en.pdf"  # the owner's control read downloads it
    pdf.write_bytes(b"%PDF-1.7 placeholder")
    report = ValueReport(
        account_id=account.id, period="2026Q1", status="published", figures={}, pdf_path=str(pdf)
    )
    db.add(report)
    db.flush()
    link = ShareLink(report_id=report.id, nonce="n" * 43, expires_on=date(2099, 1, 1))
    db.add(link)
    db.flush()
    return Portfolio(
        account.id,
        contact.id,
        contract.id,
        token.id,
        alert.id,
        milestone=milestone.id,
        referral=referral.id,
        report=report.id,
        link=link.id,
    )


def _feature_request(db: Session, admin: User, *portfolios: Portfolio) -> int:
    """A request every portfolio's account asked for."""
    request = feature_requests_service.create_request(db, admin, RequestCreate(title="Shared request"))
    for p in portfolios:
        feature_requests_service.link_account(db, admin, request.id, LinkCreate(account_id=p.account), DAY)
    return request.id


def seed_over_http(url: str, owner: dict[str, str], mine: Portfolio) -> None:
    """Starts the onboarding playbook and logs a touch on the owner's account, as the owner."""
    base = f"{url}/api/v1/accounts/{mine.account}"
    started = httpx.post(
        f"{base}/playbooks", json={"playbook_key": "onboarding", "on": str(DAY)}, headers=owner
    )
    assert started.status_code == 201, started.text
    tasks = httpx.get(f"{url}/api/v1/tasks?bucket=all&account_id={mine.account}", headers=owner).json()
    mine.task = min(t["id"] for t in tasks["items"])
    touch = {"kind": "call", "occurred_at": "2026-03-02T10:00:00+00:00", "duration_minutes": 30}
    logged = httpx.post(f"{base}/touches", json=touch, headers=owner)
    assert logged.status_code == 201, logged.text
    mine.touch = logged.json()["id"]


def seed(engine: Engine, url: str) -> World:
    """Seeds the world (committed) for a server at this URL."""
    wipe(engine)
    with session_factory(engine).begin() as db:
        admin = make_user(db, Role.ADMIN, name="Ada Admin")
        manager = make_user(db, Role.MANAGER, name="Max Manager")
        csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
        other = make_user(db, Role.CSM, name="Otto Other")
        viewer = make_user(db, Role.VIEWER, name="Vera Viewer")
        people = {"admin": admin, "manager": manager, "csm": csm, "other_csm": other, "viewer": viewer}
        headers = {
            role: {"Authorization": f"Bearer {auth_service.create_api_token(db, u, 'tests')[1]}"}
            for role, u in people.items()
        }
        mine = _portfolio(db, csm, admin, "mine")
        theirs = _portfolio(db, other, admin, "theirs")
        _open_renewals(db, mine, theirs)
        _leads(db, mine, theirs)
        key, write_key = events_service.create_key(db, "fuzz")
        channel_id, message_id = _notification_channel(db, admin)
        users = {role: u.id for role, u in people.items()}
        emails = {role: u.email for role, u in people.items()}
        shared = _feature_request(db, admin, mine, theirs)
        return World(
            url, headers, users, mine, theirs, write_key, emails, key.id, None, channel_id, message_id, shared
        )


def _open_renewals(db: Session, *portfolios: Portfolio) -> None:
    """Opens the contracts' renewals (their windows are open by then) and notes each one's id."""
    renewal_records.open_and_derive(db, date(2026, 10, 1))
    for p in portfolios:
        p.renewal = db.scalars(select(Renewal.id).where(Renewal.contract_id == p.contract)).one()


def _leads(db: Session, *portfolios: Portfolio) -> None:
    """A win-back per account whose window ran out (the account is a lead), noting each one's id."""
    for p in portfolios:
        churned = date(2025, 6, 1)
        record = WinBack(
            account_id=p.account, contract_id=p.contract, churned_on=churned, arr=Decimal("120000"),
            currency="CNY", window_ends_on=churned + timedelta(days=90), churn_reason="price_budget",
            outcome="lost", closed_on=churned + timedelta(days=91), lead_since=churned + timedelta(days=91),
        )  # fmt: skip
        db.add(record)
        db.flush()
        p.win_back = record.id


def _notification_channel(db: Session, admin: User) -> tuple[int, int]:
    """A webhook channel (to a closed loopback port: a test message fails fast) and one outbox message."""
    settings = load_settings()
    data = ChannelCreate(key="team-hook", name="Team hook", kind="webhook", url="http://127.0.0.1:9/hook")
    channel = notifications_service.create_channel(db, data, admin, settings.secret_key)
    notice = Notice("seed:1", "warning", Text("Seeded notice"), [], "/accounts", channel_keys=[channel.key])
    notifications_service.notify(db, [notice], settings)
    message = db.scalars(select(OutboxMessage)).one()
    return channel.id, message.id


class LiveServer:
    """uvicorn serving the app on a loopback port from a thread of this process."""

    def __init__(self, db_url: str, data_dir: Path) -> None:
        self.app = app = create_app(load_settings(database_url=db_url, data_dir=data_dir))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def world(engine: Engine, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The seeded world behind a live server, once per module and backend."""
    with pytest.MonkeyPatch.context() as patch:
        # Real argon2id, lightest parameters: the fuzzer creates users and changes passwords.
        patch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        server = LiveServer(db_url, tmp_path_factory.mktemp("live"))
        world = seed(engine, server.url)
        world.app = server.app
        with server:
            seed_over_http(server.url, world.headers["csm"], world.mine)
            seed_over_http(server.url, world.headers["other_csm"], world.theirs)
            yield world
