"""Playbook runs started by win-backs: the playbook of each churn's reason, once per win-back."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lodestar.sop.playbooks import service as playbooks_service
from lodestar.sop.playbooks.triggers import ChurnStart, churn_reason_occurrences
from lodestar.sop.tasks.runs import create_runs


def start_win_back_playbooks(session: Session, starts: Sequence[ChurnStart]) -> int:
    """Starts the playbooks chosen by these win-backs' churn reasons, idempotent by the run's unique key
    (trigger ref "winback:<id>"); how many runs were created."""
    if not starts:
        return 0
    config, version = playbooks_service.current_config(session)
    return len(create_runs(session, churn_reason_occurrences(config, starts), config, version))
