"""JSON routes for contracts."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request, status

from lodestar.contracts import service as contracts_service
from lodestar.contracts.models import Contract
from lodestar.contracts.schemas import ContractCreate, ContractRead, ContractUpdate
from lodestar.web.deps import ApiUser, Db

router = APIRouter(tags=["contracts"])


def _today(request: Request) -> date:
    # Renewal dates and ARR roll-ups are "as of" the company's calendar day, not the server's.
    return datetime.now(request.app.state.settings.zone).date()


@router.get(
    "/accounts/{account_id}/contracts",
    response_model=list[ContractRead],
    summary="List an account's contracts",
)
def list_for_account(account_id: int, caller: ApiUser, db: Db) -> list[Contract]:
    """Lists the contracts of an account the caller may see, newest first."""
    return contracts_service.list_for_account(db, caller, account_id)


@router.post(
    "/contracts",
    response_model=ContractRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a contract",
)
def create_contract(data: ContractCreate, request: Request, caller: ApiUser, db: Db) -> Contract:
    """Adds a contract and refreshes the account's ARR and renewal date."""
    return contracts_service.create_contract(db, caller, data, _today(request))


@router.get("/contracts/{contract_id}", response_model=ContractRead, summary="Get a contract")
def get_contract(contract_id: int, caller: ApiUser, db: Db) -> Contract:
    """Shows one contract whose account the caller may see."""
    return contracts_service.get_contract(db, caller, contract_id)


@router.patch("/contracts/{contract_id}", response_model=ContractRead, summary="Change a contract")
def update_contract(
    contract_id: int, data: ContractUpdate, request: Request, caller: ApiUser, db: Db
) -> Contract:
    """Changes the fields sent and refreshes the account's commercials."""
    return contracts_service.update_contract(db, caller, contract_id, data, _today(request))
