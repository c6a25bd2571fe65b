"""SOP task behaviour: starting playbooks (stage entries, alerts, by hand), task actions, evidence."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.engagement import service as engagement_service
from lodestar.engagement.models import Touch
from lodestar.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lodestar.kit.time import today_in, utcnow
from lodestar.settings import get_settings
from lodestar.sop.playbooks import service as playbooks_service
from lodestar.sop.playbooks import triggers
from lodestar.sop.playbooks.schemas import SopConfig
from lodestar.sop.tasks import evidence as rules
from lodestar.sop.tasks import expiry, repository
from lodestar.sop.tasks.models import PlaybookRun, Task, TaskStatus
from lodestar.sop.tasks.people import display_names
from lodestar.sop.tasks.runs import create_runs
from lodestar.sop.tasks.schemas import EvidenceIn, TaskBucket, TaskRead, TaskSort

UPCOMING_DAYS = 7


def _zone() -> ZoneInfo:
    return get_settings().zone


def company_today() -> date:
    """Today in the company's time zone."""
    return today_in(_zone())


def fire_stage_entries(
    session: Session, transitions: Sequence[Mapping[str, Any]], *, lifecycle_first_stage: str
) -> int:
    """Starts the playbooks of the stages these transitions entered, once per occurrence; runs created."""
    config, version = playbooks_service.current_config(session)
    order = playbooks_service.contract_stage_order(session)
    found = triggers.stage_occurrences(config, transitions, lifecycle_first_stage, order)
    return len(create_runs(session, found, config, version))


def _runs(session: Session, ids: Sequence[int]) -> list[PlaybookRun]:
    return [run for i in ids if (run := repository.get_run(session, i)) is not None]


def fire_alert(session: Session, account_id: int, alert_type: str, ref: str, on: date) -> list[PlaybookRun]:
    """Starts the playbooks triggered by an alert of this type, once per alert; the runs created now."""
    config, version = playbooks_service.current_config(session)
    found = triggers.alert_occurrences(config, account_id, alert_type, ref, on)
    return _runs(session, create_runs(session, found, config, version))


def start_playbook(
    session: Session, actor: User, account_id: int, playbook_key: str, on: date | None = None
) -> PlaybookRun:
    """Starts a playbook on an account by hand (each start is its own occurrence)."""
    auth_service.require_editor(actor)
    accounts_service.get_account(session, actor, account_id)
    config, version = playbooks_service.current_config(session)
    playbook = triggers.enabled_playbook(config, playbook_key)
    occurrence = triggers.manual_occurrence(playbook, account_id, on or company_today())
    [run_id] = create_runs(session, [occurrence], config, version, created_by=actor.id)
    auth_service.record(
        session,
        actor,
        "playbook.start",
        "playbook_runs",
        run_id,
        {"playbook": playbook_key, "account": account_id},
    )
    run = repository.get_run(session, run_id)
    assert run is not None
    return run


def _scope_ids(session: Session, viewer: User) -> frozenset[int] | None:
    return auth_service.scope_for(session, viewer).owner_ids


def _to_read(
    row: tuple[Any, ...], account_name: str, assignee_name: str | None, config: SopConfig
) -> TaskRead:
    task, run, arr, score, grade = row
    playbook = next((p for p in config.playbooks if p.key == task.playbook_key), None)
    step = next((s for s in playbook.steps if s.key == task.step_key), None) if playbook else None
    closed = task.status != TaskStatus.OPEN.value
    on_time = bool(task.done_on and task.done_on <= task.due_on) if closed else None
    return TaskRead(
        id=task.id,
        account_id=task.account_id,
        account_name=account_name,
        playbook_key=task.playbook_key,
        playbook_name=playbook.name if playbook else task.playbook_key,
        step_key=task.step_key,
        title=task.title,
        title_zh=task.title_zh,
        how_to=step.how_to if step else None,
        how_to_zh=step.how_to_zh if step else None,
        required=task.required,
        evidence_kind=task.evidence_kind,
        evidence_rule=task.evidence_rule or {},
        assignee_id=task.assignee_id,
        assignee_name=assignee_name,
        due_on=task.due_on,
        status=task.status,
        done_on=task.done_on,
        on_time=on_time,
        evidence=task.evidence,
        skip_reason=task.skip_reason,
        stage=run.stage,
        triggered_on=run.triggered_on,
        run_id=run.id,
        touch_id=task.touch_id,
        completed_at=task.completed_at,
        completed_by=task.completed_by,
        expired_on=task.expired_on,
        account_arr=float(arr) if arr is not None else None,
        account_health_score=score,
        account_health_grade=grade,
    )


