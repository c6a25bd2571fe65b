"""generate_demo: builds the demo company in the database and its usage history in the event store."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics.event_store import write_events
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.auth.schemas import UserCreate
from lodestar.contracts import commercials
from lodestar.contracts import service as contracts_service
from lodestar.db.engine import unit_of_work
from lodestar.db.maintenance import refresh_statistics
from lodestar.demo import activity, catalog, churn_reasons, people, truth, usage
from lodestar.demo.world import World, build_world
from lodestar.engagement import service as engagement_service
from lodestar.kit.errors import LodestarError
from lodestar.kit.progress import Progress, silent
from lodestar.renewals import config_kind as renewals_kind

DEFAULT_TODAY = date(2026, 1, 1)
BATCH = 10_000  # rows per import call: keeps IN (...) lists under SQLite's bound-parameter limit
TRUTH_FILE = "demo-truth.json"


class DemoError(LodestarError):
    """The demo cannot be generated here (the database or data folder already holds data)."""

    status_code = 409


@dataclass(frozen=True)
class DemoResult:
    """What generate_demo made, how long it took, and how to sign in."""

    accounts: int
    contacts: int
    contracts: int
    users: int
    events: int
    tickets: int
    touches: int
    surveys: int
    seconds: float
    truth_path: Path
    logins: list[tuple[str, str, str]]  # (role, email, password)


def _batched(
    session: Session, fn: Callable[[Session, Sequence[dict[str, Any]]], list[int]], rows: list[dict[str, Any]]
) -> list[int]:
    ids: list[int] = []
    for i in range(0, len(rows), BATCH):
        ids.extend(fn(session, rows[i : i + BATCH]))
    return ids


def _create_team(session: Session) -> tuple[list[int], list[str], list[tuple[str, str, str]]]:
    managers: list[int] = []
    csm_ids: list[int] = []
    csm_emails: list[str] = []
    shared_hash = auth_service.hash_password(people.DEMO_PASSWORD)  # one argon2 run, not thirty
    for person in people.team():
        manager = managers[person["manager"]] if "manager" in person else None
        user = auth_service.create_user(
            session,
            UserCreate(
                email=person["email"],
                name=person["name"],
                role=Role(person["role"]),
                locale=person.get("locale", "en"),
                manager_id=manager,
                password=people.DEMO_PASSWORD,
            ),
            password_hash=shared_hash,
        )
        if person["role"] == "manager":
            managers.append(user.id)
        if person["role"] == "csm":
            csm_ids.append(user.id)
            csm_emails.append(person["email"])
    logins = [
        ("admin", f"admin@{people.DOMAIN}", people.DEMO_PASSWORD),
        ("manager", f"manager1@{people.DOMAIN}", people.DEMO_PASSWORD),
        ("csm", csm_emails[0], people.DEMO_PASSWORD),
        ("csm", csm_emails[1], people.DEMO_PASSWORD),
    ]
    return csm_ids, csm_emails, logins


def _import_contracts(
    session: Session, world: World, seed: int, account_ids: list[int], today: date
) -> np.ndarray:
    """Imports the contract chains round by round (a renewal after what it renews) and why each lost
    contract was lost; their ids in order."""
    rows = activity.contract_rows(world, account_ids)
    rounds = activity.contract_rounds(world)
    ids = np.zeros(len(rows), dtype=np.int64)
    for r in range(int(rounds.max()) + 1):
        members = np.flatnonzero(rounds == r)
        batch = []
        for i in members:
            row = rows[i]
            if row["renews_contract_id"] is not None:
                row["renews_contract_id"] = int(ids[row["renews_contract_id"]])
            batch.append(row)
        ids[members] = _batched(session, contracts_service.import_contracts, batch)
    for start in range(0, len(account_ids), BATCH):
        commercials.refresh_accounts(session, set(account_ids[start : start + BATCH]), today)
    _record_churn_reasons(session, world, seed, account_ids, ids, today)
    return ids


def _record_churn_reasons(
    session: Session, world: World, seed: int, account_ids: list[int], contract_ids: np.ndarray, today: date
) -> int:
    """Writes why each churned contract was lost (a key of the taxonomy); how many."""
    rows = churn_reasons.churn_rows(world, seed, account_ids, contract_ids)
    keys = renewals_kind.reason_keys(session)
    for i in range(0, len(rows), BATCH):
        contracts_service.record_churn(session, rows[i : i + BATCH], today, reasons=keys)
    return len(rows)


def _write_events(world: World, seed: int, staging: Path) -> int:
    ident = usage.Identity(
        group_ids=usage.pa.array([people.group_id(i) for i in range(world.n)]),
        group_traits=usage.pa.array(
            [
                f'{{"crm_id": "CRM-{i + 1:06d}", "employees": {int(world.employees[i])}}}'
                for i in range(world.n)
            ]
        ),
    )
    total = 0
    for table in usage.event_chunks(world, ident, seed):
        write_events(staging, table)
        total += table.num_rows
    return total


def _import_engagement(
    session: Any, world: Any, seed: int, account_ids: list[int], csm_ids: list[int]
) -> tuple[int, int, int]:
    """Imports the demo's tickets, touches and survey answers; returns how many of each."""
    tickets = len(
        _batched(session, engagement_service.import_tickets, activity.ticket_rows(world, seed, account_ids))
    )
    touches = len(
        _batched(
            session,
            engagement_service.import_touches,
            activity.touch_rows(world, seed, account_ids, csm_ids),
        )
    )
    surveys = len(
        _batched(
            session,
            engagement_service.import_survey_responses,
            activity.survey_rows(world, seed, account_ids),
        )
    )
    return tickets, touches, surveys


