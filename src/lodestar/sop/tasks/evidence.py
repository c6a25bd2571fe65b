"""Evidence rules: what a person must give to complete a task, and what completes a task by itself."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store as store
from lodestar.engagement import service as engagement_service
from lodestar.engagement.models import Touch
from lodestar.kit.errors import FieldProblem, InvalidInput
from lodestar.kit.time import utcnow
from lodestar.referrals import service as referrals_service
from lodestar.sop.tasks import report_evidence, repository
from lodestar.sop.tasks.models import Task, TaskStatus
from lodestar.success_plans import service as success_plans_service

FIELDS = ("note", "checkbox", "file_name", "touch_id")
MAX_FILE_BYTES = 20 * 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def counts_from(task: Task) -> date:
    """The first day whose work counts as evidence for this task (frozen on the task when it was made)."""
    return date.fromisoformat(task.evidence_rule["counts_from"])


def rule_keywords(rule: dict[str, Any]) -> dict[str, list[str]]:
    """A touch rule's subject keywords by language (a task made before keywords existed carries the older
    `subject_contains`, an English text)."""
    if rule.get("keywords"):
        return dict(rule["keywords"])
    if rule.get("subject_contains"):
        return {"en": [rule["subject_contains"]]}
    return {}


def subject_fits(rule: dict[str, Any], step_key: str, subject: str | None, touch_step: str | None) -> bool:
    """Whether a touch speaks for a step: it names the step, or (naming none) its subject holds one of the
    step's keywords in any language (no keywords: any subject). A touch naming another step does not."""
    if touch_step:
        return touch_step == step_key
    words = [w.casefold() for group in rule_keywords(rule).values() for w in group]
    text = (subject or "").casefold()
    return not words or any(w in text for w in words)


def touch_fits(task: Task, touch: Touch, zone: ZoneInfo) -> str | None:
    """Why this touch is not evidence for the task, or None when it is."""
    rule = task.evidence_rule
    kinds = rule.get("touch_kinds", [])
    if touch.kind not in kinds:
        return f"is a {touch.kind} touch; this step needs one of: {', '.join(kinds)}"
    if touch.step and touch.step != task.step_key:
        return f"was logged for the step {touch.step!r}, not {task.step_key!r}"
    if not subject_fits(rule, task.step_key, touch.subject, touch.step):
        words = ", ".join(repr(w) for group in rule_keywords(rule).values() for w in group)
        return f"has a subject with none of the keywords {words}"
    if touch_day(touch.occurred_at, zone) < counts_from(task):
        return f"happened before {counts_from(task)}, when work for this step starts to count"
    return None


def touch_day(at: datetime, zone: ZoneInfo) -> date:
    """The company-time day of an instant."""
    return at.astimezone(zone).date()


def check_given(task: Task, given: dict[str, Any], has_bytes: bool) -> None:
    """Refuses evidence of the wrong type for the task's step, naming the field and the reason."""
    kind = task.evidence_kind
    problems: list[FieldProblem] = []
    if kind == "referral":
        raise InvalidInput.one(
            "evidence", "this step is completed by the daily snapshot when a referral is recorded"
        )
    if kind == "milestone":
        raise InvalidInput.one(
            "evidence", "this step is completed by the daily snapshot when a milestone of the plan is reached"
        )
    if kind == "value_report":
        raise InvalidInput.one(
            "evidence",
            "this step is completed by the daily snapshot when a value report of the account is published",
        )
    if kind == "metric":
        rule = task.evidence_rule
        bound = f">= {rule['at_least']:g}" if "at_least" in rule else f"<= {rule['at_most']:g}"
        raise InvalidInput.one(
            "evidence", f"this step is completed by the daily snapshot when {rule['metric']} is {bound}"
        )
    needs = {"note": "note", "checkbox": "checkbox", "file": "file_name", "touch": "touch_id"}[kind]
    for name in FIELDS:
        if name != needs and name != "note" and given.get(name) is not None:
            problems.append(FieldProblem(f"evidence.{name}", f"this step needs {_what(kind)}, not a {name}"))
    if kind == "note" and not (given.get("note") or "").strip():
        problems.append(FieldProblem("evidence.note", "is required: this step needs a non-empty note"))
    if kind == "checkbox" and given.get("checkbox") is not True:
        problems.append(FieldProblem("evidence.checkbox", "must be ticked (true) to complete this step"))
    if kind == "file" and (not given.get("file_name") or not has_bytes):
        problems.append(FieldProblem("evidence.file_name", "is required: this step needs an uploaded file"))
    if kind == "touch" and given.get("touch_id") is None:
        problems.append(
            FieldProblem(
                "evidence.touch_id", f"is required: this step needs {_what(kind, task)}; log the touch"
            )
        )
    if problems:
        raise InvalidInput(problems)


