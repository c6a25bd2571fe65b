"""What other packages call on SOP: the snapshot job's step, alert and stage triggers, touch evidence,
the demo's bulk work and the e-mail digest. Everything else stays inside sop/."""

from __future__ import annotations

from lodestar.sop.playbooks.triggers import AlertStart, ChurnStart, RequestStart, request_ref
from lodestar.sop.tasks.alert_runs import alert_rules_with_playbooks, start_alert_playbooks
from lodestar.sop.tasks.churn_runs import start_win_back_playbooks
from lodestar.sop.tasks.digest import build_digests, run_digest
from lodestar.sop.tasks.request_runs import start_request_playbooks, task_states
from lodestar.sop.tasks.service import (
    after_snapshot,
    close_many,
    complete_tasks_proved_by,
    expire_left_stages,
    fire_alert,
    fire_stage_entries,
    match_touches,
    open_tasks,
)

__all__ = [
    "AlertStart",
    "ChurnStart",
    "RequestStart",
    "after_snapshot",
    "alert_rules_with_playbooks",
    "build_digests",
    "close_many",
    "complete_tasks_proved_by",
    "expire_left_stages",
    "fire_alert",
    "fire_stage_entries",
    "match_touches",
    "open_tasks",
    "request_ref",
    "run_digest",
    "start_alert_playbooks",
    "start_request_playbooks",
    "start_win_back_playbooks",
    "task_states",
]


# The cockpit's lists (issue 12): tasks due today and overdue work that still matters.
from lodestar.sop.tasks.due_work import DueWork, due_work

__all__ += ["DueWork", "due_work"]
