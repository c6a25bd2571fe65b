"""A small company for the alert-condition tests: accounts made through the services, snapshot files
written straight into a store under tmp_path, and rules built from plain dicts."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.alerts.conditions.evaluate import evaluate
from lodestar.alerts.schemas import AlertRules
from lodestar.analytics import snapshot_store
from lodestar.app import create_app
from lodestar.auth.models import Role, User
from lodestar.settings import load_settings
from tests.factories import make_account, make_user

AS_OF = date(2026, 6, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEMA = pa.schema(
    [
        ("account_id", pa.int64()),
        ("as_of", pa.date32()),
        ("score", pa.float64()),
        ("grade", pa.string()),
        ("stage", pa.string()),
        ("phase", pa.string()),
        ("tier", pa.string()),
        ("active_users_7d", pa.int64()),
        ("active_users_30d", pa.int64()),
        ("usage_trend_30d", pa.float64()),
        ("active_user_ratio_30d", pa.float64()),
        ("days_since_last_activity", pa.int64()),
        ("in_renewal_window", pa.bool_()),
        ("days_to_end", pa.int64()),
    ]
)
# A healthy growing customer: what every snapshot row holds unless a test says otherwise.
HEALTHY: dict[str, Any] = {
    "score": 80.0,
    "grade": "green",
    "stage": "growth",
    "phase": "growth",
    "tier": "standard",
    "active_users_7d": 20,
    "active_user_ratio_30d": 0.5,
    "days_since_last_activity": 1,
    "in_renewal_window": False,
    "days_to_end": 200,
}
Found = dict[str, dict[int, list[dict[str, Any]]]]  # rule key -> account id -> evidence sentences


def rule(key: str, when: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A rule as configuration writes it, named after its key."""
    return {"key": key, "name": key, "name_zh": key, "when": when, **fields}


@dataclass
class Company:
    """A test's accounts, its snapshot store and a way to evaluate rules over them."""

    db: Session
    root: Path
    admin: User
    csm: User

    def account(self, **fields: Any) -> Account:
        """An account owned by the CSM."""
        return make_account(self.db, self.csm, self.admin, **fields)

    def snapshot(self, day: date, rows: dict[int, dict[str, Any]]) -> None:
        """Writes one date's snapshot: a row per account, HEALTHY unless the row says otherwise."""
        table = pa.Table.from_pylist(
            [{**HEALTHY, "account_id": a, "as_of": day, **values} for a, values in rows.items()],
            schema=SCHEMA,
        )
        snapshot_store.write(self.root, day, table)

    def evaluate(
        self, *rules: dict[str, Any], as_of: date = AS_OF, account_ids: Collection[int] | None = None
    ) -> Found:
        """The findings of these rules, by rule and account, with each evidence parsed."""
        self.db.flush()
        table = evaluate(
            self.db,
            self.root,
            AlertRules.model_validate({"rules": list(rules)}),
            as_of,
            account_ids,
            SHANGHAI,
        )
        found: Found = {}
        for row in table.to_pylist():
            found.setdefault(row["rule_key"], {})[row["account_id"]] = json.loads(row["evidence"])
        return found


@pytest.fixture
def company(db: Session, tmp_path: Path) -> Company:
    """An admin, a CSM and an empty snapshot store."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    return Company(db, tmp_path / "snapshots", admin, make_user(db, Role.CSM, name="Chen CSM"))


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app over the test database, redirects not followed (the pages' tests read them)."""
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
