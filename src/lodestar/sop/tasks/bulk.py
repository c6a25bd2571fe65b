"""Acting on many inbox tasks at once: complete, skip or reassign, all or nothing.

Each task goes through the same service call as a single action (row-level visibility, the evidence its step
asks for, one audit entry per task). When any task is refused, the problems name every refused task and the
caller's transaction is rolled back, so nothing of the batch is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from lodestar.sop.tasks import service
from lodestar.sop.tasks.schemas import EvidenceIn

BulkAction = Literal["complete", "skip", "reassign"]
MAX_TASKS = 100
# The evidence a bulk completion can give: a ticked box, or the one note typed for the batch.
BULK_EVIDENCE = {"checkbox", "note"}


def _evidence(kind: str, note: str | None) -> EvidenceIn:
    if kind == "checkbox":
        return EvidenceIn(checkbox=True, note=note or None)
    if kind == "note" and note:
        return EvidenceIn(note=note)
    if kind == "note":
        raise InvalidInput.one("note", "this step needs a note: write one for the batch")
    raise InvalidInput.one("evidence", f"this step needs {kind} evidence: open the task to give it")


def bulk_act(
    session: Session,
    viewer: User,
    action: BulkAction,
    task_ids: Sequence[int],
    *,
    note: str | None = None,
    reason: str | None = None,
    assignee_id: int | None = None,
    data_dir: Path | None = None,
) -> list[int]:
    """Completes, skips or reassigns these tasks; their ids. InvalidInput names each refused task (the caller
    rolls its transaction back, so a refused batch changes nothing)."""
    auth_service.require_editor(viewer)
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        raise InvalidInput.one("task_ids", "pick at least one task")
    if len(ids) > MAX_TASKS:
        raise InvalidInput.one("task_ids", f"at most {MAX_TASKS} tasks at once, not {len(ids)}")
    if action == "skip" and not (reason or "").strip():
        raise InvalidInput.one("reason", "is required: say why the steps are skipped")
    if action == "reassign" and assignee_id is None:
        raise InvalidInput.one("assignee_id", "pick the person to give the tasks to")
    problems: list[FieldProblem] = []
    for index, task_id in enumerate(ids):
        try:
            if action == "complete":
                kind = service.get_task(session, viewer, task_id).evidence_kind
                evidence = _evidence(kind, (note or "").strip())
                service.complete_task(session, viewer, task_id, evidence, data_dir=data_dir)
            elif action == "skip":
                service.skip_task(session, viewer, task_id, reason or "")
            else:
                assert assignee_id is not None
                service.reassign_task(session, viewer, task_id, assignee_id)
        except InvalidInput as exc:
            problems.extend(
                FieldProblem(f"task_ids[{index}]", f"task {task_id}: {p.field}: {p.message}")
                for p in exc.problems
            )
        except (NotFound, Conflict, PermissionDenied) as exc:
            problems.append(FieldProblem(f"task_ids[{index}]", f"task {task_id}: {exc.message}"))
    if problems:
        raise InvalidInput(problems)
    return ids
