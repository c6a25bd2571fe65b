"""The account page shows the churn likelihood and its risk factors in words, in the reader's language,
to those who may see the account."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pyarrow as pa
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store
from lodestar.kit.time import today_in
from lodestar.predictions import service
from lodestar.renewals.records import service as renewals_service
from lodestar.renewals.records.models import Renewal
from tests.api_fixtures import Team, client, team  # noqa: F401
from tests.factories import PASSWORD, make_account, make_contract
from tests.predictions.synthetic_history import CUTOFF, HORIZON, write_history


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _sign_in(client: TestClient, email: str) -> None:  # noqa: F811
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 200 and 'type="password"' not in answer.text  # the redirect was followed


def test_the_account_page_shows_the_likelihood_and_its_factors_in_both_languages(
    client: TestClient,  # noqa: F811
    db: Session,
    team: Team,  # noqa: F811
) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    root = snapshot_store.root_of(settings)
    mine = make_account(db, team.csm.user, team.admin.user, name="Mine Ltd")
    theirs = make_account(db, team.other_csm.user, team.admin.user, name="Theirs Ltd")
    db.commit()
    _sign_in(client, team.csm.user.email)
    assert "No model yet" in client.get(f"/accounts/{mine.id}").text

    service.train_model(db, root, settings.data_dir, write_history(root), CUTOFF, HORIZON)
    snapshot_store.write(root, CUTOFF, pa.table({
        "account_id": [mine.id, theirs.id], "active_user_ratio_30d": [0.05, 0.9], "tickets_open": [4, 0],
        "score": [20.0, 90.0], "stage": ["onboarding", "adoption"], "tier": ["A", "B"],
    }))  # fmt: skip
    service.score_date(db, root, settings.data_dir, CUTOFF)
    db.commit()
    likelihood = service.likelihoods_on(db, CUTOFF)[mine.id]

    page = client.get(f"/accounts/{mine.id}").text
    assert f"{likelihood * 100:.0f}%" in page and "Churn likelihood" in page
    assert "active-user ratio 0.05" in page and "points of risk" in page
    assert client.get(f"/accounts/{theirs.id}").status_code == 404
    portfolio = client.get("/accounts").text
    assert "Mine Ltd" in portfolio and "Theirs Ltd" not in portfolio

    # The account's open renewal shows the same factors behind its predicted likelihood.
    today = today_in(settings.zone)
    term = {"start_date": today - timedelta(days=300), "end_date": today + timedelta(days=30)}
    make_contract(db, mine, team.csm.user, arr=Decimal("5000"), today=today, **term)
    renewals_service.open_and_derive(db, today)
    db.commit()
    renewal_id = db.scalars(select(Renewal.id).where(Renewal.account_id == mine.id)).one()
    detail = client.get(f"/renewals/{renewal_id}").text
    assert 'data-testid="renewal-churn"' in detail and "active-user ratio 0.05" in detail

    token = _csrf(client.get(f"/accounts/{mine.id}").text)
    client.post("/language", data={"csrf_token": token, "locale": "zh_CN", "next": "/accounts"})
    page = client.get(f"/accounts/{mine.id}").text
    assert "流失概率" in page and "活跃用户占比 0.05" in page and "个百分点" in page
