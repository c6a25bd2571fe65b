"""JSON routes: an account's referrals (list, record), one referral (read, change), the referrers list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from lodestar.auth.deps import ApiUser
from lodestar.kit.money import company_rates
from lodestar.referrals import service
from lodestar.referrals.schemas import ReferralFields, ReferralRead, Referrer
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["referrals"])


@router.get(
    "/accounts/{account_id}/referrals", response_model=list[ReferralRead], summary="An account's referrals"
)
def list_referrals(account_id: int, caller: ApiUser, db: Db) -> Any:
    """The leads the account referred, newest first."""
    return service.list_for_account(db, caller, account_id)


@router.post(
    "/accounts/{account_id}/referrals",
    response_model=ReferralRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a referral",
)
def create_referral(account_id: int, data: ReferralFields, caller: ApiUser, db: Db, today: Today) -> Any:
    """Records a lead the account (and its contact) referred; a won one may name the resulting contract
    (its ARR and currency are taken when none is given)."""
    return service.create_referral(db, caller, account_id, data, today)


@router.get("/referrals/{referral_id}", response_model=ReferralRead, summary="A referral")
def get_referral(referral_id: int, caller: ApiUser, db: Db) -> Any:
    """One referral of the caller's accounts."""
    return service.get_referral(db, caller, referral_id)


@router.put("/referrals/{referral_id}", response_model=ReferralRead, summary="Change a referral")
def update_referral(referral_id: int, data: ReferralFields, caller: ApiUser, db: Db, today: Today) -> Any:
    """Replaces the referral's fields (the change is kept in the audit log)."""
    return service.update_referral(db, caller, referral_id, data, today)


@router.get("/referrers", response_model=list[Referrer], summary="Referrers")
def referrers(caller: ApiUser, db: Db, today: Today) -> Any:
    """The caller's accounts that referred, with their counts, won ARR by currency and in the company
    currency (today's rates; a currency without a rate is left out of it and named in `unrated`)."""
    return service.referrers(db, caller, company_rates(db), today)
