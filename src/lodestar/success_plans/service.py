"""Success plans: read and edit an account's plan and milestones (audited), import milestones, attainment.

The daily run's part (templates on stage entries, milestones reached by their metric) is in
`daily_step.py`; both are reached through this module.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics.metric_columns import known_metrics
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.config import service as config_service
from lodestar.contracts import service as contracts_service
from lodestar.db.upsert import UpsertCounts
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound, in_row
from lodestar.kit.fields import apply_changes
from lodestar.kit.text import N_, Text
from lodestar.kit.time import utcnow
from lodestar.success_plans import attainment, repository
from lodestar.success_plans.config_kind import current
from lodestar.success_plans.daily_step import after_snapshot, apply_templates, complete_from_metrics
from lodestar.success_plans.models import Milestone, SuccessPlan
from lodestar.success_plans.schemas import (
    Attainment,
    MilestoneCreate,
    MilestoneFields,
    MilestoneRead,
    SuccessPlanRead,
    SuccessPlanUpdate,
)

__all__ = ["after_snapshot", "apply_templates", "complete_from_metrics", "current"]
FIELDS = tuple(MilestoneFields.model_fields)


def first_starts(session: Session, account_ids: Collection[int]) -> dict[int, date]:
    """Each account's first contract start (an account without contracts has none)."""
    out: dict[int, date] = {}
    for row in contracts_service.analytics_rows(session, account_ids):
        start = row["start_date"]
        out[row["account_id"]] = min(start, out.get(row["account_id"], start))
    return out


def _problems(
    fields: MilestoneFields, start: date | None, metrics: frozenset[str], today: date
) -> list[FieldProblem]:
    """What is wrong with a milestone beyond its own fields: its dates against the contract and today,
    and its metric against the known metrics."""
    problems = []
    if start is not None and fields.target_on < start:
        message = Text(N_("is before the contract start %(day)s"), day=start.isoformat())
        problems.append(FieldProblem("target_on", message))
    if fields.reached_on is not None and fields.reached_on > today:
        problems.append(FieldProblem("reached_on", Text(N_("is in the future"))))
    if fields.metric is not None and fields.metric not in metrics:
        problems.append(FieldProblem("metric", Text(N_("unknown metric %(key)s"), key=fields.metric)))
    return problems


def _metrics(session: Session) -> frozenset[str]:
    return known_metrics(config_service.document(session))


def _check(session: Session, account_id: int, fields: MilestoneFields, today: date, prefix: str = "") -> None:
    start = first_starts(session, [account_id]).get(account_id)
    problems = _problems(fields, start, _metrics(session), today)
    if problems:
        raise InvalidInput([FieldProblem(prefix + p.field, p.message) for p in problems])


def counts_of(milestones: Sequence[Milestone], as_of: date) -> Attainment:
    """The attainment of these milestones (one account's) on `as_of`."""
    found = attainment.counts(
        [attainment.MilestoneDates(m.target_on, m.status, m.reached_on) for m in milestones], as_of
    )
    return Attainment(as_of=as_of, due=found.due, reached_on_time=found.on_time, reached_late=found.late,
                      ratio=found.ratio)  # fmt: skip


def attainment_by_account(
    session: Session, account_ids: Collection[int], as_of: date
) -> dict[int, Attainment]:
    """Each of these accounts' attainment on `as_of` (accounts without milestones are left out)."""
    grouped: dict[int, list[Milestone]] = {}
    for m in repository.milestones_of(session, account_ids):
        grouped.setdefault(m.account_id, []).append(m)
    return {a: counts_of(ms, as_of) for a, ms in grouped.items()}


def get_plan(session: Session, viewer: User, account_id: int, today: date) -> SuccessPlanRead:
    """The account's plan (404 outside the viewer's scope): expectations, objectives, milestones."""
    account = accounts_service.get_account(session, viewer, account_id)
    plan = repository.plan_of(session, account_id)
    milestones = repository.milestones_of(session, [account_id])
    return SuccessPlanRead(
        account_id=account_id,
        expectations=account.expectations,
        objectives=plan.objectives if plan else None,
        milestones=[MilestoneRead.model_validate(m) for m in milestones],
        attainment=counts_of(milestones, today),
    )


def put_plan(
    session: Session, viewer: User, account_id: int, data: SuccessPlanUpdate, today: date
) -> SuccessPlanRead:
    """Writes the objectives and the given milestones (each checked; any problem refuses the whole plan)."""
    auth_service.require_editor(viewer)
    accounts_service.get_account(session, viewer, account_id)
    if data.objectives is not None or "objectives" in data.model_fields_set:
        plan = repository.plan_of(session, account_id) or SuccessPlan(account_id=account_id)
        if plan.id is None or plan.objectives != data.objectives:
            plan.objectives, plan.updated_at = data.objectives, utcnow()
            session.add(plan)
            session.flush()
            auth_service.record(session, viewer, "success_plan.update", "success_plans", plan.id,
                                {"objectives": data.objectives})  # fmt: skip
    problems: list[FieldProblem] = []
    mine = {m.id: m for m in repository.milestones_of(session, [account_id])}
    start = first_starts(session, [account_id]).get(account_id)
    metrics = _metrics(session)
    for i, item in enumerate(data.milestones or []):
        if item.id is not None and item.id not in mine:
            problems.append(
                FieldProblem(
                    f"milestones[{i}].id", Text(N_("no milestone %(id)s on this account"), id=item.id)
                )
            )
        for p in _problems(item, start, metrics, today):
            problems.append(FieldProblem(f"milestones[{i}].{p.field}", p.message))
    if problems:
        raise InvalidInput(problems)
    for item in data.milestones or []:
        fields = item.model_dump(include=set(FIELDS))
        if item.id is None:
            _create(session, viewer, account_id, fields)
        else:
            _update(session, viewer, mine[item.id], fields)
    session.flush()
    return get_plan(session, viewer, account_id, today)


