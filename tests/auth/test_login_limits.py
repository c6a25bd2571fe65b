"""Sign-in limits: failures counted per account and per address, 429 with Retry-After, audit entries."""

from __future__ import annotations

import asyncio
import re

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.auth import service as auth_service
from lodestar.auth.models import AuditEntry, Role
from lodestar.auth.throttle import LoginThrottle
from lodestar.settings import load_settings
from tests.factories import PASSWORD, make_user


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with the lightest parameters."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _client(db_url: str, tmp_path, **limits: int) -> TestClient:
    settings = load_settings(database_url=db_url, data_dir=tmp_path, **limits)
    return TestClient(create_app(settings))


def _sign_in(client: TestClient, email: str, password: str, **headers: str):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    return client.post("/login", data=form, headers=headers, follow_redirects=False)


def test_an_account_waits_after_too_many_failures_and_each_failure_is_audited(
    db: Session, db_url: str, tmp_path
) -> None:
    user = make_user(db, Role.CSM)
    db.commit()
    client = _client(db_url, tmp_path, login_max_failures=3)
    for _ in range(3):
        assert _sign_in(client, user.email, "wrong-password").status_code == 401
    refused = _sign_in(client, user.email, PASSWORD)  # even the right password, while the account waits
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 900
    assert "Too many failed sign-ins" in refused.text
    as_json = _sign_in(client, user.email, PASSWORD, accept="application/json")
    assert as_json.status_code == 429 and as_json.json()["code"] == "too_many_attempts"
    db.expire_all()
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
    assert [(e.entity_id, e.changes["email"]) for e in entries] == [(user.id, user.email)] * 3


def test_an_address_waits_after_too_many_failures_across_accounts(db: Session, db_url: str, tmp_path) -> None:
    user = make_user(db, Role.CSM)
    db.commit()
    client = _client(db_url, tmp_path, login_max_failures=100, login_max_failures_per_address=4)
    for n in range(4):
        assert _sign_in(client, f"nobody{n}@example.com", "guess").status_code == 401
    assert _sign_in(client, user.email, PASSWORD).status_code == 429


def test_passwords_are_checked_off_the_event_loop(
    db: Session, db_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(db, Role.CSM)
    db.commit()
    seen: list[bool] = []
    real = auth_service.verify_password

    def spy(password_hash: str, password: str) -> bool:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return real(password_hash, password)

    monkeypatch.setattr(auth_service, "verify_password", spy)
    assert _sign_in(_client(db_url, tmp_path), user.email, PASSWORD).status_code == 303
    assert seen == [False]


def test_failures_leave_the_window_and_a_success_forgets_the_account() -> None:
    now = [0.0]
    throttle = LoginThrottle(per_account=2, per_address=10, window_s=60, clock=lambda: now[0])
    throttle.failed("a@x.io", "1.2.3.4")
    now[0] = 10
    throttle.failed("A@x.io", "1.2.3.4")
    assert throttle.retry_after("a@x.io", "5.6.7.8") == 50
    now[0] = 61
    assert throttle.retry_after("a@x.io", "5.6.7.8") == 0
    throttle.failed("a@x.io", "1.2.3.4")
    throttle.succeeded("a@x.io")
    throttle.failed("a@x.io", "1.2.3.4")
    assert throttle.retry_after("a@x.io", "1.2.3.4") == 0
