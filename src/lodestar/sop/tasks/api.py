"""JSON routes for SOP tasks: the inbox, task actions, and manual playbook starts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from lodestar.auth.deps import ApiUser
from lodestar.sop.tasks import service
from lodestar.sop.tasks.bulk import MAX_TASKS, BulkAction, bulk_act
from lodestar.sop.tasks.models import PlaybookRun
from lodestar.sop.tasks.schemas import (
    EvidenceIn,
    PlaybookStart,
    ReassignIn,
    RunRead,
    SkipIn,
    TaskBucket,
    TaskRead,
    TaskSort,
)
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["sop"])


class TaskPage(BaseModel):
    """One page of tasks and how many match in all."""

    items: list[TaskRead]
    total: int


class EvidenceJson(BaseModel):
    """Evidence sent as JSON: a note, a ticked checkbox or a touch id (files go to /complete-file)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=10_000)
    checkbox: bool | None = None
    touch_id: int | None = None


@router.get("/tasks", response_model=TaskPage, summary="List tasks")
def list_tasks(
    today: Today,
    caller: ApiUser,
    db: Db,
    bucket: TaskBucket = "open",
    assignee_id: int | None = None,
    stage: str | None = None,
    playbook_key: str | None = None,
    account_id: int | None = None,
    sort: TaskSort = "due",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TaskPage:
    """Lists the tasks the caller may see in a bucket (today, overdue, upcoming, later, open, done, skipped,
    expired, all), soonest due first or by account ARR, health (worst first) or risk (most ARR at risk)."""
    items, total = service.list_tasks(
        db, caller, bucket=bucket, assignee_id=assignee_id, stage=stage, playbook_key=playbook_key,
        account_id=account_id, today=today, sort=sort, limit=limit, offset=offset,
    )  # fmt: skip
    return TaskPage(items=items, total=total)


class BulkIn(BaseModel):
    """Many tasks and one action for all of them (with the note, reason or person it needs)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: BulkAction
    task_ids: list[int] = Field(min_length=1, max_length=MAX_TASKS)
    note: str | None = Field(default=None, max_length=10_000)
    reason: str | None = Field(default=None, max_length=2_000)
    assignee_id: int | None = None


class BulkResult(BaseModel):
    """The tasks acted on."""

    action: BulkAction
    task_ids: list[int]


@router.post("/tasks/bulk", response_model=BulkResult, summary="Act on many tasks")
def bulk_tasks(data: BulkIn, request: Request, caller: ApiUser, db: Db) -> BulkResult:
    """Completes (checkbox steps, or note steps with the note given), skips (with the reason) or reassigns
    every listed task, or none: a 422 names each refused task and nothing is changed."""
    ids = bulk_act(
        db, caller, data.action, data.task_ids, note=data.note, reason=data.reason,
        assignee_id=data.assignee_id, data_dir=request.app.state.settings.data_dir,
    )  # fmt: skip
    return BulkResult(action=data.action, task_ids=ids)


@router.get("/tasks/counts", summary="Count my open tasks")
def task_counts(today: Today, caller: ApiUser, db: Db) -> dict[str, int]:
    """How many of the caller's own open tasks are due today, overdue and upcoming (next 7 days)."""
    return service.task_counts(db, caller, today)


@router.get("/tasks/{task_id}", response_model=TaskRead, summary="Get a task")
def get_task(task_id: int, caller: ApiUser, db: Db) -> TaskRead:
    """Shows one task the caller may see."""
    return service.get_task(db, caller, task_id)


@router.post("/tasks/{task_id}/complete", response_model=TaskRead, summary="Complete a task")
def complete_task(task_id: int, data: EvidenceJson, request: Request, caller: ApiUser, db: Db) -> TaskRead:
    """Completes a task with the evidence its step asks for (422 names a missing or wrong-typed field)."""
    evidence = EvidenceIn(**data.model_dump())
    return service.complete_task(db, caller, task_id, evidence, data_dir=request.app.state.settings.data_dir)


@router.post("/tasks/{task_id}/complete-file", response_model=TaskRead, summary="Complete a task with a file")
async def complete_with_file(
    task_id: int,
    request: Request,
    caller: ApiUser,
    db: Db,
    file: Annotated[UploadFile, File(description="The evidence file.")],
    note: Annotated[str | None, Form()] = None,
) -> TaskRead:
    """Completes a file-evidence task with an uploaded file (stored under <data_dir>/evidence/<task id>/)."""
    content = await file.read()
    evidence = EvidenceIn(note=note, file_name=file.filename or "evidence", file_bytes=content)
    return service.complete_task(db, caller, task_id, evidence, data_dir=request.app.state.settings.data_dir)


@router.post("/tasks/{task_id}/skip", response_model=TaskRead, summary="Skip a task")
def skip_task(task_id: int, data: SkipIn, caller: ApiUser, db: Db) -> TaskRead:
    """Skips a task; the reason is required."""
    return service.skip_task(db, caller, task_id, data.reason)


@router.post("/tasks/{task_id}/reassign", response_model=TaskRead, summary="Reassign a task")
def reassign_task(task_id: int, data: ReassignIn, caller: ApiUser, db: Db) -> TaskRead:
    """Gives a task to another active CSM or manager the caller may assign to."""
    return service.reassign_task(db, caller, task_id, data.assignee_id)


@router.post(
    "/accounts/{account_id}/playbooks",
    response_model=RunRead,
    status_code=status.HTTP_201_CREATED,
    summary="Start a playbook",
)
def start_playbook(account_id: int, data: PlaybookStart, today: Today, caller: ApiUser, db: Db) -> Any:
    """Starts a playbook on an account by hand; its steps become tasks."""
    run: PlaybookRun = service.start_playbook(db, caller, account_id, data.playbook_key, data.on or today)
    return run
