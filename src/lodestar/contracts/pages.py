"""HTML routes: adding a contract to an account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.auth.models import User
from lodestar.contracts import service as contracts_service
from lodestar.contracts.models import ContractStatus
from lodestar.contracts.schemas import ContractCreate
from lodestar.kit.errors import InvalidInput
from lodestar.web.deps import Db, Today
from lodestar.web.forms import blank_to_none, field_errors, read_form, validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)

CONTRACT_FIELDS = (
    "external_id",
    "product",
    "edition",
    "start_date",
    "end_date",
    "arr",
    "currency",
    "seats",
    "status",
    "renews_contract_id",
)


def _form(
    request: Request,
    db: Db,
    user: User,
    account: Account,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "account": account,
        "values": values,
        "errors": errors or {},
        "statuses": list(ContractStatus),
        "previous": contracts_service.list_for_account(db, user, account.id),
    }
    return render(request, "contracts/form.html", context, status_code=status_code)


@router.get("/accounts/{account_id}/contracts/new")
def new_contract_form(account_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """The form for a new contract, renewing the latest one by default."""
    auth_service.require_editor(user)
    account = accounts_service.get_account(db, user, account_id)
    latest = next(iter(contracts_service.list_for_account(db, user, account_id)), None)
    values: dict[str, Any] = {
        "product": "Lodestar Cloud",
        "currency": account.currency,
        "seats": 0,
        "status": ContractStatus.ACTIVE.value,
    }
    if latest is not None:
        values.update(
            product=latest.product,
            edition=latest.edition or "",
            seats=latest.seats,
            arr=latest.arr,
            renews_contract_id=latest.id,
            start_date=latest.end_date,
        )
    return _form(request, db, user, account, values)


@router.post("/accounts/{account_id}/contracts/new")
async def create_contract(
    account_id: int, request: Request, user: PageUser, db: Db, today: Today
) -> Response:
    """Adds the contract, or re-shows the form naming each bad field (nothing is written)."""
    form = await read_form(request)
    account = accounts_service.get_account(db, user, account_id)
    data = {k: v for k, v in blank_to_none(form, CONTRACT_FIELDS).items() if v is not None}
    try:
        contract = validate(ContractCreate, {**data, "account_id": account_id})
        contracts_service.create_contract(db, user, contract, today)
    except InvalidInput as exc:
        db.rollback()
        return _form(request, db, user, account, form, field_errors(exc, CONTRACT_FIELDS), 422)
    return RedirectResponse(f"/accounts/{account_id}#contracts", status_code=303)
