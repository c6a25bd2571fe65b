"""Hand-made playbook runs, tasks and snapshots for the SOP analytics tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.db.bulk import insert_returning_ids
from lodestar.sop.playbooks.schemas import SopConfig
from lodestar.sop.tasks.models import PlaybookRun, Task

_runs = iter(range(1, 10**9))


def accounts(db: Session, owners: list[int | None], tiers: list[str | None] | None = None) -> list[int]:
    """One account per owner (bulk), with an optional tier each."""
    tiers = tiers or [None] * len(owners)
    rows: list[dict[str, Any]] = [
        {
            "name": f"Acct {i}",
            "owner_id": o,
            "tier": t,
            "tags": [],
            "traits": {},
            "departments": [],
            "scenarios": [],
            "tier_pinned": False,
        }
        for i, (o, t) in enumerate(zip(owners, tiers, strict=True))
    ]
    return insert_returning_ids(db, Account, rows)


def run(
    db: Session,
    account_id: int,
    playbook_key: str,
    triggered_on: date,
    *,
    stage: str | None = "onboarding",
    tier: str | None = None,
    owner_id: int | None = None,
) -> int:
    """One playbook run (a trigger occurrence)."""
    row = {
        "playbook_key": playbook_key,
        "playbook_version": 0,
        "account_id": account_id,
        "trigger_kind": "stage_entered",
        "trigger_ref": f"stage:{stage}:{triggered_on.isoformat()}:{next(_runs)}",
        "triggered_on": triggered_on,
        "counts_from": triggered_on,
        "stage": stage,
        "tier": tier,
        "owner_id": owner_id,
    }
    return insert_returning_ids(db, PlaybookRun, [row])[0]


def task(
    db: Session,
    run_id: int,
    account_id: int,
    playbook_key: str,
    step_key: str,
    due_on: date,
    *,
    status: str = "open",
    done_on: date | None = None,
    required: bool = True,
    assignee_id: int | None = None,
    outcome_metric: str | None = None,
    title: str | None = None,
) -> int:
    """One task of a run."""
    row = {
        "run_id": run_id,
        "account_id": account_id,
        "playbook_key": playbook_key,
        "step_key": step_key,
        "position": 0,
        "title": title or step_key.replace("_", " ").capitalize(),
        "required": required,
        "evidence_kind": "checkbox",
        "evidence_rule": {},
        "outcome_metric": outcome_metric,
        "assignee_id": assignee_id,
        "due_on": due_on,
        "status": status,
        "done_on": done_on,
        "skip_reason": "not needed" if status == "skipped" else None,
    }
    return insert_returning_ids(db, Task, [row])[0]


def snapshot(
    root: Path, on: date, values: dict[int, float | None], metric: str = "training_completion"
) -> None:
    """A snapshot holding one metric for some accounts."""
    store.write(
        root,
        on,
        pa.table(
            {
                "account_id": pa.array(list(values), pa.int64()),
                metric: pa.array(list(values.values()), pa.float64()),
                "score": pa.array([None if v is None else 100 * v for v in values.values()], pa.float64()),
            }
        ),
    )


def config(after_days: int = 30, higher_is_better: bool = True) -> SopConfig:
    """Two playbooks: onboarding with a training step that has an outcome and a welcome step that has none."""
    outcome = {
        "metric": "training_completion",
        "after_days": after_days,
        "higher_is_better": higher_is_better,
    }
    return SopConfig.model_validate(
        {
            "playbooks": [
                {
                    "key": "onboarding",
                    "name": "Onboarding",
                    "trigger": {"kind": "stage_entered", "stage": "onboarding"},
                    "outcome": outcome,
                    "steps": [
                        {"key": "training", "title": "Training", "due_days": 7, "outcome": outcome},
                        {"key": "welcome", "title": "Welcome", "due_days": 2, "outcome": outcome},
                        {"key": "notes", "title": "Notes", "due_days": 5, "required": False},
                    ],
                }
            ]
        }
    )


def days(first: date, count: int, step: int = 7) -> list[date]:
    """`count` dates `step` days apart from `first`."""
    return [first + timedelta(days=step * i) for i in range(count)]
