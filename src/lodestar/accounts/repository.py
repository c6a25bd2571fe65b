"""Queries for accounts and contacts."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from lodestar.accounts.models import Account, Contact
from lodestar.accounts.schemas import AccountFilter
from lodestar.db.bulk import insert_returning_ids

ID_BATCH = 5_000  # keeps IN (...) lists under SQLite's bound-parameter limit


def _filters(flt: AccountFilter, owner_ids: frozenset[int] | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if owner_ids is not None:
        conds.append(Account.owner_id.in_(owner_ids))
    if flt.q:
        pattern = f"%{flt.q.lower()}%"
        conds.append(
            or_(
                func.lower(Account.name).like(pattern),
                func.lower(Account.crm_id).like(pattern),
                func.lower(Account.segment_group_id).like(pattern),
            )
        )
    for column, value in (
        (Account.owner_id, flt.owner_id),
        (Account.industry, flt.industry),
        (Account.tier, flt.tier),
        (Account.plan, flt.plan),
        (Account.status, flt.status),
    ):
        if value is not None and value != "":
            conds.append(column == value)
    if flt.grade == "none":
        conds.append(Account.health_grade.is_(None))
    elif flt.grade is not None:
        conds.append(Account.health_grade == flt.grade)
    if flt.stage:
        conds.append(Account.stage == flt.stage)
    if flt.renewal_window is not None:
        conds.append(Account.in_renewal_window == flt.renewal_window)
    return conds


def search(
    session: Session, flt: AccountFilter, owner_ids: frozenset[int] | None
) -> tuple[list[Account], int]:
    """One page of accounts matching the filter, and how many match in all."""
    conds = _filters(flt, owner_ids)
    total = session.scalar(select(func.count()).select_from(Account).where(*conds)) or 0
    column = getattr(Account, flt.sort)
    order = column.desc() if flt.desc else column.asc()
    stmt = (
        select(Account)
        .where(*conds)
        .order_by(order.nulls_last(), Account.id)
        .offset((flt.page - 1) * flt.size)
        .limit(flt.size)
    )
    return list(session.scalars(stmt)), total


def get(session: Session, account_id: int) -> Account | None:
    """Gets an account by id."""
    return session.get(Account, account_id)


def taken(session: Session, column: str, value: str, exclude_id: int | None = None) -> bool:
    """Whether another account already uses this unique value (crm_id, segment_group_id)."""
    col = getattr(Account, column)
    stmt = select(Account.id).where(col == value)
    if exclude_id is not None:
        stmt = stmt.where(Account.id != exclude_id)
    return session.scalar(stmt.limit(1)) is not None


def distinct_values(session: Session, column: str, owner_ids: frozenset[int] | None) -> list[str]:
    """The distinct non-empty values of a column among visible accounts (for filter menus)."""
    col = getattr(Account, column)
    stmt = select(col).where(col.is_not(None)).distinct().order_by(col)
    if owner_ids is not None:
        stmt = stmt.where(Account.owner_id.in_(owner_ids))
    return [v for v in session.scalars(stmt) if v]


def insert_many(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-inserts rows and returns their new ids in input order."""
    return insert_returning_ids(session, model, rows)


def update_many(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Bulk-updates rows by primary key (each dict carries its id)."""
    if not rows:
        return
    session.execute(update(model), rows)
    # Bulk UPDATE bypasses loaded objects; expire them so they re-read the new values.
    for row in rows:
        loaded = session.identity_map.get(identity_key(model, row["id"]))
        if loaded is not None:
            session.expire(loaded)


def existing_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of these account ids exist."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(session.scalars(select(Account.id).where(Account.id.in_(wanted))))


def contacts_of(session: Session, account_id: int) -> list[Contact]:
    """Stakeholders of an account: active first, decision makers and champions on top."""
    stmt = (
        select(Contact)
        .where(Contact.account_id == account_id)
        .order_by(Contact.active.desc(), Contact.role, Contact.name)
    )
    return list(session.scalars(stmt))


def get_contact(session: Session, contact_id: int) -> Contact | None:
    """Gets a contact by id."""
    return session.get(Contact, contact_id)


def existing_group_ids(session: Session, group_ids: Iterable[str]) -> set[str]:
    """Which of these segment_group_ids belong to an account."""
    wanted = set(group_ids)
    if not wanted:
        return set()
    query = select(Account.segment_group_id).where(Account.segment_group_id.in_(wanted))
    return {g for g in session.scalars(query) if g is not None}


def count(session: Session) -> int:
    """How many accounts there are."""
    return session.scalar(select(func.count()).select_from(Account)) or 0


def profiles(session: Session) -> list[dict[str, Any]]:
    """Every account's id and the fields tier rules read."""
    cols = (
        Account.id,
        Account.arr,
        Account.employees,
        Account.industry,
        Account.plan,
        Account.tier,
        Account.tier_pinned,
    )
    return [
        {
            "account_id": r[0],
            "arr": float(r[1] or 0),
            "employees": r[2],
            "industry": r[3],
            "plan": r[4],
            "tier": r[5],
            "tier_pinned": bool(r[6]),
        }
        for r in session.execute(select(*cols).order_by(Account.id))
    ]


def analytics_accounts(session: Session) -> list[tuple[Any, ...]]:
    """(id, segment group id, tier) of every account."""
    return [tuple(r) for r in session.execute(select(Account.id, Account.segment_group_id, Account.tier))]


def analytics_contacts(session: Session) -> list[tuple[Any, ...]]:
    """(account_id, role, active, left_on) of every contact."""
    cols = (Contact.account_id, Contact.role, Contact.active, Contact.left_on)
    return [tuple(r) for r in session.execute(select(*cols))]


def owners_tiers_stages(
    session: Session, ids: Collection[int]
) -> dict[int, tuple[int | None, str | None, str | None]]:
    """(owner_id, tier, stage) of each of these accounts."""
    out: dict[int, tuple[int | None, str | None, str | None]] = {}
    cols = (Account.id, Account.owner_id, Account.tier, Account.stage)
    ordered = sorted(ids)
    for i in range(0, len(ordered), ID_BATCH):
        stmt = select(*cols).where(Account.id.in_(ordered[i : i + ID_BATCH]))
        out.update({a: (o, t, s) for a, o, t, s in session.execute(stmt)})
    return out


def names_of(session: Session, ids: Collection[int]) -> dict[int, str]:
    """The names of these accounts, by id."""
    out: dict[int, str] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), ID_BATCH):
        stmt = select(Account.id, Account.name).where(Account.id.in_(ordered[i : i + ID_BATCH]))
        out.update({a: n for a, n in session.execute(stmt)})
    return out


def owners_and_tiers(session: Session) -> list[tuple[Any, ...]]:
    """(id, owner_id, tier) of every account."""
    return [tuple(r) for r in session.execute(select(Account.id, Account.owner_id, Account.tier))]


def owned_by(owner_ids: Collection[int]) -> Select[int]:
    """The ids of the accounts these users own, as a statement to use as a subquery."""
    return select(Account.id).where(Account.owner_id.in_(sorted(owner_ids)))


def crm_ids(session: Session) -> list[tuple[int, str | None]]:
    """(id, CRM id) of every account."""
    return [(r[0], r[1]) for r in session.execute(select(Account.id, Account.crm_id))]
