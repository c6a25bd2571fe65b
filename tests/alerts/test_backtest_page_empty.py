"""The backtest page with no snapshot history says why, in the reader's language, on the error page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.alerts.inbox_data import Crew, crew
from tests.api_fixtures import quick_password_hashes
from tests.factories import PASSWORD
from tests.live_server import csrf_of

__all__ = ["crew", "quick_password_hashes"]


def test_a_chinese_manager_reads_why_there_is_no_backtest_yet(client: TestClient, crew: Crew) -> None:
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"email": crew.manager.email, "password": PASSWORD, "csrf_token": token})
    english = client.get("/alerts/backtest")
    assert english.status_code == 422  # the error page, naming the field and the problem
    assert "no snapshot date between the first snapshot and" in english.text
    page = client.get("/alerts").text
    client.post("/language", data={"locale": "zh_CN", "next": "/alerts", "csrf_token": csrf_of(page)})
    chinese = client.get("/alerts/backtest").text
    assert "第一个快照 至" in chinese and "之间没有快照日期" in chinese
    assert "no snapshot date" not in chinese
