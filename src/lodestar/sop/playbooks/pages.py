"""HTML routes: the playbooks (admins edit them, managers read them) and the YAML editor with Validate and
Save (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.kit.errors import FieldProblem, InvalidInput, PermissionDenied
from lodestar.sop.playbooks import labels, service
from lodestar.sop.playbooks.schemas import SopConfig
from lodestar.web.deps import Db
from lodestar.web.forms import read_form
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)


def _editor(
    request: Request,
    db: Db,
    text: str,
    problems: list[FieldProblem] | None = None,
    checked: SopConfig | None = None,
    status_code: int = 200,
) -> Response:
    """The playbook list and the editor with the YAML, and its problems or a clean check."""
    config, version = service.current_config(db)
    context: dict[str, Any] = {
        "config": config,
        "version": version,
        "versions": service.versions(db),
        "text": text,
        "problems": problems or [],
        "checked": checked,
        "saved": request.query_params.get("saved"),
        "stage_labels": labels.stage_labels(db, request),
        "zh": labels.chinese(request),
    }
    return render(request, "sop/playbooks.html", context, status_code=status_code)


def _require_reader(user: User) -> None:
    """Admins edit the playbooks; managers read them (the SOP their team is measured against)."""
    if user.role not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied("only admins and managers can see the playbooks")


@router.get("/settings/playbooks")
def playbooks(request: Request, user: PageUser, db: Db) -> Response:
    """Every playbook with its trigger, steps and texts in both languages; the YAML editor for admins."""
    _require_reader(user)
    config, _ = service.current_config(db)
    return _editor(request, db, service.sop_yaml(config))


@router.post("/settings/playbooks")
async def playbooks_post(request: Request, user: PageUser, db: Db) -> Response:
    """Validates the proposed playbooks, or saves them as a new version (new occurrences use it)."""
    form = await read_form(request)
    auth_service.require_admin(user)
    text = form.get("sop_yaml", "")
    try:
        proposed = service.parse_sop(db, text)
        if form.get("action") == "save":
            version = service.save_playbooks(db, proposed, user.email)
            return RedirectResponse(f"/settings/playbooks?saved={version or 'unchanged'}", status_code=303)
    except InvalidInput as exc:
        db.rollback()
        return _editor(request, db, text, problems=exc.problems, status_code=422)
    return _editor(request, db, text, checked=proposed)
