"""HTML routes: the task inbox with its bulk actions, a task's page and its actions (complete, skip,
reassign), the nav badge."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, cast, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.kit.errors import FieldProblem, InvalidInput
from lodestar.sop.playbooks import labels
from lodestar.sop.playbooks import service as playbooks_service
from lodestar.sop.tasks import service as tasks_service
from lodestar.sop.tasks.bulk import BulkAction, bulk_act
from lodestar.sop.tasks.people import display_names
from lodestar.sop.tasks.schemas import EvidenceIn, TaskBucket, TaskRead, TaskSort
from lodestar.sop.tasks.task_cards import assignable_users, metric_states, queue_owners, touch_choices
from lodestar.web.deps import Db, Today
from lodestar.web.forms import field_errors, local_path, read_form, validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)

# Every open task is in exactly one tab, so the tab counts add up to the open tasks.
TABS: tuple[TaskBucket, ...] = ("overdue", "today", "upcoming", "later")
SORTS: tuple[TaskSort, ...] = get_args(TaskSort)
PAGE_SIZE = 25
MAX_FILE_BYTES = 20 * 1024 * 1024
FLASH = "sop_flash"
# Form fields a problem can point at; anything else is shown above the form.
FORM_FIELDS = ("note", "checkbox", "file", "touch_id", "reason", "assignee_id")


class InboxFilter(BaseModel):
    """The inbox's tab, filters and page, from the query string."""

    model_config = ConfigDict(extra="ignore")

    tab: Literal["today", "overdue", "upcoming", "later"] = "today"
    sort: TaskSort = "due"
    stage: str | None = None
    playbook: str | None = None
    assignee: int | None = None
    page: int = Field(1, ge=1)


def _filter_from(request: Request) -> InboxFilter:
    params = {k: v for k, v in request.query_params.items() if v.strip()}
    return validate(InboxFilter, params)


def _assignee_of(user: User, flt: InboxFilter) -> int | None:
    """A CSM's inbox is their own queue; managers and admins may pick a person or see everyone's."""
    return user.id if user.role == Role.CSM else flt.assignee


def _href(flt: InboxFilter, **changes: Any) -> str:
    values = {**flt.model_dump(), **changes}
    defaults = {"page": 1, "sort": "due"}
    query = {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}
    return "/tasks?" + urlencode(query)


def _labelled(db: Db, users: list[User]) -> list[tuple[int, str]]:
    """(id, name) of these users, with the e-mail beside a name another user shares."""
    names = display_names(auth_service.list_users(db))
    return [(u.id, names.get(u.id, u.name)) for u in users]


def _task_context(request: Request, db: Db, user: User, tasks: list[TaskRead], today: date) -> dict[str, Any]:
    """What the task cards need: labels, people to reassign to, touches to pick, live metric values."""
    config, _ = playbooks_service.current_config(db)
    return {
        "today": today,
        "zh": labels.chinese(request),
        "stage_labels": labels.stage_labels(db, request),
        "playbook_labels": labels.playbook_labels(config, request),
        "assignees": _labelled(db, assignable_users(db, user)),
        "touch_choices": touch_choices(db, tasks, request.app.state.settings.zone),
        "metric_states": metric_states(request, tasks),
        "can_act": user.role != Role.VIEWER,
    }


