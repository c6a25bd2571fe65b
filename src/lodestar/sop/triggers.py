"""Turning trigger occurrences into playbook runs and their tasks, exactly once per occurrence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.kit.time import utcnow
from lodestar.sop import repository
from lodestar.sop.assign import Team
from lodestar.sop.models import TaskStatus
from lodestar.sop.schemas import Playbook, SopConfig, Step


@dataclass(frozen=True)
class Occurrence:
    """One trigger firing for one account: what the unique run key and the dates come from."""

    playbook: Playbook
    account_id: int
    kind: str  # stage_entered, alert, manual
    ref: str
    on: date
    stage: str | None = None  # None: the account's current stage


def stage_ref(stage: str, on: date) -> str:
    """The trigger ref of a stage entry."""
    return f"stage:{stage}:{on.isoformat()}"


def passed_over(order: Sequence[str], from_stage: str | None, to_stage: str) -> list[str]:
    """The stages strictly between two stages of the model's order (none when the move goes backwards,
    starts nowhere, or leaves the order: at-risk and churn moves pass over nothing)."""
    if from_stage not in order or to_stage not in order:
        return []
    start, end = order.index(from_stage), order.index(to_stage)
    return list(order[start + 1 : end]) if end > start + 1 else []


def stage_occurrences(
    config: SopConfig,
    transitions: Iterable[Mapping[str, Any]],
    first_stage: str,
    timeline: Sequence[str] = (),
) -> list[Occurrence]:
    """Occurrences of stage entries; an account's first snapshot counts only in the first stage.

    `timeline` is the order of the stages an account walks through by its contract (at-risk and churned
    left out); a playbook with `also_when_passed_over` fires for a stage a move jumps across.
    """
    by_stage: dict[str, list[Playbook]] = {}
    skipped: dict[str, list[Playbook]] = {}
    for playbook in config.playbooks:
        trigger = playbook.trigger
        if playbook.enabled and trigger.kind == "stage_entered" and trigger.stage:
            by_stage.setdefault(trigger.stage, []).append(playbook)
            if trigger.also_when_passed_over:
                skipped.setdefault(trigger.stage, []).append(playbook)
    out: list[Occurrence] = []
    for move in transitions:
        stage, before = move.get("to_stage"), move.get("from_stage")
        if stage is None:
            continue
        if before is None and stage != first_stage:
            continue  # an existing customer seen for the first time, not a new entry
        on, account = move["on"], int(move["account_id"])
        if skipped:
            for between in passed_over(timeline, before, stage):
                out.extend(
                    Occurrence(p, account, "stage_entered", stage_ref(between, on), on, between)
                    for p in skipped.get(between, [])
                )
        out.extend(
            Occurrence(p, account, "stage_entered", stage_ref(stage, on), on, stage)
            for p in by_stage.get(stage, [])
        )
    return out


def counts_from(on: date, step: Step) -> date:
    """The first day whose work counts as evidence for a step."""
    return on + timedelta(days=step.counts_from_days)


def _team(session: Session, rule: str) -> Team:
    people = repository.users(session)
    managers = {uid: manager for uid, _, manager, active in people if active}
    csms = sorted(uid for uid, role, _, active in people if active and role == Role.CSM.value)
    last = repository.last_unowned_assignee(session) if rule == "round_robin" else None
    return Team(managers, csms, repository.open_task_counts(session), last)


def create_runs(
    session: Session,
    occurrences: Sequence[Occurrence],
    config: SopConfig,
    version: int,
    created_by: int | None = None,
) -> list[int]:
    """Creates the runs (and tasks) of the occurrences not seen before; the new run ids."""
    seen = repository.existing_run_keys(session, {o.ref for o in occurrences})
    fresh: list[Occurrence] = []
    for o in sorted(occurrences, key=lambda o: (o.on, o.account_id, o.playbook.key, o.ref)):
        key = (o.playbook.key, o.account_id, o.ref)
        if key not in seen:
            seen.add(key)
            fresh.append(o)
    if not fresh:
        return []
    facts = repository.account_facts(session, {o.account_id for o in fresh})
    team = _team(session, config.assignment)

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
        runs.append(
            {
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
        )
    ids = repository.insert_runs(session, runs)
    spans: dict[str, list[tuple[int, int]]] = {}
    picked: dict[int, list[int]] = {}  # CSM -> the unowned runs they take on whole
    for o, run_id, pool in zip(fresh, ids, pools, strict=True):
        ranges = spans.setdefault(o.playbook.key, [])
        if ranges and ranges[-1][1] == run_id - 1:
            ranges[-1] = (ranges[-1][0], run_id)
        else:
            ranges.append((run_id, run_id))
        if pool is not None:
            picked.setdefault(pool, []).append(run_id)
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
                    manager_does_it=step.owner_role == "manager",
                )
    for user_id, run_ids in picked.items():
        repository.assign_runs(session, run_ids, user_id)
    return ids


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
