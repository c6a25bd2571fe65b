"""HTML routes: the playbooks (admins) and their YAML editor with Validate and Save."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.config import service as config_service
from lodestar.kit.errors import FieldProblem, InvalidInput
from lodestar.sop import page_support as support
from lodestar.sop import service as sop_service
from lodestar.sop.schemas import SopConfig
from lodestar.web.deps import Db
from lodestar.web.forms import read_form
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
KIND = "sop"


def sop_yaml(config: SopConfig) -> str:
    """The playbooks as the editor shows them (unset optional texts left out, as in the defaults)."""
    body = config.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def parse_sop(session: Session, text: str) -> SopConfig:
    """Proposed playbooks from YAML, checked on their own and against the active stages and metrics."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else KIND
        raise InvalidInput.one(where, f"is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise InvalidInput.one(KIND, "must be a mapping with `assignment` and a list of `playbooks`")
    whole = config_service.document(session).model_dump(mode="json") | {KIND: data}
    parsed = config_service.parse_document(whole).sop
    assert parsed is not None  # the document was given one
    return parsed


def _editor(
    request: Request,
    db: Db,
    text: str,
    problems: list[FieldProblem] | None = None,
    checked: SopConfig | None = None,
    status_code: int = 200,
) -> Response:
    """The playbook list and the editor with the YAML, and its problems or a clean check."""
    config, version = sop_service.current_config(db)
    context: dict[str, Any] = {
        "config": config,
        "version": version,
        "versions": config_service.history(db, KIND)[:10],
        "text": text,
        "problems": problems or [],
        "checked": checked,
        "saved": request.query_params.get("saved"),
        "stage_labels": support.stage_labels(db, request),
        "zh": support.chinese(request),
    }
    return render(request, "sop/playbooks.html", context, status_code=status_code)


@router.get("/settings/playbooks")
def playbooks(request: Request, user: PageUser, db: Db) -> Response:
    """Every playbook with its trigger, steps and texts in both languages, and the YAML editor (admins)."""
    auth_service.require_admin(user)
    config, _ = sop_service.current_config(db)
    return _editor(request, db, sop_yaml(config))


@router.post("/settings/playbooks")
async def playbooks_post(request: Request, user: PageUser, db: Db) -> Response:
    """Validates the proposed playbooks, or saves them as a new version (new occurrences use it)."""
    form = await read_form(request)
    auth_service.require_admin(user)
    text = form.get("sop_yaml", "")
    try:
        proposed = parse_sop(db, text)
        if form.get("action") == "save":
            data = proposed.model_dump(mode="json")
            version = config_service.save(db, KIND, data, user.email)
            return RedirectResponse(f"/settings/playbooks?saved={version or 'unchanged'}", status_code=303)
    except InvalidInput as exc:
        db.rollback()
        return _editor(request, db, text, problems=exc.problems, status_code=422)
    return _editor(request, db, text, checked=proposed)
