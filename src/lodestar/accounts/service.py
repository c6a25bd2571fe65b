"""Accounts and stakeholders: validation, row-level visibility, audit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import pyarrow as pa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from lodestar.accounts import repository, tier_checks
from lodestar.accounts.figures import at_risk_accounts as at_risk_accounts
from lodestar.accounts.figures import health_movers as health_movers
from lodestar.accounts.figures import live_accounts as live_accounts
from lodestar.accounts.figures import matching_ids as matching_ids
from lodestar.accounts.figures import portfolio_summary as portfolio_summary
from lodestar.accounts.figures import summary_by_owner as summary_by_owner
from lodestar.accounts.models import Account, Contact
from lodestar.accounts.schemas import (
    AccountCreate,
    AccountFilter,
    AccountUpdate,
    ContactCreate,
    ContactUpdate,
)
from lodestar.accounts.snapshot_rows import account_names as account_names
from lodestar.accounts.snapshot_rows import accounts_by_ids as accounts_by_ids
from lodestar.accounts.snapshot_rows import accounts_of_groups as accounts_of_groups
from lodestar.accounts.snapshot_rows import analytics_columns as analytics_columns
from lodestar.accounts.snapshot_rows import attribute_rows as attribute_rows
from lodestar.accounts.snapshot_rows import contact_rows as contact_rows
from lodestar.accounts.snapshot_rows import contacts_of_accounts as contacts_of_accounts
from lodestar.accounts.snapshot_rows import crm_ids as crm_ids
from lodestar.accounts.snapshot_rows import ids_owned_by as ids_owned_by
from lodestar.accounts.snapshot_rows import owner_tier_stage as owner_tier_stage
from lodestar.accounts.snapshot_rows import owners_and_tiers as owners_and_tiers
from lodestar.accounts.snapshot_rows import standing_subquery as standing_subquery
from lodestar.accounts.snapshot_rows import tier_profile_columns as tier_profile_columns
from lodestar.accounts.snapshot_rows import tier_profiles as tier_profiles
from lodestar.accounts.watch_rows import contacts_left as contacts_left
from lodestar.accounts.watch_rows import ids_in_scope as ids_in_scope
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.db.upsert import UpsertCounts, rows_by_key, upsert_by_key
from lodestar.kit import money
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound, in_row
from lodestar.kit.fields import apply_changes, plain_values
from lodestar.kit.pagination import Page, PageRequest
from lodestar.kit.time import utcnow

UNIQUE_IDS = ("crm_id", "segment_group_id")


def list_accounts(session: Session, viewer: User, flt: AccountFilter) -> Page[Account]:
    """The viewer's portfolio page: only accounts they may see."""
    scope = auth_service.scope_for(session, viewer)
    rates = money.rates_in_force(session, utcnow().date())  # an ARR sort compares worth across currencies
    items, total = repository.search(session, flt, scope.owner_ids, rates)
    return Page(items, total, PageRequest(flt.page, flt.size))


# Filter menus change rarely but cost a scan of the accounts table per column on PostgreSQL, so they are
# kept for a minute per database and visibility scope (a new industry shows up within that minute).
_OPTIONS_TTL_S = 60.0
_options_cache: dict[tuple[str, frozenset[int] | None], tuple[float, dict[str, list[str]]]] = {}


def filter_options(session: Session, viewer: User) -> dict[str, list[str]]:
    """Values for the portfolio's filter menus, from the accounts the viewer can see."""
    scope = auth_service.scope_for(session, viewer)
    key = (str(session.get_bind().engine.url), scope.owner_ids)
    cached = _options_cache.get(key)
    if cached and time.monotonic() - cached[0] < _OPTIONS_TTL_S:
        return cached[1]
    options = {
        col: repository.distinct_values(session, col, scope.owner_ids)
        for col in ("industry", "tier", "plan", "status")
    }
    _options_cache[key] = (time.monotonic(), options)
    return options


def forget_filter_options() -> None:
    """Drops the cached filter menus (after accounts are created, changed or imported)."""
    _options_cache.clear()


def get_account(session: Session, viewer: User, account_id: int) -> Account:
    """An account the viewer may see; NotFound otherwise (we do not reveal that it exists)."""
    account = repository.get(session, account_id)
    if account is None or not auth_service.scope_for(session, viewer).allows_owner(account.owner_id):
        raise NotFound(f"account {account_id} not found")
    return account