def _create(session: Session, viewer: User | None, account_id: int, fields: dict[str, Any]) -> Milestone:
    milestone = Milestone(account_id=account_id, **fields)
    session.add(milestone)
    session.flush()
    auth_service.record(session, viewer, "milestone.create", "milestones", milestone.id,
                        {"account_id": account_id, **fields})  # fmt: skip
    return milestone


def _update(session: Session, viewer: User | None, milestone: Milestone, fields: dict[str, Any]) -> None:
    changes = apply_changes(milestone, fields)
    if changes:
        session.flush()
        auth_service.record(session, viewer, "milestone.update", "milestones", milestone.id, changes)


def list_milestones(
    session: Session, viewer: User, account_id: int | None = None, status: str | None = None
) -> list[Milestone]:
    """The milestones of the accounts the viewer may see (one account's when given: 404 outside scope)."""
    if account_id is not None:
        accounts_service.get_account(session, viewer, account_id)
    scope = auth_service.scope_for(session, viewer)
    return repository.milestones_visible(session, scope.owner_ids, account_id, status)


def get_milestone(session: Session, viewer: User, milestone_id: int) -> Milestone:
    """One milestone of an account the viewer may see; NotFound otherwise."""
    milestone = repository.get(session, milestone_id)
    if milestone is not None:
        try:
            accounts_service.get_account(session, viewer, milestone.account_id)
            return milestone
        except NotFound:
            pass
    raise NotFound(f"milestone {milestone_id} not found")


def create_milestone(
    session: Session, viewer: User, account_id: int, data: MilestoneCreate, today: date
) -> Milestone:
    """Adds a milestone to the account's plan (checked against its contract and the known metrics)."""
    auth_service.require_editor(viewer)
    accounts_service.get_account(session, viewer, account_id)
    _check(session, account_id, data, today)
    fields = data.model_dump(include={*FIELDS, "external_id"})
    return _create(session, viewer, account_id, fields)


def update_milestone(
    session: Session, viewer: User, milestone_id: int, data: MilestoneFields, today: date
) -> Milestone:
    """Replaces a milestone's fields (history in the audit log)."""
    auth_service.require_editor(viewer)
    milestone = get_milestone(session, viewer, milestone_id)
    _check(session, milestone.account_id, data, today)
    _update(session, viewer, milestone, data.model_dump(include=set(FIELDS)))
    return milestone


def history(session: Session, viewer: User, milestone_id: int) -> list[Any]:
    """The audit entries of a milestone, newest first."""
    get_milestone(session, viewer, milestone_id)
    return auth_service.history(session, "milestones", milestone_id)


def upsert_milestones(
    session: Session, rows: Sequence[dict[str, Any]], row_numbers: Sequence[int] | None = None,
    today: date | None = None,
) -> UpsertCounts:  # fmt: skip
    """Validates every milestone of a file, then creates or updates each by external_id (all or nothing)."""
    problems: list[FieldProblem] = []
    clean: list[tuple[int, str | None, dict[str, Any]]] = []
    starts = first_starts(session, {r["account_id"] for r in rows if r.get("account_id")})
    metrics, day = _metrics(session), today or date.today()
    for index, row in enumerate(rows):
        number = row_numbers[index] if row_numbers else index + 1
        fields = {k: v for k, v in row.items() if k not in ("account_id", "external_id")}
        try:
            valid = MilestoneFields.model_validate(fields)
        except ValidationError as exc:
            problems.extend(in_row(number, exc))
            continue
        found = _problems(valid, starts.get(row["account_id"]), metrics, day)
        problems.extend(in_row(number, InvalidInput(found)) if found else [])
        clean.append((row["account_id"], row.get("external_id"), valid.model_dump(include=set(FIELDS))))
    if problems:
        raise InvalidInput(problems)
    stored = repository.by_external_id(session, [e for _, e, _ in clean if e])
    counts = UpsertCounts()
    for account_id, external_id, fields in clean:
        milestone = stored.get(external_id) if external_id else None
        if milestone is None:
            milestone = _create(session, None, account_id, {**fields, "external_id": external_id})
            counts.created += 1
        elif apply_changes(milestone, {**fields, "account_id": account_id}):
            counts.updated += 1
        else:
            counts.unchanged += 1
        counts.ids.append(milestone.id)
    session.flush()
    return counts


def reached_kinds(session: Session, account_ids: Collection[int]) -> list[tuple[int, str, date]]:
    """(account, kind, reached day) of every reached milestone of these accounts (for playbook evidence)."""
    return repository.reached_kinds(session, account_ids)


def milestone_rows(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every milestone's (or these accounts') account, target date, reached date and status, for the
    snapshot's attainment metrics."""
    return repository.milestone_rows(session, account_ids)


def milestones_of(session: Session, account_ids: Collection[int]) -> dict[int, list[Milestone]]:
    """These accounts' milestones by account, each list by target date (for the value reports)."""
    grouped: dict[int, list[Milestone]] = {}
    for m in repository.milestones_of(session, account_ids):
        grouped.setdefault(m.account_id, []).append(m)
    return grouped
