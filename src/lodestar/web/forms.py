"""Page form helpers: read a posted form (CSRF checked), validate it, and show problems by field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from pydantic import BaseModel, ValidationError

from lodestar.kit.errors import FieldProblem, InvalidInput, problems_from_pydantic
from lodestar.web.security import check_csrf

M = TypeVar("M", bound=BaseModel)


async def read_form(request: Request) -> dict[str, str]:
    """The posted text fields, after refusing a form without this session's CSRF token."""
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    bad = [FieldProblem(k, "must not contain a NUL character") for k, v in fields.items() if "\x00" in v]
    if bad:  # PostgreSQL cannot store it; refused here for every page form at once
        raise InvalidInput(bad)
    return fields


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Builds the schema from form data, raising InvalidInput that names each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise problems_from_pydantic(list(exc.errors())) from None  # type: ignore[arg-type]


def field_errors(exc: InvalidInput, fields: Iterable[str]) -> dict[str, str]:
    """Problems keyed by the form field they concern; the rest under '' (shown above the form)."""
    known = set(fields)
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name = problem.field.split(".")[0]
        if name not in known:  # a whole-model rule names its field in the message ("end_date must ...")
            name = next((f for f in known if problem.message.startswith(f + " ")), "")
        errors.setdefault(name, problem.message)
    return errors


def blank_to_none(data: dict[str, str], fields: Iterable[str]) -> dict[str, Any]:
    """The given fields of a form, with empty inputs as None (cleared)."""
    return {f: (data.get(f) or None) for f in fields}


def split_list(text: str | None) -> list[str]:
    """A comma- or newline-separated input as a list of trimmed items."""
    if not text:
        return []
    return [item.strip() for item in text.replace("，", ",").replace("\n", ",").split(",") if item.strip()]


def local_path(target: str | None, default: str = "/accounts") -> str:
    """A redirect target only if it stays on this site (a path, not //host or a URL)."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target
