"""The daily run's part of success plans: the templates' milestones for accounts that entered a stage
(once per entry), and milestones reached by their metric in the run's snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics import snapshot_store as store
from lodestar.auth import service as auth_service
from lodestar.success_plans import repository
from lodestar.success_plans.config_kind import current
from lodestar.success_plans.models import Milestone, MilestoneStatus, TemplateEntry


def _entries(transitions: Sequence[Mapping[str, Any]], first_stage: str) -> list[tuple[int, str, date]]:
    """(account, stage, day) of each stage entry; an account's first snapshot counts only in the first
    stage (an existing customer seen for the first time has not just begun)."""
    out = []
    for move in transitions:
        stage, before = move.get("to_stage"), move.get("from_stage")
        if stage is None or (before is None and stage != first_stage):
            continue
        out.append((int(move["account_id"]), str(stage), move["on"]))
    return out


def apply_templates(session: Session, transitions: Sequence[Mapping[str, Any]], first_stage: str) -> int:
    """Adds each fitting template's milestones to the accounts that entered its stage, once per entry
    (a rerun of the same dates adds nothing); the milestones created. Titles are in the owner's language."""
    config, _ = current(session)
    entries = _entries(transitions, first_stage)
    if not config.templates or not entries:
        return 0
    ids = {a for a, _, _ in entries}
    accounts = {a.id: a for a in accounts_service.accounts_by_ids(session, ids)}
    done = repository.entries_of(session, ids)
    chinese = {u.id for u in auth_service.list_users(session) if u.locale == "zh_CN"}
    created = 0
    for account_id, stage, on in sorted(set(entries)):
        account = accounts.get(account_id)
        if account is None:
            continue
        for template in config.templates:
            if not template.fits(stage, account.tier, account.plan) or (account_id, template.key, on) in done:
                continue
            done.add((account_id, template.key, on))
            session.add(TemplateEntry(account_id=account_id, template_key=template.key, entered_on=on))
            for item in template.milestones:
                session.add(
                    Milestone(
                        account_id=account_id,
                        kind=item.kind,
                        title=item.title_zh if account.owner_id in chinese else item.title,
                        owner_side=item.owner_side,
                        target_on=on + timedelta(days=item.due_days),
                        status=MilestoneStatus.PLANNED.value,
                        metric=item.metric,
                        target_value=item.target_value,
                        template_key=template.key,
                    )
                )
                created += 1
    session.flush()
    return created


def complete_from_metrics(session: Session, snapshot_root: Path, days: Sequence[date]) -> int:
    """Marks reached each open milestone whose metric is at or above its target in one of these days'
    snapshots (the first such day is its reached date; a day after the target makes it reached late)."""
    waiting = repository.open_with_metric(session)
    reached = 0
    for day in sorted(days):
        if not waiting:
            break
        names = {m.metric for m in waiting if m.metric} & set(store.column_names(snapshot_root, day))
        table = store.read(snapshot_root, day, ["account_id", *sorted(names)]) if names else None
        if table is None:
            continue
        ids = table.column("account_id").to_pylist()
        values = {n: dict(zip(ids, table.column(n).to_pylist(), strict=True)) for n in names}
        still = []
        for m in waiting:
            value = values.get(m.metric or "", {}).get(m.account_id)
            if value is None or m.target_value is None or value < m.target_value:
                still.append(m)
                continue
            m.status, m.reached_on = MilestoneStatus.REACHED.value, day
            change = {"status": m.status, "reached_on": day, "metric": m.metric, "value": value}
            auth_service.record(session, None, "milestone.reached", "milestones", m.id, change)
            reached += 1
        waiting = still
    session.flush()
    return reached


def after_snapshot(
    session: Session,
    snapshot_root: Path,
    days: Sequence[date],
    transitions: Sequence[Mapping[str, Any]],
    first_stage: str,
) -> dict[str, int]:
    """The snapshot job's success-plan step: templates for stage entries, then metric completions."""
    created = apply_templates(session, transitions, first_stage)
    return {
        "milestones_created": created,
        "milestones_reached": complete_from_metrics(session, snapshot_root, days),
    }
