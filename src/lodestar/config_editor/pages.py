"""HTML routes: every configuration kind as a form, with its YAML beside it (both round-trip).

Admins and managers read every kind (a manager reads the playbooks the team is measured against); admins
save, and managers also save the health model, as on its own editor. Both views post to the same route and
go through the same validation as `lodestar config apply`: the form is only another way to write the YAML.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from lodestar import configuration
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigKind, kind_named
from lodestar.config_editor.labels import EDITOR_TEXTS, KIND_LABELS, OPT_IN
from lodestar.config_editor.schema_form import (
    form_schema,
    form_value,
    made_whole,
    titled,
    titles,
    without_nulls,
)
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from lodestar.web.deps import Db
from lodestar.web.forms import read_form
from lodestar.web.i18n import translations
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)
MANAGERS_SAVE = frozenset({"health"})  # the kinds a manager may change, as on their own editors


def kind_of(name: str) -> ConfigKind:
    """The registered configuration kind of this name; NotFound otherwise."""
    kind = kind_named(name)
    if kind is None or kind not in configuration.KINDS:
        raise NotFound(f"no configuration kind {name!r}")
    return kind


def require_reader(user: User) -> None:
    """Refuses anyone but admins and managers."""
    if user.role not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied("only admins and managers can read the configuration")


def may_save(user: User, kind: str) -> bool:
    """Admins save every kind; managers the kinds their own editors let them change."""
    return user.role == Role.ADMIN or (user.role == Role.MANAGER and kind in MANAGERS_SAVE)


def as_yaml(data: Any) -> str:
    """A configuration as the YAML view shows it."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def editor_context(
    request: Request,
    db: Db,
    user: User,
    kind: ConfigKind,
    value: Any,
    text: str,
    problems: list[FieldProblem] | None = None,
    checked: bool = False,
) -> dict[str, Any]:
    """What a kind's editor shows: the form and the YAML, the versions, the problems of the last try or a
    clean check."""
    translate = translations(locale_of(request)).gettext
    _, version = config_service.current(db, kind.name, kind.model)
    schema = titled(form_schema(kind.model, translate), translate(KIND_LABELS.get(kind.name, kind.name)))
    return {
        "kind": kind.name,
        "kind_label": translate(KIND_LABELS.get(kind.name, kind.name)),
        "kinds": [(k.name, translate(KIND_LABELS.get(k.name, k.name))) for k in configuration.KINDS],
        "form_data": {
            "schema": schema,
            "titles": titles(schema),
            "opt_in": translate(OPT_IN),
            "value": value,
            "texts": {key: translate(text) for key, text in EDITOR_TEXTS.items()},
            "readonly": not may_save(user, kind.name),
        },
        "text": text,
        "version": version,
        "versions": config_service.history(db, kind.name)[:10],
        "may_save": may_save(user, kind.name),
        "problems": problems or [],
        "checked": checked,
        "saved": request.query_params.get("saved"),
    }


def _page(
    request: Request,
    db: Db,
    user: User,
    kind: ConfigKind,
    value: Any,
    text: str,
    problems: list[FieldProblem] | None = None,
    checked: bool = False,
    status_code: int = 200,
) -> Response:
    """The form and the YAML of one kind, with the problems of the last try or a clean check."""
    context = editor_context(request, db, user, kind, value, text, problems, checked)
    return render(request, "settings/config.html", context, status_code=status_code)


@router.get("/settings/config")
def config_index(user: PageUser) -> Response:
    """The configuration editors start with the first kind."""
    require_reader(user)
    return RedirectResponse(f"/settings/config/{configuration.KINDS[0].name}", status_code=303)


@router.get("/settings/config/{kind}")
def config_editor(request: Request, kind: str, user: PageUser, db: Db) -> Response:
    """One configuration kind as a form and as YAML (admins and managers)."""
    require_reader(user)
    found = kind_of(kind)
    body, _ = config_service.current(db, found.name, found.model)
    return _page(request, db, user, found, form_value(body), as_yaml(body.model_dump(mode="json")))


def proposed(kind: ConfigKind, form: dict[str, str], schema: dict[str, Any]) -> Any:
    """The posted body, from the form's JSON or from the YAML, whichever view was sent."""
    if form.get("source") == "yaml":
        return config_service.load_yaml(form.get("config_yaml", ""), kind.name)
    try:
        data = json.loads(form.get("config_json", ""))
    except ValueError:
        raise InvalidInput.one("config_json", "is not valid JSON") from None
    return made_whole(schema, data)


@router.post("/settings/config/{kind}")
async def config_editor_post(request: Request, kind: str, user: PageUser, db: Db) -> Response:
    """Validates the proposed configuration, or saves it as a new version (unchanged: no new version)."""
    form = await read_form(request)
    require_reader(user)
    return _answer(request, db, user, kind_of(kind), form)


def _answer(request: Request, db: Db, user: User, kind: ConfigKind, form: dict[str, str]) -> Response:
    """Checks, then saves or shows the proposed configuration of one kind."""
    if not may_save(user, kind.name):
        raise PermissionDenied(f"only admins can change the {kind.name} configuration")
    schema = form_schema(kind.model, lambda text: text)
    data: Any = None
    try:
        data = proposed(kind, form, schema)
        body: BaseModel = config_service.validated(db, kind.name, data)
        if form.get("action") == "save":
            number = config_service.save(db, kind.name, body.model_dump(mode="json"), user.email)
            return RedirectResponse(f"/settings/config/{kind.name}?saved={number or 'unchanged'}", 303)
    except InvalidInput as exc:
        db.rollback()
        value = without_nulls(data) if isinstance(data, dict) else {}
        text = form.get("config_yaml") if form.get("source") == "yaml" else as_yaml(data)
        return _page(request, db, user, kind, value, text or "", exc.problems, status_code=422)
    dumped = body.model_dump(mode="json")
    return _page(request, db, user, kind, form_value(body), as_yaml(dumped), checked=True)
