"""A tracker's export imported all or nothing (the bad row named), and the tracker's signed webhook:
refusals for a missing, stale, wrong or replayed-with-another-body signature; one task per account even
when the same change is delivered twice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.feature_requests.models import FeatureRequest, RequestLink
from lodestar.feature_requests.webhook_signature import sign
from lodestar.settings import load_settings
from lodestar.sop.tasks.models import PlaybookRun
from tests.api_fixtures import Team
from tests.factories import make_account
from tests.imports.conftest import count, rejected, run

SECRET = "tracker-shared-secret"
EXPORT = "key,title,status,customer\nJIRA-7,Export to Excel,planned,A-1\nJIRA-7,,,A-2\nJIRA-8,SSO,new,A-2\n"
MAP = ("kind: feature_requests\nfields:\n  external_id: {column: key}\n  title: {column: title}\n"
       "  status: {column: status}\n  account: {column: customer}\n")  # fmt: skip


def test_an_export_links_each_request_to_its_accounts(db: Session, team: Team, tmp_path: Path) -> None:
    for crm in ("A-1", "A-2"):
        make_account(db, team.csm.user, team.admin.user, crm_id=crm)
    db.commit()
    report = run(db, "feature_requests", EXPORT.encode(), "export.csv", tmp_path, MAP)
    assert report.created == 2
    titles = dict(db.execute(select(FeatureRequest.external_id, FeatureRequest.title)).all())
    assert titles == {"JIRA-7": "Export to Excel", "JIRA-8": "SSO"}
    assert count(db, RequestLink) == 3
    # Planned at import is a change: the two accounts of JIRA-7 each get one task to tell the customer.
    assert count(db, PlaybookRun) == 2
    run(db, "feature_requests", EXPORT.encode(), "export.csv", tmp_path, MAP)
    assert count(db, PlaybookRun) == 2 and count(db, RequestLink) == 3


def test_a_bad_row_names_its_cell_and_nothing_is_written(db: Session, team: Team, tmp_path: Path) -> None:
    make_account(db, team.csm.user, team.admin.user, crm_id="A-1")
    db.commit()
    bad = (
        "key,title,status,customer\nJIRA-7,Export,planned,A-1\nJIRA-9,Dark,someday,A-1\nJIRA-10,X,new,A-404\n"
    )
    report = rejected(db, "feature_requests", bad.encode(), "export.csv", tmp_path, MAP)
    assert {(p.row, p.column, p.value) for p in report.problems} == {(4, "customer", "A-404")}
    fixed = bad.replace("A-404", "A-1")
    report = rejected(db, "feature_requests", fixed.encode(), "export.csv", tmp_path, MAP)
    assert [(p.row, p.column) for p in report.problems] == [(3, "status")]
    assert count(db, FeatureRequest) == 0 and count(db, RequestLink) == 0


@pytest.fixture
def hooked(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app whose webhook secret is set."""
    settings = load_settings(database_url=db_url, data_dir=tmp_path, feature_request_webhook_secret=SECRET)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _send(
    client: TestClient,
    body: dict,
    *,
    secret: str = SECRET,
    at: int | None = None,
    signed: bytes | None = None,
):
    raw = json.dumps(body).encode()
    at = int(time.time()) if at is None else at
    headers = {"X-Lodestar-Timestamp": str(at), "X-Lodestar-Signature": sign(secret, at, signed or raw),
               "Content-Type": "application/json"}  # fmt: skip
    return client.post("/api/v1/feature-requests/webhook", content=raw, headers=headers)


def test_the_webhook_refuses_what_the_secret_did_not_sign(
    hooked: TestClient, db: Session, team: Team
) -> None:
    account = make_account(db, team.csm.user, team.admin.user)
    request = FeatureRequest(title="Export", external_id="JIRA-1")
    db.add(request)
    db.flush()
    db.add(RequestLink(request_id=request.id, account_id=account.id, asked_on=account.created_at.date()))
    db.commit()
    body = {"external_id": "JIRA-1", "status": "shipped", "public_note": "Out in 5.2"}
    unsigned = hooked.post("/api/v1/feature-requests/webhook", json=body)
    assert unsigned.status_code == 401 and "required" in unsigned.json()["message"]
    assert _send(hooked, body, secret="guessed").status_code == 401
    assert _send(hooked, body, at=int(time.time()) - 3600).status_code == 401
    assert _send(hooked, body, signed=b'{"external_id": "JIRA-1", "status": "declined"}').status_code == 401
    assert count(db, PlaybookRun) == 0
    assert _send(hooked, body).status_code == 201
    assert _send(hooked, body).status_code == 200  # delivered again: no second change
    assert count(db, PlaybookRun) == 1
    unknown = _send(hooked, {"external_id": "JIRA-404", "status": "shipped"})
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["field"] == "external_id"
    bad = _send(hooked, {"external_id": "JIRA-1", "status": "someday"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "status"


def test_without_a_secret_the_webhook_is_off(client: TestClient) -> None:
    assert client.post("/api/v1/feature-requests/webhook", json={"id": 1, "status": "new"}).status_code == 404