def _reads(session: Session, rows: Sequence[tuple[Any, ...]]) -> list[TaskRead]:
    """Tasks with their runs as read models, with their accounts' and assignees' names."""
    if not rows:
        return []
    accounts = accounts_service.account_names(session, {row[0].account_id for row in rows})
    wanted = {row[0].assignee_id for row in rows}
    people = {i: n for i, n in display_names(auth_service.list_users(session)).items() if i in wanted}
    config, _ = playbooks_service.current_config(session)
    return [
        _to_read(row, accounts.get(row[0].account_id, ""), people.get(row[0].assignee_id), config)
        for row in rows
    ]


def list_tasks(
    session: Session,
    viewer: User,
    *,
    bucket: TaskBucket = "open",
    assignee_id: int | None = None,
    stage: str | None = None,
    playbook_key: str | None = None,
    account_id: int | None = None,
    today: date | None = None,
    sort: TaskSort = "due",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[TaskRead], int]:
    """The viewer's tasks in a bucket, with filters; (page, total), soonest due first unless sorted by
    ARR, health or risk."""
    if not 1 <= limit <= 500:
        raise InvalidInput.one("limit", "must be between 1 and 500")
    if offset < 0:
        raise InvalidInput.one("offset", "must be >= 0")
    if sort not in get_args(TaskSort):
        raise InvalidInput.one("sort", f"must be one of {', '.join(get_args(TaskSort))}, not {sort!r}")
    day = today or company_today()
    standing = accounts_service.standing_subquery(session)
    stmt = _visible_stmt(session, viewer, standing, assignee_id, stage, playbook_key, account_id)
    stmt = stmt.where(*repository.bucket_filter(bucket, day, UPCOMING_DAYS))
    order = repository.sort_order(sort, standing)
    rows, total = repository.page(session, stmt, order, limit, offset)
    return _reads(session, rows), total


def _visible_stmt(
    session: Session,
    viewer: User,
    standing: Any,
    assignee_id: int | None,
    stage: str | None,
    playbook_key: str | None,
    account_id: int | None,
) -> repository.TaskRows:
    """The tasks the viewer may see, with the filters that are set."""
    stmt = repository.task_rows_stmt(standing)
    scope = _scope_ids(session, viewer)
    if scope is not None:
        people = sorted(scope | {viewer.id})
        stmt = stmt.where(repository.in_scope(accounts_service.ids_owned_by(people), people))
    filters = repository.task_filters(
        assignee_id=assignee_id, stage=stage, playbook_key=playbook_key, account_id=account_id
    )
    return stmt.where(*filters)


def open_counts(
    session: Session,
    viewer: User,
    *,
    today: date,
    assignee_id: int | None = None,
    stage: str | None = None,
    playbook_key: str | None = None,
) -> dict[str, int]:
    """The viewer's open tasks (with the inbox filters) per bucket: overdue, today, upcoming, later. Each
    open task is in exactly one, so they add up to all open tasks."""
    standing = accounts_service.standing_subquery(session)
    stmt = _visible_stmt(session, viewer, standing, assignee_id, stage, playbook_key, None)
    return repository.count_by_bucket(session, stmt, today, UPCOMING_DAYS)


def _visible_row(session: Session, viewer: User, task_id: int) -> tuple[Any, ...]:
    row = repository.task_row(session, task_id, accounts_service.standing_subquery(session))
    facts = accounts_service.owner_tier_stage(session, [row[0].account_id]) if row else {}
    ids = _scope_ids(session, viewer)
    if row is None or row[0].account_id not in facts:
        raise NotFound(f"task {task_id} not found")
    owner = facts[row[0].account_id][0]
    if not (ids is None or owner in ids or row[0].assignee_id in ids):
        raise NotFound(f"task {task_id} not found")
    return row


