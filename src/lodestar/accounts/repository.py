"""Queries for accounts and contacts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, Float, Select, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account, Contact
from lodestar.accounts.schemas import AccountFilter
from lodestar.accounts.standing import worth
from lodestar.db.base import table_of
from lodestar.db.batches import rows_among
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.columns import Column, read_columns
from lodestar.db.staging import fetch_columns, update_changed_columns
from lodestar.db.upsert import update_by_id

ID_BATCH = 5_000  # keeps IN (...) lists under SQLite's bound-parameter limit
CLOSED = "churned"  # the status of an account whose contracts all ended: churned and lead-pool stages
# Risk order: red before yellow before green before unscored (the sort key "risk", highest first).
RISK_RANK = case(
    (Account.health_grade == "red", 3),
    (Account.health_grade == "yellow", 2),
    (Account.health_grade == "green", 1),
    else_=0,
)


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
        (Account.in_renewal_window, flt.renewal_window),
        (Account.intent_stars, flt.stars),
        (Account.stage, flt.stage),
    ):
        if value is not None and value != "":
            conds.append(column == value)
    if flt.grade is not None:
        unscored = flt.grade == "none"
        conds.append(Account.health_grade.is_(None) if unscored else Account.health_grade == flt.grade)
    if flt.churn_min is not None:
        conds.append(Account.churn_likelihood >= flt.churn_min / 100)
    if not flt.closed and flt.status is None and not flt.stage:
        conds.append(Account.status != CLOSED)
    return conds


def _order(flt: AccountFilter, rates: Mapping[str, Decimal]) -> list[Any]:
    """The ORDER BY of a sort key; risk: the grade's rank, then the score (lowest first at highest risk);
    arr: the ARR's worth in the company currency at these rates."""
    if flt.sort == "risk":
        rank, score = (
            (RISK_RANK.desc(), Account.health_score.asc())
            if flt.desc
            else (RISK_RANK.asc(), Account.health_score.desc())
        )
        return [rank, score.nulls_last(), Account.id]
    column = worth(rates) if flt.sort == "arr" else getattr(Account, flt.sort)
    order = column.desc() if flt.desc else column.asc()
    return [order.nulls_last(), Account.id]


