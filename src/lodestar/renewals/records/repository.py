"""Queries on renewals and their forecast history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from lodestar.db.bulk import insert_rows
from lodestar.renewals.records.models import BY_HAND, DERIVED, ForecastChange, Renewal
from lodestar.renewals.records.schemas import RenewalQuery
from lodestar.renewals.schemas import OUTCOMES

# What the daily step compares and rewrites when the contracts decide an outcome.
DERIVED_COLUMNS = (
    "outcome", "outcome_source", "renewing_contract_id", "closed_on", "change_currency", "renewal_arr",
    "expansion_arr", "contraction_arr", "churn_arr", "reasons",
)  # fmt: skip


def contract_ids() -> Select[Any]:
    """The ids of the contracts that have a renewal, as a subquery."""
    return select(Renewal.contract_id)


def insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Inserts renewals in bulk (the unique contract id refuses a second renewal of a contract): a first run
    opens a portfolio's renewals at once, through the driver's executemany or COPY (db/bulk.py)."""
    insert_rows(session, Renewal, rows)


def _derivable() -> ColumnElement[bool]:
    return or_(Renewal.outcome_source.is_(None), Renewal.outcome_source == DERIVED)


def _awaiting_contract() -> ColumnElement[bool]:
    # Closed by hand before the renewing contract was stored: its ARR split waits for the contracts.
    return and_(Renewal.outcome_source == BY_HAND, Renewal.renewing_contract_id.is_(None))


def chain_contract_ids() -> Select[Any]:
    """The contracts whose chain the daily step reads: renewals nobody closed by hand, and those closed by
    hand before a renewing contract was known, as a subquery."""
    return select(Renewal.contract_id).where(or_(_derivable(), _awaiting_contract()))


def hand_rows_awaiting_contract(session: Session) -> list[Any]:
    """(id, contract_id, *DERIVED_COLUMNS) of the renewals closed by hand with no renewing contract."""
    columns = [getattr(Renewal, c) for c in DERIVED_COLUMNS]
    stmt = select(Renewal.id, Renewal.contract_id, *columns).where(_awaiting_contract())
    return list(session.execute(stmt))


def derivable_rows(session: Session) -> list[Any]:
    """(id, contract_id, *DERIVED_COLUMNS) of the renewals nobody closed by hand."""
    columns = [getattr(Renewal, c) for c in DERIVED_COLUMNS]
    return list(session.execute(select(Renewal.id, Renewal.contract_id, *columns).where(_derivable())))


def update_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Updates renewals by id in bulk (each row: id and the columns to set)."""
    if rows:
        session.execute(update(Renewal), rows)


def get(session: Session, renewal_id: int) -> Renewal | None:
    """A renewal by id."""
    return session.get(Renewal, renewal_id)


def history(session: Session, renewal_id: int) -> list[ForecastChange]:
    """A renewal's forecast changes, oldest first."""
    stmt = select(ForecastChange).where(ForecastChange.renewal_id == renewal_id)
    return list(session.scalars(stmt.order_by(ForecastChange.changed_at, ForecastChange.id)))


def add_change(session: Session, change: ForecastChange) -> None:
    """Records one forecast change."""
    session.add(change)


def _conditions(query: RenewalQuery, account_ids: Select[Any] | None) -> list[ColumnElement[bool]]:
    """The WHERE of a query; account_ids None: every account (no IN over the whole accounts table)."""
    conds: list[ColumnElement[bool]] = [] if account_ids is None else [Renewal.account_id.in_(account_ids)]
    if query.status == "open":
        conds.append(Renewal.outcome.is_(None))
    elif query.status == "closed":
        # Each outcome by name: the (outcome, contract_end) index then seeks a date range per outcome.
        conds.append(Renewal.outcome.in_(OUTCOMES))
    if query.forecast == "none":
        conds.append(Renewal.forecast.is_(None))
    elif query.forecast is not None:
        conds.append(Renewal.forecast == query.forecast)
    if query.account_id is not None:
        conds.append(Renewal.account_id == query.account_id)
    if query.end_from is not None:
        conds.append(Renewal.contract_end >= query.end_from)
    if query.end_to is not None:
        conds.append(Renewal.contract_end <= query.end_to)
    return conds


def count(session: Session, query: RenewalQuery, account_ids: Select[Any] | None) -> int:
    """How many renewals match the query among these accounts."""
    conds = _conditions(query, account_ids)
    return session.scalar(select(func.count()).select_from(Renewal).where(*conds)) or 0