def get_task(session: Session, viewer: User, task_id: int) -> TaskRead:
    """One task the viewer may see; NotFound otherwise."""
    return _reads(session, [_visible_row(session, viewer, task_id)])[0]


def _open_task(session: Session, viewer: User, task_id: int) -> Task:
    auth_service.require_editor(viewer)
    task = _visible_row(session, viewer, task_id)[0]
    if task.status != TaskStatus.OPEN.value:
        raise Conflict(f"task {task_id} is already {task.status}")
    return task


def complete_task(
    session: Session, viewer: User, task_id: int, evidence: EvidenceIn, *, data_dir: Path | None = None
) -> TaskRead:
    """Completes a task with the evidence its step asks for; nothing is written when it is refused."""
    task = _open_task(session, viewer, task_id)
    given = evidence.model_dump(exclude={"file_bytes"})
    rules.check_given(task, given, bool(evidence.file_bytes))
    done_on, kept = company_today(), {k: v for k, v in given.items() if v is not None}
    if task.evidence_kind == "touch":
        done_on = _check_touch(session, task, int(given["touch_id"]))
        task.touch_id = given["touch_id"]
    if task.evidence_kind == "file":
        if data_dir is None:
            raise InvalidInput.one("evidence.file_name", "files cannot be stored here (no data folder)")
        assert evidence.file_name and evidence.file_bytes
        kept |= rules.store_file(data_dir, task.id, evidence.file_name, evidence.file_bytes)
        kept.pop("file_name", None)
    task.status, task.done_on, task.evidence = TaskStatus.DONE.value, done_on, kept
    task.completed_at, task.completed_by = utcnow(), viewer.id
    session.flush()
    auth_service.record(
        session, viewer, "task.complete", "tasks", task.id, {"done_on": done_on.isoformat(), **kept}
    )
    return get_task(session, viewer, task_id)


def _check_touch(session: Session, task: Task, touch_id: int) -> date:
    touch = engagement_service.get_touch(session, touch_id)
    if touch is None or touch.account_id != task.account_id:
        raise InvalidInput.one("evidence.touch_id", f"no touch {touch_id} on this account")
    why = rules.touch_fits(task, touch, _zone())
    if why:
        raise InvalidInput.one("evidence.touch_id", f"touch {touch_id} {why}")
    day = rules.touch_day(touch.occurred_at, _zone())
    if day > company_today():
        raise InvalidInput.one(
            "evidence.touch_id",
            f"touch {touch_id} is dated {day}, in the future: a step is done when it happens",
        )
    used = repository.used_touches(session, [task.account_id])
    if ("step", task.playbook_key, task.step_key, touch_id) in used:
        raise InvalidInput.one("evidence.touch_id", f"touch {touch_id} already completed this step once")
    if ("run", task.run_id, touch_id) in used:
        raise InvalidInput.one(
            "evidence.touch_id", f"touch {touch_id} already completed another step of this run"
        )
    return rules.touch_day(touch.occurred_at, _zone())


def skip_task(session: Session, viewer: User, task_id: int, reason: str) -> TaskRead:
    """Skips a task; the reason is required."""
    why = (reason or "").strip()
    if not why:
        raise InvalidInput.one("reason", "is required: say why the step is skipped")
    task = _open_task(session, viewer, task_id)
    task.status, task.skip_reason = TaskStatus.SKIPPED.value, why
    task.completed_at, task.completed_by = utcnow(), viewer.id
    session.flush()
    auth_service.record(session, viewer, "task.skip", "tasks", task.id, {"reason": why})
    return get_task(session, viewer, task_id)


def reassign_task(session: Session, viewer: User, task_id: int, assignee_id: int) -> TaskRead:
    """Gives an open task to another active CSM or manager the viewer may assign to."""
    task = _open_task(session, viewer, task_id)
    try:
        target = auth_service.get_user(session, assignee_id)
    except NotFound:
        raise InvalidInput.one("assignee_id", f"no user with id {assignee_id}") from None
    if not target.active or target.role not in (Role.CSM.value, Role.MANAGER.value):
        raise InvalidInput.one("assignee_id", f"{target.name} is not an active CSM or manager")
    if viewer.role == Role.CSM.value and task.assignee_id != viewer.id:
        raise PermissionDenied("CSMs can reassign only their own tasks")
    team = _scope_ids(session, viewer)
    if viewer.role == Role.MANAGER.value and team is not None and assignee_id not in team:
        raise InvalidInput.one("assignee_id", "managers can reassign only within their team")
    before = task.assignee_id
    task.assignee_id = assignee_id
    session.flush()
    auth_service.record(
        session, viewer, "task.reassign", "tasks", task.id, {"from": before, "to": assignee_id}
    )
    return get_task(session, viewer, task_id)


