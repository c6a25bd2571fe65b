"""The successor link kept on the contracts for the stage engine: a contract renewed late by a contract that
names no chain id is renewed for the lifecycle too (stage renewal, never churned), as for the records."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from lodestar.contracts import service as contracts_service
from lodestar.contracts.models import Contract
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle.phases import PHASE_NAMES, contracts_from, place
from lodestar.renewals.records import service
from tests.renewals.records.conftest import Team

START, END = date(2025, 1, 1), date(2026, 1, 1)


def _stage_on(team: Team, account_id: int, day: date) -> str | None:
    """The lifecycle's contract phase of the account on the day, from the contracts as the snapshot reads
    them (contracts.service.analytics_rows)."""
    rows = [r for r in contracts_service.analytics_rows(team.db, {account_id}) if r["status"] != "cancelled"]
    table = pa.table({
        "account_id": [r["account_id"] for r in rows],
        "start_date": [r["start_date"] for r in rows],
        "end_date": [r["end_date"] for r in rows],
        "status": [r["status"] for r in rows],
    })  # fmt: skip
    model = lifecycle_kind.current(team.db)[0]
    days = np.array([(np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)])
    placed = place(model, contracts_from(table, model), np.array([account_id], dtype=np.int64), days)
    return PHASE_NAMES[int(placed.phase[0])]


def test_a_late_renewal_without_a_chain_id_is_no_churn_for_the_stage_engine_once_linked(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    new = team.contract(account, END + timedelta(days=20), date(2027, 1, 1))  # 20 days late, no chain id
    day = END + timedelta(days=5)
    assert _stage_on(team, account.id, day) == "churned"  # before the link: the gap reads as a churn
    assert service.store_links(team.db) == 1
    team.db.expire_all()
    assert team.db.get(Contract, old.id).renewed_by_id == new.id
    assert _stage_on(team, account.id, day) == "renewal"  # renewed, waiting for the new term
    assert service.store_links(team.db) == 0  # a rerun writes nothing


def test_a_successor_past_the_rule_leaves_a_churn_and_a_cancelled_successor_unlinks(team: Team) -> None:
    account = team.account()
    old = team.contract(account, START, END)
    late = team.contract(account, END + timedelta(days=45), date(2027, 2, 1))  # beyond days_after (30)
    service.store_links(team.db)
    team.db.expire_all()
    assert team.db.get(Contract, old.id).renewed_by_id is None
    assert _stage_on(team, account.id, END + timedelta(days=5)) == "churned"
    late.start_date = END + timedelta(days=10)
    service.store_links(team.db)
    team.db.expire_all()
    assert team.db.get(Contract, old.id).renewed_by_id == late.id
    late.status = "cancelled"
    assert service.store_links(team.db) == 1
    team.db.expire_all()
    assert team.db.get(Contract, old.id).renewed_by_id is None


def test_both_contracts_merged_into_one_are_linked_to_it(team: Team) -> None:
    account = team.account()
    first = team.contract(account, START, END, "60000")
    second = team.contract(account, date(2025, 3, 1), date(2026, 1, 10), "40000")
    merged = team.contract(account, END, date(2027, 1, 1), "100000")  # no chain id: the dates pair it
    service.store_links(team.db)
    team.db.expire_all()
    assert team.db.get(Contract, first.id).renewed_by_id == merged.id
    assert team.db.get(Contract, second.id).renewed_by_id == merged.id
