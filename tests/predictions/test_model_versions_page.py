"""The churn model versions page: every stored version with its window, features, figures with intervals,
active or the reason it is not, and its reliability curve — for admins only."""

from __future__ import annotations

import json
import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.predictions import service
from lodestar.predictions.models import ChurnModel
from tests.api_fixtures import Team, client, team  # noqa: F401
from tests.predictions.test_churn_pages import _csrf, _sign_in


def _interval(value: float, low: float, high: float) -> dict[str, float]:
    return {"value": value, "low": low, "high": high}


def _figures(auc: float) -> dict[str, object]:
    bins = [
        {"rows": 10, "predicted": p / 10, "observed": _interval(p / 10 + 0.01, p / 10 - 0.05, p / 10 + 0.07)}
        for p in range(10)
    ]
    return {"rows": 100, "positives": 20, "auc": _interval(auc, auc - 0.04, auc + 0.03),
            "pr_auc": _interval(0.61, 0.5, 0.7), "top_decile_lift": _interval(3.2, 2.8, 3.6),
            "brier": _interval(0.101, 0.09, 0.11), "reliability": bins}  # fmt: skip


def _model(version: int, active: bool, reason: str, health_auc: float) -> ChurnModel:
    metrics = {
        "rows": 2400, "positives": 380, "split_at": "2025-03-03", "train_rows": 900, "test_rows": 700,
        "candidates": [{"model": "lightgbm", "calibration": "isotonic", "figures": _figures(0.871)},
                       {"model": "logistic", "calibration": "isotonic", "figures": _figures(0.842)}],
        "health": {"rows": 650, "auc": _interval(health_auc, health_auc - 0.05, health_auc + 0.05),
                   "model_auc": _interval(0.868, 0.83, 0.9)},
    }  # fmt: skip
    return ChurnModel(
        version=version, as_of=date(2025, 9, 1), horizon_days=180, first_date=date(2024, 6, 3),
        last_date=date(2025, 3, 3), kind="lightgbm", calibration="isotonic",
        features=["active_user_ratio_30d", "days_since_champion_left", "trait.lead_source"], metrics=metrics,
        libraries={"lightgbm": "4.5.0"}, model_auc=0.868, health_auc=health_auc, active=active, reason=reason,
        file=f"models/churn-v{version}.joblib", checksum="0" * 64,
    )  # fmt: skip


def test_admins_see_every_version_with_figures_status_and_reliability_in_both_languages(
    client: TestClient,  # noqa: F811
    db: Session,
    team: Team,  # noqa: F811
) -> None:
    db.add_all([_model(1, False, service.NOT_BETTER, 0.91), _model(2, True, service.ACTIVE, 0.74)])
    db.commit()
    _sign_in(client, team.csm.user.email)
    assert client.get("/settings/predictions").status_code == 403
    _sign_in(client, team.manager.user.email)
    assert client.get("/settings/predictions").status_code == 403

    _sign_in(client, team.admin.user.email)
    page = client.get("/settings/predictions").text
    versions = re.findall(r'data-testid="model-version" data-version="(\d+)"', page)
    assert versions == ["2", "1"]  # newest first
    first, second = page.split('data-version="1"')
    assert 'data-testid="model-active"' in first and "its AUC is above the health score" in first
    assert 'data-testid="model-inactive"' in second
    assert "not activated: its AUC is not above the health score" in second
    assert "2024-06-03 … 2025-03-03" in second and "horizon 180 days" in second
    assert "0.871 <span" in second and "[0.831–0.901]" in second  # AUC with its interval
    assert "days since the champion left" in second and "lead_source" in second
    curve = json.loads(re.findall(r"data-chart-data='([^']+)'", second)[0])
    assert curve["predicted"][:2] == [0.0, 0.1] and curve["observed"][:2] == [0.01, 0.11]
    assert curve["low"][1] == 0.05 and curve["high"][1] == 0.17

    client.post("/language", data={"locale": "zh_CN", "csrf_token": _csrf(page)})
    chinese = client.get("/settings/predictions").text
    assert "流失模型版本" in chinese and "未启用" in chinese and "支持者离职后天数" in chinese


def test_without_a_model_the_page_says_how_to_train_one(
    client: TestClient,  # noqa: F811
    team: Team,  # noqa: F811
) -> None:
    _sign_in(client, team.admin.user.email)
    page = client.get("/settings/predictions").text
    assert 'data-testid="no-models"' in page and "lodestar predict churn train" in page


def test_the_account_profile_shows_its_custom_traits(
    client: TestClient,  # noqa: F811
    db: Session,
    team: Team,  # noqa: F811
) -> None:
    from tests.factories import make_account

    traits = {"lead_source": "partner", "合同金额": "1,200", "vip": True}
    account = make_account(db, team.csm.user, team.admin.user, name="Traits Ltd", traits=traits)
    db.commit()
    _sign_in(client, team.csm.user.email)
    page = client.get(f"/accounts/{account.id}").text
    shown = re.search(r'data-testid="traits">(.*?)</dd>', page, re.S)
    assert shown is not None
    text = re.sub(r"<[^>]+>", "", shown.group(1))
    assert text == "lead_source: partnervip: Yes合同金额: 1,200"
