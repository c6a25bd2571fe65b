"""JSON routes for contracts."""

from __future__ import annotations

from fastapi import APIRouter, status

from lodestar.auth.deps import ApiUser
from lodestar.contracts import service as contracts_service
from lodestar.contracts.models import Contract
from lodestar.contracts.schemas import ContractCreate, ContractRead, ContractUpdate
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["contracts"])


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
def create_contract(data: ContractCreate, today: Today, caller: ApiUser, db: Db) -> Contract:
    """Adds a contract and refreshes the account's ARR and renewal date."""
    return contracts_service.create_contract(db, caller, data, today)


@router.get("/contracts/{contract_id}", response_model=ContractRead, summary="Get a contract")
def get_contract(contract_id: int, caller: ApiUser, db: Db) -> Contract:
    """Shows one contract whose account the caller may see."""
    return contracts_service.get_contract(db, caller, contract_id)


@router.patch("/contracts/{contract_id}", response_model=ContractRead, summary="Change a contract")
def update_contract(
    contract_id: int, data: ContractUpdate, today: Today, caller: ApiUser, db: Db
) -> Contract:
    """Changes the fields sent and refreshes the account's commercials."""
    return contracts_service.update_contract(db, caller, contract_id, data, today)