def _what(kind: str, task: Task | None = None) -> str:
    if kind == "touch" and task is not None:
        return "a " + "/".join(task.evidence_rule.get("touch_kinds", [])) + " touch"
    return {"note": "a note", "checkbox": "a ticked checkbox", "file": "a file", "touch": "a touch"}[kind]


def store_file(data_dir: Path, task_id: int, name: str, content: bytes) -> dict[str, Any]:
    """Saves an evidence file under <data_dir>/evidence/<task id>/ and describes it."""
    if not content:
        raise InvalidInput.one("evidence.file_name", "the file is empty")
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput.one("evidence.file_name", f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    safe = _SAFE.sub("_", Path(name).name).strip("._") or "evidence"
    folder = data_dir / "evidence" / str(task_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / safe).write_bytes(content)
    return {"file": safe, "size": len(content), "path": f"evidence/{task_id}/{safe}"}


def match_touches(
    session: Session, zone: ZoneInfo, today: date, account_ids: Collection[int] | None = None
) -> int:
    """Completes open touch-evidence tasks with the earliest fitting touch not used by the same step (a
    touch dated after today proves nothing yet: no step is done on a day that has not come)."""
    tasks = [t for t, _ in repository.open_tasks_of_kind(session, "touch", account_ids)]
    if not tasks:
        return 0
    accounts = {t.account_id for t in tasks}
    kinds = {k for t in tasks for k in t.evidence_rule.get("touch_kinds", [])}
    # A day of margin before UTC midnight: the exact company-time day is checked per task below.
    since = datetime.combine(min(counts_from(t) for t in tasks), time(), UTC) - timedelta(days=1)
    by_account: dict[int, list[tuple[date, Any]]] = {}
    for touch in engagement_service.touches_since(session, accounts, kinds, since):
        by_account.setdefault(touch.account_id, []).append((touch_day(touch.occurred_at, zone), touch))
    used = repository.used_touches(session, accounts)
    steps = repository.run_steps(session, {t.run_id for t in tasks})
    now, done, closed = utcnow(), [], []
    for task in sorted(tasks, key=lambda t: (counts_from(t), t.due_on, t.position, t.id)):
        rule = task.evidence_rule
        start = _start(task, steps)
        if start is None:
            continue  # a step it follows is still open
        for day, touch in by_account.get(task.account_id, []):
            if (
                day < start
                or day > today
                or touch.kind not in rule.get("touch_kinds", [])
                or not subject_fits(rule, task.step_key, touch.subject, touch.step)
                or ("step", task.playbook_key, task.step_key, touch.id) in used
                or ("run", task.run_id, touch.id) in used
            ):
                continue
            used |= {("step", task.playbook_key, task.step_key, touch.id), ("run", task.run_id, touch.id)}
            steps[(task.run_id, task.step_key)] = (TaskStatus.DONE.value, day)
            done.append(
                {
                    "id": task.id,
                    "status": TaskStatus.DONE.value,
                    "done_on": day,
                    "completed_at": now,
                    "completed_by": touch.user_id,
                    "touch_id": touch.id,
                    "evidence": {"touch_id": touch.id, "kind": touch.kind, "subject": touch.subject},
                }
            )
            closed.append(task)
            break
    _close(session, done, closed)
    return len(done)


def _start(task: Task, steps: dict[tuple[int, str], tuple[str, date | None]]) -> date | None:
    """The first day a touch counts for the task: its window's start, and not before the steps it follows
    were done; None while one of those is still open."""
    start = counts_from(task)
    for key in task.evidence_rule.get("after", []):
        status, done_on = steps.get((task.run_id, key), (TaskStatus.SKIPPED.value, None))
        if status == TaskStatus.OPEN.value:
            return None
        if done_on is not None:
            start = max(start, done_on)
    return start


def check_metrics(session: Session, snapshot_root: Path, days: Collection[date]) -> int:
    """Completes open metric-evidence tasks whose metric reached its bound in a snapshot of these days.

    Days are checked in order, so a task is done on the first of them that shows the value reached.
    """
    waiting = [t for t, _ in repository.open_tasks_of_kind(session, "metric")]
    now, done, closed = utcnow(), [], []
    for as_of in sorted(days):
        due = [t for t in waiting if counts_from(t) <= as_of]
        values = _metric_values(snapshot_root, as_of, {t.evidence_rule["metric"] for t in due}) if due else {}
        for task in due:
            rule = task.evidence_rule
            value = values.get(rule["metric"], {}).get(task.account_id)
            if value is None or not (
                value >= rule["at_least"] if "at_least" in rule else value <= rule["at_most"]
            ):
                continue
            evidence = {"metric": rule["metric"], "value": value, "as_of": as_of.isoformat()}
            done.append(
                {
                    "id": task.id,
                    "status": TaskStatus.DONE.value,
                    "done_on": as_of,
                    "completed_at": now,
                    "evidence": evidence,
                }
            )
            closed.append(task)
        waiting = [t for t in waiting if t not in closed]
    _close(session, done, closed)
    return len(done)


def snapshot_evidence(session: Session, snapshot_root: Path, days: Collection[date]) -> dict[str, int]:
    """Completes what the snapshot run shows: metric evidence, then milestone evidence; how many of each."""
    metric = check_metrics(session, snapshot_root, days)
    return {"metric_completed": metric, "milestone_completed": check_milestones(session),
            "referral_completed": check_referrals(session),
            "value_report_completed": report_evidence.check_value_reports(session)}  # fmt: skip


def check_referrals(session: Session) -> int:
    """Completes open referral-evidence tasks ("referral recorded": a growth-stage step asking for one) whose
    account referred a lead on or after the day the task's work starts to count; done on that day."""
    waiting = [t for t, _ in repository.open_tasks_of_kind(session, "referral")]
    if not waiting:
        return 0
    referred: dict[int, list[date]] = {}
    for row in referrals_service.referral_rows(session, {t.account_id for t in waiting}):
        referred.setdefault(row["account_id"], []).append(row["referred_on"])
    now, done, closed = utcnow(), [], []
    for task in waiting:
        days = sorted(d for d in referred.get(task.account_id, []) if d >= counts_from(task))
        if days:
            evidence = {"referred_on": days[0].isoformat()}
            done.append({"id": task.id, "status": TaskStatus.DONE.value, "done_on": days[0],
                         "completed_at": now, "evidence": evidence})  # fmt: skip
            closed.append(task)
    _close(session, done, closed)
    return len(done)


def check_milestones(session: Session) -> int:
    """Completes open milestone-evidence tasks whose account reached a milestone (of the rule's kind, when
    it names one) on or after the day the task's work starts to count; done on the first such day."""
    waiting = [t for t, _ in repository.open_tasks_of_kind(session, "milestone")]
    if not waiting:
        return 0
    reached: dict[int, list[tuple[date, str]]] = {}
    for account_id, kind, day in success_plans_service.reached_kinds(
        session, {t.account_id for t in waiting}
    ):
        reached.setdefault(account_id, []).append((day, kind))
    now, done, closed = utcnow(), [], []
    for task in waiting:
        wanted = task.evidence_rule.get("milestone_kind")
        fits = sorted(
            (day, kind)
            for day, kind in reached.get(task.account_id, [])
            if day >= counts_from(task) and (wanted is None or kind == wanted)
        )
        if not fits:
            continue
        day, kind = fits[0]
        evidence = {"milestone_kind": kind, "reached_on": day.isoformat()}
        done.append({"id": task.id, "status": TaskStatus.DONE.value, "done_on": day, "completed_at": now,
                     "evidence": evidence})  # fmt: skip
        closed.append(task)
    _close(session, done, closed)
    return len(done)


def _metric_values(root: Path, as_of: date, names: set[str]) -> dict[str, dict[int, float]]:
    """Each named metric by account in the snapshot of as_of (missing metrics and dates give nothing)."""
    present = sorted(names & set(store.column_names(root, as_of)))
    table = store.read(root, as_of, ["account_id", *present])
    if table is None:
        return {}
    ids = table.column("account_id").to_pylist()
    return {n: dict(zip(ids, table.column(n).to_pylist(), strict=True)) for n in present}


def _close(session: Session, values: list[dict[str, Any]], tasks: list[Task]) -> None:
    """Writes the completions in bulk, then lets the loaded tasks reload their new state."""
    session.flush()
    repository.close_tasks(session, values)
    for task in tasks:
        session.expire(task)
