"""JSON routes for accounts and their stakeholders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account, Contact
from lodestar.accounts.schemas import (
    AccountCreate,
    AccountFilter,
    AccountRead,
    AccountUpdate,
    ContactCreate,
    ContactRead,
    ContactUpdate,
)
from lodestar.auth.deps import ApiUser
from lodestar.web.deps import Db

router = APIRouter()


class AccountPage(BaseModel):
    """One page of accounts with the numbers a pager needs."""

    items: list[AccountRead]
    total: int
    page: int
    size: int
    pages: int


@router.get("/accounts", response_model=AccountPage, tags=["accounts"], summary="Search the portfolio")
def list_accounts(flt: Annotated[AccountFilter, Query()], caller: ApiUser, db: Db) -> AccountPage:
    """Lists the accounts the caller may see, filtered, sorted and paged."""
    found = accounts_service.list_accounts(db, caller, flt)
    return AccountPage(
        items=[AccountRead.model_validate(a) for a in found.items],
        total=found.total,
        page=found.request.page,
        size=found.request.size,
        pages=found.pages,
    )


@router.post(
    "/accounts",
    response_model=AccountRead,
    status_code=status.HTTP_201_CREATED,
    tags=["accounts"],
    summary="Create an account",
)
def create_account(data: AccountCreate, caller: ApiUser, db: Db) -> Account:
    """Creates an account; a CSM who names no owner owns it."""
    return accounts_service.create_account(db, caller, data)


@router.get("/accounts/{account_id}", response_model=AccountRead, tags=["accounts"], summary="Get an account")
def get_account(account_id: int, caller: ApiUser, db: Db) -> Account:
    """Shows one account the caller may see."""
    return accounts_service.get_account(db, caller, account_id)


@router.patch(
    "/accounts/{account_id}", response_model=AccountRead, tags=["accounts"], summary="Change an account"
)
def update_account(account_id: int, data: AccountUpdate, caller: ApiUser, db: Db) -> Account:
    """Changes the fields sent; the audit log records what changed."""
    return accounts_service.update_account(db, caller, account_id, data)


@router.get(
    "/accounts/{account_id}/contacts",
    response_model=list[ContactRead],
    tags=["contacts"],
    summary="List an account's stakeholders",
)
def list_contacts(account_id: int, caller: ApiUser, db: Db) -> list[Contact]:
    """Lists the stakeholders of an account the caller may see."""
    return accounts_service.list_contacts(db, caller, account_id)


@router.post(
    "/contacts",
    response_model=ContactRead,
    status_code=status.HTTP_201_CREATED,
    tags=["contacts"],
    summary="Add a stakeholder",
)
def create_contact(data: ContactCreate, caller: ApiUser, db: Db) -> Contact:
    """Adds a stakeholder to an account the caller may edit."""
    return accounts_service.create_contact(db, caller, data)


@router.get(
    "/contacts/{contact_id}", response_model=ContactRead, tags=["contacts"], summary="Get a stakeholder"
)
def get_contact(contact_id: int, caller: ApiUser, db: Db) -> Contact:
    """Shows one stakeholder whose account the caller may see."""
    return accounts_service.get_contact(db, caller, contact_id)


@router.patch(
    "/contacts/{contact_id}", response_model=ContactRead, tags=["contacts"], summary="Change a stakeholder"
)
def update_contact(contact_id: int, data: ContactUpdate, caller: ApiUser, db: Db) -> Contact:
    """Changes the fields sent; the audit log records what changed."""
    return accounts_service.update_contact(db, caller, contact_id, data)
