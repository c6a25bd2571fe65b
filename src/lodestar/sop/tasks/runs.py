"""Turning trigger occurrences into playbook runs and their tasks, exactly once per occurrence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.kit.time import utcnow
from lodestar.sop.playbooks.schemas import Playbook, SopConfig, Step
from lodestar.sop.playbooks.triggers import Occurrence
from lodestar.sop.tasks import repository
from lodestar.sop.tasks.assign import Team
from lodestar.sop.tasks.models import TaskStatus

Facts = dict[int, tuple[int | None, str | None, str | None]]  # account id -> (owner, tier, stage)


def counts_from(on: date, step: Step) -> date:
    """The first day whose work counts as evidence for a step."""
    return on + timedelta(days=step.counts_from_days)


def _team(session: Session, rule: str) -> tuple[Team, dict[int, int]]:
    """Who tasks can go to, and each user's active manager (who takes the manager steps of their runs)."""
    people = auth_service.list_users(session)
    active = {u.id for u in people if u.active}
    managers = {u.id: u.manager_id for u in people if u.active}
    csms = sorted(u.id for u in people if u.active and u.role == Role.CSM.value)
    last = repository.last_unowned_assignee(session) if rule == "round_robin" else None
    bosses = {u.id: u.manager_id for u in people if u.manager_id is not None and u.manager_id in active}
    return Team(managers, csms, repository.open_task_counts(session), last), bosses


def _fresh(session: Session, occurrences: Sequence[Occurrence]) -> list[Occurrence]:
    """The occurrences without a run yet, each once."""
    seen = repository.existing_run_keys(session, {o.ref for o in occurrences})
    fresh: list[Occurrence] = []
    for o in sorted(occurrences, key=lambda o: (o.on, o.account_id, o.playbook.key, o.ref)):
        key = (o.playbook.key, o.account_id, o.ref)
        if key not in seen:
            seen.add(key)
            fresh.append(o)
    return fresh


def create_runs(
    session: Session,
    occurrences: Sequence[Occurrence],
    config: SopConfig,
    version: int,
    created_by: int | None = None,
) -> list[int]:
    """Creates the runs (and tasks) of the occurrences not seen before; the new run ids."""
    fresh = _fresh(session, occurrences)
    if not fresh:
        return []
    facts: Facts = accounts_service.owner_tier_stage(session, {o.account_id for o in fresh})
    team, bosses = _team(session, config.assignment)

    def owned(o: Occurrence) -> bool:
        owner = facts.get(o.account_id, (None, None, None))[0]
        return owner is not None and owner in team.managers

    # Grouped by playbook, so each playbook's new run ids form ranges the set-based task insert uses.
    fresh.sort(key=lambda o: (o.playbook.key, not owned(o), o.on, o.account_id, o.ref))
    now = utcnow()
    runs, pools = [], []
    for o in fresh:
        owner, tier, stage = facts.get(o.account_id, (None, None, None))
        if owned(o) and owner is not None:  # keeps least-load fair within one batch
            team.load[owner] = team.load.get(owner, 0) + len(o.playbook.steps)
        pools.append(None if owned(o) else team.pick(config.assignment, len(o.playbook.steps)))
        runs.append(_run_row(o, version, (owner, tier, stage), created_by, now))
    ids = repository.insert_runs(session, runs)
    _insert_tasks(session, fresh, ids, config, bosses, now)
    picked: dict[int, list[int]] = {}  # CSM -> the unowned runs they take on whole
    for run_id, pool in zip(ids, pools, strict=True):
        if pool is not None:
            picked.setdefault(pool, []).append(run_id)
    for user_id, run_ids in picked.items():
        repository.assign_runs(session, run_ids, user_id)
    return ids


def _run_row(
    o: Occurrence,
    version: int,
    fact: tuple[int | None, str | None, str | None],
    created_by: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The playbook_runs row of one occurrence."""
    owner, tier, stage = fact
    return {
        "playbook_key": o.playbook.key,
        "playbook_version": version,
        "account_id": o.account_id,
        "trigger_kind": o.kind,
        "trigger_ref": o.ref,
        "triggered_on": o.on,
        "counts_from": min(counts_from(o.on, s) for s in o.playbook.steps),
        "stage": o.stage if o.stage is not None else stage,
        "tier": tier,
        "owner_id": owner,
        "created_by": created_by,
        "created_at": now,
    }


def _insert_tasks(
    session: Session,
    fresh: Sequence[Occurrence],
    ids: Sequence[int],
    config: SopConfig,
    bosses: dict[int, int],
    now: datetime,
) -> None:
    """Makes every step's task for the new runs, one INSERT ... SELECT per step and range of run ids."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for o, run_id in zip(fresh, ids, strict=True):
        ranges = spans.setdefault(o.playbook.key, [])
        if ranges and ranges[-1][1] == run_id - 1:
            ranges[-1] = (ranges[-1][0], run_id)
        else:
            ranges.append((run_id, run_id))
    playbooks = {p.key: p for p in config.playbooks}
    for playbook_key, ranges in spans.items():
        playbook = playbooks[playbook_key]
        for position, step in enumerate(playbook.steps):
            fields = _step_fields(playbook, position, step, now)
            for first, last in ranges:
                repository.insert_step_tasks(
                    session,
                    first,
                    last,
                    fields,
                    _rule(step),
                    step.due_days,
                    step.counts_from_days,
                    managers=bosses if step.owner_role == "manager" else None,
                )


def _rule(step: Step) -> dict[str, Any]:
    """The step's evidence rule as copied onto its tasks (the evidence window's start is added per run)."""
    rule = {k: v for k, v in step.evidence.model_dump(mode="json").items() if v not in (None, [])}
    if step.after:
        rule["after"] = list(step.after)
    return rule


def _step_fields(playbook: Playbook, position: int, step: Step, now: Any) -> dict[str, Any]:
    """The columns every task of one step shares."""
    outcome = step.outcome or playbook.outcome
    return {
        "step_key": step.key,
        "position": position,
        "title": step.title,
        "title_zh": step.title_zh,
        "required": step.required,
        "evidence_kind": step.evidence.kind,
        "outcome_metric": outcome.metric if outcome else None,
        "status": TaskStatus.OPEN.value,
        "created_at": now,
    }
