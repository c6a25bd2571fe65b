"""The retention dashboard, the renewal analysis report (page, CSV, XLSX) and their API over the hand-made
chains: the figures equal the service's, a CSM reaches only their own accounts, bad parameters name their
field."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.auth.models import User
from lodestar.settings import load_settings
from tests.api_fixtures import bearer
from tests.factories import PASSWORD
from tests.live_server import csrf_of
from tests.renewals.retention.chains import World, build

Q1 = "period=quarter&from=2025-01-01&to=2025-03-31"


@pytest.fixture
def world(db: Session) -> World:
    return build(db)


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def _sign_in(client: TestClient, user: User) -> TestClient:
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    return client


def test_the_api_gives_the_hand_computed_quarter_and_a_csm_only_their_own(
    client: TestClient, db: Session, world: World
) -> None:
    as_admin, as_csm = bearer(db, world.admin), bearer(db, world.csm)
    db.commit()
    admin = client.get(f"/api/v1/retention?{Q1}&by=csm", headers=as_admin).json()
    q1 = admin["totals"][0]["figures"]
    assert (q1["start_arr"], q1["end_arr"], q1["grr"], q1["nrr"]) == (
        "407000.00",
        "395000.00",
        "0.8452",
        "0.9705",
    )
    assert {tuple(r["label"].values()) for r in admin["groups"]} == {("Cora Csm",), ("Otto Other",)}
    mine = client.get(f"/api/v1/retention?{Q1}&by=csm", headers=as_csm).json()
    assert mine["totals"][0]["figures"]["start_arr"] == "400000.00"  # 407,000 less Otto's 7,000
    assert {tuple(r["label"].values()) for r in mine["groups"]} == {("Cora Csm",)}
    cora = next(r for r in admin["groups"] if r["label"] == {"csm": "Cora Csm"})
    assert mine["totals"][0]["figures"] == cora["figures"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=week", "period"),
        ("by=colour", "by"),
        ("from=2025-05-01&to=2025-04-01", "from"),
        ("from=May", "from"),
    ],
)
def test_bad_parameters_are_refused_by_field(
    client: TestClient, db: Session, world: World, query: str, field: str
) -> None:
    headers = bearer(db, world.admin)
    db.commit()
    answer = client.get(f"/api/v1/retention?{query}", headers=headers)
    assert answer.status_code == 422
    assert [p["field"] for p in answer.json()["problems"]] == [field]


def test_the_dashboard_shows_a_csm_their_own_group_and_the_charts_data(
    client: TestClient, world: World
) -> None:
    page = _sign_in(client, world.csm).get(f"/retention?{Q1}&by=csm")
    assert page.status_code == 200
    assert "Cora Csm" in page.text and "Otto Other" not in page.text
    for chart in ("trend-chart", "waterfall-chart", "heatmap-chart"):
        assert f'data-testid="{chart}"' in page.text
    assert "84.5%" not in page.text  # the admin's GRR; the CSM's own: (400 - 15 - 48) / 400
    assert "84.2%" in page.text


def test_the_renewal_report_splits_the_quarter_by_outcome_and_reason(
    client: TestClient, world: World
) -> None:
    _sign_in(client, world.admin)
    data = client.get("/api/v1/retention/renewal-report?period=2025-Q1").json()
    t = data["totals"]
    assert (t["due"], t["renewed"], t["expansion"], t["contraction"], t["lost"]) == (
        "262000.00", "207000.00", "30000.00", "15000.00", "40000.00",
    )  # fmt: skip
    assert t["renewal_rate"] == "0.7901"
    outcomes = {r["account_id"]: r["outcome"] for r in data["rows"]}
    by_name = {n: outcomes.get(i) for n, i in world.accounts.items()}
    assert by_name["flat"] == by_name["late"] == "renewed_flat"
    assert (by_name["expansion"], by_name["contraction"], by_name["churn"]) == (
        "expanded",
        "contracted",
        "churned",
    )
    assert [(x["key"], x["lost"]) for x in data["top_reasons"]] == [("price_budget", "40000.00")]
    assert {x["key"]: x["contraction"] for x in data["by_reason"]}["not_given"] == "15000.00"
    q2 = client.get("/api/v1/retention/renewal-report?period=2025-Q2").json()
    assert [(r["account_id"], r["outcome"], r["expansion"]) for r in q2["rows"]] == [
        (world.accounts["early"], "early_renewed", "6000.00")
    ]
    only = client.get("/api/v1/retention/renewal-report?period=2025-Q1&reason=price_budget").json()
    assert [r["account_id"] for r in only["rows"]] == [world.accounts["churn"]]


def test_the_report_page_and_its_exports_list_the_contracts_behind_the_figures(
    client: TestClient, world: World
) -> None:
    _sign_in(client, world.admin)
    page = client.get("/retention/report?period=2025-Q1")
    assert page.status_code == 200 and "Price or budget" in page.text
    text = client.get("/retention/report.csv?period=2025-Q1").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["account"] for r in rows) == ["churn", "contraction", "expansion", "flat", "late"]
    assert sum(Decimal(r["lost"]) for r in rows) == Decimal("40000.00")
    book = load_workbook(io.BytesIO(client.get("/retention/report.xlsx?period=2025-Q1").content))
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[0][:3] == ("period", "account_id", "account") and len(sheet) == 6
    refused = client.get("/retention/report?period=2025-13")
    assert refused.status_code == 422 and "period" in refused.text
