"""Referrals: record and change the leads an account brought (audited), its totals, the referrers list for
marketing, and the rows the snapshot's referral metrics and SOP's referral evidence read."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.contracts import service as contracts_service
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound
from lodestar.kit.fields import apply_changes
from lodestar.kit.money import CompanyRates
from lodestar.kit.text import N_, Text
from lodestar.referrals import repository
from lodestar.referrals.models import Referral
from lodestar.referrals.schemas import ReferralFields, ReferralTotals, Referrer


def _check(
    session: Session, viewer: User, account_id: int, data: ReferralFields, today: date
) -> dict[str, Any]:
    """The fields to store: the contact is the account's, the contract one the viewer may see (its ARR and
    currency taken when none is given), the day not in the future."""
    problems: list[FieldProblem] = []
    fields = data.model_dump()
    if data.referred_on > today:
        problems.append(FieldProblem("referred_on", Text(N_("is in the future"))))
    if data.contact_id is not None:
        try:
            if accounts_service.get_contact(session, viewer, data.contact_id).account_id != account_id:
                raise NotFound("other account")
        except NotFound:
            problems.append(FieldProblem("contact_id", Text(N_("is not a contact of this account"))))
    if data.contract_id is not None:
        try:
            contract = contracts_service.get_contract(session, viewer, data.contract_id)
            if data.arr is None:
                fields["arr"], fields["currency"] = contract.arr, contract.currency
        except NotFound:
            problems.append(FieldProblem("contract_id", Text(N_("no contract %(id)s"), id=data.contract_id)))
    if problems:
        raise InvalidInput(problems)
    return fields


def create_referral(
    session: Session, viewer: User, account_id: int, data: ReferralFields, today: date
) -> Referral:
    """Records a lead the account referred."""
    auth_service.require_editor(viewer)
    accounts_service.get_account(session, viewer, account_id)
    referral = Referral(account_id=account_id, **_check(session, viewer, account_id, data, today))
    session.add(referral)
    session.flush()
    auth_service.record(
        session, viewer, "referral.create", "referrals", referral.id, data.model_dump(mode="json")
    )
    return referral


def get_referral(session: Session, viewer: User, referral_id: int) -> Referral:
    """A referral of an account the viewer may see; NotFound otherwise."""
    referral = repository.get(session, referral_id)
    if referral is not None:
        try:
            accounts_service.get_account(session, viewer, referral.account_id)
            return referral
        except NotFound:
            pass
    raise NotFound(f"referral {referral_id} not found")


def update_referral(
    session: Session, viewer: User, referral_id: int, data: ReferralFields, today: date
) -> Referral:
    """Replaces a referral's fields (its status as the lead moves; the history is in the audit log)."""
    auth_service.require_editor(viewer)
    referral = get_referral(session, viewer, referral_id)
    changes = apply_changes(referral, _check(session, viewer, referral.account_id, data, today))
    if changes:
        session.flush()
        auth_service.record(session, viewer, "referral.update", "referrals", referral.id, changes)
    return referral


def list_for_account(session: Session, viewer: User, account_id: int) -> list[Referral]:
    """The referrals of an account the viewer may see."""
    accounts_service.get_account(session, viewer, account_id)
    return repository.of_account(session, account_id)


def totals(
    referrals: Sequence[Referral], rates: CompanyRates | None = None, on: date | None = None
) -> ReferralTotals:
    """How many, how many won, the won ARR by currency, and (given the rates and a day) that ARR in the
    company currency: each currency's sum converted once at the day's rate, rounded to cents."""
    out = ReferralTotals(referrals=len(referrals))
    for r in referrals:
        if r.status == "won":
            out.won += 1
            if r.arr is not None and r.currency is not None:
                out.value[r.currency] = out.value.get(r.currency, 0) + r.arr
    if rates is not None and on is not None:
        out.company_currency, out.unrated = rates.company_currency, rates.missing(set(out.value))
        rated = [(c, v) for c, v in out.value.items() if c not in out.unrated]
        if rated or not out.value:
            out.company_value = sum((rates.convert(v, c, on) for c, v in rated), Decimal(0))
    return out


def referrers(
    session: Session, viewer: User, rates: CompanyRates | None = None, on: date | None = None
) -> list[Referrer]:
    """The viewer's accounts that referred, most won first, then the most won value in the company currency,
    then most referrals: the list marketing asks for references and case studies from."""
    grouped: dict[int, tuple[str, int | None, list[Referral]]] = {}
    for referral, name, owner in repository.with_accounts(
        session, auth_service.scope_for(session, viewer).owner_ids
    ):
        grouped.setdefault(referral.account_id, (name, owner, []))[2].append(referral)
    rows = [
        Referrer(
            account_id=a,
            account=name,
            owner_id=owner,
            last_referred_on=max(r.referred_on for r in rs),
            totals=totals(rs, rates, on),
        )
        for a, (name, owner, rs) in grouped.items()
    ]
    rows.sort(key=lambda r: (-r.totals.won, -(r.totals.company_value or 0), -r.totals.referrals, r.account))
    return rows


def referral_rows(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every referral's (or these accounts') account, day and status, for the snapshot's referral metrics
    and the playbooks' referral evidence."""
    return repository.referral_rows(session, account_ids)