def _check_owner(session: Session, viewer: User | None, owner_id: int | None) -> None:
    if owner_id is None:
        return
    if not auth_service.existing_user_ids(session, {owner_id}):
        raise InvalidInput.one("owner_id", f"no user with id {owner_id}")
    if viewer is not None and not auth_service.scope_for(session, viewer).allows_owner(owner_id):
        raise InvalidInput.one("owner_id", "you can only assign accounts within your own team")


def _check_unique(session: Session, fields: dict[str, Any], exclude_id: int | None) -> None:
    for column in UNIQUE_IDS:
        value = fields.get(column)
        if value and repository.taken(session, column, value, exclude_id):
            raise InvalidInput.one(column, f"{value!r} is already used by another account")


def create_account(session: Session, viewer: User, data: AccountCreate) -> Account:
    """Creates an account; a CSM who gives no owner becomes its owner."""
    forget_filter_options()
    auth_service.require_editor(viewer)
    fields = data.model_dump(exclude_none=True)
    if "owner_id" not in fields and viewer.role == "csm":
        fields["owner_id"] = viewer.id
    _check_owner(session, viewer, fields.get("owner_id"))
    _check_unique(session, fields, None)
    tier_checks.check_tier_change(session, viewer, fields, None)
    account = Account(**plain_values(fields))
    session.add(account)
    session.flush()
    auth_service.record(session, viewer, "create", "account", account.id, plain_values(fields))
    return account


def update_account(session: Session, viewer: User, account_id: int, data: AccountUpdate) -> Account:
    """Changes an account's fields, recording what changed."""
    forget_filter_options()
    auth_service.require_editor(viewer)
    account = get_account(session, viewer, account_id)
    fields = plain_values(data.model_dump(exclude_unset=True))
    if "name" in fields and fields["name"] is None:
        raise InvalidInput.one("name", "cannot be empty")
    if "owner_id" in fields:
        _check_owner(session, viewer, fields["owner_id"])
    _check_unique(session, fields, account.id)
    tier_checks.check_tier_change(session, viewer, fields, account)
    changes = apply_changes(account, fields)
    session.flush()
    if changes:
        auth_service.record(session, viewer, "update", "account", account.id, changes)
    return account


def list_contacts(session: Session, viewer: User, account_id: int) -> list[Contact]:
    """Stakeholders of an account the viewer may see."""
    get_account(session, viewer, account_id)
    return repository.contacts_of(session, account_id)