def complete_tasks_proved_by(session: Session, touch: Touch) -> list[int]:
    """Completes the open tasks a newly logged touch is evidence for (on its account); their ids."""
    match_touches(session, [touch.account_id])
    return repository.task_ids_proved_by(session, touch.id)


def match_touches(session: Session, account_ids: Collection[int] | None = None) -> int:
    """Completes open touch-evidence tasks with matching touches; tasks completed."""
    return rules.match_touches(session, _zone(), company_today(), account_ids)


def check_metric_evidence(session: Session, snapshot_root: Path, as_of: date) -> int:
    """Completes open metric-evidence tasks whose metric reached its value on as_of; tasks completed."""
    return rules.check_metrics(session, snapshot_root, [as_of])


def after_snapshot(
    session: Session,
    snapshot_root: Path,
    days: Sequence[date],
    transitions: Sequence[Mapping[str, Any]],
    first_stage: str,
) -> dict[str, int]:
    """The snapshot job's SOP step: start playbooks for stage entries, complete what evidence shows, then
    expire what is still open of the stages accounts have left."""
    runs = fire_stage_entries(session, transitions, lifecycle_first_stage=first_stage)
    touched = match_touches(session)
    found = rules.snapshot_evidence(session, snapshot_root, days)
    expired = expire_left_stages(session, max(days)) if days else 0
    return {"runs": runs, "touch_completed": touched, **found, "expired": expired}


def expire_left_stages(session: Session, as_of: date) -> int:
    """Closes as expired the open tasks of stages their accounts left by as_of; how many."""
    return expiry.expire_left_stages(session, as_of)


def open_tasks(
    session: Session, kinds: Collection[str], *, with_expired: bool = False
) -> list[tuple[Task, date]]:
    """Every open task whose evidence is of these kinds, with its run's trigger day (for bulk work); with
    `with_expired`, the expired ones too (the demo replays work done before a stage ended)."""
    statuses = (TaskStatus.OPEN.value, TaskStatus.EXPIRED.value) if with_expired else (TaskStatus.OPEN.value,)
    return [
        row
        for kind in sorted(kinds)
        for row in repository.open_tasks_of_kind(session, kind, statuses=statuses)
    ]


def close_many(session: Session, values: Sequence[dict[str, Any]]) -> int:
    """Writes many completions and skips at once (the demo's simulated work); each dict carries `id`.

    A completion dated before the day a task expired replaces the expiry (the work was done in its stage).
    """
    today = company_today()
    for row in values:
        if row.get("status") not in (TaskStatus.DONE.value, TaskStatus.SKIPPED.value):
            raise InvalidInput.one("status", f"task {row.get('id')}: must be done or skipped")
        if row.get("done_on") is not None and row["done_on"] > today:
            raise InvalidInput.one("done_on", f"task {row.get('id')}: {row['done_on']} is in the future")
        if row["status"] == TaskStatus.SKIPPED.value and not (row.get("skip_reason") or "").strip():
            raise InvalidInput.one("skip_reason", f"task {row.get('id')}: a skipped task needs a reason")
    session.flush()
    repository.close_tasks(session, values)
    session.expire_all()
    return len(values)


def task_counts(session: Session, viewer: User, today: date) -> dict[str, int]:
    """How many of the viewer's own open tasks are due today, overdue, and upcoming (next 7 days)."""
    counts = {"today": 0, "overdue": 0, "upcoming": 0}
    for due, n in repository.open_due_counts(session, viewer.id, today + timedelta(days=UPCOMING_DAYS)):
        counts["overdue" if due < today else "today" if due == today else "upcoming"] += n
    return counts
