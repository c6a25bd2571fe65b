"""An alert resolved by itself says why in the reader's language; a person's own reason stays as written."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.alerts.reasons import cleared, rule_gone
from tests.alerts.inbox_data import Crew, crew, make_alert
from tests.api_fixtures import quick_password_hashes
from tests.factories import PASSWORD
from tests.live_server import csrf_of

__all__ = ["crew", "quick_password_hashes"]


def _chinese_csm(client: TestClient, crew: Crew) -> None:
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"email": crew.csm.email, "password": PASSWORD, "csrf_token": token})
    page = client.get("/alerts").text
    client.post("/language", data={"locale": "zh_CN", "next": "/alerts", "csrf_token": csrf_of(page)})


def test_automatic_reasons_read_in_chinese_on_the_page_and_in_the_api(
    client: TestClient, crew: Crew, db: Session
) -> None:
    resolved = {"state": "resolved", "resolved_on": date(2026, 3, 20)}
    by_itself = make_alert(db, crew.mine, "no_activity", resolve_reason=str(cleared(14)), **resolved).id
    rule_off = make_alert(db, crew.mine, "nps_detractor", resolve_reason=str(rule_gone()), **resolved).id
    db.commit()
    _chinese_csm(client, crew)
    page = client.get(f"/alerts/{by_itself}").text
    assert "条件已连续 14 天不成立" in page and "condition cleared" not in page
    account_page = client.get(f"/accounts/{crew.mine.id}").text
    assert "规则已删除或停用" in account_page and "rule removed" not in account_page
    listed = client.get("/api/v1/alerts?state=resolved").json()["items"]
    answers = {a["id"]: a["resolve_reason"] for a in listed}
    assert answers[by_itself] == "条件已连续 14 天不成立"
    assert answers[rule_off] == "规则已删除或停用"
    assert answers[crew.alerts["old"]] == "Fixed the integration"  # a person's words are not translated
