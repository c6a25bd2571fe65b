"""A small team for the raising tests: a manager with a CSM owning three accounts, and the rules they use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.alerts.conditions.evaluate import FINDINGS
from lodestar.alerts.models import Alert
from lodestar.alerts.schemas import AlertRules
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from tests.factories import make_account, make_user

DAY = date(2026, 3, 2)


@dataclass
class Team:
    """An admin, a manager, their CSM (owner of a, b, c) and the session."""

    db: Session
    admin: User
    manager: User
    csm: User
    a: Account
    b: Account
    c: Account


def rules(**changes: Any) -> AlertRules:
    """Three rules: usage_drop (warning, starts usage_swing), health_red (critical) and info_only (info);
    keyword arguments change a rule's fields, e.g. health_red={"enabled": False}."""
    base: list[dict[str, Any]] = [
        {
            "key": "usage_drop",
            "name": "Active users fell",
            "name_zh": "活跃用户下降",
            "severity": "warning",
            "when": {"kind": "swing", "metric": "active_users_7d", "percent": 40},
            "cooldown_days": 14,
            "resolve_after_days": 7,
            "playbook": "usage_swing",
            "notify": {"owner": True, "manager_from": "critical", "channels": ["cs-team"]},
        },
        {
            "key": "health_red",
            "name": "Health turned red",
            "name_zh": "健康度转为红色",
            "severity": "critical",
            "when": {"kind": "threshold", "metric": "health_grade", "op": "==", "value": "red"},
            "cooldown_days": 30,
            "resolve_after_days": 14,
        },
        {
            "key": "info_only",
            "name": "Renewal window opened",
            "name_zh": "续约窗口开启",
            "severity": "info",
            "when": {"kind": "renewal_window"},
            "cooldown_days": 0,
            "resolve_after_days": 0,
            "notify": {"owner": False, "manager_from": "info"},
        },
    ]
    for rule in base:
        rule.update(changes.get(rule["key"], {}))
    return AlertRules.model_validate({"rules": base})


def evidence(n: int) -> str:
    """The evidence JSON of one finding: one sentence with a number."""
    return json.dumps([{"msgid": "active users %(before)s → %(now)s", "values": {"before": 2 * n, "now": n}}])


def findings(*rows: tuple[str, int, int]) -> pa.Table:
    """A findings table from (rule_key, account_id, n) rows (n: the number in the evidence)."""
    return pa.Table.from_pylist(
        [{"rule_key": k, "account_id": a, "evidence": evidence(n)} for k, a, n in rows], schema=FINDINGS
    )


def alerts(db: Session) -> list[Alert]:
    """Every alert, freshly read, by id."""
    db.expire_all()
    return list(db.scalars(select(Alert).order_by(Alert.id)))


@pytest.fixture
def team(db: Session, monkeypatch: pytest.MonkeyPatch) -> Team:
    """The team, committed."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    admin = make_user(db, Role.ADMIN)
    manager = make_user(db, Role.MANAGER)
    csm = make_user(db, Role.CSM, manager=manager)
    a, b, c = (make_account(db, csm, admin, name=n) for n in ("Alpha", "Beta", "Gamma"))
    db.commit()
    return Team(db, admin, manager, csm, a, b, c)