@router.get("/tasks")
def inbox(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The viewer's open tasks: due today, overdue and upcoming tabs with counts, filters and pages."""
    flt = _filter_from(request)
    filters: dict[str, Any] = {
        "assignee_id": _assignee_of(user, flt),
        "stage": flt.stage,
        "playbook_key": flt.playbook,
        "today": today,
    }
    counts = tasks_service.open_counts(db, user, **filters)
    offset = (flt.page - 1) * PAGE_SIZE
    tasks, total = tasks_service.list_tasks(
        db, user, bucket=flt.tab, sort=flt.sort, limit=PAGE_SIZE, offset=offset, **filters
    )
    config, _ = playbooks_service.current_config(db)
    context = {
        **_task_context(request, db, user, tasks, today),
        "flt": flt,
        "tabs": TABS,
        "sorts": SORTS,
        "counts": counts,
        "open_total": sum(counts.values()),
        "tasks": tasks,
        "total": total,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "href": lambda **kw: _href(flt, **kw),
        "playbooks": [p for p in config.playbooks],
        "owners": _labelled(db, queue_owners(db, user)),
        "flash": request.session.pop(FLASH, None),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return render(request, "sop/inbox.html", context)


@router.post("/tasks/bulk")
async def bulk(request: Request, user: PageUser, db: Db) -> Response:
    """Completes, skips or reassigns the ticked tasks, all or none; back to the inbox saying which."""
    form = await read_form(request)
    ids = [int(v) for v in (await request.form()).getlist("task_id") if isinstance(v, str) and v.isdigit()]
    action = form.get("action", "")
    assignee = form.get("assignee_id", "")
    try:
        if action not in get_args(BulkAction):
            raise InvalidInput.one("action", "pick complete, skip or reassign")
        done = bulk_act(
            db,
            user,
            cast(BulkAction, action),
            ids,
            note=form.get("note"),
            reason=form.get("reason"),
            assignee_id=int(assignee) if assignee.isdigit() else None,
            data_dir=request.app.state.settings.data_dir,
        )
    except InvalidInput as exc:
        db.rollback()  # a refused batch changes nothing
        request.session[FLASH] = {"action": "bulk_refused", "problems": [p.message for p in exc.problems]}
    else:
        request.session[FLASH] = {"action": f"bulk_{action}", "count": len(done)}
    return RedirectResponse(local_path(form.get("next"), "/tasks"), status_code=303)


@router.get("/tasks/badge")
def nav_badge(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The navigation badge: the viewer's open tasks due today or overdue (loaded by HTMX)."""
    counts = tasks_service.task_counts(db, user, today)
    return render(request, "sop/_badge.html", {"counts": counts})


def _task_page(
    request: Request,
    db: Db,
    user: User,
    task: TaskRead,
    today: date,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        **_task_context(request, db, user, [task], today),
        "task": task,
        "errors": errors or {},
        "values": values or {},
        "next": local_path((values or {}).get("next"), "/tasks"),
    }
    return render(request, "sop/task.html", context, status_code=status_code)


@router.get("/tasks/{task_id}")
def task_page(task_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """One task with its how-to, evidence and actions (404 unless the viewer may see it)."""
    return _task_page(request, db, user, tasks_service.get_task(db, user, task_id), today)


async def _evidence_from(request: Request, form: dict[str, str]) -> EvidenceIn:
    """The evidence posted with a completion: a note, the checkbox, an uploaded file or a picked touch."""
    upload = (await request.form()).get("file")
    data: dict[str, Any] = {}
    if form.get("note"):
        data["note"] = form["note"]
    if form.get("checkbox"):
        data["checkbox"] = form["checkbox"] in ("on", "true", "1")
    if form.get("touch_id"):
        data["touch_id"] = form["touch_id"]
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise InvalidInput.one("file", f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data.update(file_name=upload.filename, file_bytes=content)
    return validate(EvidenceIn, data)


def _form_errors(exc: InvalidInput) -> dict[str, str]:
    """Problems keyed by the form field named last in their path (evidence.note -> note); others under ''."""

    def field(path: str) -> str:
        name = path.replace("[", ".").split(".")[-1]
        name = "file" if name in ("file_name", "file_bytes") else name
        return name if name in FORM_FIELDS else ""

    return field_errors(
        InvalidInput([FieldProblem(field(p.field), p.message) for p in exc.problems]), FORM_FIELDS
    )


def _done(request: Request, form: dict[str, str], action: str, task: TaskRead) -> Response:
    """Back to where the action came from, with a note of what was done."""
    request.session[FLASH] = {"action": action, "task_id": task.id, "title": task.title}
    return RedirectResponse(local_path(form.get("next"), "/tasks"), status_code=303)


def _refused(
    request: Request, db: Db, user: User, task_id: int, exc: InvalidInput, form: dict[str, str], today: date
) -> Response:
    """The task page again with each problem by its field; nothing was changed."""
    db.rollback()
    task = tasks_service.get_task(db, user, task_id)
    return _task_page(request, db, user, task, today, _form_errors(exc), form, 422)


@router.post("/tasks/{task_id}/complete")
async def complete(task_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Completes a task with evidence, or shows the task again naming the missing or wrong evidence."""
    form = await read_form(request)
    try:
        evidence = await _evidence_from(request, form)
        task = tasks_service.complete_task(
            db, user, task_id, evidence, data_dir=request.app.state.settings.data_dir
        )
    except InvalidInput as exc:
        return _refused(request, db, user, task_id, exc, form, today)
    return _done(request, form, "done", task)


@router.post("/tasks/{task_id}/skip")
async def skip(task_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Skips a task with a reason; without one, shows the task again with the reason asked for."""
    form = await read_form(request)
    try:
        if not form.get("reason"):
            tasks_service.get_task(db, user, task_id)  # a task the viewer may not see stays a 404
            raise InvalidInput.one("reason", "is required: say why the step is skipped")
        task = tasks_service.skip_task(db, user, task_id, form["reason"])
    except InvalidInput as exc:
        return _refused(request, db, user, task_id, exc, form, today)
    return _done(request, form, "skipped", task)


@router.post("/tasks/{task_id}/reassign")
async def reassign(task_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Gives a task to someone the viewer may assign to."""
    form = await read_form(request)
    try:
        if not form.get("assignee_id", "").isdigit():
            tasks_service.get_task(db, user, task_id)
            raise InvalidInput.one("assignee_id", "pick the person to give the task to")
        task = tasks_service.reassign_task(db, user, task_id, int(form["assignee_id"]))
    except InvalidInput as exc:
        return _refused(request, db, user, task_id, exc, form, today)
    return _done(request, form, "reassigned", task)