def get_contact(session: Session, viewer: User, contact_id: int) -> Contact:
    """A stakeholder whose account the viewer may see."""
    contact = repository.get_contact(session, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    try:
        get_account(session, viewer, contact.account_id)
    except NotFound:
        raise NotFound(f"contact {contact_id} not found") from None
    return contact


def _check_left(active: bool | None, left_on: date | None) -> None:
    if left_on is not None and active is True:
        raise InvalidInput.one("left_on", "an active contact cannot have a leaving date")


def create_contact(session: Session, viewer: User, data: ContactCreate) -> Contact:
    """Adds a stakeholder to an account the viewer may edit."""
    auth_service.require_editor(viewer)
    try:
        get_account(session, viewer, data.account_id)
    except NotFound:
        raise InvalidInput.one("account_id", f"no account with id {data.account_id}") from None
    fields = plain_values(data.model_dump(exclude_none=True))
    if fields.get("left_on") is not None and "active" not in fields:
        fields["active"] = False
    _check_left(fields.get("active"), fields.get("left_on"))
    contact = Contact(**fields)
    session.add(contact)
    session.flush()
    auth_service.record(session, viewer, "create", "contact", contact.id, fields)
    return contact


def update_contact(session: Session, viewer: User, contact_id: int, data: ContactUpdate) -> Contact:
    """Changes a stakeholder; marking them left records the date."""
    auth_service.require_editor(viewer)
    contact = get_contact(session, viewer, contact_id)
    fields = plain_values(data.model_dump(exclude_unset=True))
    if fields.get("left_on") is not None and "active" not in fields:
        fields["active"] = False
    if fields.get("active") is True and "left_on" not in fields:
        fields["left_on"] = None
    _check_left(fields.get("active", contact.active), fields.get("left_on", contact.left_on))
    changes = apply_changes(contact, fields)
    session.flush()
    if changes:
        auth_service.record(session, viewer, "update", "contact", contact.id, changes)
    return contact


def _unknown_accounts(session: Session, rows: list[dict[str, Any]]) -> list[FieldProblem]:
    """A problem naming the accounts these rows refer to that do not exist (none when all do)."""
    ids = {r["account_id"] for r in rows}
    missing = ids - repository.existing_ids(session, ids)
    return [FieldProblem("account_id", f"unknown accounts: {sorted(missing)[:10]}")] if missing else []


def _unknown_owners(session: Session, rows: list[dict[str, Any]]) -> list[FieldProblem]:
    """A problem naming the owners of these rows that are not users (none when all are)."""
    owners = {r["owner_id"] for r in rows if r.get("owner_id") is not None}
    missing = owners - auth_service.existing_user_ids(session, owners)
    return [FieldProblem("owner_id", f"unknown users: {sorted(missing)[:10]}")] if missing else []


def import_accounts(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Validates every row first, then inserts all of them (all or nothing); returns new ids."""
    forget_filter_options()
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        try:
            clean.append(plain_values(AccountCreate.model_validate(row).model_dump(exclude_none=True)))
        except ValidationError as exc:
            problems.extend(in_row(index + 1, exc))
    problems += _unknown_owners(session, clean) + tier_checks.unknown_tiers(session, clean)
    if problems:
        raise InvalidInput(problems)
    defaults = {"tags": [], "traits": {}, "departments": [], "scenarios": [], "tier_pinned": False}
    return repository.insert_many(session, Account, [{**defaults, **r} for r in clean])


def import_contacts(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Validates and inserts stakeholders in bulk (all or nothing)."""
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        try:
            fields = plain_values(ContactCreate.model_validate(row).model_dump(exclude_none=True))
            fields.setdefault("active", fields.get("left_on") is None)
            _check_left(fields["active"], fields.get("left_on"))
            clean.append(fields)
        except ValidationError as exc:
            problems.extend(in_row(index + 1, exc))
        except InvalidInput as exc:
            problems.extend(in_row(index + 1, exc))
    problems += _unknown_accounts(session, clean)
    if problems:
        raise InvalidInput(problems)
    return repository.insert_many(session, Contact, clean)


def commercials_of(session: Session, account_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The stored ARR, currency, renewal date and status of these accounts, by id."""
    return repository.commercials_of(session, account_ids)


def set_commercials(session: Session, values: list[dict[str, Any]]) -> None:
    """Stores each account's current ARR, currency, renewal date and status (kept by contracts)."""
    forget_filter_options()
    repository.update_many(session, Account, values)


def accounts_exist(session: Session, ids: set[int]) -> set[int]:
    """Which of these account ids exist."""
    return repository.existing_ids(session, ids)


def known_group_ids(session: Session, group_ids: set[str]) -> set[str]:
    """Which of these Segment groupIds name an account (its segment_group_id)."""
    return repository.existing_group_ids(session, group_ids)


def count_accounts(session: Session) -> int:
    """How many accounts there are."""
    return repository.count(session)


def upsert_accounts(
    session: Session, rows: Sequence[dict[str, Any]], row_numbers: Sequence[int] | None = None
) -> UpsertCounts:
    """Validates every row, then creates or updates each account by crm_id (all or nothing)."""
    forget_filter_options()
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        number = row_numbers[index] if row_numbers else index + 1
        try:
            clean.append(plain_values(AccountCreate.model_validate(row).model_dump(exclude_unset=True)))
        except ValidationError as exc:
            problems.extend(in_row(number, exc))
            continue
        if not clean[-1].get("crm_id"):
            problems.append(FieldProblem(f"row {number}: crm_id", "is required to match accounts"))
    problems += _unknown_owners(session, clean)
    if len(clean) == len(rows):  # numbers line up only when every row validated
        problems += tier_checks.unknown_tiers(session, clean, row_numbers)
    if problems:
        raise InvalidInput(problems)
    defaults = {"tags": [], "traits": {}, "departments": [], "scenarios": [], "tier_pinned": False}
    return upsert_by_key(session, Account, "crm_id", clean, merge=("traits",), defaults=defaults)


def upsert_contacts(
    session: Session, rows: Sequence[dict[str, Any]], row_numbers: Sequence[int] | None = None
) -> UpsertCounts:
    """Validates every row, then creates or updates each stakeholder by external_id (all or nothing)."""
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        number = row_numbers[index] if row_numbers else index + 1
        fields = dict(row)
        external_id = fields.pop("external_id", None)
        try:
            valid = plain_values(ContactCreate.model_validate(fields).model_dump(exclude_unset=True))
            valid.setdefault("active", valid.get("left_on") is None)
            _check_left(valid["active"], valid.get("left_on"))
        except ValidationError as exc:
            problems.extend(in_row(number, exc))
            continue
        except InvalidInput as exc:
            problems.extend(in_row(number, exc))
            continue
        if not external_id:
            problems.append(FieldProblem(f"row {number}: external_id", "is required to match contacts"))
        clean.append({**valid, "external_id": external_id})
    problems += _unknown_accounts(session, clean)
    if problems:
        raise InvalidInput(problems)
    return upsert_by_key(session, Contact, "external_id", clean)


ACCOUNT_KEYS = ("crm_id", "segment_group_id", "name", "id")


def account_ids_by(session: Session, key: str, values: Sequence[str]) -> dict[str, int]:
    """Account ids by one of their keys (crm_id, segment_group_id, name or id), for the values found."""
    if key not in ACCOUNT_KEYS:
        raise InvalidInput.one("lookup", f"accounts are looked up by {', '.join(ACCOUNT_KEYS)}")
    if key == "id":
        numbers = [int(v) for v in values if str(v).isdigit()]
        return {str(i): i for i in repository.existing_ids(session, set(numbers))}
    return {str(k): a.id for k, a in rows_by_key(session, Account, key, values).items()}


def group_ids_by(session: Session, key: str, values: Sequence[str]) -> dict[str, str | None]:
    """Each found account's Segment groupId (None when it has none), by one of its keys."""
    if key not in ACCOUNT_KEYS:
        raise InvalidInput.one("lookup", f"accounts are looked up by {', '.join(ACCOUNT_KEYS)}")
    return repository.group_ids_by_key(session, key, values)


def group_ids_of(session: Session, account_ids: Sequence[int]) -> dict[int, str | None]:
    """Each account's Segment groupId (segment_group_id), by account id."""
    found = rows_by_key(session, Account, "id", account_ids, ("segment_group_id",))
    return {i: a.segment_group_id for i, a in found.items()}


def contact_ids_by(session: Session, key: str, values: Sequence[str]) -> dict[str, int]:
    """Contact ids by external_id or email, for the values found."""
    if key not in ("external_id", "email"):
        raise InvalidInput.one("lookup", "contacts are looked up by external_id or email")
    return {str(k): c.id for k, c in rows_by_key(session, Contact, key, values).items()}


# The snapshot's values (and the churn model's latest likelihood) copied onto accounts for the portfolio.
SNAPSHOT_FIELDS = frozenset(
    ("tier", "health_score", "health_grade", "health_trend_7d", "health_trend_30d", "stage", "stage_since",
     "in_renewal_window", "churn_likelihood")
)  # fmt: skip


def write_snapshot_values(session: Session, values: pa.Table) -> int:
    """Stores snapshot fields (columns beside `id`) on the accounts whose values differ; accounts changed."""
    unknown = set(values.column_names) - SNAPSHOT_FIELDS - {"id"}
    if unknown or "id" not in values.column_names:
        raise ValueError(f"not snapshot fields: {', '.join(sorted(unknown)) or 'no id column'}")
    forget_filter_options()
    return repository.write_changed_values(session, values)


def set_snapshot_values(session: Session, values: list[dict[str, Any]]) -> None:
    """Stores the latest snapshot's tier, health and stage on accounts (each dict carries its id)."""
    forget_filter_options()
    for row in values:
        unknown = set(row) - SNAPSHOT_FIELDS - {"id"}
        if unknown:
            raise ValueError(f"not snapshot fields: {', '.join(sorted(unknown))}")
    repository.update_many(session, Account, values)