def search(
    session: Session, flt: AccountFilter, owner_ids: frozenset[int] | None, rates: Mapping[str, Decimal]
) -> tuple[list[Account], int]:
    """One page of accounts matching the filter, and how many match in all (ARR sorted at these rates)."""
    conds = _filters(flt, owner_ids)
    total = session.scalar(select(func.count()).select_from(Account).where(*conds)) or 0
    stmt = (
        select(Account)
        .where(*conds)
        .order_by(*_order(flt, rates))
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
    """Bulk-updates rows by primary key (each dict carries its id), one executemany per column set."""
    update_by_id(session, model, rows)


def commercials_of(session: Session, account_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """The stored ARR, currency, renewal date and status of these accounts, by id (plain rows)."""
    wanted = sorted(account_ids)
    found: dict[int, dict[str, Any]] = {}
    columns = (Account.id, Account.arr, Account.currency, Account.renewal_date, Account.status)
    for i in range(0, len(wanted), 5_000):  # under SQLite's bound-parameter limit
        for row in session.execute(select(*columns).where(Account.id.in_(wanted[i : i + 5_000]))):
            found[row.id] = {
                "arr": row.arr,
                "currency": row.currency,
                "renewal_date": row.renewal_date,
                "status": row.status,
            }
    return found


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


def profiles(session: Session, ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every account's (or these accounts') id and the fields tier rules read."""
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
        for r in session.execute(_among(select(*cols), Account.id, ids).order_by(Account.id))
    ]


def attributes(session: Session) -> list[tuple[Any, ...]]:
    """(id, industry, employees, region, plan, funding_stage, it_maturity, traits) of every account."""
    cols = (Account.id, Account.industry, Account.employees, Account.region, Account.plan,
            Account.funding_stage, Account.it_maturity, Account.traits)  # fmt: skip
    return [tuple(r) for r in session.execute(select(*cols).order_by(Account.id))]


def _among(stmt: Any, column: Any, ids: Collection[int] | None) -> Any:
    """The statement limited to these account ids (None: every account; callers pass at most ID_BATCH)."""
    return stmt if ids is None else stmt.where(column.in_(sorted(ids)))


def profile_columns(session: Session) -> pa.Table:
    """Every account's id and the fields tier rules read, as columns (ordered by id)."""
    cols = (
        Account.id.label("account_id"),
        cast(Account.arr, Float).label("arr"),
        Account.employees,
        Account.industry,
        Account.plan,
        Account.tier,
        Account.tier_pinned,
    )
    schema = pa.schema([
        ("account_id", pa.int64()), ("arr", pa.float64()), ("employees", pa.int64()),
        ("industry", pa.string()), ("plan", pa.string()), ("tier", pa.string()), ("tier_pinned", pa.bool_()),
    ])  # fmt: skip
    table = fetch_columns(session, select(*cols).order_by(Account.id), schema)
    return table.set_column(1, "arr", pc.fill_null(table.column("arr"), 0.0))


def write_changed_values(session: Session, values: pa.Table) -> int:
    """Writes these columns (with `id`) onto the accounts whose stored values differ; accounts changed."""
    changed = update_changed_columns(session, table_of(Account), values)
    # The UPDATE bypasses loaded objects; expire them so they re-read the new values.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Account):
            session.expire(obj)
    return changed


def analytics_account_columns(session: Session, ids: Collection[int] | None = None) -> dict[str, np.ndarray]:
    """(id, segment group id, tier) of every account (or of these) as arrays ("" where unset), one text per
    column."""
    blank = literal("", literal_execute=True)
    group, tier = func.coalesce(Account.segment_group_id, blank), func.coalesce(Account.tier, blank)
    columns = [Column("id", Account.id, "int"), Column("group", group, "text"), Column("tier", tier, "text")]
    among = None if ids is None else (Account.id, ids)
    return read_columns(session, columns, lambda stmt: stmt.select_from(Account), among)


def account_ids_of_groups(session: Session, group_ids: Collection[str]) -> list[int]:
    """The ids of the accounts with these segment group ids."""
    ordered, out = sorted(group_ids), list[int]()
    for i in range(0, len(ordered), ID_BATCH):
        stmt = select(Account.id).where(Account.segment_group_id.in_(ordered[i : i + ID_BATCH]))
        out.extend(session.scalars(stmt))
    return sorted(out)


def analytics_contacts(session: Session, ids: Collection[int] | None = None) -> list[tuple[Any, ...]]:
    """(account_id, role, active, left_on) of every contact (or of these accounts' contacts)."""
    cols = (Contact.account_id, Contact.role, Contact.active, Contact.left_on)
    return [tuple(r) for r in session.execute(_among(select(*cols), Contact.account_id, ids))]


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


# Light rows for the cockpit and the portfolio figures: attribute access without loading whole accounts.
CARD_COLUMNS = (
    Account.id,
    Account.name,
    Account.owner_id,
    Account.tier,
    Account.arr,
    Account.currency,
    Account.health_score,
    Account.health_grade,
    Account.health_trend_7d,
    Account.stage,
    Account.renewal_date,
)


def _scoped(owner_ids: frozenset[int] | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Account.status != CLOSED]
    if owner_ids is not None:
        conds.append(Account.owner_id.in_(owner_ids))
    return conds


def summary(session: Session, flt: AccountFilter, owner_ids: frozenset[int] | None) -> list[tuple[Any, ...]]:
    """(currency, grade, stage, accounts, ARR) groups of the accounts matching the filter (every page)."""
    cols = (Account.currency, Account.health_grade, Account.stage)
    stmt = select(*cols, func.count(), func.sum(Account.arr)).where(*_filters(flt, owner_ids)).group_by(*cols)
    return [tuple(r) for r in session.execute(stmt)]


def owner_summary(session: Session, owner_ids: frozenset[int] | None) -> list[tuple[Any, ...]]:
    """(owner_id, currency, grade, stage, accounts, ARR) groups of the live accounts in scope."""
    cols = (Account.owner_id, Account.currency, Account.health_grade, Account.stage)
    stmt = select(*cols, func.count(), func.sum(Account.arr)).where(*_scoped(owner_ids)).group_by(*cols)
    return [tuple(r) for r in session.execute(stmt)]


def live_accounts(owner_ids: frozenset[int] | None) -> Select[int, int | None, str | None]:
    """(id, owner_id, stage) of the live accounts in scope, as a statement to join or filter by."""
    return select(Account.id, Account.owner_id, Account.stage).where(*_scoped(owner_ids))


def movers(session: Session, owner_ids: frozenset[int] | None, limit: int) -> list[Any]:
    """The live accounts whose health changed most in 7 days (either way), largest change first.

    The biggest rises and the biggest falls are read apart, each walking the trend's index from its end and
    stopping after `limit` rows in scope; the largest changes overall are among those two lists."""
    trend = Account.health_trend_7d
    scoped = select(*CARD_COLUMNS).where(*_scoped(owner_ids))
    rises = scoped.where(trend > 0).order_by(trend.desc(), Account.id).limit(limit)
    falls = scoped.where(trend < 0).order_by(trend.asc(), Account.id).limit(limit)
    both = [*session.execute(rises), *session.execute(falls)]
    return sorted(both, key=lambda r: (-abs(r.health_trend_7d), r.id))[:limit]


def at_risk(session: Session, owner_ids: frozenset[int] | None, stages: Collection[str]) -> list[Any]:
    """Live accounts in one of these stages or graded red."""
    risky = or_(Account.stage.in_(sorted(stages)), Account.health_grade == "red")
    return list(session.execute(select(*CARD_COLUMNS).where(*_scoped(owner_ids), risky)))


def group_ids_by_key(session: Session, key: str, values: Collection[str]) -> dict[str, str | None]:
    """The segment_group_id of the accounts whose `key` column is one of these values, by value (plain
    rows, no ORM objects: an event import looks up every account of a company at once)."""
    column = Account.id if key == "id" else getattr(Account, key)
    wanted = sorted({int(v) for v in values if str(v).isdigit()} if key == "id" else set(values))
    found: dict[str, str | None] = {}
    for i in range(0, len(wanted), 5_000):  # under SQLite's bound-parameter limit
        query = select(column, Account.segment_group_id).where(column.in_(wanted[i : i + 5_000]))
        found.update((str(k), g) for k, g in session.execute(query))
    return found


def crm_ids(session: Session) -> list[tuple[int, str | None]]:
    """(id, CRM id) of every account."""
    return [(r[0], r[1]) for r in session.execute(select(Account.id, Account.crm_id))]


def of_accounts(session: Session, model: type[Any], ids: Collection[int]) -> list[Any]:
    """The accounts (model Account) or their contacts (model Contact) among these account ids, by id."""
    column = model.id if model is Account else model.account_id
    return [r[0] for r in rows_among(session, select(model).order_by(model.id), column, ids)]


def matching_ids(flt: AccountFilter, owner_ids: frozenset[int] | None) -> Select[Any]:
    """The ids of the accounts matching the filter in scope, as a statement to use as a subquery."""
    return select(Account.id).where(*_filters(flt, owner_ids))
