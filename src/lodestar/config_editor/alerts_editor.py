"""HTML routes: the alert rules' editor (/settings/alerts): the form and YAML of kind `alerts` with Validate
and Save (admins; managers read), and "Backtest this rule": how the rule as edited, before it is saved, would
have warned over the last 180 days."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.alerts import service as alerts_service
from lodestar.alerts.backtest import RuleFigures
from lodestar.alerts.schemas import AlertRules
from lodestar.analytics import snapshot_store
from lodestar.auth.deps import PageUser
from lodestar.auth.models import User
from lodestar.config import service as config_service
from lodestar.config_editor.pages import (
    as_yaml,
    editor_context,
    kind_of,
    may_save,
    proposed,
    require_reader,
)
from lodestar.config_editor.schema_form import form_schema, form_value, without_nulls
from lodestar.kit.errors import FieldProblem, InvalidInput, PermissionDenied
from lodestar.kit.text import Text
from lodestar.web.deps import Db, Today
from lodestar.web.forms import read_form
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)
KIND = "alerts"
BACKTEST_DAYS = 180  # "would have raised N alerts in the last 180 days"
HORIZON_DAYS = 180  # churn within this many days of a warning counts as warned


def _page(
    request: Request,
    db: Db,
    user: User,
    rules: AlertRules | Any,
    text: str,
    *,
    problems: list[FieldProblem] | None = None,
    checked: bool = False,
    tested: tuple[str, RuleFigures] | None = None,
    status_code: int = 200,
) -> Response:
    """The rules' editor with the last try's problems, a clean check, or one rule's backtest figures."""
    value = form_value(rules) if isinstance(rules, AlertRules) else rules
    context: dict[str, Any] = editor_context(request, db, user, kind_of(KIND), value, text, problems, checked)
    listed = rules.rules if isinstance(rules, AlertRules) else []
    zh = locale_of(request) == "zh_CN"
    chosen = tested[0] if tested else None
    context |= {
        "zh": zh,
        "rule_choices": [(r.key, r.name_zh if zh else r.name) for r in listed],
        "chosen": chosen,
        "tested": tested[1] if tested else None,
        "tested_rule": next((r for r in listed if r.key == chosen), None),
        "backtest_days": BACKTEST_DAYS,
        "horizon_days": HORIZON_DAYS,
    }
    return render(request, "settings/alerts.html", context, status_code=status_code)


@router.get("/settings/alerts")
def alert_rules(request: Request, user: PageUser, db: Db) -> Response:
    """The alert rules as a form and as YAML (admins edit; managers read and backtest)."""
    require_reader(user)
    rules = alerts_service.rules_now(db)
    return _page(request, db, user, rules, as_yaml(rules.model_dump(mode="json")))


@router.post("/settings/alerts")
async def alert_rules_post(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Validates or saves the edited rules (admins), or backtests one of them as edited, saving nothing."""
    form = await read_form(request)
    require_reader(user)
    action = form.get("action", "validate")
    if action != "backtest" and not may_save(user, KIND):
        raise PermissionDenied(Text("only admins can change the alert rules"))
    schema = form_schema(kind_of(KIND).model, lambda text: text)
    data: Any = None
    try:
        data = proposed(kind_of(KIND), form, schema)
        rules = config_service.validated(db, KIND, data)
        assert isinstance(rules, AlertRules)
        if action == "save":
            number = config_service.save(db, KIND, rules.model_dump(mode="json"), user.email)
            return RedirectResponse(f"/settings/alerts?saved={number or 'unchanged'}", status_code=303)
        text = (
            form.get("config_yaml")
            if form.get("source") == "yaml"
            else as_yaml(rules.model_dump(mode="json"))
        )
        if action == "backtest":
            return _backtested(request, db, user, rules, text or "", form.get("backtest_rule", ""), today)
    except InvalidInput as exc:
        db.rollback()
        value = without_nulls(data) if isinstance(data, dict) else {}
        text = form.get("config_yaml") if form.get("source") == "yaml" else as_yaml(data)
        return _page(request, db, user, value, text or "", problems=exc.problems, status_code=422)
    return _page(request, db, user, rules, text or "", checked=True)


def _backtested(
    request: Request, db: Db, user: User, rules: AlertRules, text: str, key: str, today: date
) -> Response:
    """The editor again with how the chosen rule, as edited, would have warned."""
    if not key:
        raise InvalidInput.one("backtest_rule", Text("pick the rule to backtest"))
    root = snapshot_store.root_of(request.app.state.settings)
    figures = alerts_service.backtest_rule(
        db, root, rules, key, today=today, days=BACKTEST_DAYS, horizon=HORIZON_DAYS
    )
    return _page(request, db, user, rules, text, tested=(key, figures))
