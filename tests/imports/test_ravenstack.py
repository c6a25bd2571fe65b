"""RavenStack imports completely with the shipped mappings, and a re-import changes nothing."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from lodestar.accounts.models import Account
from lodestar.analytics.event_store import count_events, read_events
from lodestar.contracts.models import Contract
from lodestar.engagement.models import Ticket
from tests.imports.conftest import count, run

# The repository sits next to shared/ (the project's read-only datasets).
SOURCE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "ravenstack"
MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "ravenstack"
FILES = [
    ("accounts", "accounts"),
    ("contracts", "subscriptions"),
    ("events", "feature_usage"),
    ("tickets", "support_tickets"),
    ("churn", "churn_events"),
]


def _import_all(db, data: Path, events_dir: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for kind, name in FILES:
        raw = (data / f"ravenstack_{name}.csv").read_bytes()
        report = run(db, kind, raw, f"{name}.csv", events_dir, (MAPPINGS / f"{name}.yaml").read_text())
        out[kind] = (report.created, report.updated, report.unchanged)
    return out


def _reactivated(data: Path) -> set[str]:
    """Accounts not flagged as churned that nevertheless have a churn event."""
    with (data / "ravenstack_accounts.csv").open() as f:
        staying = {r["account_id"] for r in csv.DictReader(f) if r["churn_flag"] == "FALSE"}
    with (data / "ravenstack_churn_events.csv").open() as f:
        return staying & {r["account_id"] for r in csv.DictReader(f)}


def test_ravenstack_imports_completely_and_a_second_import_changes_nothing(db, tmp_path):
    data = tmp_path / "ravenstack"
    shutil.copytree(SOURCE, data)
    events_dir = tmp_path / "events"
    first = _import_all(db, data, events_dir)
    assert first["accounts"] == (500, 0, 0)
    assert first["contracts"] == (5000, 0, 0)
    assert first["events"] == (25000, 0, 0)
    assert first["tickets"] == (2000, 0, 0)
    assert count(db, Account) == 500 and count(db, Contract) == 5000 and count(db, Ticket) == 2000
    assert count_events(events_dir) == 25000
    churned = db.scalars(select(Contract).where(Contract.churned_on.is_not(None))).all()
    assert first["churn"][1] == len(churned) > 300
    assert Counter(c.churn_reason for c in churned).keys() <= {
        "price_budget",
        "product_gap",
        "service",
        "competitor",
        "other",
    }
    assert {c.churn_reason_raw for c in churned} == {
        "pricing",
        "budget",
        "features",
        "support",
        "competitor",
        "unknown",
    }
    feedback = db.scalars(select(Contract.churn_feedback).where(Contract.churn_feedback.is_not(None))).all()
    assert "switched to competitor" in feedback
    reactivated = _reactivated(data)
    assert reactivated, "the sample has accounts that churned and came back"
    outcome_accounts = {c.account_id for c in churned}
    ids = dict(db.execute(select(Account.crm_id, Account.id)).all())
    assert {ids[a] for a in reactivated} <= outcome_accounts
    acme = db.scalars(select(Account).where(Account.crm_id == "A-2e4581")).one()
    assert (acme.name, acme.region, acme.plan) == ("Company_0", "US", "Basic")
    assert acme.traits["signup_date"] == "2024-10-16" and acme.traits["churn_flag"] is False
    usage = read_events(events_dir).slice(0, 1).to_pylist()[0]
    assert usage["source"] == "ravenstack" and usage["event"].startswith("feature_")

    files_before = sorted(p.name for p in events_dir.rglob("*.parquet"))
    second = _import_all(db, data, events_dir)
    assert all(created == 0 and updated == 0 for created, updated, _ in second.values())
    assert second["events"] == (0, 0, 25000)
    assert count(db, Account) == 500 and count(db, Contract) == 5000 and count(db, Ticket) == 2000
    assert count_events(events_dir) == 25000
    assert sorted(p.name for p in events_dir.rglob("*.parquet")) == files_before
