"""What the snapshot and other domains read of the accounts in bulk: tier profiles, analytics rows, contacts,
owners, names and CRM ids, as plain rows or columns (re-exported by `accounts.service`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Select, Subquery
from sqlalchemy.orm import Session

from lodestar.accounts import repository
from lodestar.accounts.models import Account, Contact
from lodestar.accounts.standing import standing
from lodestar.kit import money
from lodestar.kit.time import utcnow

ATTRIBUTES = ("industry", "employees", "region", "plan", "funding_stage", "it_maturity")


def tier_profiles(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every account's (or these accounts') ARR, employees, industry, plan and tier, for the tier rules."""
    return repository.profiles(session, account_ids)


def tier_profile_columns(session: Session) -> pa.Table:
    """tier_profiles as columns: account_id, arr, employees, industry, plan, tier, tier_pinned."""
    return repository.profile_columns(session)


def analytics_columns(session: Session, account_ids: Collection[int] | None = None) -> pa.Table:
    """Every account's (or these accounts') id, segment group id and tier, for the metrics, as columns:
    account_id, group_id, tier (null where unset)."""
    cols = repository.analytics_account_columns(session, account_ids)
    texts = {k: pa.array(cols[k].tolist(), pa.string()) for k in ("group", "tier")}
    unset = {k: pc.if_else(pc.equal(v, ""), pa.scalar(None, pa.string()), v) for k, v in texts.items()}
    return pa.table(
        {"account_id": pa.array(cols["id"], pa.int64()), "group_id": unset["group"], "tier": unset["tier"]}
    )


def accounts_of_groups(session: Session, group_ids: Collection[str]) -> list[int]:
    """The ids of the accounts whose segment group ids these are (events name accounts by group id)."""
    return repository.account_ids_of_groups(session, group_ids)


def contact_rows(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every contact's (or these accounts' contacts') account, role, active flag and leaving date."""
    keys = ("account_id", "role", "active", "left_on")
    return [dict(zip(keys, r, strict=True)) for r in repository.analytics_contacts(session, account_ids)]


def attribute_rows(session: Session) -> list[dict[str, Any]]:
    """Every account's id, profile attributes (industry, employees, region, plan, funding stage, IT maturity)
    and custom traits, as they stand: the churn model's account features."""
    keys = ("account_id", *ATTRIBUTES, "traits")
    return [dict(zip(keys, r, strict=True)) for r in repository.attributes(session)]


def owner_tier_stage(
    session: Session, account_ids: Collection[int]
) -> dict[int, tuple[int | None, str | None, str | None]]:
    """Each of these accounts' owner id, tier and stage, by account id (one query per 5,000 accounts)."""
    return repository.owners_tiers_stages(session, account_ids)


def standing_subquery(session: Session) -> Subquery:
    """Every account's ARR, its worth in the company currency at today's rates, health score and grade
    (account_id, arr, worth, health_score, health_grade), as a subquery another domain joins to show and sort
    its rows (the caller applies the viewer's scope)."""
    return standing(money.rates_in_force(session, utcnow().date()))


def account_names(session: Session, account_ids: Collection[int]) -> dict[int, str]:
    """The names of these accounts, by id (the caller has checked what the viewer may see)."""
    return repository.names_of(session, account_ids)


def owners_and_tiers(session: Session) -> list[tuple[Any, ...]]:
    """Every account's (id, owner_id, tier), for analyses of the team's work across the portfolio."""
    return repository.owners_and_tiers(session)


def ids_owned_by(owner_ids: Collection[int]) -> Select[int]:
    """The ids of the accounts these users own, as a subquery another domain's statement filters by."""
    return repository.owned_by(owner_ids)


def crm_ids(session: Session) -> dict[int, str | None]:
    """Every account's CRM id (None where it has none), by account id: exports join on it."""
    return dict(repository.crm_ids(session))


def accounts_by_ids(session: Session, account_ids: Collection[int]) -> list[Account]:
    """These accounts, by id (the caller has checked what the viewer may see)."""
    return repository.of_accounts(session, Account, account_ids)


def contacts_of_accounts(session: Session, account_ids: Collection[int]) -> list[Contact]:
    """The contacts of these accounts, by id (the caller has checked what the viewer may see)."""
    return repository.of_accounts(session, Contact, account_ids)
