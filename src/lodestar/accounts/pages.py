"""HTML routes: the portfolio, the account page, and the account and stakeholder forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account, Contact, ContactRole
from lodestar.accounts.schemas import (
    AccountCreate,
    AccountFilter,
    AccountUpdate,
    ContactCreate,
    ContactUpdate,
)
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.contracts import service as contracts_service
from lodestar.kit.errors import InvalidInput
from lodestar.snapshots import insights
from lodestar.sop.tasks import panels as sop_account_pages
from lodestar.web.deps import Db, PageUser
from lodestar.web.forms import blank_to_none, field_errors, read_form, split_list, validate
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)

ACCOUNT_FIELDS = (
    "name",
    "industry",
    "employees",
    "region",
    "funding_stage",
    "it_maturity",
    "plan",
    "owner_id",
    "tier",
    "crm_id",
    "segment_group_id",
    "business_model",
    "purchase_intent",
    "expectations",
)
LIST_FIELDS = ("tags", "departments", "scenarios")
CONTACT_FIELDS = ("name", "title", "role", "email", "phone", "it_ability", "kpi_note", "left_on")
SORTABLE = (
    "name",
    "arr",
    "renewal_date",
    "industry",
    "plan",
    "tier",
    "employees",
    "health_score",
    "health_trend_30d",
    "stage",
)


def _visible_users(db: Db, viewer: User) -> list[User]:
    """Users whose accounts the viewer may see (the owner menu), in one query."""
    scope = auth_service.scope_for(db, viewer)
    return [u for u in auth_service.list_users(db) if scope.allows_owner(u.id)]


def _stage_options(db: Db, request: Request) -> list[tuple[str, str]]:
    """The lifecycle stages as (key, label in the viewer's language) for the stage filter."""
    model, _ = config_service.lifecycle_model(db)
    chinese = locale_of(request) == "zh_CN"
    return [(s.key, (s.label_zh if chinese and s.label_zh else s.label)) for s in model.stages]


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
    users = _visible_users(db, user)
    stages = _stage_options(db, request)
    context: dict[str, Any] = {
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


def _account_values(account: Account | None) -> dict[str, Any]:
    if account is None:
        return {}
    values = {f: getattr(account, f) for f in ACCOUNT_FIELDS}
    values.update({f: ", ".join(getattr(account, f) or []) for f in LIST_FIELDS})
    values["tier_pinned"] = account.tier_pinned
    return {k: ("" if v is None else v) for k, v in values.items()}


def _account_form(
    request: Request,
    db: Db,
    user: User,
    account: Account | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "account": account,
        "values": values,
        "errors": errors or {},
        "owner_options": [(u.id, u.name) for u in _visible_users(db, user) if u.active],
        "owner_optional": user.role in (Role.ADMIN, Role.MANAGER),
    }
    return render(request, "accounts/form.html", context, status_code=status_code)


def _account_data(form: dict[str, str]) -> dict[str, Any]:
    data = blank_to_none(form, ACCOUNT_FIELDS)
    data.update({f: split_list(form.get(f)) for f in LIST_FIELDS})
    data["tier_pinned"] = form.get("tier_pinned") == "on"
    return data


@router.get("/accounts/new")
def new_account_form(request: Request, user: PageUser, db: Db) -> Response:
    """The form for a new account."""
    auth_service.require_editor(user)
    return _account_form(request, db, user, None, {"owner_id": user.id})


@router.post("/accounts/new")
async def create_account(request: Request, user: PageUser, db: Db) -> Response:
    """Creates an account, or re-shows the form naming each bad field (nothing is written)."""
    form = await read_form(request)
    try:
        data = {k: v for k, v in _account_data(form).items() if v is not None}
        account = accounts_service.create_account(db, user, validate(AccountCreate, data))
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc, (*ACCOUNT_FIELDS, *LIST_FIELDS))
        return _account_form(request, db, user, None, form, errors, 422)
    return RedirectResponse(f"/accounts/{account.id}", status_code=303)


@router.get("/accounts/{account_id}")
def account_page(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """One account: health, stage timeline, tier, profile, portrait, stakeholders, contracts, changes."""
    account = accounts_service.get_account(db, user, account_id)
    contracts = contracts_service.list_for_account(db, user, account_id)
    history = auth_service.history(db, "account", account_id)[:20]
    people = {
        uid: auth_service.get_user(db, uid).name
        for uid in {e.actor_id for e in history} | {account.owner_id}
        if uid is not None
    }
    context = {
        "account": account,
        "owner": people.get(account.owner_id) if account.owner_id else None,
        "contacts": accounts_service.list_contacts(db, user, account_id),
        "contracts": contracts,
        "by_id": {c.id: c for c in contracts},
        "history": history,
        "people": people,
        "can_edit": auth_service.can_edit(user),
        "health": insights.health_card(db, insights.root_of(request.app.state.settings), account),
        "series": insights.history_series(db, account_id),
        "timeline": insights.stage_timeline(db, account_id),
        "tier": insights.tier_of(db, account.tier),
        "stage_labels": dict(_stage_options(db, request)),
        "sop": sop_account_pages.account_section(request, db, user, account),
    }
    return render(request, "accounts/detail.html", context)


@router.get("/accounts/{account_id}/edit")
def edit_account_form(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """The form to change an account."""
    auth_service.require_editor(user)
    account = accounts_service.get_account(db, user, account_id)
    return _account_form(request, db, user, account, _account_values(account))


@router.post("/accounts/{account_id}/edit")
async def update_account(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Saves the account form, or re-shows it naming each bad field (nothing is written)."""
    form = await read_form(request)
    account = accounts_service.get_account(db, user, account_id)
    try:
        accounts_service.update_account(db, user, account_id, validate(AccountUpdate, _account_data(form)))
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc, (*ACCOUNT_FIELDS, *LIST_FIELDS))
        return _account_form(request, db, user, account, form, errors, 422)
    return RedirectResponse(f"/accounts/{account_id}", status_code=303)


def _contact_form(
    request: Request,
    account: Account,
    contact: Contact | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "account": account,
        "contact": contact,
        "values": values,
        "errors": errors or {},
        "roles": [r.value for r in ContactRole],
    }
    return render(request, "accounts/contact_form.html", context, status_code=status_code)


def _contact_data(form: dict[str, str]) -> dict[str, Any]:
    data = {**blank_to_none(form, CONTACT_FIELDS), "active": form.get("active") == "on"}
    if data["name"] is None:
        raise InvalidInput.one("name", "cannot be empty")
    if data["role"] is None:
        del data["role"]
    return data


@router.get("/accounts/{account_id}/contacts/new")
def new_contact_form(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """The form for a new stakeholder."""
    auth_service.require_editor(user)
    account = accounts_service.get_account(db, user, account_id)
    return _contact_form(request, account, None, {"active": True, "role": ContactRole.USER.value})


@router.post("/accounts/{account_id}/contacts/new")
async def create_contact(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Adds a stakeholder, or re-shows the form naming each bad field."""
    form = await read_form(request)
    account = accounts_service.get_account(db, user, account_id)
    try:
        data = validate(ContactCreate, {**_contact_data(form), "account_id": account_id})
        accounts_service.create_contact(db, user, data)
    except InvalidInput as exc:
        db.rollback()
        values = {**form, "active": form.get("active") == "on"}
        return _contact_form(request, account, None, values, field_errors(exc, CONTACT_FIELDS), 422)
    return RedirectResponse(f"/accounts/{account_id}#stakeholders", status_code=303)


@router.get("/contacts/{contact_id}/edit")
def edit_contact_form(contact_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """The form to change a stakeholder."""
    auth_service.require_editor(user)
    contact = accounts_service.get_contact(db, user, contact_id)
    account = accounts_service.get_account(db, user, contact.account_id)
    values = {f: "" if getattr(contact, f) is None else getattr(contact, f) for f in CONTACT_FIELDS}
    return _contact_form(request, account, contact, {**values, "active": contact.active})


@router.post("/contacts/{contact_id}/edit")
async def update_contact(contact_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Saves a stakeholder, or re-shows the form naming each bad field."""
    form = await read_form(request)
    contact = accounts_service.get_contact(db, user, contact_id)
    account = accounts_service.get_account(db, user, contact.account_id)
    try:
        accounts_service.update_contact(db, user, contact_id, validate(ContactUpdate, _contact_data(form)))
    except InvalidInput as exc:
        db.rollback()
        values = {**form, "active": form.get("active") == "on"}
        return _contact_form(request, account, contact, values, field_errors(exc, CONTACT_FIELDS), 422)
    return RedirectResponse(f"/accounts/{account.id}#stakeholders", status_code=303)
