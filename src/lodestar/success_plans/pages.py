"""HTML routes: the success-plan editor of an account (objectives and every milestone in one form) and
marking a milestone reached from the account page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.accounts import service as accounts_service
from lodestar.auth.deps import PageUser
from lodestar.kit.errors import InvalidInput
from lodestar.success_plans import labels, service
from lodestar.success_plans.schemas import MilestoneUpdate, SuccessPlanUpdate
from lodestar.web.deps import Db, Today
from lodestar.web.forms import read_form, validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
FIELDS = ("id", "kind", "title", "owner_side", "owner_person", "target_on", "status", "reached_on", "metric",
          "target_value")  # fmt: skip
BLANK_ROWS = 2  # empty rows the editor offers for new milestones
_ROW = re.compile(r"^m-(\d+)-(\w+)$")
_AT = re.compile(r"^milestones[.\[](\d+)\]?\.?(\w*)")


def _rows(form: dict[str, str]) -> list[dict[str, Any]]:
    """The posted milestone rows in order (`m-<i>-<field>`), blank new rows left out, empty cells None."""
    rows: dict[int, dict[str, Any]] = {}
    for name, value in form.items():
        if (m := _ROW.match(name)) and m.group(2) in FIELDS:
            rows.setdefault(int(m.group(1)), {})[m.group(2)] = value or None
    return [r for _, r in sorted(rows.items()) if r.get("id") or r.get("title")]


def _errors(exc: InvalidInput) -> dict[str, str]:
    """Problems keyed `<row>.<field>` (`<row>.` for a whole-row rule) or `objectives`, else ''."""
    out: dict[str, str] = {}
    for p in exc.problems:
        m = _AT.match(p.field)
        key = f"{m.group(1)}.{m.group(2) if m.group(2) in FIELDS else ''}" if m else p.field
        out.setdefault(key if m or key == "objectives" else "", p.message)
    return out


def _editor(request: Request, db: Db, user: Any, account_id: int, rows: list[dict[str, Any]],
            objectives: str | None, errors: dict[str, str], status: int) -> Response:  # fmt: skip
    account = accounts_service.get_account(db, user, account_id)
    context = {
        "account": account,
        "rows": rows + [{} for _ in range(BLANK_ROWS)],
        "objectives": objectives,
        "errors": errors,
        "kinds": labels.KINDS,
        "statuses": labels.STATUSES,
        "sides": labels.SIDES,
    }
    return render(request, "success_plans/edit.html", context, status_code=status)


@router.get("/accounts/{account_id}/success-plan")
def edit_plan(account_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The plan's editor: objectives and each milestone's fields, with empty rows to add new ones."""
    plan = service.get_plan(db, user, account_id, today)
    rows = [m.model_dump(mode="json") for m in plan.milestones]
    return _editor(request, db, user, account_id, rows, plan.objectives, {}, 200)


@router.post("/accounts/{account_id}/success-plan")
async def save_plan(account_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Saves the plan, or shows the editor again naming each bad field (nothing is written)."""
    form = await read_form(request)
    accounts_service.get_account(db, user, account_id)
    rows = _rows(form)
    objectives = form.get("objectives") or None
    try:
        data = validate(SuccessPlanUpdate, {"objectives": objectives, "milestones": rows})
        service.put_plan(db, user, account_id, data, today)
    except InvalidInput as exc:
        db.rollback()
        return _editor(request, db, user, account_id, rows, objectives, _errors(exc), 422)
    return RedirectResponse(f"/accounts/{account_id}#success-plan", status_code=303)


@router.post("/milestones/{milestone_id}/reach")
async def reach(milestone_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Marks the milestone reached today (the account page's button)."""
    await read_form(request)
    milestone = service.get_milestone(db, user, milestone_id)
    fields = {name: getattr(milestone, name) for name in MilestoneUpdate.model_fields}
    data = MilestoneUpdate.model_validate(
        {**fields, "status": "reached", "reached_on": date.isoformat(today)}
    )
    service.update_milestone(db, user, milestone_id, data, today)
    return RedirectResponse(f"/accounts/{milestone.account_id}#success-plan", status_code=303)
