"""HTML route: the portfolio of accounts (search, filters, sortable columns, pages)."""

from __future__ import annotations

from typing import Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import AccountFilter, SortKey
from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.portfolio.summary import summarise
from lodestar.web.deps import Db
from lodestar.web.forms import validate
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)

# The columns whose headers sort the table: every sort key but those the table does not show.
SORTABLE = tuple(k for k in get_args(SortKey) if k not in ("updated_at", "health_trend_7d", "risk"))
# The quick sorts above the table, each in the direction people want first: biggest ARR, lowest health,
# highest risk, soonest renewal.
QUICK_SORTS = (
    ("arr", True),
    ("health_score", False),
    ("risk", True),
    ("churn_likelihood", True),
    ("renewal_date", False),
)
CHURN_STEPS = (10, 25, 50, 75)  # the churn-likelihood filter's choices, in percent


def _stage_options(db: Db, request: Request) -> list[tuple[str, str]]:
    """The lifecycle stages as (key, label in the viewer's language) for the stage filter."""
    return lifecycle_kind.stage_labels(db, locale_of(request) == "zh_CN")


def _filter_from(request: Request) -> AccountFilter:
    params = {k: v for k, v in request.query_params.items() if v.strip() and k in AccountFilter.model_fields}
    return validate(AccountFilter, params)


def _href(flt: AccountFilter, **changes: Any) -> str:
    """The portfolio URL for this filter with some parts changed (defaults left out)."""
    values = {**flt.model_dump(), **changes}
    defaults = AccountFilter().model_dump()
    query = {
        k: ("1" if v is True else "0" if v is False else v)
        for k, v in values.items()
        if v not in (None, "") and v != defaults[k]
    }
    return "/accounts" + ("?" + urlencode(query) if query else "")


@router.get("/accounts")
def portfolio(request: Request, user: PageUser, db: Db) -> Response:
    """The viewer's accounts: search, filters, sortable columns and pages (HTMX swaps just the table)."""
    flt = _filter_from(request)
    found = accounts_service.list_accounts(db, user, flt)
    users = auth_service.visible_owners(db, user)
    stages = _stage_options(db, request)
    groups = accounts_service.portfolio_summary(db, user, flt)
    context: dict[str, Any] = {
        "summary": summarise(groups, [key for key, _ in stages]),
        "quick_sorts": QUICK_SORTS,
        "churn_steps": CHURN_STEPS,
        "found": found,
        "flt": flt,
        "users": users,
        "owners": {u.id: u.name for u in users},
        "href": lambda **kw: _href(flt, **kw),
        "sortable": SORTABLE,
        "can_edit": auth_service.can_edit(user),
        "stages": stages,
        "stage_labels": dict(stages),
    }
    if request.headers.get("hx-request") and not request.headers.get("hx-history-restore-request"):
        response = render(request, "accounts/_table.html", context)
    else:
        context["options"] = accounts_service.filter_options(db, user)
        response = render(request, "accounts/list.html", context)
    response.headers["Vary"] = "HX-Request"
    return response
