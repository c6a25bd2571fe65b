"""Churn reasons in imports are checked against the one taxonomy, the `renewals` configuration: every
configured key is accepted (M&A, service quality, a key the company added), an unknown one is refused with
its row, column and value named, and nothing is written."""

from __future__ import annotations

from sqlalchemy import select

from lodestar.config import service as config_service
from lodestar.contracts.models import Contract
from lodestar.renewals import config_kind
from tests.imports.conftest import count, rejected, run

CONTRACTS = (
    b"id,account,start,end,arr,reason\n"
    b"K-1,A-1,2024-01-01,2025-01-01,100,\n"
    b"K-2,A-2,2024-01-01,2025-01-01,100,\n"
    b"K-3,A-3,2024-01-01,2025-01-01,100,\n"
)
MAP = "fields: {external_id: id, account: account, start_date: start, end_date: end, arr: arr}"
CHURN = "churned_on,account,reason\n2024-12-01,A-1,{a}\n2024-12-02,A-2,{b}\n2024-12-03,A-3,{c}\n"
CHURN_MAP = "fields: {churned_on: churned_on, account: account, churn_reason: reason}"


def _seed(db, tmp_path) -> None:
    run(db, "accounts", b"crm_id,name\nA-1,Acme\nA-2,Birch\nA-3,Cobalt\n", "a.csv", tmp_path)
    run(db, "contracts", CONTRACTS, "c.csv", tmp_path, MAP)


def _add_reason(db, key: str) -> None:
    settings, _ = config_kind.current(db)
    data = settings.model_dump(mode="json")
    data["reasons"].append({"key": key, "name": "Moved in-house", "name_zh": "转为自建"})
    config_service.save(db, "renewals", data, "test")
    db.commit()


def _reasons(db) -> dict[str, str | None]:
    return {c.external_id: c.churn_reason for c in db.scalars(select(Contract))}


def test_every_configured_reason_imports_including_one_the_company_added(db, tmp_path) -> None:
    _seed(db, tmp_path)
    _add_reason(db, "in_house")
    csv = CHURN.format(a="m_and_a", b="service", c="in_house").encode()
    report = run(db, "churn", csv, "churn.csv", tmp_path, CHURN_MAP)
    assert report.problems == [] and report.updated == 3
    assert _reasons(db) == {"K-1": "m_and_a", "K-2": "service", "K-3": "in_house"}


def test_an_unknown_reason_is_refused_with_its_cell_named_and_nothing_written(db, tmp_path) -> None:
    _seed(db, tmp_path)
    csv = CHURN.format(a="no_usage", b="in_house", c="m_and_a").encode()  # in_house is not configured here
    report = rejected(db, "churn", csv, "churn.csv", tmp_path, CHURN_MAP)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, "reason", "in_house")]
    assert "m_and_a" in report.problems[0].reason and "service" in report.problems[0].reason
    assert _reasons(db) == {"K-1": None, "K-2": None, "K-3": None}


def test_a_contract_import_checks_its_churn_reason_against_the_same_taxonomy(db, tmp_path) -> None:
    run(db, "accounts", b"crm_id,name\nA-1,Acme\n", "a.csv", tmp_path)
    mapping = MAP.replace("arr: arr}", "arr: arr, churn_reason: reason}")
    good = b"id,account,start,end,arr,reason\nK-1,A-1,2024-01-01,2025-01-01,100,m_and_a\n"
    run(db, "contracts", good, "c.csv", tmp_path, mapping)
    assert _reasons(db) == {"K-1": "m_and_a"}
    bad = b"id,account,start,end,arr,reason\nK-2,A-1,2024-01-01,2025-01-01,100,aliens\n"
    report = rejected(db, "contracts", bad, "c.csv", tmp_path, mapping)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "reason", "aliens")]
    assert count(db, Contract) == 1