def search(
    session: Session, query: RenewalQuery, account_ids: Select[Any] | None, limit: int, offset: int
) -> list[Renewal]:
    """The renewals matching the query among these accounts, soonest contract end first."""
    conds = _conditions(query, account_ids)
    stmt = select(Renewal).where(*conds).order_by(Renewal.contract_end, Renewal.id)  # the index's order
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def _month(session: Session, day: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", day)
    return func.strftime(literal("%Y-%m", literal_execute=True), day)


def _rate_period(day: Any, change_dates: Sequence[date]) -> list[ColumnElement[Any]]:
    """How many rate changes happened by the day (nothing to group by without changes): inside one value
    every currency has one rate."""
    if not change_dates:
        return []
    steps = [(day >= d, i + 1) for i, d in reversed(list(enumerate(change_dates)))]
    return [case(*steps, else_=0)]


def _groups(
    session: Session, conds: list[ColumnElement[bool]], keys: Sequence[Any], change_dates: Sequence[date]
) -> list[Any]:
    """(latest contract end, *keys, renewals, ARR) per month of contract end, key and rate period: a few
    hundred groups where a group per day made thousands, each converted at its latest end's rate (which
    every renewal of the group shares). Summed per day first, in the covering index's order, then per
    month: sorting the day groups costs a fraction of sorting every renewal."""
    named = [k.label(f"k{i}") for i, k in enumerate(keys)]
    per_day = (
        select(
            Renewal.contract_end.label("day"),
            *named,
            func.count().label("n"),
            func.sum(Renewal.arr).label("a"),
        )
        .where(*conds)
        .group_by(Renewal.contract_end, *keys)
        .subquery()
    )
    day = per_day.c.day
    by_key = [per_day.c[f"k{i}"] for i in range(len(keys))]
    stmt = select(func.max(day), *by_key, func.sum(per_day.c.n), func.sum(per_day.c.a)).group_by(
        _month(session, day), *_rate_period(day, change_dates), *by_key
    )
    return [tuple(row) for row in session.execute(stmt)]


def open_groups(
    session: Session, query: RenewalQuery, account_ids: Select[Any] | None, change_dates: Sequence[date] = ()
) -> list[Any]:
    """(contract end, forecast, currency, renewals, ARR) of the open renewals matching the query, per month
    of contract end and rate period (see _groups)."""
    conds = _conditions(query.model_copy(update={"status": "open"}), account_ids)
    return _groups(session, conds, (Renewal.forecast, Renewal.currency), change_dates)


def closed_groups(
    session: Session,
    query: RenewalQuery,
    account_ids: Select[Any] | None,
    first: date,
    last: date,
    change_dates: Sequence[date] = (),
) -> list[Any]:
    """(contract end, forecast, outcome, currency, renewals, ARR) of the closed renewals matching the query
    whose contract ended in [first, last], per month of contract end and rate period (see _groups)."""
    window = query.model_copy(update={"status": "closed", "end_from": first, "end_to": last})
    keys = (Renewal.forecast, Renewal.outcome, Renewal.currency)
    return _groups(session, _conditions(window, account_ids), keys, change_dates)


def for_account(session: Session, account_id: int) -> list[Renewal]:
    """An account's renewals, open first, then by contract end (latest first)."""
    stmt = select(Renewal).where(Renewal.account_id == account_id)
    return list(session.scalars(stmt.order_by(Renewal.outcome.is_not(None), Renewal.contract_end.desc())))


def facts(session: Session) -> list[Any]:
    """(id, contract_id, owner_id, opened_on, contract_end, outcome, closed_on, forecast) of every renewal."""
    cols = (
        Renewal.id, Renewal.contract_id, Renewal.owner_id, Renewal.opened_on, Renewal.contract_end,
        Renewal.outcome, Renewal.closed_on, Renewal.forecast,
    )  # fmt: skip
    return list(session.execute(select(*cols).order_by(Renewal.id)))


def insert_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    """Inserts forecast changes in bulk."""
    if rows:
        session.execute(insert(ForecastChange), rows)


def set_open_likelihoods(session: Session, by_account: dict[int, float]) -> int:
    """Each open renewal's predicted likelihood from its account's value; how many renewals were set."""
    open_rows = session.execute(
        select(Renewal.id, Renewal.account_id).where(
            Renewal.outcome.is_(None), Renewal.account_id.in_(sorted(by_account))
        )
    ).all()
    values = [{"id": i, "likelihood": by_account[a]} for i, a in open_rows]
    if values:
        session.execute(update(Renewal), values)
    return len(values)


def expansion_in_hand(account_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The account has an open renewal whose proposal, after discount, is above the ARR at stake."""
    discounted = Renewal.proposal_price * (100 - func.coalesce(Renewal.proposal_discount, 0)) / 100
    return (
        select(Renewal.id)
        .where(Renewal.account_id == account_id, Renewal.outcome.is_(None), discounted > Renewal.arr)
        .exists()
    )
