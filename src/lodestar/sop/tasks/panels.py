"""The SOP panels of the account page (open tasks, start a playbook, log a touch, the activity feed) and
their form routes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.engagement import service as engagement_service
from lodestar.engagement.schemas import TouchIn
from lodestar.kit.errors import InvalidInput
from lodestar.kit.time import today_in
from lodestar.sop.playbooks import labels
from lodestar.sop.playbooks import service as playbooks_service
from lodestar.sop.tasks import service as tasks_service
from lodestar.sop.tasks.activity_feed import FeedEntry, account_activity_feed
from lodestar.sop.tasks.schemas import TaskRead
from lodestar.web.deps import Db
from lodestar.web.forms import read_form, validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)

TOUCH_KINDS = ("call", "visit", "meeting", "training", "email", "qbr")
TOUCH_FIELDS = ("kind", "occurred_on", "occurred_time", "subject", "notes", "duration_minutes", "step")
FEED_LENGTH = 60
FLASH = "sop_account_flash"


def _touch_defaults(request: Request) -> dict[str, str]:
    now = datetime.now(request.app.state.settings.zone)
    return {"kind": "call", "occurred_on": now.date().isoformat(), "occurred_time": now.strftime("%H:%M")}


def _touch_steps(tasks: list[TaskRead], zh: bool) -> list[tuple[str, str]]:
    """(step key, title) of the account's open steps a touch can do, for the touch form's step picker."""
    steps = {
        t.step_key: (t.title_zh if zh and t.title_zh else t.title)
        for t in tasks
        if t.evidence_kind == "touch"
    }
    return sorted(steps.items(), key=lambda kv: kv[1])


def account_section(
    request: Request, db: Db, user: User, account: Account, extra_feed: Iterable[FeedEntry] = ()
) -> dict[str, Any]:
    """The account page's SOP context: touch form, manual playbooks, open tasks and the activity feed (with
    the entries of `extra_feed` the page adds from above, such as alerts)."""
    config, _ = playbooks_service.current_config(db)
    tasks, _ = tasks_service.list_tasks(db, user, bucket="open", account_id=account.id, limit=100)
    zh = labels.chinese(request)
    zone = request.app.state.settings.zone
    return {
        "tasks": tasks,
        "activity_feed": account_activity_feed(
            db, user, account.id, FEED_LENGTH, zone=zone, extra=extra_feed
        ),
        "manual_playbooks": [p for p in config.playbooks if p.enabled and p.trigger.kind == "manual"],
        "playbook_labels": labels.playbook_labels(config, request),
        "touch_kinds": TOUCH_KINDS,
        "touch_values": _touch_defaults(request),
        "touch_steps": _touch_steps(tasks, zh),
        "today": today_in(zone),
        "zh": zh,
        "can_act": user.role != Role.VIEWER,
        "flash": request.session.pop(FLASH, None),
    }


def _occurred_at(form: dict[str, str], request: Request) -> datetime:
    """The touch's instant from the form's local date and time."""
    try:
        day = date.fromisoformat(form.get("occurred_on", ""))
    except ValueError:
        raise InvalidInput.one("occurred_on", "must be a date (YYYY-MM-DD)") from None
    try:
        clock = time.fromisoformat(form.get("occurred_time") or "00:00")
    except ValueError:
        raise InvalidInput.one("occurred_time", "must be a time (HH:MM)") from None
    return datetime.combine(day, clock, request.app.state.settings.zone)


def _touch_from(form: dict[str, str], request: Request) -> TouchIn:
    data: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "occurred_at": _occurred_at(form, request),
        "subject": form.get("subject") or None,
        "notes": form.get("notes") or None,
        "duration_minutes": form.get("duration_minutes") or None,
        "step": form.get("step") or None,
    }
    return validate(TouchIn, data)


def _touch_form(
    request: Request,
    db: Db,
    user: User,
    account: Account,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> Response:
    tasks, _ = tasks_service.list_tasks(db, user, bucket="open", account_id=account.id, limit=100)
    context = {
        "account": account,
        "values": values,
        "errors": errors,
        "touch_kinds": TOUCH_KINDS,
        "touch_steps": _touch_steps(tasks, labels.chinese(request)),
    }
    return render(request, "sop/touch_form.html", context, status_code=status_code)


def _touch_errors(exc: InvalidInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name = problem.field.split(".")[-1]
        name = "occurred_on" if name == "occurred_at" else name
        errors.setdefault(name if name in TOUCH_FIELDS else "", problem.message)
    return errors


@router.get("/accounts/{account_id}/touches/new")
def new_touch_form(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """The form to log a call, visit, meeting, training, e-mail or QBR."""
    account = accounts_service.get_account(db, user, account_id)
    return _touch_form(request, db, user, account, _touch_defaults(request), {}, 200)


@router.post("/accounts/{account_id}/touches")
async def log_touch(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Logs a touch (completing the tasks it is evidence for), or shows the form naming each bad field."""
    form = await read_form(request)
    account = accounts_service.get_account(db, user, account_id)
    try:
        touch = engagement_service.log_touch(db, user, account_id, _touch_from(form, request))
    except InvalidInput as exc:
        db.rollback()
        account = accounts_service.get_account(db, user, account_id)
        return _touch_form(request, db, user, account, form, _touch_errors(exc), 422)
    request.session[FLASH] = {"action": "touch", "completed": len(touch.completed_task_ids)}
    return RedirectResponse(f"/accounts/{account_id}#timeline", status_code=303)


@router.post("/accounts/{account_id}/playbooks")
async def start_playbook(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Starts a manual playbook on the account; its tasks appear in the owners' inboxes."""
    form = await read_form(request)
    accounts_service.get_account(db, user, account_id)
    key = form.get("playbook_key", "")
    if not key:
        raise InvalidInput.one("playbook_key", "pick the playbook to start")
    tasks_service.start_playbook(db, user, account_id, key)
    request.session[FLASH] = {"action": "started", "playbook": key}
    return RedirectResponse(f"/accounts/{account_id}#sop", status_code=303)
