"""Playbook runs started by feature-request status changes: one per change and account that asked."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from lodestar.sop.playbooks import service as playbooks_service
from lodestar.sop.playbooks.triggers import RequestStart, request_occurrences
from lodestar.sop.tasks import repository
from lodestar.sop.tasks.runs import create_runs


def start_request_playbooks(session: Session, starts: Sequence[RequestStart]) -> int:
    """Starts the feature-request playbooks for these changes, idempotent by the run's unique key (trigger
    ref "feature_request:<change id>", account): a change told twice still makes one task each."""
    if not starts:
        return 0
    config, version = playbooks_service.current_config(session)
    return len(create_runs(session, request_occurrences(config, starts), config, version))


def task_states(session: Session, refs: Collection[str]) -> list[tuple[str, int, str, int | None]]:
    """(trigger ref, account, task status, assignee) of every task of the runs started for these refs."""
    return repository.task_states_of_refs(session, refs)
