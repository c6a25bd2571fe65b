"""The totals the database keeps (migration 0028's triggers: per request and currency, per request,
currency, tier and stage, and per owner too) equal the links and accounts summed by hand after every kind
of change, whoever makes it: a link added, removed or moved by a merge, a tracker import, an account's ARR
from a contract written or imported, an accounts import, stage, tier and renewal window written by the
daily run, an account given to another CSM, an account deleted, raw SQL. The company-wide list read from
them equals the figures by hand, in every sort, on the day a new exchange rate applies and the daily run
moved renewal windows. On PostgreSQL, a link and a change of its account written at the same time both
count."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.accounts.schemas import AccountUpdate
from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.contracts import service as contracts_service
from lodestar.feature_requests import service
from lodestar.feature_requests.models import (
    RequestLink,
    RequestOwnerTotal,
    RequestTierStageTotal,
    RequestTotal,
)
from lodestar.feature_requests.schemas import LinkCreate, MergeRequest, RequestCreate
from lodestar.renewals import config_kind
from tests.factories import make_account, make_contract, make_user

TODAY = date(2026, 6, 30)
TOMORROW = date(2026, 7, 1)  # USD goes from 7.1 to 7.5
RATES = {TODAY: Decimal("7.1"), TOMORROW: Decimal("7.5")}
# name, currency, ARR, tier, stage, in the renewal window
ACCOUNTS = [
    ("A", "CNY", "100000.00", "KA", "growth", True),
    ("B", "USD", "100.15", "SMB", "at_risk", False),
    ("C", "CNY", "50000.40", "KA", None, False),
    ("D", "USD", "7042.30", None, "maturity", True),
    ("E", "CNY", "0.05", "SMB", "at_risk", False),
]
LINKS = {"R1": "ABCDE", "R2": "BD", "R3": "CE", "R4": "A", "R5": ""}


def _world(db: Session) -> tuple[User, dict[str, Account], dict[str, int]]:
    data = config_kind.current(db)[0].model_dump(mode="json")
    data["exchange_rates"] = [
        {"currency": "USD", "rate": "7.1", "valid_from": "2020-01-01"},
        {"currency": "USD", "rate": "7.5", "valid_from": TOMORROW.isoformat()},
    ]
    config_service.save(db, "renewals", data, "tests")
    admin = make_user(db, Role.ADMIN)
    csms = [make_user(db, Role.CSM), make_user(db, Role.CSM)]
    accounts = {}
    for k, (name, currency, arr, tier, stage, renewing) in enumerate(ACCOUNTS):  # A, C, E; B, D
        account = make_account(db, csms[k % 2], admin, name=name, crm_id=f"crm-{name}", tier=tier)
        account.currency, account.arr, account.stage, account.in_renewal_window = (
            currency, Decimal(arr), stage, renewing
        )  # fmt: skip
        accounts[name] = account
    db.flush()
    requests = {}
    for title, names in LINKS.items():
        request = service.create_request(db, admin, RequestCreate(title=title, external_id=f"JIRA-{title}"))
        requests[title] = request.id
        for n in names:
            service.link_account(db, admin, request.id, LinkCreate(account_id=accounts[n].id), TODAY)
    return admin, accounts, requests


def _rolled_up(kept: dict[Any, tuple[int, int, int]], key: Any) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for k, sums in kept.items():
        for i, value in enumerate(sums):
            out[key(k)][i] += value
    return dict(out)


def _kept(db: Session) -> dict[tuple[int, int, str, str, str], tuple[int, int, int]]:
    """The totals per owner the database keeps (rows left at nothing, every account gone, hold nothing),
    after checking that the totals per request, currency, tier and stage, and per request and currency,
    add them up."""
    kept = {}
    for r in db.scalars(select(RequestOwnerTotal)):
        assert r.accounts or r.arr_cents == r.renewing_cents == 0
        if r.accounts:
            kept[(r.owner_id, r.request_id, r.currency, r.tier, r.stage)] = (
                r.accounts,
                r.arr_cents,
                r.renewing_cents,
            )
    breakdown = {(b.request_id, b.currency, b.tier, b.stage): [b.accounts, b.arr_cents, b.renewing_cents]
                 for b in db.scalars(select(RequestTierStageTotal)) if b.accounts}  # fmt: skip
    assert breakdown == _rolled_up(kept, lambda k: k[1:])
    totals = {(t.request_id, t.currency): [t.accounts, t.arr_cents, t.renewing_cents]
              for t in db.scalars(select(RequestTotal)) if t.accounts}  # fmt: skip
    assert totals == _rolled_up(kept, lambda k: k[1:3])
    return kept


def _by_hand(db: Session) -> dict[tuple[int, int, str, str, str], tuple[int, int, int]]:
    """Every link's account, as stored now, summed in Python by owner, request, currency, tier and stage."""
    db.expire_all()
    accounts = {a.id: a for a in db.scalars(select(Account))}
    out: dict[tuple[int, int, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for link in db.scalars(select(RequestLink)):
        a = accounts[link.account_id]
        cents = int((a.arr * 100).to_integral_value())
        sums = out[(a.owner_id or 0, link.request_id, a.currency, a.tier or "", a.stage or "")]
        sums[0] += 1
        sums[1] += cents
        sums[2] += cents if a.in_renewal_window else 0
    return {k: (n, arr, renewing) for k, (n, arr, renewing) in out.items()}


def _request(db: Session, request_id: int, *key: str) -> tuple[int, int, int]:
    """(accounts, ARR cents, renewing cents) kept for a request (of this currency, tier and stage), all
    owners together."""
    found = [v for k, v in _kept(db).items() if k[1] == request_id and k[2 : 2 + len(key)] == key]
    return (sum(v[0] for v in found), sum(v[1] for v in found), sum(v[2] for v in found))


def _equal_by_hand(db: Session) -> None:
    db.flush()
    assert _kept(db) == _by_hand(db)


def test_the_triggers_are_all_there_at_the_head(engine: Engine) -> None:
    names = {f"feature_request_totals_{n}" for n in
             ("link_added", "link_removed", "link_moved", "account_changed", "account_removed")}  # fmt: skip
    if engine.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    with engine.connect() as conn:
        present = {n for (n,) in conn.execute(text(sql))}
    assert names <= present


def test_links_added_removed_and_imported_move_the_totals(db: Session) -> None:
    admin, accounts, requests = _world(db)
    _equal_by_hand(db)
    assert _request(db, requests["R1"], "USD", "SMB", "at_risk") == (1, 10015, 0)
    assert _request(db, requests["R1"], "CNY", "KA", "growth") == (1, 10000000, 10000000)
    service.unlink_account(db, admin, requests["R1"], accounts["B"].id)
    service.link_account(db, admin, requests["R5"], LinkCreate(account_id=accounts["D"].id), TODAY)
    service.link_account(db, admin, requests["R5"], LinkCreate(account_id=accounts["D"].id), TODAY)  # again
    _equal_by_hand(db)
    assert _request(db, requests["R1"], "USD", "SMB", "at_risk") == (0, 0, 0)
    a, b, e = (accounts[n].id for n in "ABE")  # the imports domain hands over account ids
    rows = [
        {"external_id": "JIRA-R5", "account_id": a, "status": "planned"},
        {"external_id": "JIRA-R9", "title": "New", "account_id": e},
        {"external_id": "JIRA-R9", "account_id": b},
    ]
    service.upsert_requests(db, rows, [2, 3, 4], TODAY)
    _equal_by_hand(db)
    assert _request(db, requests["R5"])[0] == 2


def test_a_merge_moves_the_duplicates_links_and_keeps_one_per_account(db: Session) -> None:
    admin, _, requests = _world(db)
    service.merge(db, admin, requests["R2"], MergeRequest(into_id=requests["R3"]))  # B, D join C, E
    _equal_by_hand(db)
    assert _request(db, requests["R2"]) == (0, 0, 0)
    service.merge(db, admin, requests["R3"], MergeRequest(into_id=requests["R1"]))  # all already there
    _equal_by_hand(db)
    assert _request(db, requests["R1"])[0] == 5


def test_an_accounts_arr_from_its_contracts_an_accounts_import_and_raw_sql_move_the_totals(
    db: Session,
) -> None:
    admin, accounts, _ = _world(db)
    make_contract(db, accounts["A"], admin, arr=Decimal("123.45"), currency="CNY", today=TODAY)
    assert accounts["A"].arr == Decimal("123.45")
    _equal_by_hand(db)
    rows = [
        {"account_id": accounts["B"].id, "external_id": "K-B", "start_date": "2026-01-01",
         "end_date": "2027-01-01", "arr": "999.99", "currency": "CNY", "seats": 5},
        {"account_id": accounts["C"].id, "external_id": "K-C", "start_date": "2026-01-01",
         "end_date": "2027-01-01", "arr": "1.01", "currency": "USD", "seats": 5},
    ]  # fmt: skip
    contracts_service.upsert_contracts(db, rows, TODAY, reasons=[])
    _equal_by_hand(db)
    accounts_service.upsert_accounts(db, [{"crm_id": "crm-D", "name": "D", "tier": "KA", "currency": "CNY"}])
    _equal_by_hand(db)
    db.execute(update(Account).values(arr=Account.arr * 3))  # every account at once
    _equal_by_hand(db)
    db.execute(text("UPDATE accounts SET currency = 'EUR' WHERE name = 'E'"))
    _equal_by_hand(db)
    assert {k[2] for k in _kept(db)} == {"CNY", "USD", "EUR"}


def test_stages_tiers_and_renewal_windows_written_by_the_daily_run_move_the_totals(db: Session) -> None:
    _, accounts, requests = _world(db)
    ids = [accounts[n].id for n in "ABCDE"]
    values = pa.table({
        "id": pa.array(ids, pa.int64()),
        "stage": ["at_risk", "growth", "at_risk", None, "at_risk"],  # E stays
        "tier": ["SMB", "SMB", None, "KA", "SMB"],
        "in_renewal_window": [False, True, False, True, True],
    })  # fmt: skip
    assert accounts_service.write_snapshot_values(db, values) == 5
    _equal_by_hand(db)
    assert _request(db, requests["R4"], "CNY", "SMB", "at_risk") == (1, 10000000, 0)
    assert accounts_service.write_snapshot_values(db, values) == 0  # the same again: nothing written
    _equal_by_hand(db)


def test_an_account_given_to_another_csm_moves_its_figures_to_their_list(db: Session) -> None:
    admin, accounts, _ = _world(db)
    first, second = (db.get(User, accounts[n].owner_id) for n in "AB")
    assert first is not None and second is not None
    accounts_service.update_account(db, admin, accounts["A"].id, AccountUpdate(owner_id=second.id))
    _equal_by_hand(db)
    r4 = {r.title: r.figures for r in service.list_requests(db, second, TODAY).items}["R4"]
    assert (r4.accounts, r4.arr, r4.tiers) == (1, Decimal("100000.00"), {"KA": 1})
    r4 = {r.title: r.figures for r in service.list_requests(db, first, TODAY).items}["R4"]
    assert (r4.accounts, r4.arr) == (0, Decimal(0))


def test_an_account_deleted_leaves_its_requests_totals(db: Session) -> None:
    _, accounts, requests = _world(db)
    db.execute(delete(Account).where(Account.id == accounts["B"].id))
    _equal_by_hand(db)
    assert _request(db, requests["R2"])[0] == 1


def _convert(amount: Decimal, currency: str, day: date) -> Decimal:
    rate = RATES[day] if currency == "USD" else Decimal(1)
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


ORDER = {  # a row (title, accounts, ARR, ARR at stake) and its request's id: its place in each sort
    "arr": lambda r, i: (-r[2], -r[1], i),
    "accounts": lambda r, i: (-r[1], -r[2], i),
    "at_stake": lambda r, i: (-r[3], -r[2], i),
}


def _list_by_hand(db: Session, day: date, sort: str) -> list[tuple[str, int, Decimal, Decimal]]:
    """(title, accounts, ARR, ARR at stake) of every live request in the sort's order, each currency's sum
    converted at the day's rate; at stake: in the renewal window or in the at_risk stage."""
    db.expire_all()
    rows = []
    for title in LINKS:
        linked = db.scalars(
            select(Account).join(RequestLink).where(RequestLink.request_id == _request_id(db, title))
        ).all()
        arr: dict[str, Decimal] = defaultdict(Decimal)
        stake: dict[str, Decimal] = defaultdict(Decimal)
        for a in linked:
            arr[a.currency] += a.arr
            stake[a.currency] += a.arr if a.in_renewal_window or a.stage == "at_risk" else 0
        rows.append((title, len(linked), sum((_convert(v, c, day) for c, v in arr.items()), Decimal(0)),
                     sum((_convert(v, c, day) for c, v in stake.items()), Decimal(0))))  # fmt: skip
    return sorted(rows, key=lambda r: ORDER[sort](r, _request_id(db, r[0])))


def _request_id(db: Session, title: str) -> int:
    return int(db.scalar(text("SELECT id FROM feature_requests WHERE title = :t"), {"t": title}))


def _listed(
    db: Session, admin: User, day: date, sort: str = "arr"
) -> list[tuple[str, int, Decimal, Decimal]]:
    page = service.list_requests(db, admin, day, sort=sort)  # type: ignore[arg-type]
    return [(r.title, r.figures.accounts, r.figures.arr, r.figures.arr_at_stake) for r in page.items]


def test_the_list_the_next_day_uses_its_rate_and_the_renewal_windows_the_daily_run_moved(db: Session) -> None:
    admin, accounts, _ = _world(db)
    for sort in ORDER:
        assert _listed(db, admin, TODAY, sort) == _list_by_hand(db, TODAY, sort), sort
    # The next day's run: A's window closed, B's and C's opened (their contracts' end dates came near).
    window = [False, True, True, True, False]
    values = pa.table(
        {"id": pa.array([accounts[n].id for n in "ABCDE"], pa.int64()), "in_renewal_window": window}
    )
    accounts_service.write_snapshot_values(db, values)
    db.flush()
    for sort in ORDER:
        assert _listed(db, admin, TOMORROW, sort) == _list_by_hand(db, TOMORROW, sort), sort
    listed = _listed(db, admin, TOMORROW)
    assert listed[0] == (
        "R1",
        5,
        Decimal("100000.00")
        + Decimal("50000.40")
        + Decimal("0.05")
        + _convert(Decimal("7142.45"), "USD", TOMORROW),
        Decimal("50000.40") + Decimal("0.05") + _convert(Decimal("7142.45"), "USD", TOMORROW),
    )
    assert _listed(db, admin, TODAY) == _list_by_hand(db, TODAY, "arr")  # yesterday's rate for yesterday


def _waiting_for_a_lock(engine: Engine) -> bool:
    """Whether some session of this database waits for a row lock now (polled for up to 20 s). Each poll is a
    transaction of its own: PostgreSQL keeps one snapshot of pg_stat_activity for a whole transaction, so a
    poll that ran before the writer began waiting would otherwise be all this function ever saw."""
    sql = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND wait_event_type = 'Lock'")  # fmt: skip
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(sql).scalar_one()
            conn.rollback()
            if waiting:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.parametrize("first", ["account", "link"])
def test_a_link_and_a_change_of_its_account_written_at_once_both_count(
    engine: Engine, db: Session, first: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    _, accounts, requests = _world(db)
    db.commit()
    a, r5 = accounts["A"].id, requests["R5"]
    change_account = update(Account).where(Account.id == a).values(arr=Decimal("555.55"))
    add_link = insert(RequestLink).values(request_id=r5, account_id=a, asked_on=TODAY)
    statements: dict[str, Any] = {"account": change_account, "link": add_link}
    second = "link" if first == "account" else "account"
    failures: list[BaseException] = []

    def write_second() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(statements[second])
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    with engine.connect() as conn, conn.begin():
        conn.execute(statements[first])
        writer = threading.Thread(target=write_second)
        writer.start()
        assert _waiting_for_a_lock(engine)  # the second waits for the first to commit
    writer.join(30)
    assert not writer.is_alive() and not failures
    db.rollback()
    _equal_by_hand(db)
    assert _request(db, r5, "CNY", "KA", "growth") == (1, 55555, 55555)
