"""The portfolio filters and sorts by churn likelihood over the caller's own accounts only."""

from __future__ import annotations

import pyarrow as pa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from tests.api_fixtures import Team, client, team  # noqa: F401
from tests.factories import make_account


def test_the_churn_filter_and_sort_keep_to_the_callers_accounts(
    client: TestClient,  # noqa: F811
    db: Session,
    team: Team,  # noqa: F811
) -> None:
    low = make_account(db, team.csm.user, team.admin.user, name="Low Risk")
    high = make_account(db, team.csm.user, team.admin.user, name="High Risk")
    theirs = make_account(db, team.other_csm.user, team.admin.user, name="Their Risk")
    ids = [low.id, high.id, theirs.id]
    accounts_service.write_snapshot_values(db, pa.table({"id": ids, "churn_likelihood": [0.1, 0.6, 0.9]}))
    db.commit()

    def names(headers: dict[str, str], query: str) -> list[str]:
        found = client.get(f"/api/v1/accounts?{query}", headers=headers)
        assert found.status_code == 200
        return [a["name"] for a in found.json()["items"]]

    assert names(team.csm.headers, "churn_min=50") == ["High Risk"]
    assert names(team.admin.headers, "churn_min=50&sort=churn_likelihood&desc=true") == [
        "Their Risk",
        "High Risk",
    ]
    assert names(team.csm.headers, "sort=churn_likelihood") == ["Low Risk", "High Risk"]
    bad = client.get("/api/v1/accounts?churn_min=101", headers=team.admin.headers)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "query.churn_min"
