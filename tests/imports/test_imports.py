"""Imports on both database backends: encodings, formats, dates, all-or-nothing, re-import, dry run."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from sqlalchemy import select

from lodestar.accounts.models import Account
from lodestar.analytics.event_store import count_events, read_events
from lodestar.contracts.models import Contract
from lodestar.engagement.models import Ticket
from tests.imports.conftest import count, rejected, run

ACCOUNTS = (
    'crm_id,name,industry,employees,traits.vip\nC-1,华为云,云计算,"1,200",是\nC-2,字节跳动,互联网,800,否\n'
)


def _accounts(db):
    return {a.crm_id: a for a in db.scalars(select(Account))}


TYPED = (
    "fields: {crm_id: crm_id, name: name, industry: industry, employees: employees,"
    " traits.vip: {column: traits.vip, type: bool}}"
)


def test_a_gbk_file_from_chinese_excel_imports_with_names_intact(db, tmp_path):
    report = run(db, "accounts", ACCOUNTS.encode("gbk"), "accounts.csv", tmp_path, TYPED)
    assert (report.created, report.updated) == (2, 0)
    found = _accounts(db)
    assert found["C-1"].name == "华为云" and found["C-1"].industry == "云计算"
    assert found["C-1"].employees == 1200
    assert found["C-1"].traits == {"vip": True} and found["C-2"].traits == {"vip": False}


def test_a_utf8_file_with_a_bom_keeps_its_first_column_name(db, tmp_path):
    run(db, "accounts", b"\xef\xbb\xbf" + ACCOUNTS.encode(), "accounts.csv", tmp_path)
    assert set(_accounts(db)) == {"C-1", "C-2"}


def test_the_mapping_can_state_the_encoding(db, tmp_path):
    mapping = "encoding: gb18030\nfields: {crm_id: 编号, name: 名称}\n"
    run(db, "accounts", "编号,名称\nC-9,美团\n".encode("gb18030"), "a.csv", tmp_path, mapping)
    assert _accounts(db)["C-9"].name == "美团"


def _seed_account(db, tmp_path):
    run(db, "accounts", b"crm_id,name\nA-1,Acme\n", "a.csv", tmp_path)


CONTRACTS = 'id,account,start,end,arr\nK-1,A-1,{a},{b},"12,000.50"\nK-2,A-1,{c},{d},100\n'
MAP = "fields: {external_id: id, account: account, start_date: start, end_date: end, arr: arr}"


def _contract(db, external_id):
    return db.scalars(select(Contract).where(Contract.external_id == external_id)).one()


def test_day_first_dates_are_detected_when_a_day_is_over_twelve(db, tmp_path):
    _seed_account(db, tmp_path)
    csv = CONTRACTS.format(a="1/2/2024", b="1/2/2025", c="13/2/2024", d="13/2/2025").encode()
    run(db, "contracts", csv, "c.csv", tmp_path, MAP)
    contract = _contract(db, "K-1")
    assert (contract.start_date, contract.end_date) == (date(2024, 2, 1), date(2025, 2, 1))
    assert _contract(db, "K-2").start_date == date(2024, 2, 13)
    assert contract.arr == Decimal("12000.50")


def test_month_first_dates_are_detected_when_a_middle_part_is_over_twelve(db, tmp_path):
    _seed_account(db, tmp_path)
    csv = CONTRACTS.format(a="1/2/2024", b="1/2/2025", c="1/13/2024", d="1/13/2025").encode()
    run(db, "contracts", csv, "c.csv", tmp_path, MAP)
    assert (_contract(db, "K-1").start_date, _contract(db, "K-2").end_date) == (
        date(2024, 1, 2),
        date(2025, 1, 13),
    )


def test_iso_dates_and_a_stated_format_are_honoured(db, tmp_path):
    _seed_account(db, tmp_path)
    mapping = (
        "fields:\n  external_id: id\n  account: account\n  arr: arr\n"
        "  start_date: {column: start, date_format: m/d/Y}\n  end_date: end\n"
    )
    csv = CONTRACTS.format(a="1/2/2024", b="2025-01-02", c="3/4/2024", d="2025-04-03").encode()
    run(db, "contracts", csv, "c.csv", tmp_path, mapping)
    contract = _contract(db, "K-1")
    assert (contract.start_date, contract.end_date) == (date(2024, 1, 2), date(2025, 1, 2))


def test_ambiguous_dates_are_refused_and_the_column_named(db, tmp_path):
    _seed_account(db, tmp_path)
    csv = CONTRACTS.format(a="1/2/2024", b="3/4/2025", c="5/6/2024", d="7/8/2025").encode()
    report = rejected(db, "contracts", csv, "c.csv", tmp_path, MAP)
    columns = {p.column for p in report.problems}
    assert {"start", "end"} <= columns
    assert all("ambiguous" in p.reason for p in report.problems)
    assert count(db, Contract) == 0


TICKETS = (
    "ticket,account,opened,priority,csat\n"
    "T-1,A-1,2024-01-02 09:00,high,4\n"
    "T-2,A-1,2024-01-03 10:00,urgent,5\n"
    "T-3,A-9,2024-01-04 11:00,low,3\n"
    "T-4,A-1,not a date,low,3\n"
    "T-5,A-1,2024-01-05 12:00,whatever,3.5\n"
)
TICKET_MAP = """
fields:
  external_id: ticket
  account: account
  opened_at: opened
  severity: {column: priority, values: {urgent: critical}}
  satisfaction: csat