PHASES = ("team and accounts", "contacts", "contracts", "tickets, touches, surveys", "events", "truth file")


def generate_demo(
    engine: Engine,
    data_dir: Path,
    accounts: int = 2000,
    seed: int = 7,
    today: date | None = None,
    progress: Progress = silent,
) -> DemoResult:
    """Fills an empty, migrated database and data folder with a deterministic demo company.

    `progress` hears of each of the PHASES as it starts and as it ends.
    """
    started = time.perf_counter()
    today = today or DEFAULT_TODAY
    if accounts < 1:
        raise DemoError("accounts: must be at least 1")
    events_dir = data_dir / "events"
    if events_dir.exists() and any(events_dir.iterdir()):
        raise DemoError(f"the event store {events_dir} already holds events; use an empty data folder")
    price = np.array([float(p) for _, p in catalog.PLANS])
    world = build_world(accounts, seed, today, price)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / f".events-{uuid.uuid4().hex[:8]}"
    try:
        with unit_of_work(engine) as session:
            if accounts_service.count_accounts(session):
                raise DemoError("the database already has accounts; the demo needs an empty database")
            progress(0, total=len(PHASES), note=PHASES[0])
            csm_ids, csm_emails, logins = _create_team(session)
            account_ids = _batched(
                session, accounts_service.import_accounts, people.account_rows(world, seed, csm_ids)
            )
            progress(1, note=PHASES[1])
            contacts = len(
                _batched(
                    session, accounts_service.import_contacts, people.contact_rows(world, seed, account_ids)
                )
            )
            progress(1, note=PHASES[2])
            contracts = len(_import_contracts(session, world, seed, account_ids, today))
            progress(1, note=PHASES[3])
            tickets, touches, surveys = _import_engagement(session, world, seed, account_ids, csm_ids)
            progress(1, note=PHASES[4])
            events = _write_events(world, seed, staging)
            progress(1, note=PHASES[5])
            truth_path = data_dir / TRUTH_FILE
            truth.write_truth(truth_path, truth.build_truth(world, seed, today, account_ids, csm_emails))
            progress(1, note="done")
        if events_dir.exists():
            events_dir.rmdir()
        staging.rename(events_dir)
        refresh_statistics(engine)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DemoResult(
        accounts=accounts,
        contacts=contacts,
        contracts=contracts,
        users=len(people.team()),
        events=events,
        tickets=tickets,
        touches=touches,
        surveys=surveys,
        seconds=time.perf_counter() - started,
        truth_path=truth_path,
        logins=logins,
    )
