"""Jinja2 rendering with the user's language, the CSRF token and shared formatting filters."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lodestar.kit.money import format_money
from lodestar.web.i18n import LANGUAGES, gettext_for, pick_locale, translations
from lodestar.web.local_time import local_time_filter
from lodestar.web.security import csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["money"] = lambda amount, currency="CNY": format_money(Decimal(amount), currency)
TEMPLATES.env.filters["when"] = local_time_filter


def locale_of(request: Request) -> str:
    """The language to answer this request in."""
    user = getattr(request.state, "user", None)
    session = request.scope.get("session") or {}  # an error raised before the session middleware has none
    return pick_locale(
        getattr(user, "locale", None) or session.get("locale"),
        request.headers.get("accept-language"),
        request.app.state.settings.default_locale,
    )


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Renders a page in the user's language."""
    locale = locale_of(request)
    tr = translations(locale)
    ctx = {
        "user": getattr(request.state, "user", None),
        "locale": locale,
        "languages": LANGUAGES,
        "_": gettext_for(locale),
        "ngettext": tr.ngettext,
        "csrf_token": csrf_token(request),
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