"""


def test_a_file_with_bad_rows_writes_nothing_and_names_every_bad_cell(db, tmp_path):
    _seed_account(db, tmp_path)
    report = rejected(db, "tickets", TICKETS.encode(), "t.csv", tmp_path, TICKET_MAP)
    found = {(p.row, p.column, p.value) for p in report.problems}
    assert (4, "account", "A-9") in found
    assert (5, "opened", "not a date") in found
    assert (6, "csat", "3.5") in found
    reasons = {p.row: p.reason for p in report.problems}
    assert reasons[4] == "no account with crm_id 'A-9'"
    assert reasons[6] == "is not a whole number"
    assert count(db, Ticket) == 0


def test_values_the_domain_refuses_are_reported_with_row_and_column(db, tmp_path):
    _seed_account(db, tmp_path)
    good = "\n".join([*TICKETS.splitlines()[:3], "T-5,A-1,2024-01-05 12:00,whatever,3"]) + "\n"
    report = rejected(db, "tickets", good.encode(), "t.csv", tmp_path, TICKET_MAP)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(4, "priority", "whatever")]
    assert count(db, Ticket) == 0


def test_re_importing_the_same_file_changes_nothing_and_a_changed_row_updates(db, tmp_path):
    _seed_account(db, tmp_path)
    good = "\n".join(TICKETS.splitlines()[:3]) + "\n"
    first = run(db, "tickets", good.encode(), "t.csv", tmp_path, TICKET_MAP)
    again = run(db, "tickets", good.encode(), "t.csv", tmp_path, TICKET_MAP)
    assert (first.created, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    changed = run(db, "tickets", good.replace("high,4", "low,4").encode(), "t.csv", tmp_path, TICKET_MAP)
    assert (changed.updated, changed.unchanged) == (1, 1)
    assert count(db, Ticket) == 2
    assert db.scalars(select(Ticket).where(Ticket.external_id == "T-1")).one().severity == "low"


def test_a_dry_run_counts_what_would_happen_and_writes_nothing(db, tmp_path):
    report = run(db, "accounts", ACCOUNTS.encode(), "a.csv", tmp_path, dry_run=True)
    assert (report.dry_run, report.created) == (True, 2)
    assert count(db, Account) == 0


def test_rows_without_ids_get_stable_keys_so_a_re_import_does_not_duplicate(db, tmp_path):
    _seed_account(db, tmp_path)
    call = b"A-1,call,2024-05-01 10:00,Kickoff\n"
    csv = b"account,kind,occurred_at,subject\n" + call + call
    assert run(db, "touches", csv, "calls.csv", tmp_path).created == 2
    again = run(db, "touches", csv, "calls.csv", tmp_path)
    assert (again.created, again.unchanged) == (0, 2)


def test_an_xlsx_workbook_imports_with_typed_cells(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["crm_id", "name", "employees", "traits.since"])
    sheet.append(["X-1", "Xlsx Co", 1500, date(2020, 5, 17)])
    buffer = io.BytesIO()
    book.save(buffer)
    run(
        db,
        "accounts",
        buffer.getvalue(),
        "accounts.xlsx",
        tmp_path,
        "fields: {crm_id: crm_id, name: name, employees: employees,"
        " traits.since: {column: traits.since, type: date}}",
    )
    account = _accounts(db)["X-1"]
    assert (account.name, account.employees, account.traits) == ("Xlsx Co", 1500, {"since": "2020-05-17"})


def test_a_parquet_file_imports_with_typed_columns(db, tmp_path):
    table = pa.table({"crm_id": ["P-1", "P-2"], "name": ["Par", "Quet"], "employees": [10, 20]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    run(db, "accounts", buffer.getvalue(), "accounts.parquet", tmp_path)
    assert {k: a.employees for k, a in _accounts(db).items()} == {"P-1": 10, "P-2": 20}


EVENTS = "when,account,feature,count\n2024-03-01 10:00,A-1,export,3\n2024-03-02 11:00,A-1,export,1,000\n"


def test_events_land_in_the_store_once_however_often_the_file_is_imported(db, tmp_path):
    run(db, "accounts", b"crm_id,name,segment_group_id\nA-1,Acme,g-acme\n", "a.csv", tmp_path)
    csv = b'when,account,feature,count\n2024-03-01 10:00,A-1,export,3\n2024-03-02 11:00,A-1,export,"1,000"\n'
    mapping = (
        "fields: {timestamp: when, account: account, event: feature,"
        " properties.count: {column: count, type: int}}"
    )
    events_dir = tmp_path / "events"
    first = run(db, "events", csv, "usage.csv", events_dir, mapping)
    again = run(db, "events", csv, "usage.csv", events_dir, mapping)
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    assert count_events(events_dir) == 2
    stored = read_events(events_dir).sort_by("timestamp").to_pylist()
    assert [(e["group_id"], e["event"], e["properties"]) for e in stored] == [
        ("g-acme", "export", '{"count":3}'),
        ("g-acme", "export", '{"count":1000}'),
    ]


def test_an_events_file_with_a_bad_row_writes_no_event(db, tmp_path):
    run(db, "accounts", b"crm_id,name,segment_group_id\nA-1,Acme,g-acme\n", "a.csv", tmp_path)
    csv = b"when,account,feature\n2024-03-01 10:00,A-1,export\nyesterday,A-1,export\n2024-03-01,A-2,export\n"
    report = rejected(
        db,
        "events",
        csv,
        "usage.csv",
        tmp_path / "events",
        "fields: {timestamp: when, account: account, event: feature}",
    )
    assert {(p.row, p.column, p.value) for p in report.problems} == {
        (3, "when", "yesterday"),
        (4, "account", "A-2"),
    }
    assert count_events(tmp_path / "events") == 0
